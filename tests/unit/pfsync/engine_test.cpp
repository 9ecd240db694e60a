// SyncEngine sender and receiver behaviour with a fake store, sink and clock
// (shared/specs/pfsync.md §2.7, §4.2, §4.3, §4.5, §4.10).
#include <catch2/catch.hpp>

#include "tests/unit/pfsync/engine_test_util.h"
#include "tests/unit/pfsync/golden_frames.h"

namespace dpf::pfsync {
namespace {

using namespace dpf::pfsync::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

EngineConfig config(uint32_t hostid) {
  EngineConfig c;
  c.hostid = hostid;
  return c;
}

using Node = TestNode;

TEST_CASE("pfsync engine: a new local state is sent as INS once the 1 s timer fires") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State& s = add_tcp(a.store, 1, kHostA, a.up(clock));
  const TimePoint t0 = clock.now;
  a.engine.on_local_change(t0, s, ChangeKind::kInsert);
  REQUIRE(a.engine.next_deadline() == t0 + seconds(1));
  a.engine.on_timer(clock.advance(milliseconds(999)));
  CHECK(a.sink.frames.empty());
  a.engine.on_timer(clock.advance(milliseconds(1)));
  REQUIRE(a.sink.frames.size() == 1);
  const auto ins = only(a.sink.messages(), Action::kIns);
  REQUIRE(ins.size() == 1);
  const auto& m = std::get<StateMsg>(ins[0].body);
  CHECK(m.id == 1);
  CHECK(m.creatorid == kHostA);
  CHECK(m.src.seqlo == s.peers.src.seqlo);
  CHECK(a.engine.stats().opackets == 1);
  CHECK(a.engine.stats().oacts[static_cast<size_t>(Action::kIns)] == 1);
  CHECK_FALSE(a.engine.next_deadline().has_value());
}

TEST_CASE("pfsync engine: changes to a queued state collapse into one UPD_C with the latest view") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State& s = add_tcp(a.store, 1, kHostA, a.up(clock));
  for (int i = 0; i < 10; ++i) {
    s.peers.src.seqlo += 100;
    a.engine.on_local_change(clock.advance(milliseconds(10)), s, ChangeKind::kUpdate);
  }
  a.engine.on_timer(clock.advance(seconds(1)));
  const auto upd = only(a.sink.messages(), Action::kUpdC);
  REQUIRE(upd.size() == 1);
  CHECK(std::get<UpdCMsg>(upd[0].body).src.seqlo == 2000);
  CHECK(a.sink.frames.size() == 1);
}

TEST_CASE("pfsync engine: maxupd further changes to a queued TCP state send it at once") {
  FakeClock clock;
  EngineConfig c = config(kHostA);
  c.maxupd = 4;
  Node a(c);
  st::State& s = add_tcp(a.store, 1, kHostA, a.up(clock));
  a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);  // queued as UPD_C
  for (int i = 0; i < 3; ++i) a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
  a.engine.on_timer(clock.now);
  CHECK(a.sink.frames.empty());
  a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);  // the 4th further change
  REQUIRE(a.engine.next_deadline() == clock.now);
  a.engine.on_timer(clock.now);
  CHECK(a.sink.count(Action::kUpdC) == 1);
}

