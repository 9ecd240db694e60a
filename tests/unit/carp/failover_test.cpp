// Two nodes on one simulated segment with a fake clock: election, failover on death, clean
// hand-over by bow-out, demotion, the return of a preferred node after its bulk update, and a
// healed split brain. Frames really pass through encode, build, parse and decode.
#include <catch2/catch.hpp>
#include <memory>

#include "control/carp/vhid_set.h"

namespace dpf::carp {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const Time t0 = Time{} + seconds(1000);
constexpr nanoseconds kSkew{3'906'250};
constexpr uint32_t kVip = 0x0a000001;

struct Node {
  std::unique_ptr<VhidSet> set;
  bool alive = true;
  Time last_advert{};  // when this node last put an advert on the wire

  const CarpMachine& vhid1() const { return *set->find(1); }
  State state() const { return vhid1().state(); }
};

Node make_node(uint32_t ip, uint8_t advskew, bool preempt = true) {
  Config c;
  c.vhid = 1;
  c.advskew = advskew;
  c.preempt = preempt;
  c.addresses = {kVip};
  c.initial_counter = ip;
  Node n{std::make_unique<VhidSet>(ip)};
  n.set->add(c, "foo");
  return n;
}

// Fw A (advskew 0) and fw B (advskew 100), both with preempt, as in the example.
class Segment {
 public:
  Node a = make_node(0x0a000002, 0);
  Node b = make_node(0x0a000003, 100);
  bool connected = true;
  Time now = t0;

  void start_both() {
    emit(a, a.set->start(now));
    emit(b, b.set->start(now));
  }

  // Fires every timer due up to `end`, in time order, delivering adverts as they are sent.
  void run_until(Time end) {
    for (;;) {
      std::optional<Time> next;
      for (Node* n : {&a, &b}) {
        auto d = n->alive ? n->set->deadline() : std::nullopt;
        if (d && (!next || *d < *next)) next = d;
      }
      if (!next || *next > end) break;
      now = *next;
      for (Node* n : {&a, &b}) {
        if (n->alive && n->set->deadline() && *n->set->deadline() <= now) {
          emit(*n, n->set->on_timer(now));
        }
      }
    }
    now = end;
  }

  void emit(Node& from, const std::vector<VhidEvent>& events) {
    Node& to = &from == &a ? b : a;
    for (const auto& e : events) {
      if (!e.actions.advert) continue;
      auto frame = from.set->advert_frame(*e.actions.advert, ip_id_++);
      REQUIRE(frame);
      from.last_advert = now;
      if (connected && to.alive) emit(to, to.set->on_frame(now, *frame));
    }
  }

