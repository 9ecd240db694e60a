// Whole CARP frames (shared/specs/carp.md §1.1) and the new master's gratuitous ARP.
#include "control/carp/frame.h"

#include <algorithm>

#include "dataplane/net/wire/build.h"
#include "dataplane/net/wire/parse.h"

namespace dpf::carp {

std::array<std::byte, kAdvertFrameLen> build_advert_frame(
    std::span<const std::byte, kHeaderLen> carp, uint32_t src_ip, uint16_t ip_id,
    uint8_t tos) noexcept {
  std::array<std::byte, kAdvertFrameLen> out{};
  const uint8_t vhid = std::to_integer<uint8_t>(carp[offsetof(Header, vhid)]);
  const wire::Ipv4Params ip{.src = src_ip,
                            .dst = kGroupV4,
                            .proto = wire::kIpProtoCarp,
                            .tos = tos,
                            .ttl = kTtl,
                            .id = ip_id,
                            .frag_off = wire::kIpv4FlagDf};
  wire::build_ether_ipv4(out, virtual_mac(vhid), kGroupMac, ip, kHeaderLen);
  std::copy(carp.begin(), carp.end(), out.begin() + wire::kEtherIpv4Len);
  return out;
}

namespace {

// The frame-level reason for a structural fault found by wire::parse_ether_ipv4.
DecodeError frame_error(wire::Ipv4Frame::Error e) noexcept {
  switch (e) {
    case wire::Ipv4Frame::Error::kOk:
      return DecodeError::kOk;
    case wire::Ipv4Frame::Error::kNotIpv4:
      return DecodeError::kNotIpv4;
    case wire::Ipv4Frame::Error::kBadHeader:
      return DecodeError::kIpHeader;
    case wire::Ipv4Frame::Error::kShortEther:
    case wire::Ipv4Frame::Error::kShortIp:
      break;
  }
  return DecodeError::kFrameShort;
}

}  // namespace

ParsedFrame parse_advert_frame(std::span<const std::byte> frame) noexcept {
  ParsedFrame p;
  const wire::Ipv4Frame f = wire::parse_ether_ipv4(frame);
  if (f.eth != nullptr) {
    p.dst_mac = f.eth->dst;
    p.src_mac = f.eth->src;
  }
  if (f.ip != nullptr) {
    p.ttl = f.ip->ttl;
    p.src_ip = f.ip->src.get();
    p.dst_ip = f.ip->dst.get();
  }
  p.error = frame_error(f.error);
  if (!f.ok()) [[unlikely]]
    return p;
  if (f.fragment) [[unlikely]] {
    p.error = DecodeError::kIpHeader;
    return p;
  }
  if (!f.checksum_ok) [[unlikely]] {
    p.error = DecodeError::kIpChecksum;
    return p;
  }
  if (f.ip->proto != wire::kIpProtoCarp) [[unlikely]] {
    p.error = DecodeError::kNotCarp;
    return p;
  }
  p.payload = f.payload;
  return p;
}

FrameDecodeResult decode_advert_frame(std::span<const std::byte> frame,
                                      std::span<const VhidAuth> known) noexcept {
  FrameDecodeResult r;
  r.frame = parse_advert_frame(frame);
  if (r.frame.ok()) r.advert = decode_advert(r.frame.payload, r.frame.ttl, known);
  return r;
}

std::array<std::byte, kGarpFrameLen> build_garp_frame(uint8_t vhid, uint32_t vip) noexcept {
  std::array<std::byte, kGarpFrameLen> out{};
  const wire::MacAddr vmac = virtual_mac(vhid);
  // Target hardware address unknown, zero; sender and target protocol address both the VIP.
  wire::build_arp_frame(out, wire::kArpOpRequest, vmac, vip, wire::kBroadcastMac, wire::kZeroMac,
                        vip);
  return out;
}

}  // namespace dpf::carp
