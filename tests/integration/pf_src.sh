#!/usr/bin/env bash
# Integration: source tracking with real Linux TCP on both sides of a routed node.
#   pass in ... keep state (max-src-conn 3, overload <bad> flush global)
# - three connections from client 10.0.0.2 work;
# - the 4th completes its handshake at the client, but the ACK that would make it the 4th
#   established connection is dropped (src-limit), 10.0.0.2 lands in <bad>, and `flush global`
#   kills its other states: the three open connections stop carrying data;
# - `block quick from <bad>` blocks a new connection from 10.0.0.2;
# - another client, 10.0.0.3, is unaffected;
# - max-src-states 2 (global source tracking) on another port refuses its 3rd state.
# Then dpfctl's views of it: -s Sources (the sources with their states), -vsi (the limit
# counters), -s Tables (the persist tables), -s routes (connected and YAML routes), -s all, and
# -K, which kills a source's nodes and leaves its states.
# usage: pf_src.sh PATH_TO_DPF PATH_TO_DPFCTL
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
DPFCTL=$2
[ -x "$DPFCTL" ] || fail "usage: pf_src.sh PATH_TO_DPF PATH_TO_DPFCTL"
lab_init pf-src

router_topology
host_addr hA eth0 10.0.0.3/24  # a second client on the outside

# <keep> is persistent and referenced by no rule; <unused> neither: pf does not activate it.
cat >"$LAB_DIR/rules.conf" <<'PF'
table <bad> persist
table <keep> persist { 10.9.9.9 10.9.9.10 }
table <unused> { 10.8.8.8 }
block all
block in quick on sis0 from <bad>
pass in on sis0 proto tcp to port 7100 keep state (max-src-conn 3, overload <bad> flush global)
pass in on sis0 proto tcp to port 7200 keep state (max-src-states 2)
pass in on sis1 keep state
pass out keep state
PF
router_cluster pf-src-test
cat >>"$LAB_DIR/cluster.yaml" <<'YAML'
    routes:
      - { to: 172.16.0.0/12, via: 192.168.0.10 }
    api: { listen: "127.0.0.1:9080", token_file: token }
YAML
write_token "s3cret-token"

# An echo server on B: every connection gets its lines back.
cat >"$LAB_DIR/echo.py" <<'PYTHON'
import socket, sys, threading, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", int(sys.argv[1])))
srv.listen(16)
srv.settimeout(0.5)
def serve(c):
    with c:
        while True:
            try:
                data = c.recv(256)
            except OSError:
                return
            if not data:
                return
            c.sendall(data)
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PYTHON

# The client side, step by step; one line of output per step: "NAME ok|timeout|refused|error".
cat >"$LAB_DIR/client.py" <<'PYTHON'
import socket, sys, time
server, port = sys.argv[1], int(sys.argv[2])
def connect(src, to):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(2)
    try:
        s.connect((server, to))
    except socket.timeout:
        return None, "timeout"
    except ConnectionRefusedError:
        return None, "refused"
    return s, None
def echo(s):
    try:
        s.sendall(b"ping\n")
        return "ok" if s.recv(16) == b"ping\n" else "error"
    except socket.timeout:
        return "timeout"
    except OSError:
        return "error"
def step(name, src, to=port):
    s, err = connect(src, to)
    print(name, err or echo(s), flush=True)
    return s
held = [step("c%d" % i, "10.0.0.2") for i in (1, 2, 3)]
fourth = step("c4", "10.0.0.2")
time.sleep(1)  # the flush runs on the node's control thread
for i, s in enumerate(held, 1):
    print("again%d" % i, echo(s) if s else "error", flush=True)
step("c5", "10.0.0.2")
other = step("other", "10.0.0.3")
limited = [step("st%d" % i, "10.0.0.3", port + 100) for i in (1, 2, 3)]
PYTHON

start_dpf fw dpf -- -c "$LAB_DIR/cluster.yaml"
pfinfo() { api fw /api/v1/pf | json "$1"; }

in_ns hB "$PY" "$LAB_DIR/echo.py" 7100 25 &
echo_pid=$!
in_ns hB "$PY" "$LAB_DIR/echo.py" 7200 25 &
echo2_pid=$!
sleep 0.3
log "four connections from 10.0.0.2 (max-src-conn 3), then 10.0.0.3"
in_ns hA "$PY" "$LAB_DIR/client.py" 192.168.0.2 7100 >"$LAB_DIR/client.out" || fail "the client failed"
cat "$LAB_DIR/client.out"
result() { awk -v n="$1" '$1 == n { print $2 }' "$LAB_DIR/client.out"; }

