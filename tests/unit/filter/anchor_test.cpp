// Anchor calls among pf's translation statements (nat-anchor, rdr-anchor, binat-anchor) as the
// filter compiles them. No rules can be loaded into an anchor yet, so a call matches nothing, as
// a call of an anchor nobody loaded rules into matches nothing in pf: the statements around it
// translate as they would without it, and keep pfctl's numbers (the call has its own @N).
// Rulesets go through the real parser.
#include <catch2/catch.hpp>
#include <string>

#include "tests/unit/filter/filter_test_util.h"

namespace dpf::filter {
namespace {

using namespace testing;

constexpr Direction kIn = Direction::kIn;
constexpr Direction kOut = Direction::kOut;
constexpr uint16_t kEm0 = 0;

std::unique_ptr<const CompiledRuleset> must_compile(const std::string& conf) {
  std::string err;
  auto rs = compile_text(conf, test_interfaces(), &err);
  INFO(conf << "\n" << err);
  REQUIRE(rs != nullptr);
  return rs;
}

}  // namespace

TEST_CASE("anchor: a nat-anchor call adds nothing; the nat rule after it still translates") {
  auto rs = must_compile(
      "nat-anchor \"x\"\n"
      "nat on em0 from 10.0.0.0/24 to any -> 192.0.2.1\n");
  REQUIRE(rs->statements != nullptr);
  const CompiledRuleset& st = *rs->statements;
  CHECK(st.rules.size() == 1);
  const Verdict v = evaluate(st, tcp(kOut, kEm0, "10.0.0.5", 1234, "198.51.100.9", 80));
  REQUIRE(v.rule != nullptr);
  REQUIRE(v.nat != kNoRule);
  const Translation& t = st.translations[v.nat];
  CHECK(t.kind == Translation::Kind::kNat);
  CHECK(t.nr == 1);  // pfctl's @1: the anchor call is nat rule @0
  REQUIRE(t.entries.size() == 1);
  CHECK(t.entries[0].addr == state::Addr::v4(192, 0, 2, 1));
}

TEST_CASE("anchor: an rdr-anchor call in front of an rdr rule does not take its packets") {
  auto rs = must_compile(
      "rdr-anchor \"r\" on em0 proto tcp to 192.0.2.1 port 80\n"
      "rdr on em0 proto tcp to 192.0.2.1 port 80 -> 10.0.0.80\n");
  const CompiledRuleset& st = *rs->statements;
  const Verdict v = evaluate(st, tcp(kIn, kEm0, "198.51.100.9", 4000, "192.0.2.1", 80));
  REQUIRE(v.rule != nullptr);
  REQUIRE(v.rdr != kNoRule);
  CHECK(st.translations[v.rdr].kind == Translation::Kind::kRdr);
  CHECK(st.translations[v.rdr].nr == 1);
  CHECK(st.translations[v.rdr].entries.at(0).addr == state::Addr::v4(10, 0, 0, 80));
}

TEST_CASE("anchor: a ruleset whose statements are all anchor calls translates no packet") {
  auto rs = must_compile(
      "nat-anchor \"ftp-proxy/*\"\n"
      "rdr-anchor \"ftp-proxy/*\"\n"
      "binat-anchor \"b\"\n"
      "pass all\n");
  CHECK(rs->rules.size() == 1);
  if (rs->statements == nullptr) return;
  CHECK(rs->statements->rules.empty());
  CHECK(evaluate(*rs->statements, tcp(kOut, kEm0, "10.0.0.5", 1234, "198.51.100.9", 80)).rule ==
        nullptr);
  CHECK(evaluate(*rs->statements, tcp(kIn, kEm0, "198.51.100.9", 4000, "192.0.2.1", 21)).rule ==
        nullptr);
}

}  // namespace dpf::filter
