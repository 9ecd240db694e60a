#!/usr/bin/env bash
# Fault: the sync link goes down for 10 s, then comes back. Two dpf nodes with pfsync and CARP
# (ha_topology; A master, B backup) and a TCP stream through A. While the link is down A creates
# states B cannot hear of; on carrier up the nodes ask each other for a bulk update, as OpenBSD's
# pfsync does (pfsync_syncdev_state), and B then holds exactly A's states. The stream and the
# CARP roles are not disturbed. (On this veth link the frames sent during the cut may still be
# delivered when the carrier returns, so B's bulk request is checked for itself; the unit test
# of SyncEngine::on_link shows the bulk update recovering frames that were lost.)
# usage: fault_sync_link.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init fault-sync-link
T="$PY $HERE/tcp_transfer.py"

ha_topology
ha_pair_rules
ha_pair_cluster fault-sync-link
ha_pair_start

log "a TCP stream through A, and a held connection; B learns their states"
ha_stream_start 7001 30
ha_hold 7002 60
n=$(wait_converged fwa fwb $A_HOSTID 10)
log "B holds A's $n states"
flips=$(carp_transitions fwa fwb)

log "the sync link goes down (A's end) for 10 s; A creates states meanwhile"
b_request_ms() { api fwb /api/v1/pfsync | json "int(d['bulk']['started_ago'] * 1000)"; }
ip -n "$(ns_name fwa)" link set sis2 down
cut=$SECONDS
for port in 7003 7004 7005; do ha_hold $port 60; done
for port in 7010 7011 7012 7013; do in_ns int $T udp-ask 10.0.0.100 $port >/dev/null & done
# A polls its links every 500 ms; B's end lost its carrier with A's.
sync_link_up() { api "$1" /api/v1/status | json "[i['link']['up'] for i in d['interfaces'] if i['name'] == 'sis2'][0]"; }
for ns in fwa fwb; do
  for _ in $(seq 50); do [ "$(sync_link_up $ns)" = False ] && break; sleep 0.1; done
  [ "$(sync_link_up $ns)" = False ] || fail "$ns does not see its sync link down"
done
sleep 1  # the new connections' states are in A's table
a_now=$(own_states fwa $A_HOSTID)
b_now=$(own_states fwb $A_HOSTID)
missing=$(comm -23 <(echo "$a_now") <(echo "$b_now") | wc -l)
[ "$missing" -ge 10 ] || fail "B should miss the states A created while the link was down (misses $missing)"
log "B misses $missing of A's $(wc -l <<<"$a_now") states"
while [ $((SECONDS - cut)) -lt 10 ]; do
  [ "$(carp_roles)" = "MASTER/MASTER BACKUP/BACKUP" ] || fail "CARP roles changed during the cut: $(carp_roles)"
  sleep 0.5
done

log "the link comes back: both nodes ask for a bulk update and B converges to A's states"
ip -n "$(ns_name fwa)" link set sis2 up
up=$(date +%s%N)
since_up_ms() { echo $((($(date +%s%N) - up) / 1000000)); }
# B's bulk update started after the link returned (its start-up one is long done).
until [ "$(b_request_ms)" -lt "$(since_up_ms)" ]; do
  [ "$(since_up_ms)" -lt 10000 ] ||
    fail "B asked for no bulk update in the 10 s since the link returned (last $(b_request_ms) ms ago)"
  sleep 0.2
done
log "B asked for a bulk update after the link returned"
# An END that does not arrive is re-asked for after pf's fail timer, 20.7 s at 100 000 states.
wait_bulk_done fwb 30
up=$((up / 1000000000))
n=$(wait_converged fwa fwb $A_HOSTID 15)
log "B holds A's $n states again, $(($(date +%s) - up)) s after the link returned"
sleep 2  # a master demoted by the bulk request would have lost its role by now
[ "$(carp_transitions fwa fwb)" = "$flips" ] && [ "$(carp_roles)" = "MASTER/MASTER BACKUP/BACKUP" ] ||
  fail "CARP roles changed $(($(carp_transitions fwa fwb) - flips)) times after the cut; now $(carp_roles)"

ha_stream_check 7001
kill -0 "$A_PID" && kill -0 "$B_PID" || fail "a node died"
log "PASS"
