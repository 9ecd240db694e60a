// Hostile or broken input at the engine (issue 4 "Bad input"): truncated frames, counts that lie,
// random bytes, unknown states and nonsense values cost counted drops only; existing states are
// left as they were.
#include <catch2/catch.hpp>

#include <random>

#include "tests/unit/pfsync/engine_test_util.h"
#include "tests/unit/pfsync/golden_frames.h"

namespace dpf::pfsync {
namespace {

using namespace dpf::pfsync::test;
using std::chrono::seconds;

struct Node {
  Node() : engine(cfg(), store, sink) {}
  static EngineConfig cfg() {
    EngineConfig c;
    c.hostid = kHostA;
    return c;
  }
  FakeStore store;
  FakeSink sink;
  SyncEngine engine;
};

// A local state whose peers must survive everything below.
st::State& victim(Node& n) {
  return add_tcp(n.store, 1, kHostA, 100000);
}

void feed_exact(Node& n, TimePoint now, const std::vector<std::byte>& bytes) {
  const std::vector<std::byte> exact(bytes.begin(), bytes.end());  // sanitizers see overreads
  n.engine.on_frame(now, exact);
}

TEST_CASE("pfsync hostile: every truncation of every golden frame is only counted") {
  FakeClock clock;
  Node n;
  st::State& v = victim(n);
  const st::StatePeers before = v.peers;
  for (const auto& g : golden::all_frames()) {
    for (size_t len = 0; len < g.bytes.size(); ++len) {
      feed_exact(n, clock.now,
                 std::vector<std::byte>(g.bytes.begin(), g.bytes.begin() + static_cast<long>(len)));
    }
  }
  const Stats& s = n.engine.stats();
  CHECK(s.hdrops + s.badlen > 0);
  REQUIRE(n.store.find_by_id(1, kHostA));
  CHECK(n.store.find_by_id(1, kHostA)->peers == before);
}

TEST_CASE("pfsync hostile: counts that promise more records than the frame holds are badlen") {
  FakeClock clock;
  Node n;
  victim(n);
  std::vector<std::byte> f = frame_of({{Action::kDelC, IdMsg{1, kHostA}}});
  f[sizeof(layout::Header) + 2] = std::byte{0x7f};  // count 0x7f01
  feed_exact(n, clock.now, f);
  CHECK(n.engine.stats().badlen == 1);
  CHECK(n.store.size() == 1);  // the DEL_C in a lying section was not applied
}

TEST_CASE("pfsync hostile: random frames with a valid header never crash and keep our state") {
  FakeClock clock;
  Node n;
  st::State& v = victim(n);
  const st::StatePeers before = v.peers;
  std::mt19937 rng(4242);
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::byte> f(rng() % 600);
    for (auto& b : f) b = std::byte(rng());
    if (f.size() >= 4 && i % 2 == 0) {
      f[0] = std::byte{kVersion};
      f[2] = std::byte(f.size() >> 8);
      f[3] = std::byte(f.size() & 0xff);
      if (f.size() > 20) f[20] = std::byte(rng() % 16);  // a plausible action
    }
    feed_exact(n, clock.now, f);
    n.engine.on_timer(clock.advance(std::chrono::milliseconds(1)));
  }
  REQUIRE(n.store.find_by_id(1, kHostA));
  // Random UPD_C/UPD records may name our state: they must then pass the merge rules, which
  // never move a window back.
  const st::State* after = n.store.find_by_id(1, kHostA);
  CHECK(!st::seq_lt(after->peers.src.seqlo, before.src.seqlo));
}

TEST_CASE("pfsync hostile: messages about unknown states are counted, not obeyed") {
  FakeClock clock;
  Node n;
  victim(n);
  n.engine.on_frame(clock.now, frame_of({{Action::kDelC, IdMsg{2, kHostA}},
                                         {Action::kUpdReq, IdMsg{3, kHostB}},
                                         {Action::kInsAck, IdMsg{4, kHostB}}}));
  CHECK(n.engine.stats().badstate == 2);  // DEL_C and UPD_REQ; a stray INS_ACK is ignored
  CHECK(n.store.size() == 1);
  CHECK(n.sink.frames.empty());
}

TEST_CASE("pfsync hostile: an UPD_C naming id 0 of creator 0 does not turn into a bulk request") {
  FakeClock clock;
  Node n;
  UpdCMsg u;
  n.engine.on_frame(clock.now, frame_of({{Action::kUpdC, u}}));
  CHECK(n.engine.stats().badval == 1);
  CHECK(n.sink.frames.empty());
}

TEST_CASE("pfsync hostile: states with creator 0 or a key we hold are refused as badstate") {
  FakeClock clock;
  Node n;
  st::State& v = victim(n);
  st::State other;
  fill_tcp_state(other, 9, kHostB, 100000);
  StateMsg m = state_export(other, 100000);
  m.creatorid = 0;
  n.engine.on_frame(clock.now, frame_of({{Action::kIns, m}}));
  m = state_export(v, 100000);  // same key as our state, another identity
  m.id = 77;
  m.creatorid = kHostB;
  n.engine.on_frame(clock.now, frame_of({{Action::kIns, m}}));
  CHECK(n.engine.stats().badstate == 2);
  CHECK(n.store.size() == 1);
}

TEST_CASE("pfsync hostile: invalid values in full states and UPD_C are badval and skipped") {
  FakeClock clock;
  Node n;
  st::State& v = victim(n);
  std::vector<std::byte> f = frame_of({{Action::kUpdC, upd_c_export(v, {})}});
  f[sizeof(layout::Header) + 4 + offsetof(layout::UpdC, timeout)] = std::byte{kPftmMax};
  feed_exact(n, clock.now, f);
  CHECK(n.engine.stats().badval == 1);
  CHECK(n.engine.stats().stale == 0);
}

TEST_CASE("pfsync hostile: a frame larger than any MTU of UPD_C for unknown states stays bounded") {
  FakeClock clock;
  Node n;
  std::vector<Message> flood;
  for (uint64_t i = 1; i <= 500; ++i) {
    UpdCMsg u;
    u.id = i;
    u.creatorid = kHostB;
    flood.push_back({Action::kUpdC, u});
  }
  n.engine.on_frame(clock.now, frame_of(flood));
  // 119 UPD_REQ per 1500-byte frame: every request goes out, in full frames.
  CHECK(n.sink.count(Action::kUpdReq) == 500);
  CHECK(n.sink.frames.size() == 5);
  for (const auto& f : n.sink.frames) CHECK(f.size() + 20 <= 1500);
}

}  // namespace
}  // namespace dpf::pfsync
