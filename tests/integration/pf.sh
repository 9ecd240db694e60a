#!/usr/bin/env bash
# Integration: pf on a routed node between an outside host A (10.0.0.2, sis0) and an inside
# host B (192.168.0.2, sis1), real Linux TCP/UDP/ICMP on both sides:
#   - `block all` + `pass out keep state` (+ `pass in on sis1`): replies come back in, and
#     unsolicited inbound TCP, UDP and ICMP are blocked;
#   - `block return in ... port 5000` refuses a connect at once (ECONNREFUSED);
#   - a 20 MB transfer with window scaling; a forged RST outside the window is dropped and
#     counted while the connection carries on;
#   - dpfctl -s states shows the states; dpfctl -k (with networks) kills them and the flow is
#     blocked after;
#   - dpfctl -v/-vv -s rules and -s labels show pf's rule counters, /metrics has them and the
#     state table's operations, and counts the reloads;
#   - dpfctl -f reloads the rules and existing connections survive; changes need the token;
#   - SIGHUP keeps a ruleset dpfctl -f loaded, and reloads the rules file once it is back.
# usage: pf.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
lab_init pf
"$PY" -c "import scapy" 2>/dev/null || skip "python3-scapy is not installed"
T="$PY $HERE/tcp_transfer.py"

router_topology

cat >"$LAB_DIR/rules.conf" <<'PF'
ext = "sis0"
int = "sis1"
block all
pass out keep state
pass in on $int keep state label "inside"
pass in on $ext inet proto icmp to ($ext) icmp-type echoreq keep state
block return in on $ext proto tcp to port 5000
PF
write_token "s3cret-token"
cat >"$LAB_DIR/cluster.yaml" <<YAML
cluster: { name: pf-test, rules: rules.conf }
nodes:
  fw:
    hostid: 0x0a000001
    eal: [-l, "0-1", --no-huge, -m, "256", --no-pci, --file-prefix, dpf-pf-$$, --log-level, "*:warning"]
    lcores: { workers: 1, idle: adaptive }
    interfaces:
      sis0: { device: "net_af_packet0,iface=sis0", address: 10.0.0.254/24 }
      sis1: { device: "net_af_packet1,iface=sis1", address: 192.168.0.254/24 }
    api: { listen: "127.0.0.1:9080", token_file: token }
YAML
start_dpf fw dpf -- -c "$LAB_DIR/cluster.yaml"
ctl() { in_ns fw "$DPFCTL" --token-file "$LAB_DIR/token" "$@"; }
drops() { api fw /api/v1/stats | json "d['drops']['$1']"; }

log "inside -> outside: ping, TCP and UDP get their replies back through states"
in_ns hB ping -c 2 -i 0.2 -W 2 10.0.0.2 >/dev/null || fail "B cannot ping A"
in_ns hA $T udp-echo 7001 4 &
echo_pid=$!
sleep 0.3
[ "$(in_ns hB $T udp-ask 10.0.0.2 7001)" = reply ] || fail "B's UDP request got no reply"
wait "$echo_pid"

log "outside -> inside unsolicited: ICMP, TCP and UDP are blocked"
blocked0=$(drops pf-block)
in_ns hA ping -c 2 -i 0.2 -W 1 192.168.0.2 >/dev/null && fail "A pinged B through block all"
in_ns hB $T udp-count 7002 2 >"$LAB_DIR/udp.out" &
counter=$!
sleep 0.3
in_ns hA $T udp-ask 192.168.0.2 7002 >/dev/null
wait "$counter"
[ "$(cat "$LAB_DIR/udp.out")" = 0 ] || fail "an unsolicited UDP datagram reached B"
in_ns hB $T sink 7003 >/dev/null 2>&1 &
sinkpid=$!
sleep 0.3
[ "$(in_ns hA $T connect 192.168.0.2 7003)" = timeout ] || fail "A connected to B through block all"
kill "$sinkpid" 2>/dev/null || true
[ "$(drops pf-block)" -gt "$blocked0" ] || fail "pf-block did not count the blocked packets"
in_ns hA ping -c 1 -W 2 10.0.0.254 >/dev/null || fail "the icmp rule to (sis0) does not pass"

log "block return: a connect to port 5000 is refused at once"
out=$(in_ns hA $T connect 192.168.0.2 5000)
case "$out" in
  refused*) [ "${out#refused }" -lt 1000 ] || fail "refused only after ${out#refused } ms" ;;
  *) fail "connect to port 5000: $out, not refused" ;;
