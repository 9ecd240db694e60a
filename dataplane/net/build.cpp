// Packet builders (see build.h for the contracts).
#include "dataplane/net/build.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>

#include "dataplane/net/checksum.h"

namespace dpf::net {
namespace {

constexpr size_t kIpOff = sizeof(EtherHdr);
constexpr size_t kL4Off = sizeof(EtherHdr) + sizeof(Ipv4Hdr);
// Precedence 6, "internetwork control" (RFC 1812 §4.3.2.5, RFC 791 §3.1).
constexpr uint8_t kTosInternetworkControl = 0xc0;

void write_ether(EtherHdr& eth, const MacAddr& src, const MacAddr& dst, uint16_t type) noexcept {
  eth.dst = dst;
  eth.src = src;
  eth.type.set(type);
}

// A 20-byte IPv4 header without options, TTL 64, ID 0, no fragmentation, checksum filled.
void write_ipv4(Ipv4Hdr& ip, uint8_t tos, size_t total_len, uint8_t proto, uint32_t src,
                uint32_t dst) noexcept {
  ip.ver_ihl = 0x45;
  ip.tos = tos;
  ip.total_len.set(static_cast<uint16_t>(total_len));
  ip.id.set(0);
  ip.frag_off.set(0);
  ip.ttl = kIpv4DefaultTtl;
  ip.proto = proto;
  ip.check.set(0);
  ip.src.set(src);
  ip.dst.set(dst);
  const auto bytes = std::as_bytes(std::span<const Ipv4Hdr, 1>(&ip, 1));
  ip.check.set(inet_checksum(bytes));
}

constexpr bool ipv4_is_unicast(uint32_t a) noexcept {
  return !ipv4_is_zero_net(a) && !ipv4_is_loopback(a) && !ipv4_is_multicast(a) &&
         !ipv4_is_class_e(a);
}

// Bytes of the offending datagram worth quoting: its header and data up to its total length (the
// caller may pass Ethernet padding too), or 0 if it is not an IPv4 datagram with a whole header.
size_t offending_len(std::span<const std::byte> dgram) noexcept {
  const Ipv4Hdr* ip = header_at<Ipv4Hdr>(dgram, 0);
  if (ip == nullptr || ip->version() != 4) return 0;
  const size_t hl = ip->header_len();
  if (hl < kIpv4MinHdr || hl > dgram.size()) return 0;
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

size_t build_arp(std::span<std::byte> out, uint16_t op, const MacAddr& src_mac, uint32_t src_ip,
                 const MacAddr& dst_mac, const MacAddr& target_mac, uint32_t target_ip) noexcept {
  if (out.size() < kArpFrameLen) return 0;
  write_ether(*header_at<EtherHdr>(out, 0), src_mac, dst_mac, kEtherTypeArp);
  ArpHdr& arp = *header_at<ArpHdr>(out, sizeof(EtherHdr));
  arp.htype.set(kArpHtypeEther);
  arp.ptype.set(kEtherTypeIpv4);
  arp.hlen = sizeof(MacAddr);
  arp.plen = 4;
  arp.op.set(op);
  arp.sha = src_mac;
  arp.spa.set(src_ip);
  arp.tha = target_mac;
  arp.tpa.set(target_ip);
  return kArpFrameLen;
}

bool icmp_error_allowed(const PacketInfo& info) noexcept {
  if (info.l3 != L3Kind::kIpv4 || !info.first_fragment) return false;
  if (info.l2_broadcast || info.l2_multicast) return false;
  if (info.dst == kIpv4Broadcast || ipv4_is_multicast(info.dst)) return false;
  if (!ipv4_is_unicast(info.src)) return false;
  if (info.proto == kIpProtoIcmp && (!info.l4_valid || !icmp_is_query(info.icmp_type)))
    return false;
  return true;
}

size_t build_icmp_error(std::span<std::byte> out, const MacAddr& src_mac, const MacAddr& dst_mac,
                        uint32_t src_ip, std::span<const std::byte> offending_ip_datagram,
                        uint8_t type, uint8_t code, uint32_t rest_of_header) noexcept {
  const size_t avail = offending_len(offending_ip_datagram);
  if (avail == 0) return 0;
  constexpr size_t kHdrs = sizeof(Ipv4Hdr) + sizeof(IcmpHdr);
  const size_t quote = std::min(avail, kIcmpErrorMaxIpLen - kHdrs);
  const size_t frame_len = sizeof(EtherHdr) + kHdrs + quote;
  if (out.size() < frame_len) return 0;
  const uint32_t dst_ip = header_at<Ipv4Hdr>(offending_ip_datagram, 0)->src.get();
  // The quote goes first, with memmove: `out` may be the very buffer holding the offending frame.
  std::memmove(out.data() + kL4Off + sizeof(IcmpHdr), offending_ip_datagram.data(), quote);

  write_ether(*header_at<EtherHdr>(out, 0), src_mac, dst_mac, kEtherTypeIpv4);
  write_ipv4(*header_at<Ipv4Hdr>(out, kIpOff), kTosInternetworkControl, kHdrs + quote, kIpProtoIcmp,
             src_ip, dst_ip);
  IcmpHdr& icmp = *header_at<IcmpHdr>(out, kL4Off);
  icmp.type = type;
  icmp.code = code;
  icmp.check.set(0);
  icmp.id.set(static_cast<uint16_t>(rest_of_header >> 16));
  icmp.seq.set(static_cast<uint16_t>(rest_of_header));
  icmp.check.set(inet_checksum(out.subspan(kL4Off, sizeof(IcmpHdr) + quote)));
  return frame_len;
}

bool make_echo_reply_in_place(std::span<std::byte> frame, const PacketInfo& info) noexcept {
  if (info.l3 != L3Kind::kIpv4 || info.proto != kIpProtoIcmp || info.icmp_type != kIcmpEcho ||
      !info.l4_valid || info.fragment || info.l2_broadcast || info.l2_multicast ||
      !ipv4_is_unicast(info.dst) || info.l4_len < sizeof(IcmpHdr))
    return false;
  if (size_t{info.l4_off} + info.l4_len > frame.size() || info.l3_len < kIpv4MinHdr ||
      size_t{info.l3_off} + info.l3_len != info.l4_off)
    return false;
  const std::span<std::byte> icmp_bytes = frame.subspan(info.l4_off, info.l4_len);
  if (inet_checksum(icmp_bytes) != 0) return false;
  EtherHdr& eth = *header_at<EtherHdr>(frame, 0);
  Ipv4Hdr& ip = *header_at<Ipv4Hdr>(frame, info.l3_off);
  IcmpHdr& icmp = *header_at<IcmpHdr>(frame, info.l4_off);
  if (ip.version() != 4 || ip.header_len() != info.l3_len || icmp.type != kIcmpEcho) return false;

  std::swap(eth.src, eth.dst);
  std::swap(ip.src, ip.dst);
  ip.ttl = kIpv4DefaultTtl;
  ip.check.set(0);
  ip.check.set(inet_checksum(frame.subspan(info.l3_off, info.l3_len)));
  const uint16_t old_word = static_cast<uint16_t>(icmp.type << 8 | icmp.code);
  icmp.type = kIcmpEchoReply;
  uint16_t check = checksum_adjust16(icmp.check.get(), old_word, icmp.code);
  // RFC 1624 eqn. 3 yields 0x0000 whenever the new sum is zero in one's complement, but a full
  // computation gives 0xffff when every word is zero (the sum is +0, not -0): an all-zero echo
  // reply (type 0, code 0, id 0, seq 0, zero data). Only a zero result needs the extra look.
  if (check == 0 && all_zero_but_checksum(icmp_bytes)) check = 0xffff;
  icmp.check.set(check);
  return true;
}

size_t build_tcp_rst(std::span<std::byte> out, const MacAddr& src_mac, const MacAddr& dst_mac,
                     const PacketInfo& info) noexcept {
  if (info.l3 != L3Kind::kIpv4 || info.proto != kIpProtoTcp || !info.l4_valid || info.fragment ||
      (info.tcp_flags & kTcpRst) != 0 || info.tcp_hdr_len < kTcpMinHdr ||
      info.tcp_hdr_len > info.l4_len || !ipv4_is_unicast(info.src) || !ipv4_is_unicast(info.dst))
    return 0;
  if (out.size() < kTcpRstFrameLen) return 0;
  write_ether(*header_at<EtherHdr>(out, 0), src_mac, dst_mac, kEtherTypeIpv4);
  write_ipv4(*header_at<Ipv4Hdr>(out, kIpOff), 0, sizeof(Ipv4Hdr) + sizeof(TcpHdr), kIpProtoTcp,
             info.dst, info.src);
  TcpHdr& th = *header_at<TcpHdr>(out, kL4Off);
  th.sport.set(info.dport);
  th.dport.set(info.sport);
  if ((info.tcp_flags & kTcpAck) != 0) {
    th.seq.set(info.tcp_ack);
    th.ack.set(0);
    th.flags = kTcpRst;
  } else {
    uint32_t seg_len = uint32_t{info.l4_len} - info.tcp_hdr_len;
    if ((info.tcp_flags & kTcpSyn) != 0) ++seg_len;
    if ((info.tcp_flags & kTcpFin) != 0) ++seg_len;
    th.seq.set(0);
    th.ack.set(info.tcp_seq + seg_len);
    th.flags = kTcpRst | kTcpAck;
  }
  th.data_off = (sizeof(TcpHdr) / 4) << 4;
  th.win.set(0);
  th.check.set(0);
  th.urp.set(0);
  th.check.set(
      l4_checksum_ipv4(info.dst, info.src, kIpProtoTcp, out.subspan(kL4Off, sizeof(TcpHdr))));
  return kTcpRstFrameLen;
}

std::string format_mac(const MacAddr& m) {
  char b[18];
  std::snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return b;
}

}  // namespace dpf::net