TEST_CASE("pfsync engine: a TCP state goes out at once when a peer sent past half its window") {
  // On the wire: src.seqlo 1000, src.seqhi 70000, so a peer's copy takes src's segments up to
  // 70000. Once src has sent past 1000 + 69000 / 2 the update may not wait for maxupd or 1 s.
  FakeClock clock;
  Node a(config(kHostA));
  st::State& s = add_tcp(a.store, 1, kHostA, a.up(clock));
  a.engine.on_local_change(clock.now, s, ChangeKind::kInsert);
  a.engine.on_timer(clock.advance(seconds(1)));
  REQUIRE(a.sink.count(Action::kIns) == 1);
  a.sink.frames.clear();

  s.peers.src.seqlo = 1000 + 34500;                             // exactly half: not yet
  a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);  // queued as UPD_C
  a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
  a.engine.on_timer(clock.advance(milliseconds(1)));
  CHECK(a.sink.frames.empty());
  s.peers.src.seqlo += 1;
  a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
  REQUIRE(a.engine.next_deadline() == clock.now);
  a.engine.on_timer(clock.now);
  const auto upd = only(a.sink.messages(), Action::kUpdC);
  REQUIRE(upd.size() == 1);
  CHECK(std::get<UpdCMsg>(upd[0].body).src.seqlo == 1000 + 34501);
  CHECK(a.engine.engine_stats().window_pushes == 1);
  a.sink.frames.clear();

  SECTION("the window that counts is the one last sent") {
    // The UPD_C carried seqlo 35501, seqhi 70000: half of that window is 17249.
    s.peers.src.seqlo += 17249;
    a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
    a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
    a.engine.on_timer(clock.advance(milliseconds(1)));
    CHECK(a.sink.frames.empty());
  }
  SECTION("the other peer's side counts as well") {
    s.peers.dst.seqlo = 5000 + 35001;
    a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
    a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
    a.engine.on_timer(clock.advance(milliseconds(1)));
    CHECK(a.sink.count(Action::kUpdC) == 1);
  }
}

TEST_CASE("pfsync engine: the half-window check holds across sequence number wrap") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State& s = add_tcp(a.store, 1, kHostA, a.up(clock));
  s.peers.src.seqlo = 0xfffff000u;
  s.peers.src.seqhi = 0xfffff000u + 20000;  // wraps past zero
  a.engine.on_local_change(clock.now, s, ChangeKind::kInsert);
  a.engine.on_timer(clock.advance(seconds(1)));
  a.sink.frames.clear();
  s.peers.src.seqlo = 0xfffff000u + 9000;  // past zero, below half
  a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
  a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
  a.engine.on_timer(clock.advance(milliseconds(1)));
  CHECK(a.sink.frames.empty());
  s.peers.src.seqlo = 0xfffff000u + 10001;
  a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
  a.engine.on_timer(clock.now);
  CHECK(a.sink.count(Action::kUpdC) == 1);
}

TEST_CASE("pfsync engine: non-TCP changes never force a send before the 1 s flush") {
  FakeClock clock;
  EngineConfig c = config(kHostA);
  c.maxupd = 2;
  Node a(c);
  st::State& s = add_udp(a.store, 1, kHostA, a.up(clock));
  for (int i = 0; i < 20; ++i) a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
  a.engine.on_timer(clock.advance(milliseconds(900)));
  CHECK(a.sink.frames.empty());
  a.engine.on_timer(clock.advance(milliseconds(100)));
  CHECK(a.sink.count(Action::kUpdC) == 1);
}

TEST_CASE("pfsync engine: frames are filled to the MTU: 5 INS, 17 UPD_C, 119 DEL_C at 1500") {
  FakeClock clock;
  Node a(config(kHostA));
  std::vector<st::State*> states;
  for (uint64_t i = 1; i <= 119; ++i) states.push_back(&add_tcp(a.store, i, kHostA, a.up(clock)));

  for (size_t i = 0; i < 40; ++i)
    a.engine.on_local_change(clock.now, *states[i], ChangeKind::kInsert);
  CHECK(a.sink.frames.size() == 7);  // each 6th INS pushed a full frame out
  a.engine.on_timer(clock.advance(seconds(1)));
  REQUIRE(a.sink.frames.size() == 8);
  for (const auto& f : a.sink.frames) CHECK(f.size() <= 1500 - 20);
  CHECK(a.sink.frames[0].size() == 20 + 4 + 5 * 242 + 24);
  a.sink.frames.clear();

  for (size_t i = 0; i < 34; ++i)
    a.engine.on_local_change(clock.now, *states[i], ChangeKind::kUpdate);
  a.engine.on_timer(clock.advance(seconds(1)));
  REQUIRE(a.sink.frames.size() == 2);
  CHECK(a.sink.frames[0].size() == 20 + 4 + 17 * 84 + 24);
  CHECK(a.sink.frames[0].size() + 20 <= 1500);
  a.sink.frames.clear();

  for (st::State* s : states) a.engine.on_local_change(clock.now, *s, ChangeKind::kDelete);
  a.engine.on_timer(clock.advance(seconds(1)));
  REQUIRE(a.sink.frames.size() == 1);
  CHECK(a.sink.count(Action::kDelC) == 119);
}