esac

log "dpfctl -v -s rules shows pf's counters, -vv numbers the rules, -s labels, /metrics"
# counter RULE_RE FIELD: the figure after "FIELD:" on the line under the rule matching RULE_RE.
counter() {
  awk -v re="$1" -v f="$2:" 'found { for (i = 1; i < NF; i++) if ($i == f) { print $(i + 1); exit } }
    $0 ~ re { found = 1 }' "$LAB_DIR/vsr.txt"
}
ctl -v -s rules >"$LAB_DIR/vsr.txt"
cat "$LAB_DIR/vsr.txt"
grep -q '^  \[ Evaluations: [0-9]* *Packets: [0-9]* *Bytes: [0-9]* *States: [0-9]* *\]$' \
  "$LAB_DIR/vsr.txt" || fail "dpfctl -v -s rules has no pfctl counter line"
grep -q "^  \[ Inserted: uid 0 pid ${LAB_PIDS[-1]} State Creations: [0-9]* *\]$" "$LAB_DIR/vsr.txt" ||
  fail "dpfctl -v -s rules has no Inserted line naming dpf's pid ${LAB_PIDS[-1]}"
[ "$(counter '^block drop all$' Evaluations)" -gt 0 ] || fail "block all shows no evaluations"
[ "$(counter '^pass in on sis1 .*label "inside"' Packets)" -gt 0 ] ||
  fail "the inside pass rule shows no packets"
[ -n "$(counter '^pass in on sis1 .*label "inside"' States)" ] || fail "the inside rule has no States"
[ "$(counter '^block return in on sis0 ' Packets)" -gt 0 ] ||
  fail "block return shows no packets for the refused connect"
ctl -vv -s rules >"$LAB_DIR/vvsr.txt"
[ "$(head -n 1 "$LAB_DIR/vvsr.txt")" = "@0 block drop all" ] || fail "-vv does not number rule 0"
grep -q '^@2 pass in on sis1 ' "$LAB_DIR/vvsr.txt" || fail "-vv does not number rule 2"
grep -q '^  \[ Last Active Time: [A-Z][a-z][a-z] [A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]\{8\} [0-9]\{4\} \]$' \
  "$LAB_DIR/vvsr.txt" || fail "-vv has no last active time"
ctl -s labels >"$LAB_DIR/labels.txt"
cat "$LAB_DIR/labels.txt"
[ "$(wc -l <"$LAB_DIR/labels.txt")" = 1 ] || fail "-s labels shows other than the one labelled rule"
read -r name evals pkts bytes ipkts ibytes opkts obytes created <"$LAB_DIR/labels.txt"
[ "$name" = inside ] && [ "$pkts" -gt 0 ] && [ "$pkts" = $((ipkts + opkts)) ] &&
  [ "$bytes" = $((ibytes + obytes)) ] && [ "$created" -gt 0 ] && [ "$evals" -gt 0 ] ||
  fail "-s labels: $(cat "$LAB_DIR/labels.txt")"
api fw /metrics >"$LAB_DIR/metrics.txt"
metric() { awk -v k="$1" '$1 == k { print $2 }' "$LAB_DIR/metrics.txt"; }
[ "$(metric 'dpf_rule_packets_total{node="fw",rule="2",dir="in"}')" -gt 0 ] ||
  fail "/metrics: no packets for rule 2"
[ "$(metric 'dpf_rule_evaluations_total{node="fw",rule="0",label=""}')" -gt 0 ] ||
  fail "/metrics: no evaluations for rule 0"
[ -n "$(metric 'dpf_rule_evaluations_total{node="fw",rule="2",label="inside"}')" ] ||
  fail "/metrics: rule 2's evaluations are not labelled"
[ -n "$(metric 'dpf_rule_bytes_total{node="fw",rule="2",dir="out"}')" ] ||
  fail "/metrics: no bytes out for rule 2"
[ -n "$(metric 'dpf_rule_states{node="fw",rule="2"}')" ] || fail "/metrics: no dpf_rule_states"
[ "$(metric 'dpf_state_inserts_total{node="fw"}')" -gt 0 ] || fail "/metrics: no state inserts"
[ "$(metric 'dpf_state_searches_total{node="fw"}')" -gt 0 ] || fail "/metrics: no state searches"
[ -n "$(metric 'dpf_state_removals_total{node="fw"}')" ] || fail "/metrics: no state removals"
[ "$(metric 'dpf_state_insert_failures_total{node="fw",reason="exists"}')" = 0 ] ||
  fail "/metrics: insert failures"
