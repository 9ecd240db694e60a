// Received Ethernet + IPv4 frames (see parse.h).
#include "dataplane/net/wire/parse.h"

#include "dataplane/net/wire/checksum.h"

namespace dpf::wire {

Ipv4Frame parse_ether_ipv4(std::span<const std::byte> frame) noexcept {
  Ipv4Frame f;
  f.eth = header_at<EtherHdr>(frame, 0);
  if (f.eth == nullptr) [[unlikely]]
    return f;
  f.error = Ipv4Frame::Error::kNotIpv4;
  if (f.eth->type.get() != kEtherTypeIpv4) [[unlikely]]
    return f;
  f.error = Ipv4Frame::Error::kShortIp;
  const std::span<const std::byte> ip = frame.subspan(sizeof(EtherHdr));
  f.ip = header_at<Ipv4Hdr>(ip, 0);
  if (f.ip == nullptr) [[unlikely]]
    return f;
  f.error = Ipv4Frame::Error::kBadHeader;
  const size_t hlen = f.ip->header_len();
  const size_t total = f.ip->total_len.get();
  if (f.ip->version() != 4 || hlen < kIpv4MinHdr || total < hlen || total > ip.size()) [[unlikely]]
    return f;
  f.error = Ipv4Frame::Error::kOk;
  f.checksum_ok = inet_checksum(ip.first(hlen)) == 0;
  f.fragment = (f.ip->frag_off.get() & (kIpv4FlagMf | kIpv4FragOffMask)) != 0;
  f.payload = ip.subspan(hlen, total - hlen);
  return f;
}

}  // namespace dpf::wire
