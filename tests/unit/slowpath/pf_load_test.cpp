// Unit tests of publishing rulesets (pf_publish) and of freeing what reloads leave behind
// (pf_reclaim): retired rulesets wait for every RCU reader, their RuleRefs for their last state
// and source node, and nothing accumulates over reloads. Main lcore; EAL from eal_main.cpp.
#include "dataplane/slowpath/pf_load.h"

#include <catch2/catch.hpp>

#include "tests/unit/worker/pf_fixture.h"

namespace dpf {
namespace {

using test::build;
using test::make_pf;

constexpr const char* kRules =
    "block all\n"
    "pass in proto udp keep state\n"
    "pass out proto tcp keep state\n";

// Reader ids the tests play: a worker, and the control thread's second id (pfsync's reader).
constexpr unsigned kWorker = 0;
constexpr unsigned kSyncReader = 1;

TEST_CASE("pf: a hundred reloads leave one RuleRef set once readers were quiescent") {
  auto pf = make_pf();
  pf->table->register_reader(kWorker);
  for (int i = 0; i < 100; ++i) pf_publish(*pf, build(*pf, kRules));
  CHECK(pf_rule_ref_sets(*pf) == 100);
  pf->table->quiescent(kWorker);
  pf_reclaim(*pf);  // the rulesets go; their idle RuleRefs wait for one more grace period
  pf->table->quiescent(kWorker);
  CHECK(pf_reclaim(*pf) == 0);
  CHECK(pf_rule_ref_sets(*pf) == 1);
  CHECK(pf->current->generation == 100);
  pf->table->unregister_reader(kWorker);
}

TEST_CASE("pf: a reload returns at once and frees the old ruleset after every reader passed") {
  auto pf = make_pf();
  pf->table->register_reader(kWorker);
  pf->table->register_reader(kSyncReader);
  pf_publish(*pf, build(*pf, kRules));
  // The caller is itself a reader that has not reported quiescent: nothing may wait for it.
  pf_publish(*pf, build(*pf, kRules));
  REQUIRE(pf_reclaim(*pf) == 1);
  CHECK(pf->retired.front().ruleset != nullptr);
  pf->table->quiescent(kWorker);
  REQUIRE(pf_reclaim(*pf) == 1);
  CHECK(pf->retired.front().ruleset != nullptr);  // the second reader may still evaluate it
  pf->table->quiescent(kSyncReader);
  REQUIRE(pf_reclaim(*pf) == 1);
  CHECK(pf->retired.front().ruleset == nullptr);
  CHECK(pf->retired.front().refs != nullptr);  // idle, but a reader may hold one of its states
  pf->table->quiescent(kWorker);
  pf->table->quiescent(kSyncReader);
  CHECK(pf_reclaim(*pf) == 0);
  pf->table->unregister_reader(kSyncReader);
  pf->table->unregister_reader(kWorker);
}

TEST_CASE("pf: the RuleRefs of a retired ruleset stay while a state of their rule is linked") {
  auto pf = make_pf();
  pf->table->register_reader(kWorker);
  pf_publish(*pf, build(*pf, kRules));
  RuleRef* ref = pf->current->refs[1];
  REQUIRE(ref != nullptr);
  // A state of `pass in proto udp keep state`, made as create_state makes it.
  state::State* s =
      state::test::new_state(*pf->table, state::test::udp_tuple(1, 1000), state::Direction::kIn);
  s->rule = ref;
  s->rule_nr = ref->nr;
  REQUIRE(pf->table->insert(s) == state::StateTable::InsertResult::kOk);
  ref->states.fetch_add(1);

  pf_publish(*pf, build(*pf, kRules));
  for (int i = 0; i < 3; ++i) {
    pf->table->quiescent(kWorker);
    REQUIRE(pf_reclaim(*pf) == 1);
  }
  CHECK(pf->retired.front().ruleset == nullptr);
  CHECK(pf_rule_ref_sets(*pf) == 2);
  CHECK(ref->nr == 1);  // still there for the state

  REQUIRE(pf_remove_state(*pf, s));
  CHECK(ref->states.load() == 0);
  CHECK(pf_reclaim(*pf) == 1);  // the worker may still hold `s` until its next quiescent
  pf->table->quiescent(kWorker);
  CHECK(pf_reclaim(*pf) == 0);
  CHECK(pf_rule_ref_sets(*pf) == 1);
  pf->table->reclaim();
  pf->table->unregister_reader(kWorker);
}

TEST_CASE("pf: the RuleRefs of a retired ruleset stay while a source node of their rule lives") {
  auto pf = make_pf();
  pf->table->register_reader(kWorker);
  pf_publish(*pf, build(*pf, "pass in proto udp keep state (max-src-nodes 5)\n"));
  RuleRef* ref = pf->current->refs[0];
  REQUIRE(ref != nullptr);
  REQUIRE(ref->src_track_rule);
  state::SrcKey key;
  key.rule = ref;
  key.addr = state::Addr::v4(10, 0, 0, 1);
  state::SrcNode* node = nullptr;
  REQUIRE(pf->src_nodes->acquire(key, ref->src_limits, 1, &node) == state::SrcResult::kOk);
  pf->src_nodes->release(node, false, 1);  // no state left; the node waits for src.track

  pf_publish(*pf, build(*pf, kRules));
  for (int i = 0; i < 3; ++i) {
    pf->table->quiescent(kWorker);
    REQUIRE(pf_reclaim(*pf) == 1);
  }
  CHECK(pf_rule_ref_sets(*pf) == 2);
  REQUIRE(pf->src_nodes->purge(1 + ref->src_limits.track_timeout) == 1);
  CHECK(pf_reclaim(*pf) == 1);
  pf->table->quiescent(kWorker);
  CHECK(pf_reclaim(*pf) == 0);
  CHECK(pf_rule_ref_sets(*pf) == 1);
  pf->table->unregister_reader(kWorker);
}

}  // namespace
}  // namespace dpf
