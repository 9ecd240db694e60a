#!/usr/bin/env bash
# Integration: host A — dpf — host B on veth links (net_af_packet). Real Linux hosts on both
# sides: pings both ways, a 20 MB TCP transfer with matching SHA-256, ICMP time exceeded for
# `ping -t 1`, path MTU (fragmentation needed with DF, a counted drop without), malformed frames
# counted by reason (REST and /metrics) while a ping keeps flowing, ARP from the WAN side claiming
# a LAN host's address (or tagged ARP) that changes no neighbour, and a clean stop on SIGTERM
# within a second.
# usage: routed.sh PATH_TO_DPF
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init routed

router_topology

cat >"$LAB_DIR/cluster.yaml" <<YAML
cluster: { name: routed-test }
nodes:
  fw:
    hostid: 0x0a000001
    eal: [-l, "0-1", --no-huge, -m, "256", --no-pci, --file-prefix, dpf-routed-$$, --log-level, "*:warning"]
    lcores: { workers: 1, idle: adaptive }
    interfaces:
      sis0: { device: "net_af_packet0,iface=sis0", address: 10.0.0.254/24 }
      sis1: { device: "net_af_packet1,iface=sis1,qpairs=2", address: 192.168.0.254/24, mtu: 1400 }
    api: { listen: "127.0.0.1:9080" }
YAML
start_dpf fw dpf -- -c "$LAB_DIR/cluster.yaml"