TEST_CASE("pfsync engine: a smaller MTU makes smaller frames") {
  FakeClock clock;
  EngineConfig c = config(kHostA);
  c.mtu = 600;  // 64 + 4 + 2 * 242 = 552: two states per frame
  Node a(c);
  for (uint64_t i = 1; i <= 4; ++i) {
    a.engine.on_local_change(clock.now, add_tcp(a.store, i, kHostA, a.up(clock)),
                             ChangeKind::kInsert);
  }
  a.engine.on_timer(clock.advance(seconds(1)));
  REQUIRE(a.sink.frames.size() == 2);
  for (const auto& f : a.sink.frames) CHECK(f.size() + 20 <= 600);
}

TEST_CASE("pfsync engine: sections follow 9.x's order and a frame ends with EOF and trailer") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State& s1 = add_tcp(a.store, 1, kHostA, a.up(clock));
  st::State& s2 = add_tcp(a.store, 2, kHostA, a.up(clock));
  st::State& s3 = add_tcp(a.store, 3, kHostA, a.up(clock));
  a.engine.on_local_change(clock.now, s3, ChangeKind::kDelete);
  a.engine.on_local_change(clock.now, s2, ChangeKind::kUpdate);
  a.engine.on_local_change(clock.now, s1, ChangeKind::kInsert);
  a.engine.on_timer(clock.advance(seconds(1)));
  const auto msgs = a.sink.messages();
  REQUIRE(msgs.size() == 3);
  CHECK(msgs[0].action == Action::kIns);
  CHECK(msgs[1].action == Action::kUpdC);
  CHECK(msgs[2].action == Action::kDelC);
  MessageCollector c;
  Stats st;
  const DecodeResult r = decode_frame(a.sink.frames[0], c, st);
  CHECK(r.ok());
  CHECK(r.eof);
  REQUIRE(c.eof.has_value());
  CHECK(c.eof->trailer);
}

TEST_CASE("pfsync engine: a state deleted before its INS left is never announced") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State& s = add_tcp(a.store, 1, kHostA, a.up(clock));
  a.engine.on_local_change(clock.now, s, ChangeKind::kInsert);
  a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
  a.engine.on_local_change(clock.now, s, ChangeKind::kDelete);
  a.engine.on_timer(clock.advance(seconds(2)));
  CHECK(a.sink.frames.empty());
}

TEST_CASE("pfsync engine: no-sync states are never sent, not even on request") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State& s = add_tcp(a.store, 1, kHostA, a.up(clock));
  s.state_flags |= st::kStateNoSync;
  a.engine.on_local_change(clock.now, s, ChangeKind::kInsert);
  a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);
  a.engine.on_frame(clock.now,
                    frame_of({{Action::kUpdReq, IdMsg{1, kHostA}}}));  // a peer asks for it
  a.engine.on_local_change(clock.now, s, ChangeKind::kDelete);
  a.engine.on_timer(clock.advance(seconds(2)));
  CHECK(a.sink.frames.empty());
}

TEST_CASE("pfsync engine: a state for pfsync's own protocol is not announced") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State s;
  fill_udp_state(s, 1, kHostA, a.up(clock));
  s.proto = wire::kIpProtoPfsync;
  a.engine.on_local_change(clock.now, a.store.add(s), ChangeKind::kInsert);
  a.engine.on_timer(clock.advance(seconds(2)));
  CHECK(a.sink.frames.empty());
}

