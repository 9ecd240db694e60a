// Fuzzes parse_frame with arbitrary frames, checks the invariants its contract promises, and feeds
// every accepted frame to the builders, whose output must parse back with verifying checksums.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/net/build.h"
#include "dataplane/net/parse.h"
#include "dataplane/net/wire/build.h"
#include "dataplane/net/wire/checksum.h"

using namespace dpf::net;
using namespace dpf::wire;

namespace {

constexpr MacAddr kOurMac = {0x02, 0, 0, 0, 0, 0xfe};
constexpr uint32_t kOurIp = 0x0a0000fe;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

PacketInfo reparse(std::span<const std::byte> f) {
  PacketInfo info{};
  DropReason why = DropReason::kCount;
  require(parse_frame(f, info, why));
  return info;
}

void check_invariants(std::span<const std::byte> f, const PacketInfo& info) {
  if (info.l3 == L3Kind::kIpv4 || info.l3 == L3Kind::kIpv6) {
    require(size_t{info.l3_off} + info.ip_total_len <= f.size());
    require(info.l4_off == info.l3_off + info.l3_len);
    require(size_t{info.l4_off} + info.l4_len <= f.size());
  }
  if (info.l3 == L3Kind::kIpv4) {
    require(inet_checksum(f.subspan(info.l3_off, info.l3_len)) == 0);
    if (info.proto == kIpProtoTcp && info.l4_valid) require(info.tcp_hdr_len <= info.l4_len);
  }
}

void fuzz_builders(std::span<const std::byte> f, const PacketInfo& info) {
  std::array<std::byte, kIcmpErrorMaxFrameLen> out{};
  if (icmp_error_allowed(info)) {
    const size_t n = build_icmp_error(out, kOurMac, kBroadcastMac, kOurIp,
                                      f.subspan(info.l3_off, info.ip_total_len), kIcmpTimeExceeded,
                                      kIcmpTimeExceededTtl);
    require(n != 0);
    const PacketInfo e = reparse(std::span<const std::byte>(out).first(n));
    require(e.icmp_type == kIcmpTimeExceeded && e.ip_total_len <= kIcmpErrorMaxIpLen);
    require(inet_checksum(std::span<const std::byte>(out).subspan(e.l4_off, e.l4_len)) == 0);
  }
  if (const size_t n = build_tcp_rst(out, kOurMac, kBroadcastMac, info); n != 0) {
    const PacketInfo r = reparse(std::span<const std::byte>(out).first(n));
    require((r.tcp_flags & kTcpRst) != 0 && r.sport == info.dport && r.dport == info.sport);
    require(l4_checksum_ipv4(r.src, r.dst, kIpProtoTcp,
                             std::span<const std::byte>(out).subspan(r.l4_off, r.l4_len)) == 0);
  }
  if (info.l3 == L3Kind::kIpv4 || info.l3 == L3Kind::kArp) {
    require(build_arp_frame(out, kArpOpRequest, kOurMac, info.dst, kBroadcastMac, kZeroMac,
                            info.src) == kArpFrameLen);
  }
  std::vector<std::byte> copy(f.begin(), f.end());
  if (make_echo_reply_in_place(copy, info)) {
    const PacketInfo r = reparse(copy);
    require(r.icmp_type == kIcmpEchoReply && r.src == info.dst && r.dst == info.src);
    require(inet_checksum(std::span<const std::byte>(copy).subspan(r.l4_off, r.l4_len)) == 0);
  } else {
    require(std::equal(copy.begin(), copy.end(), f.begin()));
  }
}

// A copy of the frame whose IPv4 header checksum (untagged or one VLAN tag) is made correct, so
// that mutations reach the checks behind the checksum. Returns false if there is nothing to fix.
bool with_fixed_ip_checksum(std::span<const std::byte> f, std::vector<std::byte>& copy) {
  size_t off = sizeof(EtherHdr);
  const EtherHdr* eth = header_at<EtherHdr>(f, 0);
  if (eth == nullptr) return false;
  uint16_t type = eth->type.get();
  if (type == kEtherTypeVlan) {
    const VlanHdr* tag = header_at<VlanHdr>(f, off);
    if (tag == nullptr) return false;
    type = tag->type.get();
    off += sizeof(VlanHdr);
  }
  const Ipv4Hdr* ip = header_at<Ipv4Hdr>(f, off);
  if (type != kEtherTypeIpv4 || ip == nullptr) return false;
  const size_t hl = ip->header_len();
  if (hl < kIpv4MinHdr || f.size() - off < hl) return false;
  copy.assign(f.begin(), f.end());
  Ipv4Hdr& mip = *header_at<Ipv4Hdr>(std::span<std::byte>(copy), off);
  mip.check.set(0);
  mip.check.set(inet_checksum(std::span<const std::byte>(copy).subspan(off, hl)));
  return true;
}

void run_one(std::span<const std::byte> f) {
  PacketInfo info{};
  DropReason why = DropReason::kCount;
  if (!parse_frame(f, info, why)) {
    require(why < DropReason::kCount);
    return;
  }
  check_invariants(f, info);
  fuzz_builders(f, info);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> f(reinterpret_cast<const std::byte*>(data), size);
  run_one(f);
  std::vector<std::byte> fixed;
  if (with_fixed_ip_checksum(f, fixed)) run_one(fixed);
  return 0;
}
