#!/usr/bin/env bash
# Integration: `scripts/demo router`, as README tells a new user to run it. The demo routes a
# ping and a 20 MB TCP transfer through one node whose ruleset (conf/router.pf.conf) blocks the
# outside, shows the rules with their states, and cleans up. Its output, sent to a file, is
# plain text.
# usage: demo_router.sh
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$HERE/lib.sh"
lab_init demo-router

out="$LAB_DIR/demo.out"
before=$(ip netns list | sort)
"$ROOT/scripts/demo" router >"$out" 2>&1 || { cat "$out"; fail "scripts/demo router failed"; }
expect() {  # expect REGEX WHY
  grep -Eq -- "$1" "$out" || { cat "$out"; fail "$2"; }
}
expect '^checksums match$' "the 20 MB transfer did not arrive intact"
expect '^pass in on sis1 inet from 192\.168\.0\.0/24 to any flags S/SA keep state$' \
  "dpfctl -s rules does not show the demo's ruleset"
expect '^  \[ Evaluations: [0-9]+ +Packets: [1-9][0-9]* +Bytes: [1-9][0-9]* +States: [0-9]+ +\]$' \
  "dpfctl -s rules -v shows no rule that counted packets"
expect '^outside -> inside:22 blocked by pf' "pf let the outside host connect in"
expect '^all tcp 192\.168\.0\.2:[0-9]+ -> 10\.0\.0\.2:8080 ' "dpfctl -s states lacks the transfer's state"
if grep -q $'\033' "$out"; then fail "the demo wrote terminal escapes into a file"; fi
left=$(comm -13 <(echo "$before") <(ip netns list | sort))
[ -z "$left" ] || fail "the demo left network namespaces behind: $left"
log PASS
