#!/usr/bin/env bash
# Fault: a node's state table is full while its peer pushes states. Two dpf nodes with pfsync
# and CARP (ha_topology; A master, B backup), `set limit states 400`, and a TCP stream through
# A. B's table is first mostly filled with states of its own that pfsync does not share (UDP to
# B's own address, port 9999, under a no-sync rule); then A creates 150 flows (300 states) that
# it pushes to B. Read over and over, neither table ever
# holds more than 400 states; B counts each state it refuses (pfsync's badstate, pf's state-limit
# counter); both nodes live on, and once B has room again it takes A's new states.
# usage: fault_state_limit.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
lab_init fault-state-limit
LIMIT=400

ha_topology
ha_pair_rules "set limit states $LIMIT" "set timeout { udp.first 300, udp.single 300 }" \
  "pass in quick on sis1 proto udp to port 9999 keep state (no-sync)"
ha_pair_cluster fault-state-limit
ha_pair_start

log "a TCP stream through A; B learns its states"
ha_stream_start 7301 30
wait_converged fwa fwb $A_HOSTID 10 >/dev/null
flips=$(carp_transitions fwa fwb)

burst() {  # burst NODE_NS DST PORT COUNT: one-packet UDP flows from int, to NODE_NS's sis1 MAC
  local sent
  sent=$(in_ns int "$PY" "$HERE/udp_burst.py" eth0 "$(if_mac "$1" sis1)" 192.168.0.100 "$2" "$3" "$4" 2000)
  [ "$sent" = "$4" ] || fail "the burst sent $sent of $4 frames"
}
pfsync_stat() { api "$1" /api/v1/pfsync | json "d['stats']['$2']"; }
pf_counter() { api "$1" /api/v1/pf | json "d['counters']['$2']"; }

log "B fills its table with 320 states of its own that pfsync does not share"
burst fwb 192.168.0.253 9999 320
end=$((SECONDS + 10))
until [ "$(state_count fwb)" -ge 320 ]; do
  [ $SECONDS -lt $end ] || fail "B holds $(state_count fwb) states, not the 320 of the burst"
  sleep 0.2
done
[ "$(state_count fwa)" -lt 20 ] || fail "A holds $(state_count fwa) states: B's no-sync states reached it"
log "B holds $(state_count fwb) states"

# Both tables are read every 50 ms while A pushes; the largest count each showed is kept.
watch_counts() {
  local max_a=0 max_b=0 a b
  while [ ! -e "$LAB_DIR/stop-watch" ]; do
    a=$(state_count fwa 2>/dev/null) || a=0
    b=$(state_count fwb 2>/dev/null) || b=0
    [ "$a" -gt "$max_a" ] && max_a=$a
    [ "$b" -gt "$max_b" ] && max_b=$b
    echo "$max_a $max_b" >"$LAB_DIR/max-counts"
    sleep 0.05
  done
}
watch_counts &
watcher=$!
bad0=$(pfsync_stat fwb badstate)
limit0=$(pf_counter fwb state_limit)

log "A creates 150 flows (300 states) and pushes them to B, which has room for fewer"
burst fwa 10.0.0.100 9 150
end=$((SECONDS + 10))
until [ "$(pfsync_stat fwb badstate)" -gt "$bad0" ] && [ "$(state_count fwb)" -ge $((LIMIT - 5)) ]; do
  [ $SECONDS -lt $end ] || fail "B neither filled up nor refused a state: $(state_count fwb) states, badstate $(pfsync_stat fwb badstate)"
  sleep 0.2
done
sleep 2  # A's last inserts leave within pfsync's 1 s flush
touch "$LAB_DIR/stop-watch"
wait "$watcher"
read -r max_a max_b <"$LAB_DIR/max-counts"
log "largest counts seen: A $max_a, B $max_b (limit $LIMIT)"
[ "$max_a" -le $LIMIT ] && [ "$max_b" -le $LIMIT ] || fail "a table exceeded the limit: A $max_a, B $max_b"
kill -0 "$A_PID" && kill -0 "$B_PID" || fail "a node died"

refused=$(($(pfsync_stat fwb badstate) - bad0))
limited=$(($(pf_counter fwb state_limit) - limit0))
a_own=$(own_states fwa $A_HOSTID | wc -l)
b_has=$(own_states fwb $A_HOSTID | wc -l)
log "A holds $a_own states of its own, B $b_has of them; B refused $refused (state-limit $limited)"
[ "$a_own" -ge 300 ] || fail "A should hold the 300 states of its flows: $a_own"
[ "$refused" -ge $((a_own - b_has)) ] || fail "B refused $refused states but lacks $((a_own - b_has))"
[ "$limited" -ge $((a_own - b_has)) ] || fail "B's state-limit counter ($limited) misses refused states"

log "B makes room (its own states killed): A's new states reach it again"
in_ns fwb "$DPFCTL" --token-file "$LAB_DIR/token" -k 192.168.0.253 >/dev/null 2>&1 || fail "dpfctl -k on B failed"
ha_hold 7302 60
end=$((SECONDS + 10))
until [ "$(api fwb "/api/v1/states?proto=tcp&creatorid=$A_HOSTID" | json "sum(1 for s in d['states'] if 7302 in s['key_wire']['port'])")" = 2 ]; do
  [ $SECONDS -lt $end ] || fail "B did not take A's new connection after making room ($(state_count fwb) states)"
  sleep 0.2
done
ha_stream_check 7301
[ "$(carp_transitions fwa fwb)" = "$flips" ] || fail "CARP roles changed: $(carp_roles)"
kill -0 "$A_PID" && kill -0 "$B_PID" || fail "a node died"
log "PASS"
