#!/usr/bin/env bash
# Integration: the dpf binary's handling of configuration. `--check` accepts a good cluster file
# (exit 0) and rejects a bad one with every error as FILE:LINE:COL (exit 1) without starting
# anything; a device string DPDK rejects fails start-up naming the interface and device; a token
# file others may read stops the node before EAL with the fix in the message; a ruleset that
# includes /dev/zero, or is /dev/zero, is refused without reading it. `dpf --version` names dpf's
# and DPDK's versions. `--check` refuses what start-up refuses (workers beyond the EAL lcores, a
# missing or unsafe token file, an unknown --node, a missing af_packet interface, a vdev DPDK has
# no driver for) with the same FILE:LINE:COL text start-up prints, and rules the node would not
# load (`on em0`, `modulate state`) as `dpfctl --config --node -nvf` and a reload do; a reload
# with `set limit states` shows the new limit in `dpfctl -s memory`; an API port in use is named.
# usage: config_errors.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
lab_init config-errors
ROOT=$(cd "$HERE/../.." && pwd)

out=$("$DPF" --version) || fail "dpf --version exited with an error"
[[ "$out" =~ ^dpf\ [0-9]+\.[0-9]+\.[0-9]+\ \(DPDK\ 22\.11 ]] || fail "dpf --version printed: $out"
log "  dpf --version: $out"
"$DPF" --help | grep -q '^usage: dpf ' || fail "dpf --help prints no usage on stdout"

# The example files pass --check where their interfaces exist (the demo's namespaces have sis0,
# sis1 and sis2), node by node; without --node a file of several nodes is checked but for what
# depends on the machine.
ns_add conf
for i in sis0 sis1 sis2; do in_ns conf ip link add "$i" type veth peer name "p$i"; done
for f in "$ROOT"/conf/*.yaml; do
  for node in $(awk '/^[a-z]/ { in_nodes = ($0 ~ /^nodes:/) } in_nodes && /^  [a-z][a-z0-9-]*:/ { sub(/:.*/, ""); print $1 }' "$f"); do
    in_ns conf "$DPF" -- -c "$f" --node "$node" --check >"$LAB_DIR/check.out" 2>&1 ||
      fail "$f (node $node) does not pass --check: $(cat "$LAB_DIR/check.out")"
    log "  $(basename "$f") --node $node: $(cat "$LAB_DIR/check.out")"
  done
done
"$DPF" -- -c "$ROOT/conf/pfsync-pair.yaml" --check >"$LAB_DIR/check.out" 2>&1 ||
  fail "pfsync-pair.yaml without --node does not pass --check: $(cat "$LAB_DIR/check.out")"
grep -q "^$ROOT/conf/pfsync-pair.yaml: cluster edge, 2 nodes: OK" "$LAB_DIR/check.out" ||
  fail "unexpected --check output: $(cat "$LAB_DIR/check.out")"
# Outside their namespace the demo's interfaces do not exist, and --check says so.
set +e
"$DPF" -- -c "$ROOT/conf/router.yaml" --check >"$LAB_DIR/check.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "--check accepted router.yaml where sis0 does not exist (exit $rc)"
grep -q "^$ROOT/conf/router.yaml:14:23: nodes.fw-a.interfaces.sis0.device: node fw-a: interface sis0 (device \"net_af_packet0,iface=sis0\"): no such interface sis0$" "$LAB_DIR/check.out" ||
  fail "the missing interface is not reported: $(cat "$LAB_DIR/check.out")"

log "dpfctl -nvf reads a ruleset with the node's interfaces under --config --node, as dpf does"
"$DPFCTL" --config "$ROOT/conf/router.yaml" --node fw-a -nvf "$ROOT/conf/router.pf.conf" >"$LAB_DIR/nvf.out" 2>&1 ||
  fail "dpfctl --config --node -nvf refused router.pf.conf: $(cat "$LAB_DIR/nvf.out")"
grep -q '^block drop in quick on ! sis0 inet from 10.0.0.0/24 to any$' "$LAB_DIR/nvf.out" ||
  fail "antispoof for sis0 was not expanded with the node's address: $(cat "$LAB_DIR/nvf.out")"

cat >"$LAB_DIR/bad.yaml" <<'YAML'
cluster: { name: bad }
nodes:
  fw:
    lcores: { workers: 1, idel: poll }
    interfaces:
      sis0: { device: "net_null0", address: 10.0.0.254/24 }
      sis1: { device: "net_null1", address: 10.0.0.1/16 }
      sis2: { device: "net_null2", address: 10.0.0.300/24 }
    routes:
      - { to: 0.0.0.0/0, via: 172.16.0.1 }
