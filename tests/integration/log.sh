#!/usr/bin/env bash
# Integration: dpf's log says what changed, who changed it, and when. A routed node with one
# CARP vhid logs JSON (log: { format: json }); then
#   - `dpfctl -k`, `-F states`, `-f FILE` and `carp demote 10` each leave a line naming the
#     change, the REST client (127.0.0.1) and the token; a change without the token is logged
#     as refused;
#   - SIGHUP after `dpfctl -f` keeps the ruleset loaded over REST and says so; after an empty
#     POST /api/v1/rules (the cluster file's rules) SIGHUP reloads the file;
#   - a route added to the cluster file and SIGHUP: one line says that it needs a restart;
#     `log: { format: text }` is applied by the same SIGHUP;
#   - --check reports a bad log: value at FILE:LINE:COL.
# usage: log.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
lab_init log

router_topology
cat >"$LAB_DIR/rules.conf" <<'PF'
pass out keep state
pass in keep state
PF
cp "$LAB_DIR/rules.conf" "$LAB_DIR/other.conf"
echo "block in on sis0 proto tcp to port 7" >>"$LAB_DIR/other.conf"
write_token "log-token"
# cluster_yaml FORMAT [ROUTE_LINE]
cluster_yaml() {
  cat >"$LAB_DIR/cluster.yaml" <<YAML
cluster:
  name: log-test
  rules: rules.conf
  log: { format: $1 }
  carp:
    vhids:
      - { vhid: 1, interface: sis0, pass: foo, advbase: 1, addresses: [10.0.0.1/24] }
nodes:
  fw:
    eal: [-l, "0-1", --no-huge, -m, "256", --no-pci, --file-prefix, dpf-log-$$, --log-level, "*:warning"]
    interfaces:
      sis0: { device: "net_af_packet0,iface=sis0", address: 10.0.0.254/24 }
      sis1: { device: "net_af_packet1,iface=sis1", address: 192.168.0.254/24 }
    api: { listen: "127.0.0.1:9080", token_file: token }
    routes:
      - { to: 172.16.0.0/16, via: 10.0.0.2 }
${2:-}
YAML
}
cluster_yaml json
in_ns fw "$DPF" -- -c "$LAB_DIR/cluster.yaml" --check >/dev/null || fail "the cluster file does not --check"
LOGF="$LAB_DIR/fw.log"

