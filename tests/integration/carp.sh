#!/usr/bin/env bash
# Integration: CARP failover between two dpf nodes that share states over pfsync, as in the
# example of pfsync(4) and carp(4). A (advskew 0) becomes master of both vhids, B (advskew 100)
# backup; the hosts reach each other through the virtual addresses; tshark decodes our adverts;
# bad adverts are counted and change nothing; operator demotion hands the vhids to B and back;
# then A is killed during a TCP stream, B takes over within the master-down time plus a second
# and the stream carries on, whole and in order.
# usage: carp.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
lab_init carp
T="$PY $HERE/tcp_transfer.py"

ha_topology
# br1 floods every frame to both firewalls (no learning): the backup must drop what is sent to
# the virtual MAC, or the inside host would see every reply twice.
ip -n "$(ns_name lan)" link set br1 type bridge ageing_time 0

cat >"$LAB_DIR/rules.conf" <<'PF'
block in on sis0
pass quick on sis2 proto pfsync keep state (no-sync)
pass on { sis0 sis1 } proto carp keep state (no-sync)
pass out keep state
pass in on sis1 keep state
PF
write_token "carp-token"
node() { pair_node "$1" "$2" "$3" "$4" "carp: { advskew: $5 }" \
  "api: { listen: \"127.0.0.1:9080\", token_file: token }"; }
{
  cat <<'YAML'
cluster:
  name: carp-test
  rules: rules.conf
  pfsync: { syncdev: sis2 }
  carp:
    preempt: true
    vhids:
      - { vhid: 1, interface: sis0, pass: foo, advbase: 1, addresses: [10.0.0.1/24] }
      - { vhid: 2, interface: sis1, pass: bar, advbase: 1, addresses: [192.168.0.1/24] }
nodes:
YAML
  node fw-a 0x0a000001 252 1 0
  node fw-b 0x0a000002 253 2 100
} >"$LAB_DIR/cluster.yaml"
"$DPF" -- -c "$LAB_DIR/cluster.yaml" --check >/dev/null || fail "the cluster file does not --check"

start_dpf fwa fw-a -- -c "$LAB_DIR/cluster.yaml" --node fw-a
A_PID=${LAB_PIDS[-1]}
start_dpf fwb fw-b -- -c "$LAB_DIR/cluster.yaml" --node fw-b

log "A becomes master of both vhids, B backup"
wait_carp fwa 1 MASTER 20 >/dev/null
wait_carp fwa 2 MASTER 5 >/dev/null
wait_carp fwb 1 BACKUP 5 >/dev/null
wait_carp fwb 2 BACKUP 5 >/dev/null
sleep 1.5  # B must stay backup while A advertises
[ "$(carp_state fwb 1)/$(carp_state fwb 2)" = BACKUP/BACKUP ] || fail "B left BACKUP while A is master"

log "the hosts reach each other through the virtual addresses, once each"
out=$(in_ns int ping -c 3 -i 0.3 -W 2 10.0.0.100) || fail "ping through the VIPs failed: $out"
grep -q DUP <<<"$out" && fail "duplicate replies: the backup forwarded frames to the virtual MAC"
in_ns int ping -c 1 -W 2 192.168.0.1 >/dev/null || fail "the master does not answer ping on its VIP"
neigh=$(ip -n "$(ns_name int)" neigh show 192.168.0.1)
grep -q "00:00:5e:00:01:02" <<<"$neigh" || fail "the VIP should resolve to the virtual MAC: $neigh"
drops() { api "$1" /api/v1/stats | json "d['drops']['$2']"; }
[ "$(drops fwb carp-backup)" -gt 0 ] || fail "B should count the frames to the virtual MAC it dropped"

log "tshark decodes our advertisements with a good checksum"
cap=$(in_ns lan timeout 10 tshark -i br0 -a duration:3 -f "ip proto 112" -d ip.proto==112,carp \
  -T fields -e eth.src -e ip.ttl -e carp.version -e carp.vhid -e carp.advskew \
  -e carp.checksum.status 2>/dev/null | sort -u)
[ "$cap" = "$(printf '00:00:5e:00:01:01\t255\t2\t1\t0\t1')" ] ||
  fail "unexpected adverts on sis0's segment: [$cap]"

log "bad advertisements are counted by reason and change nothing"
in_ns ext "$PY" "$HERE/carp_adverts.py" eth0 1 50 >/dev/null
sleep 1.5
[ "$(carp_state fwa 1)/$(carp_state fwb 1)" = MASTER/BACKUP ] || fail "bad adverts changed the roles"
# Node-wide counts by reason; the vhid's own counts need its vhid, which a bad TTL hides.
rej() { api fwa /api/v1/carp | json "d['rejected']['$1']"; }
for r in bad-auth bad-ttl bad-checksum bad-version; do
  [ "$(rej $r)" -ge 50 ] || fail "A counted $(rej $r) $r adverts, expected at least 50"
done
vrej=$(api fwa /api/v1/carp | json "[v for v in d['vhids'] if v['vhid'] == 1][0]['rejected']['bad-auth']")
[ "$vrej" -ge 50 ] || fail "vhid 1 counted $vrej adverts with a wrong password, expected 50"