YAML
set +e
"$DPF" -- -c "$LAB_DIR/bad.yaml" --check >"$LAB_DIR/bad.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "--check on a bad file exited $rc, not 1"
cat "$LAB_DIR/bad.out"
n=$(grep -c "^$LAB_DIR/bad.yaml:[0-9]*:[0-9]*: " "$LAB_DIR/bad.out" || true)
[ "$n" -ge 3 ] || fail "expected at least 3 FILE:LINE:COL errors, got $n"
grep -q "^$LAB_DIR/bad.yaml:4:[0-9]*: .*idel" "$LAB_DIR/bad.out" || fail "unknown key not reported at line 4"
grep -q "^$LAB_DIR/bad.yaml:8:[0-9]*: .*10.0.0.300" "$LAB_DIR/bad.out" || fail "bad address not reported at line 8"
# Without --check a bad file must not start anything either.
set +e
"$DPF" -- -c "$LAB_DIR/bad.yaml" >"$LAB_DIR/bad2.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "dpf started on a bad file (exit $rc)"
grep -q EAL "$LAB_DIR/bad2.out" && fail "EAL was initialised for a bad file"

# --check also parses the cluster's ruleset and compiles it for every node.
cat >"$LAB_DIR/rules.yaml" <<'YAML'
cluster: { name: rules, rules: bad.pf.conf }
nodes:
  fw:
    interfaces:
      sis0: { device: "net_null0", address: 10.0.0.254/24 }
YAML
printf 'block all\npass in on sis0 proto tcp to port 99999\n' >"$LAB_DIR/bad.pf.conf"
set +e
"$DPF" -- -c "$LAB_DIR/rules.yaml" --check >"$LAB_DIR/rules.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "--check accepted a ruleset with a bad port (exit $rc)"
grep -q "^$LAB_DIR/bad.pf.conf:2:[0-9]*: .*99999" "$LAB_DIR/rules.out" ||
  fail "the ruleset error is not reported as FILE:LINE:COL: $(cat "$LAB_DIR/rules.out")"
printf 'block all\npass in on sis0 proto tcp to port 22 keep state\n' >"$LAB_DIR/bad.pf.conf"
"$DPF" -- -c "$LAB_DIR/rules.yaml" --check >/dev/null || fail "--check refused a good ruleset"

# check_refuses YAML PATTERN WHAT: `--check` on YAML exits 1 within 20 s (reading nothing
# without end) and prints a line matching PATTERN.
check_refuses() {
  local rc
  set +e
  timeout 20 "$DPF" -- -c "$1" --check >"$LAB_DIR/refused.out" 2>&1
  rc=$?
  set -e
  [ "$rc" = 1 ] || fail "--check on $3 exited $rc, not 1"
  grep -q "$2" "$LAB_DIR/refused.out" ||
    fail "the error for $3 is not as expected: $(cat "$LAB_DIR/refused.out")"
}

log "a ruleset including /dev/zero is refused, not read"
printf 'include "/dev/zero"\n' >"$LAB_DIR/bad.pf.conf"
check_refuses "$LAB_DIR/rules.yaml" \
  "^$LAB_DIR/bad.pf.conf:1:9: cannot open include file \"/dev/zero\": not a regular file$" \
  "a ruleset including /dev/zero"

log "a cluster ruleset that is /dev/zero is refused, not read"
ln -sf /dev/zero "$LAB_DIR/zero.pf.conf"
sed 's/rules: bad.pf.conf/rules: zero.pf.conf/' "$LAB_DIR/rules.yaml" >"$LAB_DIR/zero.yaml"
check_refuses "$LAB_DIR/zero.yaml" \
  "zero.pf.conf: cannot read the ruleset (cluster.rules): not a regular file$" \
  "a /dev/zero ruleset"

log "a token file group or others may read stops the node, naming the file and chmod 600"
echo "s3cret" >"$LAB_DIR/token"
chmod 644 "$LAB_DIR/token"
cat >"$LAB_DIR/token.yaml" <<YAML
cluster: { name: token }
nodes:
  fw:
    interfaces:
      sis0: { device: "net_null0", address: 10.0.0.254/24 }
    api: { token_file: token }
