// State expiry on the control thread (expiry.cpp), on a node assembled on two net_ring ports
// (tests/unit/node/ring_node.h): which states a poll removes by pf's clock (the ruleset's
// timeouts, or a rule's own), the rule's state count given back, and the 100 ms pace of the
// sweeps. pf's uptime clock is set 1000 s in, so that states can have seen their last packet
// long ago. Main lcore; the poll's own time point is fake.
#include "dataplane/slowpath/expiry.h"

#include <rte_cycles.h>

#include <chrono>
#include <set>

#include "dataplane/node/node.h"
#include "dataplane/worker/pf.h"
#include "tests/unit/node/ring_node.h"
#include "tests/unit/state/table_fixture.h"

namespace dpf {
namespace {

using namespace std::chrono_literals;

constexpr const char* kCluster = R"(cluster:
  name: spexp
  rules: expiry.pf.conf
nodes:
  fw:
    hostid: 0x0a000004
    lcores: { workers: 1, idle: poll }
    interfaces:
      em0: { device: net_ring_spexp0, address: 10.0.0.254/24 }
      em1: { device: net_ring_spexp1, address: 10.1.0.254/24 }
)";

// UDP states wait 30 s after their first packet, but those of the em1 rule only 5 s.
constexpr const char* kRules = R"(set limit states 64
set timeout udp.first 30
pass in on em0 proto udp keep state
pass in on em1 proto udp keep state (udp.first 5)
)";

constexpr uint32_t kUptime = 1000;  // pf's clock when the tests start, in seconds

void assemble(test::RingNode& b) {
  test::assemble_ring_node(b, "spexp", kCluster, "expiry.pf.conf", kRules);
  const uint64_t hz = rte_get_tsc_hz();
  b.node.pf->clock = NodeClock(hz, rte_get_tsc_cycles() - kUptime * hz);
}

test::RingNode& bench() {
  return test::ring_node_once<test::RingNode>(assemble, test::teardown_ring_node);
}

const auto kT0 = NodeClock::TimePoint{} + 100s;

// The compiled ruleset's RuleRef with (or without) timeouts of its own.
RuleRef& rule_ref(Pf& pf, bool own_timeouts) {
  RuleRef* found = nullptr;
  for (RuleRef* r : pf.current->refs)
    if (r != nullptr && r->has_timeouts == own_timeouts && found == nullptr) found = r;
  REQUIRE(found != nullptr);
  return *found;
}

// A UDP state in udp.first from 10.0.0.<host>:<sport> whose last packet was `age` seconds ago
// by pf's clock, created by `rule` (nullptr: the default rule) as create_state makes one.
uint64_t add_state(Pf& pf, uint8_t host, uint16_t sport, uint32_t age, RuleRef* rule = nullptr) {
  state::State* s =
      state::test::new_state(*pf.table, state::test::udp_tuple(host, sport), state::Direction::kIn);
  s->timeout = state::Timeout::kUdpFirstPacket;
  s->creation = s->expire = pf_now(pf) - age;
  if (rule != nullptr) {
    s->rule = rule;
    s->rule_nr = rule->nr;
  }
  REQUIRE(pf.table->insert(s) == state::StateTable::InsertResult::kOk);
  if (rule != nullptr) rule->states.fetch_add(1);
  return s->id;
}

std::set<uint64_t> state_ids(Pf& pf) {
  std::set<uint64_t> ids;
  pf.table->for_each([&](state::State& s) { ids.insert(s.id); });
  return ids;
}

// Takes the states a case left, so that each case starts with an empty table.
void clear_states(Pf& pf) {
  std::vector<state::State*> all;
  pf.table->for_each([&](state::State& s) { all.push_back(&s); });
  for (state::State* s : all) pf_remove_state(pf, s);
  pf.table->reclaim();
  REQUIRE(pf.table->count() == 0);
}

TEST_CASE(
    "expiry: a poll removes the states whose timeout has passed by pf's clock, and only "
    "those") {
  test::RingNode& b = bench();
  Pf& pf = *b.node.pf;
  REQUIRE(pf_now(pf) >= kUptime);
  // udp.first is 30 s in this ruleset (60 s by pf's defaults).
  add_state(pf, 1, 1000, 100);
  add_state(pf, 1, 1001, 40);  // would live on with pf's defaults
  const uint64_t live = add_state(pf, 1, 1002, 15);
  const uint64_t fresh = add_state(pf, 1, 1003, 0);
  REQUIRE(pf.table->count() == 4);

  Expiry expiry(b.node);
  expiry.poll(kT0);

  CHECK(state_ids(pf) == std::set<uint64_t>{live, fresh});
  CHECK(pf.table->count() == 2);
  clear_states(pf);
}

TEST_CASE("expiry: a state goes by its rule's own timeouts, and its rule's state count drops") {
  test::RingNode& b = bench();
  Pf& pf = *b.node.pf;
  RuleRef& quick = rule_ref(pf, true);  // udp.first 5
  RuleRef& plain = rule_ref(pf, false);
  const uint32_t quick_before = quick.states.load(), plain_before = plain.states.load();
  add_state(pf, 2, 2000, 10, &quick);
  const uint64_t kept = add_state(pf, 2, 2001, 10, &plain);

  Expiry expiry(b.node);
  expiry.poll(kT0);

  CHECK(state_ids(pf) == std::set<uint64_t>{kept});
  CHECK(quick.states.load() == quick_before);
  CHECK(plain.states.load() == plain_before + 1);
  clear_states(pf);
  CHECK(plain.states.load() == plain_before);
}

TEST_CASE("expiry: polls sweep once every 100 ms") {
  test::RingNode& b = bench();
  Pf& pf = *b.node.pf;
  Expiry expiry(b.node);
  expiry.poll(kT0);  // a sweep over the empty table; the next is due at +100 ms
  const uint64_t id = add_state(pf, 3, 3000, 100);

  expiry.poll(kT0 + 50ms);
  CHECK(state_ids(pf) == std::set<uint64_t>{id});
  expiry.poll(kT0 + 99ms);
  CHECK(pf.table->count() == 1);
  expiry.poll(kT0 + 100ms);
  CHECK(pf.table->count() == 0);
  clear_states(pf);
}

}  // namespace
}  // namespace dpf