for c in c1 c2 c3; do
  [ "$(result $c)" = ok ] || fail "connection $c within the limit did not work: $(result $c)"
done
[ "$(result c4)" != ok ] || fail "the 4th established connection carried data"
[ "$(pfinfo "d['src_tracking']['counters']['max-src-conn']")" -ge 1 ] ||
  fail "max-src-conn did not count the 4th connection"
[ "$(pfinfo "d['src_tracking']['counters']['src-limit']")" -ge 1 ] ||
  fail "src-limit did not count the dropped packet"
[ "$(api fw /api/v1/stats | json "d['drops']['src-limit']")" -ge 1 ] ||
  fail "the dropped packet is not counted under the src-limit drop reason"

log "10.0.0.2 is in <bad>, its states were flushed, and <bad> blocks it"
[ "$(pfinfo "'10.0.0.2' in d['src_tracking']['overload_tables']['bad']")" = True ] ||
  fail "10.0.0.2 is not in <bad>: $(pfinfo "d['src_tracking']['overload_tables']")"
[ "$(pfinfo "'10.0.0.3' in d['src_tracking']['overload_tables']['bad']")" = False ] ||
  fail "10.0.0.3 landed in <bad> too"
for i in 1 2 3; do
  [ "$(result again$i)" != ok ] || fail "connection c$i survived flush global"
done
[ "$(pfinfo "d['src_tracking']['counters']['overload flushed states']")" -ge 3 ] ||
  fail "the flush killed fewer than the 3 states of 10.0.0.2"
[ "$(result c5)" = timeout ] || fail "a new connection from 10.0.0.2 was not blocked: $(result c5)"

log "another client is unaffected"
[ "$(result other)" = ok ] || fail "10.0.0.3's connection did not work: $(result other)"
# Its node under the port 7100 rule (rule 2) counts its one state.
[ "$(pfinfo "[s['states'] for s in d['src_tracking']['sources'] if s['addr'] == '10.0.0.3' and s['rule'] == 2]")" = "[1]" ] ||
  fail "10.0.0.3's source node: $(pfinfo "d['src_tracking']['sources']")"

log "max-src-states 2: the third state from one source is refused"
[ "$(result st1)" = ok ] && [ "$(result st2)" = ok ] || fail "states within max-src-states failed"
[ "$(result st3)" = timeout ] || fail "the 3rd state from 10.0.0.3 was not refused: $(result st3)"
[ "$(pfinfo "d['src_tracking']['counters']['max-src-states']")" -ge 1 ] ||
  fail "max-src-states did not count the refusal"
# source-track global: one node for the source, rule -1.
[ "$(pfinfo "[s['states'] for s in d['src_tracking']['sources'] if s['addr'] == '10.0.0.3' and s['rule'] == -1]")" = "[2]" ] ||
  fail "10.0.0.3's global source node: $(pfinfo "d['src_tracking']['sources']")"

ctl() { in_ns fw "$DPFCTL" "$@"; }
log "dpfctl -s Sources lists each source with its states"
ctl -s Sources >"$LAB_DIR/sources.out" || fail "dpfctl -s Sources failed"
cat "$LAB_DIR/sources.out"
# pfctl's line: ADDR -> RADDR ( states N, connections N, rate N.N/Ns ).
node_line() { echo "^10\.0\.0\.3 -> 0\.0\.0\.0 \( states $1, connections [0-9]+, rate [0-9]+\.[0-9]/[0-9]+s \)$"; }
grep -qE "$(node_line 2)" "$LAB_DIR/sources.out" ||
  fail "-s Sources does not show 10.0.0.3's global node with its 2 states"
grep -qE "$(node_line 1)" "$LAB_DIR/sources.out" || fail "-s Sources does not show 10.0.0.3's node of rule 2"
ctl -vs S | grep -qE "^   age [0-9]{2}:[0-9]{2}:[0-9]{2}, [0-9]+ pkts, [0-9]+ bytes, filter rule 2$" ||
  fail "-vs S does not show the age, traffic and rule of the rule-2 node: $(ctl -vs S)"

