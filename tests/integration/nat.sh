#!/usr/bin/env bash
# Integration: NAT on one dpf node between an inside host (192.168.0.100) and an outside network
# (10.0.0.0/24: a host 10.0.0.100 and a Linux router 10.0.0.2 to a far host 172.16.0.100) none
# of which has a route back to 192.168.0.0/24, so only translation brings replies back.
#   - `nat on sis0 ... -> (sis0)`: TCP (a transfer with matching SHA-256), UDP and ping from the
#     inside work; the outside sees only 10.0.0.254 with a source port in 50001-65535 (the
#     servers' view and a capture of the whole outside segment, in which no 192.168.0.x appears);
#     `dpfctl -s states` prints the translated state as pfctl does, wire key first;
#   - a UDP traceroute to the far host reads the node's time exceeded, the router's (translated
#     back to the inside host, its quoted packet too) and the far host's port unreachable;
#   - `rdr on sis0 ... port 8080 -> 192.168.0.100 port 80` with a pass rule for the translated
#     destination (FreeBSD), then `pass in ... rdr-to` and `pass out ... nat-to` (OpenBSD), each
#     loaded by SIGHUP: a transfer from the outside to node:8080 reaches the inside server intact;
#   - a translation address of the wrong family fails --check, `dpfctl -nvf` and a SIGHUP with
#     FILE:LINE:COL, and the node keeps its ruleset.
# usage: nat.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
lab_init nat
P="$PY $HERE/nat_probe.py"
T="$PY $HERE/tcp_transfer.py"

for n in in fw wan out rt far; do ns_add $n; done
link in eth0 fw sis1
w=$(ns_name wan)
ip -n "$w" link add br0 type bridge mcast_snooping 0
ip -n "$w" link set br0 up
link fw sis0 wan w0
link out eth0 wan w1
link rt eth0 wan w2
for p in w0 w1 w2; do ip -n "$w" link set $p master br0; done
link rt eth1 far eth0
host_addr in eth0 192.168.0.100/24 192.168.0.254
host_addr out eth0 10.0.0.100/24
host_addr rt eth0 10.0.0.2/24
host_addr rt eth1 172.16.0.1/24
in_ns rt sysctl -qw net.ipv4.ip_forward=1
host_addr far eth0 172.16.0.100/24 172.16.0.1
for n in out rt; do
  if ip -n "$(ns_name $n)" route get 192.168.0.100 >/dev/null 2>&1; then
    fail "$n has a route to 192.168.0.0/24: $(ip -n "$(ns_name $n)" route)"
  fi
done

cat >"$LAB_DIR/cluster.yaml" <<YAML
cluster: { name: nat-test, rules: rules.conf }
nodes:
  fw:
    hostid: 0x0a000001
    eal: [-l, "0-1", --no-huge, -m, "256", --no-pci, --file-prefix, dpf-nat-$$, --log-level, "*:warning"]
    interfaces:
      sis0: { device: "net_af_packet0,iface=sis0", address: 10.0.0.254/24 }
      sis1: { device: "net_af_packet1,iface=sis1", address: 192.168.0.254/24 }
    routes:
      - { to: 172.16.0.0/24, via: 10.0.0.2 }
    api: { listen: "127.0.0.1:9080" }
YAML
# The policy under every ruleset: nothing in from outside unless a rule below lets it.
policy() {
  cat <<'PF'
block in on sis0
pass out keep state
pass in on sis1 keep state
PF
}
{
  echo "nat on sis0 from 192.168.0.0/24 to any -> (sis0)"
  policy
} >"$LAB_DIR/rules.conf"
in_ns fw "$DPF" -- -c "$LAB_DIR/cluster.yaml" --check >/dev/null 2>"$LAB_DIR/check.err" ||
  fail "the NAT ruleset does not --check: $(cat "$LAB_DIR/check.err")"
start_dpf fw fw -- -c "$LAB_DIR/cluster.yaml"
FW_PID=${LAB_PIDS[-1]}

generation() { api fw /api/v1/rules | json "d['generation']"; }
# reload FILE: FILE becomes rules.conf, loaded by SIGHUP; waits up to 3 s for the new generation.
reload() {
  local g0 end=$((SECONDS + 3))
  g0=$(generation)
  cp "$1" "$LAB_DIR/rules.conf"
  kill -HUP "$FW_PID"
  until [ "$(generation)" -gt "$g0" ]; do
    [ $SECONDS -lt $end ] || fail "$1 not loaded 3 s after SIGHUP: $(tail -n 3 "$LAB_DIR/fw.log")"
    sleep 0.05
  done
}
proxy_port() { [ "$1" -ge 50001 ] && [ "$1" -le 65535 ]; }