fake=02:66:66:66:66:66
mac_a=$(in_ns hA cat /sys/class/net/eth0/address)
sis1_mac=$(in_ns fw cat /sys/class/net/sis1/address)
# neighbor_of IP: "INTERFACE MAC" of each of the node's neighbour entries for IP.
neighbor_of() { api fw /api/v1/neighbors | json "' '.join(n['interface'] + ' ' + n['mac'] for n in d['neighbors'] if n['address'] == '$1')"; }
drops() { api fw /api/v1/stats | json "d['drops']['$1']"; }
# spoof: B (on the WAN side) claims A's 10.0.0.2 with a reply and a request to the node's sis1
# address; A sends the same claim tagged with VLAN 5. None of them may be learned.
spoof() {
  in_ns hB "$PY" "$HERE/arp_send.py" eth0 "$sis1_mac" reply 10.0.0.2 192.168.0.254 "$fake"
  in_ns hB "$PY" "$HERE/arp_send.py" eth0 ff:ff:ff:ff:ff:ff request 10.0.0.2 192.168.0.254 "$fake"
  in_ns hA "$PY" "$HERE/arp_send.py" eth0 ff:ff:ff:ff:ff:ff request 10.0.0.2 10.0.0.254 "$fake" --vlan 5
}
# wait_spoof_counted FOREIGN VLAN: waits (10 s at most) for the drop counters to reach these.
wait_spoof_counted() {
  for _ in $(seq 100); do
    [ "$(drops arp-foreign)" -ge "$1" ] && [ "$(drops arp-vlan)" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "spoofed ARP not counted: arp-foreign $(drops arp-foreign) (want $1), arp-vlan $(drops arp-vlan) (want $2)"
}

log "ARP from the WAN claiming a LAN host's address is not learned before the host speaks"
spoof
wait_spoof_counted 2 1
[ -z "$(neighbor_of 10.0.0.2)" ] || fail "the node learned the spoofed 10.0.0.2: $(neighbor_of 10.0.0.2)"

log "ping the node's own addresses"
in_ns hA ping -c 2 -i 0.2 -W 2 10.0.0.254 >/dev/null || fail "no echo reply from 10.0.0.254"
in_ns hB ping -c 2 -i 0.2 -W 2 192.168.0.254 >/dev/null || fail "no echo reply from 192.168.0.254"

log "ping through the node, both ways"
in_ns hA ping -c 3 -i 0.2 -W 2 192.168.0.2 >/dev/null || fail "A cannot ping B"
in_ns hB ping -c 3 -i 0.2 -W 2 10.0.0.2 >/dev/null || fail "B cannot ping A"

log "the LAN host's neighbour entry survives the same spoofing once learned"
[ "$(neighbor_of 10.0.0.2)" = "sis0 $mac_a" ] || fail "10.0.0.2 is not sis0 $mac_a: $(neighbor_of 10.0.0.2)"
spoof
wait_spoof_counted 4 2
[ "$(neighbor_of 10.0.0.2)" = "sis0 $mac_a" ] || fail "spoofing changed 10.0.0.2: $(neighbor_of 10.0.0.2)"
in_ns hB ping -c 2 -i 0.2 -W 2 10.0.0.2 >/dev/null || fail "B cannot ping A after the spoofing"

log "sis1's MTU is 1400: without DF a bigger packet is dropped and counted, with DF it gets fragmentation needed"
# Without DF first: the host does not know the path MTU yet and sends the whole datagram.
mtu0=$(api fw /api/v1/stats | json "d['drops']['mtu-exceeded']")
in_ns hA ping -c 1 -W 1 -M dont -s 1450 192.168.0.2 >/dev/null 2>&1 &&
  fail "a 1478-byte packet crossed a 1400 MTU"
sleep 0.4
[ "$(api fw /api/v1/stats | json "d['drops']['mtu-exceeded']")" -gt "$mtu0" ] ||
  fail "mtu-exceeded did not count the packet without DF"
out=$(in_ns hA ping -c 1 -W 2 -M do -s 1450 192.168.0.2 2>&1 || true)
grep -q 'From 10.0.0.254.*[Ff]rag needed.*mtu = 1400' <<<"$out" || fail "no fragmentation needed: $out"

log "20 MB TCP transfer A -> B"
head -c 20000000 /dev/urandom >"$LAB_DIR/data.bin"
want=$(sha256sum "$LAB_DIR/data.bin" | cut -d' ' -f1)
in_ns hB "$PY" "$HERE/tcp_transfer.py" sink 5001 >"$LAB_DIR/sink.out" &
sink=$!
sleep 0.3
in_ns hA "$PY" "$HERE/tcp_transfer.py" send 192.168.0.2 5001 "$LAB_DIR/data.bin" ||
  fail "TCP transfer failed"
wait "$sink"
read -r got bytes <"$LAB_DIR/sink.out"
[ "$bytes" = 20000000 ] || fail "B received $bytes bytes, not 20000000"
[ "$got" = "$want" ] || fail "SHA-256 differs: sent $want, received $got"
log "transfer ok: $bytes bytes, sha256 $got"

log "ping -t 1 through the node gets time exceeded"
out=$(in_ns hA ping -c 1 -t 1 -W 2 192.168.0.2 || true)
grep -q 'From 10.0.0.254.*Time to live exceeded' <<<"$out" || fail "no time exceeded: $out"

log "malformed frames are counted by reason while a ping keeps flowing"
before=$(api fw /api/v1/stats)
in_ns hA ping -c 30 -i 0.1 -W 2 192.168.0.2 >"$LAB_DIR/ping.out" &
pinger=$!
mac=$(in_ns fw cat /sys/class/net/sis0/address)
in_ns hA "$PY" "$HERE/malformed.py" eth0 "$mac" 192.168.0.2 7 >"$LAB_DIR/sent.txt"
wait "$pinger" || fail "ping lost packets while malformed frames arrived: $(tail -n 2 "$LAB_DIR/ping.out")"
grep -q ' 0% packet loss' "$LAB_DIR/ping.out" || fail "ping loss: $(grep loss "$LAB_DIR/ping.out")"
sleep 0.5  # the stats snapshot is refreshed every 200 ms
after=$(api fw /api/v1/stats)
metrics=$(api fw /metrics)
while read -r reason n; do
  b=$(json "d['drops']['$reason']" <<<"$before")
  a=$(json "d['drops']['$reason']" <<<"$after")
  [ $((a - b)) = "$n" ] || fail "drops[$reason] grew by $((a - b)), expected $n"
  grep -q "^dpf_drops_total{node=\"fw\",reason=\"$reason\"} $a\$" <<<"$metrics" ||
    fail "/metrics does not show $reason = $a"
  log "  $reason: +$n"
done <"$LAB_DIR/sent.txt"

log "status shows both links up"
status=$(api fw /api/v1/status)
[ "$(json "[i['link']['up'] for i in d['interfaces']]" <<<"$status")" = "[True, True]" ] ||
  fail "links not up: $status"

log "SIGTERM stops the node within a second"
stop_dpf dpf
log "PASS"
