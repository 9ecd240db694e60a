#!/usr/bin/python3
"""TCP and UDP helpers for integration tests (run inside a test host's namespace).

usage: tcp_transfer.py sink PORT             listen once, print "<sha256> <bytes>" of what arrives
       tcp_transfer.py send HOST PORT FILE [PAUSE_S]
                                             send FILE (pausing PAUSE_S seconds half-way),
                                             half-close, wait for the sink to close
       tcp_transfer.py connect HOST PORT     try to connect; print "connected", "refused MS" or
                                             "timeout"
       tcp_transfer.py hold HOST PORT SECONDS  connect, send a line now and one after SECONDS;
                                             print "sent" or the error of the second send
       tcp_transfer.py stream HOST PORT SECONDS  send a counted byte stream at about 200 kB/s
                                             for SECONDS, half-close, wait for the sink,
                                             print "sent BYTES"
       tcp_transfer.py watch PORT            listen once, check the counted stream, print a
                                             progress line each second and at the end
                                             "done BYTES bad=0|1 gap=LONGEST_SILENCE_MS"
       tcp_transfer.py udp-echo PORT SECONDS echo UDP datagrams back for SECONDS
       tcp_transfer.py udp-ask HOST PORT     send one datagram, print "reply" or "timeout"
       tcp_transfer.py udp-count PORT SECONDS  count datagrams received for SECONDS
"""
import hashlib
import socket
import sys
import time

mode = sys.argv[1]
PATTERN = bytes(range(251)) * 600  # the counted stream: byte k is k mod 251


def accept_one(port):
    """Listens on PORT and returns the first connection (60 s timeouts)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(1)
    s.settimeout(60)
    c, _ = s.accept()
    c.settimeout(60)
    return c


def stream_bytes(offset, length):
    start = offset % 251
    return PATTERN[start:start + length]

if mode == "sink":
    c = accept_one(int(sys.argv[2]))
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b)
        n += len(b)
    print(h.hexdigest(), n, flush=True)
    c.close()
elif mode == "send":
    host, port, path = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    pause = float(sys.argv[5]) if len(sys.argv) > 5 else 0
    data = open(path, "rb").read()
    s = socket.create_connection((host, port), timeout=30)
    half = len(data) // 2
    s.sendall(data[:half])
    if pause:
        time.sleep(pause)
    s.sendall(data[half:])
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
elif mode == "connect":
    t0 = time.monotonic()
    try:
        socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=3).close()
        print("connected")
    except ConnectionRefusedError:
        print("refused %d" % ((time.monotonic() - t0) * 1000))
    except (socket.timeout, TimeoutError):
        print("timeout")
elif mode == "hold":
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=5)
    s.sendall(b"first\n")
    time.sleep(float(sys.argv[4]))
    s.settimeout(3)
    try:
        s.sendall(b"second\n")
        print("sent", flush=True)
    except OSError as e:
        print("error", e, flush=True)
    time.sleep(3)
elif mode == "stream":
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=10)
    s.settimeout(60)
    end, i = time.monotonic() + float(sys.argv[4]), 0
    while time.monotonic() < end:
        # 2 kB every 10 ms; byte k of the stream is k mod 251, so the sink can check it.
        s.sendall(stream_bytes(i, 2048))
        i += 2048
        time.sleep(0.01)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
    print("sent %d" % i, flush=True)
elif mode == "watch":
    c = accept_one(int(sys.argv[2]))
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
    n, bad, gap = 0, False, 0.0
    start = last = time.monotonic()
    next_report = start + 1
    while True:
        b = c.recv(1 << 16)
        now = time.monotonic()
        gap = max(gap, now - last)
        last = now
        if not b:
            break
        if not bad and b != stream_bytes(n, len(b)):
            bad = True
        n += len(b)
        if now >= next_report:
            print("t=%.1fs bytes=%d longest-gap=%dms" % (now - start, n, gap * 1000), flush=True)
            next_report = now + 1
    print("done %d bad=%d gap=%d" % (n, bad, gap * 1000), flush=True)
    c.close()
elif mode == "udp-echo":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    end = time.monotonic() + float(sys.argv[3])
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            b, a = s.recvfrom(2048)
            s.sendto(b, a)
        except (socket.timeout, TimeoutError):
            pass
elif mode == "udp-ask":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(b"ping", (sys.argv[2], int(sys.argv[3])))
    try:
        s.recvfrom(2048)
        print("reply")
    except (socket.timeout, TimeoutError):
        print("timeout")
elif mode == "udp-count":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    end, n = time.monotonic() + float(sys.argv[3]), 0
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            s.recvfrom(2048)
            n += 1
        except (socket.timeout, TimeoutError):
            pass
    print(n, flush=True)
