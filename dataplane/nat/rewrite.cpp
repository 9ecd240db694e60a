#include "dataplane/nat/rewrite.h"

#include <algorithm>
#include <cstddef>

#include "dataplane/net/wire/checksum.h"

namespace dpf::nat {

namespace {

using wire::checksum_adjust16;
using wire::checksum_adjust32;
using wire::header_at;

// An IPv4 header found valid, and its datagram cut at the total length (or at the bytes present).
struct Ip4View {
  wire::Ipv4Hdr* ip = nullptr;
  std::span<std::byte> datagram;
  size_t header_len = 0;
};

RewriteStatus view_ipv4(std::span<std::byte> packet, Ip4View* v) noexcept {
  wire::Ipv4Hdr* ip = header_at<wire::Ipv4Hdr>(packet, 0);
  if (ip == nullptr) [[unlikely]]
    return RewriteStatus::kShort;
  const size_t hl = ip->header_len();
  if (ip->version() != 4 || hl < wire::kIpv4MinHdr) [[unlikely]]
    return RewriteStatus::kBadHeader;
  const size_t total = ip->total_len.get();
  if (total < hl) [[unlikely]]
    return RewriteStatus::kBadHeader;
  if (packet.size() < hl) [[unlikely]]
    return RewriteStatus::kShort;
  v->ip = ip;
  v->datagram = packet.first(std::min(packet.size(), total));
  v->header_len = hl;
  return RewriteStatus::kOk;
}

// RFC 791: a fragment offset other than 0 means no L4 header follows.
bool later_fragment(const wire::Ipv4Hdr& ip) noexcept {
  return (ip.frag_off.get() & wire::kIpv4FragOffMask) != 0;
}

wire::be32& addr_of(wire::Ipv4Hdr& ip, Side s) noexcept {
  return s == Side::kSource ? ip.src : ip.dst;
}

// TCP and UDP both open with sport, dport.
template <class L4>
wire::be16& port_of(L4& h, Side s) noexcept {
  return s == Side::kSource ? h.sport : h.dport;
}

// A TCP or UDP checksum after the pseudo-header address and the port change.
uint16_t adjust_addr_port(uint16_t ck, uint32_t old_addr, uint32_t new_addr, uint16_t old_port,
                          uint16_t new_port) noexcept {
  return checksum_adjust16(checksum_adjust32(ck, old_addr, new_addr), old_port, new_port);
}

// RFC 768: a UDP checksum of 0 was not computed and stays 0; a computed 0 is sent as 0xffff.
uint16_t udp_result(uint16_t old_ck, uint16_t new_ck) noexcept {
  if (old_ck == 0) return 0;
  return new_ck == 0 ? 0xffff : new_ck;
}

bool is_echo(uint8_t icmp_type) noexcept {
  return icmp_type == wire::kIcmpEcho || icmp_type == wire::kIcmpEchoReply;
}

}  // namespace

RewriteStatus rewrite_ipv4(std::span<std::byte> packet, Side side, Endpoint4 to) noexcept {
  Ip4View v;
  if (const RewriteStatus s = view_ipv4(packet, &v); s != RewriteStatus::kOk) return s;
  wire::Ipv4Hdr& ip = *v.ip;
  wire::be32& addr = addr_of(ip, side);
  const uint32_t old_addr = addr.get();
  const std::span<std::byte> l4 = v.datagram.subspan(v.header_len);

  RewriteStatus result = RewriteStatus::kAddressOnly;
  if (!later_fragment(ip)) {
    switch (ip.proto) {
      case wire::kIpProtoTcp: {
        wire::TcpHdr* th = header_at<wire::TcpHdr>(l4, 0);
        if (th == nullptr) [[unlikely]]
          return RewriteStatus::kShort;
        wire::be16& port = port_of(*th, side);
        th->check.set(adjust_addr_port(th->check.get(), old_addr, to.addr, port.get(), to.port));
        port.set(to.port);
        result = RewriteStatus::kOk;
        break;
      }
      case wire::kIpProtoUdp: {
        wire::UdpHdr* uh = header_at<wire::UdpHdr>(l4, 0);
        if (uh == nullptr) [[unlikely]]
          return RewriteStatus::kShort;
        wire::be16& port = port_of(*uh, side);
        const uint16_t ck = uh->check.get();
        uh->check.set(udp_result(ck, adjust_addr_port(ck, old_addr, to.addr, port.get(), to.port)));
        port.set(to.port);
        result = RewriteStatus::kOk;
        break;
      }
      case wire::kIpProtoIcmp: {
        wire::IcmpHdr* ih = header_at<wire::IcmpHdr>(l4, 0);
        if (ih == nullptr) [[unlikely]]
          return RewriteStatus::kShort;
        if (is_echo(ih->type)) {
          ih->check.set(checksum_adjust16(ih->check.get(), ih->id.get(), to.port));
          ih->id.set(to.port);
          result = RewriteStatus::kOk;
        }
        break;
      }
      default:
        break;
    }
  }
  ip.check.set(checksum_adjust32(ip.check.get(), old_addr, to.addr));
  addr.set(to.addr);
  return result;
}

namespace {

// The quoted packet of an ICMP error, found valid: its header, its L4 bytes as far as quoted, and
// which of its fields translate.
struct Quote {
  wire::Ipv4Hdr* ip = nullptr;
  wire::be16* port = nullptr;   // the port or echo id to translate, or none
  wire::be16* check = nullptr;  // the L4 checksum, when quoted and in use
  bool pseudo = false;          // the L4 checksum covers the address (TCP, UDP)
  bool udp = false;
};

RewriteStatus find_quote(std::span<std::byte> q, Side side, Quote* out) noexcept {
  wire::Ipv4Hdr* ip = header_at<wire::Ipv4Hdr>(q, 0);
  if (ip == nullptr) [[unlikely]]
    return RewriteStatus::kShort;
  const size_t hl = ip->header_len();
  if (ip->version() != 4 || hl < wire::kIpv4MinHdr) [[unlikely]]
    return RewriteStatus::kBadHeader;
  if (q.size() < hl) [[unlikely]]
    return RewriteStatus::kShort;
  if (later_fragment(*ip)) [[unlikely]]
    return RewriteStatus::kFragment;
  Quote r;
  r.ip = ip;
  const std::span<std::byte> l4 = q.subspan(hl);
  constexpr size_t kQuoted = 8;  // RFC 792: the datagram's first 64 bits
  const uint8_t proto = ip->proto;
  const bool ports = proto == wire::kIpProtoTcp || proto == wire::kIpProtoUdp;
  if ((ports || proto == wire::kIpProtoIcmp) && l4.size() < kQuoted) [[unlikely]]
    return RewriteStatus::kShort;
  if (proto == wire::kIpProtoTcp) {
    // Only the first 8 bytes are sure to be there: fields are reached one by one. The checksum
    // (bytes 16..17) is quoted by routers that send more (RFC 1812 §4.3.2.3).
    const size_t port_off =
        side == Side::kSource ? offsetof(wire::TcpHdr, sport) : offsetof(wire::TcpHdr, dport);
    r.port = header_at<wire::be16>(l4, port_off);
    r.check = header_at<wire::be16>(l4, offsetof(wire::TcpHdr, check));
    r.pseudo = true;
  } else if (proto == wire::kIpProtoUdp) {
    auto* uh = header_at<wire::UdpHdr>(l4, 0);
    r.port = &port_of(*uh, side);
    if (uh->check.get() != 0) r.check = &uh->check;
    r.pseudo = true;
    r.udp = true;
  } else if (proto == wire::kIpProtoIcmp) {
    auto* ih = header_at<wire::IcmpHdr>(l4, 0);
    if (is_echo(ih->type)) {
      r.port = &ih->id;
      r.check = &ih->check;
    }
  }
  *out = r;
  return RewriteStatus::kOk;
}

}  // namespace

RewriteStatus rewrite_icmp_error_ipv4(std::span<std::byte> packet,
                                      const IcmpErrorRewrite4& r) noexcept {
  Ip4View v;
  if (const RewriteStatus s = view_ipv4(packet, &v); s != RewriteStatus::kOk) return s;
  wire::Ipv4Hdr& outer = *v.ip;
  if (outer.proto != wire::kIpProtoIcmp) [[unlikely]]
    return RewriteStatus::kNotIcmpError;
  if (later_fragment(outer)) [[unlikely]]
    return RewriteStatus::kFragment;
  const std::span<std::byte> icmp = v.datagram.subspan(v.header_len);
  wire::IcmpHdr* ih = header_at<wire::IcmpHdr>(icmp, 0);
  if (ih == nullptr) [[unlikely]]
    return RewriteStatus::kShort;
  if (!icmp_is_error(ih->type)) [[unlikely]]
    return RewriteStatus::kNotIcmpError;
  Quote q;
  if (const RewriteStatus s = find_quote(icmp.subspan(sizeof(wire::IcmpHdr)), r.inner_side, &q);
      s != RewriteStatus::kOk)
    return s;

  // Every 16-bit field changed inside the ICMP message changes its checksum (no pseudo-header).
  // All these fields sit at even offsets from the ICMP header: the IP headers are 4-byte words.
  uint16_t icmp_ck = ih->check.get();
  wire::be32& inner_addr = addr_of(*q.ip, r.inner_side);
  const uint32_t old_inner = inner_addr.get();
  const uint16_t old_port = q.port != nullptr ? q.port->get() : 0;
  if (q.check != nullptr) {
    const uint16_t old_ck = q.check->get();
    uint16_t ck = q.pseudo ? checksum_adjust32(old_ck, old_inner, r.inner.addr) : old_ck;
    if (q.port != nullptr) ck = checksum_adjust16(ck, old_port, r.inner.port);
    if (q.udp) ck = udp_result(old_ck, ck);
    q.check->set(ck);
    icmp_ck = checksum_adjust16(icmp_ck, old_ck, ck);
  }
  if (q.port != nullptr) {
    q.port->set(r.inner.port);
    icmp_ck = checksum_adjust16(icmp_ck, old_port, r.inner.port);
  }
  const uint16_t old_inner_ip_ck = q.ip->check.get();
  const uint16_t inner_ip_ck = checksum_adjust32(old_inner_ip_ck, old_inner, r.inner.addr);
  q.ip->check.set(inner_ip_ck);
  inner_addr.set(r.inner.addr);
  icmp_ck = checksum_adjust32(icmp_ck, old_inner, r.inner.addr);
  icmp_ck = checksum_adjust16(icmp_ck, old_inner_ip_ck, inner_ip_ck);
  ih->check.set(icmp_ck);

  wire::be32& outer_addr = addr_of(outer, r.outer_side);
  outer.check.set(checksum_adjust32(outer.check.get(), outer_addr.get(), r.outer_addr));
  outer_addr.set(r.outer_addr);
  return RewriteStatus::kOk;
}

}  // namespace dpf::nat
