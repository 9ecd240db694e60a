// Frame parser (see parse.h for the contract and the checks applied).
#include "dataplane/net/parse.h"

#include "dataplane/net/wire/checksum.h"

namespace dpf::net {
namespace {

inline bool fail(DropReason& why, DropReason r) noexcept {
  why = r;
  return false;
}

// Ethernet header and at most one 802.1Q tag; leaves info.ethertype and info.l3_off set.
inline bool parse_l2(std::span<const std::byte> frame, PacketInfo& info, DropReason& why) noexcept {
  const wire::EtherHdr* eth = wire::header_at<wire::EtherHdr>(frame, 0);
  if (eth == nullptr) [[unlikely]]
    return fail(why, DropReason::kEthShort);
  info.l2_broadcast = wire::mac_is_broadcast(eth->dst);
  info.l2_multicast = wire::mac_is_group(eth->dst) && !info.l2_broadcast;
  info.ethertype = eth->type.get();
  info.l3_off = sizeof(wire::EtherHdr);
  if (info.ethertype == wire::kEtherTypeVlan) {
    const wire::VlanHdr* tag = wire::header_at<wire::VlanHdr>(frame, sizeof(wire::EtherHdr));
    if (tag == nullptr) [[unlikely]]
      return fail(why, DropReason::kEthShort);
    info.has_vlan = true;
    info.vlan = tag->tci.get() & wire::kVlanIdMask;
    info.ethertype = tag->type.get();
    info.l3_off = sizeof(wire::EtherHdr) + sizeof(wire::VlanHdr);
  }
  return true;
}

// ARP for Ethernet/IPv4, request or reply (RFC 826).
bool parse_arp(std::span<const std::byte> frame, PacketInfo& info, DropReason& why) noexcept {
  const wire::ArpHdr* arp = wire::header_at<wire::ArpHdr>(frame, info.l3_off);
  if (arp == nullptr || arp->htype.get() != wire::kArpHtypeEther ||
      arp->ptype.get() != wire::kEtherTypeIpv4 || arp->hlen != sizeof(wire::MacAddr) ||
      arp->plen != 4) [[unlikely]]
    return fail(why, DropReason::kArpMalformed);
  const uint16_t op = arp->op.get();
  if (op != wire::kArpOpRequest && op != wire::kArpOpReply) [[unlikely]]
    return fail(why, DropReason::kArpMalformed);
  info.l3 = L3Kind::kArp;
  info.l3_len = sizeof(wire::ArpHdr);
  info.src = arp->spa.get();
  info.dst = arp->tpa.get();
  return true;
}

// IPv6 fixed header only (RFC 8200 §3).
bool parse_ipv6(std::span<const std::byte> frame, PacketInfo& info, DropReason& why) noexcept {
  const wire::Ipv6Hdr* ip6 = wire::header_at<wire::Ipv6Hdr>(frame, info.l3_off);
  if (ip6 == nullptr) [[unlikely]]
    return fail(why, DropReason::kIpShort);
  const uint32_t vtc = ip6->vtc_flow.get();
  if ((vtc >> 28) != 6) [[unlikely]]
    return fail(why, DropReason::kIpVersion);
  const size_t payload = ip6->payload_len.get();
  if (frame.size() - info.l3_off - sizeof(wire::Ipv6Hdr) < payload) [[unlikely]]
    return fail(why, DropReason::kIpTotalLength);
  info.l3 = L3Kind::kIpv6;
  info.l3_len = sizeof(wire::Ipv6Hdr);
  info.ip_total_len =
      static_cast<uint16_t>(sizeof(wire::Ipv6Hdr) + payload);  // payload <= 65535 - 40
  info.l4_off = static_cast<uint16_t>(info.l3_off + sizeof(wire::Ipv6Hdr));
  info.l4_len = static_cast<uint16_t>(payload);
  info.proto = ip6->next_hdr;
  info.ttl = ip6->hop_limit;
  info.tos = static_cast<uint8_t>(vtc >> 20);
  return true;
}

// RFC 791 §3.1 option list: EOL ends it, NOP is one byte, every other option has a length byte
// counting itself and the kind, at least 2, within the header.
bool ipv4_options_ok(std::span<const std::byte> opts) noexcept {
  size_t i = 0;
  while (i < opts.size()) {
    const auto kind = static_cast<uint8_t>(opts[i]);
    if (kind == wire::kIpOptEol) return true;
    if (kind == wire::kIpOptNop) {
      ++i;
      continue;
    }
    if (opts.size() - i < 2) return false;
    const auto len = static_cast<size_t>(opts[i + 1]);
    if (len < 2 || len > opts.size() - i) return false;
    i += len;
  }
  return true;
}

// TCP/UDP/ICMP header of a datagram at fragment offset 0. `l4` holds the L4 bytes this datagram
// carries. A header that does not fit is a tiny fragment when MF is set, a short packet otherwise.
bool parse_l4(std::span<const std::byte> l4, PacketInfo& info, DropReason& why) noexcept {
  const DropReason too_short = info.fragment ? DropReason::kIpFragment : DropReason::kL4Short;
  switch (info.proto) {
    case wire::kIpProtoTcp: {
      const wire::TcpHdr* th = wire::header_at<wire::TcpHdr>(l4, 0);
      if (th == nullptr) [[unlikely]]
        return fail(why, too_short);
      const size_t hl = th->header_len();
      if (hl < wire::kTcpMinHdr) [[unlikely]]
        return fail(why, DropReason::kL4Short);
      if (hl > l4.size()) [[unlikely]]
        return fail(why, too_short);
      info.sport = th->sport.get();
      info.dport = th->dport.get();
      info.tcp_seq = th->seq.get();
      info.tcp_ack = th->ack.get();
      info.tcp_flags = th->flags;
      info.tcp_win = th->win.get();
      info.tcp_hdr_len = static_cast<uint8_t>(hl);
      break;
    }
    case wire::kIpProtoUdp: {
      const wire::UdpHdr* uh = wire::header_at<wire::UdpHdr>(l4, 0);
      if (uh == nullptr) [[unlikely]]
        return fail(why, too_short);
      // The UDP length covers the whole datagram, so it can be checked only when unfragmented.
      const size_t ulen = uh->len.get();
      if (!info.fragment && (ulen < sizeof(wire::UdpHdr) || ulen > l4.size())) [[unlikely]]
        return fail(why, DropReason::kL4Short);
      info.sport = uh->sport.get();
      info.dport = uh->dport.get();
      break;
    }
    case wire::kIpProtoIcmp: {
      const wire::IcmpHdr* ih = wire::header_at<wire::IcmpHdr>(l4, 0);
      if (ih == nullptr) [[unlikely]]
        return fail(why, too_short);
      info.icmp_type = ih->type;
      info.icmp_code = ih->code;
      if (wire::icmp_is_query(ih->type)) info.sport = info.dport = ih->id.get();
      break;
    }
    default:
      break;
  }
  info.l4_valid = true;
  return true;
}

// Length, version, checksum and martian checks of RFC 1812 §5.2.2 / §5.3.7.
bool check_ipv4_header(std::span<const std::byte> frame, const wire::Ipv4Hdr& ip, PacketInfo& info,
                       DropReason& why) noexcept {
  if (ip.version() != 4) [[unlikely]]
    return fail(why, DropReason::kIpVersion);
  const size_t hl = ip.header_len();
  if (hl < wire::kIpv4MinHdr) [[unlikely]]
    return fail(why, DropReason::kIpIhl);
  const size_t present = frame.size() - info.l3_off;
  if (hl > present) [[unlikely]]
    return fail(why, DropReason::kIpShort);
  const size_t total = ip.total_len.get();
  if (total < hl || total > present) [[unlikely]]
    return fail(why, DropReason::kIpTotalLength);
  if (wire::inet_checksum(frame.subspan(info.l3_off, hl)) != 0) [[unlikely]]
    return fail(why, DropReason::kIpChecksum);
  const uint32_t src = ip.src.get();
  const uint32_t dst = ip.dst.get();
  if (wire::ipv4_is_zero_net(src) || wire::ipv4_is_loopback(src) || wire::ipv4_is_multicast(src) ||
      wire::ipv4_is_class_e(src)) [[unlikely]]
    return fail(why, DropReason::kIpBadSource);
  if (wire::ipv4_is_zero_net(dst) || wire::ipv4_is_loopback(dst) ||
      (wire::ipv4_is_class_e(dst) && dst != wire::kIpv4Broadcast)) [[unlikely]]
    return fail(why, DropReason::kIpBadDest);
  info.src = src;
  info.dst = dst;
  info.l3_len = static_cast<uint16_t>(hl);
  // pf_test (FreeBSD pf.c) drops on `ip_hl > 5` alone: a header padded with NOPs counts too.
  info.ip_options = hl > wire::kIpv4MinHdr;
  info.ip_total_len = static_cast<uint16_t>(total);
  return true;
}

bool parse_ipv4(std::span<const std::byte> frame, PacketInfo& info, DropReason& why) noexcept {
  const wire::Ipv4Hdr* ip = wire::header_at<wire::Ipv4Hdr>(frame, info.l3_off);
  if (ip == nullptr) [[unlikely]]
    return fail(why, DropReason::kIpShort);
  if (!check_ipv4_header(frame, *ip, info, why)) [[unlikely]]
    return false;
  info.l3 = L3Kind::kIpv4;
  info.proto = ip->proto;
  info.ttl = ip->ttl;
  info.tos = ip->tos;
  info.l4_off = static_cast<uint16_t>(info.l3_off + info.l3_len);
  info.l4_len = static_cast<uint16_t>(info.ip_total_len - info.l3_len);

  const uint16_t frag = ip->frag_off.get();
  const size_t offset = size_t{static_cast<uint16_t>(frag & wire::kIpv4FragOffMask)} * 8;
  info.fragment = (frag & (wire::kIpv4FlagMf | wire::kIpv4FragOffMask)) != 0;
  info.first_fragment = offset == 0;
  if (offset + info.l4_len > wire::kIpv4MaxDatagram) [[unlikely]]
    return fail(why, DropReason::kIpFragment);
  // RFC 1858 §4: a TCP fragment at offset 8 can only serve to overwrite the flags of the first.
  if (info.proto == wire::kIpProtoTcp && offset == 8) [[unlikely]]
    return fail(why, DropReason::kIpFragment);
  if (info.l3_len > wire::kIpv4MinHdr &&
      !ipv4_options_ok(frame.subspan(info.l3_off + wire::kIpv4MinHdr,
                                     info.l3_len - wire::kIpv4MinHdr))) [[unlikely]]
    return fail(why, DropReason::kIpOptionsMalformed);
  if (offset != 0) return true;  // no L4 header in this fragment
  return parse_l4(frame.subspan(info.l4_off, info.l4_len), info, why);
}

}  // namespace

bool parse_frame(std::span<const std::byte> frame, PacketInfo& info, DropReason& why) noexcept {
  info = PacketInfo{};
  if (!parse_l2(frame, info, why)) [[unlikely]]
    return false;
  switch (info.ethertype) {
    case wire::kEtherTypeIpv4:
      return parse_ipv4(frame, info, why);
    case wire::kEtherTypeArp:
      return parse_arp(frame, info, why);
    case wire::kEtherTypeIpv6:
      return parse_ipv6(frame, info, why);
    default:
      info.l3 = L3Kind::kOther;
      return true;
  }
}

}  // namespace dpf::net
