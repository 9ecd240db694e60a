#!/usr/bin/python3
"""Sends malformed frames at a dpf port, for the drop-counter tests.

usage: malformed.py IFACE DST_MAC DST_IP COUNT [--pcap FILE]
Prints one line per kind: "<drop reason> <count>". With --pcap the frames (plus the kinds that
cannot cross a veth/af_packet link: frames shorter than an Ethernet header, which the kernel pads,
and IP fragments, which af_packet's fanout reassembles) are written to FILE instead of sent.
"""
import sys

from scapy.all import ICMP, IP, UDP, TCP, IPv6, Ether, Raw, conf, sendp, wrpcap

conf.verb = 0
iface, dmac, dst, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
pcap = sys.argv[6] if len(sys.argv) > 6 and sys.argv[5] == "--pcap" else None
src = "10.0.0.2"
pay = Raw(b"x" * 32)


def eth():
    return Ether(dst=dmac, src="02:00:00:00:00:02")


# Each entry: the drop reason dpf must count, and the frame that earns it.
frames = {
    "ip-ihl": bytes(eth() / IP(src=src, dst=dst, ihl=4) / UDP() / pay),
    "ip-checksum": bytes(eth() / IP(src=src, dst=dst, chksum=0x1234) / UDP() / pay),
    "ip-total-length": bytes(eth() / IP(src=src, dst=dst, len=1400) / UDP() / pay),
    "ip-version": bytes(eth() / IP(src=src, dst=dst, version=5) / UDP() / pay),
    "ip-short": bytes(eth() / IP(src=src, dst=dst))[: 14 + 12],
    "ip-bad-source": bytes(eth() / IP(src="127.0.0.1", dst=dst) / UDP() / pay),
    # a whole datagram too short for the TCP header it announces
    "l4-short": bytes(eth() / IP(src=src, dst=dst, proto=6) / Raw(b"z" * 8)),
    "ipv6": bytes(eth() / IPv6(src="2001:db8::2", dst="2001:db8::1") / UDP() / pay),
}
if pcap:
    frames["eth-short"] = bytes(eth())[:10]
    # offset 8190*8 + 100 bytes of payload runs past 65535
    frames["ip-fragment"] = bytes(eth() / IP(src=src, dst=dst, proto=17, frag=8190) / Raw(b"y" * 100))

if pcap:
    out = []
    for f in frames.values():
        out.extend([Raw(f)] * count)
    wrpcap(pcap, out)
else:
    for f in frames.values():
        sendp(Raw(f), iface=iface, count=count)
for name in frames:
    print(name, count)
