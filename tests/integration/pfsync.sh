#!/usr/bin/env bash
# Integration: two dpf nodes share states over pfsync on a crossover sync link (sis2), as in
# pfsync(4)'s example. Traffic through node A creates states; node B, started later, gets them by
# bulk update (both logs say so); new states reach B as they are created; states killed on A
# leave B too.
# usage: pfsync.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
lab_init pfsync
T="$PY $HERE/tcp_transfer.py"

sync_pair_topology

sync_pair_rules
write_token "sync-token"
node() { pair_node "$@" "api: { listen: \"127.0.0.1:9080\", token_file: token }"; }
pair_cluster "{ name: sync-test, rules: rules.conf, pfsync: { syncdev: sis2, maxupd: 128 } }" node

start_dpf fwa fw-a -- -c "$LAB_DIR/cluster.yaml" --node fw-a
# ids of A's TCP states to port PORT, sorted
ids() { api "$1" "/api/v1/states?proto=tcp" | json "' '.join(sorted(s['id'] + '/' + s['creatorid'] for s in d['states'] if $2 in s['key_wire']['port']))"; }
wait_ids() {  # wait_ids NS PORT WANT: up to 5 s for NS to hold exactly WANT
  for _ in $(seq 50); do [ "$(ids "$1" "$2")" = "$3" ] && return 0; sleep 0.1; done
  fail "$1 holds [$(ids "$1" "$2")] for port $2, expected [$3]"
}
# connect PORT: a held TCP connection from hB to hA:PORT through A; prints A's two state ids.
connect() {
  in_ns hA $T sink "$1" >/dev/null &
  in_ns hB $T hold 10.0.0.2 "$1" 30 >/dev/null &
  local got
  for _ in $(seq 20); do
    got=$(ids fwa "$1")
    [ "$(wc -w <<<"$got")" = 2 ] && break
    sleep 0.1
  done
  [ "$(wc -w <<<"$got")" = 2 ] || fail "A should hold 2 states for the connection to $1: [$got]"
  echo "$got"
}

log "a connection through A before B exists"
first=$(connect 6001)

log "B starts and gets A's states by bulk update"
start_dpf fwb fw-b -- -c "$LAB_DIR/cluster.yaml" --node fw-b
wait_ids fwb 6001 "$first"
for _ in $(seq 50); do
  [ "$(api fwb /api/v1/pfsync | json "d['bulk']['done']")" = True ] && break
  sleep 0.1
done
[ "$(api fwb /api/v1/pfsync | json "d['bulk']['done']")" = True ] || fail "B's bulk update did not finish"
# Both logs tell the story: B heard A and finished its bulk update, A sent one.
log_has() {  # log_has NAME REGEX: up to 2 s (pfsync's events are logged every 500 ms)
  for _ in $(seq 20); do grep -Eq "$2" "$LAB_DIR/$1.log" && return 0; sleep 0.1; done
  fail "$1's log has no line matching $2: $(tail -n 5 "$LAB_DIR/$1.log")"
}
log_has fw-b 'Z dpf\[fw-b\] notice: pfsync: peer 10\.0\.10\.1 \([0-9a-f:]{17}\) heard$'
log_has fw-b 'Z dpf\[fw-b\] notice: pfsync: bulk update done: [1-9][0-9]* states received in [0-9]+ ms$'
log_has fw-a 'Z dpf\[fw-a\] info: pfsync: bulk update sent: [1-9][0-9]* states$'
origin=$(api fwb "/api/v1/states?proto=tcp" | json "sorted(set(s['origin'] for s in d['states']))")
[ "$origin" = "['pfsync']" ] || fail "B's states should all be learned from pfsync: $origin"

log "a new connection on A reaches B as it is created"
ids_6002=$(connect 6002)
wait_ids fwb 6002 "$ids_6002"

log "basic: a ping through A creates an ICMP state that B shows within 2 s, same id and creator"
in_ns hB ping -c 1 -W 2 10.0.0.2 >/dev/null || fail "ping through A failed"
icmp_ids() { api "$1" "/api/v1/states?proto=icmp" | json "' '.join(sorted(s['id'] + '/' + s['creatorid'] for s in d['states']))"; }
want=$(icmp_ids fwa)
[ -n "$want" ] || fail "A holds no ICMP state for the ping"
for _ in $(seq 20); do [ "$(icmp_ids fwb)" = "$want" ] && break; sleep 0.1; done
[ "$(icmp_ids fwb)" = "$want" ] || fail "B holds [$(icmp_ids fwb)] after 2 s, A [$want]"

