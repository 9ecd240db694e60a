// Source nodes: max-src-states, max-src-nodes, `set limit src-nodes`, max-src-conn and
// max-src-conn-rate accounting and src.track expiry, on a fake uptime clock (seconds).
// Expected values follow FreeBSD pf_insert_src_node / pf_src_connlimit / pf_threshold.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "dataplane/state/src_nodes.h"

using namespace dpf::state;

namespace {

int rule_a = 0;  // identities of two tracking rules
int rule_b = 0;

SrcKey key(uint8_t last, const void* rule = &rule_a) {
  SrcKey k;
  k.rule = rule;
  k.addr = Addr::v4(10, 0, 0, last);
  return k;
}

}  // namespace

TEST_CASE("src nodes: one node per source counts its states") {
  SrcNodeTable t(16);
  SrcLimits l;
  SrcNode* a = nullptr;
  SrcNode* b = nullptr;
  REQUIRE(t.acquire(key(1), l, 100, &a) == SrcResult::kOk);
  REQUIRE(t.acquire(key(1), l, 101, &b) == SrcResult::kOk);
  CHECK(a == b);
  CHECK(a->states == 2);
  CHECK(t.count() == 1);
  REQUIRE(t.acquire(key(2), l, 101, &b) == SrcResult::kOk);
  CHECK(a != b);
  CHECK(t.count() == 2);
}

TEST_CASE("src nodes: the same address under two rules has two nodes, global has one") {
  SrcNodeTable t(16);
  SrcLimits l;
  SrcNode *a, *b, *g1, *g2;
  REQUIRE(t.acquire(key(1, &rule_a), l, 0, &a) == SrcResult::kOk);
  REQUIRE(t.acquire(key(1, &rule_b), l, 0, &b) == SrcResult::kOk);
  CHECK(a != b);
  REQUIRE(t.acquire(key(1, nullptr), l, 0, &g1) == SrcResult::kOk);
  REQUIRE(t.acquire(key(1, nullptr), l, 0, &g2) == SrcResult::kOk);
  CHECK(g1 == g2);
  CHECK(t.count() == 3);
}

TEST_CASE("src nodes: max-src-states refuses the state beyond N from one source") {
  SrcNodeTable t(16);
  SrcLimits l;
  l.max_src_states = 3;
  SrcNode* n = nullptr;
  for (int i = 0; i < 3; ++i) REQUIRE(t.acquire(key(1), l, 0, &n) == SrcResult::kOk);
  SrcNode* refused = nullptr;
  CHECK(t.acquire(key(1), l, 0, &refused) == SrcResult::kStateLimit);
  CHECK(refused == nullptr);
  CHECK(n->states == 3);
  CHECK(t.counters().src_states == 1);
  SrcNode* other = nullptr;
  CHECK(t.acquire(key(2), l, 0, &other) == SrcResult::kOk);  // another source is unaffected
  t.release(n, false, 5);
  CHECK(t.acquire(key(1), l, 5, &n) == SrcResult::kOk);  // a place freed up
}

TEST_CASE("src nodes: max-src-nodes refuses a new source once the rule tracks N") {
  SrcNodeTable t(16);
  std::atomic<uint32_t> rule_nodes{0};
  SrcLimits l;
  l.max_src_nodes = 2;
  l.rule_nodes = &rule_nodes;
  SrcNode *a, *b, *c = nullptr;
  REQUIRE(t.acquire(key(1), l, 0, &a) == SrcResult::kOk);
  REQUIRE(t.acquire(key(2), l, 0, &b) == SrcResult::kOk);
  CHECK(rule_nodes == 2);
  CHECK(t.acquire(key(3), l, 0, &c) == SrcResult::kNodeLimit);
  CHECK(t.counters().src_nodes == 1);
  CHECK(t.acquire(key(1), l, 0, &a) == SrcResult::kOk);  // a known source still gets states
  // Once source 2's node has expired and been purged, source 3 fits.
  t.release(b, false, 10);
  CHECK(t.purge(10) == 1);
  CHECK(rule_nodes == 1);
  CHECK(t.acquire(key(3), l, 10, &c) == SrcResult::kOk);
}