TEST_CASE("pfsync engine: an UPD_C for an unknown state is answered with an UPD_REQ") {
  FakeClock clock;
  Node a(config(kHostA));
  UpdCMsg u;
  u.id = 77;
  u.creatorid = kHostB;
  u.timeout = 2;
  a.engine.on_frame(clock.now, frame_of({{Action::kUpdC, u}, {Action::kUpdC, u}}));
  REQUIRE(a.sink.frames.size() == 1);  // sent as soon as the frame was read
  const auto req = only(a.sink.messages(), Action::kUpdReq);
  REQUIRE(req.size() == 1);  // the two requests for one state collapse
  CHECK(std::get<IdMsg>(req[0].body) == IdMsg{77, kHostB});
  CHECK(a.engine.engine_stats().upd_req_unknown == 2);
  CHECK(a.store.size() == 0);
}

TEST_CASE("pfsync engine: an UPD_REQ for a state we have is answered with a full UPD") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State& s = add_tcp(a.store, 5, kHostA, a.up(clock));
  a.engine.on_local_change(clock.now, s, ChangeKind::kUpdate);  // queued as UPD_C: upgraded
  a.engine.on_frame(clock.now, frame_of({{Action::kUpdReq, IdMsg{5, kHostA}},
                                         {Action::kUpdReq, IdMsg{6, kHostA}}}));
  const auto msgs = a.sink.messages();
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0].action == Action::kUpd);
  CHECK(std::get<StateMsg>(msgs[0].body).id == 5);
  CHECK(a.engine.stats().badstate == 1);  // id 6 is unknown
}

TEST_CASE("pfsync engine: full states are sent in FreeBSD 14's 1400 layout when configured") {
  FakeClock clock;
  EngineConfig c = config(kHostA);
  c.format = StateFormat::k1400;
  c.eof = EofStyle::kEof;
  Node a(c);
  a.engine.on_local_change(clock.now, add_tcp(a.store, 1, kHostA, a.up(clock)),
                           ChangeKind::kInsert);
  a.engine.on_timer(clock.advance(seconds(1)));
  REQUIRE(a.sink.frames.size() == 1);
  CHECK(a.sink.frames[0].size() == 20 + 4 + 277 + 4);
  const auto ins = only(a.sink.messages(), Action::kIns1400);
  REQUIRE(ins.size() == 1);
  CHECK(std::get<StateMsg>(ins[0].body).rtableid == -1);
}

TEST_CASE("pfsync engine: a received INS is imported and not rebroadcast") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State peer_state;
  fill_tcp_state(peer_state, 9, kHostB, a.up(clock));
  const StateMsg m = state_export(peer_state, a.up(clock));
  a.engine.on_frame(clock.now, frame_of({{Action::kIns, m}}));
  st::State* got = a.store.find_by_id(9, kHostB);
  REQUIRE(got);
  CHECK(got->origin == st::StateOrigin::kPfsync);
  CHECK(got->peers == peer_state.peers);
  // The glue may echo the insert as a change record: still nothing goes out.
  a.engine.on_local_change(clock.now, *got, ChangeKind::kInsert);
  a.engine.on_timer(clock.advance(seconds(5)));
  CHECK(a.sink.frames.empty());
  CHECK(a.engine.engine_stats().learned_insert_ignored == 1);
}

TEST_CASE("pfsync engine: traffic on a learned state is synced back, as pf clears no-sync") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State peer_state;
  fill_tcp_state(peer_state, 9, kHostB, a.up(clock));
  a.engine.on_frame(clock.now, frame_of({{Action::kIns, state_export(peer_state, a.up(clock))}}));
  st::State* got = a.store.find_by_id(9, kHostB);
  REQUIRE(got);
  got->peers.src.seqlo += 500;
  // Changed less than 2 s after pfsync touched it: pushed at once.
  a.engine.on_local_change(clock.advance(milliseconds(500)), *got, ChangeKind::kUpdate);
  REQUIRE(a.engine.next_deadline() == clock.now);
  a.engine.on_timer(clock.now);
  const auto upd = only(a.sink.messages(), Action::kUpdC);
  REQUIRE(upd.size() == 1);
  CHECK(std::get<UpdCMsg>(upd[0].body).creatorid == kHostB);
}

