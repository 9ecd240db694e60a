// Prefix sets: pf's table semantics (longest prefix decides, negated entries exclude) over
// IPv4 and IPv6, and the intervals the classifier builds on.
#include <catch2/catch.hpp>

#include "dataplane/filter/prefix_set.h"
#include "tests/unit/filter/filter_test_util.h"

namespace dpf::filter {
namespace {

Addr128 key(const char* text) {
  pfconf::IpAddr a = testing::ip(text);
  return addr_key(a.bytes.data(), a.af == pfconf::Af::kInet6);
}

PrefixEntry entry(const char* text, uint8_t bits, bool negated = false) {
  return {key(text), bits, negated};
}

TEST_CASE("prefix set: the longest matching prefix decides membership") {
  PrefixSet s = PrefixSet::build({entry("10.0.0.0", 8), entry("10.1.0.0", 16, true),
                                  entry("10.1.2.0", 24), entry("10.1.2.3", 32, true)},
                                 {});
  CHECK(s.contains(false, key("10.0.0.0")));
  CHECK(s.contains(false, key("10.255.255.255")));
  CHECK_FALSE(s.contains(false, key("10.1.0.0")));
  CHECK_FALSE(s.contains(false, key("10.1.255.255")));
  CHECK(s.contains(false, key("10.1.2.0")));
  CHECK(s.contains(false, key("10.1.2.4")));
  CHECK_FALSE(s.contains(false, key("10.1.2.3")));
  CHECK_FALSE(s.contains(false, key("10.1.3.0")));
  CHECK(s.contains(false, key("10.2.0.0")));
  CHECK_FALSE(s.contains(false, key("9.255.255.255")));
  CHECK_FALSE(s.contains(false, key("11.0.0.0")));
}

TEST_CASE("prefix set: families are separate") {
  PrefixSet s = PrefixSet::build({entry("0.0.0.0", 0)}, {entry("2001:db8::", 32)});
  CHECK(s.contains(false, key("255.255.255.255")));
  CHECK(s.contains(false, key("0.0.0.0")));
  CHECK(s.contains(true, key("2001:db8:ffff::1")));
  CHECK_FALSE(s.contains(true, key("2001:db9::")));
  CHECK_FALSE(s.contains(true, key("::")));
  PrefixSet only6 = PrefixSet::build({}, {entry("::", 0)});
  CHECK_FALSE(only6.contains(false, key("10.0.0.1")));
  CHECK(only6.contains(true, key("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
}

TEST_CASE("prefix set: a negated entry alone matches nothing") {
  PrefixSet s = PrefixSet::build({entry("10.0.0.0", 8, true)}, {});
  CHECK_FALSE(s.contains(false, key("10.0.0.1")));
  CHECK(s.empty(false));
}

TEST_CASE("prefix set: of two entries with the same prefix the later wins") {
  PrefixSet s = PrefixSet::build({entry("10.0.0.0", 8), entry("10.0.0.0", 8, true)}, {});
  CHECK_FALSE(s.contains(false, key("10.0.0.1")));
}

TEST_CASE("prefix set: host bits beyond the prefix are ignored") {
  PrefixSet s = PrefixSet::build({entry("10.9.9.9", 8)}, {});
  CHECK(s.contains(false, key("10.0.0.0")));
}

TEST_CASE("prefix set: intervals are the maximal runs of members") {
  PrefixSet s =
      PrefixSet::build({entry("10.0.0.0", 8), entry("10.1.0.0", 16, true), entry("11.0.0.0", 8)},
                       {entry("2001:db8::", 32), entry("::", 0, true)});
  auto v4 = s.intervals(false);
  REQUIRE(v4.size() == 2);
  CHECK(v4[0].first == key("10.0.0.0"));
  // IPv4 keys use the top 32 bits; an interval's end covers the unused low bits too.
  CHECK(v4[0].last == Addr128{key("10.0.255.255").hi | 0xffffffffu, ~uint64_t{0}});
  CHECK(v4[1].first == key("10.2.0.0"));
  CHECK(v4[1].last == Addr128{key("11.255.255.255").hi | 0xffffffffu, ~uint64_t{0}});
  auto v6 = s.intervals(true);
  REQUIRE(v6.size() == 1);
  CHECK(v6[0].first == key("2001:db8::"));
  CHECK(v6[0].last == key("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
  PrefixSet all = PrefixSet::build({entry("0.0.0.0", 0)}, {entry("::", 0)});
  REQUIRE(all.intervals(true).size() == 1);
  CHECK(all.intervals(true)[0].last == kAddrMax);
}

TEST_CASE("prefix set: many random host entries are all found and neighbours are not") {
  std::vector<PrefixEntry> v4;
  for (uint32_t i = 0; i < 2000; ++i) {
    uint64_t a = (uint64_t{0x0a000000} + i * 7) << 32;
    v4.push_back({{a, 0}, 32, false});
  }
  PrefixSet s = PrefixSet::build(v4, {});
  for (uint32_t i = 0; i < 2000; ++i) {
    uint64_t a = (uint64_t{0x0a000000} + i * 7) << 32;
    CHECK(s.contains(false, {a, 0}));
    CHECK_FALSE(s.contains(false, {a + (uint64_t{1} << 32), 0}));
  }
}

}  // namespace
}  // namespace dpf::filter
