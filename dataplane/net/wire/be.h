// Big-endian (network order) integer fields as they sit on the wire: be16, be32 and be64. The
// bytes are kept in network order and the only way to read or write the value is get()/set(),
// which convert to/from host order, so a field is never used unconverted. Alignment 1, so wire
// structs built from them have no implicit padding and a view may sit at any offset of a frame.
// Any thread; header-only, nothing allocates.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace dpf::wire {

template <class T>
requires std::is_unsigned_v<T>
struct BigEndian {
  std::array<uint8_t, sizeof(T)> raw{};

  // At run time one load and one byte swap (the parser reads a few dozen fields a packet); in
  // constant evaluation, byte by byte.
  constexpr T get() const noexcept {
    if (std::is_constant_evaluated()) {
      T v = 0;
      for (uint8_t x : raw) v = static_cast<T>(v << 8 | x);
      return v;
    }
    T v;
    std::memcpy(&v, raw.data(), sizeof(T));
    return to_big(v);
  }
  constexpr void set(T v) noexcept {
    if (std::is_constant_evaluated()) {
      for (size_t i = 0; i < sizeof(T); ++i)
        raw[i] = static_cast<uint8_t>(v >> (8 * (sizeof(T) - 1 - i)));
      return;
    }
    v = to_big(v);
    std::memcpy(raw.data(), &v, sizeof(T));
  }
  static constexpr BigEndian of(T v) noexcept {
    BigEndian b;
    b.set(v);
    return b;
  }
  constexpr bool operator==(const BigEndian&) const noexcept = default;

 private:
  // Host order to network order and back (the same swap).
  static T to_big(T v) noexcept {
    if constexpr (std::endian::native == std::endian::big) {
      return v;
    } else if constexpr (sizeof(T) == 2) {
      return __builtin_bswap16(v);
    } else if constexpr (sizeof(T) == 4) {
      return __builtin_bswap32(v);
    } else {
      static_assert(sizeof(T) == 8);
      return __builtin_bswap64(v);
    }
  }
};

using be16 = BigEndian<uint16_t>;
using be32 = BigEndian<uint32_t>;
using be64 = BigEndian<uint64_t>;
static_assert(sizeof(be16) == 2 && alignof(be16) == 1);
static_assert(sizeof(be32) == 4 && alignof(be32) == 1);
static_assert(sizeof(be64) == 8 && alignof(be64) == 1);
static_assert(std::is_trivially_copyable_v<be64>);

}  // namespace dpf::wire
