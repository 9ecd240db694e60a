#!/usr/bin/env bash
# Integration: a Linux sender with TX checksum offload on, into an af_packet port over veth. Its
# TCP segments arrive with the checksum left for a NIC to finish (only the pseudo-header sum).
# Without `fix_offloaded_checksums` the node drops them as l4-checksum-offloaded, says once in its
# log which interface and what to run, and ping still works; with it, the node finishes the
# checksums and a transfer arrives intact.
# usage: offload.sh PATH_TO_DPF
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init offload

router_topology
# hA sends with checksum offload on (segmentation stays off: a veth super-frame is another matter).
in_ns hA ethtool -K eth0 tx on tso off gso off >/dev/null 2>&1 || skip "cannot turn on veth tx offload"
in_ns hA ethtool -k eth0 | grep -Eq '^[[:space:]]*tx-checksum-ip-generic: on' ||
  skip "veth without generic tx checksum offload here"
echo "pass all" >"$LAB_DIR/rules.conf"
router_cluster offload
head -c 2000000 /dev/urandom >"$LAB_DIR/data.bin"
want=$(sha256sum "$LAB_DIR/data.bin" | cut -d' ' -f1)

drops() { api fw /api/v1/stats | json "d['drops']['l4-checksum-offloaded']"; }
transfer() {  # transfer PORT: prints what the sink received ("<sha256> <bytes>") or nothing
  in_ns hB timeout 8 "$PY" "$HERE/tcp_transfer.py" sink "$1" >"$LAB_DIR/sink.out" 2>/dev/null &
  local sink=$!
  sleep 0.3
  in_ns hA timeout 6 "$PY" "$HERE/tcp_transfer.py" send 192.168.0.2 "$1" "$LAB_DIR/data.bin" \
    >/dev/null 2>&1 || true
  wait "$sink" 2>/dev/null || true
  cat "$LAB_DIR/sink.out"
}

log "offload on, no fix: TCP is dropped and counted, ping works, one warning names sis0"
start_dpf fw dpf1 -- -c "$LAB_DIR/cluster.yaml"
in_ns hA ping -c 2 -i 0.2 -W 2 192.168.0.2 >/dev/null || fail "ping should pass: ICMP is not offloaded"
got=$(transfer 7001)
[ -z "$got" ] || [ "${got%% *}" != "$want" ] || fail "the transfer should not arrive without the fix"
n=$(drops)
[ "$n" -gt 0 ] || fail "no l4-checksum-offloaded drops counted"
sleep 0.6  # the control thread looks every 500 ms
grep -c 'checksums their sender left for offload' "$LAB_DIR/dpf1.log" | grep -qx 1 ||
  fail "expected one warning: $(grep offload "$LAB_DIR/dpf1.log")"
grep -q 'interface sis0: .*ethtool -K IFACE tx off tso off gso off gro off.*fix_offloaded_checksums: true. on sis0' \
  "$LAB_DIR/dpf1.log" || fail "the warning does not say what to do: $(grep offload "$LAB_DIR/dpf1.log")"
stop_dpf dpf1
LAB_PIDS=("${LAB_PIDS[@]:0:${#LAB_PIDS[@]}-1}")

log "fix_offloaded_checksums: true on sis0: the node finishes the checksums"
sed -i 's|address: 10.0.0.254/24 }|address: 10.0.0.254/24, fix_offloaded_checksums: true }|' "$LAB_DIR/cluster.yaml"
start_dpf fw dpf2 -- -c "$LAB_DIR/cluster.yaml"
got=$(transfer 7002)
[ "${got%% *}" = "$want" ] || fail "the transfer did not arrive intact with the fix: '$got'"
[ "$(drops)" = 0 ] || fail "packets were dropped although the fix is on: $(drops)"
grep -q 'left for offload' "$LAB_DIR/dpf2.log" && fail "a fixing node should not warn"
stop_dpf dpf2
log PASS
