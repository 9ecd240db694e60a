// The bulk update, both sides (shared/specs/pfsync.md §4.6): UPD_REQ(0,0), retries, BUS
// START/END, the paced walk, and floods of requests.
#include <catch2/catch.hpp>

#include "tests/unit/pfsync/engine_test_util.h"

namespace dpf::pfsync {
namespace {

using namespace dpf::pfsync::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

using Node = TestNode;

EngineConfig config(uint32_t hostid) {
  EngineConfig c;
  c.hostid = hostid;
  return c;
}

size_t bulk_requests(const FakeSink& sink) {
  size_t n = 0;
  for (const Message& m : only(sink.messages(), Action::kUpdReq)) {
    n += std::get<IdMsg>(m.body) == IdMsg{0, 0};
  }
  return n;
}

std::vector<BusMsg> buses(const FakeSink& sink) {
  std::vector<BusMsg> out;
  for (const Message& m : only(sink.messages(), Action::kBus))
    out.push_back(std::get<BusMsg>(m.body));
  return out;
}

// Runs on_timer at every deadline up to `until`.
void run_until(SyncEngine& e, FakeClock& clock, TimePoint until) {
  for (auto d = e.next_deadline(); d && *d <= until; d = e.next_deadline()) {
    clock.now = std::max(clock.now, *d);
    e.on_timer(clock.now);
  }
  clock.now = until;
}

TEST_CASE("pfsync bulk: a request is sent at once and the node is not in sync until answered") {
  FakeClock clock;
  Node b(config(kHostB));
  CHECK(b.engine.sync_ok());
  b.engine.request_bulk(clock.now);
  CHECK(bulk_requests(b.sink) == 1);
  CHECK_FALSE(b.engine.sync_ok());
  CHECK(b.engine.bulk_status().requested);
  CHECK(b.engine.bulk_status().started_at == clock.now);
  CHECK(b.engine.next_deadline() == clock.now + seconds(5));
}

TEST_CASE(
    "pfsync bulk: without an answer the request is retried every 5 s, 12 times, then given up") {
  FakeClock clock;
  Node b(config(kHostB));
  const TimePoint t0 = clock.now;
  b.engine.request_bulk(t0);
  run_until(b.engine, clock, t0 + seconds(5) - milliseconds(1));
  CHECK(bulk_requests(b.sink) == 1);
  run_until(b.engine, clock, t0 + seconds(5));
  CHECK(bulk_requests(b.sink) == 2);
  CHECK(b.engine.bulk_status().tries == 1);
  run_until(b.engine, clock, t0 + seconds(64));
  CHECK(bulk_requests(b.sink) == 13);
  CHECK_FALSE(b.engine.sync_ok());
  run_until(b.engine, clock, t0 + seconds(65));
  CHECK(bulk_requests(b.sink) == 13);
  CHECK(b.engine.bulk_status().failed);
  CHECK_FALSE(b.engine.bulk_status().done);
  CHECK(b.engine.sync_ok());  // pf carries on as if it had worked
  CHECK(b.engine.bulk_status().finished_at == t0 + seconds(65));
}

TEST_CASE("pfsync bulk: BUS START stretches the fail timer to cover the whole table") {
  FakeClock clock;
  EngineConfig c = config(kHostB);
  c.state_limit = 10000;  // 5 states per frame at 1500: 2000 ticks = 2 s more
  Node b(c);
  const TimePoint t0 = clock.now;
  b.engine.request_bulk(t0);
  b.engine.on_frame(t0 + seconds(1), frame_of({{Action::kBus, BusMsg{kHostA, 0, kBusStart}}}));
  CHECK(b.engine.bulk_status().in_progress);
  CHECK(b.engine.next_deadline() == t0 + seconds(1) + seconds(4) + seconds(2));
  run_until(b.engine, clock, t0 + seconds(6));
  CHECK(bulk_requests(b.sink) == 1);
}

TEST_CASE(
    "pfsync bulk: a BUS END that postdates the request completes it; an older one is ignored") {
  FakeClock clock;
  Node b(config(kHostB));
  const TimePoint t0 = clock.now;
  b.engine.request_bulk(t0);
  // The sender's bulk took 7 s and ended 2 s after our request: it began before it.
  b.engine.on_frame(t0 + seconds(2), frame_of({{Action::kBus, BusMsg{kHostA, 7, kBusEnd}}}));
  CHECK_FALSE(b.engine.bulk_status().done);
  CHECK(b.engine.engine_stats().bad_bus_end == 1);
  b.engine.on_frame(t0 + seconds(3), frame_of({{Action::kBus, BusMsg{kHostA, 2, kBusEnd}}}));
  CHECK(b.engine.bulk_status().done);
  CHECK(b.engine.sync_ok());
  CHECK(b.engine.bulk_status().finished_at == t0 + seconds(3));
  CHECK_FALSE(b.engine.next_deadline().has_value());
}

TEST_CASE("pfsync bulk: a short bulk across the sender's second boundary completes the request") {
  // The request leaves at a whole second; the peer's bulk crosses its own second boundary, so
  // its BUS END says 1 s although the END arrives 200 ms after the request. Without the START
  // it would look older than the request; with the START seen since the request it completes.
  FakeClock clock;
  const BusMsg start{kHostA, 0, kBusStart};
  const BusMsg end{kHostA, 1, kBusEnd};

  Node b(config(kHostB));
  const TimePoint t0 = clock.now;
  b.engine.request_bulk(t0);
  b.engine.on_frame(t0 + milliseconds(100), frame_of({{Action::kBus, start}}));
  b.engine.on_frame(t0 + milliseconds(200), frame_of({{Action::kBus, end}}));
  CHECK(b.engine.bulk_status().done);
  CHECK(b.engine.engine_stats().bad_bus_end == 0);

  SECTION("without a START since the request the same END is too old") {
    Node c(config(kHostB));
    c.engine.request_bulk(t0);
    c.engine.on_frame(t0 + milliseconds(200), frame_of({{Action::kBus, end}}));
    CHECK_FALSE(c.engine.bulk_status().done);
    CHECK(c.engine.engine_stats().bad_bus_end == 1);
  }
  SECTION("a START from another peer does not vouch for this one's END") {
    Node c(config(kHostB));
    c.engine.request_bulk(t0);
    c.engine.on_frame(t0 + milliseconds(100),
                      frame_of({{Action::kBus, BusMsg{kHostA + 7, 0, kBusStart}}}));
    c.engine.on_frame(t0 + milliseconds(200), frame_of({{Action::kBus, end}}));
    CHECK_FALSE(c.engine.bulk_status().done);
  }
  SECTION("a START seen before a new request does not vouch for the END after it") {
    Node c(config(kHostB));
    c.engine.request_bulk(t0);
    c.engine.on_frame(t0 + milliseconds(100), frame_of({{Action::kBus, start}}));
    c.engine.request_bulk(t0 + seconds(3));
    c.engine.on_frame(t0 + seconds(3) + milliseconds(200),
                      frame_of({{Action::kBus, BusMsg{kHostA, 4, kBusEnd}}}));
    CHECK_FALSE(c.engine.bulk_status().done);
  }
}

TEST_CASE("pfsync bulk: a BUS END claiming a bulk longer than our uptime is too old") {
  FakeClock clock;
  Node b(config(kHostB));
  b.engine.request_bulk(clock.now);
  b.engine.on_frame(clock.now, frame_of({{Action::kBus, BusMsg{kHostA, 0xffffffff, kBusEnd}}}));
  CHECK_FALSE(b.engine.bulk_status().done);
  CHECK(b.engine.engine_stats().bad_bus_end == 1);
}

TEST_CASE("pfsync bulk: our own BUS END (looped back) does not complete our request") {
  FakeClock clock;
  Node b(config(kHostB));
  b.engine.request_bulk(clock.now);
  b.engine.on_frame(clock.now, frame_of({{Action::kBus, BusMsg{kHostB, 0, kBusEnd}}}));
  CHECK_FALSE(b.engine.bulk_status().done);
}

TEST_CASE("pfsync bulk: BUS messages are ignored when no bulk was requested") {
  FakeClock clock;
  Node b(config(kHostB));
  b.engine.on_frame(clock.now, frame_of({{Action::kBus, BusMsg{kHostA, 0, kBusEnd}}}));
  CHECK_FALSE(b.engine.bulk_status().done);
  CHECK(b.engine.sync_ok());
}

TEST_CASE("pfsync bulk: the asked node sends every state between BUS START and BUS END") {
  FakeClock clock;
  Node a(config(kHostA));
  for (uint64_t i = 1; i <= 12; ++i) add_tcp(a.store, i, kHostA, uptime_seconds(clock.now));
  add_tcp(a.store, 1, kHostB, uptime_seconds(clock.now));  // learned ones are sent too
  st::State& quiet = add_tcp(a.store, 50, kHostA, uptime_seconds(clock.now));
  quiet.state_flags |= st::kStateNoSync;
  const TimePoint t0 = clock.now;
  a.engine.on_frame(t0, frame_of({{Action::kUpdReq, IdMsg{0, 0}}}));
  REQUIRE(a.sink.frames.size() == 1);  // BUS START leaves at once
  REQUIRE(buses(a.sink).size() == 1);
  CHECK(buses(a.sink)[0].status == kBusStart);
  CHECK(buses(a.sink)[0].creatorid == kHostA);
  CHECK(a.engine.bulk_sending());
  run_until(a.engine, clock, t0 + seconds(1));
  CHECK_FALSE(a.engine.bulk_sending());
  const auto msgs = a.sink.messages();
  CHECK(only(msgs, Action::kUpd).size() == 13);
  for (const Message& m : only(msgs, Action::kUpd)) CHECK(id_of(m) != 50);
  REQUIRE(buses(a.sink).size() == 2);
  CHECK(buses(a.sink)[1].status == kBusEnd);
  CHECK(msgs.back().action == Action::kBus);  // END after the last state
  CHECK(a.engine.engine_stats().bulk_states_sent == 13);
}

TEST_CASE(
    "pfsync bulk: the answer is paced, a budget of states per tick, live updates in between") {
  FakeClock clock;
  EngineConfig c = config(kHostA);
  c.bulk_budget = 3;
  c.bulk_interval = milliseconds(10);
  Node a(c);
  std::vector<st::State*> states;
  for (uint64_t i = 1; i <= 8; ++i) states.push_back(&add_tcp(a.store, i, kHostA, 100000));
  st::State& busy = add_tcp(a.store, 9, 0x0c0c0c0c, 100000);
  busy.timeout = st::Timeout::kTcpClosing;
  const TimePoint t0 = clock.now;
  a.engine.on_frame(t0, frame_of({{Action::kUpdReq, IdMsg{0, 0}}}));
  a.sink.frames.clear();  // BUS START

  a.engine.on_timer(t0 + milliseconds(9));
  CHECK(a.sink.frames.empty());
  a.engine.on_timer(t0 + milliseconds(10));
  REQUIRE(a.sink.frames.size() == 1);
  CHECK(only(a.sink.messages(), Action::kUpd).size() == 3);
  // A worker changes a state that the walk has not reached: it goes out with the next tick.
  a.engine.on_local_change(t0 + milliseconds(15), *states[7], ChangeKind::kUpdate);
  a.engine.on_timer(t0 + milliseconds(20));
  REQUIRE(a.sink.frames.size() == 2);
  a.engine.on_timer(t0 + milliseconds(30));
  a.engine.on_timer(t0 + milliseconds(40));
  CHECK_FALSE(a.engine.bulk_sending());
  const auto msgs = a.sink.messages();
  CHECK(only(msgs, Action::kUpd).size() == 9);
  CHECK(only(msgs, Action::kUpdC).size() == 1);
  CHECK(a.sink.frames.size() == 4);  // 3 + 3 (+UPD_C) + 3 + BUS END
}

TEST_CASE("pfsync bulk: an empty table is answered with BUS START and BUS END") {
  FakeClock clock;
  Node a(config(kHostA));
  a.engine.on_frame(clock.now, frame_of({{Action::kUpdReq, IdMsg{0, 0}}}));
  run_until(a.engine, clock, clock.now + seconds(1));
  const auto b = buses(a.sink);
  REQUIRE(b.size() == 2);
  CHECK(b[0].status == kBusStart);
  CHECK(b[1].status == kBusEnd);
}

TEST_CASE("pfsync bulk: a flood of bulk requests costs one more walk, not one each") {
  FakeClock clock;
  EngineConfig c = config(kHostA);
  c.bulk_holdoff = seconds(1);
  Node a(c);
  for (uint64_t i = 1; i <= 4; ++i) add_tcp(a.store, i, kHostA, 100000);
  const TimePoint t0 = clock.now;
  std::vector<Message> flood(100, Message{Action::kUpdReq, IdMsg{0, 0}});
  a.engine.on_frame(t0, frame_of(flood));  // one frame of 100 requests
  for (int i = 1; i <= 50; ++i) {
    a.engine.on_frame(t0 + milliseconds(i), frame_of({{Action::kUpdReq, IdMsg{0, 0}}}));
  }
  run_until(a.engine, clock, t0 + seconds(10));
  CHECK(a.engine.engine_stats().bulk_requests_received == 150);
  CHECK(a.engine.engine_stats().bulk_sends_started == 2);
  CHECK(a.engine.engine_stats().bulk_requests_postponed == 149);
  CHECK(buses(a.sink).size() == 4);
  CHECK(only(a.sink.messages(), Action::kUpd).size() == 8);
}

TEST_CASE("pfsync bulk: requests spaced by more than the holdoff are each answered at once") {
  FakeClock clock;
  Node a(config(kHostA));
  add_tcp(a.store, 1, kHostA, 100000);
  const TimePoint t0 = clock.now;
  a.engine.on_frame(t0, frame_of({{Action::kUpdReq, IdMsg{0, 0}}}));
  run_until(a.engine, clock, t0 + seconds(2));
  a.engine.on_frame(clock.now, frame_of({{Action::kUpdReq, IdMsg{0, 0}}}));
  CHECK(a.engine.bulk_sending());
  CHECK(a.engine.engine_stats().bulk_requests_postponed == 0);
}

TEST_CASE("pfsync bulk: two nodes back to back complete a bulk update") {
  FakeClock clock;
  Node a(config(kHostA));
  Node b(config(kHostB));
  for (uint64_t i = 1; i <= 23; ++i) add_tcp(a.store, i, kHostA, uptime_seconds(clock.now));
  const TimePoint t0 = clock.now;
  b.engine.request_bulk(t0);
  size_t a_seen = 0, b_seen = 0;
  for (int step = 0; step < 2000 && !b.engine.sync_ok(); ++step) {
    clock.advance(milliseconds(1));
    a.engine.on_timer(clock.now);
    b.engine.on_timer(clock.now);
    for (; b_seen < b.sink.frames.size(); ++b_seen)
      a.engine.on_frame(clock.now, b.sink.frames[b_seen]);
    for (; a_seen < a.sink.frames.size(); ++a_seen)
      b.engine.on_frame(clock.now, a.sink.frames[a_seen]);
  }
  CHECK(b.engine.bulk_status().done);
  CHECK(b.engine.bulk_status().states_received == 23);
  CHECK(b.store.ids() == a.store.ids());
  CHECK(b.store.size() == 23);
}

TEST_CASE("pfsync bulk: when the sync link returns after a down, the node asks for a bulk update") {
  FakeClock clock;
  Node b(config(kHostB));
  const TimePoint t0 = clock.now;
  b.engine.on_link(t0, true);  // the link as read at start-up: nothing was lost
  CHECK(bulk_requests(b.sink) == 0);
  b.engine.on_link(t0 + seconds(1), false);
  CHECK(bulk_requests(b.sink) == 0);
  CHECK(b.engine.sync_ok());
  b.engine.on_link(t0 + seconds(11), true);
  CHECK(bulk_requests(b.sink) == 1);
  CHECK_FALSE(b.engine.sync_ok());
  CHECK(b.engine.bulk_status().started_at == t0 + seconds(11));
  CHECK(b.engine.next_deadline() == t0 + seconds(16));  // the fail timer, as at start-up
  b.engine.on_link(t0 + seconds(12), true);             // read again, unchanged
  CHECK(bulk_requests(b.sink) == 1);
}

TEST_CASE("pfsync bulk: the start-up request holds CARP back until it is answered") {
  FakeClock clock;
  Node b(config(kHostB));
  b.engine.request_bulk(clock.now);
  CHECK(b.engine.holds_carp());
  b.engine.on_frame(clock.now, frame_of({{Action::kBus, BusMsg{kHostA, 0, kBusEnd}}}));
  CHECK_FALSE(b.engine.holds_carp());
}

TEST_CASE(
    "pfsync bulk: a request on the sync link's return does not hold CARP back, the table being "
    "kept") {
  FakeClock clock;
  Node b(config(kHostB));
  const TimePoint t0 = clock.now;
  b.engine.request_bulk(t0);
  b.engine.on_frame(t0, frame_of({{Action::kBus, BusMsg{kHostA, 0, kBusEnd}}}));
  b.engine.on_link(t0 + seconds(1), false);
  b.engine.on_link(t0 + seconds(2), true);
  CHECK(bulk_requests(b.sink) == 2);
  CHECK_FALSE(b.engine.sync_ok());
  CHECK(b.engine.bulk_status().resync);
  CHECK_FALSE(b.engine.holds_carp());
  // Unanswered, it is retried and given up like any other; CARP was never held for it.
  run_until(b.engine, clock, t0 + seconds(70));
  CHECK(b.engine.bulk_status().failed);
  CHECK(bulk_requests(b.sink) == 2 + 12);
}

TEST_CASE(
    "pfsync bulk: a start-up request unanswered when the sync link returns keeps holding CARP") {
  FakeClock clock;
  Node b(config(kHostB));
  const TimePoint t0 = clock.now;
  b.engine.on_link(t0, false);  // started with the link down
  b.engine.request_bulk(t0);
  b.engine.on_link(t0 + seconds(3), true);
  CHECK(bulk_requests(b.sink) == 2);
  CHECK_FALSE(b.engine.bulk_status().resync);
  CHECK(b.engine.holds_carp());
  b.engine.on_frame(t0 + seconds(3), frame_of({{Action::kBus, BusMsg{kHostA, 0, kBusEnd}}}));
  CHECK_FALSE(b.engine.holds_carp());
}

TEST_CASE("pfsync bulk: each return of the sync link asks again, a repeated down counts once") {
  FakeClock clock;
  Node b(config(kHostB));
  const TimePoint t0 = clock.now;
  for (int i = 0; i < 3; ++i) {
    b.engine.on_link(t0 + seconds(2 * i), false);
    b.engine.on_link(t0 + seconds(2 * i), false);
    b.engine.on_link(t0 + seconds(2 * i + 1), true);
  }
  CHECK(bulk_requests(b.sink) == 3);
}

TEST_CASE("pfsync bulk: the answer being sent stops when the sync link goes down") {
  FakeClock clock;
  EngineConfig c = config(kHostA);
  c.bulk_budget = 2;
  c.bulk_interval = milliseconds(10);
  Node a(c);
  for (uint64_t i = 1; i <= 10; ++i) add_tcp(a.store, i, kHostA, 100000);
  const TimePoint t0 = clock.now;
  a.engine.on_frame(t0, frame_of({{Action::kUpdReq, IdMsg{0, 0}}}));
  a.engine.on_timer(t0 + milliseconds(10));
  REQUIRE(only(a.sink.messages(), Action::kUpd).size() == 2);
  a.engine.on_link(t0 + milliseconds(15), false);
  CHECK_FALSE(a.engine.bulk_sending());
  run_until(a.engine, clock, t0 + seconds(5));
  CHECK(only(a.sink.messages(), Action::kUpd).size() == 2);
  CHECK(buses(a.sink).size() == 1);  // BUS START only: no BUS END for a walk that stopped
}

TEST_CASE("pfsync bulk: states created while the sync link was down reach the peer on its return") {
  FakeClock clock;
  Node a(config(kHostA));
  Node b(config(kHostB));
  for (uint64_t i = 1; i <= 5; ++i) add_tcp(a.store, i, kHostA, uptime_seconds(clock.now));
  b.engine.request_bulk(clock.now);
  size_t a_seen = 0, b_seen = 0;
  bool link = true;
  // One millisecond of both engines; frames cross only while the link is up.
  auto step = [&] {
    clock.advance(milliseconds(1));
    a.engine.on_timer(clock.now);
    b.engine.on_timer(clock.now);
    for (; b_seen < b.sink.frames.size(); ++b_seen)
      if (link) a.engine.on_frame(clock.now, b.sink.frames[b_seen]);
    for (; a_seen < a.sink.frames.size(); ++a_seen)
      if (link) b.engine.on_frame(clock.now, a.sink.frames[a_seen]);
  };
  for (int i = 0; i < 2000 && !b.engine.sync_ok(); ++i) step();
  REQUIRE(b.store.ids() == a.store.ids());

  link = false;
  b.engine.on_link(clock.now, false);
  for (uint64_t i = 6; i <= 30; ++i) {
    a.engine.on_local_change(clock.now, add_tcp(a.store, i, kHostA, uptime_seconds(clock.now)),
                             ChangeKind::kInsert);
  }
  for (int i = 0; i < 3000; ++i) step();  // the 1 s flush went nowhere
  CHECK(b.store.size() == 5);

  link = true;
  b.engine.on_link(clock.now, true);
  CHECK_FALSE(b.engine.sync_ok());
  for (int i = 0; i < 2000 && !b.engine.sync_ok(); ++i) step();
  CHECK(b.engine.bulk_status().done);
  CHECK(b.store.ids() == a.store.ids());
  CHECK(b.store.size() == 30);
}

}  // namespace
}  // namespace dpf::pfsync
