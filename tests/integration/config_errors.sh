#!/usr/bin/env bash
# Integration: the dpf binary's handling of configuration. `--check` accepts a good cluster file
# (exit 0) and rejects a bad one with every error as FILE:LINE:COL (exit 1) without starting
# anything; a device string DPDK rejects fails start-up naming the interface and device; a token
# file others may read stops the node before EAL with the fix in the message; a ruleset that
# includes /dev/zero, or is /dev/zero, is refused without reading it. `dpf --version` names dpf's
# and DPDK's versions.
# usage: config_errors.sh PATH_TO_DPF
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init config-errors
ROOT=$(cd "$HERE/../.." && pwd)

out=$("$DPF" --version) || fail "dpf --version exited with an error"
[[ "$out" =~ ^dpf\ [0-9]+\.[0-9]+\.[0-9]+\ \(DPDK\ 22\.11 ]] || fail "dpf --version printed: $out"
log "  dpf --version: $out"
"$DPF" --help | grep -q '^usage: dpf ' || fail "dpf --help prints no usage on stdout"

for f in "$ROOT"/conf/*.yaml; do
  "$DPF" -- -c "$f" --check >"$LAB_DIR/check.out" 2>&1 || fail "$f does not pass --check: $(cat "$LAB_DIR/check.out")"
  log "  $(basename "$f"): OK"
done

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
want="dpf: node fw: token file $LAB_DIR/token: group or others may access it (mode 0644); run chmod 600 $LAB_DIR/token"
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
log "PASS"
