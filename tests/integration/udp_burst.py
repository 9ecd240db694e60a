#!/usr/bin/python3
"""Sends a burst of one-packet UDP flows from a test host (run inside its namespace).

usage: udp_burst.py IFACE DST_MAC SRC_IP DST_IP DPORT COUNT [RATE_PPS]
Frame k (0 <= k < COUNT) is Ether(dst=DST_MAC) / IPv4(SRC_IP -> DST_IP, TTL 64) /
UDP(sport=10000 + k mod 50000, dport=DPORT) with 8 bytes of payload and the UDP checksum 0
(none, RFC 768); past 50 000 frames the source address's last octet goes up by one. So each
frame is a new flow, and a stateful firewall keeps one state per frame (two when it forwards
it). Written by hand from RFC 791/768 layouts, the same frame as scapy's
Ether(dst=...)/IP(src=..., dst=...)/UDP(sport=..., dport=...)/Raw(b"dpf-udp!") but fast
enough to create thousands of flows in a fraction of a second. Sent on an AF_PACKET socket at
about RATE_PPS frames per second (default 20 000). Prints the number of frames sent.
"""
import socket
import struct
import sys
import time

iface, dst_mac, src, dst = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
dport, count = int(sys.argv[5]), int(sys.argv[6])
rate = float(sys.argv[7]) if len(sys.argv) > 7 else 20000.0
PAYLOAD = b"dpf-udp!"


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(k, eth):
    src_ip = bytearray(socket.inet_aton(src))
    src_ip[3] = (src_ip[3] + k // 50000) & 0xFF
    udp_len = 8 + len(PAYLOAD)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, k & 0xFFFF, 0, 64, 17, 0,
                               bytes(src_ip), socket.inet_aton(dst)))
    struct.pack_into("!H", ip, 10, csum(bytes(ip)))
    udp = struct.pack("!HHHH", 10000 + k % 50000, dport, udp_len, 0) + PAYLOAD
    return eth + bytes(ip) + udp


with open("/sys/class/net/%s/address" % iface) as f:
    src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
eth = bytes.fromhex(dst_mac.replace(":", "")) + src_mac + b"\x08\x00"
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
chunk = 50
start = time.monotonic()
for base in range(0, count, chunk):
    for k in range(base, min(count, base + chunk)):
        s.send(frame(k, eth))
    ahead = start + (base + chunk) / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
print(count, flush=True)
