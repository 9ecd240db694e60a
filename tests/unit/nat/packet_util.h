// Helpers for the NAT tests: IPv4 packets built field by field with every checksum computed in
// full (the reference the incremental updates are compared with), and ICMP errors quoting them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "dataplane/net/wire/checksum.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::nat::test {

using Bytes = std::vector<std::byte>;

inline uint16_t get16(std::span<const std::byte> b, size_t off) {
  return static_cast<uint16_t>(std::to_integer<uint8_t>(b[off]) << 8 |
                               std::to_integer<uint8_t>(b[off + 1]));
}
inline void put16(std::span<std::byte> b, size_t off, uint16_t v) {
  b[off] = std::byte{static_cast<uint8_t>(v >> 8)};
  b[off + 1] = std::byte{static_cast<uint8_t>(v)};
}
inline uint32_t get32(std::span<const std::byte> b, size_t off) {
  return uint32_t{get16(b, off)} << 16 | get16(b, off + 2);
}
inline void put32(std::span<std::byte> b, size_t off, uint32_t v) {
  put16(b, off, static_cast<uint16_t>(v >> 16));
  put16(b, off + 2, static_cast<uint16_t>(v));
}

inline Bytes random_bytes(std::mt19937& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = std::byte{static_cast<uint8_t>(rng())};
  return b;
}

inline size_t ip_header_len(std::span<const std::byte> p) {
  return size_t{std::to_integer<uint8_t>(p[0]) & 0x0fu} * 4;
}

// Recomputes, in full, the IPv4 header checksum and the checksum of the TCP, UDP or ICMP message
// behind it (over the whole datagram). `udp_none`: leave a UDP checksum at 0 ("not computed").
inline void fix_checksums(Bytes& p, bool udp_none = false) {
  const std::span<std::byte> s(p);
  const size_t hl = ip_header_len(s);
  put16(s, 10, 0);
  put16(s, 10, wire::inet_checksum(s.first(hl)));
  const uint8_t proto = std::to_integer<uint8_t>(p[9]);
  const std::span<std::byte> l4 = s.subspan(hl);
  const uint32_t src = get32(s, 12), dst = get32(s, 16);
  if (proto == wire::kIpProtoTcp) {
    put16(l4, 16, 0);
    put16(l4, 16, wire::l4_checksum_ipv4(src, dst, proto, l4));
  } else if (proto == wire::kIpProtoUdp) {
    put16(l4, 6, 0);
    if (udp_none) return;
    const uint16_t c = wire::l4_checksum_ipv4(src, dst, proto, l4);
    put16(l4, 6, c == 0 ? 0xffff : c);
  } else if (proto == wire::kIpProtoIcmp) {
    put16(l4, 2, 0);
    put16(l4, 2, wire::inet_checksum(l4));
  }
}

// An IPv4 packet around `l4`, with `option_words` 32-bit words of NOP options, all checksums
// computed.
inline Bytes ipv4_packet(uint8_t proto, uint32_t src, uint32_t dst, std::span<const std::byte> l4,
                         size_t option_words = 0, bool udp_none = false) {
  const size_t hl = 20 + option_words * 4;
  Bytes p(hl + l4.size());
  const std::span<std::byte> s(p);
  p[0] = std::byte{static_cast<uint8_t>(0x40 | (hl / 4))};
  put16(s, 2, static_cast<uint16_t>(p.size()));
  put16(s, 4, 0x1c46);
  put16(s, 6, wire::kIpv4FlagDf);
  p[8] = std::byte{64};
  p[9] = std::byte{proto};
  put32(s, 12, src);
  put32(s, 16, dst);
  std::fill(p.begin() + 20, p.begin() + static_cast<ptrdiff_t>(hl), std::byte{wire::kIpOptNop});
  std::copy(l4.begin(), l4.end(), p.begin() + static_cast<ptrdiff_t>(hl));
  fix_checksums(p, udp_none);
  return p;
}

inline Bytes tcp_segment(uint16_t sport, uint16_t dport, std::span<const std::byte> payload) {
  Bytes t(20 + payload.size());
  const std::span<std::byte> s(t);
  put16(s, 0, sport);
  put16(s, 2, dport);
  put32(s, 4, 0x12345678);
  put32(s, 8, 0x9abcdef0);
  t[12] = std::byte{0x50};
  t[13] = std::byte{wire::kTcpAck | wire::kTcpPsh};
  put16(s, 14, 65535);
  std::copy(payload.begin(), payload.end(), t.begin() + 20);
  return t;
}

inline Bytes udp_datagram(uint16_t sport, uint16_t dport, std::span<const std::byte> payload) {
  Bytes u(8 + payload.size());
  const std::span<std::byte> s(u);
  put16(s, 0, sport);
  put16(s, 2, dport);
  put16(s, 4, static_cast<uint16_t>(u.size()));
  std::copy(payload.begin(), payload.end(), u.begin() + 8);
  return u;
}

inline Bytes icmp_message(uint8_t type, uint8_t code, uint16_t id, uint16_t seq,
                          std::span<const std::byte> payload) {
  Bytes m(8 + payload.size());
  const std::span<std::byte> s(m);
  m[0] = std::byte{type};
  m[1] = std::byte{code};
  put16(s, 4, id);
  put16(s, 6, seq);
  std::copy(payload.begin(), payload.end(), m.begin() + 8);
  return m;
}

// The ICMP error `type`/`code` that router `from` sends to `to` about `quoted`, quoting its IP
// header and `l4_bytes` bytes of what follows (8 by RFC 792; more as RFC 1812 allows).
inline Bytes icmp_error(uint8_t type, uint8_t code, uint32_t from, uint32_t to,
                        std::span<const std::byte> quoted, size_t l4_bytes) {
  const size_t n = std::min(quoted.size(), ip_header_len(quoted) + l4_bytes);
  Bytes m = icmp_message(type, code, 0, 0, quoted.first(n));
  return ipv4_packet(wire::kIpProtoIcmp, from, to, m);
}

}  // namespace dpf::nat::test