TEST_CASE("src nodes: the table refuses new sources beyond `set limit src-nodes`") {
  SrcNodeTable t(4);
  t.set_limit(2);
  SrcLimits l;
  SrcNode* n;
  REQUIRE(t.acquire(key(1), l, 0, &n) == SrcResult::kOk);
  REQUIRE(t.acquire(key(2), l, 0, &n) == SrcResult::kOk);
  CHECK(t.acquire(key(3), l, 0, &n) == SrcResult::kFull);
  CHECK(t.counters().full == 1);
  t.set_limit(100);  // clamped to the capacity
  CHECK(t.limit() == 4);
  CHECK(t.acquire(key(3), l, 0, &n) == SrcResult::kOk);
}

TEST_CASE("src nodes: a node outlives its last state by src.track seconds") {
  SrcNodeTable t(16);
  SrcLimits l;
  l.track_timeout = 30;
  SrcNode* n;
  REQUIRE(t.acquire(key(1), l, 100, &n) == SrcResult::kOk);
  CHECK(t.purge(1000) == 0);  // it still has a state
  t.release(n, false, 1000);
  CHECK(t.purge(1029) == 0);
  CHECK(t.count() == 1);
  CHECK(t.purge(1030) == 1);
  CHECK(t.count() == 0);
  CHECK(t.counters().removals == 1);
}

TEST_CASE("src nodes: an idle node's expiry holds across the wrap of the uptime clock") {
  SrcNodeTable t(16);
  SrcLimits l;
  l.track_timeout = 30;
  SrcNode* n;
  const uint32_t last = 0u - 10;  // its last state goes 10 s before the clock wraps
  REQUIRE(t.acquire(key(1), l, last, &n) == SrcResult::kOk);
  t.release(n, false, last);
  CHECK(t.purge(0u - 1) == 0);  // due at 20 after the wrap
  CHECK(t.purge(19) == 0);
  CHECK(t.count() == 1);
  CHECK(t.purge(20) == 1);
  CHECK(t.count() == 0);
}

TEST_CASE("src nodes: with src.track 0 a node goes at the first purge after its last state") {
  SrcNodeTable t(16);
  SrcLimits l;
  SrcNode* n;
  REQUIRE(t.acquire(key(1), l, 50, &n) == SrcResult::kOk);
  t.release(n, false, 60);
  CHECK(t.purge(60) == 1);
}

TEST_CASE("src nodes: a new state on an idle node cancels its expiry") {
  SrcNodeTable t(16);
  SrcLimits l;
  l.track_timeout = 10;
  SrcNode *n, *again;
  REQUIRE(t.acquire(key(1), l, 0, &n) == SrcResult::kOk);
  t.release(n, false, 5);
  REQUIRE(t.acquire(key(1), l, 8, &again) == SrcResult::kOk);
  CHECK(again == n);
  CHECK(t.purge(100) == 0);
}

TEST_CASE("src nodes: max-src-conn flags the connection that makes N+1 established") {
  SrcNodeTable t(16);
  SrcLimits l;
  l.max_src_conn = 3;
  SrcNode* n;
  for (int i = 0; i < 4; ++i) REQUIRE(t.acquire(key(1), l, 0, &n) == SrcResult::kOk);
  CHECK(t.established(n, l, 0) == kConnOk);
  CHECK(t.established(n, l, 0) == kConnOk);
  CHECK(t.established(n, l, 0) == kConnOk);
  CHECK(t.established(n, l, 0) == kConnLimit);
  CHECK(t.counters().src_conn == 1);
  // The killed connection's state goes and gives its count back; the next one fits.
  t.release(n, true, 1);
  CHECK(n->conn == 3);
  t.release(n, true, 1);
  CHECK(t.established(n, l, 1) == kConnOk);
}

TEST_CASE("src nodes: max-src-conn-rate 3/10 flags the 4th connection within 10 s") {
  SrcNodeTable t(16);
  SrcLimits l;
  l.conn_rate_limit = 3;
  l.conn_rate_seconds = 10;
  SrcNode* n;
  REQUIRE(t.acquire(key(1), l, 100, &n) == SrcResult::kOk);
  CHECK(t.established(n, l, 100) == kConnOk);
  CHECK(t.established(n, l, 100) == kConnOk);
  CHECK(t.established(n, l, 100) == kConnOk);
  CHECK(t.established(n, l, 100) == kConnRate);
  CHECK(t.counters().src_conn_rate == 1);
}

