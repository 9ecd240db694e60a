// Deferral (shared/specs/pfsync.md §4.8): the first packet of a new state is held until the
// peer's INS_ACK, a 20 ms timeout, or an event that settles who handles the flow.
#include <catch2/catch.hpp>

#include "tests/unit/pfsync/engine_test_util.h"

namespace dpf::pfsync {
namespace {

using namespace dpf::pfsync::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr PacketHandle kPacket = 0xfeed;

using Node = TestNode;

EngineConfig config(uint32_t hostid, bool defer) {
  EngineConfig c;
  c.hostid = hostid;
  c.defer = defer;
  return c;
}

// A new state on `n`: inserted, announced and its first packet deferred.
st::State& new_deferred(Node& n, FakeClock& clock, uint64_t id, PacketHandle p) {
  st::State& s = add_tcp(n.store, id, kHostA, uptime_seconds(clock.now));
  n.engine.on_local_change(clock.now, s, ChangeKind::kInsert);
  REQUIRE(n.engine.defer_packet(clock.now, s, p));
  return s;
}

TEST_CASE("pfsync defer: without `defer` no packet is held") {
  FakeClock clock;
  Node a(config(kHostA, false));
  st::State& s = add_tcp(a.store, 1, kHostA, uptime_seconds(clock.now));
  a.engine.on_local_change(clock.now, s, ChangeKind::kInsert);
  CHECK_FALSE(a.engine.defer_packet(clock.now, s, kPacket));
  CHECK(s.state_flags == 0);
}

TEST_CASE("pfsync defer: the INS leaves at once with PFSTATE_ACK and the peer's INS_ACK releases") {
  FakeClock clock;
  Node a(config(kHostA, true));
  Node b(config(kHostB, false));
  st::State& s = new_deferred(a, clock, 1, kPacket);
  REQUIRE(a.engine.next_deadline() == clock.now);
  a.engine.on_timer(clock.now);
  const auto ins = only(a.sink.messages(), Action::kIns);
  REQUIRE(ins.size() == 1);
  CHECK((std::get<StateMsg>(ins[0].body).state_flags & kStateAck) != 0);

  b.engine.on_frame(clock.now, a.sink.frames.at(0));
  const auto ack = only(b.sink.messages(), Action::kInsAck);
  REQUIRE(ack.size() == 1);  // answered within the same input
  CHECK(std::get<IdMsg>(ack[0].body) == IdMsg{1, kHostA});
  REQUIRE(b.store.find_by_id(1, kHostA));
  CHECK((b.store.find_by_id(1, kHostA)->state_flags & st::kStateAck) == 0);

  CHECK(a.sink.released.empty());
  a.engine.on_frame(clock.advance(milliseconds(3)), b.sink.frames.at(0));
  CHECK(a.sink.released == std::vector<PacketHandle>{kPacket});
  CHECK(a.sink.dropped.empty());
  CHECK((s.state_flags & st::kStateAck) == 0);
  CHECK(a.engine.deferred_count() == 0);
  CHECK(a.engine.engine_stats().defer_acked == 1);
}

TEST_CASE("pfsync defer: without an ack the packet goes after 20 ms, not before") {
  FakeClock clock;
  Node a(config(kHostA, true));
  const TimePoint t0 = clock.now;
  st::State& s = new_deferred(a, clock, 1, kPacket);
  a.engine.on_timer(t0 + milliseconds(19));
  CHECK(a.sink.released.empty());
  CHECK(a.engine.next_deadline() == t0 + milliseconds(20));
  a.engine.on_timer(t0 + milliseconds(20));
  CHECK(a.sink.released == std::vector<PacketHandle>{kPacket});
  CHECK((s.state_flags & st::kStateAck) == 0);
  CHECK(a.engine.engine_stats().defer_timed_out == 1);
  // A late ack finds nothing to release.
  a.engine.on_frame(t0 + milliseconds(30), frame_of({{Action::kInsAck, IdMsg{1, kHostA}}}));
  CHECK(a.sink.released.size() == 1);
}

TEST_CASE("pfsync defer: an update from the peer drops the held packet (the peer has the flow)") {
  FakeClock clock;
  Node a(config(kHostA, true));
  st::State& s = new_deferred(a, clock, 1, kPacket);
  a.engine.on_frame(clock.now, frame_of({{Action::kUpdC, upd_c_export(s, {})}}));
  CHECK(a.sink.dropped == std::vector<PacketHandle>{kPacket});
  CHECK(a.sink.released.empty());
}

TEST_CASE("pfsync defer: deleting the state drops the held packet; a local update releases it") {
  FakeClock clock;
  Node a(config(kHostA, true));
  st::State& s1 = new_deferred(a, clock, 1, 0x1);
  st::State& s2 = new_deferred(a, clock, 2, 0x2);
  a.engine.on_local_change(clock.now, s1, ChangeKind::kDelete);
  a.engine.on_local_change(clock.now, s2, ChangeKind::kUpdate);
  CHECK(a.sink.dropped == std::vector<PacketHandle>{0x1});
  CHECK(a.sink.released == std::vector<PacketHandle>{0x2});
}

TEST_CASE("pfsync defer: beyond the limit the oldest held packet is released") {
  FakeClock clock;
  EngineConfig c = config(kHostA, true);
  c.defer_limit = 2;
  Node a(c);
  new_deferred(a, clock, 1, 0x1);
  new_deferred(a, clock, 2, 0x2);
  new_deferred(a, clock, 3, 0x3);
  CHECK(a.sink.released == std::vector<PacketHandle>{0x1});
  CHECK(a.engine.deferred_count() == 2);
}

TEST_CASE("pfsync defer: no-sync and learned states are never deferred") {
  FakeClock clock;
  Node a(config(kHostA, true));
  st::State& quiet = add_tcp(a.store, 1, kHostA, 100000);
  quiet.state_flags |= st::kStateNoSync;
  CHECK_FALSE(a.engine.defer_packet(clock.now, quiet, kPacket));
  st::State& learned = add_tcp(a.store, 2, kHostB, 100000);
  learned.origin = st::StateOrigin::kPfsync;
  CHECK_FALSE(a.engine.defer_packet(clock.now, learned, kPacket));
  CHECK(a.engine.deferred_count() == 0);
}

}  // namespace
}  // namespace dpf::pfsync
