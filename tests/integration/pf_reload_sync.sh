#!/usr/bin/env bash
# Integration: reloading the rules of a CARP master that runs pfsync, during a TCP stream through
# it (the example of pfsync(4) and carp(4)). For a reload by SIGHUP and one by `dpfctl -f` (POST
# /api/v1/rules): within 2 s REST answers with the new ruleset and its new rule is in force; A
# stays master of both vhids (no role change logged, B stays backup past the master-down
# interval), and a connection opened after the reload reaches B's table through pfsync. The
# stream carries on, whole and in order.
# usage: pf_reload_sync.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
lab_init pf_reload_sync
T="$PY $HERE/tcp_transfer.py"

ha_topology

# rules BLOCKED_PORT...: the carp.sh policy, plus a quick block of inside-out TCP to each port.
rules() {
  echo "block in on sis0"
  echo "pass quick on sis2 proto pfsync keep state (no-sync)"
  echo "pass on { sis0 sis1 } proto carp keep state (no-sync)"
  echo "pass out keep state"
  echo "pass in on sis1 keep state"
  local p
  for p in "$@"; do echo "block in quick on sis1 proto tcp to port $p"; done
}
rules >"$LAB_DIR/rules.conf"
write_token "reload-token"
node() { pair_node "$1" "$2" "$3" "$4" "carp: { advskew: $(($3 == 252 ? 0 : 100)) }" \
  "api: { listen: \"127.0.0.1:9080\", token_file: token }"; }
pair_cluster "{ name: reload-test, rules: rules.conf, pfsync: { syncdev: sis2 }, carp: { preempt: true, vhids: [
    { vhid: 1, interface: sis0, pass: foo, advbase: 1, addresses: [10.0.0.1/24] },
    { vhid: 2, interface: sis1, pass: bar, advbase: 1, addresses: [192.168.0.1/24] } ] } }" node

start_dpf fwa fw-a -- -c "$LAB_DIR/cluster.yaml" --node fw-a
A_PID=${LAB_PIDS[-1]}
start_dpf fwb fw-b -- -c "$LAB_DIR/cluster.yaml" --node fw-b
wait_carp fwa 1 MASTER 20 >/dev/null
wait_carp fwa 2 MASTER 5 >/dev/null
wait_carp fwb 1 BACKUP 5 >/dev/null
wait_carp fwb 2 BACKUP 5 >/dev/null

# A REST GET bounded to 2 s: a control thread that stopped must not hang the test.
api2() { in_ns "$1" curl -sf -m 2 "http://127.0.0.1:9080$2"; }
generation() { api2 fwa /api/v1/rules | json "d['generation']" 2>/dev/null || echo none; }
transitions() { grep -c 'carp .*: vhid [0-9]*: .* -> ' "$LAB_DIR/fw-a.log" || true; }
# ids NS PORT: the TCP states NS holds for PORT, as sorted id/creatorid pairs.
ids() { api2 "$1" "/api/v1/states?proto=tcp" | json "' '.join(sorted(s['id'] + '/' + s['creatorid'] for s in d['states'] if $2 in s['key_wire']['port']))"; }

log "a TCP stream from the inside host to the outside one through A"
in_ns ext $T watch 7001 >"$LAB_DIR/watch.out" &
watch=$!
sleep 0.3
in_ns int $T stream 10.0.0.100 7001 30 >"$LAB_DIR/stream.out" &
stream=$!
sleep 1
[ "$(ids fwa 7001 | wc -w)" = 2 ] || fail "A should hold the stream's 2 states: [$(ids fwa 7001)]"