[ "$(metric 'dpf_ruleset_reloads_total{node="fw",result="ok"}')" = 0 ] ||
  fail "/metrics: the load at start counted as a reload"
inserts=$(ctl -s info | awk '$1 == "inserts" { print $2 }')
[ "$inserts" -gt 0 ] || fail "dpfctl -s info shows no state inserts"

log "20 MB transfer inside -> outside with window scaling; a forged RST is dropped"
head -c 20000000 /dev/urandom >"$LAB_DIR/data.bin"
want=$(sha256sum "$LAB_DIR/data.bin" | cut -d' ' -f1)
in_ns hA $T sink 5002 >"$LAB_DIR/sink.out" &
sinkpid=$!
sleep 0.3
in_ns hB $T send 10.0.0.2 5002 "$LAB_DIR/data.bin" 3 &
sender=$!
sleep 1
states=$(api fw "/api/v1/states?proto=tcp&host=10.0.0.2")
read -r bport aseq wscale < <(json "[(s['key_wire']['port'][0], s['dst']['seqlo'], s['src']['wscale']) for s in d['states'] if 5002 in s['key_wire']['port'] and s['direction']=='in'][0]" <<<"$states" | tr -d '(),')
[ -n "$bport" ] || fail "no state for the transfer: $states"
[ "$wscale" -gt 128 ] || fail "the state did not record window scaling (wscale field $wscale)"
mismatch0=$(drops state-mismatch)
forged=$(((aseq + 1000000000) % 4294967296))
in_ns hA "$PY" -c "
from scapy.all import IP, TCP, send, conf
conf.verb = 0
send(IP(src='10.0.0.2', dst='192.168.0.2')/TCP(sport=5002, dport=$bport, flags='R', seq=$forged), count=3)"
wait "$sender" || fail "the transfer failed after the forged RST"
wait "$sinkpid"
read -r got bytes <"$LAB_DIR/sink.out"
[ "$got" = "$want" ] && [ "$bytes" = 20000000 ] || fail "transfer corrupted: $bytes bytes, $got"
sleep 0.4
[ "$(drops state-mismatch)" -ge $((mismatch0 + 3)) ] || fail "the forged RSTs were not counted as state-mismatch"

log "dpfctl -s states shows the states"
in_ns hA $T sink 5004 >/dev/null &
sinkpid=$!
sleep 0.3
in_ns hB $T hold 10.0.0.2 5004 4 >"$LAB_DIR/hold.out" &
holder=$!
sleep 1
ctl -s states >"$LAB_DIR/states.txt"
cat "$LAB_DIR/states.txt"
grep -q '^all tcp 10.0.0.2:5004 <- 192.168.0.2:[0-9]*       ESTABLISHED:ESTABLISHED$' "$LAB_DIR/states.txt" ||
  fail "dpfctl -s states does not show the inbound state"
grep -q '^all tcp 192.168.0.2:[0-9]* -> 10.0.0.2:5004       ESTABLISHED:ESTABLISHED$' "$LAB_DIR/states.txt" ||
  fail "dpfctl -s states does not show the outbound state"
ctl -vs states | grep -q '^   id: [0-9a-f]\{16\} creatorid: 0a000001$' || fail "-v does not show ids"

log "dpfctl -k needs the token, then kills the states and the flow is blocked"
in_ns fw "$DPFCTL" -k 192.168.0.2 2>/dev/null && fail "killing states worked without the token"
blocked0=$(drops pf-block)
# -k takes networks: a source network and a destination network that do not hold the flow
# kill nothing; the flow's own networks kill it.
[ "$(ctl -k 10.0.0.0/24 -k 192.168.0.0/24 2>&1)" = "killed 0 states" ] ||
  fail "dpfctl -k with the networks reversed killed states"
[ "$(ctl -k 172.16.0.0/12 2>&1)" = "killed 0 states" ] || fail "dpfctl -k 172.16.0.0/12 killed states"
ctl -k 192.168.0.0/24 -k 10.0.0.0/24 2>&1 | grep -q 'killed [1-9]' || fail "dpfctl -k killed nothing"
wait "$holder" || true
sleep 0.4
[ "$(drops pf-block)" -gt "$blocked0" ] || fail "B's data after the kill was not blocked"
kill "$sinkpid" 2>/dev/null || true
wait "$sinkpid" 2>/dev/null || true
ctl -s states | grep -q ':5004 ' && fail "the killed states are back"
[ "$(ctl -s states | grep -c ':5004 ')" = 0 ] || fail "states of the killed flow remain"