YAML
set +e
"$DPF" -- -c "$LAB_DIR/token.yaml" >"$LAB_DIR/token.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "dpf started with a world-readable token file (exit $rc)"
want="$LAB_DIR/token.yaml:6:24: nodes.fw.api.token_file: node fw: token file $LAB_DIR/token: group or others may access it (mode 0644); run chmod 600 $LAB_DIR/token"
[ "$(cat "$LAB_DIR/token.out")" = "$want" ] || fail "unexpected message: $(cat "$LAB_DIR/token.out")"

ns_add fw
cat >"$LAB_DIR/baddev.yaml" <<YAML
cluster: { name: baddev }
nodes:
  fw:
    eal: [-l, "0-1", --no-huge, -m, "128", --no-pci, --file-prefix, dpf-baddev-$$]
    interfaces:
      sis0: { device: "net_nosuchdriver0", address: 10.0.0.254/24 }
YAML
set +e
in_ns fw "$DPF" -- -c "$LAB_DIR/baddev.yaml" >"$LAB_DIR/baddev.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "dpf with a bad device exited $rc, not 1"
grep -q 'interface sis0 (device "net_nosuchdriver0")' "$LAB_DIR/baddev.out" ||
  fail "the error does not name the device: $(tail -n 3 "$LAB_DIR/baddev.out")"

log "a ruleset that does not parse stops the node at start, with FILE:LINE:COL"
printf 'block all\npass in on sis0 proto tcp to port 99999\n' >"$LAB_DIR/bad.pf.conf"
cat >"$LAB_DIR/badrules.yaml" <<YAML
cluster: { name: badrules, rules: bad.pf.conf }
nodes:
  fw:
    eal: [-l, "0-1", --no-huge, -m, "128", --no-pci, --file-prefix, dpf-badrules-$$]
    interfaces:
      sis0: { device: "net_null0", address: 10.0.0.254/24 }
YAML
set +e
in_ns fw timeout 30 "$DPF" -- -c "$LAB_DIR/badrules.yaml" >"$LAB_DIR/badrules.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "dpf with a ruleset that does not parse exited $rc, not 1"
grep -q " dpf\[fw\] error: $LAB_DIR/bad.pf.conf:2:[0-9]*: .*99999" "$LAB_DIR/badrules.out" ||
  fail "the parse error is not reported as FILE:LINE:COL: $(tail -n 3 "$LAB_DIR/badrules.out")"
grep -q " dpf\[fw\] error: the ruleset $LAB_DIR/bad.pf.conf was not loaded$" "$LAB_DIR/badrules.out" ||
  fail "no line says the ruleset was not loaded: $(tail -n 3 "$LAB_DIR/badrules.out")"
[ "$(grep -c "99999" "$LAB_DIR/badrules.out")" = 1 ] ||
  fail "the ruleset was parsed more than once: $(cat "$LAB_DIR/badrules.out")"
grep -q "REST API on" "$LAB_DIR/badrules.out" && fail "the node started its REST API"
# refuses YAML WANT WHAT [ARGS...]: `dpf ARGS -- -c YAML --check` exits 1 and prints the line WANT.
refuses() {
  local yaml=$1 want=$2 what=$3 rc
  shift 3
  set +e
  timeout 20 "$DPF" "$@" -- -c "$yaml" --check >"$LAB_DIR/refused.out" 2>&1
  rc=$?
  set -e
  [ "$rc" = 1 ] || fail "--check on $what exited $rc, not 1: $(cat "$LAB_DIR/refused.out")"
  grep -qxF -- "$want" "$LAB_DIR/refused.out" ||
    fail "--check on $what did not print: $want; it printed: $(cat "$LAB_DIR/refused.out")"
  log "  $what: $want"
}
# starts_not YAML WANT WHAT: `dpf -- -c YAML` exits 1 before EAL, printing the line WANT.
starts_not() {
  local rc
  set +e
  in_ns fw timeout 30 "$DPF" -- -c "$1" >"$LAB_DIR/start.out" 2>&1
  rc=$?
  set -e
  [ "$rc" = 1 ] || fail "dpf started with $3 (exit $rc)"
  grep -qxF -- "$2" "$LAB_DIR/start.out" ||
    fail "start-up with $3 did not print: $2; it printed: $(tail -n 5 "$LAB_DIR/start.out")"
  grep -q '^EAL: ' "$LAB_DIR/start.out" && fail "EAL was initialised for $3"
  return 0
}

