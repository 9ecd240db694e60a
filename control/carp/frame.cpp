// Whole CARP frames (shared/specs/carp.md §1.1) and the new master's gratuitous ARP.
#include "control/carp/frame.h"

#include "control/carp/cursor.h"

namespace dpf::carp {

namespace {

constexpr uint8_t kIpv4VersionIhl = 4 << 4 | kIpv4HeaderLen / 4;
constexpr size_t kIpChecksumOffset = 10;  // within the IPv4 header (RFC 791)
constexpr uint16_t kIpFragMask = 0x3fff;  // MF flag and fragment offset
constexpr Mac kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr uint16_t kArpHwEthernet = 1;
constexpr uint16_t kArpOpRequest = 1;

}  // namespace

std::array<std::byte, kAdvertFrameLen> build_advert_frame(
    std::span<const std::byte, kHeaderLen> carp, uint32_t src_ip, uint16_t ip_id,
    uint8_t tos) noexcept {
  std::array<std::byte, kAdvertFrameLen> out{};
  Writer w(out);
  uint8_t vhid = std::to_integer<uint8_t>(carp[offsetof(Header, vhid)]);
  w.bytes(kGroupMac);
  w.bytes(virtual_mac(vhid));
  w.be16(kEtherTypeIpv4);

  w.u8(kIpv4VersionIhl);
  w.u8(tos);
  w.be16(static_cast<uint16_t>(kIpv4HeaderLen + kHeaderLen));
  w.be16(ip_id);
  w.be16(kIpFlagDf);
  w.u8(kTtl);
  w.u8(kIpProto);
  w.be16(0);  // header checksum, filled in below
  w.be32(src_ip);
  w.be32(kGroupV4);
  for (std::byte b : carp) w.u8(std::to_integer<uint8_t>(b));

  auto ip = std::span(out).subspan(kEthHeaderLen, kIpv4HeaderLen);
  uint16_t sum = internet_checksum(ip);
  ip[kIpChecksumOffset] = std::byte{static_cast<uint8_t>(sum >> 8)};
  ip[kIpChecksumOffset + 1] = std::byte{static_cast<uint8_t>(sum)};
  return out;
}

ParsedFrame parse_advert_frame(std::span<const std::byte> frame) noexcept {
  ParsedFrame p;
  Reader r(frame);
  r.bytes(p.dst_mac);
  r.bytes(p.src_mac);
  uint16_t ether_type = r.be16();
  if (!r.ok()) [[unlikely]] {
    p.error = DecodeError::kFrameShort;
    return p;
  }
  if (ether_type != kEtherTypeIpv4) [[unlikely]] {
    p.error = DecodeError::kNotIpv4;
    return p;
  }
  auto ip_start = frame.subspan(kEthHeaderLen);
  uint8_t version_ihl = r.u8();
  r.u8();  // type of service
  uint16_t total_len = r.be16();
  r.be16();  // identification
  uint16_t frag = r.be16();
  p.ttl = r.u8();
  uint8_t proto = r.u8();
  r.be16();  // header checksum, verified over the whole header below
  p.src_ip = r.be32();
  p.dst_ip = r.be32();
  if (!r.ok()) [[unlikely]] {
    p.error = DecodeError::kFrameShort;
    return p;
  }
  size_t ihl = size_t{version_ihl & 0x0fu} * 4;
  if (version_ihl >> 4 != 4 || ihl < kIpv4HeaderLen || total_len < ihl ||
      total_len > ip_start.size() || (frag & kIpFragMask) != 0) [[unlikely]] {
    p.error = DecodeError::kIpHeader;
    return p;
  }
  if (internet_checksum(ip_start.first(ihl)) != 0) [[unlikely]] {
    p.error = DecodeError::kIpChecksum;
    return p;
  }
  if (proto != kIpProto) [[unlikely]] {
    p.error = DecodeError::kNotCarp;
    return p;
  }
  p.payload = ip_start.subspan(ihl, total_len - ihl);
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
  Writer w(out);
  const Mac vmac = virtual_mac(vhid);
  w.bytes(kBroadcastMac);
  w.bytes(vmac);
  w.be16(kEtherTypeArp);
  w.be16(kArpHwEthernet);
  w.be16(kEtherTypeIpv4);
  w.u8(static_cast<uint8_t>(vmac.size()));
  w.u8(4);  // protocol address length
  w.be16(kArpOpRequest);
  w.bytes(vmac);
  w.be32(vip);
  w.bytes(Mac{});  // target hardware address: unknown, zero
  w.be32(vip);
  return out;
}

}  // namespace dpf::carp
