#!/usr/bin/env bash
# Integration: packets the node sends itself (echo replies, ICMP errors) pass pf's `out` pass on
# their interface, as pf filters a host's own output. Requests pass without state here, so that
# the replies meet the rules rather than a state. A rule that blocks echo replies out of sis0
# silences pings of the node from that side only, and each blocked reply is counted; a blocked
# time-exceeded error leaves the traceroute-like probe unanswered; `pass out keep state` keeps
# state for what the node sends.
# usage: pf_local.sh PATH_TO_DPF
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init pf-local

router_topology
cat >"$LAB_DIR/rules.conf" <<'PF'
pass in all no state
pass out all no state
block out quick on sis0 proto icmp icmp-type echorep
block out quick on sis1 proto icmp icmp-type timex
pass out on sis1 proto icmp icmp-type echorep keep state
PF
router_cluster pf-local-test
start_dpf fw dpf -- -c "$LAB_DIR/cluster.yaml"
drops() { api fw /api/v1/stats | json "d['drops']['$1']"; }

log "the node answers pings on sis1 and keeps state for its replies"
in_ns hB ping -c 2 -i 0.3 -W 1 192.168.0.254 >/dev/null || fail "no echo reply on sis1"
n=$(api fw "/api/v1/states?proto=icmp" | json "sum(1 for s in d['states'] if s['direction'] == 'out' and s['if'] in ('sis1', 'all'))")
[ "$n" -ge 1 ] || fail "no out state for the node's echo replies: $(api fw "/api/v1/states?proto=icmp")"

log "echo replies out of sis0 are blocked and counted"
before=$(drops pf-block)
in_ns hA ping -c 3 -i 0.3 -W 1 10.0.0.254 >/dev/null && fail "the node answered a ping on sis0"
[ $(($(drops pf-block) - before)) -ge 3 ] || fail "blocked replies were not counted: $before -> $(drops pf-block)"

log "a time-exceeded error out of sis1 is blocked; forwarding is not"
in_ns hB ping -c 1 -t 1 -W 1 10.0.0.2 >"$LAB_DIR/ttl.out" 2>&1 || true
grep -q "Time to live exceeded" "$LAB_DIR/ttl.out" && fail "the time-exceeded error passed: $(cat "$LAB_DIR/ttl.out")"
in_ns hB ping -c 1 -W 2 10.0.0.2 >/dev/null || fail "forwarding stopped"
log "PASS"
