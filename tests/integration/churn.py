#!/usr/bin/python3
"""Short TCP connections at a steady rate, for the soak (run inside a test host's namespace).

usage: churn.py serve PORT SECONDS        answer every connection for SECONDS: read a line, send
                                          it back, close once the client has closed
       churn.py connect HOST PORT RATE SECONDS
                                          open RATE connections per second for SECONDS; each
                                          sends a line, reads it back and closes first (the
                                          client keeps TIME_WAIT, so no 4-tuple is reused);
                                          print "opened N ok N failed N late N" and, on stderr,
                                          the first errors

Every socket has a timeout, so both end within SECONDS plus a few seconds.
"""
import socket
import sys
import threading
import time

TIMEOUT = 10  # connect, send and receive: covers several SYN retransmissions


def serve(port, seconds):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(256)
    end = time.monotonic() + seconds

    def answer(c):
        try:
            c.settimeout(TIMEOUT)
            line = c.recv(256)
            c.sendall(line)
            while c.recv(256):  # until the client's FIN
                pass
        except OSError:
            pass
        finally:
            c.close()

    while time.monotonic() < end:
        s.settimeout(max(0.01, min(1.0, end - time.monotonic())))
        try:
            c, _ = s.accept()
        except (socket.timeout, TimeoutError):
            continue
        threading.Thread(target=answer, args=(c,), daemon=True).start()


def connect(host, port, rate, seconds):
    lock = threading.Lock()
    counts = {"ok": 0, "failed": 0}
    errors = []

    def one(i):
        msg = b"churn %d\n" % i
        try:
            c = socket.create_connection((host, port), timeout=TIMEOUT)
            try:
                c.settimeout(TIMEOUT)
                c.sendall(msg)
                got = b""
                while len(got) < len(msg):
                    b = c.recv(256)
                    if not b:
                        break
                    got += b
                if got != msg:
                    raise OSError("echo mismatch: %r" % got)
            finally:
                c.close()
            key, err = "ok", None
        except OSError as e:
            key, err = "failed", "connection %d: %s" % (i, e)
        with lock:
            counts[key] += 1
            if err and len(errors) < 10:
                errors.append(err)

    threads = []
    start = time.monotonic()
    opened = late = 0
    while True:
        due = start + opened / rate
        now = time.monotonic()
        if due - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        elif now - due > 1:
            late += 1  # more than a second behind the schedule (a busy machine)
        t = threading.Thread(target=one, args=(opened,), daemon=True)
        t.start()
        threads.append(t)
        threads = [t for t in threads if t.is_alive()]
        opened += 1
    for t in threads:
        t.join(3 * TIMEOUT)
    print("opened %d ok %d failed %d late %d" % (opened, counts["ok"], counts["failed"], late),
          flush=True)
    for e in errors:
        print(e, file=sys.stderr)


mode = sys.argv[1]
if mode == "serve":
    serve(int(sys.argv[2]), float(sys.argv[3]))
elif mode == "connect":
    connect(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
else:
    sys.exit(__doc__)
