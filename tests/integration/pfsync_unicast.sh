#!/usr/bin/env bash
# Integration: pfsync to a unicast syncpeer, with the mirror interface. Two dpf nodes on a
# crossover sync link (sis2) with `syncpeer: peer` (each sends to the other's sis2 address, the
# MAC resolved by ARP) and `mirror: pfsync0`. A connection through A appears on B; the frames on
# the sync link go to the peer's address and MAC, never to the group 224.0.0.240; and
# `tcpdump -i pfsync0` in a node's namespace sees its pfsync frames.
# usage: pfsync_unicast.sh PATH_TO_DPF
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init pfsync_unicast
T="$PY $HERE/tcp_transfer.py"
command -v tcpdump >/dev/null || skip "tcpdump is not installed (scripts/setup installs it)"

sync_pair_topology

sync_pair_rules
write_token "sync-token"
node() { pair_node "$@" "api: { listen: \"127.0.0.1:9080\", token_file: token }"; }
pair_cluster "{ name: unicast-test, rules: rules.conf,
  pfsync: { syncdev: sis2, maxupd: 128, syncpeer: peer, mirror: pfsync0 } }" node

start_dpf fwa fw-a -- -c "$LAB_DIR/cluster.yaml" --node fw-a
start_dpf fwb fw-b -- -c "$LAB_DIR/cluster.yaml" --node fw-b
ip -n "$(ns_name fwa)" link show pfsync0 >/dev/null 2>&1 || fail "A has no pfsync0 interface"
b_mac=$(ip -n "$(ns_name fwb)" -o link show sis2 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
[ -n "$b_mac" ] || fail "cannot read B's sis2 MAC"

ids() { api "$1" "/api/v1/states?proto=tcp" | json "' '.join(sorted(s['id'] + '/' + s['creatorid'] for s in d['states'] if $2 in s['key_wire']['port']))"; }
wait_ids() { # wait_ids NS PORT WANT: up to 5 s for NS to hold exactly WANT
  for _ in $(seq 50); do [ "$(ids "$1" "$2")" = "$3" ] && return 0; sleep 0.1; done
  fail "$1 holds [$(ids "$1" "$2")] for port $2, expected [$3]"
}

log "B's bulk update completes over unicast"
for _ in $(seq 100); do
  [ "$(api fwb /api/v1/pfsync | json "d['bulk']['done']")" = True ] && break
  sleep 0.1
done
[ "$(api fwb /api/v1/pfsync | json "d['bulk']['done']")" = True ] || fail "B's bulk update did not finish"

log "a connection through A reaches B; the link and pfsync0 carry A's frames"
# -U: each packet is written as it is captured; the captures end after their count or 10 s.
in_ns fwb timeout 10 tcpdump -i sis2 -U -nn -e -v -c 1 'ip proto 240 and src host 10.0.10.1' \
  >"$LAB_DIR/link.txt" 2>"$LAB_DIR/link.err" &
link_pid=$!
in_ns fwa timeout 10 tcpdump -i pfsync0 -U -nn -e -c 1 'ip proto 240' \
  >"$LAB_DIR/mirror.txt" 2>"$LAB_DIR/mirror.err" &
mirror_pid=$!
sleep 1 # tcpdump is listening
in_ns hA $T sink 6001 >/dev/null &
in_ns hB $T hold 10.0.0.2 6001 30 >/dev/null &
sleep 0.5
first=$(ids fwa 6001)
[ "$(wc -w <<<"$first")" = 2 ] || fail "A should hold 2 states for the connection: [$first]"
wait_ids fwb 6001 "$first"
origin=$(api fwb "/api/v1/states?proto=tcp" | json "sorted(set(s['origin'] for s in d['states']))")
[ "$origin" = "['pfsync']" ] || fail "B's states should all be learned from pfsync: $origin"

wait "$link_pid" || fail "no pfsync frame from A on the sync link: $(cat "$LAB_DIR/link.err")"
wait "$mirror_pid" || fail "tcpdump -i pfsync0 on A saw no pfsync frame: $(cat "$LAB_DIR/mirror.err")"
# With -e -v a frame is two lines: link and IP header, then the addresses.
log "on the link: $(head -n 2 "$LAB_DIR/link.txt" | tr -s ' \n' ' ')"
to_b=$(grep -c "> $b_mac, ethertype IPv4 .*ttl 255,.*proto unknown (240)" "$LAB_DIR/link.txt" || true)
[ "$to_b" = 1 ] || fail "the frame from A should go to B's MAC $b_mac with TTL 255: $(cat "$LAB_DIR/link.txt")"
to_peer=$(grep -c "10.0.10.1 > 10.0.10.2: *ip-proto-240" "$LAB_DIR/link.txt" || true)
[ "$to_peer" = 1 ] || fail "the frame from A should go to 10.0.10.2: $(cat "$LAB_DIR/link.txt")"
log "on pfsync0: $(head -n 1 "$LAB_DIR/mirror.txt")"
grep -q "10.0.10.[12] > 10.0.10.[12]: *ip-proto-240" "$LAB_DIR/mirror.txt" ||
  fail "pfsync0 does not show a pfsync frame: $(cat "$LAB_DIR/mirror.txt")"

log "counters: nothing was bad, and B's frames reached A too"
a=$(api fwa /api/v1/pfsync)
b=$(api fwb /api/v1/pfsync)
[ "$(json "d['stats']['opackets']" <<<"$a")" -gt 0 ] || fail "A sent no pfsync packets: $a"
[ "$(json "d['stats']['ipackets']" <<<"$b")" -gt 0 ] || fail "B received no pfsync packets: $b"
[ "$(json "d['stats']['ipackets']" <<<"$a")" -gt 0 ] || fail "A received nothing from B: $a"
for f in badttl badif hdrops badver badact badlen badval; do
  [ "$(json "d['stats']['$f']" <<<"$b")" = 0 ] || fail "B counted $f: $b"
done
stop_dpf fw-b
LAB_PIDS=("${LAB_PIDS[@]:0:${#LAB_PIDS[@]}-1}")
stop_dpf fw-a
log "PASS"
