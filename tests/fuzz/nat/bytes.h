// Big-endian reads and writes at byte offsets and a check of which bytes changed, for the nat
// fuzzers' checks over packet bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dpf::nat::fuzz {

inline uint8_t u8(std::span<const std::byte> b, size_t off) {
  return std::to_integer<uint8_t>(b[off]);
}
inline uint16_t get16(std::span<const std::byte> b, size_t off) {
  return static_cast<uint16_t>(u8(b, off) << 8 | u8(b, off + 1));
}
inline uint32_t get32(std::span<const std::byte> b, size_t off) {
  return uint32_t{get16(b, off)} << 16 | get16(b, off + 2);
}
inline void put16(std::span<std::byte> b, size_t off, uint16_t v) {
  b[off] = std::byte{static_cast<uint8_t>(v >> 8)};
  b[off + 1] = std::byte{static_cast<uint8_t>(v)};
}

// A field of a packet: `len` bytes at `off`.
struct Field {
  size_t off, len;
};

// Every byte in which `a` and `b` (of one size) differ lies in one of the `allowed` fields.
inline bool only_fields_changed(std::span<const std::byte> a, std::span<const std::byte> b,
                                std::span<const Field> allowed) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    bool ok = false;
    for (const Field& f : allowed) ok = ok || (i >= f.off && i < f.off + f.len);
    if (!ok) return false;
  }
  return true;
}

}  // namespace dpf::nat::fuzz
