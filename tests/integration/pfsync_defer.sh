#!/usr/bin/env bash
# Integration: pfsync with `defer: true`, the basic_defer and defer scenarios of FreeBSD's own
# pfsync test. Node A forwards between two hosts and syncs to node B over a crossover link.
# basic_defer: traffic that creates states still flows and B learns the states. defer: the
# first packet of a new state leaves A only after A's insert went out on the sync link and B's
# acknowledgement came back, checked on one capture of both of A's links. Without B, the held
# packet goes after the defer timeout.
# usage: pfsync_defer.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
lab_init pfsync-defer
command -v tshark >/dev/null && command -v tcpdump >/dev/null ||
  skip "tshark and tcpdump are not installed (scripts/setup installs them)"
T="$PY $HERE/tcp_transfer.py"

sync_pair_topology

sync_pair_rules
pair_cluster "{ name: defer-test, rules: rules.conf, pfsync: { syncdev: sis2, defer: true } }" pair_node
defer() { api fwa /api/v1/pfsync | json "d['defer']['$1']"; }

log "without B, a held packet goes after the defer timeout"
start_dpf fwa fw-a -- -c "$LAB_DIR/cluster.yaml" --node fw-a
[ "$(api fwa /api/v1/pfsync | json "d['defer']['enabled']")" = True ] || fail "defer is not on"
# A first ping resolves the hosts' addresses: a packet that waits for ARP is held already and
# carries no deferral.
in_ns hB ping -c 1 -W 2 10.0.0.2 >/dev/null || fail "ping through A failed"
udp() {  # udp PORT: one datagram from hB to hA; prints what hA received within 2 s
  in_ns hA $T udp-count "$1" 2 >"$LAB_DIR/count.$1" &
  local c=$!
  sleep 0.3
  in_ns hB "$PY" -c "
import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b'first', ('10.0.0.2', $1))"
  wait "$c"
  cat "$LAB_DIR/count.$1"
}
[ "$(udp 9001)" = 1 ] || fail "the deferred datagram never arrived"
[ "$(defer deferred)" -ge 1 ] && [ "$(defer timed_out)" -ge 1 ] ||
  fail "the datagram's state should be deferred and time out: $(api fwa /api/v1/pfsync | json "d['defer']")"

log "basic_defer: with B up, traffic flows and B learns the states"
start_dpf fwb fw-b -- -c "$LAB_DIR/cluster.yaml" --node fw-b
for _ in $(seq 50); do
  [ "$(api fwb /api/v1/pfsync | json "d['bulk']['done']")" = True ] && break
  sleep 0.1
done
acked0=$(defer acked)
in_ns hA $T sink 6001 >"$LAB_DIR/sink.out" &
sink=$!
sleep 0.3
head -c 2000000 /dev/urandom >"$LAB_DIR/data.bin"
in_ns hB $T send 10.0.0.2 6001 "$LAB_DIR/data.bin" || fail "the transfer failed"
wait "$sink"
read -r got _ <"$LAB_DIR/sink.out"
[ "$got" = "$(sha256sum "$LAB_DIR/data.bin" | cut -d' ' -f1)" ] || fail "the transfer arrived damaged"
[ "$(defer acked)" -gt "$acked0" ] || fail "B acknowledged no deferred insert: $(api fwa /api/v1/pfsync | json "d['defer']")"
n=$(api fwb "/api/v1/states?proto=tcp" | json "sum(1 for s in d['states'] if 6001 in s['key_wire']['port'])")
[ "$n" -ge 1 ] || fail "B does not hold the connection's states"

log "defer: the first packet leaves A after A's insert and B's acknowledgement"
# DPDK's af_packet ports send past the kernel's packet taps, so each frame is captured where it
# arrives: A's insert on B's sis2, B's ack on A's sis2, the datagram on hA. One clock for all.
capture() {  # capture NS IF NAME FILTER
  ip netns exec "$(ns_name "$1")" tcpdump -i "$2" -U -w "$LAB_DIR/$3.pcap" "$4" \
    >/dev/null 2>"$LAB_DIR/$3.err" &
  LAB_PIDS+=($!)
  CAPS+=($!)
  for _ in $(seq 50); do grep -q 'listening on' "$LAB_DIR/$3.err" && return 0; sleep 0.1; done
  fail "tcpdump on $1 $2 did not start"
}
CAPS=()
capture fwb sis2 ins "ip proto 240 and src 10.0.10.1"
capture fwa sis2 ack "ip proto 240 and src 10.0.10.2"
capture hA eth0 udp "udp port 9999"
[ "$(udp 9999)" = 1 ] || fail "the datagram to port 9999 never arrived"
sleep 0.5
for c in "${CAPS[@]}"; do kill -INT "$c"; wait "$c" 2>/dev/null || true; done
# The first INS from A, the first INS_ACK from B, and the datagram, in capture order. pfsync
# payloads are walked by hand (tshark has no pfsync dissector): a 20-byte header, then
# subheaders (action, pad, count) each followed by count records of the action's size.
order=$(for f in ins ack udp; do
  tshark -r "$LAB_DIR/$f.pcap" -T fields -e frame.time_epoch -e ip.src -e ip.proto -e data.data 2>/dev/null
done | sort -n | "$PY" -c '
import sys
SIZE = {0: 20, 1: 242, 2: 12, 3: 242, 4: 84, 5: 12, 6: 242, 7: 12, 10: 12, 11: 48, 13: 277, 14: 277}
def actions(hexdata):
    b, off, out = bytes.fromhex(hexdata), 20, set()
    while off + 4 <= len(b) and b[off] in SIZE:
        out.add(b[off])
        off += 4 + SIZE[b[off]] * int.from_bytes(b[off + 2:off + 4], "big")
    return out
seen = []
for line in sys.stdin:
    f = line.rstrip("\n").split("\t") + [""] * 4
    if f[2] == "17" and "packet" not in seen:
        seen.append("packet")
    elif f[2] == "240" and f[3]:
        acts = actions(f[3])
        if f[1] == "10.0.10.1" and 1 in acts and "insert" not in seen:
            seen.append("insert")
        if f[1] == "10.0.10.2" and 2 in acts and "ack" not in seen:
            seen.append("ack")
print(" ".join(seen))
')
log "in time order: $order"
[ "$order" = "insert ack packet" ] || fail "expected the insert, B's ack, then the packet; saw: $(echo $order)"
log "PASS"
