#!/usr/bin/env python3
"""Writes the seed corpus of state_decode_fuzz (corpus/state_decode_fuzz/).

Each seed is: one mode byte (bit 0 inet6, bit 1 direction out, bit 2 sloppy) + a body. The
bodies are hand-laid packets as RFC 791 / 8200 / 9293 / 792 define them:
  tcp_syn_options  a Linux-style SYN header: MSS 1460, SACK-permitted, timestamps, wscale 7
  icmp_echo        an ICMPv4 echo request, id 0x1234 seq 1
  icmp6_ns         an ICMPv6 neighbour solicitation for 2001:db8::1
  quoted_tcp4      an IPv4 header + 8 bytes of TCP (10.0.0.5:80 -> 203.0.113.7:40000 seq 5001)
  quoted_udp6_hbh  an IPv6 header, an 8-byte hop-by-hop header, 8 bytes of UDP
  track_handshake  two established peers (40 bytes) followed by three 16-byte segments
"""
import os
import struct

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "state_decode_fuzz")
os.makedirs(out, exist_ok=True)


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


opts = bytes([2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])
tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1000, 0, (40 // 4) << 4, 0x02, 64240, 0, 0) + opts
write("tcp_syn_options", b"\x00" + tcp)

write("icmp_echo", b"\x00" + struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1))

target = bytes([0x20, 0x01, 0x0D, 0xB8] + [0] * 11 + [1])
write("icmp6_ns", b"\x01" + struct.pack("!BBHI", 135, 0, 0, 0) + target)

ip4 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0,
                  bytes([10, 0, 0, 5]), bytes([203, 0, 113, 7]))
write("quoted_tcp4", b"\x00" + ip4 + struct.pack("!HHI", 80, 40000, 5001))

src6 = bytes([0x20, 0x01, 0x0D, 0xB8] + [0] * 11 + [5])
dst6 = bytes([0x20, 0x01, 0x0D, 0xB8, 0, 1] + [0] * 9 + [9])
ip6 = struct.pack("!IHBB", 0x60000000, 16, 0, 64) + src6 + dst6
hbh = bytes([17, 0, 1, 4, 0, 0, 0, 0])
write("quoted_udp6_hbh", b"\x01" + ip6 + hbh + struct.pack("!HHHH", 53000, 53, 8, 0))


def peer(seqlo, seqhi, max_win, state, wscale):
    # StatePeer in host (little-endian) order: seqlo, seqhi, seqdiff, max_win, mss, state,
    # wscale, pad[2].
    return struct.pack("<IIIHHBB2x", seqlo, seqhi, 0, max_win, 0, state, wscale)


peers = peer(1001, 1001 + 65535, 65535, 4, 0) + peer(5001, 5001 + 65535, 65535, 4, 0)


def seg(flags, other_way, seq, ack, win, length):
    return struct.pack("!BBIIHI", flags, other_way, seq, ack, win, length)


body = peers + seg(0x18, 0, 1001, 5001, 65535, 100) + seg(0x10, 1, 5001, 1101, 65535, 0) \
    + seg(0x14, 0, 1101, 5001, 0, 0)
write("track_handshake", b"\x00" + body)
