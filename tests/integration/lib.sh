# Shared helpers for integration tests: network namespaces, veth links, dpf processes, REST.
# Source it, then call `lab_init NAME`. Everything created is removed by the EXIT trap, also
# when a test fails. Tests exit 77 (CTest's skip code) when they cannot run here.
set -euo pipefail

LAB_NS=()
LAB_PIDS=()
LAB_DIR=""
LAB_ID=""
PY=/usr/bin/python3  # Debian's interpreter: the one python3-scapy installs into

log() { printf '[%s] %s\n' "$LAB_ID" "$*"; }
fail() {
  printf '[%s] FAIL: %s\n' "$LAB_ID" "$*" >&2
  exit 1
}
skip() {
  printf '[%s] SKIP: %s\n' "$LAB_ID" "$*"
  exit 77
}

lab_cleanup() {
  local rc=$?
  set +e
  for pid in "${LAB_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${LAB_PIDS[@]}"; do
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null
  done
  if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -n "$LAB_DIR" ]; then
    for f in "$LAB_DIR"/*.log; do
      [ -f "$f" ] && { echo "---- $f"; tail -n 30 "$f"; }
    done
  fi
  exec 2>/dev/null  # bash reports every background job the kills below end
  for ns in "${LAB_NS[@]}"; do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  [ -n "$LAB_DIR" ] && rm -rf "$LAB_DIR"
  exit "$rc"
}

# lab_init NAME: checks the prerequisites and sets the trap.
lab_init() {
  LAB_ID="$1"
  [ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
  ip netns add "dpf-probe-$$" 2>/dev/null || skip "cannot create network namespaces here"
  ip netns del "dpf-probe-$$"
  LAB_DIR=$(mktemp -d "/tmp/dpf-$1.XXXXXX")
  trap lab_cleanup EXIT
  trap 'exit 130' INT TERM
}

# write_token TOKEN: the REST token in $LAB_DIR/token, readable by its owner only (a node refuses
# a token file group or others may read).
write_token() {
  (umask 077 && echo "$1" >"$LAB_DIR/token")
}

# ns NAME: a namespace with loopback up; the real name is unique to this run.
ns_name() { echo "dpf$$-$1"; }
ns_add() {
  local n
  n=$(ns_name "$1")
  ip netns add "$n"
  LAB_NS+=("$n")
  ip -n "$n" link set lo up
}
in_ns() {
  local n
  n=$(ns_name "$1")
  shift
  ip netns exec "$n" "$@"
}

# link NS_A IF_A NS_B IF_B: a veth pair between two namespaces, both ends up, offloads off so
# that what a host sends is what a DPDK af_packet port receives (no TSO super-frames, no
# checksums left for hardware to fill in).
link() {
  ip link add "$2" netns "$(ns_name "$1")" type veth peer name "$4" netns "$(ns_name "$3")"
  for end in "$1 $2" "$3 $4"; do
    set -- $end
    in_ns "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 || true
    in_ns "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" 2>/dev/null || true
    ip -n "$(ns_name "$1")" link set "$2" up
  done
}

# host NS IF ADDR/LEN GATEWAY: a Linux host end.
host_addr() {
  ip -n "$(ns_name "$1")" addr add "$3" dev "$2"
  [ -z "${4:-}" ] || ip -n "$(ns_name "$1")" route add default via "$4"
}

# router_topology: host A (10.0.0.2) on fw's sis0, host B (192.168.0.2) on fw's sis1, each with
# the node's address on its network (.254) as default gateway. Namespaces hA, hB, fw.
router_topology() {
  ns_add hA
  ns_add hB
  ns_add fw
  link hA eth0 fw sis0
  link hB eth0 fw sis1
  host_addr hA eth0 10.0.0.2/24 10.0.0.254
  host_addr hB eth0 192.168.0.2/24 192.168.0.254
}

# router_cluster NAME: $LAB_DIR/cluster.yaml for router_topology's node fw (sis0 10.0.0.254,
# sis1 192.168.0.254) with the ruleset $LAB_DIR/rules.conf.
router_cluster() {
  cat >"$LAB_DIR/cluster.yaml" <<YAML
cluster: { name: $1, rules: rules.conf }
nodes:
  fw:
    eal: [-l, "0-1", --no-huge, -m, "256", --no-pci, --file-prefix, dpf-$1-$$, --log-level, "*:warning"]
    interfaces:
      sis0: { device: "net_af_packet0,iface=sis0", address: 10.0.0.254/24 }
      sis1: { device: "net_af_packet1,iface=sis1", address: 192.168.0.254/24 }
YAML
}

# sync_pair_rules: $LAB_DIR/rules.conf for the pfsync tests: pfsync in on the sync link, and a
# stateful policy that lets the inside (sis1) out.
sync_pair_rules() {
  cat >"$LAB_DIR/rules.conf" <<'PF'
pass quick on sis2 proto pfsync keep state (no-sync)
block all
pass out keep state
pass in on sis1 keep state
PF
}

# sync_pair_topology: firewalls fwa and fwb joined by a crossover sync link (sis2). Host hA
# (10.0.0.2) on fwa's sis0 and host hB (192.168.0.2) on fwa's sis1 route through fwa (.252);
# fwb's sis0 and sis1 are up but lead nowhere.
sync_pair_topology() {
  local n
  for n in hA hB fwa fwb; do ns_add $n; done
  link hA eth0 fwa sis0
  link hB eth0 fwa sis1
  link fwa sis2 fwb sis2
  link fwb sis0 fwb x0
  link fwb sis1 fwb x1
  host_addr hA eth0 10.0.0.2/24 10.0.0.252
  host_addr hB eth0 192.168.0.2/24 192.168.0.252
}

# pair_node NAME HOSTID OCTET SYNC_OCTET [LINE...]: one node of a two-firewall cluster file, with
# sis0 10.0.0.OCTET/24, sis1 192.168.0.OCTET/24 and sis2 10.0.10.SYNC_OCTET/24 on af_packet ports
# of the namespace's interfaces of those names; each LINE is added to the node's map.
pair_node() {
  cat <<YAML
  $1:
    hostid: $2
    eal: [-l, "0-1", --no-huge, -m, "256", --no-pci, --file-prefix, dpf-$1-$$, --log-level, "*:warning"]
    interfaces:
      sis0: { device: "net_af_packet0,iface=sis0", address: 10.0.0.$3/24 }
      sis1: { device: "net_af_packet1,iface=sis1", address: 192.168.0.$3/24 }
      sis2: { device: "net_af_packet2,iface=sis2", address: 10.0.10.$4/24 }
YAML
  shift 4
  local line
  for line in "$@"; do echo "    $line"; done
}

# pair_cluster CLUSTER_MAP NODE_FUNC: $LAB_DIR/cluster.yaml with `cluster: CLUSTER_MAP` and the
# nodes fw-a (hostid 0x0a000001, .252, sync .1) and fw-b (0x0a000002, .253, sync .2) as NODE_FUNC
# writes them from pair_node's arguments; it must pass dpf --check.
pair_cluster() {
  {
    echo "cluster: $1"
    echo "nodes:"
    "$2" fw-a 0x0a000001 252 1
    "$2" fw-b 0x0a000002 253 2
  } >"$LAB_DIR/cluster.yaml"
  "$DPF" -- -c "$LAB_DIR/cluster.yaml" --check >/dev/null || fail "the cluster file does not --check"
}

# ha_topology: the example of pfsync(4) and carp(4). Namespace lan holds two bridges: br0 joins
# the external host (ext, 10.0.0.100) and sis0 of firewalls fwa and fwb, br1 the internal host
# (int, 192.168.0.100) and their sis1; sis2 is a crossover link between the firewalls. The hosts
# route through the virtual addresses 10.0.0.1 and 192.168.0.1.
ha_topology() {
  local n
  for n in lan ext int fwa fwb; do ns_add $n; done
  n=$(ns_name lan)
  for br in br0 br1; do
    ip -n "$n" link add $br type bridge mcast_snooping 0
    ip -n "$n" link set $br up
  done
  link ext eth0 lan e0
  link fwa sis0 lan a0
  link fwb sis0 lan b0
  link int eth0 lan i1
  link fwa sis1 lan a1
  link fwb sis1 lan b1
  link fwa sis2 fwb sis2
  for p in e0 a0 b0; do ip -n "$n" link set $p master br0; done
  for p in i1 a1 b1; do ip -n "$n" link set $p master br1; done
  host_addr ext eth0 10.0.0.100/24
  ip -n "$(ns_name ext)" route add 192.168.0.0/24 via 10.0.0.1
  host_addr int eth0 192.168.0.100/24 192.168.0.1
}

# carp_state NS VHID: the CARP role of a vhid on the dpf running in NS ("" when unreachable).
carp_state() {
  api "$1" /api/v1/carp 2>/dev/null | json "[v['state'] for v in d['vhids'] if v['vhid'] == $2][0]" 2>/dev/null || true
}

# wait_carp NS VHID STATE SECONDS: waits for the role; prints the milliseconds it took.
wait_carp() {
  local t0 now
  t0=$(date +%s%N)
  while :; do
    [ "$(carp_state "$1" "$2")" = "$3" ] && break
    now=$(date +%s%N)
    [ $(((now - t0) / 1000000)) -lt $(($4 * 1000)) ] || fail "$1 vhid $2 not $3 after $4 s (is $(carp_state "$1" "$2"))"
    sleep 0.05
  done
  echo $((($(date +%s%N) - t0) / 1000000))
}

# start_dpf NS LOGNAME ARGS...: runs dpf in NS in the background and waits for its REST API.
start_dpf() {
  local ns=$1 name=$2
  shift 2
  # Not through in_ns: $! must be dpf itself (ip netns exec execs it) so signals reach it.
  ip netns exec "$(ns_name "$ns")" "$DPF" "$@" >"$LAB_DIR/$name.log" 2>&1 &
  LAB_PIDS+=($!)
  local pid=$!
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || fail "dpf ($name) exited at start-up: $(tail -n 5 "$LAB_DIR/$name.log")"
    if grep -q 'REST API on' "$LAB_DIR/$name.log" 2>/dev/null &&
      in_ns "$ns" curl -sf -o /dev/null "http://127.0.0.1:${API_PORT:-9080}/api/v1/status"; then
      return 0
    fi
    sleep 0.1
  done
  fail "dpf ($name) did not come up: $(tail -n 5 "$LAB_DIR/$name.log")"
}

# api NS PATH: GET a REST path of the dpf running in NS.
api() { in_ns "$1" curl -sf "http://127.0.0.1:${API_PORT:-9080}$2"; }

# json EXPR: evaluates a Python expression over the JSON document on stdin (bound to d).
json() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# stop_dpf NAME: SIGTERM the dpf started last; it must exit 0 within a second and say it stopped.
stop_dpf() {
  local pid=${LAB_PIDS[-1]} rc=0
  kill -TERM "$pid"
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && fail "dpf ($1) still running 1 s after SIGTERM"
  wait "$pid" || rc=$?
  [ "$rc" = 0 ] || fail "dpf ($1) exited with status $rc on SIGTERM"
  grep -q 'stopped' "$LAB_DIR/$1.log" || fail "dpf ($1) did not stop cleanly"
}

# ---- Two firewalls with pfsync and CARP on ha_topology (the fault tests) ----------------------

# ha_pair_rules [LINE...]: $LAB_DIR/rules.conf for ha_topology's firewalls: each LINE first (`set`
# options), then carp.sh's policy: nothing in from outside, pfsync on sis2 and CARP on the data
# links without syncing their own states, the inside (sis1) let out with state.
ha_pair_rules() {
  {
    local line
    for line in "$@"; do echo "$line"; done
    cat <<'PF'
block in on sis0
pass quick on sis2 proto pfsync keep state (no-sync)
pass on { sis0 sis1 } proto carp keep state (no-sync)
pass out keep state
pass in on sis1 keep state
PF
  } >"$LAB_DIR/rules.conf"
}

# ha_pair_cluster NAME: $LAB_DIR/cluster.yaml for ha_topology (pair_cluster): pfsync on the sis2
# crossover; vhid 1 on sis0 (10.0.0.1) and vhid 2 on sis1 (192.168.0.1), advbase 1, preempt;
# fw-a advskew 0, fw-b 100; REST on 127.0.0.1:9080 with the token in $LAB_DIR/token (HA_TOKEN).
HA_TOKEN=ha-token
A_HOSTID=0a000001
B_HOSTID=0a000002
ha_pair_node() {
  local skew=0
  [ "$1" = fw-b ] && skew=100
  pair_node "$@" "carp: { advskew: $skew }" "api: { listen: \"127.0.0.1:9080\", token_file: token }"
}
ha_pair_cluster() {
  write_token "$HA_TOKEN"
  pair_cluster "{ name: $1, rules: rules.conf, pfsync: { syncdev: sis2 },
    carp: { preempt: true, vhids: [
      { vhid: 1, interface: sis0, pass: foo, advbase: 1, addresses: [10.0.0.1/24] },
      { vhid: 2, interface: sis1, pass: bar, advbase: 1, addresses: [192.168.0.1/24] } ] } }" \
    ha_pair_node
}

# bulk_done NS: True once the node in NS finished the bulk update it last asked for.
bulk_done() { api "$1" /api/v1/pfsync | json "d['bulk']['done']" 2>/dev/null || true; }
# wait_bulk_done NS SECONDS
wait_bulk_done() {
  local end=$((SECONDS + $2))
  until [ "$(bulk_done "$1")" = True ]; do
    [ $SECONDS -lt $end ] || fail "$1's bulk update not done after $2 s: $(api "$1" /api/v1/pfsync | json "d['bulk']")"
    sleep 0.2
  done
}

# ha_pair_start: starts fw-a, then fw-b (pids in A_PID, B_PID); waits until both finished their
# bulk updates (A's, asked for before B ran, is answered by one of its retries, 5 s apart), then
# for A master of both vhids and B backup (until A's bulk is done B may preempt it).
ha_pair_start() {
  start_dpf fwa fw-a -- -c "$LAB_DIR/cluster.yaml" --node fw-a
  A_PID=${LAB_PIDS[-1]}
  start_dpf fwb fw-b -- -c "$LAB_DIR/cluster.yaml" --node fw-b
  B_PID=${LAB_PIDS[-1]}
  wait_bulk_done fwb 20
  wait_bulk_done fwa 20
  wait_carp fwa 1 MASTER 10 >/dev/null
  wait_carp fwa 2 MASTER 5 >/dev/null
  wait_carp fwb 1 BACKUP 5 >/dev/null
  wait_carp fwb 2 BACKUP 5 >/dev/null
}

# carp_roles: "A1/A2 B1/B2", the roles of vhids 1 and 2 on fwa and fwb, read in one go ("?" for
# a node that does not answer).
carp_roles() {
  local a b
  a=$(api fwa /api/v1/carp 2>/dev/null) || a='{}'
  b=$(api fwb /api/v1/carp 2>/dev/null) || b='{}'
  "$PY" -c '
import json, sys
def roles(text):
    v = {x["vhid"]: x["state"] for x in json.loads(text).get("vhids", [])}
    return "/".join(v.get(i, "?") for i in (1, 2))
print(roles(sys.argv[1]), roles(sys.argv[2]))' "$a" "$b"
}

# carp_transitions NS...: the role changes the nodes in the NSs made so far (each vhid's to_master,
# to_backup and to_init counters, summed): unchanged over a fault means no flap, however short.
carp_transitions() {
  local ns n=0
  for ns in "$@"; do
    n=$((n + $(api "$ns" /api/v1/carp | json "sum(v['to_master'] + v['to_backup'] + v['to_init'] for v in d['vhids'])")))
  done
  echo $n
}

# wait_listen NS PORT: waits (up to 10 s) until a TCP socket listens on PORT in NS.
wait_listen() {
  local end=$((SECONDS + 10))
  until [ -n "$(in_ns "$1" ss -Hltn "sport = :$2")" ]; do
    [ $SECONDS -lt $end ] || fail "nothing listens on port $2 in $1"
    sleep 0.05
  done
}

# ha_stream_start PORT SECONDS: a counted TCP stream from int to ext:PORT through the virtual
# addresses (so through the master), for SECONDS; ha_stream_check PORT waits for its end and
# fails unless it arrived whole and in order.
ha_stream_start() {
  in_ns ext $PY "$HERE/tcp_transfer.py" watch "$1" >"$LAB_DIR/watch-$1.out" &
  STREAM_WATCH=$!
  wait_listen ext "$1"
  in_ns int $PY "$HERE/tcp_transfer.py" stream 10.0.0.100 "$1" "$2" >"$LAB_DIR/stream-$1.out" &
  STREAM_SEND=$!
}
ha_stream_check() {
  wait "$STREAM_WATCH" || true
  wait "$STREAM_SEND" || true
  local sent word bytes bad gap
  sent=$(awk '/^sent/ { print $2 }' "$LAB_DIR/stream-$1.out")
  read -r word bytes bad gap <<<"$(tail -n 1 "$LAB_DIR/watch-$1.out")"
  [ "$word" = done ] && [ "$bad" = bad=0 ] && [ -n "$sent" ] && [ "$bytes" = "$sent" ] ||
    fail "the TCP stream broke: sender [$(cat "$LAB_DIR/stream-$1.out")], receiver [$(tail -n 2 "$LAB_DIR/watch-$1.out")]"
  log "stream: $bytes bytes, longest silence ${gap#gap=} ms"
}

# ha_hold PORT SECONDS: a TCP connection from int to ext:PORT through the master that stays
# idle for SECONDS (its states get no updates meanwhile).
ha_hold() {
  in_ns ext $PY "$HERE/tcp_transfer.py" sink "$1" >/dev/null &
  wait_listen ext "$1"
  in_ns int $PY "$HERE/tcp_transfer.py" hold 10.0.0.100 "$1" "$2" >/dev/null &
}

# own_states NS CREATORID: the ids of the states of CREATORID (hex) that the node in NS holds
# and that pfsync shares (no-sync ones left out), sorted, one per line.
own_states() {
  api "$1" "/api/v1/states?creatorid=$2&limit=100000" |
    json "'\n'.join(sorted(s['id'] for s in d['states'] if not s['no_sync']))"
}

# wait_converged NS_A NS_B CREATORID SECONDS: waits until the node in NS_B holds exactly the
# states of CREATORID that the node in NS_A holds (and some); prints how many.
wait_converged() {
  local end=$((SECONDS + $4)) a b
  while :; do
    a=$(own_states "$1" "$3") || a=""
    b=$(own_states "$2" "$3") || b=""
    [ -n "$a" ] && [ "$a" = "$b" ] && break
    if [ $SECONDS -ge $end ]; then
      fail "$2 does not hold $1's states of creator $3 after $4 s: $1 $(wc -l <<<"$a"), $2 $(wc -l <<<"$b"),\
 missing on $2 $(comm -23 <(echo "$a") <(echo "$b") | wc -l), extra on $2 $(comm -13 <(echo "$a") <(echo "$b") | wc -l)"
    fi
    sleep 0.5
  done
  wc -l <<<"$a"
}

# state_count NS: the number of states in the table of the node in NS.
state_count() { api "$1" /api/v1/pf | json "d['states']"; }
# if_mac NS IF: the MAC of interface IF in NS (a DPDK af_packet port keeps its interface's MAC).
if_mac() { ip -n "$(ns_name "$1")" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

# ---- NAT: captures and translated states (nat.sh, nat_failover.sh, scripts/demo nat) ---------

# capture_start NS IF NAME: tcpdump of every IP packet on IF in NS into $LAB_DIR/NAME.pcap (CAP),
# running when it returns; capture_stop ends it with the file complete. Immediate mode: packets
# still in a ring block the kernel has not handed over yet would be lost at the stop.
capture_start() {
  CAP=$LAB_DIR/$3.pcap
  ip netns exec "$(ns_name "$1")" tcpdump -i "$2" -n -U --immediate-mode -w "$CAP" ip \
    2>"$LAB_DIR/$3.tcpdump" &
  CAP_PID=$!
  local end=$((SECONDS + 5))
  until grep -qs 'listening on' "$LAB_DIR/$3.tcpdump"; do
    [ $SECONDS -lt $end ] || fail "tcpdump did not start: $(cat "$LAB_DIR/$3.tcpdump")"
    sleep 0.05
  done
}
capture_stop() {
  sleep 0.3
  kill -INT "$CAP_PID"
  wait "$CAP_PID" || true
}

# cap_fields FILTER FIELD...: tshark's FIELDs (tab-separated) of the packets of CAP that match the
# display filter FILTER, distinct lines, sorted.
cap_fields() {
  local filter=$1 f args=()
  shift
  for f in "$@"; do args+=(-e "$f"); done
  tshark -r "$CAP" -Y "$filter" -T fields "${args[@]}" 2>/dev/null | sort -u
}

# translated_states NS PORT: one line "ID DIRECTION WIRE STACK" per state of the node in NS that
# has PORT in its wire key and two different keys, WIRE and STACK being the translated side's
# address:port in each key; sorted.
translated_states() {
  api "$1" "/api/v1/states?limit=100000" | "$PY" -c '
import json, sys
port = int(sys.argv[1])
out = []
for s in json.load(sys.stdin)["states"]:
    w, k = s["key_wire"], s.get("key_stack", s["key_wire"])
    if port not in w["port"] or w == k:
        continue
    for i in (0, 1):
        if (w["addr"][i], w["port"][i]) != (k["addr"][i], k["port"][i]):
            out.append("%s %s %s:%s %s:%s" % (s["id"], s["direction"], w["addr"][i], w["port"][i],
                                              k["addr"][i], k["port"][i]))
print("\n".join(sorted(out)))' "$2"
}

# wait_translated NS PORT SECONDS [WANT]: translated_states NS PORT once it is not empty (or,
# given WANT, once it equals WANT), waiting SECONDS at most; prints what it last saw.
wait_translated() {
  local got="" i
  for ((i = 0; i < $3 * 10; i++)); do
    got=$(translated_states "$1" "$2")
    if [ $# -ge 4 ]; then [ "$got" = "$4" ] && break; else [ -n "$got" ] && break; fi
    sleep 0.1
  done
  echo "$got"
}

# cap_no_addresses NET: fails unless CAP holds packets and no IP header in it (those quoted in
# ICMP errors included) carries an address of NET.
cap_no_addresses() {
  local n leaks
  n=$(tshark -r "$CAP" -T fields -e frame.number 2>/dev/null | wc -l)
  [ "$n" -gt 0 ] || fail "the capture $CAP is empty"
  leaks=$(tshark -r "$CAP" -Y "ip.addr == $1" -T fields -e frame.number -e ip.src -e ip.dst \
    -e _ws.col.Info 2>/dev/null | awk 'NR <= 5')
  [ -z "$leaks" ] || fail "addresses of $1 in $CAP: $leaks"
  log "  $n packets captured, none with an address of $1"
}
