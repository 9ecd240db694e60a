// TCP and UDP checksums a Linux sender left for its NIC to finish. With TX checksum offload on, the
// kernel stores in the checksum field only the folded sum of the pseudo-header (CHECKSUM_PARTIAL)
// and the NIC is meant to add the segment's sum. Over a veth link there is no NIC: af_packet hands
// such packets to the node as they are, and a receiver drops them for their checksum. Pure: no
// DPDK, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/parse.h"
#include "dataplane/net/wire/checksum.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::net {

// Offset of the checksum field in the packet's TCP or UDP header, or 0 when the packet carries
// none this module deals with (not TCP/UDP, a fragment, a header not fully present, IPv6).
inline size_t l4_checksum_offset(const PacketInfo& info) noexcept {
  if (info.l3 != L3Kind::kIpv4 || info.fragment || !info.l4_valid) return 0;
  if (info.proto == wire::kIpProtoTcp) return size_t{info.l4_off} + offsetof(wire::TcpHdr, check);
  if (info.proto == wire::kIpProtoUdp) return size_t{info.l4_off} + offsetof(wire::UdpHdr, check);
  return 0;
}

// Whether a parsed IPv4 TCP or UDP packet's checksum was left for offload: its field holds the
// pseudo-header's folded sum, and the segment does not verify (the field may equal that sum by
// chance in a complete packet, once in 65536). Cheap unless the field matches.
inline bool l4_checksum_left_for_offload(std::span<const std::byte> frame,
                                         const PacketInfo& info) noexcept {
  const size_t at = l4_checksum_offset(info);
  if (at == 0) return false;
  const uint16_t field = static_cast<uint16_t>(std::to_integer<uint16_t>(frame[at]) << 8 |
                                               std::to_integer<uint16_t>(frame[at + 1]));
  if (info.proto == wire::kIpProtoUdp && field == 0) return false;  // no checksum (RFC 768)
  // inet_checksum over nothing is the complement of the folded pseudo-header sum.
  const uint16_t partial = static_cast<uint16_t>(
      ~wire::inet_checksum({}, wire::ipv4_pseudo_sum(info.src, info.dst, info.proto, info.l4_len)));
  if (field != partial) return false;
  const auto l4 = frame.subspan(info.l4_off, info.l4_len);
  return wire::l4_checksum_ipv4(info.src, info.dst, info.proto, l4) != 0;
}

// Writes the full checksum of a packet l4_checksum_left_for_offload found, as the NIC would have.
inline void finish_l4_checksum(std::span<std::byte> frame, const PacketInfo& info) noexcept {
  const size_t at = l4_checksum_offset(info);
  if (at == 0) return;
  frame[at] = frame[at + 1] = std::byte{0};
  uint16_t sum = wire::l4_checksum_ipv4(info.src, info.dst, info.proto,
                                        frame.subspan(info.l4_off, info.l4_len));
  if (sum == 0 && info.proto == wire::kIpProtoUdp) sum = 0xffff;  // RFC 768: 0 means none
  frame[at] = std::byte(sum >> 8);
  frame[at + 1] = std::byte(sum & 0xff);
}

}  // namespace dpf::net
