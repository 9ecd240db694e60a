#!/usr/bin/env bash
# Fault: the sync link is cut while both nodes stay alive and keep hearing each other's CARP
# adverts on the data links. Two dpf nodes with pfsync and CARP (ha_topology; A master, B
# backup) and a TCP stream through A. During the 10 s cut, read over and over on both nodes,
# each vhid has exactly one master (and it stays A). Both nodes create states of their own
# meanwhile; when the link returns, each holds exactly the other's.
# usage: fault_sync_split.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init fault-sync-split
T="$PY $HERE/tcp_transfer.py"

ha_topology
ha_pair_rules
ha_pair_cluster fault-sync-split
ha_pair_start

log "a TCP stream through A; B learns its states"
ha_stream_start 7101 30
wait_converged fwa fwb $A_HOSTID 10 >/dev/null
flips=$(carp_transitions fwa fwb)

# masters ROLES VHID: how many of the two nodes say they are master of VHID in ROLES (carp_roles).
masters() { tr ' ' / <<<"$1" | cut -d/ -f"$2,$(($2 + 2))" | { grep -o MASTER || true; } | wc -l; }

log "the sync link is cut (B's end) for 10 s; both nodes create states meanwhile"
ip -n "$(ns_name fwb)" link set sis2 down
cut=$SECONDS
ha_hold 7102 60
for port in 7110 7111 7112; do in_ns int $T udp-ask 10.0.0.100 $port >/dev/null & done
# B's own states: the inside host talks to B's own address (not the virtual one).
for port in 7120 7121 7122; do in_ns int $T udp-ask 192.168.0.253 $port >/dev/null & done
reads=0
while [ $((SECONDS - cut)) -lt 10 ]; do
  roles=$(carp_roles)
  for vhid in 1 2; do
    m=$(masters "$roles" $vhid)
    [ "$m" = 1 ] || fail "vhid $vhid has $m masters during the cut ($roles)"
  done
  [ "$roles" = "MASTER/MASTER BACKUP/BACKUP" ] || fail "CARP roles changed during the cut: $roles"
  reads=$((reads + 1))
  sleep 0.1
done
log "one master per vhid in $reads reads of both nodes over 10 s"
[ -n "$(own_states fwb $B_HOSTID)" ] || fail "B created no state of its own during the cut"
missing=$(comm -23 <(own_states fwa $A_HOSTID) <(own_states fwb $A_HOSTID) | wc -l)
[ "$missing" -ge 6 ] || fail "B should miss the states A created during the cut (misses $missing)"

log "the link returns: each node converges to the other's states"
ip -n "$(ns_name fwb)" link set sis2 up
up=$SECONDS
n=$(wait_converged fwa fwb $A_HOSTID 15)
m=$(wait_converged fwb fwa $B_HOSTID 15)
log "B holds A's $n states and A holds B's $m, $((SECONDS - up)) s after the link returned"
for _ in 1 2 3 4 5 6 7 8; do
  roles=$(carp_roles)
  for vhid in 1 2; do
    [ "$(masters "$roles" $vhid)" = 1 ] || fail "vhid $vhid has $(masters "$roles" $vhid) masters after the cut ($roles)"
  done
  sleep 0.25
done
[ "$(carp_transitions fwa fwb)" = "$flips" ] && [ "$(carp_roles)" = "MASTER/MASTER BACKUP/BACKUP" ] ||
  fail "CARP roles changed $(($(carp_transitions fwa fwb) - flips)) times over the cut; now $(carp_roles)"

ha_stream_check 7101
kill -0 "$A_PID" && kill -0 "$B_PID" || fail "a node died"
log "PASS"
