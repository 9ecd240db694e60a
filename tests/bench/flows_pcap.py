#!/usr/bin/python3
"""Writes the captures of scripts/bench's end-to-end run.

  flows_pcap.py flows OUT.pcap DST_MAC [N]
      N (default 100 000) 64-byte Ethernet frames (60 bytes captured + 4 of FCS on the wire),
      one per UDP flow: 10.1.0.0 + i -> 192.168.(i % 250).(1 + i // 250 % 250),
      sport 1024 + i % 50 000, dport 5001, TTL 64, to DST_MAC. Every 5-tuple is distinct.
  flows_pcap.py arp OUT.pcap DST_MAC SENDER_MAC SENDER_IP TARGET_IP
      one ARP reply SENDER_IP is-at SENDER_MAC, addressed to TARGET_IP at DST_MAC.

The first frame is built by scapy; the others patch its addresses and ports and recompute the
IPv4 and UDP checksums here (building 100 000 packets in scapy takes minutes). The first
frames are parsed back with scapy, which checks that the patched checksums are right.
"""

import ipaddress
import struct
import sys

from scapy.all import ARP, IP, UDP, Ether, PcapWriter, Raw, raw

FRAME_LEN = 60  # 64 on the wire with the FCS
SRC_MAC = "02:00:00:00:00:01"  # the sending host; dpf does not check it


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def flow(i: int):
    src = int(ipaddress.IPv4Address("10.1.0.0")) + i
    dst = (192 << 24) | (168 << 16) | ((i % 250) << 8) | (1 + i // 250 % 250)
    return src, dst, 1024 + i % 50000, 5001


def frame(template: bytes, i: int) -> bytes:
    src, dst, sport, dport = flow(i)
    f = bytearray(template)
    struct.pack_into("!HII", f, 24, 0, src, dst)  # checksum, src, dst
    struct.pack_into("!H", f, 24, checksum(bytes(f[14:34])))
    udp_len = struct.unpack_from("!H", f, 38)[0]
    struct.pack_into("!HHHH", f, 34, sport, dport, udp_len, 0)
    pseudo = struct.pack("!IIBBH", src, dst, 0, 17, udp_len)
    c = checksum(pseudo + bytes(f[34 : 34 + udp_len])) or 0xFFFF
    struct.pack_into("!H", f, 40, c)
    return bytes(f)


def write_flows(path: str, dst_mac: str, n: int) -> None:
    src, dst, sport, dport = flow(0)
    first = Ether(src=SRC_MAC, dst=dst_mac) / IP(
        src=str(ipaddress.IPv4Address(src)), dst=str(ipaddress.IPv4Address(dst)), ttl=64
    ) / UDP(sport=sport, dport=dport)
    first = first / Raw(b"\0" * (FRAME_LEN - len(first)))
    template = raw(first)
    assert len(template) == FRAME_LEN
    assert frame(template, 0) == template, "the patched checksums differ from scapy's"
    for i in (1, 257, n - 1):
        p = Ether(frame(template, i))
        want_ip, want_udp = p[IP].chksum, p[UDP].chksum
        del p[IP].chksum, p[UDP].chksum
        p = Ether(raw(p))
        assert (p[IP].chksum, p[UDP].chksum) == (want_ip, want_udp), f"frame {i} checksums"
    w = PcapWriter(path, linktype=1, sync=False)
    for i in range(n):
        w.write(frame(template, i))
    w.close()


def write_arp(path: str, dst_mac: str, sender_mac: str, sender_ip: str, target_ip: str) -> None:
    p = Ether(src=sender_mac, dst=dst_mac) / ARP(
        op=2, hwsrc=sender_mac, psrc=sender_ip, hwdst=dst_mac, pdst=target_ip
    )
    p = p / Raw(b"\0" * (FRAME_LEN - len(p)))
    w = PcapWriter(path, linktype=1, sync=False)
    w.write(raw(p))
    w.close()


def main() -> int:
    if len(sys.argv) >= 4 and sys.argv[1] == "flows":
        write_flows(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 100000)
    elif len(sys.argv) == 7 and sys.argv[1] == "arp":
        write_arp(*sys.argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
