#!/usr/bin/python3
"""Sends malformed pfsync frames at a dpf node's sync port (run in a namespace on the link).

usage: pfsync_malformed.py IFACE SRC_IP ROUNDS
Each round sends five frames to 224.0.0.240, IP protocol 240, each wrong in one way that
pfsync's statistics name: TTL 64 (badttl), a 10-byte payload (hdrops), version 4 (badver), an
unknown action 200 (badact), and a header length of 1000 bytes over a 40-byte frame (badlen).
Built by hand from the header layout in shared/specs/pfsync.md section 2 (20-byte header:
version, pad, length, 16-byte checksum; 4-byte subheader: action, pad, count). Prints the
number of frames sent.
"""
import struct
import sys

from scapy.all import IP, Ether, Raw, sendp

iface, src, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])


def header(version=5, length=None, body=b""):
    n = 20 + len(body) if length is None else length
    return struct.pack("!BBH", version, 0, n) + bytes(16) + body


eof = struct.pack("!BBH", 12, 0, 0)  # EOF subheader
frames = []
for _ in range(rounds):
    for ttl, payload in (
        (64, header(body=eof)),
        (255, header(body=eof)[:10]),
        (255, header(version=4, body=eof)),
        (255, header(body=struct.pack("!BBH", 200, 0, 1) + bytes(12))),
        (255, header(length=1000, body=eof + bytes(16))),
    ):
        frames.append(Ether(dst="01:00:5e:00:00:f0") /
                      IP(src=src, dst="224.0.0.240", ttl=ttl, proto=240) / Raw(payload))
sendp(frames, iface=iface, verbose=False)
print(len(frames))
