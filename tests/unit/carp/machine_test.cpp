// Tests of the per-vhid CARP state machine with a fake clock (shared/specs/carp.md §3).
#include "control/carp/machine.h"

#include <catch2/catch.hpp>

namespace dpf::carp {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const Time t0 = Time{} + seconds(1000);
constexpr nanoseconds kSkew{3'906'250};  // 1/256 s

Config config(uint8_t advskew, bool preempt = false, uint8_t advbase = 1) {
  Config c;
  c.vhid = 1;
  c.advbase = advbase;
  c.advskew = advskew;
  c.preempt = preempt;
  c.addresses = {0x0a000001};
  c.initial_counter = 1000;
  return c;
}

Advert advert(uint8_t advskew, uint8_t advbase = 1, uint64_t counter = 5) {
  return Advert{1, advbase, advskew, 0, counter};
}

// A machine in BACKUP since t0.
CarpMachine backup(Config c) {
  CarpMachine m(std::move(c));
  m.start(t0);
  return m;
}

// A machine that became MASTER through its master-down timer; returns the takeover time.
CarpMachine master(Config c, Time* at = nullptr) {
  CarpMachine m = backup(std::move(c));
  Time when = *m.deadline();
  m.on_timer(when);
  if (at) *at = when;
  return m;
}

TEST_CASE("carp machine: start moves INIT to BACKUP and arms the master-down timer") {
  CarpMachine m(config(100));
  CHECK(m.state() == State::kInit);
  CHECK_FALSE(m.deadline());
  auto a = m.start(t0);
  CHECK(m.state() == State::kBackup);
  REQUIRE(a.transition);
  CHECK(a.transition->from == State::kInit);
  CHECK(a.transition->to == State::kBackup);
  CHECK(a.transition->reason == Reason::kInitComplete);
  CHECK(a.transition->at == t0);
  CHECK(a.log == std::vector<std::string>{"vhid 1: INIT -> BACKUP (initialization complete)"});
  CHECK_FALSE(a.advert);
  CHECK(a.deadline == t0 + seconds(3) + 100 * kSkew);
}

TEST_CASE("carp machine: master-down is 3 x advbase + advskew/256 with the configured skew") {
  CHECK(CarpMachine(config(100)).master_down_interval() == nanoseconds(3'390'625'000));
  CHECK(CarpMachine(config(0, false, 2)).master_down_interval() == seconds(6));
  CarpMachine demoted(config(100));
  demoted.set_demotion(100, t0);
  CHECK(demoted.master_down_interval() == nanoseconds(3'390'625'000));
}

TEST_CASE("carp machine: BACKUP becomes MASTER exactly at the master-down deadline") {
  CarpMachine m = backup(config(100));
  const Time down = t0 + seconds(3) + 100 * kSkew;

  auto early = m.on_timer(down - nanoseconds(1));
  CHECK(m.state() == State::kBackup);
  CHECK_FALSE(early.advert);
  CHECK(early.deadline == down);

  auto a = m.on_timer(down);
  CHECK(m.state() == State::kMaster);
  REQUIRE(a.transition);
  CHECK(a.transition->reason == Reason::kMasterDown);
  CHECK(a.log == std::vector<std::string>{"vhid 1: BACKUP -> MASTER (master timed out)"});
  REQUIRE(a.advert);
  CHECK(*a.advert == Advert{1, 1, 100, 0, 1000});
  CHECK(a.send_garp);
  CHECK(a.deadline == down + seconds(1) + 100 * kSkew);
}

TEST_CASE("carp machine: each valid advert from the master re-arms the master-down timer") {
  CarpMachine m = backup(config(100));
  auto a = m.on_advert(t0 + seconds(2), advert(0));
  CHECK(a.deadline == t0 + seconds(5) + 100 * kSkew);
  m.on_timer(t0 + seconds(3) + 100 * kSkew);  // the old deadline has passed: nothing happens
  CHECK(m.state() == State::kBackup);
  m.on_timer(t0 + seconds(5) + 100 * kSkew);
  CHECK(m.state() == State::kMaster);
}

TEST_CASE("carp machine: a master advertises every advbase + advskew/256 with a rising counter") {
  Time at;
  CarpMachine m = master(config(100), &at);
  const nanoseconds interval = seconds(1) + 100 * kSkew;
  CHECK(m.advert_interval() == interval);
  for (uint64_t i = 1; i <= 5; ++i) {
    Time due = at + static_cast<int>(i) * interval;
    CHECK_FALSE(m.on_timer(due - nanoseconds(1)).advert);
    auto a = m.on_timer(due);
    REQUIRE(a.advert);
    CHECK(a.advert->counter == 1000 + i);
    CHECK(a.advert->advskew == 100);
    CHECK(a.deadline == due + interval);
  }
  CHECK(m.stats().adverts_sent == 6);
}

TEST_CASE("carp machine: a new master repeats its gratuitous ARP two adverts later") {
  Time at;
  CarpMachine m = master(config(0), &at);
  CHECK_FALSE(m.on_timer(at + seconds(1)).send_garp);
  CHECK(m.on_timer(at + seconds(2)).send_garp);
  CHECK_FALSE(m.on_timer(at + seconds(3)).send_garp);
  CHECK(m.stats().garps == 2);
}

TEST_CASE("carp machine: a master steps down for a more frequent advert") {
  Time at;
  CarpMachine m = master(config(100), &at);
  Time now = at + milliseconds(300);
  auto a = m.on_advert(now, advert(50));
  CHECK(m.state() == State::kBackup);
  REQUIRE(a.transition);
  CHECK(a.transition->reason == Reason::kBetterAdvert);
  CHECK(a.log == std::vector<std::string>{
                     "vhid 1: MASTER -> BACKUP (more frequent advertisement received)"});
  CHECK_FALSE(a.advert);
  CHECK(a.deadline == now + seconds(3) + 100 * kSkew);
}

TEST_CASE("carp machine: a master steps down for an equal advert, as BSD masters do") {
  CarpMachine m = master(config(100));
  m.on_advert(t0 + seconds(10), advert(100));
  CHECK(m.state() == State::kBackup);
}

TEST_CASE("carp machine: a master keeps its role against a less frequent advert") {
  Time at;
  CarpMachine m = master(config(100), &at);
  auto a = m.on_advert(at + milliseconds(10), advert(101));
  CHECK(m.state() == State::kMaster);
  CHECK_FALSE(a.transition);
  CHECK(a.deadline == at + seconds(1) + 100 * kSkew);  // its own advert timer is untouched
}

TEST_CASE("carp machine: with preempt a backup takes over from a slower master at once") {
  CarpMachine m = backup(config(0, true));
  Time now = t0 + milliseconds(500);
  auto a = m.on_advert(now, advert(100));
  CHECK(m.state() == State::kMaster);
  REQUIRE(a.transition);
  CHECK(a.transition->reason == Reason::kPreempt);
  REQUIRE(a.advert);
  CHECK(a.advert->advskew == 0);
  CHECK(a.send_garp);
  CHECK(a.deadline == now + seconds(1));
}

TEST_CASE("carp machine: without preempt a better backup leaves a slower master alone") {
  CarpMachine m = backup(config(0, false));
  Time now = t0 + milliseconds(500);
  auto a = m.on_advert(now, advert(100));
  CHECK(m.state() == State::kBackup);
  CHECK_FALSE(a.transition);
  CHECK(a.deadline == now + seconds(3));
}

TEST_CASE("carp machine: with preempt an equal advert does not displace the master") {
  CarpMachine m = backup(config(100, true));
  m.on_advert(t0 + milliseconds(500), advert(100));
  CHECK(m.state() == State::kBackup);
}

TEST_CASE("carp machine: a bow-out advert makes a backup master without preempt") {
  CarpMachine m = backup(config(100, false));
  auto a = m.on_advert(t0 + milliseconds(500), advert(kBowOut, kBowOut));
  CHECK(m.state() == State::kMaster);
  REQUIRE(a.transition);
  CHECK(a.transition->reason == Reason::kMasterWillTimeOut);
}

TEST_CASE("carp machine: a stopping master bows out with advbase and advskew 255") {
  Time at;
  CarpMachine m = master(config(0), &at);
  auto a = m.stop(at + milliseconds(200));
  CHECK(m.state() == State::kInit);
  REQUIRE(a.advert);
  CHECK(a.advert->advbase == kBowOut);
  CHECK(a.advert->advskew == kBowOut);
  REQUIRE(a.transition);
  CHECK(a.transition->reason == Reason::kStopped);
  CHECK_FALSE(a.deadline);
}

TEST_CASE("carp machine: INIT ignores adverts") {
  CarpMachine m(config(0, true));
  auto a = m.on_advert(t0, advert(200));
  CHECK(m.state() == State::kInit);
  CHECK_FALSE(a.transition);
  CHECK_FALSE(a.deadline);
  CHECK(m.stats().adverts_ignored == 1);
}

TEST_CASE("carp machine: the next advert continues from the counter last heard") {
  CarpMachine m = backup(config(0, true));
  auto a = m.on_advert(t0, advert(100, 1, 77777));
  REQUIRE(a.advert);
  CHECK(a.advert->counter == 77778);
}

TEST_CASE("carp machine: interface down drops to INIT and interface up returns to BACKUP") {
  Time at;
  CarpMachine m = master(config(0), &at);
  auto down = m.interface_down(at + seconds(1));
  CHECK(m.state() == State::kInit);
  REQUIRE(down.transition);
  CHECK(down.transition->reason == Reason::kInterfaceDown);
  CHECK_FALSE(down.advert);
  CHECK_FALSE(down.deadline);
  CHECK_FALSE(m.on_timer(at + seconds(30)).advert);

  auto up = m.interface_up(at + seconds(40));
  CHECK(m.state() == State::kBackup);
  CHECK(up.deadline == at + seconds(43));
}

TEST_CASE("carp machine: a machine not started stays in INIT when its link comes up") {
  CarpMachine m(config(0));
  m.interface_down(t0);
  m.interface_up(t0 + seconds(1));
  CHECK(m.state() == State::kInit);
  m.start(t0 + seconds(2));
  CHECK(m.state() == State::kBackup);
}

TEST_CASE("carp machine: demotion is added to advskew and capped at 240") {
  CarpMachine m(config(200));
  CHECK(m.effective_skew() == 200);
  m.raise_demotion(DemotionSource::kInterfaceDown, t0);
  CHECK(m.demotion() == 240);
  CHECK(m.effective_skew() == 240);
  m.raise_demotion(DemotionSource::kInterfaceDown, t0);  // a second interface
  CHECK(m.demotion() == 480);
  m.lower_demotion(DemotionSource::kInterfaceDown, t0);
  m.lower_demotion(DemotionSource::kInterfaceDown, t0);
  m.lower_demotion(DemotionSource::kInterfaceDown, t0);  // one too many: stays at zero
  CHECK(m.demotion() == 0);
  m.set_demotion(-250, t0);
  CHECK(m.effective_skew() == 0);
}

TEST_CASE("carp machine: a master advertises a demotion at once with the demoted skew") {
  Time at;
  CarpMachine m = master(config(0), &at);
  Time now = at + milliseconds(400);
  auto a = m.raise_demotion(DemotionSource::kInterfaceDown, now);
  REQUIRE(a.advert);
  CHECK(a.advert->advskew == 240);
  CHECK(a.log == std::vector<std::string>{"vhid 1: demoted by 240 to 240 (interface down)"});
  CHECK(a.deadline == now + seconds(1) + 240 * kSkew);
  // The demoted master now yields to an advert it would have beaten before.
  m.on_advert(now + milliseconds(1), advert(100));
  CHECK(m.state() == State::kBackup);
}

TEST_CASE("carp machine: operator demotion is advertised and can be lifted") {
  Time at;
  CarpMachine m = master(config(0), &at);
  auto a = m.set_demotion(50, at + milliseconds(1));
  REQUIRE(a.advert);
  CHECK(a.advert->advskew == 50);
  CHECK(m.demotion(DemotionSource::kOperator) == 50);
  auto b = m.set_demotion(0, at + milliseconds(2));
  REQUIRE(b.advert);
  CHECK(b.advert->advskew == 0);
  CHECK(b.log == std::vector<std::string>{"vhid 1: demoted by -50 to 0 (operator)"});
  CHECK_FALSE(m.set_demotion(0, at + milliseconds(3)).advert);  // no change, nothing to say
}

TEST_CASE("carp machine: during a bulk update a preempting backup does not take over") {
  CarpMachine m = backup(config(0, true));
  m.raise_demotion(DemotionSource::kPfsyncBulk, t0);
  m.on_advert(t0 + seconds(1), advert(100));
  CHECK(m.state() == State::kBackup);

  auto done = m.lower_demotion(DemotionSource::kPfsyncBulk, t0 + milliseconds(1500));
  CHECK(done.log == std::vector<std::string>{"vhid 1: demoted by -240 to 0 (pfsync bulk done)"});
  CHECK_FALSE(m.bulk_deadline());
  m.on_advert(t0 + seconds(2), advert(100));
  CHECK(m.state() == State::kMaster);
}

TEST_CASE("carp machine: a repeated bulk start does not stack demotion") {
  CarpMachine m(config(0));
  m.raise_demotion(DemotionSource::kPfsyncBulk, t0);
  m.raise_demotion(DemotionSource::kPfsyncBulk, t0 + seconds(1));
  CHECK(m.demotion() == 240);
  CHECK(m.bulk_deadline() == t0 + seconds(66));  // re-armed by the second start
  m.lower_demotion(DemotionSource::kPfsyncBulk, t0 + seconds(2));
  CHECK(m.demotion() == 0);
}

TEST_CASE("carp machine: the bulk-update demotion is lifted after its timeout") {
  CarpMachine m(config(0));
  auto a = m.raise_demotion(DemotionSource::kPfsyncBulk, t0);
  CHECK(a.log == std::vector<std::string>{"vhid 1: demoted by 240 to 240 (pfsync bulk start)"});
  CHECK(a.deadline == t0 + seconds(65));
  m.on_timer(t0 + seconds(65) - nanoseconds(1));
  CHECK(m.demotion() == 240);
  auto b = m.on_timer(t0 + seconds(65));
  CHECK(m.demotion() == 0);
  CHECK(b.log == std::vector<std::string>{"vhid 1: demoted by -240 to 0 (pfsync bulk fail)"});
  CHECK_FALSE(b.deadline);
}

TEST_CASE("carp machine: a master whose bulk hold times out advertises the lower skew") {
  Time at;
  CarpMachine m = master(config(10), &at);
  m.raise_demotion(DemotionSource::kPfsyncBulk, at);
  Config c = config(10);
  auto a = m.on_timer(at + c.bulk_timeout);
  REQUIRE(a.advert);
  CHECK(a.advert->advskew == 10);
}

TEST_CASE("carp machine: rejected adverts are counted and change nothing") {
  CarpMachine m = backup(config(0));
  const auto before = m.deadline();
  for (int i = 0; i < 100; ++i) m.on_rejected(DecodeError::kBadAuth);
  m.on_rejected(DecodeError::kBadTtl);
  CHECK(m.stats().rejected[DecodeError::kBadAuth] == 100);
  CHECK(m.stats().rejected[DecodeError::kBadTtl] == 1);
  CHECK(m.deadline() == before);
  CHECK(m.state() == State::kBackup);
}

TEST_CASE("carp machine: transitions are kept with their time and reason, newest last") {
  Time at;
  CarpMachine m = master(config(0), &at);
  m.on_advert(at + seconds(1), advert(0));
  const auto& h = m.history();
  REQUIRE(h.size() == 3);
  CHECK(h[0].reason == Reason::kInitComplete);
  CHECK(h[1].reason == Reason::kMasterDown);
  CHECK(h[1].at == at);
  CHECK(h[2].to == State::kBackup);
  CHECK(h[2].at == at + seconds(1));
  for (int i = 0; i < 40; ++i) {
    m.interface_down(at + seconds(2 + i));
    m.interface_up(at + seconds(2 + i));
  }
  CHECK(m.history().size() == CarpMachine::kHistoryLen);
}

}  // namespace
}  // namespace dpf::carp
