#!/usr/bin/python3
"""Sends valid pfsync INS frames that describe many TCP states (run in a namespace on the link).

usage: pfsync_states.py IFACE SRC_IP CREATORID COUNT SECONDS [BURST]
States 1..COUNT of creator CREATORID (hex), five per frame (FreeBSD 10+ framing, 1301 states,
no trailer), to 224.0.0.240 with TTL 255. The frames are sent once, then again and again until
SECONDS have passed (0: once): a flood of valid frames, whose repeats merge into the states the
receiver already holds. With BURST, a pause of 1 ms follows every BURST frames (so that a
receiver can take them all); without, they go as fast as the link takes them. Prints the number
of frames sent.

Built by hand from shared/specs/pfsync.md: header §2.2 (version 5, pad, length, 16-byte
checksum), subheader §2.3 (action 1 = INS, pad, count), struct pfsync_state §3.5 (242 bytes),
EOF subheader (action 12). State i: floating ("all"), TCP 172.16.i>>8.i&255:(10000 + i%50000)
-> 10.99.0.1:80, both peers ESTABLISHED, timeout TCP_ESTABLISHED, a day left.
"""
import socket
import struct
import sys
import time

iface, src, creator, count, seconds = (sys.argv[1], sys.argv[2], int(sys.argv[3], 16),
                                        int(sys.argv[4]), float(sys.argv[5]))
burst = int(sys.argv[6]) if len(sys.argv) > 6 else 0
PER_FRAME = 5
MAC = bytes.fromhex("020000aa00f0")


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def addr(a):
    return socket.inet_aton(a) + bytes(12)


def peer(seq):
    # scrub (8), seqlo, seqhi, seqdiff, max_win, mss, state 4 (ESTABLISHED), wscale, pad (6)
    return bytes(8) + struct.pack("!IIIHHBB", seq, seq + 65535, 0, 65535, 1460, 4, 0) + bytes(6)


def state(i):
    a = "172.16.%d.%d" % (i >> 8 & 255, i & 255)
    sport = 10000 + i % 50000
    key = addr(a) + addr("10.99.0.1") + struct.pack("!HH", sport, 80)
    s = struct.pack("!Q", i) + b"all".ljust(16, b"\0") + key + key
    s += peer(1000 + i) + peer(5000 + i) + bytes(16)  # rt_addr
    s += struct.pack("!IIIII", 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 10, 86400)
    s += bytes(32)  # packets[2], bytes[2]
    s += struct.pack("!IBBB", creator, 2, 6, 1) + bytes(3)  # af inet, tcp, in, spare, log
    s += struct.pack("!BBBB", 0, 2, 0, 0)  # state_flags, timeout, sync_flags, updates
    assert len(s) == 242
    return s


def frame(first, n):
    body = struct.pack("!BBH", 1, 0, n) + b"".join(state(i) for i in range(first, first + n))
    body += struct.pack("!BBH", 12, 0, 0)
    payload = struct.pack("!BBH", 5, 0, 20 + len(body)) + bytes(16) + body
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 255, 240, 0,
                     socket.inet_aton(src), socket.inet_aton("224.0.0.240"))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return bytes.fromhex("01005e0000f0") + MAC + b"\x08\x00" + ip + payload


frames = [frame(i, min(PER_FRAME, count + 1 - i)) for i in range(1, count + 1, PER_FRAME)]
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((iface, 0))
sent = 0
end = time.monotonic() + seconds
while True:
    for f in frames:
        try:
            sock.send(f)
            sent += 1
            if burst and sent % burst == 0:
                time.sleep(0.001)
        except OSError:  # the veth queue is full: let the receiver catch up
            time.sleep(0.001)
    if time.monotonic() >= end:
        break
print(sent)
