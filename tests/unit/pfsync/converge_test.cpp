// Two engines wired back to back (each one's frames fed to the other, as on a crossover sync
// link): after inserts, updates and deletes on both sides, both tables hold the same states with
// the same peers, and nothing learned is sent back.
#include <catch2/catch.hpp>

#include <random>

#include "tests/unit/pfsync/engine_test_util.h"

namespace dpf::pfsync {
namespace {

using namespace dpf::pfsync::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Node {
  explicit Node(uint32_t hostid) : engine(cfg(hostid), store, sink), hostid(hostid) {}
  static EngineConfig cfg(uint32_t hostid) {
    EngineConfig c;
    c.hostid = hostid;
    return c;
  }
  FakeStore store;
  FakeSink sink;
  SyncEngine engine;
  uint32_t hostid;
  size_t delivered = 0;  // frames of this node already given to the other
};

struct Link {
  Node a{kHostA};
  Node b{kHostB};
  FakeClock clock;

  // Runs both nodes' timers and carries frames both ways for `d`, 10 ms at a time.
  void run(std::chrono::nanoseconds d) {
    const TimePoint end = clock.now + d;
    while (clock.now < end) {
      clock.advance(milliseconds(10));
      a.engine.on_timer(clock.now);
      b.engine.on_timer(clock.now);
      carry(a, b);
      carry(b, a);
    }
  }
  void carry(Node& from, Node& to) {
    for (; from.delivered < from.sink.frames.size(); ++from.delivered) {
      to.engine.on_frame(clock.now, from.sink.frames[from.delivered]);
    }
  }
  uint32_t up() const { return uptime_seconds(clock.now); }
};

void check_same(FakeStore& x, FakeStore& y) {
  REQUIRE(x.ids() == y.ids());
  for (auto [creator, id] : x.ids()) {
    INFO("state " << id << " of " << creator);
    const st::State* sx = x.find_by_id(id, creator);
    const st::State* sy = y.find_by_id(id, creator);
    CHECK(sx->peers == sy->peers);
    CHECK(sx->key.key[0] == sy->key.key[0]);
    CHECK(sx->key.key[1] == sy->key.key[1]);
    CHECK(sx->timeout == sy->timeout);
    CHECK(sx->direction == sy->direction);
  }
}

TEST_CASE("pfsync converge: inserts, updates and deletes on two nodes end in one state set") {
  Link l;
  std::vector<uint64_t> a_ids, b_ids;
  for (uint64_t i = 1; i <= 30; ++i) {
    l.a.engine.on_local_change(l.clock.now, add_tcp(l.a.store, i, kHostA, l.up()),
                               ChangeKind::kInsert);
    l.b.engine.on_local_change(l.clock.now, add_udp(l.b.store, 100 + i, kHostB, l.up()),
                               ChangeKind::kInsert);
  }
  l.run(seconds(2));
  CHECK(l.a.store.size() == 60);
  check_same(l.a.store, l.b.store);

  // Traffic moves A's windows on; B sees it.
  for (uint64_t i = 1; i <= 30; i += 2) {
    st::State* s = l.a.store.find_by_id(i, kHostA);
    s->peers.src.seqlo += 1000 * static_cast<uint32_t>(i);
    s->peers.dst.state = st::tcps::kFinWait2;
    l.a.engine.on_local_change(l.clock.now, *s, ChangeKind::kUpdate);
  }
  // Some states end on each side.
  for (uint64_t i = 2; i <= 30; i += 3) {
    st::State* s = l.a.store.find_by_id(i, kHostA);
    l.a.engine.on_local_change(l.clock.now, *s, ChangeKind::kDelete);
    l.a.store.remove(*s);
    st::State* t = l.b.store.find_by_id(100 + i, kHostB);
    l.b.engine.on_local_change(l.clock.now, *t, ChangeKind::kDelete);
    l.b.store.remove(*t);
  }
  l.run(seconds(2));
  CHECK(l.a.store.size() == 40);
  check_same(l.a.store, l.b.store);
  CHECK(l.b.store.find_by_id(3, kHostA)->peers.src.seqlo == 1000 + 3000);
  CHECK(l.a.engine.stats().badstate == 0);
  CHECK(l.b.engine.stats().badstate == 0);
}

TEST_CASE("pfsync converge: a quiet link stays quiet; learned states are never echoed") {
  Link l;
  for (uint64_t i = 1; i <= 10; ++i) {
    l.a.engine.on_local_change(l.clock.now, add_tcp(l.a.store, i, kHostA, l.up()),
                               ChangeKind::kInsert);
  }
  l.run(seconds(2));
  CHECK(l.a.sink.frames.size() == 2);  // 5 INS per frame
  CHECK(l.b.sink.frames.empty());      // B learned, B says nothing
  l.run(seconds(10));
  CHECK(l.a.sink.frames.size() == 2);
  CHECK(l.b.sink.frames.empty());
}

TEST_CASE("pfsync converge: after failover B's traffic on A's states reaches A, stale or not") {
  Link l;
  st::State& s = add_tcp(l.a.store, 1, kHostA, l.up());
  l.a.engine.on_local_change(l.clock.now, s, ChangeKind::kInsert);
  l.run(seconds(2));
  st::State* on_b = l.b.store.find_by_id(1, kHostA);
  REQUIRE(on_b);
  // B now forwards the flow.
  std::mt19937 rng(42);
  for (int i = 0; i < 20; ++i) {
    on_b->peers.src.seqlo += 1 + rng() % 1400;
    on_b->peers.dst.seqlo += 1 + rng() % 1400;
    l.b.engine.on_local_change(l.clock.now, *on_b, ChangeKind::kUpdate);
    l.run(milliseconds(100));
  }
  l.run(seconds(2));
  check_same(l.a.store, l.b.store);
  CHECK(l.a.engine.stats().stale == 0);
  // A, behind on nothing, now sends an old view by mistake: B refuses it and answers.
  UpdCMsg old = upd_c_export(*on_b, {});
  old.src.seqlo -= 5000;
  l.b.engine.on_frame(l.clock.now, frame_of({{Action::kUpdC, old}}));
  CHECK(l.b.engine.stats().stale == 1);
  l.run(seconds(1));
  check_same(l.a.store, l.b.store);
}

TEST_CASE("pfsync converge: random traffic on both nodes, with loss-free links, converges") {
  Link l;
  std::mt19937 rng(7);
  std::vector<std::pair<Node*, uint64_t>> live;  // (owner, id) of states created so far
  uint64_t next_id = 1;
  for (int round = 0; round < 400; ++round) {
    Node& n = rng() % 2 ? l.a : l.b;
    const unsigned op = rng() % 10;
    if (op < 4 || live.empty()) {
      const uint64_t id = next_id++;
      st::State& s = rng() % 3 ? add_tcp(n.store, id, n.hostid, l.up())
                               : add_udp(n.store, id, n.hostid, l.up());
      n.engine.on_local_change(l.clock.now, s, ChangeKind::kInsert);
      live.push_back({&n, id});
    } else {
      const size_t pick = rng() % live.size();
      Node& owner = *live[pick].first;
      // Traffic may run through either node (active-active): the changing node is random.
      Node& at = rng() % 4 ? owner : (&owner == &l.a ? l.b : l.a);
      st::State* s = at.store.find_by_id(live[pick].second, owner.hostid);
      if (!s) continue;
      if (op < 9) {
        s->peers.src.seqlo += 1 + rng() % 3000;
        s->peers.dst.seqlo += rng() % 3000;
        at.engine.on_local_change(l.clock.now, *s, ChangeKind::kUpdate);
      } else {
        at.engine.on_local_change(l.clock.now, *s, ChangeKind::kDelete);
        at.store.remove(*s);
        live.erase(live.begin() + static_cast<long>(pick));
      }
    }
    l.run(std::chrono::milliseconds(rng() % 3 ? 10 : 700));
  }
  l.run(seconds(3));
  check_same(l.a.store, l.b.store);
  CHECK(l.a.store.size() == live.size());
}

}  // namespace
}  // namespace dpf::pfsync
