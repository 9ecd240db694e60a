// Run-time hosts of overload tables: the lock-free host set itself, and rules naming an
// overload table that see hosts added after compilation (by the classifier and the linear walk).
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/unit/filter/filter_test_util.h"

namespace dpf::filter {
namespace {

using namespace testing;

Addr128 v4(uint32_t a) {
  return Addr128{uint64_t{a} << 32, 0};
}

Addr128 key(const char* text) {
  const pfconf::IpAddr a = ip(text);
  return addr_key(a.bytes.data(), a.af == pfconf::Af::kInet6);
}

TEST_CASE("host set: an added host is a member, others are not") {
  HostSet s(8);
  CHECK_FALSE(s.contains(false, v4(0x0a000001)));
  CHECK(s.insert(false, v4(0x0a000001)) == HostSet::Insert::kAdded);
  CHECK(s.contains(false, v4(0x0a000001)));
  CHECK_FALSE(s.contains(false, v4(0x0a000002)));
  CHECK_FALSE(s.contains(true, v4(0x0a000001)));  // families do not mix
  CHECK(s.insert(false, v4(0x0a000001)) == HostSet::Insert::kExists);
  CHECK(s.size() == 1);
}

TEST_CASE("host set: inserts beyond the capacity are refused") {
  HostSet s(4);
  for (uint32_t i = 1; i <= 4; ++i) REQUIRE(s.insert(false, v4(i)) == HostSet::Insert::kAdded);
  CHECK(s.insert(false, v4(5)) == HostSet::Insert::kFull);
  CHECK_FALSE(s.contains(false, v4(5)));
  CHECK(s.entries().size() == 4);
}

TEST_CASE("host set: clear empties it") {
  HostSet s(8);
  s.insert(false, v4(1));
  s.insert(true, key("2001:db8::5"));
  CHECK(s.entries().size() == 2);
  s.clear();
  CHECK(s.size() == 0);
  CHECK_FALSE(s.contains(false, v4(1)));
  CHECK_FALSE(s.contains(true, key("2001:db8::5")));
}

TEST_CASE("host set: hosts added by two threads at once are all found") {
  HostSet s(4096);
  auto add = [&](uint32_t base) {
    for (uint32_t i = 0; i < 1500; ++i) s.insert(false, v4(base + i));
  };
  std::thread a(add, 0x0a000000);
  std::thread b(add, 0x0b000000);
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) (void)s.contains(false, v4(0x0c000000));
  });
  a.join();
  b.join();
  stop = true;
  reader.join();
  for (uint32_t i = 0; i < 1500; ++i) {
    REQUIRE(s.contains(false, v4(0x0a000000 + i)));
    REQUIRE(s.contains(false, v4(0x0b000000 + i)));
  }
  CHECK(s.size() == 3000);
}

const char* kOverloadRules = R"(
table <bad> persist
block in quick from <bad>
pass in on em1 proto tcp to port 22 keep state (max-src-conn 3, overload <bad> flush global)
pass in on em1 proto tcp to port 80 keep state
)";

TEST_CASE("overload table: a host added at run time is blocked by rules naming the table") {
  auto rs = compile_text(kOverloadRules);
  REQUIRE(rs);
  const Packet p = packet(Direction::kIn, 1, wire::kIpProtoTcp, "10.0.0.9", 40000, "192.0.2.7", 80);
  CHECK(evaluate(*rs, p).action == Decision::kPass);
  REQUIRE(rs->states[1].has_overload);
  HostSet* bad = rs->hosts[rs->states[1].overload_set];
  REQUIRE(bad != nullptr);
  REQUIRE(bad->insert(false, key("10.0.0.9")) == HostSet::Insert::kAdded);
  const Verdict v = evaluate(*rs, p);
  CHECK(v.action == Decision::kBlock);
  CHECK(v.rule_nr == 0);
  CHECK(evaluate_linear(*rs, p).rule_nr == 0);
  const Packet other =
      packet(Direction::kIn, 1, wire::kIpProtoTcp, "10.0.0.8", 40000, "192.0.2.7", 80);
  CHECK(evaluate(*rs, other).action == Decision::kPass);
}

TEST_CASE("overload table: the resolver supplies the node's host set for the table") {
  HostSet mine;
  std::string asked;
  pfconf::Result res = pfconf::parse_ruleset(kOverloadRules, "t.conf", pfconf::ParseOptions{});
  REQUIRE(res.ok());
  std::string error;
  auto rs = compile(*res.ruleset, test_interfaces(), error, [&](const std::string& name) {
    asked = name;
    return &mine;
  });
  REQUIRE(rs);
  CHECK(asked == "bad");
  CHECK(rs->own_hosts.empty());
  mine.insert(false, key("10.0.0.9"));
  const Packet p = packet(Direction::kIn, 1, wire::kIpProtoTcp, "10.0.0.9", 40000, "192.0.2.7", 22);
  CHECK(evaluate(*rs, p).action == Decision::kBlock);
}

TEST_CASE("overload table: static entries and run-time hosts both count, negation included") {
  auto rs = compile_text(R"(
table <bad> { 10.9.0.0/16 }
pass in on em1 proto tcp to port 22 keep state (max-src-conn 1, overload <bad>)
block in quick proto tcp from ! <bad> to port 25
)");
  REQUIRE(rs);
  HostSet* bad = rs->hosts[rs->states[0].overload_set];
  REQUIRE(bad != nullptr);
  const Packet stat = packet(Direction::kIn, 1, wire::kIpProtoTcp, "10.9.1.1", 1, "192.0.2.7", 25);
  const Packet dyn = packet(Direction::kIn, 1, wire::kIpProtoTcp, "10.0.0.5", 1, "192.0.2.7", 25);
  CHECK(evaluate(*rs, stat).action == Decision::kPass);
  CHECK(evaluate(*rs, dyn).action == Decision::kBlock);
  bad->insert(false, key("10.0.0.5"));
  CHECK(evaluate(*rs, dyn).action == Decision::kPass);
  CHECK(evaluate_linear(*rs, dyn).action == Decision::kPass);
}

}  // namespace
}  // namespace dpf::filter
