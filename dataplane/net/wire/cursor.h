// The one bounds-checked byte cursor pair for every wire decoder and encoder (pfsync, CARP):
// Reader walks received bytes it does not own, Writer fills a caller buffer. Every read checks
// the length first and fails without moving; the first failure is remembered together with what
// was short (field name, frame offset, bytes wanted and left), and later reads fail too, so a
// decoder may check once after a group of reads and still say which field fell short.
// Any thread; header + small .cpp, no allocation, no exceptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "dataplane/net/wire/be.h"

namespace dpf::wire {

// What a failed read wanted: `need` bytes of `what` at `offset` (from the start of the frame),
// with only `have` left.
struct ShortRead {
  std::string_view what;
  size_t offset = 0;
  size_t need = 0;
  size_t have = 0;
  bool operator==(const ShortRead&) const = default;
};

class Reader {
 public:
  // `base`: the offset of data[0] in the frame, so that offsets in ShortRead stay frame-relative.
  constexpr explicit Reader(std::span<const std::byte> data, size_t base = 0) noexcept
      : data_(data), base_(base) {}

  size_t offset() const noexcept { return base_ + pos_; }  // from the start of the frame
  size_t remaining() const noexcept { return data_.size() - pos_; }
  bool failed() const noexcept { return failed_; }
  bool ok() const noexcept { return !failed_; }
  const ShortRead& error() const noexcept { return error_; }

  // Copies sizeof(T) bytes into `out`; T is a wire struct (alignment 1) or a byte.
  template <typename T>
  bool read(T& out, std::string_view what) noexcept {
    static_assert(std::is_trivially_copyable_v<T> && alignof(T) == 1);
    if (!ensure(sizeof(T), what)) return false;
    std::memcpy(&out, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }

  // Host-order integers from big-endian bytes; 0 once a read has failed.
  uint8_t u8(std::string_view what) noexcept;
  uint16_t be16(std::string_view what) noexcept { return read_be<uint16_t>(what); }
  uint32_t be32(std::string_view what) noexcept { return read_be<uint32_t>(what); }
  uint64_t be64(std::string_view what) noexcept { return read_be<uint64_t>(what); }
  // Copies out.size() bytes into `out`.
  bool bytes(std::span<uint8_t> out, std::string_view what) noexcept;

  bool skip(size_t n, std::string_view what) noexcept;
  // Splits off the next `n` bytes as their own reader (offsets stay frame-relative).
  bool take(size_t n, Reader& out, std::string_view what) noexcept;

 private:
  bool ensure(size_t n, std::string_view what) noexcept;
  template <typename T>
  T read_be(std::string_view what) noexcept {
    BigEndian<T> v;
    return read(v, what) ? v.get() : T{0};
  }

  std::span<const std::byte> data_;
  size_t base_ = 0;
  size_t pos_ = 0;
  bool failed_ = false;
  ShortRead error_{};
};

// Writes into a span sized by the caller from the layout constants. Writing past the end does
// not write and leaves ok() false for good: a programming error caught in tests, never an
// overrun.
class Writer {
 public:
  constexpr explicit Writer(std::span<std::byte> out) noexcept : out_(out) {}

  bool ok() const noexcept { return ok_; }
  size_t pos() const noexcept { return pos_; }

  void u8(uint8_t v) noexcept { put(&v, 1); }
  void be16(uint16_t v) noexcept { write(BigEndian<uint16_t>::of(v)); }
  void be32(uint32_t v) noexcept { write(BigEndian<uint32_t>::of(v)); }
  void be64(uint64_t v) noexcept { write(BigEndian<uint64_t>::of(v)); }
  void bytes(std::span<const uint8_t> in) noexcept { put(in.data(), in.size()); }
  void bytes(std::span<const std::byte> in) noexcept { put(in.data(), in.size()); }

  // Copies a wire struct (alignment 1).
  template <typename T>
  void write(const T& v) noexcept {
    static_assert(std::is_trivially_copyable_v<T> && alignof(T) == 1);
    put(&v, sizeof(T));
  }

 private:
  void put(const void* p, size_t n) noexcept;

  std::span<std::byte> out_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace dpf::wire