log "--check refuses what start-up refuses, with the same text"
Y=$LAB_DIR/start.yaml
cat >"$Y" <<YAML
cluster: { name: start }
nodes:
  fw:
    eal: [-l, "0-1", --no-huge, -m, "128", --no-pci, --file-prefix, dpf-start-$$]
    lcores: { workers: 4 }
    interfaces:
      sis0: { device: "net_null0", address: 10.0.0.254/24 }
YAML
want="$Y:5:24: nodes.fw.lcores.workers: node fw wants 4 worker lcore(s) plus the main lcore, its EAL arguments (nodes.fw.eal) give 2 (-l 0-1); give more with -l"
refuses "$Y" "$want" "workers: 4 with -l 0-1"
starts_not "$Y" "$want" "workers: 4 with -l 0-1"
want="$Y:5:24: nodes.fw.lcores.workers: node fw wants 4 worker lcore(s) plus the main lcore, the EAL arguments on the command line give 3 (-l 0-2); give more with -l"
refuses "$Y" "$want" "workers: 4 with -l 0-2 on the command line" -l 0-2
"$DPF" -l 0-4 -- -c "$Y" --check >/dev/null 2>&1 || fail "--check refused -l 0-4 on the command line"

set +e
"$DPF" -- -c "$Y" --node nope --check >"$LAB_DIR/nope.out" 2>&1
set -e
[ "$(cat "$LAB_DIR/nope.out")" = "dpf: no node 'nope' in $Y (nodes: fw)" ] ||
  fail "--check --node nope: $(cat "$LAB_DIR/nope.out")"

sed -i 's/workers: 4/workers: 1/' "$Y"
echo "api: { token_file: missing.token }" | sed 's/^/    /' >>"$Y"
want="$Y:8:24: nodes.fw.api.token_file: node fw: token file $LAB_DIR/missing.token: cannot read: No such file or directory"
refuses "$Y" "$want" "a missing token file"
starts_not "$Y" "$want" "a missing token file"
sed -i 's/missing.token/token/' "$Y"
want="$Y:8:24: nodes.fw.api.token_file: node fw: token file $LAB_DIR/token: group or others may access it (mode 0644); run chmod 600 $LAB_DIR/token"
refuses "$Y" "$want" "a token file others may read"
chmod 600 "$LAB_DIR/token"
"$DPF" -- -c "$Y" --check >/dev/null 2>&1 || fail "--check refused a token file of mode 0600"

sed -i 's/"net_null0"/"net_af_packet0,iface=nosuchif"/' "$Y"
want="$Y:7:23: nodes.fw.interfaces.sis0.device: node fw: interface sis0 (device \"net_af_packet0,iface=nosuchif\"): no such interface nosuchif"
refuses "$Y" "$want" "iface=nosuchif"
starts_not "$Y" "$want" "iface=nosuchif"
sed -i 's/"net_af_packet0,iface=nosuchif"/"net_bogus0"/' "$Y"
want="$Y:7:23: nodes.fw.interfaces.sis0.device: node fw: interface sis0 (device \"net_bogus0\"): DPDK has no driver for net_bogus0 (the virtual device drivers dpf knows: net_af_packet, net_af_xdp, net_bonding, net_failsafe, net_memif, net_null, net_pcap, net_ring, net_softnic, net_tap, net_tun, net_vhost, net_virtio_user, net_vdev_netvsc)"
refuses "$Y" "$want" "net_bogus0"
starts_not "$Y" "$want" "net_bogus0"

log "rules the node would not load: --check, dpfctl --config --node -nvf and a reload say the same"
R=$LAB_DIR/node.yaml
cat >"$R" <<YAML
cluster: { name: node, rules: node.pf.conf }
nodes:
  fw:
    eal: [-l, "0-1", --no-huge, -m, "128", --no-pci, --file-prefix, dpf-node-$$]
    interfaces:
      sis0: { device: "net_null0", address: 10.0.0.254/24 }
      sis1: { device: "net_null1", address: 10.0.1.254/24 }
    api: { token_file: token }
YAML
printf 'block all
antispoof for sis0
pass in on em0
  pass in on sis0 proto tcp to port 22 modulate state