TEST_CASE("pfsync engine: a learned state changed 2 s or more after pfsync touched it waits") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State peer_state;
  fill_tcp_state(peer_state, 9, kHostB, a.up(clock));
  a.engine.on_frame(clock.now, frame_of({{Action::kIns, state_export(peer_state, a.up(clock))}}));
  st::State* got = a.store.find_by_id(9, kHostB);
  REQUIRE(got);
  a.engine.on_local_change(clock.advance(seconds(2)), *got, ChangeKind::kUpdate);
  CHECK(a.engine.next_deadline() == clock.now + seconds(1));
}

TEST_CASE("pfsync engine: an UPD for a state we lack is imported, in either layout") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State p1, p2;
  fill_tcp_state(p1, 9, kHostB, a.up(clock));
  fill_udp_state(p2, 10, kHostB, a.up(clock));
  ExportContext x1400;
  x1400.now = a.up(clock);
  x1400.format = StateFormat::k1400;
  a.engine.on_frame(clock.now, frame_of({{Action::kUpd, state_export(p1, a.up(clock))},
                                         {Action::kUpd1400, state_export(p2, x1400)}}));
  REQUIRE(a.store.size() == 2);
  CHECK(a.store.find_by_id(10, kHostB)->proto == 17);
  CHECK(a.sink.frames.empty());
}

TEST_CASE("pfsync engine: a received state keeps its rule number only if our checksums match") {
  FakeClock clock;
  EngineConfig c = config(kHostA);
  c.pfcksum[0] = 0x42;
  Node a(c);
  st::State p;
  fill_tcp_state(p, 9, kHostB, a.up(clock));
  p.rule_nr = 4;
  a.engine.on_frame(clock.now, frame_of({{Action::kIns, state_export(p, a.up(clock))}}));
  p.id = 10;
  p.key.key[0].port[0] += 1;
  p.key.key[1] = p.key.key[0];
  a.engine.on_frame(clock.now, frame_of({{Action::kIns, state_export(p, a.up(clock))}}, c.pfcksum));
  CHECK(a.store.find_by_id(9, kHostB)->rule_nr == kRuleNone);
  CHECK(a.store.find_by_id(10, kHostB)->rule_nr == 4);
}

TEST_CASE("pfsync engine: a learned state is relayed with the wire fields dpf does not model") {
  FakeClock clock;
  EngineConfig c = config(kHostA);
  // The golden frames carry MD5("") as pfcksum: make it ours so the rule number binds.
  c.pfcksum = {0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04,
               0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e};
  Node a(c);
  const auto& golden_ins = golden::frame("1301/ins").bytes;
  MessageCollector sent;
  Stats st;
  REQUIRE(decode_frame(golden_ins, sent, st).ok());
  a.engine.on_frame(clock.now, golden_ins);
  REQUIRE(a.store.size() == 1);
  a.engine.on_frame(clock.now,
                    frame_of({{Action::kUpdReq, IdMsg{golden::kIdTcp4, golden::kCreatorA}}}));
  const auto upd = only(a.sink.messages(), Action::kUpd);
  REQUIRE(upd.size() == 1);
  StateMsg expect = std::get<StateMsg>(sent.messages.at(0).body);
  CHECK(std::get<StateMsg>(upd[0].body) == expect);  // scrub, nat_rule, rule 3 and all
}

TEST_CASE("pfsync engine: a stale UPD_C is counted and answered with our newer state") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State& s = add_tcp(a.store, 3, kHostA, a.up(clock));
  UpdCMsg u = upd_c_export(s, ExportContext{a.up(clock)});
  u.src.seqlo = s.peers.src.seqlo - 100;  // behind ours
  u.dst.seqlo = s.peers.dst.seqlo + 100;  // ahead: taken
  a.engine.on_frame(clock.now, frame_of({{Action::kUpdC, u}}));
  CHECK(a.engine.stats().stale == 1);
  CHECK(s.peers.src.seqlo == 1000);
  CHECK(s.peers.dst.seqlo == 5100);
  const auto reply = only(a.sink.messages(), Action::kUpdC);
  REQUIRE(reply.size() == 1);
  CHECK(std::get<UpdCMsg>(reply[0].body).src.seqlo == 1000);
}

