#!/usr/bin/env bash
# Integration: IPv4 options and `allow-opts` (pf_test's "dropping packet with ip options").
# Host B (192.168.0.2) sends UDP through the node to host A (10.0.0.2), built with scapy:
#   - a datagram with a loose source route (LSRR) or record route (RR) option whose deciding
#     `pass out` rule lacks allow-opts is dropped and counted as ip-option, and A gets nothing;
#   - the same option passes when the deciding rule says allow-opts;
#   - a flow whose state was made by a rule without allow-opts passes without options and drops
#     a later datagram with an option (the state's rule decides).
# usage: pf_opts.sh PATH_TO_DPF
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init pf-opts
"$PY" -c "import scapy" 2>/dev/null || skip "python3-scapy is not installed"
T="$PY $HERE/tcp_transfer.py"

router_topology

# Inbound on sis1 every rule allows options: the outbound rule on sis0 decides.
cat >"$LAB_DIR/rules.conf" <<'PF'
block all
pass in on sis1 keep state allow-opts
pass out on sis0 proto udp keep state
pass out on sis0 proto udp to port 7002 keep state allow-opts
PF
router_cluster pf-opts-test
start_dpf fw dpf -- -c "$LAB_DIR/cluster.yaml"
drops() { api fw /api/v1/stats | json "d['drops']['$1']"; }
# send_udp SPORT DPORT OPTION COUNT: COUNT datagrams from B to A:DPORT with OPTION (lsrr, rr,
# none), sent through B's route to the node.
send_udp() {
  in_ns hB "$PY" - "$@" <<'PYEOF'
import sys
from scapy.all import IP, UDP, IPOption_LSRR, IPOption_RR, Raw, conf, send
conf.verb = 0
sport, dport, kind, count = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
opts = {"lsrr": [IPOption_LSRR(routers=["10.0.0.2"])],
        "rr": [IPOption_RR(routers=["0.0.0.0"] * 2)],
        "none": []}[kind]
send(IP(src="192.168.0.2", dst="10.0.0.2", options=opts) / UDP(sport=sport, dport=dport) /
     Raw(b"opts"), count=count, inter=0.05)
PYEOF
}
# wait_drops REASON AT_LEAST: polls the counter (the node may be slow on a busy machine).
wait_drops() {
  for _ in $(seq 50); do
    [ "$(drops "$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}
# count_udp PORT SECONDS -> file: starts A's counter in the background (pid in $counter).
count_udp() {
  in_ns hA $T udp-count "$1" "$2" >"$LAB_DIR/count.$1" &
  counter=$!
  sleep 0.3
}

log "LSRR and RR without allow-opts on the deciding rule: dropped, counted as ip-option"
opt0=$(drops ip-option)
count_udp 7001 3
send_udp 40001 7001 lsrr 3
send_udp 40002 7001 rr 3
wait_drops ip-option $((opt0 + 6)) || fail "ip-option counted $(($(drops ip-option) - opt0)) of 6"
wait "$counter"
[ "$(cat "$LAB_DIR/count.7001")" = 0 ] || fail "A received datagrams with options: $(cat "$LAB_DIR/count.7001")"

log "RR with allow-opts on the deciding rule: passes"
opt0=$(drops ip-option)
count_udp 7002 3
send_udp 40003 7002 rr 3
wait "$counter"
[ "$(cat "$LAB_DIR/count.7002")" = 3 ] || fail "A received $(cat "$LAB_DIR/count.7002") of 3 datagrams with RR"
[ "$(drops ip-option)" = "$opt0" ] || fail "allowed options were counted as ip-option"

log "a state made without allow-opts drops a later packet of its flow that has options"
count_udp 7003 3
send_udp 40004 7003 none 2
send_udp 40004 7003 rr 2
wait_drops ip-option $((opt0 + 2)) || fail "the state's packets with RR were not counted as ip-option"
wait "$counter"
[ "$(cat "$LAB_DIR/count.7003")" = 2 ] || fail "A received $(cat "$LAB_DIR/count.7003") datagrams, not the 2 without options"
stop_dpf dpf
log "PASS"
