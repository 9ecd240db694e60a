// pfsync constants and record sizes (shared/specs/pfsync.md §2.1, §2.4).
#include <catch2/catch.hpp>

#include "dataplane/pfsync/wire.h"

namespace dpf::pfsync {
namespace {

TEST_CASE("pfsync wire: the group 224.0.0.240 is sent to 01:00:5e:00:00:f0") {
  CHECK(kGroupAddr == 0xe00000f0);
  CHECK(kGroupMac == wire::MacAddr{0x01, 0x00, 0x5e, 0x00, 0x00, 0xf0});
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
