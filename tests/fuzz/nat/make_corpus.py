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

and the seed corpus of nat_rules_fuzz (corpus/nat_rules_fuzz/). Each seed is a pf.conf text, a
0x00 byte, a control byte (bit 0 the interface em1, bits 2-3 the worker count - 1, bits 4-5 the
worker index), 4 bytes of is_free mask, 8 bytes of random number, then a packet the ruleset
translates, laid out as above:
  nat_tcp             nat on em0 of 10.0.0.0/24 -> 192.0.2.1; tcp_syn outbound
  nat_static_udp      nat ... static-port on em0; udp_dns, worker 1 of 2, half the keys taken
  nat_pass_echo       nat pass with a port range; icmp_echo, worker 2 of 4
  rdr_range_udp       rdr of udp ports 1000:1999 -> 10.0.0.9 port 2000:*; a datagram to 1234
  rdr_no_checksum     rdr of udp port 53 -> 10.0.0.53 port 5353; a datagram without checksum
  binat_echo          binat 10.0.0.5 -> 192.0.2.5; icmp_echo outbound
  binat_in_tcp        the same; a SYN from 8.8.8.8:443 to 192.0.2.5:1234 (the inbound leg)
  match_nat_to_udp    match out ... nat-to 192.0.2.1 port 1024:2047, then pass out; udp_dns
  pass_rdr_nat_tcp    pass in with rdr-to and nat-to; a SYN from 8.8.8.8 to 192.0.2.1:8080
  table_rr_tcp        nat on em1 to a table pool (round-robin); tcp_syn on em1
  if_pool_udp         nat on em0 -> (em0); udp_dns
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


# nat_rules_fuzz: a ruleset, a NUL, the control bytes, a packet.
rules_out = os.path.join(os.path.dirname(out), "nat_rules_fuzz")
os.makedirs(rules_out, exist_ok=True)
OUTSIDE = bytes([198, 51, 100, 7])
EM0 = bytes([192, 0, 2, 1])
BINAT = bytes([192, 0, 2, 5])
ALL_FREE = 0xFFFFFFFF
RANDOM = 0x0123456789ABCDEF


def rules_seed(name, conf, packet, em1=False, workers=1, index=0, free=ALL_FREE):
    control = bytes([int(em1) | (workers - 1) << 2 | index << 4])
    control += struct.pack("!IQ", free, RANDOM)
    with open(os.path.join(rules_out, name), "wb") as f:
        f.write(conf.encode() + b"\0" + control + packet)


rules_seed("nat_tcp", "nat on em0 from 10.0.0.0/24 to any -> 192.0.2.1\n", syn)
rules_seed("nat_static_udp", "nat on em0 proto udp from any to any -> 192.0.2.1 static-port\n",
           dns, workers=2, index=1, free=0x55555555)
rules_seed("nat_pass_echo", "nat pass on em0 inet from any to any -> 192.0.2.1 port 2000:2999\n",
           echo, workers=4, index=2)
rules_seed("rdr_range_udp",
           "rdr on em0 proto udp from any to any port 1000:1999 -> 10.0.0.9 port 2000:*\n",
           ipv4(17, OUTSIDE, EM0, udp(OUTSIDE, EM0, 5000, 1234, b"query")))
rules_seed("rdr_no_checksum", "rdr on em0 proto udp to port 53 -> 10.0.0.53 port 5353\n",
           ipv4(17, OUTSIDE, EM0, udp(OUTSIDE, EM0, 5000, 53, b"query", False)))
rules_seed("binat_echo", "binat on em0 from 10.0.0.5 to any -> 192.0.2.5\n", echo)
rules_seed("binat_in_tcp", "binat on em0 from 10.0.0.5 to any -> 192.0.2.5\n",
           ipv4(6, SERVER, BINAT, tcp(SERVER, BINAT, 443, 1234)))
rules_seed("match_nat_to_udp",
           "match out on em0 from 10.0.0.0/24 nat-to 192.0.2.1 port 1024:2047\npass out on em0\n",
           dns, workers=4, index=3)
rules_seed("pass_rdr_nat_tcp",
           "pass in on em0 proto tcp to port 8080 rdr-to 10.0.0.80 port 80 nat-to 10.0.0.1\n",
           ipv4(6, SERVER, EM0, tcp(SERVER, EM0, 443, 8080)))
rules_seed("table_rr_tcp",
           "table <pool> { 192.0.2.10, 192.0.2.11 }\nnat on em1 from any to any -> <pool>\n", syn,
           em1=True)
rules_seed("if_pool_udp", "nat on em0 from any to any -> (em0)\n", dns)