TEST_CASE("src nodes: the connection rate decays linearly and resets after the interval") {
  ConnRate r;
  r.init(3, 10, 0);
  for (int i = 0; i < 3; ++i) r.add(0);
  CHECK(r.count == 3000);
  r.add(5);  // half the interval: 3000 - 1500 + 1000
  CHECK(r.count == 2500);
  CHECK_FALSE(r.exceeded());
  r.add(5);
  r.add(5);
  CHECK(r.count == 4500);
  CHECK(r.exceeded());
  r.add(15);  // a whole interval later the history is gone
  CHECK(r.count == 1000);
  CHECK_FALSE(r.exceeded());
}

TEST_CASE("src nodes: snapshot lists every node with its counts") {
  SrcNodeTable t(16);
  SrcLimits l;
  SrcNode* n;
  REQUIRE(t.acquire(key(1), l, 7, &n) == SrcResult::kOk);
  REQUIRE(t.acquire(key(1), l, 8, &n) == SrcResult::kOk);
  t.established(n, l, 8);
  const auto s = t.snapshot();
  REQUIRE(s.size() == 1);
  CHECK(s[0].key == key(1));
  CHECK(s[0].states == 2);
  CHECK(s[0].conn == 1);
  CHECK(s[0].creation == 7);
}

TEST_CASE("src nodes: concurrent acquire and release from two threads keep exact counts") {
  SrcNodeTable t(64);
  std::atomic<uint32_t> rule_nodes{0};
  SrcLimits l;
  l.rule_nodes = &rule_nodes;
  constexpr int kRounds = 20000;
  auto work = [&] {
    for (int i = 0; i < kRounds; ++i) {
      SrcNode* n = nullptr;
      if (t.acquire(key(static_cast<uint8_t>(i % 8)), l, 0, &n) != SrcResult::kOk) continue;
      t.established(n, l, 0);
      t.release(n, true, 0);
    }
  };
  std::thread a(work);
  std::thread b(work);
  a.join();
  b.join();
  for (const auto& s : t.snapshot()) {
    CHECK(s.states == 0);
    CHECK(s.conn == 0);
  }
  CHECK(t.count() == 8);
  CHECK(t.purge(0) == 8);
  CHECK(rule_nodes == 0);
}

TEST_CASE("src nodes: a forgotten node is freed, and its source's next state starts anew") {
  SrcNodeTable t(16);
  SrcLimits l;
  std::atomic<uint32_t> rule_nodes{0};
  l.rule_nodes = &rule_nodes;
  l.track_timeout = 60;
  SrcNode* n = nullptr;
  REQUIRE(t.acquire(key(1), l, 100, &n) == SrcResult::kOk);
  REQUIRE(t.established(n, l, 100) == kConnOk);
  CHECK(rule_nodes.load() == 1);
  // The caller detaches the node's one state and gives back what it counted.
  t.release(n, true, 101);
  CHECK(t.forget(n));
  CHECK(t.count() == 0);
  CHECK(rule_nodes.load() == 0);
  CHECK(t.counters().removals == 1);
  CHECK_FALSE(t.forget(n));  // gone already
  SrcNode* again = nullptr;
  REQUIRE(t.acquire(key(1), l, 102, &again) == SrcResult::kOk);
  CHECK(again->states == 1);
  CHECK(again->conn == 0);
  CHECK(again->creation == 102);
}

TEST_CASE("src nodes: a forgotten node a new state holds goes with that state, src.track aside") {
  SrcNodeTable t(16);
  SrcLimits l;
  l.track_timeout = 60;
  SrcNode* n = nullptr;
  REQUIRE(t.acquire(key(1), l, 100, &n) == SrcResult::kOk);
  CHECK_FALSE(t.forget(n));  // a state (created while the caller detached) holds it
  CHECK(t.count() == 1);
  t.release(n, false, 110);
  CHECK(t.purge(110) == 1);  // at once, not 60 s later
  CHECK(t.count() == 0);
}
