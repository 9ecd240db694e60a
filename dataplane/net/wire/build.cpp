// Header and frame builders (see build.h for the contracts).
#include "dataplane/net/wire/build.h"

#include "dataplane/net/wire/checksum.h"

namespace dpf::wire {

void write_ether(EtherHdr& eth, const MacAddr& src, const MacAddr& dst, uint16_t type) noexcept {
  eth.dst = dst;
  eth.src = src;
  eth.type.set(type);
}

void write_vlan(VlanHdr& vlan, uint16_t tci, uint16_t type) noexcept {
  vlan.tci.set(tci);
  vlan.type.set(type);
}

void write_arp(ArpHdr& arp, uint16_t op, const MacAddr& sha, uint32_t spa, const MacAddr& tha,
               uint32_t tpa) noexcept {
  arp.htype.set(kArpHtypeEther);
  arp.ptype.set(kEtherTypeIpv4);
  arp.hlen = sizeof(MacAddr);
  arp.plen = sizeof(uint32_t);
  arp.op.set(op);
  arp.sha = sha;
  arp.spa.set(spa);
  arp.tha = tha;
  arp.tpa.set(tpa);
}

void write_ipv4(Ipv4Hdr& ip, const Ipv4Params& p, size_t payload_len) noexcept {
  ip.ver_ihl = 4 << 4 | sizeof(Ipv4Hdr) / 4;
  ip.tos = p.tos;
  ip.total_len.set(static_cast<uint16_t>(sizeof(Ipv4Hdr) + payload_len));
  ip.id.set(p.id);
  ip.frag_off.set(p.frag_off);
  ip.ttl = p.ttl;
  ip.proto = p.proto;
  ip.check.set(0);
  ip.src.set(p.src);
  ip.dst.set(p.dst);
  ip.check.set(inet_checksum(std::as_bytes(std::span<const Ipv4Hdr, 1>(&ip, 1))));
}

void write_ipv6(Ipv6Hdr& ip, const std::array<uint8_t, 16>& src, const std::array<uint8_t, 16>& dst,
                uint8_t next_hdr, size_t payload_len, uint8_t hop_limit, uint8_t traffic_class,
                uint32_t flow_label) noexcept {
  ip.vtc_flow.set(uint32_t{6} << 28 | uint32_t{traffic_class} << 20 | (flow_label & 0xfffffu));
  ip.payload_len.set(static_cast<uint16_t>(payload_len));
  ip.next_hdr = next_hdr;
  ip.hop_limit = hop_limit;
  ip.src = src;
  ip.dst = dst;
}

namespace {
// ICMP and ICMPv6 share their 8-byte head (RFC 792, RFC 4443 §2.1).
template <class IcmpHead>
void write_icmp_head(IcmpHead& icmp, uint8_t type, uint8_t code, uint32_t rest) noexcept {
  icmp.type = type;
  icmp.code = code;
  icmp.check.set(0);
  icmp.id.set(static_cast<uint16_t>(rest >> 16));
  icmp.seq.set(static_cast<uint16_t>(rest));
}
}  // namespace

void write_icmp(IcmpHdr& icmp, uint8_t type, uint8_t code, uint32_t rest) noexcept {
  write_icmp_head(icmp, type, code, rest);
}

void write_icmpv6(Icmpv6Hdr& icmp, uint8_t type, uint8_t code, uint32_t rest) noexcept {
  write_icmp_head(icmp, type, code, rest);
}

void write_tcp(TcpHdr& tcp, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
               uint8_t flags, uint16_t win) noexcept {
  tcp.sport.set(sport);
  tcp.dport.set(dport);
  tcp.seq.set(seq);
  tcp.ack.set(ack);
  tcp.data_off = (sizeof(TcpHdr) / 4) << 4;
  tcp.flags = flags;
  tcp.win.set(win);
  tcp.check.set(0);
  tcp.urp.set(0);
}

void write_udp(UdpHdr& udp, uint16_t sport, uint16_t dport, uint16_t len) noexcept {
  udp.sport.set(sport);
  udp.dport.set(dport);
  udp.len.set(len);
  udp.check.set(0);
}

size_t build_arp_frame(std::span<std::byte> out, uint16_t op, const MacAddr& src_mac,
                       uint32_t src_ip, const MacAddr& dst_mac, const MacAddr& target_mac,
                       uint32_t target_ip) noexcept {
  if (out.size() < kArpFrameLen) return 0;
  write_ether(*header_at<EtherHdr>(out, 0), src_mac, dst_mac, kEtherTypeArp);
  write_arp(*header_at<ArpHdr>(out, sizeof(EtherHdr)), op, src_mac, src_ip, target_mac, target_ip);
  return kArpFrameLen;
}

size_t build_ether_ipv4(std::span<std::byte> out, const MacAddr& src_mac, const MacAddr& dst_mac,
                        const Ipv4Params& ip, size_t payload_len) noexcept {
  if (out.size() < kEtherIpv4Len || payload_len > kIpv4MaxDatagram - sizeof(Ipv4Hdr)) return 0;
  write_ether(*header_at<EtherHdr>(out, 0), src_mac, dst_mac, kEtherTypeIpv4);
  write_ipv4(*header_at<Ipv4Hdr>(out, sizeof(EtherHdr)), ip, payload_len);
  return kEtherIpv4Len;
}

}  // namespace dpf::wire
