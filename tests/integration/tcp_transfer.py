#!/usr/bin/python3
"""A TCP transfer for integration tests.

usage: tcp_transfer.py sink PORT            listen once, print "<sha256> <bytes>" of what arrives
       tcp_transfer.py send HOST PORT FILE  send FILE, then half-close and wait for the sink
"""
import hashlib
import socket
import sys

if sys.argv[1] == "sink":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.listen(1)
    s.settimeout(60)
    c, _ = s.accept()
    c.settimeout(60)
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b)
        n += len(b)
    print(h.hexdigest(), n, flush=True)
    c.close()
else:
    host, port, path = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.create_connection((host, port), timeout=30)
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 16)
            if not b:
                break
            s.sendall(b)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
