// Protocol constants and wire layouts for Ethernet (+802.1Q), ARP, IPv4, IPv6, ICMP, ICMPv6, UDP
// and TCP: the one set of IP protocol numbers and TCP flags for the node, state, filter, pfsync
// and CARP.
// Every struct has alignment 1 and endian-tagged multi-byte fields, so a view may sit at any
// offset of a frame. Any thread may use these; nothing here allocates. Obtain views only through
// header_at(), which checks the bytes present first.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "dataplane/net/wire/be.h"
#include "dataplane/net/wire/mac.h"

namespace dpf::wire {

// ---------------------------------------------------------------------------------------------
// Ethernet II (IEEE 802.3 clause 3, RFC 894). FCS is not part of the frame we see.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                 destination MAC (6 bytes) ...                 |
//  +                               +-------------------------------+
//  |                               |                               |
//  +-------------------------------+                               +
//  |                    source MAC (6 bytes) ...                   |
//  +-------------------------------+-------------------------------+
//  |           EtherType           |
//  +-------------------------------+
inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;  // IEEE 802.1Q C-tag TPID
inline constexpr size_t kEtherMinFrame = 60;        // minimum frame without FCS (802.3 §4.4.2)

struct EtherHdr {
  MacAddr dst;
  MacAddr src;
  be16 type;
};
static_assert(sizeof(EtherHdr) == 14);
static_assert(offsetof(EtherHdr, src) == 6 && offsetof(EtherHdr, type) == 12);

// IEEE 802.1Q tag: follows the source MAC when EtherHdr::type == kEtherTypeVlan.
//  +-----+-+-----------------------+-------------------------------+
//  | PCP |D|        VLAN ID        |     encapsulated EtherType    |
//  +-----+-+-----------------------+-------------------------------+
struct VlanHdr {
  be16 tci;  // priority (3 bits), DEI (1 bit), VLAN ID (12 bits)
  be16 type;
};
static_assert(sizeof(VlanHdr) == 4 && offsetof(VlanHdr, type) == 2);
inline constexpr uint16_t kVlanIdMask = 0x0fff;

// ---------------------------------------------------------------------------------------------
// ARP for Ethernet/IPv4 (RFC 826; sizes fixed by hlen = 6, plen = 4).
//
//  +-------------------------------+-------------------------------+
//  |   hardware type (1 = Ether)   |   protocol type (0x0800)      |
//  +---------------+---------------+-------------------------------+
//  |  hlen (6)     |   plen (4)    |   operation (1 req, 2 reply)  |
//  +---------------+---------------+-------------------------------+
//  |            sender hardware address (6) ...                   |
//  +-------------------------------+-------------------------------+
//  |   ... sender protocol address (4)                             |
//  +-------------------------------+-------------------------------+
//  |            target hardware address (6) ...                    |
//  +-------------------------------+-------------------------------+
//  |   ... target protocol address (4)                             |
//  +---------------------------------------------------------------+
inline constexpr uint16_t kArpHtypeEther = 1;
inline constexpr uint16_t kArpOpRequest = 1;
inline constexpr uint16_t kArpOpReply = 2;

struct ArpHdr {
  be16 htype;
  be16 ptype;
  uint8_t hlen;
  uint8_t plen;
  be16 op;
  MacAddr sha;
  be32 spa;
  MacAddr tha;
  be32 tpa;
};
static_assert(sizeof(ArpHdr) == 28);
static_assert(offsetof(ArpHdr, op) == 6 && offsetof(ArpHdr, sha) == 8);
static_assert(offsetof(ArpHdr, spa) == 14 && offsetof(ArpHdr, tha) == 18);
static_assert(offsetof(ArpHdr, tpa) == 24);

// ---------------------------------------------------------------------------------------------
// IPv4 (RFC 791 §3.1).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version|  IHL  |Type of Service|          Total Length         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |         Identification        |Flags|      Fragment Offset    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Time to Live |    Protocol   |         Header Checksum       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                       Source Address                          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Destination Address                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Options (IHL > 5)          |    Padding    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
inline constexpr uint8_t kIpProtoIcmp = 1;
inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr uint8_t kIpProtoUdp = 17;
inline constexpr uint8_t kIpProtoIcmpv6 = 58;   // RFC 8200 §4 / RFC 4443
inline constexpr uint8_t kIpProtoCarp = 112;    // RFC 5798 number reused by CARP (OpenBSD)
inline constexpr uint8_t kIpProtoPfsync = 240;  // pfsync(4)

inline constexpr uint16_t kIpv4FlagDf = 0x4000;       // don't fragment
inline constexpr uint16_t kIpv4FlagMf = 0x2000;       // more fragments
inline constexpr uint16_t kIpv4FragOffMask = 0x1fff;  // in units of 8 bytes
inline constexpr size_t kIpv4MinHdr = 20;
inline constexpr size_t kIpv4MaxHdr = 60;
inline constexpr uint8_t kIpv4DefaultTtl = 64;
inline constexpr size_t kIpv4MaxDatagram = 65535;
// IPv4 option kinds with no length byte (RFC 791 §3.1 "Options").
inline constexpr uint8_t kIpOptEol = 0;
inline constexpr uint8_t kIpOptNop = 1;

struct Ipv4Hdr {
  uint8_t ver_ihl;  // version (high nibble), header length in 32-bit words (low nibble)
  uint8_t tos;
  be16 total_len;
  be16 id;
  be16 frag_off;  // flags (3 high bits) and offset in 8-byte units
  uint8_t ttl;
  uint8_t proto;
  be16 check;
  be32 src;
  be32 dst;