log "a TCP connection's state on B carries A's sequence windows"
windows() {
  api "$1" "/api/v1/states?proto=tcp" |
    json "sorted((s['id'], [(p['seqlo'], p['seqhi'], p['max_win'], p['wscale']) for p in (s['src'], s['dst'])]) for s in d['states'] if 6001 in s['key_wire']['port'])"
}
sleep 1.5  # the connection is idle: A's last updates leave within pfsync's 1 s flush
[ "$(windows fwa)" != "[]" ] || fail "A holds no state for the connection"
[ "$(windows fwa)" = "$(windows fwb)" ] || fail "windows differ: A $(windows fwa), B $(windows fwb)"

log "so far nothing was bad on B"
b=$(api fwb /api/v1/pfsync)
for f in badttl hdrops badver badact badlen badval; do
  [ "$(json "d['stats']['$f']" <<<"$b")" = 0 ] || fail "B counted $f: $b"
done

# (B's port sees the frames too: its af_packet socket also receives what others send on sis2.)
log "200 malformed frames at A's sync port are all counted and the nodes keep syncing"
bad_total() { api fwa /api/v1/pfsync | json "sum(d['stats'][k] for k in ('badttl', 'hdrops', 'badver', 'badact', 'badlen'))"; }
before=$(bad_total)
sent=$(in_ns fwb "$PY" "$HERE/pfsync_malformed.py" sis2 10.0.10.2 40)
[ "$sent" = 200 ] || fail "sent $sent malformed frames"
for _ in $(seq 20); do [ $(($(bad_total) - before)) -ge 200 ] && break; sleep 0.1; done
[ $(($(bad_total) - before)) = 200 ] || fail "A counted $(($(bad_total) - before)) of 200 malformed frames"
st=$(api fwa /api/v1/pfsync)
for f in badttl hdrops badver badact badlen; do
  [ "$(json "d['stats']['$f']" <<<"$st")" -ge 40 ] || fail "A counted too few $f: $st"
done
ids_6003=$(connect 6003)
wait_ids fwb 6003 "$ids_6003"

log "states killed on A leave B"
in_ns fwa "$DPFCTL" --token-file "$LAB_DIR/token" -k 192.168.0.2 >/dev/null 2>&1 || fail "dpfctl -k failed"
wait_ids fwb 6001 ""
wait_ids fwb 6002 ""
wait_ids fwb 6003 ""

log "counters: A sent, B received"
a=$(api fwa /api/v1/pfsync)
b=$(api fwb /api/v1/pfsync)
[ "$(json "d['stats']['opackets']" <<<"$a")" -gt 0 ] || fail "A sent no pfsync packets: $a"
[ "$(json "d['stats']['ipackets']" <<<"$b")" -gt 0 ] || fail "B received no pfsync packets: $b"
in_ns fwb "$DPFCTL" -s sync | grep -q '^bulk update: done' || fail "dpfctl -s sync does not show the bulk update"
[ "$(json "'10.0.10.1' in [p['address'] for p in d['peers']]" <<<"$b")" = True ] ||
  fail "B should have heard from A (10.0.10.1): $(json "d['peers']" <<<"$b")"
in_ns fwb "$DPFCTL" -s sync | grep -Eq $'^\t10\.0\.10\.1 \(.*\): [1-9][0-9]* frames' ||
  fail "dpfctl -s sync does not list A as a peer: $(in_ns fwb "$DPFCTL" -s sync | tail -n 3)"
sleep 0.3  # the metrics snapshot is refreshed every 200 ms
metrics=$(api fwb /metrics)
grep -q '^dpf_pfsync_bulk_done{node="fw-b"} 1$' <<<"$metrics" || fail "/metrics: bulk not done"
grep -q '^dpf_pfsync_peer_frames_total{node="fw-b",peer="10.0.10.1"} [1-9]' <<<"$metrics" ||
  fail "/metrics does not count frames from A"
grep -q '^dpf_pfsync_total{node="fw-b",counter="ipackets"} [1-9]' <<<"$metrics" ||
  fail "/metrics does not count received pfsync packets"
stop_dpf fw-b
LAB_PIDS=("${LAB_PIDS[@]:0:${#LAB_PIDS[@]}-1}")
stop_dpf fw-a
log "PASS"
