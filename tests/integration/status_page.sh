#!/usr/bin/env bash
# Integration: the status page (GET /) as a browser renders it. Two dpf nodes with pfsync and
# CARP (ha_topology; A master of vhids 1 and 2, B backup) and a ping through the virtual
# addresses. Headless Chromium, in each firewall's namespace, loads http://127.0.0.1:9080/ under
# the page's own Content-Security-Policy and runs its script: the rendered DOM must show both
# vhids with their roles, the pfsync peer's address, the finished bulk update and a packets per
# second chart drawn from at least one sample per port. Then the page is served through a proxy
# that answers /api/v1/pf 503: the page must still show the rest, name the failing endpoint in
# its banner and mark the states section stale. A screenshot of A's page is kept.
# usage: status_page.sh PATH_TO_DPF PATH_TO_DPFCTL [ARTIFACT_DIR]
#   ARTIFACT_DIR defaults to test-artifacts beside the directory holding dpf (build/).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
ART=${3:-$(cd "$(dirname "$DPF")/.." && pwd)/test-artifacts}
lab_init status-page
CHROMIUM=$(command -v chromium || true)
[ -n "$CHROMIUM" ] || skip "needs Debian's chromium (scripts/setup installs it)"
SP="$PY $HERE/status_page_tool.py"

# browser NS OUT ARGS...: headless Chromium in NS with a profile of its own, bounded in time;
# its own output goes to $LAB_DIR/chromium.log. Nothing it could reach is outside the namespace.
browser() {
  local ns=$1 out=$2
  shift 2
  local profile
  profile=$(mktemp -d "$LAB_DIR/profile.XXXXXX")
  HOME=$profile timeout 60 ip netns exec "$(ns_name "$ns")" "$CHROMIUM" --headless=new \
    --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir="$profile" \
    --no-first-run --disable-extensions --disable-background-networking --disable-sync \
    --disable-component-update --disable-default-apps --mute-audio --hide-scrollbars "$@" \
    >"$out" 2>>"$LAB_DIR/chromium.log"
}

# render NS URL TEST OUT: dumps the page's DOM into OUT after the page has polled a few times
# (virtual time runs ahead only while no request is pending, so each poll gets its answers),
# until the facts OUT holds pass the shell test TEST (run with $f the facts) or 40 s have gone.
render() {
  local ns=$1 url=$2 test=$3 out=$4 end=$((SECONDS + 40)) try=0
  while :; do
    try=$((try + 1))
    browser "$ns" "$out" --virtual-time-budget=5000 --dump-dom "$url" || true
    f=$(in_ns "$ns" $SP facts "$out" 2>&1) || true # not the page yet: the test fails, retry
    eval "$test" && break
    [ $SECONDS -lt $end ] ||
      fail "the page at $url on $ns is not as expected after $try loads: $(tr '\n' ';' <<<"$f")"
    sleep 1
  done
  log "$ns: rendered after $try load(s): $(tr '\n' ';' <<<"$f")"
}
has() { grep -qx -- "$1" <<<"$f"; }
chart_drawn() {
  local port
  has "chart 0" && return 1
  for port in sis0 sis1 sis2; do
    grep -qE "^line $port rx [1-9][0-9]*$" <<<"$f" || return 1
    grep -qE "^line $port tx [1-9][0-9]*$" <<<"$f" || return 1
  done
}

ha_topology
ha_pair_rules
ha_pair_cluster status-page
ha_pair_start

log "traffic through the virtual addresses, so that the chart has something to draw"
in_ns int ping -q -i 0.2 -w 120 10.0.0.100 >/dev/null 2>&1 &

log "the node serves the page as HTML under its policy"
headers=$(in_ns fwa curl -sf -D - -o /dev/null http://127.0.0.1:9080/) || fail "GET / failed"
grep -qi '^content-type: text/html; charset=utf-8' <<<"$headers" ||
  fail "GET / content type: $headers"
grep -qi "^content-security-policy: default-src 'none'; script-src 'sha256-" <<<"$headers" ||
  fail "GET / has no content security policy: $headers"
code=$(in_ns fwa curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:9080/)
[ "$code" = 405 ] || fail "POST / answered $code, not 405"

log "A's page: both vhids MASTER, B (10.0.10.2) heard over pfsync, bulk update done, a chart"
render fwa http://127.0.0.1:9080/ \
  'has "ready true" && has "vhid 1 MASTER" && has "vhid 2 MASTER" && has "peer 10.0.10.2" &&
   has "bulk done" && chart_drawn' "$LAB_DIR/a.html"
has "name fw-a" || fail "A's page does not name fw-a: $f"
has "banner hidden" || fail "A's page shows an error banner: $f"
for port in sis0 sis1 sis2; do
  has "port $port" || fail "A's page does not list port $port: $f"
done

log "B's page: both vhids BACKUP, A (10.0.10.1) heard"
render fwb http://127.0.0.1:9080/ \
  'has "ready true" && has "vhid 1 BACKUP" && has "vhid 2 BACKUP" && has "peer 10.0.10.1"' \
  "$LAB_DIR/b.html"
has "name fw-b" || fail "B's page does not name fw-b: $f"

log "an endpoint that fails: the banner names it, its section is stale, the rest is shown"
in_ns fwa $SP proxy 9099 http://127.0.0.1:9080 &
LAB_PIDS+=($!)
wait_listen fwa 9099
render fwa http://127.0.0.1:9099/ \
  'has "banner shown" && has "vhid 1 MASTER" && has "peer 10.0.10.2" &&
   grep -q "^failed pf " <<<"$f"' \
  "$LAB_DIR/proxy.html"
has "failed pf /api/v1/pf: HTTP 503: the node did not answer in time" ||
  fail "the banner does not say why /api/v1/pf failed: $(grep '^failed' <<<"$f")"
has "stale states" || fail "the states section is not marked stale: $f"
! grep -q '^stale carp$\|^stale pfsync$' <<<"$f" ||
  fail "sections whose endpoints answer are marked stale: $f"
has "states –" || fail "the states section shows data it never had: $(grep '^states' <<<"$f")"

log "a screenshot of A's page"
mkdir -p "$ART"
shot="$ART/status_page.png"
rm -f "$shot"
browser fwa /dev/null --virtual-time-budget=15000 --window-size=1280,900 --screenshot="$shot" \
  http://127.0.0.1:9080/ || true
[ "$(head -c 4 "$shot" 2>/dev/null | od -An -c | tr -d ' ')" = "211PNG" ] ||
  fail "no screenshot in $shot: $(tail -n 5 "$LAB_DIR/chromium.log")"
log "screenshot: $shot ($(stat -c %s "$shot") bytes)"
log "PASS"