  constexpr uint8_t version() const noexcept { return ver_ihl >> 4; }
  constexpr size_t header_len() const noexcept { return size_t{ver_ihl & 0x0fu} * 4; }
};
static_assert(sizeof(Ipv4Hdr) == 20);
static_assert(offsetof(Ipv4Hdr, total_len) == 2 && offsetof(Ipv4Hdr, frag_off) == 6);
static_assert(offsetof(Ipv4Hdr, ttl) == 8 && offsetof(Ipv4Hdr, check) == 10);
static_assert(offsetof(Ipv4Hdr, src) == 12 && offsetof(Ipv4Hdr, dst) == 16);

// IPv4 address helpers, host byte order. Ranges per RFC 1812 §4.2.2.11 and §5.3.7.
inline constexpr uint32_t kIpv4Broadcast = 0xffffffffu;
constexpr bool ipv4_is_multicast(uint32_t a) noexcept {
  return (a >> 28) == 0xe;
}  // 224/4
constexpr bool ipv4_is_class_e(uint32_t a) noexcept {
  return (a >> 28) == 0xf;
}  // 240/4
constexpr bool ipv4_is_loopback(uint32_t a) noexcept {
  return (a >> 24) == 127;
}  // 127/8
constexpr bool ipv4_is_zero_net(uint32_t a) noexcept {
  return (a >> 24) == 0;
}  // 0/8

// ---------------------------------------------------------------------------------------------
// IPv6 fixed header (RFC 8200 §3). Extension headers are not parsed here.
//
//  +-------+---------------+---------------------------------------+
//  |Version| Traffic Class |              Flow Label               |
//  +-------+---------------+-------+---------------+---------------+
//  |         Payload Length        |  Next Header  |   Hop Limit   |
//  +-------------------------------+---------------+---------------+
//  |                  Source Address (16 bytes)                    |
//  +---------------------------------------------------------------+
//  |                Destination Address (16 bytes)                 |
//  +---------------------------------------------------------------+
struct Ipv6Hdr {
  be32 vtc_flow;  // version (4 bits), traffic class (8), flow label (20)
  be16 payload_len;
  uint8_t next_hdr;
  uint8_t hop_limit;
  std::array<uint8_t, 16> src;
  std::array<uint8_t, 16> dst;
};
static_assert(sizeof(Ipv6Hdr) == 40);
static_assert(offsetof(Ipv6Hdr, next_hdr) == 6 && offsetof(Ipv6Hdr, src) == 8);
static_assert(offsetof(Ipv6Hdr, dst) == 24);

// ---------------------------------------------------------------------------------------------
// ICMP (RFC 792). The 4 bytes after the checksum are the identifier and sequence number of a
// query, or the "rest of header" of an error (unused, a pointer, or a next-hop MTU, RFC 1191).
//
//  +---------------+---------------+-------------------------------+
//  |     Type      |     Code      |           Checksum            |
//  +---------------+---------------+-------------------------------+
//  |     Identifier (query)        |     Sequence Number (query)   |
//  +-------------------------------+-------------------------------+
//  |  error: the offending IP header + leading data / query: data  |
//  +---------------------------------------------------------------+
inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpUnreach = 3;
inline constexpr uint8_t kIcmpSourceQuench = 4;
inline constexpr uint8_t kIcmpRedirect = 5;
inline constexpr uint8_t kIcmpEcho = 8;
inline constexpr uint8_t kIcmpRouterAdvert = 9;
inline constexpr uint8_t kIcmpRouterSolicit = 10;
inline constexpr uint8_t kIcmpTimeExceeded = 11;
inline constexpr uint8_t kIcmpParamProblem = 12;
inline constexpr uint8_t kIcmpTimestamp = 13;
inline constexpr uint8_t kIcmpTimestampReply = 14;
inline constexpr uint8_t kIcmpInfoRequest = 15;
inline constexpr uint8_t kIcmpInfoReply = 16;
inline constexpr uint8_t kIcmpMaskRequest = 17;
inline constexpr uint8_t kIcmpMaskReply = 18;
// Codes (RFC 792, RFC 1812 §5.2.7.1).
inline constexpr uint8_t kIcmpUnreachNet = 0;
inline constexpr uint8_t kIcmpUnreachHost = 1;
inline constexpr uint8_t kIcmpUnreachProto = 2;
inline constexpr uint8_t kIcmpUnreachPort = 3;
inline constexpr uint8_t kIcmpUnreachNeedFrag = 4;
inline constexpr uint8_t kIcmpUnreachAdminProhibited = 13;
inline constexpr uint8_t kIcmpTimeExceededTtl = 0;
inline constexpr uint8_t kIcmpTimeExceededReassembly = 1;

// True for the types that carry an identifier and are answered or tracked as queries
// (pf treats their id as the "port" of the state).
constexpr bool icmp_is_query(uint8_t type) noexcept {
  switch (type) {
    case kIcmpEchoReply:
    case kIcmpEcho:
    case kIcmpRouterAdvert:
    case kIcmpRouterSolicit:
    case kIcmpTimestamp:
    case kIcmpTimestampReply:
    case kIcmpInfoRequest:
    case kIcmpInfoReply:
    case kIcmpMaskRequest:
    case kIcmpMaskReply:
      return true;
    default:
      return false;
  }
}

struct IcmpHdr {
  uint8_t type;
  uint8_t code;
  be16 check;
  be16 id;   // query identifier, or the high half of the error's rest-of-header
  be16 seq;  // query sequence number, or the low half of the error's rest-of-header
};
static_assert(sizeof(IcmpHdr) == 8);
static_assert(offsetof(IcmpHdr, check) == 2 && offsetof(IcmpHdr, id) == 4);

// ---------------------------------------------------------------------------------------------
// ICMPv6 (RFC 4443 §2.1): the same 4-byte head as ICMP, then a type-specific 4 bytes (echo
// identifier and sequence, an MTU, a pointer). Its checksum covers the IPv6 pseudo-header
// (RFC 8200 §8.1, checksum.h ipv6_pseudo_sum).
inline constexpr uint8_t kIcmpv6Unreach = 1;
inline constexpr uint8_t kIcmpv6PacketTooBig = 2;
inline constexpr uint8_t kIcmpv6TimeExceeded = 3;
inline constexpr uint8_t kIcmpv6ParamProblem = 4;
inline constexpr uint8_t kIcmpv6EchoRequest = 128;
inline constexpr uint8_t kIcmpv6EchoReply = 129;
inline constexpr uint8_t kIcmpv6NeighborSolicit = 135;  // RFC 4861 §4.3
inline constexpr uint8_t kIcmpv6NeighborAdvert = 136;   // RFC 4861 §4.4

struct Icmpv6Hdr {
  uint8_t type;
  uint8_t code;
  be16 check;
  be16 id;   // echo identifier, or the high half of the message body's first word
  be16 seq;  // echo sequence number, or its low half
};
static_assert(sizeof(Icmpv6Hdr) == 8);
static_assert(offsetof(Icmpv6Hdr, check) == 2 && offsetof(Icmpv6Hdr, id) == 4);

// ---------------------------------------------------------------------------------------------
// UDP (RFC 768). A zero checksum means "not computed"; a computed zero is sent as 0xffff.
//
//  +-------------------------------+-------------------------------+
//  |          Source Port          |       Destination Port        |
//  +-------------------------------+-------------------------------+
//  |            Length             |           Checksum            |
//  +-------------------------------+-------------------------------+
struct UdpHdr {
  be16 sport;
  be16 dport;
  be16 len;  // header + payload, bytes
  be16 check;
};
static_assert(sizeof(UdpHdr) == 8 && offsetof(UdpHdr, check) == 6);

// ---------------------------------------------------------------------------------------------
// TCP (RFC 793 §3.1, RFC 3168 for ECE/CWR).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |          Source Port          |       Destination Port        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                        Sequence Number                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Acknowledgment Number                      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Data |       |C|E|U|A|P|R|S|F|                               |
//  | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
//  |       |       |R|E|G|K|H|T|N|N|                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           Checksum            |         Urgent Pointer        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Options (data offset > 5)                  |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
struct TcpHdr {
  be16 sport;
  be16 dport;
  be32 seq;
  be32 ack;
  uint8_t data_off;  // header length in 32-bit words (high nibble); low nibble reserved
  uint8_t flags;     // kTcpFin ... kTcpCwr
  be16 win;
  be16 check;
  be16 urp;