log "dpfctl -f reloads the rules; a running connection survives"
in_ns hA $T sink 5005 >"$LAB_DIR/sink2.out" &
sinkpid=$!
sleep 0.3
in_ns hB $T send 10.0.0.2 5005 "$LAB_DIR/data.bin" 3 &
sender=$!
sleep 1
sed 's/^block return in on $ext proto tcp to port 5000$/block return in on $ext proto tcp to port 5010/' \
  "$LAB_DIR/rules.conf" >"$LAB_DIR/rules2.conf"
ctl -f "$LAB_DIR/rules2.conf" || fail "dpfctl -f failed"
echo "pass in all keep state from nowhere" >"$LAB_DIR/bad.conf"
ctl -f "$LAB_DIR/bad.conf" 2>/dev/null && fail "a broken ruleset was loaded"
wait "$sender" || fail "the connection died across the reload"
wait "$sinkpid"
read -r got bytes <"$LAB_DIR/sink2.out"
[ "$got" = "$want" ] || fail "transfer across the reload corrupted"
[ "$(in_ns hA $T connect 192.168.0.2 5010)" != timeout ] || fail "the reloaded rule (port 5010) is not in force"
ctl -s rules | grep -q 'port = 5010' || fail "dpfctl -s rules does not show the new rule"
sleep 0.3 # the stats snapshot behind /metrics is refreshed every 200 ms
api fw /metrics >"$LAB_DIR/metrics.txt"
[ "$(metric 'dpf_ruleset_reloads_total{node="fw",result="ok"}')" = 1 ] &&
  [ "$(metric 'dpf_ruleset_reloads_total{node="fw",result="failed"}')" = 1 ] &&
  [ "$(metric 'dpf_ruleset_last_reload_success{node="fw"}')" = 0 ] ||
  fail "/metrics does not count one good and one rejected reload, the last rejected"
[ "$(metric 'dpf_ruleset_last_reload_timestamp_seconds{node="fw"}' | cut -d. -f1)" -ge "$(($(date +%s) - 60))" ] ||
  fail "/metrics: the last reload's time is not recent"

log "SIGHUP keeps the ruleset dpfctl -f loaded; with the cluster file's rules back, it reloads them"
sed -i 's/port 5000$/port 5020/' "$LAB_DIR/rules.conf"
kill -HUP "${LAB_PIDS[-1]}"
for _ in $(seq 50); do grep -q 'rules2.conf loaded over REST from 127.0.0.1 at .* is kept' "$LAB_DIR/dpf.log" && break; sleep 0.1; done
grep -q 'rules2.conf loaded over REST from 127.0.0.1 at .* is kept' "$LAB_DIR/dpf.log" ||
  fail "SIGHUP did not log that it kept the ruleset loaded over REST: $(tail -n 3 "$LAB_DIR/dpf.log")"
ctl -s rules | grep -q 'port = 5010' || fail "SIGHUP replaced the ruleset dpfctl -f loaded"
# An empty POST /api/v1/rules loads the cluster file's rules again.
in_ns fw curl -sf -X POST -H "Authorization: Bearer s3cret-token" -H "Content-Length: 0" \
  http://127.0.0.1:9080/api/v1/rules >/dev/null || fail "the empty POST /api/v1/rules failed"
ctl -s rules | grep -q 'port = 5020' || fail "the empty POST did not load the rules file"
sed -i 's/port 5020$/port 5030/' "$LAB_DIR/rules.conf"
kill -HUP "${LAB_PIDS[-1]}"
for _ in $(seq 20); do ctl -s rules | grep -q 'port = 5030' && break; sleep 0.1; done
ctl -s rules | grep -q 'port = 5030' || fail "SIGHUP did not reload the rules file"
sleep 0.3 # the stats snapshot behind /metrics is refreshed every 200 ms
api fw /metrics >"$LAB_DIR/metrics.txt"
[ "$(metric 'dpf_ruleset_reloads_total{node="fw",result="ok"}')" = 3 ] &&
  [ "$(metric 'dpf_ruleset_last_reload_success{node="fw"}')" = 1 ] ||
  fail "/metrics does not count the empty POST's and the SIGHUP's reloads"
stop_dpf dpf
log "PASS"
