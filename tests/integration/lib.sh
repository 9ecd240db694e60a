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
