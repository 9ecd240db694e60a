// What a peer may do to our table through pfsync: states in our own name (our creatorid) are
// taken only when they are ours coming back in the bulk update we asked for, and a peer's timers
// never stretch a state's life past our timeout (import clamps `expire`, merges use our clock,
// as FreeBSD 10+ does).
#include <catch2/catch.hpp>

#include "tests/unit/pfsync/engine_test_util.h"

namespace dpf::pfsync {
namespace {

using namespace dpf::pfsync::test;
using std::chrono::seconds;

using Node = TestNode;

EngineConfig config(uint32_t hostid) {
  EngineConfig c;
  c.hostid = hostid;
  return c;
}

// A full state in `creator`'s name as a peer would send it.
StateMsg wire_state(uint64_t id, uint32_t creator, uint32_t uptime) {
  st::State s;
  fill_tcp_state(s, id, creator, uptime);
  return state_export(s, uptime);
}

TEST_CASE("pfsync peers: a state in our name with id UINT64_MAX is refused and counted") {
  FakeClock clock;
  Node a(config(kHostA));
  for (const Action act : {Action::kIns, Action::kUpd}) {
    a.engine.on_frame(clock.now, frame_of({{act, wire_state(UINT64_MAX, kHostA, a.up(clock))}}));
  }
  CHECK(a.engine.engine_stats().badcreator == 2);
  CHECK(a.store.size() == 0);
  // Inside the bulk update we asked for, an id our counter cannot pass is refused too.
  a.engine.request_bulk(clock.now);
  a.engine.on_frame(clock.now,
                    frame_of({{Action::kUpd, wire_state(UINT64_MAX, kHostA, a.up(clock))}}));
  CHECK(a.engine.engine_stats().badcreator == 3);
  CHECK(a.store.size() == 0);
}

TEST_CASE("pfsync peers: a state in our name outside a bulk update we asked for is refused") {
  FakeClock clock;
  Node a(config(kHostA));
  a.engine.on_frame(clock.now, frame_of({{Action::kIns, wire_state(5, kHostA, a.up(clock))}}));
  a.engine.on_frame(clock.now, frame_of({{Action::kUpd, wire_state(6, kHostA, a.up(clock))}}));
  CHECK(a.engine.engine_stats().badcreator == 2);
  CHECK(a.store.size() == 0);
  // After our bulk update has ended, the window is closed again.
  a.engine.request_bulk(clock.now);
  a.engine.on_frame(clock.now, frame_of({{Action::kBus, BusMsg{kHostB, 0, kBusEnd}}}));
  REQUIRE(a.engine.bulk_status().done);
  a.engine.on_frame(clock.now, frame_of({{Action::kUpd, wire_state(7, kHostA, a.up(clock))}}));
  CHECK(a.engine.engine_stats().badcreator == 3);
  CHECK(a.store.size() == 0);
  // Another node's states are not concerned.
  a.engine.on_frame(clock.now, frame_of({{Action::kIns, wire_state(8, kHostB, a.up(clock))}}));
  CHECK(a.store.find_by_id(8, kHostB) != nullptr);
  CHECK(a.engine.engine_stats().badcreator == 3);
}

TEST_CASE("pfsync peers: our own states coming back in the bulk update we asked for are taken") {
  FakeClock clock;
  Node a(config(kHostA));
  a.engine.request_bulk(clock.now);
  a.engine.on_frame(clock.now, frame_of({{Action::kBus, BusMsg{kHostB, 0, kBusStart}}}));
  const uint64_t old_id = (uint64_t{1700000000} << 32) | 42;  // an id from an earlier boot
  a.engine.on_frame(clock.now, frame_of({{Action::kUpd, wire_state(old_id, kHostA, a.up(clock))},
                                         {Action::kUpd, wire_state(3, kHostB, a.up(clock))}}));
  CHECK(a.store.find_by_id(old_id, kHostA) != nullptr);
  CHECK(a.store.find_by_id(3, kHostB) != nullptr);
  CHECK(a.engine.engine_stats().badcreator == 0);
  CHECK(a.engine.stats().badstate == 0);
}

TEST_CASE("pfsync peers: an imported state's expire is clamped to our timeout for its class") {
  FakeClock clock;
  Node a(config(kHostA));
  const uint32_t now = a.up(clock);
  const auto tt = st::TimeoutTable::defaults();
  StateMsg m = wire_state(11, kHostB, now);  // tcp.established: 86400 s
  m.expire = 0xfffffff0;                     // "expires in 136 years"
  StateMsg udp = wire_state(12, kHostB, now);
  udp.proto = 17;
  udp.key[kKeyWire].port[1] = udp.key[kKeyStack].port[1] = 1;
  udp.src.state = 1;
  udp.dst.state = 0;
  udp.timeout = static_cast<uint8_t>(st::Timeout::kUdpSingle);  // 30 s
  udp.expire = 3600;
  a.engine.on_frame(clock.now, frame_of({{Action::kIns, m}, {Action::kIns, udp}}));
  const st::State* s = a.store.find_by_id(11, kHostB);
  REQUIRE(s != nullptr);
  CHECK(s->expire == now);
  CHECK(st::expires_at(s->timeout, s->expire, now, tt, nullptr, {}) == now + 86400);
  const st::State* u = a.store.find_by_id(12, kHostB);
  REQUIRE(u != nullptr);
  CHECK(st::expires_at(u->timeout, u->expire, now, tt, nullptr, {}) == now + 30);
}

TEST_CASE("pfsync peers: a merge sets the state's last activity to now, whatever expire says") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State& s = add_tcp(a.store, 4, kHostB, a.up(clock) - 500);
  s.expire = a.up(clock) - 500;
  clock.advance(seconds(7));
  const uint32_t now = a.up(clock);
  // An UPD_C claiming 5 s left and a full UPD claiming years: both set the last activity to now.
  st::State newer;
  fill_tcp_state(newer, 4, kHostB, now);
  newer.peers.src.seqlo = 2000;
  UpdCMsg c = upd_c_export(newer, {});
  c.expire = 5;
  a.engine.on_frame(clock.now, frame_of({{Action::kUpdC, c}}));
  CHECK(s.peers.src.seqlo == 2000);
  CHECK(s.expire == now);
  clock.advance(seconds(3));
  newer.peers.src.seqlo = 3000;
  StateMsg full = state_export(newer, now);
  full.expire = 0xfffffff0;
  a.engine.on_frame(clock.now, frame_of({{Action::kUpd, full}}));
  CHECK(s.peers.src.seqlo == 3000);
  CHECK(s.expire == a.up(clock));
  CHECK(a.engine.stats().stale == 0);
}

}  // namespace
}  // namespace dpf::pfsync
