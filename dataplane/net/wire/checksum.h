// The one Internet checksum (RFC 1071) and its incremental update (RFC 1624), for IPv4, ICMP,
// ICMPv6, UDP, TCP, CARP and pfsync, with the IPv4 and IPv6 pseudo-header sums. Any thread; no
// allocation, no exceptions.
// Byte order: every 16-bit value taken or returned here is the field's value in HOST order, i.e.
// what be16::get() reads and be16::set() writes. So `hdr.check.set(inet_checksum(bytes))` stores a
// correct checksum, and a span that includes a correct checksum field sums to 0.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "dataplane/net/wire/headers.h"

namespace dpf::wire {

namespace detail {
// Folds a one's complement sum held in 64 bits down to 16 bits (end-around carry).
constexpr uint16_t fold64(uint64_t s) noexcept {
  s = (s & 0xffffffffu) + (s >> 32);
  s = (s & 0xffffffffu) + (s >> 32);
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  return static_cast<uint16_t>(s);
}

// One's complement sum of `b` as big-endian 16-bit words (an odd last byte is padded with zero),
// returned folded to 16 bits in host order. Sums native-order 32-bit loads and swaps once at the
// end: the one's complement sum commutes with byte swapping (RFC 1071 §2 (B)).
inline uint16_t ones_sum(std::span<const std::byte> b) noexcept {
  uint64_t s = 0;
  const std::byte* p = b.data();
  size_t n = b.size();
  while (n >= 4) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    s += w;
    p += 4;
    n -= 4;
  }
  if (n != 0) {
    // The last 1-3 bytes as one zero-padded 32-bit load: a lone last byte is then the high byte
    // of a big-endian word (its address is the lower one), as RFC 1071 pads it.
    uint32_t w = 0;
    std::memcpy(&w, p, n);
    s += w;
  }
  uint16_t f = fold64(s);
  if constexpr (std::endian::native == std::endian::little) f = __builtin_bswap16(f);
  return f;
}
}  // namespace detail

// RFC 1071 checksum of `data`: the one's complement of the one's complement sum of its big-endian
// 16-bit words plus `initial` (a partial sum in host order, e.g. a pseudo-header's; any 32-bit
// value, folded). Store the result with be16::set(). Verifying: returns 0 over data that contains
// its correct checksum.
inline uint16_t inet_checksum(std::span<const std::byte> data, uint32_t initial = 0) noexcept {
  uint64_t s = uint64_t{detail::ones_sum(data)} + initial;
  return static_cast<uint16_t>(~detail::fold64(s));
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). The checksum field `cksum` after the 16-bit word
// covered by it changes from `old_word` to `new_word`. All values in host order.
constexpr uint16_t checksum_adjust16(uint16_t cksum, uint16_t old_word,
                                     uint16_t new_word) noexcept {
  uint32_t s = uint32_t{static_cast<uint16_t>(~cksum)} + uint16_t(~old_word) + new_word;
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  return static_cast<uint16_t>(~s);
}

// Same for a 32-bit field (an address): two 16-bit word updates.
constexpr uint16_t checksum_adjust32(uint16_t cksum, uint32_t old_val, uint32_t new_val) noexcept {
  cksum = checksum_adjust16(cksum, static_cast<uint16_t>(old_val >> 16),
                            static_cast<uint16_t>(new_val >> 16));
  return checksum_adjust16(cksum, static_cast<uint16_t>(old_val), static_cast<uint16_t>(new_val));
}

// Decrements the TTL of the IPv4 header starting at ip_header[0] and updates its checksum
// incrementally (the TTL shares a 16-bit word with the protocol). Precondition: the caller has
// checked the TTL is > 1 (a TTL of 0 is left alone); a span shorter than 20 bytes is left alone.
inline void ipv4_decrement_ttl(std::span<std::byte> ip_header) noexcept {
  Ipv4Hdr* ip = header_at<Ipv4Hdr>(ip_header, 0);
  if (ip == nullptr || ip->ttl == 0) [[unlikely]]
    return;
  const uint16_t old_word = static_cast<uint16_t>(ip->ttl << 8 | ip->proto);
  ip->ttl = static_cast<uint8_t>(ip->ttl - 1);
  ip->check.set(
      checksum_adjust16(ip->check.get(), old_word, static_cast<uint16_t>(old_word - 0x100)));
}

// One's complement sum of the IPv4 pseudo-header (RFC 793 §3.1, RFC 768) for an L4 segment of
// `l4_len` bytes. Addresses in host order. Usable as inet_checksum's `initial`.
constexpr uint32_t ipv4_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto,
                                   size_t l4_len) noexcept {
  return (src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) + proto +
         static_cast<uint32_t>(l4_len & 0xffffu);
}

// One's complement sum of the IPv6 pseudo-header (RFC 8200 §8.1): both addresses (16 network-order
// bytes each), the upper-layer length and the next header. Usable as inet_checksum's `initial`.
inline uint32_t ipv6_pseudo_sum(std::span<const uint8_t, 16> src, std::span<const uint8_t, 16> dst,
                                uint8_t next_hdr, uint32_t l4_len) noexcept {
  uint32_t s = detail::ones_sum(std::as_bytes(src));
  s += detail::ones_sum(std::as_bytes(dst));
  s += (l4_len >> 16) + (l4_len & 0xffffu) + next_hdr;
  return s;
}

// TCP/UDP checksum over the IPv4 pseudo-header and `l4` (the whole segment, header + payload).
// Addresses in host order. To fill in: zero the checksum field, compute, store with be16::set()
// (for UDP a result of 0 is sent as 0xffff, RFC 768). To verify: returns 0 over a segment whose
// checksum field is correct.
inline uint16_t l4_checksum_ipv4(uint32_t src, uint32_t dst, uint8_t proto,
                                 std::span<const std::byte> l4) noexcept {
  return inet_checksum(l4, ipv4_pseudo_sum(src, dst, proto, l4.size()));
}

// The same over the IPv6 pseudo-header (TCP, UDP and ICMPv6, RFC 8200 §8.1).
inline uint16_t l4_checksum_ipv6(std::span<const uint8_t, 16> src, std::span<const uint8_t, 16> dst,
                                 uint8_t next_hdr, std::span<const std::byte> l4) noexcept {
  return inet_checksum(l4, ipv6_pseudo_sum(src, dst, next_hdr, static_cast<uint32_t>(l4.size())));
}

}  // namespace dpf::wire