head -c 4000000 /dev/urandom >"$LAB_DIR/data.bin"
want=$(sha256sum "$LAB_DIR/data.bin" | cut -d' ' -f1)
# transfer FROM TO_ADDR TO_PORT SINK_NS SINK_PORT: sends data.bin from FROM to TO_ADDR:TO_PORT,
# received on SINK_PORT in SINK_NS; checks it arrived whole; sets PEER to "addr port" the sink saw.
transfer() {
  in_ns "$4" $P tcp-sink "$5" >"$LAB_DIR/sink.out" &
  local sink=$! got bytes
  wait_listen "$4" "$5"
  in_ns "$1" $T send "$2" "$3" "$LAB_DIR/data.bin" 2>"$LAB_DIR/send.err" ||
    fail "TCP transfer $1 -> $2:$3 failed: $(cat "$LAB_DIR/send.err")"
  wait "$sink" || fail "the sink in $4 failed"
  read -r got bytes PEER <"$LAB_DIR/sink.out"
  [ "$bytes" = 4000000 ] || fail "$4 received $bytes bytes, not 4000000"
  [ "$got" = "$want" ] || fail "SHA-256 differs: sent $want, received $got"
}

capture_start wan br0 nat
log "nat: a 4 MB TCP transfer from the inside arrives intact, from 10.0.0.254 and a proxy port"
transfer in 10.0.0.100 5001 out 5001
read -r peer_addr tcp_port <<<"$PEER"
[ "$peer_addr" = 10.0.0.254 ] || fail "the outside server saw the connection from $peer_addr, not 10.0.0.254"
proxy_port "$tcp_port" || fail "source port $tcp_port is not in 50001-65535"
log "  the outside server saw $peer_addr:$tcp_port"
states=$(in_ns fw "$DPFCTL" -s states)
re="^all tcp 10\.0\.0\.254:$tcp_port \(192\.168\.0\.100:[0-9]+\) -> 10\.0\.0\.100:5001 "
grep -Eq "$re" <<<"$states" || fail "dpfctl -s states lacks the translated state [$re]: $states"
log "  $(grep -E "$re" <<<"$states")"

log "nat: a UDP question from the inside gets its answer"
in_ns out $P udp-answer 5353 10 >"$LAB_DIR/udp.out" &
answer=$!
sleep 0.3
out=$(in_ns in $T udp-ask 10.0.0.100 5353)
wait "$answer" || true
[ "$out" = reply ] || fail "no UDP answer through the NAT ($out); the server saw: $(cat "$LAB_DIR/udp.out")"
read -r peer_addr udp_port <"$LAB_DIR/udp.out"
[ "$peer_addr" = 10.0.0.254 ] && proxy_port "$udp_port" ||
  fail "the UDP server saw $peer_addr:$udp_port, not 10.0.0.254 and a port in 50001-65535"
log "  the UDP server saw $peer_addr:$udp_port"
states=$(in_ns fw "$DPFCTL" -s states)
re="^all udp 10\.0\.0\.254:$udp_port \(192\.168\.0\.100:[0-9]+\) -> 10\.0\.0\.100:5353 "
grep -Eq "$re" <<<"$states" || fail "dpfctl -s states lacks the translated UDP state [$re]: $states"

log "nat: ping from the inside"
out=$(in_ns in ping -c 3 -i 0.3 -W 2 10.0.0.100) || fail "ping through the NAT failed: $out"

log "nat: a UDP traceroute to the far host: the node, the router (translated back), the far host"
in_ns in $P traceroute 172.16.0.100 33434 5 >"$LAB_DIR/trace.out" 2>&1 || true
sed 's/^/  /' "$LAB_DIR/trace.out"
expect_hop() {  # expect_hop TTL FROM TYPE CODE
  grep -Eq "^$1 $2 $3 $4 192\.168\.0\.100 [0-9]+ $((33434 + $1))\$" "$LAB_DIR/trace.out" ||
    fail "hop $1 should be $2 (ICMP $3/$4 quoting 192.168.0.100's probe): $(cat "$LAB_DIR/trace.out")"
}
expect_hop 1 192.168.0.254 11 0
expect_hop 2 10.0.0.2 11 0
expect_hop 3 172.16.0.100 3 3
[ "$(wc -l <"$LAB_DIR/trace.out")" = 3 ] || fail "the traceroute did not end at hop 3"
[ "$(awk '{ print $6 }' "$LAB_DIR/trace.out" | sort -u | wc -l)" = 1 ] ||
  fail "the quoted source ports differ: one socket sent every probe"

capture_stop
log "nat: what the outside segment saw"
got=$(cap_fields 'tcp.dstport == 5001' ip.src tcp.srcport)
[ "$got" = "$(printf '10.0.0.254\t%s' "$tcp_port")" ] || fail "TCP to port 5001 left from [$got]"
got=$(cap_fields 'udp.dstport == 5353 && !icmp' ip.src udp.srcport)
[ "$got" = "$(printf '10.0.0.254\t%s' "$udp_port")" ] || fail "UDP to port 5353 left from [$got]"
got=$(cap_fields 'icmp.type == 8' ip.src)
[ "$got" = 10.0.0.254 ] || fail "echo requests left from [$got]"
# pf maps each new state to a port of its own: the probes to 33436 and 33437 are two states.
got=$(cap_fields 'udp.dstport >= 33435 && udp.dstport <= 33437 && !icmp' udp.dstport ip.src udp.srcport)
[ "$(cut -f1,2 <<<"$got" | tr '\t\n' ' ;')" = "33436 10.0.0.254;33437 10.0.0.254;" ] &&
  proxy_port "$(sed -n 1p <<<"$got" | cut -f3)" && proxy_port "$(sed -n 2p <<<"$got" | cut -f3)" ||
  fail "the traceroute's probes left as [$got] (port, source, source port)"
