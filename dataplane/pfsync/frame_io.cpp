// pfsync's link and IP layer: outgoing headers and received-frame checks (frame_io.h).
#include "dataplane/pfsync/frame_io.h"

#include "dataplane/net/wire/parse.h"
#include "dataplane/pfsync/engine.h"

namespace dpf::pfsync {

FrameAddrs frame_addrs(const wire::MacAddr& src_mac, uint32_t src_addr, uint32_t syncpeer,
                       const wire::MacAddr& peer_mac) noexcept {
  FrameAddrs a;
  a.src_mac = src_mac;
  a.src_addr = src_addr;
  if (syncpeer != 0) {
    a.dst_addr = syncpeer;
    a.dst_mac = peer_mac;
  }
  return a;
}

size_t build_frame_headers(std::span<std::byte> out, const FrameAddrs& addrs, size_t payload_len,
                           uint16_t ip_id) noexcept {
  const wire::Ipv4Params ip{.src = addrs.src_addr,
                            .dst = addrs.dst_addr,
                            .proto = wire::kIpProtoPfsync,
                            .tos = kTos,
                            .ttl = kTtl,
                            .id = ip_id,
                            .frag_off = wire::kIpv4FlagDf};  // IP_DF on every datagram §2.1
  return wire::build_ether_ipv4(out, addrs.src_mac, addrs.dst_mac, ip, payload_len);
}

RxFrame parse_frame(std::span<const std::byte> frame, Stats& stats) noexcept {
  RxFrame r;
  const wire::Ipv4Frame f = wire::parse_ether_ipv4(frame);
  using Error = wire::Ipv4Frame::Error;
  if (f.error == Error::kShortEther || f.error == Error::kNotIpv4) return r;
  r.src_mac = f.eth->src;
  r.verdict = RxVerdict::kBadIpHeader;
  if (!f.ok() || !f.checksum_ok) return r;
  if (f.fragment) {
    r.verdict = RxVerdict::kFragment;
    return r;
  }
  if (f.ip->proto != wire::kIpProtoPfsync) {
    r.verdict = RxVerdict::kNotPfsync;
    return r;
  }
  r.src_addr = f.ip->src.get();
  r.dst_addr = f.ip->dst.get();
  if (!accept_ip(f.ip->ttl, stats)) {
    r.verdict = RxVerdict::kBadTtl;
    return r;
  }
  r.verdict = RxVerdict::kOk;
  r.payload = f.payload;
  return r;
}

}  // namespace dpf::pfsync
