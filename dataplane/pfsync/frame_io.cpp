// pfsync's link and IP layer: outgoing headers and received-frame checks (frame_io.h).
#include "dataplane/pfsync/frame_io.h"

#include "dataplane/pfsync/engine.h"

namespace dpf::pfsync {

namespace {

// IPv4 header field offsets (RFC 791).
constexpr size_t kOffVerIhl = 0;
constexpr size_t kOffTos = 1;
constexpr size_t kOffTotalLen = 2;
constexpr size_t kOffId = 4;
constexpr size_t kOffFrag = 6;
constexpr size_t kOffTtl = 8;
constexpr size_t kOffProto = 9;
constexpr size_t kOffCksum = 10;
constexpr size_t kOffSrc = 12;
constexpr size_t kOffDst = 16;
constexpr uint16_t kIpMoreFragments = 0x2000;
constexpr uint16_t kIpOffsetMask = 0x1fff;

void put16(std::byte* p, uint16_t v) noexcept {
  p[0] = std::byte(v >> 8);
  p[1] = std::byte(v & 0xff);
}
void put32(std::byte* p, uint32_t v) noexcept {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p + 2, static_cast<uint16_t>(v));
}
uint16_t get16(const std::byte* p) noexcept {
  return static_cast<uint16_t>(std::to_integer<unsigned>(p[0]) << 8 |
                               std::to_integer<unsigned>(p[1]));
}
uint32_t get32(const std::byte* p) noexcept {
  return uint32_t{get16(p)} << 16 | get16(p + 2);
}

}  // namespace

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

uint16_t ipv4_header_checksum(std::span<const std::byte> bytes) noexcept {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) sum += get16(&bytes[i]);
  if (bytes.size() % 2) sum += std::to_integer<uint32_t>(bytes.back()) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

size_t build_frame_headers(std::span<std::byte> out, const FrameAddrs& addrs, size_t payload_len,
                           uint16_t ip_id) noexcept {
  if (out.size() < kFrameHeadersLen || payload_len > kIpMaxDatagram - wire::kIpv4MinHdr) return 0;
  std::byte* e = out.data();
  for (size_t i = 0; i < 6; ++i) {
    e[i] = std::byte(addrs.dst_mac[i]);
    e[6 + i] = std::byte(addrs.src_mac[i]);
  }
  put16(e + 12, kEtherTypeIpv4);
  std::byte* ip = e + kEtherHeaderLen;
  ip[kOffVerIhl] = std::byte(0x45);
  ip[kOffTos] = std::byte(kTos);
  put16(ip + kOffTotalLen, static_cast<uint16_t>(wire::kIpv4MinHdr + payload_len));
  put16(ip + kOffId, ip_id);
  put16(ip + kOffFrag, kIpDontFragment);
  ip[kOffTtl] = std::byte(kTtl);
  ip[kOffProto] = std::byte(wire::kIpProtoPfsync);
  put16(ip + kOffCksum, 0);
  put32(ip + kOffSrc, addrs.src_addr);
  put32(ip + kOffDst, addrs.dst_addr);
  put16(ip + kOffCksum, ipv4_header_checksum({ip, wire::kIpv4MinHdr}));
  return kFrameHeadersLen;
}

RxFrame parse_frame(std::span<const std::byte> frame, Stats& stats) noexcept {
  RxFrame r;
  if (frame.size() < kEtherHeaderLen || get16(&frame[12]) != kEtherTypeIpv4) return r;
  for (size_t i = 0; i < 6; ++i) r.src_mac[i] = std::to_integer<uint8_t>(frame[6 + i]);
  const std::span<const std::byte> ip = frame.subspan(kEtherHeaderLen);
  r.verdict = RxVerdict::kBadIpHeader;
  if (ip.size() < wire::kIpv4MinHdr) return r;
  const unsigned ver_ihl = std::to_integer<unsigned>(ip[kOffVerIhl]);
  const size_t hlen = (ver_ihl & 0x0f) * 4u;
  const size_t total = get16(&ip[kOffTotalLen]);
  if ((ver_ihl >> 4) != 4 || hlen < wire::kIpv4MinHdr || total < hlen || total > ip.size())
    return r;
  if (ipv4_header_checksum(ip.first(hlen)) != 0) return r;
  const uint16_t frag = get16(&ip[kOffFrag]);
  if ((frag & kIpMoreFragments) || (frag & kIpOffsetMask)) {
    r.verdict = RxVerdict::kFragment;
    return r;
  }
  if (std::to_integer<uint8_t>(ip[kOffProto]) != wire::kIpProtoPfsync) {
    r.verdict = RxVerdict::kNotPfsync;
    return r;
  }
  r.src_addr = get32(&ip[kOffSrc]);
  r.dst_addr = get32(&ip[kOffDst]);
  if (!accept_ip(std::to_integer<uint8_t>(ip[kOffTtl]), stats)) {
    r.verdict = RxVerdict::kBadTtl;
    return r;
  }
  r.verdict = RxVerdict::kOk;
  r.payload = ip.subspan(hlen, total - hlen);
  return r;
}

}  // namespace dpf::pfsync
