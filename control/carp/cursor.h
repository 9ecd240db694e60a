// A bounds-checked reader and a writer over byte spans, for the CARP codec and frame helpers.
// Pure, header-only, no allocation; every read can fail and a failed read leaves the cursor
// unusable (ok() false), so a decoder checks once after a group of reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dpf::carp {

class Reader {
 public:
  explicit Reader(std::span<const std::byte> data) : data_(data) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }

  uint8_t u8() {
    if (!need(1)) return 0;
    return std::to_integer<uint8_t>(data_[pos_++]);
  }
  uint16_t be16() {
    if (!need(2)) return 0;
    uint16_t v = static_cast<uint16_t>(std::to_integer<uint16_t>(data_[pos_]) << 8 |
                                       std::to_integer<uint16_t>(data_[pos_ + 1]));
    pos_ += 2;
    return v;
  }
  uint32_t be32() {
    uint32_t hi = be16();
    return hi << 16 | be16();
  }
  uint64_t be64() {
    uint64_t hi = be32();
    return hi << 32 | be32();
  }
  // Copies n bytes into out (which must hold n); returns false when fewer are left.
  bool bytes(std::span<uint8_t> out) {
    if (!need(out.size())) return false;
    for (auto& b : out) b = std::to_integer<uint8_t>(data_[pos_++]);
    return true;
  }
  // A view of the next n bytes, or an empty span when fewer are left.
  std::span<const std::byte> take(size_t n) {
    if (!need(n)) return {};
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  bool need(size_t n) {
    if (ok_ && data_.size() - pos_ >= n) return true;
    ok_ = false;
    return false;
  }

  std::span<const std::byte> data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Writes into a span sized by the caller from wire.h constants; writing past the end is a
// programming error caught by ok() in tests, never a buffer overrun.
class Writer {
 public:
  explicit Writer(std::span<std::byte> out) : out_(out) {}

  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }

  void u8(uint8_t v) {
    if (!need(1)) return;
    out_[pos_++] = std::byte{v};
  }
  void be16(uint16_t v) {
    u8(static_cast<uint8_t>(v >> 8));
    u8(static_cast<uint8_t>(v));
  }
  void be32(uint32_t v) {
    be16(static_cast<uint16_t>(v >> 16));
    be16(static_cast<uint16_t>(v));
  }
  void be64(uint64_t v) {
    be32(static_cast<uint32_t>(v >> 32));
    be32(static_cast<uint32_t>(v));
  }
  void bytes(std::span<const uint8_t> in) {
    for (uint8_t b : in) u8(b);
  }

 private:
  bool need(size_t n) {
    if (ok_ && out_.size() - pos_ >= n) return true;
    ok_ = false;
    return false;
  }

  std::span<std::byte> out_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace dpf::carp
