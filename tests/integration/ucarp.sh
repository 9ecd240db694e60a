#!/usr/bin/env bash
# Integration: dpf and Debian's ucarp on one Ethernet segment, same vhid, password and virtual
# address. The better advertiser becomes master; when it is killed the other takes over within
# the master-down interval plus a second. Both directions: dpf better, then ucarp better.
# usage: ucarp.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
lab_init ucarp
command -v ucarp >/dev/null || skip "ucarp is not installed (scripts/setup installs it)"

for n in lan fw uc cl; do ns_add $n; done
ip -n "$(ns_name lan)" link add br0 type bridge mcast_snooping 0
ip -n "$(ns_name lan)" link set br0 up
link fw sis0 lan p0
link uc eth0 lan p1
link cl eth0 lan p2
for p in p0 p1 p2; do ip -n "$(ns_name lan)" link set $p master br0; done
host_addr uc eth0 10.0.0.50/24
host_addr cl eth0 10.0.0.100/24

# ucarp's scripts: the VIP on its interface while master, and the role in a file.
cat >"$LAB_DIR/up.sh" <<EOF
#!/bin/sh
ip addr add 10.0.0.1/24 dev "\$1" 2>/dev/null
echo MASTER >"$LAB_DIR/ucarp.state"
EOF
cat >"$LAB_DIR/down.sh" <<EOF
#!/bin/sh
ip addr del 10.0.0.1/24 dev "\$1" 2>/dev/null
echo BACKUP >"$LAB_DIR/ucarp.state"
EOF
chmod +x "$LAB_DIR/up.sh" "$LAB_DIR/down.sh"
ucarp_state() { cat "$LAB_DIR/ucarp.state" 2>/dev/null || true; }
start_ucarp() {  # start_ucarp ADVSKEW
  echo INIT >"$LAB_DIR/ucarp.state"
  ip netns exec "$(ns_name uc)" ucarp -i eth0 -s 10.0.0.50 -v 7 -p secret -a 10.0.0.1 -b 1 \
    -k "$1" -P -u "$LAB_DIR/up.sh" -d "$LAB_DIR/down.sh" >"$LAB_DIR/ucarp.log" 2>&1 &
  LAB_PIDS+=($!)
  UCARP_PID=$!
}
wait_ucarp() {  # wait_ucarp STATE MS: prints the milliseconds it took
  local t0=$(date +%s%N)
  while [ "$(ucarp_state)" != "$1" ]; do
    [ $((($(date +%s%N) - t0) / 1000000)) -lt "$2" ] || fail "ucarp not $1 after $2 ms (is $(ucarp_state))"
    sleep 0.05
  done
  echo $((($(date +%s%N) - t0) / 1000000))
}
cluster() {  # cluster ADVSKEW
  cat <<YAML
cluster:
  name: ucarp-test
  carp:
    preempt: true
    vhids:
      - { vhid: 7, interface: sis0, pass: secret, advbase: 1, addresses: [10.0.0.1/24] }
nodes:
  fw:
    eal: [-l, "0-1", --no-huge, -m, "256", --no-pci, --file-prefix, dpf-ucarp-$$, --log-level, "*:warning"]
    interfaces:
      sis0: { device: "net_af_packet0,iface=sis0", address: 10.0.0.252/24 }
    carp: { advskew: $1 }
YAML
}
vip_mac() {
  ip -n "$(ns_name cl)" neigh flush dev eth0
  in_ns cl ping -c 1 -W 2 10.0.0.1 >/dev/null || fail "nobody answers on the VIP"
  ip -n "$(ns_name cl)" neigh show 10.0.0.1 | awk '{ for (i = 1; i < NF; ++i) if ($i == "lladdr") print $(i + 1) }'
}

log "dpf (advskew 0) and ucarp (advskew 100): dpf is master"
cluster 0 >"$LAB_DIR/a.yaml"
in_ns fw "$DPF" -- -c "$LAB_DIR/a.yaml" --check >/dev/null || fail "the cluster file does not --check"
start_ucarp 100
start_dpf fw dpf1 -- -c "$LAB_DIR/a.yaml"
DPF_PID=${LAB_PIDS[-1]}
wait_carp fw 7 MASTER 10 >/dev/null
wait_ucarp BACKUP 5000 >/dev/null
sleep 2
[ "$(ucarp_state)/$(carp_state fw 7)" = BACKUP/MASTER ] || fail "roles moved: ucarp $(ucarp_state), dpf $(carp_state fw 7)"
[ "$(vip_mac)" = 00:00:5e:00:01:07 ] || fail "the VIP should be answered by dpf's virtual MAC"
info=$(api fw /api/v1/carp)
[ "$(json "d['rejected']['bad-auth']" <<<"$info")" = 0 ] || fail "dpf rejected ucarp's adverts: $info"
in_ns fw "$DPFCTL" -s carp | grep -Eq '^7 +sis0 +MASTER' || fail "dpfctl -s carp: $(in_ns fw "$DPFCTL" -s carp)"

log "dpf is killed: ucarp takes over"
{ kill -KILL "$DPF_PID"; wait "$DPF_PID"; } 2>/dev/null || true
t=$(wait_ucarp MASTER 6000)
log "ucarp master ${t} ms after dpf died"
# ucarp's master-down interval is 3 x advbase + 100/256 s = 3.39 s, but a backup ucarp checks it
# only when its poll() wakes, which is every advbase + advskew/256 s = 1.39 s without traffic:
# 4.78 s at worst, plus the up-script and this loop's 50 ms.
[ "$t" -le 5000 ] || fail "ucarp took $t ms"

log "dpf (advskew 200) joins ucarp's group as backup and sees its adverts"
cluster 200 >"$LAB_DIR/b.yaml"
start_dpf fw dpf2 -- -c "$LAB_DIR/b.yaml"
wait_carp fw 7 BACKUP 5 >/dev/null
sleep 4  # longer than dpf's master-down interval: ucarp's adverts keep it backup
[ "$(carp_state fw 7)/$(ucarp_state)" = BACKUP/MASTER ] || fail "roles moved: dpf $(carp_state fw 7), ucarp $(ucarp_state)"
rx=$(api fw /api/v1/carp | json "d['vhids'][0]['adverts_received']")
[ "$rx" -ge 3 ] || fail "dpf accepted $rx of ucarp's adverts"

log "ucarp is killed: dpf takes over"
{ kill -KILL "$UCARP_PID"; wait "$UCARP_PID"; } 2>/dev/null || true
t=$(wait_carp fw 7 MASTER 6)
log "dpf master ${t} ms after ucarp died"
# dpf's master-down interval: 3 x advbase + 200/256 s = 3.78 s, plus a second.
[ "$t" -le 4800 ] || fail "dpf took $t ms"
ip -n "$(ns_name uc)" addr del 10.0.0.1/24 dev eth0 2>/dev/null || true
[ "$(vip_mac)" = 00:00:5e:00:01:07 ] || fail "the VIP should be answered by dpf again"
log "ok"
