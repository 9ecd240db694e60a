#!/usr/bin/env bash
# Integration: NAT on a CARP pair that shares states over pfsync (the example of pfsync(4) and
# carp(4), ha_topology). Both firewalls translate the inside to the virtual address of vhid 1
# (`nat on sis0 ... -> 10.0.0.1`); the external host has no route back to 192.168.0.0/24. The
# inside host streams TCP to the outside one through fw-a; fw-b holds the translated state,
# learned over pfsync, with fw-a's keys. fw-a is killed with SIGKILL mid-stream, fw-b takes
# over, and the stream completes whole and in order, while the outside segment shows one
# source for all of it: 10.0.0.1 and one port in 50001-65535. A connection held over the failover
# keeps the only port fw-a's worker had for its destination; fw-b, which imported it, refuses a
# second connection to that destination (nat-exhausted) rather than hand the port out again.
# usage: nat_failover.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
lab_init nat_failover

ha_topology
ip -n "$(ns_name ext)" route del 192.168.0.0/24
# Connections to ports 7002-7003 get a range of two ports, of which each node's worker (lane 0
# of 2: the control thread is the other) hands out 50000 only.
ha_pair_rules \
  "nat on sis0 proto tcp from 192.168.0.0/24 to 10.0.0.100 port 7002:7003 -> 10.0.0.1 port 50000:50001" \
  "nat on sis0 from 192.168.0.0/24 to any -> 10.0.0.1"
ha_pair_cluster nat-failover
ha_pair_start

log "a 14 s TCP stream from the inside through fw-a, translated to 10.0.0.1"
capture_start lan br0 outside
ha_stream_start 7001 14
# want: fw-a's translated state of the stream, once it has one (5 s at most).
want=$(wait_translated fwa 7001 5)
[ "$(wc -l <<<"$want")" = 1 ] || fail "fw-a should hold one translated state for the stream: [$want]"
read -r _ dir wire stack <<<"$want"
port=${wire#10.0.0.1:}
[ "$dir" = out ] && [ "$port" != "$wire" ] && [[ "$stack" =~ ^192\.168\.0\.100:[0-9]+$ ]] ||
  fail "fw-a's translated state is not out from 192.168.0.100 to 10.0.0.1: [$want]"
[ "$port" -ge 50001 ] && [ "$port" -le 65535 ] || fail "the proxy port $port is not in 50001-65535"
log "  fw-a: $want"
got=""
got=$(wait_translated fwb 7001 3 "$want")
[ "$got" = "$want" ] || fail "fw-b holds [$got] for the stream, fw-a [$want]"
re="^all tcp 10\.0\.0\.1:$port \(${stack//./\\.}\) -> 10\.0\.0\.100:7001 "
states=$(in_ns fwb "$DPFCTL" -s states)
grep -Eq "$re" <<<"$states" || fail "fw-b's dpfctl -s states lacks the translated state [$re]: $states"
log "  fw-b: $(grep -E "$re" <<<"$states")"

log "a held connection to port 7002 takes port 50000 on fw-a; fw-b learns it"
ha_hold 7002 40
held=$(wait_translated fwa 7002 5)
[[ "$held" == *" out 10.0.0.1:50000 "* ]] || fail "the held connection is not out from 10.0.0.1:50000: [$held]"
got=$(wait_translated fwb 7002 3 "$held")
[ "$got" = "$held" ] || fail "fw-b does not hold fw-a's state [$held]: [$got]"

sleep 2
log "fw-a is killed; fw-b takes over and the stream carries on"
{ kill -KILL "$A_PID"; wait "$A_PID"; } 2>/dev/null || true
# fw-b's packet count of the translated state: after the kill only fw-b forwards the stream.
b_packets() {
  api fwb "/api/v1/states?proto=tcp" |
    json "sum(s['packets'][0] + s['packets'][1] for s in d['states'] if 7001 in s['key_wire']['port'] and s['key_wire'] != s['key_stack'])"
}
n0=$(b_packets)
wait_carp fwb 1 MASTER 10 >/dev/null
wait_carp fwb 2 MASTER 10 >/dev/null
ha_stream_check 7001
capture_stop

log "the outside segment saw the stream from 10.0.0.1:$port only"
got=$(cap_fields 'tcp.dstport == 7001 && !icmp' ip.src tcp.srcport)
[ "$got" = "$(printf '10.0.0.1\t%s' "$port")" ] || fail "the stream's packets left from [$got]"
got=$(cap_fields 'tcp.srcport == 7001 && !icmp' ip.dst tcp.dstport)
[ "$got" = "$(printf '10.0.0.1\t%s' "$port")" ] || fail "the outside host answered to [$got]"
n1=$(b_packets)
[ "$n1" -gt "$n0" ] || fail "fw-b's translated state counted no packets after the takeover ($n0, then $n1)"
cap_no_addresses 192.168.0.0/24

# The port fw-a gave is taken on fw-b too: a new connection to the same destination finds the
# worker's share of the range used up (nat-exhausted) instead of colliding with the state
# fw-b imported (state-insert), and the same port still serves another destination.
drops() { api fwb /api/v1/stats | json "d['drops']['$1']"; }
log "fw-b hands out no port its master gave: a second connection to 7002 finds the range used up"
e0=$(drops nat-exhausted)
i0=$(drops state-insert)
r=$(in_ns int $PY "$HERE/tcp_transfer.py" connect 10.0.0.100 7002)
[ "$r" = timeout ] || fail "a second connection to 7002 through fw-b: $r (expected no free port)"
e1=$(drops nat-exhausted)
i1=$(drops state-insert)
[ "$e1" -gt "$e0" ] && [ "$i1" = "$i0" ] ||
  fail "fw-b counted nat-exhausted $e0 -> $e1 and state-insert $i0 -> $i1 for it"
in_ns ext $PY "$HERE/tcp_transfer.py" sink 7003 >/dev/null &
wait_listen ext 7003
r=$(in_ns int $PY "$HERE/tcp_transfer.py" connect 10.0.0.100 7003)
[ "$r" = connected ] || fail "a connection to 7003 through fw-b: $r"
[[ "$(translated_states fwb 7003)" == *" out 10.0.0.1:50000 "* ]] ||
  fail "the connection to 7003 is not out from 10.0.0.1:50000: [$(translated_states fwb 7003)]"
log "  nat-exhausted $e0 -> $e1 on fw-b; 10.0.0.1:50000 serves 7003"
log "PASS"
