// Byte cursors (see cursor.h).
#include "dataplane/net/wire/cursor.h"

namespace dpf::wire {

bool Reader::ensure(size_t n, std::string_view what) noexcept {
  if (failed_) return false;
  if (n <= remaining()) return true;
  failed_ = true;
  error_ = ShortRead{what, offset(), n, remaining()};
  return false;
}

uint8_t Reader::u8(std::string_view what) noexcept {
  if (!ensure(1, what)) return 0;
  return std::to_integer<uint8_t>(data_[pos_++]);
}

bool Reader::bytes(std::span<uint8_t> out, std::string_view what) noexcept {
  if (!ensure(out.size(), what)) return false;
  if (!out.empty()) std::memcpy(out.data(), data_.data() + pos_, out.size());
  pos_ += out.size();
  return true;
}

bool Reader::skip(size_t n, std::string_view what) noexcept {
  if (!ensure(n, what)) return false;
  pos_ += n;
  return true;
}

bool Reader::take(size_t n, Reader& out, std::string_view what) noexcept {
  if (!ensure(n, what)) return false;
  out = Reader(data_.subspan(pos_, n), offset());
  pos_ += n;
  return true;
}

void Writer::put(const void* p, size_t n) noexcept {
  if (!ok_ || out_.size() - pos_ < n) [[unlikely]] {
    ok_ = false;
    return;
  }
  if (n != 0) std::memcpy(out_.data() + pos_, p, n);
  pos_ += n;
}

}  // namespace dpf::wire
