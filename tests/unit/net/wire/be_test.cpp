// Endian-tagged wire fields: big-endian byte order in, host values out.
#include "dataplane/net/wire/be.h"

#include <catch2/catch.hpp>

using namespace dpf::wire;

TEST_CASE("wire be: be16, be32 and be64 store the most significant byte first") {
  be16 a;
  a.set(0x1234);
  CHECK(a.raw == std::array<uint8_t, 2>{0x12, 0x34});
  CHECK(a.get() == 0x1234);
  be32 b;
  b.set(0xa0b0c0d0);
  CHECK(b.raw == std::array<uint8_t, 4>{0xa0, 0xb0, 0xc0, 0xd0});
  CHECK(b.get() == 0xa0b0c0d0);
  be64 c;
  c.set(0x0102030405060708ull);
  CHECK(c.raw == std::array<uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(c.get() == 0x0102030405060708ull);
}

TEST_CASE("wire be: a field starts zeroed, and of() builds one from a host value") {
  CHECK(be32{}.get() == 0);
  constexpr be16 k = be16::of(0xbeef);
  static_assert(k.get() == 0xbeef);
  CHECK(k.raw == std::array<uint8_t, 2>{0xbe, 0xef});
  CHECK(be64::of(1).raw == std::array<uint8_t, 8>{0, 0, 0, 0, 0, 0, 0, 1});
}

TEST_CASE("wire be: the all-ones and top-bit values survive a round trip") {
  be16 a;
  a.set(0xffff);
  CHECK(a.get() == 0xffff);
  be32 b;
  b.set(0x80000000u);
  CHECK(b.get() == 0x80000000u);
  be64 c;
  c.set(~0ull);
  CHECK(c.get() == ~0ull);
}

TEST_CASE("wire be: fields have alignment 1, so a struct of them has no padding") {
  struct Packed {
    uint8_t a;
    be32 b;
    be16 c;
    be64 d;
  };
  static_assert(sizeof(Packed) == 15 && alignof(Packed) == 1);
  CHECK(sizeof(Packed) == 15);
}
