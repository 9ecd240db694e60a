#!/usr/bin/env bash
# Integration: the control thread is never starved. Two nodes with pfsync and CARP (A master of
# vhid 1, B backup); a host on the sync link gives both 200 000 states over pfsync, then floods
# the sync port with valid frames while 16 clients page through A's states. A stays master with
# no flap on either node, its adverts leave on time, and the clients get their pages.
# usage: carp_flood.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init carp_flood
STATES=200000
FLOOD_S=15
CLIENTS=16
PAGE=500

ha_topology
cat >"$LAB_DIR/rules.conf" <<'PF'
set limit states 250000
pass quick on sis2 proto pfsync keep state (no-sync)
pass on { sis0 sis1 } proto carp keep state (no-sync)
pass out keep state
pass in on sis1 keep state
PF
write_token "flood-token"
node() { pair_node "$1" "$2" "$3" "$4" "carp: { advskew: $5 }" \
  "api: { listen: \"127.0.0.1:9080\", token_file: token }"; }
{
  cat <<'YAML'
cluster:
  name: flood-test
  rules: rules.conf
  pfsync: { syncdev: sis2 }
  carp:
    preempt: true
    vhids:
      - { vhid: 1, interface: sis0, pass: foo, advbase: 1, addresses: [10.0.0.1/24] }
nodes:
YAML
  node fw-a 0x0a000001 252 1 0
  node fw-b 0x0a000002 253 2 100
} | sed 's/-m, "256"/-m, "1024"/' >"$LAB_DIR/cluster.yaml"  # room for 250 000 states
"$DPF" -- -c "$LAB_DIR/cluster.yaml" --check >/dev/null || fail "the cluster file does not --check"

start_dpf fwa fw-a -- -c "$LAB_DIR/cluster.yaml" --node fw-a
start_dpf fwb fw-b -- -c "$LAB_DIR/cluster.yaml" --node fw-b
wait_carp fwa 1 MASTER 20 >/dev/null
wait_carp fwb 1 BACKUP 5 >/dev/null

# The sync link's third party sends from fwb's namespace (fwb's own port sees those frames too).
flood() { in_ns fwb "$PY" "$HERE/pfsync_states.py" sis2 10.0.10.9 0c0c0c0c $STATES "$@"; }
count() { api "$1" "/api/v1/states?creatorid=0c0c0c0c&limit=0" | json "d['total']"; }

log "$STATES states from a third node over pfsync"
for round in $(seq 10); do  # some frames of each round are dropped (counted) when rings fill
  flood 0 32 >/dev/null
  [ "$(count fwa)" -ge $STATES ] && break
  sleep 0.5
done
[ "$(count fwa)" = $STATES ] || fail "A holds $(count fwa) of the $STATES states after $round rounds"
log "A holds them after $round round(s)"

page_time() {
  in_ns fwa curl -sf -o /dev/null -w '%{time_total}' "http://127.0.0.1:9080/api/v1/states?offset=100000&limit=$1"
}
log "before the flood, a page of $PAGE states takes $(page_time $PAGE) s (the walk alone $(page_time 0) s)"

transitions() { grep -c 'vhid 1: .* -> ' "$LAB_DIR/$1.log" || true; }
a_before=$(transitions fw-a)
b_before=$(transitions fw-b)
rx_before=$(api fwa /api/v1/pfsync | json "d['io']['rx_frames']")

log "flood of valid pfsync frames for $FLOOD_S s, $CLIENTS clients paging through the states"
in_ns lan timeout $((FLOOD_S + 1)) tcpdump -U -i br0 -nn -w "$LAB_DIR/adverts.pcap" \
  'ip proto 112 and src host 10.0.0.252' >/dev/null 2>&1 &
capture=$!
sleep 0.5
flood "$FLOOD_S" >"$LAB_DIR/flood.out" &
flooder=$!
deadline=$(($(date +%s) + FLOOD_S))
for c in $(seq $CLIENTS); do
  (
    pages=0
    offset=$((c * 12007 % STATES))
    while [ "$(date +%s)" -lt $deadline ]; do
      if in_ns fwa curl -sf --max-time 10 -o /dev/null \
        "http://127.0.0.1:9080/api/v1/states?offset=$offset&limit=$PAGE"; then
        pages=$((pages + 1))
      fi
      offset=$(((offset + PAGE) % STATES))
    done
    echo $pages >"$LAB_DIR/pages.$c"
  ) &
done
roles=""
while [ "$(date +%s)" -lt $deadline ]; do
  roles="$roles $(carp_state fwa 1)/$(carp_state fwb 1)"
  sleep 0.5
done
wait $flooder
for c in $(seq $CLIENTS); do
  while [ ! -s "$LAB_DIR/pages.$c" ]; do sleep 0.1; done
done
wait "$capture" 2>/dev/null || true  # timeout ends it

pages=$(cat "$LAB_DIR"/pages.* | awk '{ n += $1 } END { print n }')
rx=$(($(api fwa /api/v1/pfsync | json "d['io']['rx_frames']") - rx_before))
log "sent $(cat "$LAB_DIR/flood.out") frames, A took $rx; $pages pages of $PAGE states served"
[ "$rx" -gt 10000 ] || fail "the flood did not reach A ($rx frames)"
for r in $roles; do
  [ "$r" = MASTER/BACKUP ] || fail "roles seen during the flood: $roles"
done
[ "$(transitions fw-a)" = "$a_before" ] || fail "A's vhid 1 changed role: $(grep 'vhid 1' "$LAB_DIR/fw-a.log")"
[ "$(transitions fw-b)" = "$b_before" ] || fail "B's vhid 1 changed role: $(grep 'vhid 1' "$LAB_DIR/fw-b.log")"
# A's adverts (advbase 1 s) kept their pace: no gap between two of them beyond 1.5 s.
gaps=$(tshark -r "$LAB_DIR/adverts.pcap" -T fields -e frame.time_delta 2>/dev/null | tail -n +2)
[ "$(wc -l <<<"$gaps")" -ge $((FLOOD_S - 3)) ] || fail "too few adverts captured: $(wc -l <<<"$gaps")"
worst=$(sort -g <<<"$gaps" | tail -n 1)
log "longest gap between A's adverts: $worst s"
awk -v w="$worst" 'BEGIN { exit !(w < 1.5) }' || fail "an advert of A was late: gap $worst s"
# The listings run on the REST thread, one at a time, beside a control thread busy with the
# flood: on a loaded machine a page can take seconds, so only some pages are asked of them.
[ "$pages" -ge 4 ] || fail "only $pages pages served in $FLOOD_S s"
log "PASS"