  constexpr size_t header_len() const noexcept { return static_cast<size_t>(data_off >> 4) * 4; }
};
static_assert(sizeof(TcpHdr) == 20);
static_assert(offsetof(TcpHdr, seq) == 4 && offsetof(TcpHdr, ack) == 8);
static_assert(offsetof(TcpHdr, data_off) == 12 && offsetof(TcpHdr, flags) == 13);
static_assert(offsetof(TcpHdr, win) == 14 && offsetof(TcpHdr, check) == 16);
inline constexpr size_t kTcpMinHdr = sizeof(TcpHdr);  // data offset 5

// TcpHdr::flags bits.
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;
inline constexpr uint8_t kTcpUrg = 0x20;
inline constexpr uint8_t kTcpEce = 0x40;
inline constexpr uint8_t kTcpCwr = 0x80;

// ---------------------------------------------------------------------------------------------
// Bounds-checked views. Return nullptr unless sizeof(T) bytes exist at `off`. The layouts above
// have alignment 1, so any offset is valid.
template <class T>
concept WireHeader = std::is_trivially_copyable_v<T> && alignof(T) == 1;

template <WireHeader T>
inline const T* header_at(std::span<const std::byte> b, size_t off) noexcept {
  if (off > b.size() || b.size() - off < sizeof(T)) [[unlikely]]
    return nullptr;
  return reinterpret_cast<const T*>(b.data() + off);
}

template <WireHeader T>
inline T* header_at(std::span<std::byte> b, size_t off) noexcept {
  if (off > b.size() || b.size() - off < sizeof(T)) [[unlikely]]
    return nullptr;
  return reinterpret_cast<T*>(b.data() + off);
}

}  // namespace dpf::wire