log "operator demotion hands both vhids to B (preempt) and back"
demote() {
  in_ns "$1" curl -sf -X POST -H "Authorization: Bearer carp-token" \
    -d "{\"demotion\": $2}" http://127.0.0.1:9080/api/v1/carp/demote >/dev/null
}
in_ns fwa curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"demotion": 200}' \
  http://127.0.0.1:9080/api/v1/carp/demote | grep -q 401 || fail "demote without the token must be refused"
# The operator's share is then the only demotion: each node's own bulk update (which demotes it
# by 240 while incomplete) must be over first.
wait_bulk_done fwa 15
wait_bulk_done fwb 15
demote fwa 200 || fail "demote with the token failed"
handover() {
  (wait_carp "$@") >"$LAB_DIR/handover.out" 2>&1 ||
    fail "$(cat "$LAB_DIR/handover.out"); A: $(api fwa /api/v1/carp | json "d['demotion_sources']"), B: $(api fwb /api/v1/carp | json "d['demotion_sources']")"
}
handover fwb 1 MASTER 3
handover fwb 2 MASTER 3
handover fwa 1 BACKUP 3
in_ns int ping -c 2 -i 0.3 -W 2 10.0.0.100 >/dev/null || fail "no traffic through B"
out=$(in_ns fwa "$DPFCTL" --token-file "$LAB_DIR/token" carp demote 0) || fail "dpfctl carp demote 0: $out"
wait_carp fwa 1 MASTER 3 >/dev/null
wait_carp fwa 2 MASTER 3 >/dev/null
wait_carp fwb 2 BACKUP 3 >/dev/null
in_ns fwa "$DPFCTL" -s carp | grep -Eq '^2 +sis1 +MASTER' || fail "dpfctl -s carp on A: $(in_ns fwa "$DPFCTL" -s carp)"
in_ns fwb "$DPFCTL" -s carp | grep -Eq '^1 +sis0 +BACKUP' || fail "dpfctl -s carp on B: $(in_ns fwb "$DPFCTL" -s carp)"

log "A's inside link goes down: A demotes itself and B takes both vhids; back when it returns"
ip -n "$(ns_name lan)" link set a1 down
wait_carp fwa 2 INIT 3 >/dev/null
wait_carp fwb 1 MASTER 3 >/dev/null
wait_carp fwb 2 MASTER 5 >/dev/null
[ "$(api fwa /api/v1/carp | json "d['demotion_sources']['interface-down']")" = 240 ] ||
  fail "A should be demoted while sis1 is down"
ip -n "$(ns_name lan)" link set a1 up
wait_carp fwa 2 MASTER 8 >/dev/null
wait_carp fwa 1 MASTER 3 >/dev/null
wait_carp fwb 1 BACKUP 3 >/dev/null

log "A dies during a TCP stream: B takes over and the stream carries on"
in_ns ext $T watch 7001 >"$LAB_DIR/watch.out" &
watch=$!
sleep 0.3
in_ns int $T stream 10.0.0.100 7001 16 >"$LAB_DIR/stream.out" &
stream=$!
sleep 4
n=$(api fwb "/api/v1/states?proto=tcp" | json "sum(1 for s in d['states'] if 7001 in s['key_wire']['port'])")
[ "$n" = 2 ] || fail "B should hold the stream's 2 states from pfsync, holds $n"
# The receiver's 64 KB buffer keeps the window small: A must send the stream's updates before
# either end runs half a window ahead of B's copy, or B would drop the stream after takeover.
wp=$(api fwa /api/v1/pfsync | json "d['window_pushes']")
[ "$wp" -gt 0 ] || fail "A sent no early update for the stream's window ($wp)"
{ kill -KILL "$A_PID"; wait "$A_PID"; } 2>/dev/null || true
t1=$(wait_carp fwb 1 MASTER 10)
t2=$(wait_carp fwb 2 MASTER 10)
log "B master of vhid 1 after ${t1} ms, of vhid 2 after $((t1 + t2)) ms"
# master-down interval: 3 x advbase + advskew/256 = 3.39 s, plus a second.
[ $((t1 + t2)) -le 4400 ] || fail "B took $((t1 + t2)) ms to take over"
wait "$watch" || true
wait "$stream" || true
sent=$(awk '/^sent/ { print $2 }' "$LAB_DIR/stream.out")
read -r word bytes bad gap <<<"$(tail -n 1 "$LAB_DIR/watch.out")"
log "stream: $bytes bytes, ${gap#gap=} longest silence"
bdrops() {
  api fwb /api/v1/stats | json "{k: v for k, v in d['drops'].items() if v}"
  api fwb "/api/v1/states?proto=tcp" |
    json "[(s['src'], s['dst']) for s in d['states'] if 7001 in s['key_wire']['port']]"
}
[ "$word" = done ] && [ "$bad" = bad=0 ] ||
  fail "the stream broke: $(tail -n 3 "$LAB_DIR/watch.out"); B's drops: $(bdrops)"
[ -n "$sent" ] && [ "$bytes" = "$sent" ] ||
  fail "the sender sent ${sent:-?} bytes ($(cat "$LAB_DIR/stream.out")), the receiver got $bytes; B's drops: $(bdrops)"
[ "$bytes" -gt 500000 ] || fail "the stream hardly moved: $bytes bytes"
log "ok"
