#!/usr/bin/python3
"""Sends one ARP frame, for the neighbour-spoofing checks.

usage: arp_send.py IFACE DST_MAC request|reply SENDER_IP TARGET_IP SENDER_MAC [--vlan ID]
The frame claims SENDER_IP is at SENDER_MAC (Ethernet source SENDER_MAC too); a reply is
addressed to DST_MAC, a request asks for TARGET_IP. With --vlan the frame carries an 802.1Q tag.
"""
import sys

from scapy.all import ARP, Dot1Q, Ether, conf, sendp

conf.verb = 0
iface, dmac, kind, psrc, pdst, hwsrc = sys.argv[1:7]
vlan = int(sys.argv[8]) if len(sys.argv) > 8 and sys.argv[7] == "--vlan" else None
arp = ARP(op=1 if kind == "request" else 2, hwsrc=hwsrc, psrc=psrc, pdst=pdst,
          hwdst="00:00:00:00:00:00" if kind == "request" else dmac)
frame = Ether(dst=dmac, src=hwsrc)
if vlan is not None:
    frame = frame / Dot1Q(vlan=vlan)
sendp(frame / arp, iface=iface)
