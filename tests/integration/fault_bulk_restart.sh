#!/usr/bin/env bash
# Fault: the peer is restarted in the middle of a bulk update. Two dpf nodes with pfsync and
# CARP (ha_topology; A master, B backup) and a TCP stream through A. A holds thousands of states
# (one-packet UDP flows from a burst), so B's bulk update after a restart lasts seconds; B is
# killed while it receives one and started again. Nothing crashes, A stays master, and B ends up
# with exactly A's states.
# usage: fault_bulk_restart.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init fault-bulk-restart
FLOWS=${FAULT_FLOWS:-2500}  # two states each on A (in on sis1, out on sis0)

ha_topology
# The flows' states must outlive the test (pf's default udp.first is 60 s).
ha_pair_rules "set timeout { udp.first 300, udp.single 300 }"
ha_pair_cluster fault-bulk-restart
ha_pair_start

log "a TCP stream through A, and $FLOWS UDP flows through A from a burst"
ha_stream_start 7201 35
in_ns ext "$PY" "$HERE/tcp_transfer.py" udp-count 9 60 >/dev/null &  # no ICMP errors back
sent=$(in_ns int "$PY" "$HERE/udp_burst.py" eth0 "$(if_mac fwa sis1)" 192.168.0.100 10.0.0.100 9 "$FLOWS" 10000)
[ "$sent" = "$FLOWS" ] || fail "the burst sent $sent frames"
end=$((SECONDS + 20))
total=0
while :; do  # A's table is complete once its count stops growing
  sleep 1
  now=$(own_states fwa $A_HOSTID | wc -l)
  [ "$now" = "$total" ] && [ "$now" -ge "$FLOWS" ] && break
  [ $SECONDS -lt $end ] || fail "A holds $now states for $FLOWS flows"
  total=$now
done
log "A holds $total states of its own; B $(own_states fwb $A_HOSTID | wc -l) of them (sync ring overflows: $(api fwa /api/v1/pfsync | json "d['io']['ring_full']"))"
flips=$(carp_transitions fwa)

# restart_b NAME: kills B (SIGKILL: no goodbye) and starts it again, logging to NAME.log.
restart_b() {
  { kill -KILL "$B_PID"; wait "$B_PID"; } 2>/dev/null || true
  start_dpf fwb "$1" -- -c "$LAB_DIR/cluster.yaml" --node fw-b
  B_PID=${LAB_PIDS[-1]}
}
received() { api fwb /api/v1/pfsync | json "d['bulk']['states_received']" 2>/dev/null || echo 0; }

log "B restarts and is killed again while its bulk update is under way"
restart_b fw-b2
end=$((SECONDS + 20))
until [ "$(received)" -ge 200 ]; do
  [ $SECONDS -lt $end ] || fail "B's bulk update did not start: $(api fwb /api/v1/pfsync | json "d['bulk']")"
  sleep 0.05
done
st=$(api fwb /api/v1/pfsync)
got=$(json "d['bulk']['states_received']" <<<"$st")
[ "$(json "d['bulk']['done']" <<<"$st")" = False ] && [ "$got" -lt "$total" ] ||
  fail "B's bulk update was over before B could be killed: $(json "d['bulk']" <<<"$st")"
log "B killed after $got of $total states"
restart_b fw-b3
kill -0 "$A_PID" || fail "A died when B died in its bulk update"

log "B starts again: its bulk update completes and it holds exactly A's states"
wait_bulk_done fwb 40
n=$(wait_converged fwa fwb $A_HOSTID 20)
log "B holds A's $n states"
[ "$(carp_transitions fwa)" = "$flips" ] && [ "$(carp_roles)" = "MASTER/MASTER BACKUP/BACKUP" ] ||
  fail "A's CARP roles changed $(($(carp_transitions fwa) - flips)) times; now $(carp_roles)"
ha_stream_check 7201
kill -0 "$A_PID" && kill -0 "$B_PID" || fail "a node died"
st=$(api fwb /api/v1/pfsync)
log "B: $(json "d['bulk']" <<<"$st")"
log "PASS"
