// Endian-tagged wire fields: big-endian byte order in, host values out.
#include <catch2/catch.hpp>

#include "dataplane/pfsync/wire.h"

namespace dpf::pfsync {
namespace {

TEST_CASE("pfsync wire: be16, be32 and be64 store the most significant byte first") {
  be16 a;
  a.set(0x1234);
  CHECK(a.b == std::array<uint8_t, 2>{0x12, 0x34});
  CHECK(a.get() == 0x1234);
  be32 b;
  b.set(0xa0b0c0d0);
  CHECK(b.b == std::array<uint8_t, 4>{0xa0, 0xb0, 0xc0, 0xd0});
  CHECK(b.get() == 0xa0b0c0d0);
  be64 c;
  c.set(0x0102030405060708ull);
  CHECK(c.b == std::array<uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(c.get() == 0x0102030405060708ull);
}

TEST_CASE("pfsync wire: record sizes follow the action table of the spec") {
  CHECK(record_size(uint8_t(Action::kClr)) == 20);
  CHECK(record_size(uint8_t(Action::kIns)) == 242);
  CHECK(record_size(uint8_t(Action::kUpdC)) == 84);
  CHECK(record_size(uint8_t(Action::kDelC)) == 12);
  CHECK(record_size(uint8_t(Action::kTdb)) == 48);
  CHECK(record_size(uint8_t(Action::kUpd1400)) == 277);
  CHECK(record_size(uint8_t(Action::kInsF)) == 0);
  CHECK(record_size(uint8_t(Action::kEof)) == 0);
  CHECK(record_size(kActionCount) == 0);
}

}  // namespace
}  // namespace dpf::pfsync
