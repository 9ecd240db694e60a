#!/usr/bin/env bash
# Integration: malformed frames that cannot cross a veth + af_packet link (frames shorter than an
# Ethernet header, which the kernel pads; IP fragments, which af_packet's fanout reassembles) are
# fed to dpf from a capture through net_pcap, and each is counted under its reason.
# usage: malformed_pcap.sh PATH_TO_DPF
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init malformed-pcap
"$PY" -c "import scapy" 2>/dev/null || skip "python3-scapy is not installed"

ns_add fw
# Broadcast: every frame reaches the parser whatever MAC the pcap port has.
mac=ff:ff:ff:ff:ff:ff
"$PY" "$HERE/malformed.py" - "$mac" 192.168.0.2 3 --pcap "$LAB_DIR/in.pcap" >"$LAB_DIR/sent.txt"
total=$(awk '{s += $2} END {print s}' "$LAB_DIR/sent.txt")

cat >"$LAB_DIR/cluster.yaml" <<YAML
cluster: { name: pcap-test }
nodes:
  fw:
    eal: [-l, "0-1", --no-huge, -m, "256", --no-pci, --file-prefix, dpf-pcap-$$, --log-level, "*:warning"]
    lcores: { workers: 1, idle: adaptive }
    interfaces:
      em0: { device: "net_pcap0,rx_pcap=$LAB_DIR/in.pcap,tx_pcap=$LAB_DIR/out.pcap", address: 10.0.0.254/24 }
YAML
start_dpf fw dpf -- -c "$LAB_DIR/cluster.yaml"

for _ in $(seq 50); do
  stats=$(api fw /api/v1/stats)
  [ "$(json "d['node']['rx_packets']" <<<"$stats")" -ge "$total" ] && break
  sleep 0.1
done
sleep 0.3
stats=$(api fw /api/v1/stats)
[ "$(json "d['node']['rx_packets']" <<<"$stats")" = "$total" ] ||
  fail "rx_packets $(json "d['node']['rx_packets']" <<<"$stats"), expected $total"
while read -r reason n; do
  got=$(json "d['drops']['$reason']" <<<"$stats")
  [ "$got" = "$n" ] || fail "drops[$reason] = $got, expected $n"
  log "  $reason: $n"
done <"$LAB_DIR/sent.txt"
log "PASS"