TEST_CASE("pfsync engine: a fresh UPD is merged without a reply and refreshes expiry") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State& s = add_tcp(a.store, 3, kHostA, a.up(clock) - 1000);
  s.expire = a.up(clock) - 1000;
  st::State newer;
  fill_tcp_state(newer, 3, kHostA, a.up(clock));
  newer.peers.src.seqlo = 4000;
  newer.peers.dst.state = st::tcps::kFinWait2;
  newer.timeout = st::Timeout::kTcpClosing;
  a.engine.on_frame(clock.now, frame_of({{Action::kUpd, state_export(newer, a.up(clock))}}));
  CHECK(a.engine.stats().stale == 0);
  CHECK(s.peers.src.seqlo == 4000);
  CHECK(s.peers.dst.state == st::tcps::kFinWait2);
  CHECK(s.timeout == st::Timeout::kTcpClosing);
  CHECK(s.expire == a.up(clock));  // 900 s left of tcp.closing = just refreshed
  a.engine.on_timer(clock.advance(seconds(3)));
  CHECK(a.sink.frames.empty());
}

TEST_CASE("pfsync engine: a duplicate INS updates the existing state and is counted") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State peer_state;
  fill_tcp_state(peer_state, 9, kHostB, a.up(clock));
  a.engine.on_frame(clock.now, frame_of({{Action::kIns, state_export(peer_state, a.up(clock))}}));
  peer_state.peers.src.seqlo += 10;
  a.engine.on_frame(clock.now, frame_of({{Action::kIns, state_export(peer_state, a.up(clock))}}));
  CHECK(a.store.size() == 1);
  CHECK(a.store.find_by_id(9, kHostB)->peers.src.seqlo == 1010);
  CHECK(a.engine.engine_stats().duplicate_ins == 1);
}

TEST_CASE("pfsync engine: DEL_C removes a state without echoing a delete") {
  FakeClock clock;
  Node a(config(kHostA));
  st::State& s = add_tcp(a.store, 4, kHostB, a.up(clock));
  a.engine.on_frame(
      clock.now, frame_of({{Action::kDelC, IdMsg{4, kHostB}}, {Action::kDelC, IdMsg{99, kHostB}}}));
  CHECK(a.store.size() == 0);
  CHECK(a.engine.stats().badstate == 1);
  (void)s;
  a.engine.on_timer(clock.advance(seconds(2)));
  CHECK(a.sink.frames.empty());
}

TEST_CASE("pfsync engine: CLR removes every state of that creator and nothing else") {
  FakeClock clock;
  Node a(config(kHostA));
  for (uint64_t i = 1; i <= 5; ++i) add_tcp(a.store, i, kHostB, a.up(clock));
  add_tcp(a.store, 1, kHostA, a.up(clock));
  add_tcp(a.store, 2, 0x0c0c0c0c, a.up(clock));
  a.engine.on_frame(clock.now, frame_of({{Action::kClr, ClrMsg{make_ifname("em0"), kHostB}}}));
  CHECK(a.store.size() == 2);
  CHECK(a.store.find_by_id(1, kHostA));
  CHECK(a.store.find_by_id(2, 0x0c0c0c0c));
  // A CLR in our own name is not a peer's: ignored and counted.
  a.engine.on_frame(clock.now, frame_of({{Action::kClr, ClrMsg{{}, kHostA}}}));
  CHECK(a.store.size() == 2);
  CHECK(a.engine.stats().badval == 1);
  a.engine.on_timer(clock.advance(seconds(2)));
  CHECK(a.sink.frames.empty());
}

