#!/usr/bin/env bash
# Integration: deletions of thousands of states reach the pfsync peer, none lost to the 4096-record
# change ring. 20 000 UDP flows through node A give A 20 000 states, which B learns; `dpfctl -F
# states` on A sends pfsync's CLR and B drops all of A's states within 2 s. Then 20 000 more are
# killed with `dpfctl -k`, one DEL_C each, and B drops them all too.
# usage: pfsync_flush.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
lab_init pfsync_flush
N=20000

sync_pair_topology
cat >"$LAB_DIR/rules.conf" <<'PF'
set limit states 60000
pass quick on sis2 proto pfsync keep state (no-sync)
pass in on sis1 keep state
pass out no state
PF
write_token "flush-token"
node() { pair_node "$@" "api: { listen: \"127.0.0.1:9080\", token_file: token }"; }
pair_cluster "{ name: flush-test, rules: rules.conf, pfsync: { syncdev: sis2, maxupd: 128 } }" node

start_dpf fwa fw-a -- -c "$LAB_DIR/cluster.yaml" --node fw-a
start_dpf fwb fw-b -- -c "$LAB_DIR/cluster.yaml" --node fw-b
for _ in $(seq 100); do
  [ "$(api fwb /api/v1/pfsync | json "d['bulk']['done']")" = True ] && break
  sleep 0.1
done

# from_a NS: how many UDP states NS holds that A created.
from_a() { api "$1" "/api/v1/states?creatorid=0a000001&proto=udp&limit=0" | json "d['total']"; }
# local_a: how many UDP states A holds that it created itself. (A reply B sent just before the
# CLR reached it, such as B's answer to a stale update, can bring one of A's states back to A
# as a learned one; B never has it again, as learned states are not sent on.)
local_a() {
  api fwa "/api/v1/states?creatorid=0a000001&proto=udp&limit=100000" |
    json "sum(s['origin'] == 'local' for s in d['states'])"
}
dpfctl_a() { in_ns fwa "$DPFCTL" --token-file "$LAB_DIR/token" "$@" >/dev/null 2>&1; }
# flows FIRST_PORT: N UDP flows from hB to hA (ports FIRST_PORT..), 500 every 20 ms so that
# neither af_packet nor the workers' change rings overflow, sent again (2 s apart) until A holds N
# states more than before, at most 20 rounds.
flows() {
  local want=$(($(from_a fwa) + N))
  for _ in $(seq 20); do
    in_ns hB "$PY" -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('', 4000))  # the same flows each round
for p in range($1, $1 + $N):
    s.sendto(b'x', ('10.0.0.2', p))
    if p % 500 == 0:
        time.sleep(0.02)
"
    local until=$(($(date +%s) + 2))
    while [ "$(date +%s)" -le $until ]; do
      [ "$(from_a fwa)" -ge "$want" ] && return 0
      sleep 0.1
    done
  done
  fail "A holds $(from_a fwa) states, wanted $want"
}
# quiet: waits (at most 20 s) until A's sis1 has taken no frame for a second: the flows' last
# packets are in, and none arrives later to make a flushed state anew.
quiet() {
  local last="" now
  for _ in $(seq 20); do
    now=$(api fwa /api/v1/stats | json "d['ports']['sis1']['rx_packets']")
    [ "$now" = "$last" ] && return 0
    last=$now
    sleep 1
  done
  fail "A's sis1 still receives after 20 s"
}
# wait_b WANT SECONDS: B holds WANT of A's states within SECONDS; prints the milliseconds taken.
wait_b() {
  local t0 n
  t0=$(date +%s%N)
  while :; do
    n=$(from_a fwb)
    [ "$n" = "$1" ] && break
    [ $((($(date +%s%N) - t0) / 1000000)) -lt $(($2 * 1000)) ] ||
      fail "B holds $n of A's states after $2 s, expected $1 (A's pfsync: $(api fwa /api/v1/pfsync | json "d['io']"))"
    sleep 0.05
  done
  echo $((($(date +%s%N) - t0) / 1000000))
}

log "$N UDP flows through A: B learns their $N states"
flows 10000
quiet
[ "$(from_a fwa)" = $N ] || fail "A holds $(from_a fwa) states, expected $N"
wait_b $N 30 >/dev/null

log "dpfctl -F states on A: B drops all of A's states within 2 s (one CLR)"
clr_before=$(api fwb /api/v1/pfsync | json "d['stats']['ipackets']")
dpfctl_a -F states || fail "dpfctl -F states failed"
[ "$(local_a)" = 0 ] || fail "A still holds $(local_a) of its states after the flush"
ms=$(wait_b 0 2)
log "B empty ${ms} ms after the flush"
[ "$(api fwb /api/v1/pfsync | json "d['stats']['ipackets']")" -gt "$clr_before" ] ||
  fail "B received nothing after the flush"

log "$N more flows, then dpfctl -k: every deletion reaches B"
flows 30000
quiet
wait_b $N 30 >/dev/null
dpfctl_a -k 192.168.0.2 || fail "dpfctl -k failed"
[ "$(local_a)" = 0 ] || fail "A still holds $(local_a) of its states after -k"
ms=$(wait_b 0 10)
log "B empty ${ms} ms after the kill"
io=$(api fwa /api/v1/pfsync)
[ "$(json "d['io']['ring_full']" <<<"$io")" = 0 ] || fail "A lost change records: $(json "d['io']" <<<"$io")"
[ "$(json "d['io']['spilled']" <<<"$io")" -gt 0 ] ||
  fail "A's control thread never overflowed its ring: the test did not test it ($(json "d['io']" <<<"$io"))"

stop_dpf fw-b
LAB_PIDS=("${LAB_PIDS[@]:0:${#LAB_PIDS[@]}-1}")
stop_dpf fw-a
log "PASS"