cap_no_addresses 192.168.0.0/24

log "rdr (FreeBSD): outside -> node:8080 reaches the inside server on port 80"
{
  echo "nat on sis0 from 192.168.0.0/24 to any -> (sis0)"
  echo "rdr on sis0 proto tcp from any to (sis0) port 8080 -> 192.168.0.100 port 80"
  policy
  echo "pass in on sis0 proto tcp to 192.168.0.100 port 80"
} >"$LAB_DIR/rdr.conf"
reload "$LAB_DIR/rdr.conf"
capture_start wan br0 rdr
transfer out 10.0.0.254 8080 in 80
[ "${PEER% *}" = 10.0.0.100 ] || fail "the inside server saw the connection from ${PEER% *}, not 10.0.0.100"
states=$(in_ns fw "$DPFCTL" -s states)
re="^all tcp 192\.168\.0\.100:80 \(10\.0\.0\.254:8080\) <- 10\.0\.0\.100:${PEER#* } "
grep -Eq "$re" <<<"$states" || fail "dpfctl -s states lacks the redirected state [$re]: $states"
log "  $(grep -E "$re" <<<"$states")"

log "rdr-to and nat-to (OpenBSD) on pass rules"
{
  policy
  echo "pass out on sis0 inet from 192.168.0.0/24 to any nat-to (sis0)"
  echo "pass in on sis0 proto tcp to (sis0) port 8080 rdr-to 192.168.0.100 port 80"
} >"$LAB_DIR/rdr-to.conf"
reload "$LAB_DIR/rdr-to.conf"
transfer out 10.0.0.254 8080 in 80
[ "${PEER% *}" = 10.0.0.100 ] || fail "rdr-to: the inside server saw ${PEER% *}, not 10.0.0.100"
transfer in 10.0.0.100 5002 out 5002
[ "${PEER% *}" = 10.0.0.254 ] && proxy_port "${PEER#* }" ||
  fail "nat-to: the outside server saw $PEER, not 10.0.0.254 and a port in 50001-65535"
capture_stop
got=$(cap_fields 'tcp.srcport == 8080' ip.src ip.dst)
[ "$got" = "$(printf '10.0.0.254\t10.0.0.100')" ] || fail "replies from port 8080 on the outside: [$got]"
cap_no_addresses 192.168.0.0/24

log "a translation address of the wrong family fails at load with FILE:LINE:COL"
{
  echo "# inet only"
  echo "nat on sis0 from 192.168.0.0/24 to any -> (sis0)"
  echo "nat on sis0 from 192.168.0.0/24 to any -> 2001:db8::1"
  policy
} >"$LAB_DIR/bad.conf"
sed "s|rules: rules.conf|rules: bad.conf|" "$LAB_DIR/cluster.yaml" >"$LAB_DIR/bad.yaml"
bad_re="(^|/)bad\.conf:3:[0-9]+: .*(inet6|family)"
set +e
in_ns fw "$DPF" -- -c "$LAB_DIR/bad.yaml" --check >"$LAB_DIR/bad-check.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "--check accepted the wrong family (exit $rc): $(cat "$LAB_DIR/bad-check.out")"
grep -Eq "$bad_re" "$LAB_DIR/bad-check.out" ||
  fail "--check does not name bad.conf:3:COL: $(cat "$LAB_DIR/bad-check.out")"
log "  --check: $(grep -E "$bad_re" "$LAB_DIR/bad-check.out")"
if "$DPFCTL" -nvf "$LAB_DIR/bad.conf" >"$LAB_DIR/bad-nvf.out" 2>&1; then
  fail "dpfctl -nvf accepted the wrong family: $(cat "$LAB_DIR/bad-nvf.out")"
fi
grep -Eq "$bad_re" "$LAB_DIR/bad-nvf.out" ||
  fail "dpfctl -nvf does not name bad.conf:3:COL: $(cat "$LAB_DIR/bad-nvf.out")"
g0=$(generation)
cp "$LAB_DIR/bad.conf" "$LAB_DIR/rules.conf"
kill -HUP "$FW_PID"
end=$((SECONDS + 3))
until grep -Eq "rules\.conf:3:[0-9]+: .*(inet6|family)" "$LAB_DIR/fw.log"; do
  [ $SECONDS -lt $end ] || fail "SIGHUP with the wrong family logged no rules.conf:3:COL: $(tail -n 3 "$LAB_DIR/fw.log")"
  sleep 0.05
done
[ "$(generation)" = "$g0" ] || fail "the node replaced its ruleset with one that does not load"
transfer out 10.0.0.254 8080 in 80

stop_dpf fw
log "PASS"
