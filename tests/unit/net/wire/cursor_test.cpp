// The byte cursors: a Reader that fails without moving and records which read fell short, and a
// Writer that never writes past its span.
#include "dataplane/net/wire/cursor.h"

#include <array>
#include <catch2/catch.hpp>

using namespace dpf::wire;

namespace {

template <size_t N>
std::array<std::byte, N> bytes_of(const std::array<uint8_t, N>& a) {
  std::array<std::byte, N> out{};
  for (size_t i = 0; i < N; ++i) out[i] = std::byte{a[i]};
  return out;
}

}  // namespace

TEST_CASE("wire reader: a short read names the field, the offset and what was missing") {
  const std::array<std::byte, 6> bytes{};
  Reader c(bytes, 100);
  be32 x{};
  REQUIRE(c.read(x, "first"));
  CHECK(c.offset() == 104);
  CHECK_FALSE(c.read(x, "second"));
  CHECK(c.failed());
  CHECK_FALSE(c.ok());
  CHECK(c.error() == ShortRead{"second", 104, 4, 2});
  CHECK(c.offset() == 104);
  uint8_t b = 0;
  CHECK_FALSE(c.read(b, "third"));  // a failed reader stays failed, the first error is kept
  CHECK(c.error().what == "second");
}

TEST_CASE("wire reader: take splits off a sub-reader with frame-relative offsets") {
  const std::array<std::byte, 10> bytes{};
  Reader c(bytes);
  REQUIRE(c.skip(3, "skip"));
  Reader sub(std::span<const std::byte>{});
  REQUIRE(c.take(4, sub, "sub"));
  CHECK(sub.offset() == 3);
  CHECK(sub.remaining() == 4);
  CHECK(c.remaining() == 3);
  CHECK_FALSE(c.take(4, sub, "too much"));
  CHECK(c.error() == ShortRead{"too much", 7, 4, 3});
}

TEST_CASE("wire reader: integers are read big-endian into host order") {
  const auto in = bytes_of<15>({0x01, 0x12, 0x34, 0xa0, 0xb0, 0xc0, 0xd0, 1, 2, 3, 4, 5, 6, 7, 8});
  Reader r(in);
  CHECK(r.u8("a") == 0x01);
  CHECK(r.be16("b") == 0x1234);
  CHECK(r.be32("c") == 0xa0b0c0d0u);
  CHECK(r.be64("d") == 0x0102030405060708ull);
  CHECK(r.remaining() == 0);
  CHECK(r.ok());
}

TEST_CASE("wire reader: a failed integer read returns 0 and later reads fail too") {
  const auto in = bytes_of<3>({0xff, 0xff, 0xff});
  Reader r(in);
  CHECK(r.be16("first") == 0xffff);
  CHECK(r.be32("counter") == 0);
  CHECK(r.error() == ShortRead{"counter", 2, 4, 1});
  CHECK(r.u8("last byte") == 0);  // one byte is there, but the reader has failed
  CHECK(r.error().what == "counter");
}

TEST_CASE("wire reader: bytes copies exactly the span's size or fails without copying") {
  const auto in = bytes_of<4>({9, 8, 7, 6});
  Reader r(in);
  std::array<uint8_t, 3> out{};
  REQUIRE(r.bytes(out, "three"));
  CHECK(out == std::array<uint8_t, 3>{9, 8, 7});
  std::array<uint8_t, 2> more{0xaa, 0xaa};
  CHECK_FALSE(r.bytes(more, "two"));
  CHECK(more == std::array<uint8_t, 2>{0xaa, 0xaa});
  CHECK(r.error() == ShortRead{"two", 3, 2, 1});
}

TEST_CASE("wire writer: integers go out big-endian, then bytes and wire structs as they are") {
  std::array<std::byte, 19> out{};
  Writer w(out);
  w.u8(0x01);
  w.be16(0x1234);
  w.be32(0xa0b0c0d0u);
  w.be64(0x0102030405060708ull);
  w.bytes(std::array<uint8_t, 2>{0xde, 0xad});
  w.write(be16::of(0xbeef));
  CHECK(w.ok());
  CHECK(w.pos() == out.size());
  CHECK(out == bytes_of<19>({0x01, 0x12, 0x34, 0xa0, 0xb0, 0xc0, 0xd0, 1, 2, 3, 4, 5, 6, 7, 8, 0xde,
                             0xad, 0xbe, 0xef}));
}

TEST_CASE("wire writer: a write past the end writes nothing and leaves the writer failed") {
  std::array<std::byte, 5> out{};
  Writer w(out);
  w.be32(0x11223344);
  w.be16(0x5566);  // one byte short
  CHECK_FALSE(w.ok());
  CHECK(w.pos() == 4);
  CHECK(out[4] == std::byte{0});
  w.u8(0x77);  // would fit, but the writer has failed
  CHECK(out[4] == std::byte{0});
  CHECK(w.pos() == 4);
}