' >"$LAB_DIR/node.pf.conf"
em0="$LAB_DIR/node.pf.conf:3:1: interface em0 does not exist on node fw (it has sis0, sis1 and the group all)"
modulate="$LAB_DIR/node.pf.conf:4:3: modulate state is not supported by dpf yet; use keep state"
refuses "$R" "$em0" "pass in on em0"
refuses "$R" "$modulate" "modulate state"
set +e
"$DPFCTL" --config "$R" --node fw -nvf "$LAB_DIR/node.pf.conf" >"$LAB_DIR/nvf.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "dpfctl --config --node -nvf accepted em0 and modulate state"
[ "$(cat "$LAB_DIR/nvf.out")" = "$em0
$modulate
dpfctl: Syntax error in config file: pf rules not loaded" ] || fail "dpfctl -nvf printed: $(cat "$LAB_DIR/nvf.out")"
# Plain -nvf knows no node's interfaces (as pfctl, the host's) but refuses what no node loads.
grep -v antispoof "$LAB_DIR/node.pf.conf" >"$LAB_DIR/plain.pf.conf"  # no sis0 on this host
set +e
"$DPFCTL" -nvf "$LAB_DIR/plain.pf.conf" >"$LAB_DIR/nvf.out" 2>&1
set -e
[ "$(cat "$LAB_DIR/nvf.out")" = "$LAB_DIR/plain.pf.conf:3:3: modulate state is not supported by dpf yet; use keep state
dpfctl: Syntax error in config file: pf rules not loaded" ] || fail "plain -nvf: $(cat "$LAB_DIR/nvf.out")"

log "a reload gets the same errors back; set limit states is the limit dpfctl -s memory shows"
printf 'set limit states 2000
pass all
' >"$LAB_DIR/node.pf.conf"
start_dpf fw node -- -c "$R"
API="--api http://127.0.0.1:9080 --token-file $LAB_DIR/token"
in_ns fw "$DPFCTL" $API -s memory | grep -q '^states        hard limit     2000$' ||
  fail "the memory view at start: $(in_ns fw "$DPFCTL" $API -s memory)"
printf 'set limit states 500
block all
antispoof for sis0
pass in on em0
  pass in on sis0 proto tcp to port 22 modulate state
' >"$LAB_DIR/bad.pf.conf"
set +e
in_ns fw "$DPFCTL" $API -f "$LAB_DIR/bad.pf.conf" >"$LAB_DIR/load.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "dpfctl -f loaded a ruleset with em0 and modulate state"
[ "$(cat "$LAB_DIR/load.out")" = "$LAB_DIR/bad.pf.conf:4:1: interface em0 does not exist on node fw (it has sis0, sis1 and the group all)
$LAB_DIR/bad.pf.conf:5:3: modulate state is not supported by dpf yet; use keep state
dpfctl: http://127.0.0.1:9080/api/v1/rules: HTTP 400: the ruleset was rejected; the running one stays" ] || fail "dpfctl -f: $(cat "$LAB_DIR/load.out")"
printf 'set limit states 500
pass all
' >"$LAB_DIR/ok.pf.conf"
in_ns fw "$DPFCTL" $API -f "$LAB_DIR/ok.pf.conf" || fail "dpfctl -f refused a good ruleset"
in_ns fw "$DPFCTL" $API -s memory | grep -q '^states        hard limit      500$' ||
  fail "the memory view after set limit states 500: $(in_ns fw "$DPFCTL" $API -s memory)"
[ "$(api fw /api/v1/pf | json 'd["state_limit"]')" = 500 ] || fail "/api/v1/pf state_limit is not 500"
printf 'set limit states 5000
pass all
' >"$LAB_DIR/big.pf.conf"
set +e
in_ns fw "$DPFCTL" $API -f "$LAB_DIR/big.pf.conf" >"$LAB_DIR/load.out" 2>&1
set -e
grep -qxF "$LAB_DIR/big.pf.conf: node fw: set limit states 5000: the state table was sized for 2000 states when the node started; restart it to raise the limit" "$LAB_DIR/load.out" ||
  fail "raising the limit beyond the table: $(cat "$LAB_DIR/load.out")"

log "an API port in use stops the second node with the cause"
sed 's/dpf-node-/dpf-node2-/' "$R" >"$LAB_DIR/node2.yaml"
set +e
in_ns fw timeout 30 "$DPF" -- -c "$LAB_DIR/node2.yaml" >"$LAB_DIR/port.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "a second node on the same API port exited $rc"
# The node's log line: TIME dpf[fw] error: TEXT.
grep -qE "^[0-9TZ:.-]+ dpf\[fw\] error: cannot listen on 127\.0\.0\.1:9080 \(api\.listen\): Address already in use$" "$LAB_DIR/port.out" ||
  fail "the port in use is not named: $(tail -n 3 "$LAB_DIR/port.out")"
stop_dpf node
log "PASS"