# find_line PYEXPR: the first JSON line l of the node's log for which PYEXPR holds, printed;
# fails after 5 s without one. Every JSON line must carry ts (UTC, milliseconds) and node fw.
find_line() {
  local end=$((SECONDS + 5)) out
  while :; do
    if out=$("$PY" -c '
import json, re, sys
for raw in open(sys.argv[1], errors="replace"):
    try:
        l = json.loads(raw)
    except ValueError:
        continue
    if not isinstance(l, dict):
        continue
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", l["ts"]), raw
    assert l["node"] == "fw" and l["level"] in ("error", "warning", "notice", "info", "debug"), raw
    if eval(sys.argv[2]):
        print(raw.strip())
        sys.exit(0)
sys.exit(1)' "$LOGF" "$1"); then
      echo "$out"
      return 0
    fi
    [ $SECONDS -lt $end ] || fail "no log line where $1: $(tail -n 5 "$LOGF")"
    sleep 0.1
  done
}
ctl() { in_ns fw "$DPFCTL" --token-file "$LAB_DIR/token" "$@"; }
rest_line() { find_line "l.get('source') == 'rest' and l.get('client') == '127.0.0.1' and l.get('token') is True and $1"; }

start_dpf fw fw -- -c "$LAB_DIR/cluster.yaml"
log "start: $(find_line "l['msg'].startswith('REST API on')")"
find_line "l['msg'].startswith('ruleset $LAB_DIR/rules.conf loaded (start)')" >/dev/null

log "dpfctl -k: the states killed, with the client"
in_ns hA ping -c 1 -W 2 192.168.0.2 >/dev/null || fail "no ping through the node"
ctl -k 10.0.0.2 >/dev/null 2>&1 || fail "dpfctl -k failed"
line=$(rest_line "l.get('action') == 'kill' and l['selector'] == {'host': '10.0.0.2'} and l['killed'] >= 1")
log "  $line"
echo "$line" | grep -q '"msg":"killed [0-9]* state(s) matching host=10.0.0.2 over REST from 127.0.0.1 (token)"' ||
  fail "the kill line does not say what and who: $line"

log "dpfctl -F states: the flush, with how many"
in_ns hA ping -c 1 -W 2 192.168.0.2 >/dev/null || fail "no ping through the node"
ctl -F states >/dev/null 2>&1 || fail "dpfctl -F states failed"
log "  $(rest_line "l.get('action') == 'flush' and l['killed'] >= 1 and l['msg'].startswith('flushed all states (')")"

log "a change without the token is logged as refused"
in_ns fw "$DPFCTL" -F states >/dev/null 2>&1 && fail "a flush without the token worked"
log "  $(find_line "l['level'] == 'warning' and l['msg'] == 'REST DELETE /api/v1/states from 127.0.0.1 refused: no bearer token' and l['token'] is False")"

log "dpfctl -f: the ruleset loaded over REST"
ctl -f "$LAB_DIR/other.conf" >/dev/null 2>&1 || fail "dpfctl -f failed"
log "  $(rest_line "l.get('action') == 'load' and l['msg'].startswith('ruleset $LAB_DIR/other.conf loaded over REST from 127.0.0.1 (token): 3 rules')")"

log "SIGHUP after dpfctl -f keeps the ruleset loaded over REST, and says so"
kill -HUP "${LAB_PIDS[-1]}"
line=$(find_line "l.get('source') == 'SIGHUP' and l.get('action') == 'kept'")
log "  $line"
echo "$line" | grep -q "\"msg\":\"SIGHUP: ruleset $LAB_DIR/other.conf loaded over REST from 127.0.0.1 at 20[0-9-]*T[0-9:.]*Z is kept; " ||
  fail "the SIGHUP line does not say which ruleset is kept: $line"
find_line "l.get('source') == 'SIGHUP' and l['msg'] == 'SIGHUP: $LAB_DIR/cluster.yaml: no change to node fw'" >/dev/null
[ "$(api fw /api/v1/rules | json "len(d['rules'])")" = 3 ] || fail "SIGHUP replaced the ruleset loaded with dpfctl -f"

log "an empty POST /api/v1/rules reloads the cluster file's rules; SIGHUP then reloads the file"
in_ns fw curl -sf -X POST -H "Authorization: Bearer log-token" -H "Content-Length: 0" \
  http://127.0.0.1:9080/api/v1/rules >/dev/null || fail "the empty POST failed"
log "  $(rest_line "l.get('action') == 'reload' and l['msg'].startswith('ruleset $LAB_DIR/rules.conf reloaded over REST from 127.0.0.1 (token): 2 rules')")"
kill -HUP "${LAB_PIDS[-1]}"
log "  $(find_line "l.get('source') == 'SIGHUP' and l.get('action') == 'reloaded' and l['msg'].startswith('ruleset $LAB_DIR/rules.conf reloaded (SIGHUP): 2 rules')")"

log "dpfctl carp demote 10: the operator's demotion, with the client"
ctl carp demote 10 >/dev/null 2>&1 || fail "dpfctl carp demote failed"
log "  $(rest_line "l.get('action') == 'demote' and l['operator_demotion'] == 10 and l['msg'].startswith('carp: operator demotion set to 10 (was 0;')")"
log "  $(find_line "l.get('source') == 'carp' and l['vhid'] == 1 and l['msg'] == 'carp sis0: vhid 1: demoted by 10 to 10 (operator)'")"

log "a route added to the cluster file: SIGHUP says a restart applies it, and applies the log format"
cluster_yaml text "      - { to: 10.1.0.0/16, via: 10.0.0.2 }"
kill -HUP "${LAB_PIDS[-1]}"
line=$(find_line "l.get('field') == 'nodes.fw.routes' and l['restart'] is True")
log "  $line"
echo "$line" | grep -q "\"msg\":\"$LAB_DIR/cluster.yaml: nodes.fw.routes: added 10.1.0.0/16 via 10.0.0.2; needs a restart (SIGHUP does not apply it)\"" ||
  fail "the restart line does not name the route: $line"
find_line "l.get('field') == 'nodes.fw.log.format' and l['restart'] is False" >/dev/null
# The lines after it are text.
end=$((SECONDS + 5))
until grep -Eq "^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z dpf\[fw\] notice: ruleset $LAB_DIR/rules.conf reloaded \(SIGHUP\): 2 rules" "$LOGF"; do
  [ $SECONDS -lt $end ] || fail "no text line after SIGHUP applied format text: $(tail -n 3 "$LOGF")"
  sleep 0.1
done
log "  $(grep 'reloaded (SIGHUP)' "$LOGF" | tail -n 1)"

log "a cluster file that does not load: SIGHUP logs why and keeps running"
echo "  bogus: [" >>"$LAB_DIR/cluster.yaml"
kill -HUP "${LAB_PIDS[-1]}"
end=$((SECONDS + 5))
until grep -q "dpf\[fw\] error: SIGHUP: $LAB_DIR/cluster.yaml does not load; the running configuration stays" "$LOGF"; do
  [ $SECONDS -lt $end ] || fail "no line says the cluster file does not load: $(tail -n 3 "$LOGF")"
  sleep 0.1
done
api fw /api/v1/status >/dev/null || fail "the node stopped answering"
stop_dpf fw
grep -Eq '^20[0-9-]+T[0-9:.]+Z dpf\[fw\] notice: node fw stopped$' "$LOGF" || fail "no text stop line"

log "--check reports a bad log: value at FILE:LINE:COL"
cluster_yaml loud
set +e
"$DPF" -- -c "$LAB_DIR/cluster.yaml" --check >"$LAB_DIR/check.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "--check accepted log: { format: loud } (exit $rc)"
grep -qx "$LAB_DIR/cluster.yaml:4:18: cluster.log.format: expected text or json, got 'loud'" "$LAB_DIR/check.out" ||
  fail "unexpected --check output: $(cat "$LAB_DIR/check.out")"
log "PASS"
