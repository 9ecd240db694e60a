// Helpers shared by the net unit tests: golden frames as mutable byte vectors and header fix-ups
// for building malformed variants of them.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include "dataplane/net/wire/checksum.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::net::test {

template <size_t N>
std::vector<std::byte> frame_of(const std::array<unsigned char, N>& a) {
  std::vector<std::byte> v(N);
  for (size_t i = 0; i < N; ++i) v[i] = std::byte{a[i]};
  return v;
}

// The IPv4 header of an untagged frame.
inline wire::Ipv4Hdr& ip_of(std::vector<std::byte>& f, size_t l3_off = sizeof(wire::EtherHdr)) {
  return *wire::header_at<wire::Ipv4Hdr>(std::span<std::byte>(f), l3_off);
}

// Recomputes the IPv4 header checksum after a test changed a header field.
inline void fix_ip_checksum(std::vector<std::byte>& f, size_t l3_off = sizeof(wire::EtherHdr)) {
  wire::Ipv4Hdr& ip = ip_of(f, l3_off);
  ip.check.set(0);
  const size_t hl = std::min(ip.header_len(), f.size() - l3_off);
  ip.check.set(wire::inet_checksum(std::span<const std::byte>(f).subspan(l3_off, hl)));
}

}  // namespace dpf::net::test
