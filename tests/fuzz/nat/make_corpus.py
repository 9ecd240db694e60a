#!/usr/bin/env python3
"""Writes the seed corpus of nat_rewrite_fuzz (corpus/nat_rewrite_fuzz/).

Each seed is: one mode byte (bit 0 translate the destination, bit 1 the ICMP error's source,
bit 2 recompute checksums first), the new address (4 bytes) and port (2 bytes), then an IPv4
packet laid out by hand as RFC 791 / 9293 / 768 / 792 define it, with correct checksums:
  tcp_syn          10.0.0.5:1234 -> 8.8.8.8:443 SYN, one 32-bit word of IP options (NOPs)
  udp_dns          10.0.0.5:1234 -> 8.8.8.8:53, 12 bytes of payload
  udp_no_checksum  the same with a UDP checksum of 0
  icmp_echo        10.0.0.5 -> 8.8.8.8 echo request id 0x1234 seq 1, 8 bytes of data
  later_fragment   a UDP fragment at offset 1480 (no L4 header)
  te_udp           time exceeded from 198.51.100.1 to 203.0.113.1 quoting udp_dns NATed to
                   203.0.113.1:50001 (IP header + 8 bytes)
  te_tcp_full      the same quoting tcp_syn NATed, whole segment quoted (checksum present)
  unreach_echo     port unreachable quoting icmp_echo NATed (id 50001)
"""
import os
import struct

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "nat_rewrite_fuzz")
os.makedirs(out, exist_ok=True)

INSIDE = bytes([10, 0, 0, 5])
SERVER = bytes([8, 8, 8, 8])
PUBLIC = bytes([203, 0, 113, 1])
ROUTER = bytes([198, 51, 100, 1])


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(proto, src, dst, l4, options=b"", frag=0x4000):
    hl = 20 + len(options)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0, hl + len(l4), 0x1C46, frag, 64, proto,
                      0, src, dst) + options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + l4


def pseudo(src, dst, proto, n):
    return src + dst + struct.pack("!BBH", 0, proto, n)


def tcp(src, dst, sport, dport, payload=b""):
    seg = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, 0x02, 64240, 0, 0) + payload
    c = csum(pseudo(src, dst, 6, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, payload, checksum=True):
    d = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    if not checksum:
        return d
    c = csum(pseudo(src, dst, 17, len(d)) + d) or 0xFFFF
    return d[:6] + struct.pack("!H", c) + d[8:]


def icmp(typ, code, rest, payload):
    m = struct.pack("!BBH", typ, code, 0) + rest + payload
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def seed(name, mode, addr, port, packet):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([mode]) + addr + struct.pack("!H", port) + packet)


nat = (0, PUBLIC, 50001)  # translate the source to 203.0.113.1:50001
syn = ipv4(6, INSIDE, SERVER, tcp(INSIDE, SERVER, 1234, 443), options=b"\x01" * 4)
dns = ipv4(17, INSIDE, SERVER, udp(INSIDE, SERVER, 1234, 53, b"\x12\x34\x01\x00" + b"\0" * 8))
echo = ipv4(1, INSIDE, SERVER, icmp(8, 0, struct.pack("!HH", 0x1234, 1), b"abcdefgh"))
seed("tcp_syn", *nat, syn)
seed("udp_dns", *nat, dns)
seed("udp_no_checksum", *nat, ipv4(17, INSIDE, SERVER, udp(INSIDE, SERVER, 1234, 53, b"x", False)))
seed("icmp_echo", *nat, echo)
seed("later_fragment", *nat, ipv4(17, INSIDE, SERVER, b"\x5a" * 24, frag=185))

# The NATed packets a router quotes, and the errors; the seeds translate them back (mode 0: the
# quoted source and the error's destination become 10.0.0.5:1234).
nat_syn = ipv4(6, PUBLIC, SERVER, tcp(PUBLIC, SERVER, 50001, 443), options=b"\x01" * 4)
nat_dns = ipv4(17, PUBLIC, SERVER, udp(PUBLIC, SERVER, 50001, 53, b"\x12\x34\x01\x00" + b"\0" * 8))
nat_echo = ipv4(1, PUBLIC, SERVER, icmp(8, 0, struct.pack("!HH", 50001, 1), b"abcdefgh"))
seed("te_udp", 0, INSIDE, 1234, ipv4(1, ROUTER, PUBLIC, icmp(11, 0, b"\0" * 4, nat_dns[:28])))
seed("te_tcp_full", 0, INSIDE, 1234, ipv4(1, ROUTER, PUBLIC, icmp(11, 0, b"\0" * 4, nat_syn)))
seed("unreach_echo", 0, INSIDE, 1234,
     ipv4(1, SERVER, PUBLIC, icmp(3, 3, b"\0" * 4, nat_echo[:28])))
