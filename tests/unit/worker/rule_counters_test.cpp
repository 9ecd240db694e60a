// The per-rule counters' sums (dataplane/worker/rule_counters.h): lanes add up, evaluations are
// the walks that reached a rule, and the last active time is the latest lane's. No EAL.
#include "dataplane/worker/rule_counters.h"

#include <catch2/catch.hpp>

namespace dpf {
namespace {

using wire::Direction;

TEST_CASE("rule counters: every lane's packets and bytes add up, by direction") {
  RuleCounters c(3, 3);
  c.count(0, 1, Direction::kIn, 100, 5);
  c.count(1, 1, Direction::kIn, 60, 9);
  c.count(2, 1, Direction::kOut, 40, 7);
  ++c.at(2, 1).state_creations;
  ++c.at(0, 1).state_creations;
  const auto t = c.sum();
  REQUIRE(t.size() == 3);
  CHECK(t[1].packets[0] == 2);
  CHECK(t[1].packets[1] == 1);
  CHECK(t[1].bytes[0] == 160);
  CHECK(t[1].bytes[1] == 40);
  CHECK(t[1].state_creations == 2);
  CHECK(t[1].active);
  CHECK(t[1].last_active == 9);  // the latest lane's, not the last lane's
  CHECK_FALSE(t[0].active);
  CHECK(t[0].packets[0] + t[0].packets[1] + t[2].packets[0] + t[2].packets[1] == 0);
}

TEST_CASE("rule counters: a walk that stopped at rule k counts an evaluation of rules 0..k") {
  RuleCounters c(4, 2);
  c.evaluated(0, 0xffffffff);  // no quick rule stopped it (filter::kNoRule): every rule
  c.evaluated(1, 1);           // a quick rule 1 stopped it
  c.evaluated(1, 1);
  c.evaluated(0, 0);
  const auto t = c.sum();
  CHECK(t[0].evaluations == 4);
  CHECK(t[1].evaluations == 3);
  CHECK(t[2].evaluations == 1);
  CHECK(t[3].evaluations == 1);
}

TEST_CASE("rule counters: each rule of each lane has a cache line of its own") {
  RuleCounters c(2, 2);
  const auto line = [](const void* p) { return reinterpret_cast<uintptr_t>(p) / 64; };
  CHECK(reinterpret_cast<uintptr_t>(&c.at(0, 0)) % 64 == 0);
  CHECK(line(&c.at(0, 1)) != line(&c.at(1, 0)));
  CHECK(line(&c.at(0, 1)) == line(&c.at(0, 0)) + 1);
  CHECK(c.lanes() == 2);
  RuleCounters none(0, 2);
  none.evaluated(1, 0xffffffff);  // an empty ruleset's evaluation lands in its spare slot
  CHECK(none.lanes() == 2);
  CHECK(none.sum().empty());
}

}  // namespace
}  // namespace dpf
