#!/usr/bin/python3
"""Sends CARP advertisements that a dpf node must count and ignore (run in a host's namespace).

usage: carp_adverts.py IFACE VHID COUNT
Sends COUNT rounds on IFACE of four bad adverts for VHID, each one a better advertiser (advbase
1, advskew 0) than any real node: a wrong HMAC (wrong password), IP TTL 64, a bad CARP
checksum, and version 3. Built by hand from the layout in shared/specs/carp.md section 1.2.
"""
import os
import struct
import sys

from scapy.all import IP, Ether, Raw, sendp  # noqa: E402


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def advert(vhid, version=2, good_sum=True):
    body = struct.pack("!BBBBBBHQ", version << 4 | 1, vhid, 0, 7, 0, 1, 0, 1) + os.urandom(20)
    s = checksum(body)
    if not good_sum:
        s ^= 0x5A5A
    return body[:6] + struct.pack("!H", s) + body[8:]


iface, vhid, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mac = "00:00:5e:00:00:%02x" % vhid
frames = []
for _ in range(count):
    for ttl, payload in ((255, advert(vhid)), (64, advert(vhid)),
                         (255, advert(vhid, good_sum=False)), (255, advert(vhid, version=3))):
        frames.append(Ether(src=mac, dst="01:00:5e:00:00:12") /
                      IP(src="10.0.0.100", dst="224.0.0.18", ttl=ttl, proto=112) / Raw(payload))
sendp(frames, iface=iface, verbose=False)
print(len(frames))
