#include "dataplane/slowpath/answers.h"

#include <algorithm>

#include "dataplane/net/build.h"
#include "dataplane/net/parse.h"
#include "dataplane/net/wire/build.h"
#include "dataplane/route/neighbor.h"

namespace dpf {

using net::DropReason;

bool RateLimit::allow(NodeClock::TimePoint now) noexcept {
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min<double>(rate_, tokens_ + elapsed * rate_);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void Answers::arp(NodeClock::TimePoint now, rte_mbuf* m, uint16_t port) {
  LcoreCounters& c = tx_.counters();
  const Port& p = *tx_.node().ports[port];
  const auto frame = frame_of(m);
  if (frame.size() < wire::kArpFrameLen) {
    drop_packet(c, DropReason::kArpMalformed, m);
    return;
  }
  // The parser accepted the frame as ARP; skip an optional 802.1Q tag the same way.
  net::PacketInfo info;
  DropReason why;
  if (!net::parse_frame(frame, info, why)) {
    drop_packet(c, why, m);
    return;
  }
  const auto* arp = reinterpret_cast<const wire::ArpHdr*>(frame.data() + info.l3_off);
  const uint32_t spa = arp->spa.get(), tpa = arp->tpa.get();
  // Only a sender on this link, untagged, is heard: learned, refreshed or answered.
  switch (route::arp_check(p.addr, p.prefix_len, info.has_vlan, spa)) {
    case route::ArpCheck::kVlan:
      drop_packet(c, DropReason::kArpVlan, m);
      return;
    case route::ArpCheck::kForeign:
      drop_packet(c, DropReason::kArpForeign, m);
      return;
    case route::ArpCheck::kAccept:
      break;
  }
  // A CARP master answers for the virtual addresses of its vhids with their virtual MAC.
  std::optional<wire::MacAddr> vmac = carp_ ? carp_->arp_owner(port, tpa) : std::nullopt;
  if (tpa != p.addr && !vmac && proxied(port, tpa)) vmac = proxy_mac(p);
  const bool for_us = tpa == p.addr || vmac.has_value();
  // RFC 826 merge: refresh a known sender always; learn a new one only when it talks to us.
  if (spa != 0 && spa != p.addr) neighbors_.learn(now, port, spa, arp->sha, for_us);
  if (!for_us) {
    drop_packet(c, DropReason::kArpNotForUs, m);
    return;
  }
  if (arp->op.get() != wire::kArpOpRequest) {
    rte_pktmbuf_free(m);
    return;
  }
  // The reply is built in the same mbuf, from copies of the request's fields, after the reset
  // (which moves the data start to the default headroom, wherever the driver put the request).
  const wire::MacAddr sha = arp->sha;
  rte_pktmbuf_reset(m);
  const size_t len =
      wire::build_arp_frame({rte_pktmbuf_mtod(m, std::byte*), size_t{rte_pktmbuf_tailroom(m)}},
                            wire::kArpOpReply, vmac.value_or(p.mac), tpa, sha, sha, spa);
  rte_pktmbuf_append(m, static_cast<uint16_t>(len));
  ++n_.arp_replies;
  tx_.tx(port, m);
}

bool Answers::proxied(uint16_t port, uint32_t addr) const {
  const PfRuleset* rs = tx_.node().pf ? tx_.node().pf->current.get() : nullptr;
  if (rs == nullptr) return false;
  for (const ProxyArp& a : rs->proxy_arp)
    if (a.port == port && a.addr == addr) return true;
  return false;
}

// Who answers for a translation's address: the port itself, or on a port with CARP the master
// of its first vhid it is master of, with that vhid's virtual MAC (a backup stays silent, so
// the address moves with the master).
std::optional<wire::MacAddr> Answers::proxy_mac(const Port& p) const {
  if (p.n_carp == 0) return p.mac;
  for (unsigned i = 0; i < p.n_carp; ++i)
    if (p.carp[i].is_master()) return p.carp[i].mac;
  return std::nullopt;
}

void Answers::local(rte_mbuf* m, uint16_t port) {
  const auto frame = frame_of(m);
  net::PacketInfo info;
  DropReason why;
  if (!net::parse_frame(frame, info, why)) {
    drop_packet(tx_.counters(), why, m);
    return;
  }
  if (info.proto == wire::kIpProtoIcmp && info.l4_valid && !info.fragment &&
      info.icmp_type == wire::kIcmpEcho && net::make_echo_reply_in_place(frame, info)) {
    ++n_.echo_replies;
    tx_.tx_local(port, m);
    return;
  }
  drop_packet(tx_.counters(), DropReason::kLocalUnhandled, m);
}

void Answers::icmp_error(NodeClock::TimePoint now, rte_mbuf* m, uint16_t in_port, uint8_t type,
                         uint8_t code, uint32_t rest, std::optional<DropReason> why) {
  const auto frame = frame_of(m);
  net::PacketInfo info;
  DropReason bad;
  if (!net::parse_frame(frame, info, bad)) {
    drop_packet(tx_.counters(), bad, m);
    return;
  }
  const Port& p = *tx_.node().ports[in_port];
  if (net::icmp_error_allowed(info)) {
    if (!icmp_limit_.allow(now)) {
      ++n_.icmp_errors_limited;
    } else {
      const auto* eth = reinterpret_cast<const wire::EtherHdr*>(frame.data());
      if (tx_.send_new(
              in_port,
              [&](std::span<std::byte> out) {
                return net::build_icmp_error(out, p.mac, eth->src, p.addr,
                                             frame.subspan(info.l3_off, info.ip_total_len), type,
                                             code, rest);
              },
              !why.has_value()))
        ++n_.icmp_errors_sent;
    }
  }
  if (why) {
    drop_packet(tx_.counters(), *why, m);
  } else {
    rte_pktmbuf_free(m);
  }
}

void Answers::block_return(NodeClock::TimePoint now, const PuntItem& it) {
  const uint32_t kind = it.next_hop >> 24;
  if (kind == 2) {
    icmp_error(now, it.m, it.port, static_cast<uint8_t>(it.next_hop >> 8),
               static_cast<uint8_t>(it.next_hop), 0, std::nullopt);
    return;
  }
  const auto frame = frame_of(it.m);
  net::PacketInfo info;
  DropReason bad;
  if (net::parse_frame(frame, info, bad) && info.proto == wire::kIpProtoTcp) {
    const auto* eth = reinterpret_cast<const wire::EtherHdr*>(frame.data());
    if (tx_.send_new(
            it.port,
            [&](std::span<std::byte> out) {
              return net::build_tcp_rst(out, tx_.node().ports[it.port]->mac, eth->src, info);
            },
            true))
      ++n_.rsts_sent;
  }
  rte_pktmbuf_free(it.m);
}

}  // namespace dpf