log "dpfctl -s info -v counts the limits pf hit"
ctl -s info -v >"$LAB_DIR/info.out" || fail "dpfctl -s info -v failed"
grep -qx "Limit Counters" "$LAB_DIR/info.out" || fail "-s info -v has no Limit Counters"
lcount() { awk -v n="$1" 'index($0, "  " n " ") == 1 { sub("^  " n " +", ""); print $1 }' "$LAB_DIR/info.out"; }
[ "$(lcount max-src-states)" -ge 1 ] || fail "max-src-states counts $(lcount max-src-states)"
[ "$(lcount max-src-conn)" -ge 1 ] || fail "max-src-conn counts $(lcount max-src-conn)"
[ "$(lcount "overload table insertion")" -ge 1 ] ||
  fail "overload table insertion counts $(lcount "overload table insertion")"
[ "$(lcount "overload flush states")" -ge 1 ] ||
  fail "overload flush states counts $(lcount "overload flush states")"
[ "$(lcount "max states per rule")" = 0 ] || fail "max states per rule counted without a max"
ctl -s info | grep -q "Limit Counters" && fail "-s info without -v shows the limit counters"

log "dpfctl -s Tables shows the persistent tables, -v with pfctl's flags"
[ "$(ctl -s Tables)" = "$(printf 'bad\nkeep')" ] || fail "-s Tables: $(ctl -s Tables)"
[ "$(ctl -vs T)" = "$(printf -- '-pa-r--\tbad\n-pa----\tkeep')" ] || fail "-vs T: $(ctl -vs T)"
[ "$(pfinfo "[(t['name'], t['count']) for t in d['tables']]")" = "[('bad', 1), ('keep', 2), ('unused', 1)]" ] ||
  fail "GET /api/v1/pf's tables: $(pfinfo "d['tables']")"
[ "$(api fw '/api/v1/tables?entries=1' | json "[t['entries'] for t in d['tables']]")" = "[['10.0.0.2'], ['10.9.9.9', '10.9.9.10'], ['10.8.8.8']]" ] ||
  fail "GET /api/v1/tables?entries=1: $(api fw '/api/v1/tables?entries=1')"

log "dpfctl -s routes shows the connected routes and the cluster file's route"
ctl -s routes >"$LAB_DIR/routes.out" || fail "dpfctl -s routes failed"
cat "$LAB_DIR/routes.out"
for want in "10.0.0.0/24 link sis0" "192.168.0.0/24 link sis1" "172.16.0.0/12 192.168.0.10 sis1"; do
  awk '{ print $1, $2, $3 }' "$LAB_DIR/routes.out" | grep -qxF "$want" || fail "-s routes lacks: $want"
done
[ "$(wc -l <"$LAB_DIR/routes.out")" = 4 ] || fail "-s routes: a header and 3 routes expected"

log "dpfctl -s all shows every view under pfctl's titles"
ctl -s all >"$LAB_DIR/all.out" || fail "dpfctl -s all failed"
for title in "FILTER RULES:" "STATES:" "SOURCE TRACKING NODES:" "INFO:" "TIMEOUTS:" "LIMITS:" \
  "TABLES:" "PFSYNC:" "CARP:" "INTERFACES:" "ROUTES:"; do
  grep -qxF "$title" "$LAB_DIR/all.out" || fail "-s all lacks $title"
done
[ "$(head -1 "$LAB_DIR/all.out")" = "FILTER RULES:" ] || fail "-s all does not start with the rules"
grep -qE "$(node_line 2)" "$LAB_DIR/all.out" ||
  fail "-s all does not list the source nodes"

log "dpfctl -K needs the token, then kills 10.0.0.3's source nodes and leaves its states"
in_ns fw "$DPFCTL" -K 10.0.0.3 2>/dev/null && fail "-K worked without the token"
[ "$(ctl -s Sources | wc -l)" = 2 ] || fail "-K without the token killed source nodes"
states=$(state_count fw)
out=$(in_ns fw "$DPFCTL" --token-file "$LAB_DIR/token" -K 10.0.0.3 2>&1) || fail "-K failed: $out"
[ "$out" = "killed 2 src nodes from 1 sources and 0 destinations" ] || fail "-K said: $out"
[ -z "$(ctl -s Sources)" ] || fail "-s Sources after -K: $(ctl -s Sources)"
[ "$(state_count fw)" = "$states" ] || fail "-K changed the states: $states, then $(state_count fw)"
[ "$(pfinfo "d['src_tracking']['src_nodes']")" = 0 ] || fail "source nodes left after -K"

kill "$echo_pid" "$echo2_pid" 2>/dev/null || true
wait "$echo_pid" "$echo2_pid" 2>/dev/null || true
stop_dpf dpf
log "PASS"
