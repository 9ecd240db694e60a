#!/usr/bin/python3
"""What a host behind or in front of a NAT sees (run inside a test host's namespace).

usage: nat_probe.py tcp-sink PORT         listen once, print "<sha256> <bytes> <peer-ip> <peer-port>"
                                          of what arrives and from where
       nat_probe.py udp-answer PORT SECONDS  answer the first datagram within SECONDS, print
                                          "<peer-ip> <peer-port>" (or "timeout")
       nat_probe.py traceroute HOST PORT MAX_TTL
                                          UDP probes to HOST:PORT+TTL from one socket with TTL
                                          1, 2, ... MAX_TTL; for each prints
                                          "TTL FROM TYPE CODE INNER_SRC INNER_SPORT INNER_DPORT"
                                          read from the ICMP error on a raw socket (the quoted
                                          packet as it arrived here), or "TTL *" after 2 s and
                                          three tries; stops at the first port unreachable
"""
import hashlib
import select
import socket
import struct
import sys
import time

mode = sys.argv[1]

if mode == "tcp-sink":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.listen(1)
    s.settimeout(60)
    c, peer = s.accept()
    c.settimeout(60)
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b)
        n += len(b)
    print(h.hexdigest(), n, peer[0], peer[1], flush=True)
    c.close()
elif mode == "udp-answer":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.settimeout(float(sys.argv[3]))
    try:
        b, peer = s.recvfrom(2048)
        s.sendto(b, peer)
        print(peer[0], peer[1], flush=True)
    except (socket.timeout, TimeoutError):
        print("timeout", flush=True)
elif mode == "traceroute":
    host, base, max_ttl = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("0.0.0.0", 0))

    def answer(dport, deadline):
        """The first ICMP error quoting our probe to dport before deadline, as a tuple."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([icmp], [], [], left)[0]:
                return None
            pkt, (src, _) = icmp.recvfrom(2048)
            ihl = (pkt[0] & 0x0F) * 4
            typ, code = pkt[ihl], pkt[ihl + 1]
            if typ not in (3, 11):
                continue
            inner = pkt[ihl + 8:]  # RFC 792: the quoted IP header and 8 bytes of its payload
            if len(inner) < 20 or inner[9] != socket.IPPROTO_UDP:
                continue
            iihl = (inner[0] & 0x0F) * 4
            if len(inner) < iihl + 8:
                continue
            isport, idport = struct.unpack("!HH", inner[iihl:iihl + 4])
            if idport != dport:
                continue
            return (src, typ, code, socket.inet_ntoa(inner[12:16]), isport, idport)

    for ttl in range(1, max_ttl + 1):
        udp.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
        got = None
        for _ in range(3):
            udp.sendto(b"dpf-nat-probe", (host, base + ttl))
            got = answer(base + ttl, time.monotonic() + 2)
            if got:
                break
        if not got:
            print(ttl, "*", flush=True)
            continue
        print(ttl, *got, flush=True)
        if got[1] == 3 and got[2] == 3:
            break
