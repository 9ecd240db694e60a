// Packet builders (see build.h for the contracts).
#include "dataplane/net/build.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "dataplane/net/wire/build.h"
#include "dataplane/net/wire/checksum.h"

namespace dpf::net {
namespace {

constexpr size_t kL4Off = sizeof(wire::EtherHdr) + sizeof(wire::Ipv4Hdr);
// Precedence 6, "internetwork control" (RFC 1812 §4.3.2.5, RFC 791 §3.1).
constexpr uint8_t kTosInternetworkControl = 0xc0;

constexpr bool ipv4_is_unicast(uint32_t a) noexcept {
  return !wire::ipv4_is_zero_net(a) && !wire::ipv4_is_loopback(a) && !wire::ipv4_is_multicast(a) &&
         !wire::ipv4_is_class_e(a);
}

// Bytes of the offending datagram worth quoting: its header and data up to its total length (the
// caller may pass Ethernet padding too), or 0 if it is not an IPv4 datagram with a whole header.
size_t offending_len(std::span<const std::byte> dgram) noexcept {
  const wire::Ipv4Hdr* ip = wire::header_at<wire::Ipv4Hdr>(dgram, 0);
  if (ip == nullptr || ip->version() != 4) return 0;
  const size_t hl = ip->header_len();
  if (hl < wire::kIpv4MinHdr || hl > dgram.size()) return 0;
  const size_t total = ip->total_len.get();
  return total >= hl ? std::min(total, dgram.size()) : dgram.size();
}

// True when every byte of an ICMP message other than its checksum field (bytes 2 and 3) is zero.
bool all_zero_but_checksum(std::span<const std::byte> icmp) noexcept {
  for (size_t i = 0; i < icmp.size(); ++i)
    if (i != 2 && i != 3 && icmp[i] != std::byte{0}) return false;
  return true;
}

}  // namespace

bool icmp_error_allowed(const PacketInfo& info) noexcept {
  if (info.l3 != L3Kind::kIpv4 || !info.first_fragment) return false;
  if (info.l2_broadcast || info.l2_multicast) return false;
  if (info.dst == wire::kIpv4Broadcast || wire::ipv4_is_multicast(info.dst)) return false;
  if (!ipv4_is_unicast(info.src)) return false;
  if (info.proto == wire::kIpProtoIcmp && (!info.l4_valid || !wire::icmp_is_query(info.icmp_type)))
    return false;
  return true;
}

size_t build_icmp_error(std::span<std::byte> out, const wire::MacAddr& src_mac,
                        const wire::MacAddr& dst_mac, uint32_t src_ip,
                        std::span<const std::byte> offending_ip_datagram, uint8_t type,
                        uint8_t code, uint32_t rest_of_header) noexcept {
  const size_t avail = offending_len(offending_ip_datagram);
  if (avail == 0) return 0;
  constexpr size_t kHdrs = sizeof(wire::Ipv4Hdr) + sizeof(wire::IcmpHdr);
  const size_t quote = std::min(avail, kIcmpErrorMaxIpLen - kHdrs);
  const size_t frame_len = sizeof(wire::EtherHdr) + kHdrs + quote;
  if (out.size() < frame_len) return 0;
  const uint32_t dst_ip = wire::header_at<wire::Ipv4Hdr>(offending_ip_datagram, 0)->src.get();
  // The quote goes first, with memmove: `out` may be the very buffer holding the offending frame.
  std::memmove(out.data() + kL4Off + sizeof(wire::IcmpHdr), offending_ip_datagram.data(), quote);

  wire::Ipv4Params ip{.src = src_ip, .dst = dst_ip, .proto = wire::kIpProtoIcmp};
  ip.tos = kTosInternetworkControl;
  wire::build_ether_ipv4(out, src_mac, dst_mac, ip, sizeof(wire::IcmpHdr) + quote);
  wire::IcmpHdr& icmp = *wire::header_at<wire::IcmpHdr>(out, kL4Off);
  wire::write_icmp(icmp, type, code, rest_of_header);
  icmp.check.set(wire::inet_checksum(out.subspan(kL4Off, sizeof(wire::IcmpHdr) + quote)));
  return frame_len;
}

bool make_echo_reply_in_place(std::span<std::byte> frame, const PacketInfo& info) noexcept {
  if (info.l3 != L3Kind::kIpv4 || info.proto != wire::kIpProtoIcmp ||
      info.icmp_type != wire::kIcmpEcho || !info.l4_valid || info.fragment || info.l2_broadcast ||
      info.l2_multicast || !ipv4_is_unicast(info.dst) || info.l4_len < sizeof(wire::IcmpHdr))
    return false;
  if (size_t{info.l4_off} + info.l4_len > frame.size() || info.l3_len < wire::kIpv4MinHdr ||
      size_t{info.l3_off} + info.l3_len != info.l4_off)
    return false;
  const std::span<std::byte> icmp_bytes = frame.subspan(info.l4_off, info.l4_len);
  if (wire::inet_checksum(icmp_bytes) != 0) return false;
  wire::EtherHdr& eth = *wire::header_at<wire::EtherHdr>(frame, 0);
  wire::Ipv4Hdr& ip = *wire::header_at<wire::Ipv4Hdr>(frame, info.l3_off);
  wire::IcmpHdr& icmp = *wire::header_at<wire::IcmpHdr>(frame, info.l4_off);
  if (ip.version() != 4 || ip.header_len() != info.l3_len || icmp.type != wire::kIcmpEcho)
    return false;

  std::swap(eth.src, eth.dst);
  std::swap(ip.src, ip.dst);
  ip.ttl = wire::kIpv4DefaultTtl;
  ip.check.set(0);
  ip.check.set(wire::inet_checksum(frame.subspan(info.l3_off, info.l3_len)));
  const uint16_t old_word = static_cast<uint16_t>(icmp.type << 8 | icmp.code);
  icmp.type = wire::kIcmpEchoReply;
  uint16_t check = wire::checksum_adjust16(icmp.check.get(), old_word, icmp.code);
  // RFC 1624 eqn. 3 yields 0x0000 whenever the new sum is zero in one's complement, but a full
  // computation gives 0xffff when every word is zero (the sum is +0, not -0): an all-zero echo
  // reply (type 0, code 0, id 0, seq 0, zero data). Only a zero result needs the extra look.
  if (check == 0 && all_zero_but_checksum(icmp_bytes)) check = 0xffff;
  icmp.check.set(check);
  return true;
}

size_t build_tcp_rst(std::span<std::byte> out, const wire::MacAddr& src_mac,
                     const wire::MacAddr& dst_mac, const PacketInfo& info) noexcept {
  if (info.l3 != L3Kind::kIpv4 || info.proto != wire::kIpProtoTcp || !info.l4_valid ||
      info.fragment || (info.tcp_flags & wire::kTcpRst) != 0 ||
      info.tcp_hdr_len < wire::kTcpMinHdr || info.tcp_hdr_len > info.l4_len ||
      !ipv4_is_unicast(info.src) || !ipv4_is_unicast(info.dst))
    return 0;
  if (out.size() < kTcpRstFrameLen) return 0;
  wire::build_ether_ipv4(out, src_mac, dst_mac,
                         {.src = info.dst, .dst = info.src, .proto = wire::kIpProtoTcp},
                         sizeof(wire::TcpHdr));
  wire::TcpHdr& th = *wire::header_at<wire::TcpHdr>(out, kL4Off);
  if ((info.tcp_flags & wire::kTcpAck) != 0) {
    wire::write_tcp(th, info.dport, info.sport, info.tcp_ack, 0, wire::kTcpRst, 0);
  } else {
    uint32_t seg_len = uint32_t{info.l4_len} - info.tcp_hdr_len;
    if ((info.tcp_flags & wire::kTcpSyn) != 0) ++seg_len;
    if ((info.tcp_flags & wire::kTcpFin) != 0) ++seg_len;
    wire::write_tcp(th, info.dport, info.sport, 0, info.tcp_seq + seg_len,
                    wire::kTcpRst | wire::kTcpAck, 0);
  }
  th.check.set(wire::l4_checksum_ipv4(info.dst, info.src, wire::kIpProtoTcp,
                                      out.subspan(kL4Off, sizeof(wire::TcpHdr))));
  return kTcpRstFrameLen;
}

}  // namespace dpf::net
