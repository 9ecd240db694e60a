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
# usage: pf_src.sh PATH_TO_DPF
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
DPF=$1
lab_init pf-src

router_topology
host_addr hA eth0 10.0.0.3/24  # a second client on the outside

cat >"$LAB_DIR/rules.conf" <<'PF'
table <bad> persist
block all
block in quick on sis0 from <bad>
pass in on sis0 proto tcp to port 7100 keep state (max-src-conn 3, overload <bad> flush global)
pass in on sis0 proto tcp to port 7200 keep state (max-src-states 2)
pass in on sis1 keep state
pass out keep state
PF
router_cluster pf-src-test

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

kill "$echo_pid" "$echo2_pid" 2>/dev/null || true
wait "$echo_pid" "$echo2_pid" 2>/dev/null || true
stop_dpf dpf
log "PASS"