 private:
  uint16_t ip_id_ = 1;
};

TEST_CASE("carp failover: the better advertiser is elected and the other stays backup") {
  Segment s;
  s.start_both();
  s.run_until(t0 + seconds(60));
  CHECK(s.a.state() == State::kMaster);
  CHECK(s.b.state() == State::kBackup);
  CHECK(s.a.vhid1().history().back().at == t0 + seconds(3));  // A's master-down time
  CHECK(s.b.vhid1().stats().to_master == 0);
}

TEST_CASE("carp failover: when the master dies the backup takes over at master-down exactly") {
  Segment s;
  s.start_both();
  s.run_until(t0 + seconds(30));
  s.a.alive = false;  // SIGKILL: no bow-out
  const Time last = s.a.last_advert;
  s.run_until(t0 + seconds(60));
  REQUIRE(s.b.state() == State::kMaster);
  const Transition& t = s.b.vhid1().history().back();
  CHECK(t.reason == Reason::kMasterDown);
  CHECK(t.at == last + seconds(3) + 100 * kSkew);  // 3 x advbase + advskew/256 = 3.390625 s
}

TEST_CASE("carp failover: a master shut down cleanly hands over at once by bowing out") {
  Segment s;
  s.b = make_node(0x0a000003, 100, false);  // the bow-out works without preempt
  s.start_both();
  s.run_until(t0 + seconds(30));
  s.emit(s.a, s.a.set->stop(s.now));
  s.a.alive = false;
  REQUIRE(s.b.state() == State::kMaster);
  CHECK(s.b.vhid1().history().back().at == t0 + seconds(30));
  CHECK(s.b.vhid1().history().back().reason == Reason::kMasterWillTimeOut);
}

TEST_CASE("carp failover: an operator demotion of the master hands over within one packet") {
  Segment s;
  s.start_both();
  s.run_until(t0 + seconds(30));
  s.emit(s.a, s.a.set->set_demotion(240, s.now));
  CHECK(s.b.state() == State::kMaster);
  CHECK(s.a.state() == State::kBackup);
  CHECK(s.b.vhid1().history().back().reason == Reason::kPreempt);
  CHECK(s.b.vhid1().history().back().at == t0 + seconds(30));
  s.run_until(t0 + seconds(60));  // and it stays that way while A is demoted
  CHECK(s.b.state() == State::kMaster);
  s.emit(s.a, s.a.set->set_demotion(0, s.now));
  s.run_until(t0 + seconds(70));
  CHECK(s.a.state() == State::kMaster);
  CHECK(s.b.state() == State::kBackup);
}

TEST_CASE("carp failover: a returning preferred node waits for its bulk update, then preempts") {
  Segment s;
  s.start_both();
  s.run_until(t0 + seconds(10));
  s.a.alive = false;
  s.run_until(t0 + seconds(20));
  REQUIRE(s.b.state() == State::kMaster);

  // A restarts: pfsync demotes it until the bulk update is in.
  s.a = make_node(0x0a000002, 0);
  s.emit(s.a, s.a.set->raise_demotion(DemotionSource::kPfsyncBulk, s.now));
  s.emit(s.a, s.a.set->start(s.now));
  s.run_until(t0 + seconds(40));
  CHECK(s.a.state() == State::kBackup);
  CHECK(s.b.state() == State::kMaster);

  const Time bulk_done = s.now;
  s.emit(s.a, s.a.set->lower_demotion(DemotionSource::kPfsyncBulk, s.now));
  s.run_until(t0 + seconds(50));
  CHECK(s.a.state() == State::kMaster);
  CHECK(s.b.state() == State::kBackup);
  const Transition& t = s.a.vhid1().history().back();
  CHECK(t.reason == Reason::kPreempt);
  // On B's first advert after the bulk update: within one of B's intervals.
  CHECK(t.at > bulk_done);
  CHECK(t.at <= bulk_done + seconds(1) + 100 * kSkew);
}

TEST_CASE("carp failover: without its bulk update done the node takes over after the timeout") {
  Segment s;
  s.start_both();
  s.run_until(t0 + seconds(10));
  s.a.alive = false;
  s.run_until(t0 + seconds(20));
  s.a = make_node(0x0a000002, 0);
  const Time restart = s.now;
  s.emit(s.a, s.a.set->raise_demotion(DemotionSource::kPfsyncBulk, s.now));
  s.emit(s.a, s.a.set->start(s.now));
  s.run_until(restart + seconds(64));
  CHECK(s.a.state() == State::kBackup);
  s.run_until(restart + seconds(70));
  CHECK(s.a.state() == State::kMaster);
  CHECK(s.a.vhid1().demotion() == 0);
}

TEST_CASE("carp failover: two masters after a partition resolve to the better one") {
  Segment s;
  s.start_both();
  s.run_until(t0 + seconds(10));
  s.connected = false;
  s.run_until(t0 + seconds(20));
  REQUIRE(s.a.state() == State::kMaster);
  REQUIRE(s.b.state() == State::kMaster);  // split brain
  s.connected = true;
  s.run_until(t0 + seconds(23));
  CHECK(s.a.state() == State::kMaster);
  CHECK(s.b.state() == State::kBackup);
  CHECK(s.b.vhid1().history().back().reason == Reason::kBetterAdvert);
}

}  // namespace
}  // namespace dpf::carp
