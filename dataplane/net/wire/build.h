// Header builders: each write_* fills one header of the layouts in headers.h (multi-byte fields
// in network order from host-order arguments), and the frame builders put whole Ethernet frames
// into a caller buffer: the ARP frame the node and CARP send, and the Ethernet + IPv4 headers in
// front of a pfsync or CARP payload. Any thread; no allocation, no exceptions. Addresses are in
// host byte order unless they are byte arrays (MAC, IPv6).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/wire/headers.h"
#include "dataplane/net/wire/mac.h"

namespace dpf::wire {

void write_ether(EtherHdr& eth, const MacAddr& src, const MacAddr& dst, uint16_t type) noexcept;
// `tci`: priority, DEI and VLAN ID as one 16-bit value; `type`: the encapsulated EtherType.
void write_vlan(VlanHdr& vlan, uint16_t tci, uint16_t type) noexcept;
// Ethernet/IPv4 ARP body (RFC 826): hlen 6, plen 4.
void write_arp(ArpHdr& arp, uint16_t op, const MacAddr& sha, uint32_t spa, const MacAddr& tha,
               uint32_t tpa) noexcept;

// What varies between the IPv4 headers dpf sends; the rest is fixed: version 4, IHL 5 (no
// options).
struct Ipv4Params {
  uint32_t src = 0;
  uint32_t dst = 0;
  uint8_t proto = 0;
  uint8_t tos = 0;
  uint8_t ttl = kIpv4DefaultTtl;
  uint16_t id = 0;
  uint16_t frag_off = 0;  // flags and offset, e.g. kIpv4FlagDf
};
// An option-less IPv4 header for a `payload_len`-byte payload, header checksum filled in.
// Precondition: payload_len <= kIpv4MaxDatagram - sizeof(Ipv4Hdr).
void write_ipv4(Ipv4Hdr& ip, const Ipv4Params& p, size_t payload_len) noexcept;
// The IPv6 fixed header (RFC 8200 §3), no extension headers.
void write_ipv6(Ipv6Hdr& ip, const std::array<uint8_t, 16>& src, const std::array<uint8_t, 16>& dst,
                uint8_t next_hdr, size_t payload_len, uint8_t hop_limit = kIpv4DefaultTtl,
                uint8_t traffic_class = 0, uint32_t flow_label = 0) noexcept;

// The L4 headers are written with a zero checksum: the caller fills it in once the payload is in
// place (inet_checksum, l4_checksum_ipv4, l4_checksum_ipv6).
// `rest`: the 4 bytes after the checksum (identifier and sequence, a pointer, an MTU).
void write_icmp(IcmpHdr& icmp, uint8_t type, uint8_t code, uint32_t rest) noexcept;
void write_icmpv6(Icmpv6Hdr& icmp, uint8_t type, uint8_t code, uint32_t rest) noexcept;
// A 20-byte TCP header (data offset 5), urgent pointer 0.
void write_tcp(TcpHdr& tcp, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
               uint8_t flags, uint16_t win) noexcept;
// `len`: header + payload, bytes.
void write_udp(UdpHdr& udp, uint16_t sport, uint16_t dport, uint16_t len) noexcept;

// ---- Whole frames ----------------------------------------------------------------------------

// Untagged Ethernet + ARP: 42 bytes (the NIC pads to the 60-byte minimum).
inline constexpr size_t kArpFrameLen = sizeof(EtherHdr) + sizeof(ArpHdr);
// Untagged Ethernet + option-less IPv4: the headers in front of a pfsync or CARP payload.
inline constexpr size_t kEtherIpv4Len = sizeof(EtherHdr) + sizeof(Ipv4Hdr);

// An ARP frame (RFC 826): `op` is kArpOpRequest or kArpOpReply; `dst_mac` is the Ethernet
// destination (broadcast for a request), `target_mac` the ARP target hardware address (zero in a
// request). Returns kArpFrameLen, or 0 when `out` is too small.
size_t build_arp_frame(std::span<std::byte> out, uint16_t op, const MacAddr& src_mac,
                       uint32_t src_ip, const MacAddr& dst_mac, const MacAddr& target_mac,
                       uint32_t target_ip) noexcept;

// The Ethernet (type IPv4) and IPv4 headers in front of a `payload_len`-byte payload, written at
// the start of `out`, header checksum filled in. Returns kEtherIpv4Len, or 0 when `out` is too
// small or the payload does not fit one IPv4 datagram.
size_t build_ether_ipv4(std::span<std::byte> out, const MacAddr& src_mac, const MacAddr& dst_mac,
                        const Ipv4Params& ip, size_t payload_len) noexcept;

}  // namespace dpf::wire
