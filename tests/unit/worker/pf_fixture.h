// Helpers shared by the pf node tests: a Pf over a small state table (RCU reader ids 0..3 free
// for the test) and rulesets built from pf.conf text for a node without interfaces. Main lcore;
// they fail the running test when something cannot be built.
#pragma once

#include <rte_cycles.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "control/pfconf/parser.h"
#include "dataplane/slowpath/pf_load.h"
#include "dataplane/worker/pf.h"
#include "tests/unit/state/table_fixture.h"

namespace dpf::test {

// `lanes`: rule counter lanes, one per worker index the test filters with, plus the control's.
inline std::unique_ptr<Pf> make_pf(uint32_t limit = 1024, unsigned lanes = 2) {
  auto pf = std::make_unique<Pf>();
  pf->clock = NodeClock::start();
  pf->lanes = lanes;
  pf->table = state::test::make_table(limit);
  return pf;
}

inline std::unique_ptr<PfRuleset> build(Pf& pf, std::string_view text) {
  auto parsed = pfconf::parse_ruleset(text, "test.conf", {});
  REQUIRE(parsed.ok());
  std::string error;
  auto rs = pf_build_ruleset(pf, std::move(*parsed.ruleset), filter::InterfaceMap{}, error);
  INFO(error);
  REQUIRE(rs != nullptr);
  return rs;
}

}  // namespace dpf::test