# check_reload HOW BLOCKED FREE: after a reload that added `block ... port BLOCKED`, started at
# $t0 (ns) from generation $g0, the new rules answer within 2 s, BLOCKED is blocked while FREE
# still passes, A stays master, and a new connection's states reach B.
check_reload() {
  local how=$1 blocked=$2 free=$3 g
  while :; do
    g=$(generation)
    [ "$g" != none ] && [ "$g" -gt "$g0" ] && break
    [ $((($(date +%s%N) - t0) / 1000000)) -lt 2000 ] ||
      fail "$how: A's REST shows generation $g, not the reloaded ruleset, 2 s after the reload"
    sleep 0.05
  done
  log "$how: the new ruleset answers after $((($(date +%s%N) - t0) / 1000000)) ms"
  local text
  text=$(api2 fwa /api/v1/rules | json "d['text']")
  grep -q "port = $blocked\$" <<<"$text" || fail "$how: the rules A shows lack the new block of port $blocked: $text"
  in_ns ext $T sink "$blocked" >/dev/null 2>&1 &
  local sinkpid=$!
  sleep 0.2
  [ "$(in_ns int $T connect 10.0.0.100 "$blocked")" = timeout ] ||
    fail "$how: a connection to port $blocked passed A after the reload blocked it"
  kill "$sinkpid" 2>/dev/null || true
  # A new connection (not blocked) creates states that pfsync carries to B.
  in_ns ext $T sink "$free" >/dev/null &
  sleep 0.2
  in_ns int $T hold 10.0.0.100 "$free" 20 >/dev/null &
  local want="" got=""
  for _ in $(seq 40); do
    want=$(ids fwa "$free")
    [ "$(wc -w <<<"$want")" = 2 ] && break
    sleep 0.05
  done
  [ "$(wc -w <<<"$want")" = 2 ] || fail "$how: A holds [$want] for the new connection to port $free"
  t1=$(date +%s%N)
  until [ "$(ids fwb "$free")" = "$want" ]; do
    [ $((($(date +%s%N) - t1) / 1000000)) -lt 2000 ] ||
      fail "$how: B holds [$(ids fwb "$free")] for port $free 2 s after A created [$want]"
    sleep 0.05
  done
  # A that stopped advertising loses its vhids once the master-down interval (3.39 s) passes.
  while [ $((($(date +%s%N) - t0) / 1000000)) -lt 4500 ]; do sleep 0.1; done
  [ "$(carp_state fwa 1)/$(carp_state fwa 2)" = MASTER/MASTER ] ||
    fail "$how: A is $(carp_state fwa 1)/$(carp_state fwa 2) after the reload, not master"
  [ "$(carp_state fwb 1)/$(carp_state fwb 2)" = BACKUP/BACKUP ] ||
    fail "$how: B took over after A's reload: $(carp_state fwb 1)/$(carp_state fwb 2)"
  [ "$(transitions)" = "$transitions0" ] ||
    fail "$how: A logged a CARP role change: $(grep ' -> ' "$LAB_DIR/fw-a.log" | tail -n 2)"
}

transitions0=$(transitions)

log "SIGHUP reloads A's rules file with a block of port 7101"
rules 7101 >"$LAB_DIR/rules.conf"
g0=$(generation)
t0=$(date +%s%N)
kill -HUP "$A_PID"
check_reload SIGHUP 7101 7102

log "dpfctl -f (POST /api/v1/rules) loads a ruleset that also blocks port 7103"
rules 7101 7103 >"$LAB_DIR/rules2.conf"
g0=$(generation)
t0=$(date +%s%N)
out=$(in_ns fwa timeout 5 "$DPFCTL" --token-file "$LAB_DIR/token" -f "$LAB_DIR/rules2.conf" 2>&1) ||
  fail "dpfctl -f failed: $out"
check_reload "dpfctl -f" 7103 7104

log "the stream went on across both reloads"
wait "$watch" || true
wait "$stream" || true
sent=$(awk '/^sent/ { print $2 }' "$LAB_DIR/stream.out")
read -r word bytes bad gap <<<"$(tail -n 1 "$LAB_DIR/watch.out")"
log "stream: $bytes bytes, ${gap#gap=} longest silence"
[ "$word" = done ] && [ "$bad" = bad=0 ] || fail "the stream broke: $(tail -n 3 "$LAB_DIR/watch.out")"
[ -n "$sent" ] && [ "$bytes" = "$sent" ] ||
  fail "the sender sent ${sent:-?} bytes ($(cat "$LAB_DIR/stream.out")), the receiver got $bytes"
log "PASS"
