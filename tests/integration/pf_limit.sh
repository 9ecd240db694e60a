#!/usr/bin/env bash
# Integration: a full state table (`set limit states`) drops new flows and counts them under
# state-limit, while an established connection keeps working.
# usage: pf_limit.sh PATH_TO_DPF
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init pf-limit
T="$PY $HERE/tcp_transfer.py"

router_topology

# Each forwarded flow takes two states (in on sis1, out on sis0): two flows fill the table.
cat >"$LAB_DIR/rules.conf" <<'PF'
set limit states 4
block all
pass in on sis1 keep state
pass out on sis0 keep state
PF
router_cluster pf-limit-test
start_dpf fw dpf -- -c "$LAB_DIR/cluster.yaml"
drops() { api fw /api/v1/stats | json "d['drops']['$1']"; }
count() { api fw /api/v1/pf | json "d['states']"; }

in_ns hA $T sink 7001 >"$LAB_DIR/sink.out" &
sinkpid=$!
sleep 0.3
in_ns hB $T hold 10.0.0.2 7001 3 >"$LAB_DIR/hold.out" &
holder=$!
sleep 0.5
in_ns hB ping -c 1 -W 2 10.0.0.2 >/dev/null || fail "the second flow (a ping) did not pass"
[ "$(count)" = 4 ] || fail "expected 4 states, the table has $(count)"

log "the table is full: a new connection is refused and counted"
limit0=$(drops state-limit)
[ "$(in_ns hB $T connect 10.0.0.2 7002)" = timeout ] || fail "a new flow passed a full table"
[ "$(drops state-limit)" -gt "$limit0" ] || fail "state-limit did not count the refused flow"

log "the established connection carries on"
wait "$holder"
[ "$(cat "$LAB_DIR/hold.out")" = sent ] || fail "the established connection broke: $(cat "$LAB_DIR/hold.out")"
wait "$sinkpid"
read -r _ bytes <"$LAB_DIR/sink.out"
[ "$bytes" = 13 ] || fail "the sink got $bytes bytes, not both lines (13)"
stop_dpf dpf
log "PASS"
