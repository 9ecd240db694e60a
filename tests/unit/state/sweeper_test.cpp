// Unit tests of the incremental expiry sweeper with a fake clock: which states go, the budget
// per call, adaptive scaling against the table's count, per-rule timeouts and the remove hook.
// Main lcore only; EAL is started by eal_main.cpp.
#include "dataplane/state/sweeper.h"

#include <catch2/catch.hpp>
#include <set>
#include <vector>

#include "tests/unit/state/table_fixture.h"

namespace dpf::state {
namespace {

using test::make_table;
using test::new_state;
using test::udp_tuple;

// n UDP states in udp.first (60 s by default) whose last packet was at expire(i).
template <class F>
std::vector<State*> fill(StateTable& t, unsigned n, F expire) {
  std::vector<State*> v;
  for (unsigned i = 0; i < n; ++i) {
    State* s = new_state(t, udp_tuple(20, static_cast<uint16_t>(i)), Direction::kIn);
    s->timeout = Timeout::kUdpFirstPacket;
    s->expire = expire(i);
    REQUIRE(t.insert(s) == StateTable::InsertResult::kOk);
    v.push_back(s);
  }
  return v;
}

void record_removal(State& s, void* ctx) {
  static_cast<std::set<uint64_t>*>(ctx)->insert(s.id);
}

TEST_CASE("sweeper: removes exactly the states whose timeout has passed and reports each") {
  auto t = make_table(64);
  const TimeoutTable tt = TimeoutTable::defaults();
  // Last activity at 0, 10, ..., 190: with udp.first = 60 they expire at 60, 70, ..., 250.
  std::vector<State*> v = fill(*t, 20, [](unsigned i) { return i * 10; });
  std::set<uint64_t> expected;
  for (unsigned i = 0; i <= 9; ++i) expected.insert(v[i]->id);  // 60 + 10 i <= 150

  Sweeper sw(*t);
  std::set<uint64_t> reported;
  sw.on_remove(&record_removal, &reported);
  CHECK(sw.sweep(150, 1000, tt) == 10);
  CHECK(sw.wrapped());
  CHECK(reported == expected);
  CHECK(t->count() == 10);
  t->for_each([](State& s) { CHECK(s.expire >= 100); });
  CHECK(sw.sweep(150, 1000, tt) == 0);  // nothing else is due
}

TEST_CASE("sweeper: examines at most budget states per call and resumes at its cursor") {
  auto t = make_table(64);
  const TimeoutTable tt = TimeoutTable::defaults();
  fill(*t, 20, [](unsigned) { return 0u; });  // all due at 60
  Sweeper sw(*t);
  CHECK(sw.sweep(1000, 7, tt) == 7);
  CHECK_FALSE(sw.wrapped());
  CHECK(t->count() == 13);
  CHECK(sw.sweep(1000, 7, tt) == 7);
  CHECK(sw.sweep(1000, 7, tt) == 6);
  CHECK(sw.wrapped());
  CHECK(t->count() == 0);
}

TEST_CASE("sweeper: adaptive timeouts shrink with the table's state count as pf scales them") {
  auto t = make_table(64);
  TimeoutTable tt = TimeoutTable::defaults();
  tt.set(Timeout::kAdaptiveStart, 10);
  tt.set(Timeout::kAdaptiveEnd, 20);
  fill(*t, 15, [](unsigned) { return 0u; });
  Sweeper sw(*t);
  // 15 states: 60 s * (20 - 15) / (20 - 10) = 30 s.
  CHECK(sw.sweep(29, 100, tt) == 0);
  // At 40: the first goes at 30 s, leaving 14 (36 s); the next at 36 s, leaving 13 (42 s).
  CHECK(sw.sweep(40, 100, tt) == 2);
  CHECK(t->count() == 13);
}

TEST_CASE("sweeper: a rule's own timeouts apply to the states it created") {
  auto t = make_table(64);
  const TimeoutTable tt = TimeoutTable::defaults();
  std::vector<State*> v = fill(*t, 10, [](unsigned) { return 0u; });
  for (unsigned i = 0; i < 5; ++i) v[i]->rule_nr = 1;  // `keep state (udp.first 5)`
  static RuleTimeouts short_udp;
  short_udp.set(Timeout::kUdpFirstPacket, 5);
  Sweeper sw(*t);
  sw.set_rule_resolver(
      [](const State& s, void*) {
        return s.rule_nr == 1 ? Sweeper::RuleView{&short_udp, 5} : Sweeper::RuleView{};
      },
      nullptr);
  CHECK(sw.sweep(4, 100, tt) == 0);
  CHECK(sw.sweep(5, 100, tt) == 5);
  t->for_each([](State& s) { CHECK(s.rule_nr != 1); });
  CHECK(sw.sweep(59, 100, tt) == 0);
  CHECK(sw.sweep(60, 100, tt) == 5);
}

}  // namespace
}  // namespace dpf::state

namespace dpf::state {
namespace {

struct MaintenanceCalls {
  std::vector<uint32_t> at;
  size_t states_seen = 0;  // the table's count when the hook ran
  StateTable* table = nullptr;
};

void record_maintenance(void* ctx, uint32_t now) {
  auto* m = static_cast<MaintenanceCalls*>(ctx);
  m->at.push_back(now);
  m->states_seen = m->table->count();
}

TEST_CASE("sweeper: runs the table's maintenance hook at every sweep, before expiring states") {
  auto t = make_table(64);
  const TimeoutTable tt = TimeoutTable::defaults();
  fill(*t, 4, [](unsigned) { return 0u; });  // all due at 60
  Sweeper sw(*t);
  CHECK(sw.sweep(10, 100, tt) == 0);  // no hook yet: nothing else happens
  MaintenanceCalls calls;
  calls.table = t.get();
  t->set_maintenance(&record_maintenance, &calls);
  CHECK(sw.sweep(20, 100, tt) == 0);
  CHECK(sw.sweep(60, 100, tt) == 4);
  CHECK(calls.at == std::vector<uint32_t>{20, 60});
  CHECK(calls.states_seen == 4);  // the hook ran before the sweep removed them
}

}  // namespace
}  // namespace dpf::state

namespace dpf::state {
namespace {

TEST_CASE("sweeper: expires correctly across the wrap of the uptime clock") {
  auto t = make_table(64);
  const TimeoutTable tt = TimeoutTable::defaults();
  // udp.first is 60 s: the first state's last packet was 40 s before the uint32 clock wraps and
  // it expires 20 s after; the second's expiry (30 s before the wrap) has not wrapped.
  std::vector<State*> v = fill(*t, 2, [](unsigned i) { return i == 0 ? 0u - 40 : 0u - 90; });
  const uint64_t across = v[0]->id;
  const uint64_t before = v[1]->id;
  Sweeper sw(*t);
  std::set<uint64_t> reported;
  sw.on_remove(&record_removal, &reported);
  CHECK(sw.sweep(0u - 35, 1000, tt) == 0);  // neither is due 35 s before the wrap
  CHECK(sw.sweep(0u - 30, 1000, tt) == 1);  // the second is, at 30 s before
  CHECK(reported == std::set<uint64_t>{before});
  CHECK(sw.sweep(0u - 1, 1000, tt) == 0);  // an expiry past the wrap is still ahead
  CHECK(sw.sweep(19, 1000, tt) == 0);
  CHECK(sw.sweep(20, 1000, tt) == 1);  // due at 20 after the wrap
  CHECK(reported == std::set<uint64_t>{before, across});
  CHECK(t->count() == 0);
}

}  // namespace
}  // namespace dpf::state
