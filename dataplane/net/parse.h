// Frame parser: Ethernet (+ one 802.1Q tag), IPv4 with the RFC 1812 §5.2.2 checks, the IPv6 fixed
// header, ARP for Ethernet/IPv4, and the TCP/UDP/ICMP header fields pf keys states on.
// Called by worker lcores for every received frame and by the control thread; reentrant, no
// allocation, no exceptions. Offsets in PacketInfo are from the start of the frame.
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/net/drop.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::net {

enum class L3Kind : uint8_t { kOther, kIpv4, kIpv6, kArp };

// What parse_frame learned about one frame. Fields that do not apply to the frame's protocols are
// zero. Addresses and ports are in host byte order.
struct PacketInfo {
  L3Kind l3;
  uint16_t ethertype;     // after the VLAN tag, if any
  uint16_t l3_off;        // 14, or 18 with a VLAN tag
  uint16_t l3_len;        // IPv4: IHL*4; IPv6: 40; ARP: 28
  uint16_t ip_total_len;  // IPv4 total length; IPv6: 40 + payload length
  uint16_t l4_off;        // l3_off + l3_len
  uint16_t l4_len;        // bytes of L4 header + payload carried by this datagram (fragment)
  uint8_t proto;          // IPv4 protocol / IPv6 next header
  uint8_t ttl;            // IPv4 TTL / IPv6 hop limit
  uint8_t tos;            // IPv4 TOS / IPv6 traffic class
  bool fragment;          // IPv4: MF set or offset != 0
  bool first_fragment;    // IPv4: offset == 0 (true for unfragmented datagrams too)
  bool ip_options;        // IPv4: IHL > 5, whatever the options are (even NOP or EOL only)
  uint32_t src, dst;      // IPv4 addresses; ARP: sender and target protocol addresses
  uint16_t sport, dport;  // TCP/UDP ports; ICMP query: both are the identifier; else 0
  uint8_t tcp_flags;      // kTcpFin ... kTcpCwr
  uint32_t tcp_seq, tcp_ack;
  uint16_t tcp_win;     // unscaled window field
  uint8_t tcp_hdr_len;  // data offset * 4, bytes
  uint8_t icmp_type, icmp_code;
  bool l4_valid;  // IPv4 with offset 0: the TCP/UDP/ICMP header is fully present (other protocols:
                  // always, nothing is checked); false for non-first fragments, IPv6, ARP
  uint16_t vlan;  // VLAN ID (12 bits) when has_vlan
  bool has_vlan;
  bool l2_broadcast;  // destination MAC ff:ff:ff:ff:ff:ff
  bool l2_multicast;  // destination MAC has the group bit set and is not broadcast
};

// Parses one frame. Ethernet (+ one optional 802.1Q tag), then by EtherType:
//  - IPv4, dropping per RFC 1812 §5.2.2 / §5.3.7: fewer than 20 bytes or less than IHL*4 present
//    (kIpShort), version != 4 (kIpVersion), IHL < 5 (kIpIhl), total length < IHL*4 or beyond the
//    bytes present (kIpTotalLength), header checksum (kIpChecksum), martian source — 0/8, 127/8,
//    multicast, 240/4 incl. broadcast — (kIpBadSource), martian destination — 0/8, 127/8, 240/4
//    except 255.255.255.255 — (kIpBadDest), fragment offset*8 + payload > 65535, a TCP fragment at
//    offset 8 (RFC 1858 §4), or a first fragment (MF set) too short for its TCP/UDP/ICMP header
//    (kIpFragment), options whose length byte is missing, < 2 or past the header
//    (kIpOptionsMalformed), an unfragmented datagram too short for its TCP/UDP/ICMP header or a TCP
//    data offset < 5 (kL4Short). Options are otherwise accepted and skipped; ip_options tells pf
//    that the header has any (pf drops them unless the rule says allow-opts). A destination of
//    255.255.255.255 or a multicast group parses fine: the caller decides.
//  - IPv6: the fixed header only (kIpShort, kIpVersion, kIpTotalLength); l3 = kIpv6.
//  - ARP: Ethernet/IPv4, request or reply, 28 bytes, else kArpMalformed.
//  - anything else: returns true with l3 = kOther.
// A frame shorter than the Ethernet header or its VLAN tag fails with kEthShort. Bytes past the IP
// datagram (Ethernet padding) are allowed and ignored. Returns true and fills every field of info,
// or false with why set (info is then partially filled and must not be used).
bool parse_frame(std::span<const std::byte> frame, PacketInfo& info, DropReason& why) noexcept;

}  // namespace dpf::net