TEST_CASE("pfsync engine: a CLR walks the table in slices of clr_budget, one per timer") {
  FakeClock clock;
  EngineConfig c = config(kHostA);
  c.clr_budget = 4;
  Node a(c);
  for (uint64_t i = 1; i <= 10; ++i) add_tcp(a.store, i, kHostB, a.up(clock));
  add_tcp(a.store, 1, kHostA, a.up(clock));
  a.engine.on_frame(clock.now, frame_of({{Action::kClr, ClrMsg{{}, kHostB}}}));
  // One slice at once: no more than clr_budget states visited.
  CHECK(a.store.size() >= 11 - 4);
  CHECK(a.engine.clearing());
  REQUIRE(a.engine.next_deadline());
  CHECK(*a.engine.next_deadline() <= clock.now);
  int timers = 0;
  while (a.engine.clearing() && timers < 100) {
    a.engine.on_timer(clock.now);
    ++timers;
  }
  CHECK(timers >= 2);
  CHECK_FALSE(a.engine.clearing());
  CHECK(a.store.size() == 1);
  CHECK(a.store.find_by_id(1, kHostA));
  CHECK(a.sink.frames.empty());  // what a peer cleared is never echoed
}

TEST_CASE("pfsync engine: a state the peer sends after its CLR survives the CLR's walk") {
  FakeClock clock;
  EngineConfig c = config(kHostA);
  c.clr_budget = 2;
  Node a(c);
  for (uint64_t i = 1; i <= 10; ++i) add_tcp(a.store, i, kHostB, a.up(clock));
  st::State fresh;
  fill_tcp_state(fresh, 100, kHostB, a.up(clock));
  a.engine.on_frame(clock.now, frame_of({{Action::kClr, ClrMsg{{}, kHostB}},
                                         {Action::kIns, state_export(fresh, a.up(clock))}}));
  REQUIRE(a.engine.clearing());
  while (a.engine.clearing()) a.engine.on_timer(clock.now);
  CHECK(a.store.ids() == std::vector<std::pair<uint32_t, uint64_t>>{{kHostB, 100}});
}

TEST_CASE("pfsync engine: an update for a state a pending CLR has yet to remove finds it gone") {
  FakeClock clock;
  EngineConfig c = config(kHostA);
  c.clr_budget = 1;
  Node a(c);
  for (uint64_t i = 1; i <= 10; ++i) add_tcp(a.store, i, kHostB, a.up(clock));
  UpdCMsg u;
  u.id = 9;  // far from the walk's start
  u.creatorid = kHostB;
  u.timeout = 2;
  a.engine.on_frame(clock.now, frame_of({{Action::kClr, ClrMsg{{}, kHostB}}, {Action::kUpdC, u}}));
  CHECK_FALSE(a.store.find_by_id(9, kHostB));
  CHECK(a.engine.engine_stats().upd_req_unknown == 1);  // asked for, as pf after its CLR
  while (a.engine.clearing()) a.engine.on_timer(clock.now);
  CHECK(a.store.size() == 0);
}

TEST_CASE("pfsync engine: a local flush sends one CLR with our hostid at once") {
  FakeClock clock;
  Node a(config(kHostA));
  a.engine.on_local_clear(clock.now, "");
  const auto clr = only(a.sink.messages(), Action::kClr);
  REQUIRE(clr.size() == 1);
  CHECK(std::get<ClrMsg>(clr[0].body).creatorid == kHostA);
}

TEST_CASE("pfsync engine: accept_ip counts every packet and refuses TTLs other than 255") {
  Stats s;
  CHECK(accept_ip(255, s));
  CHECK_FALSE(accept_ip(254, s));
  CHECK_FALSE(accept_ip(1, s));
  CHECK(s.ipackets == 3);
  CHECK(s.badttl == 2);
}

TEST_CASE("pfsync engine: a failed transmit is counted as an output error") {
  FakeClock clock;
  Node a(config(kHostA));
  a.sink.ok = false;
  a.engine.on_local_change(clock.now, add_tcp(a.store, 1, kHostA, a.up(clock)),
                           ChangeKind::kInsert);
  a.engine.on_timer(clock.advance(seconds(1)));
  CHECK(a.engine.stats().oerrors == 1);
  CHECK(a.engine.stats().opackets == 0);
}

}  // namespace
}  // namespace dpf::pfsync
