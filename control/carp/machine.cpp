// The CARP state machine of one vhid (shared/specs/carp.md §3).
#include "control/carp/machine.h"

#include <algorithm>

namespace dpf::carp {

namespace {

using std::chrono::seconds;

constexpr std::array<std::string_view, 3> kStateNames = {"INIT", "BACKUP", "MASTER"};
constexpr std::array<std::string_view, static_cast<size_t>(Reason::kCount)> kReasonNames = {
    "initialization complete",
    "master timed out",
    "preempting a slower master",
    "master will time out",
    "more frequent advertisement received",
    "interface down",
    "stopped"};
constexpr std::array<std::string_view, static_cast<size_t>(DemotionSource::kCount)> kDemotionNames =
    {"pfsync bulk", "interface down", "operator"};

constexpr Duration kSkewUnit = std::chrono::nanoseconds(1'000'000'000 / 256);
static_assert(kSkewUnit.count() * 256 == 1'000'000'000);
// How many periodic adverts after takeover the second gratuitous ARP goes out (§3.2).
constexpr int kDelayedGarpAdverts = 2;

size_t idx(DemotionSource s) {
  return static_cast<size_t>(s);
}

}  // namespace

std::string_view state_name(State s) {
  return kStateNames[static_cast<size_t>(s)];
}
std::string_view reason_name(Reason r) {
  return kReasonNames[static_cast<size_t>(r)];
}
std::string_view demotion_source_name(DemotionSource s) {
  return kDemotionNames[idx(s)];
}

Duration interval(uint8_t advbase, uint8_t advskew) {
  return seconds(advbase) + advskew * kSkewUnit;
}

CarpMachine::CarpMachine(Config cfg) : cfg_(std::move(cfg)) {
  // The config layer refuses these; keep the machine's arithmetic sane regardless.
  cfg_.advbase = std::max<uint8_t>(cfg_.advbase, 1);
  cfg_.advskew = std::min<uint8_t>(cfg_.advskew, kBowOut - 1);
  counter_ = cfg_.initial_counter - 1;  // the first advert carries initial_counter
}

int CarpMachine::demotion() const {
  int sum = 0;
  for (int d : demotion_) sum += d;
  return sum;
}

int CarpMachine::demotion(DemotionSource s) const {
  return demotion_[idx(s)];
}

uint8_t CarpMachine::effective_skew() const {
  return static_cast<uint8_t>(std::clamp(cfg_.advskew + demotion(), 0, kMaxSkew));
}

Duration CarpMachine::advert_interval() const {
  return interval(cfg_.advbase, effective_skew());
}

Duration CarpMachine::master_down_interval() const {
  return 3 * seconds(cfg_.advbase) + cfg_.advskew * kSkewUnit;
}

std::optional<Time> CarpMachine::deadline() const {
  if (timer_ && bulk_deadline_) return std::min(*timer_, *bulk_deadline_);
  return timer_ ? timer_ : bulk_deadline_;
}

Actions CarpMachine::finish(Actions out) const {
  out.deadline = deadline();
  return out;
}

void CarpMachine::set_state(State to, Reason why, Time now, Actions& out) {
  if (to == state_) return;
  Transition t{now, state_, to, why};
  state_ = to;
  switch (to) {
    case State::kInit:
      ++stats_.to_init;
      break;
    case State::kBackup:
      ++stats_.to_backup;
      break;
    case State::kMaster:
      ++stats_.to_master;
      break;
  }
  history_.push_back(t);
  if (history_.size() > kHistoryLen) history_.erase(history_.begin());
  out.transition = t;
  out.log.push_back("vhid " + std::to_string(cfg_.vhid) + ": " + std::string(state_name(t.from)) +
                    " -> " + std::string(state_name(to)) + " (" + std::string(reason_name(why)) +
                    ")");
  // Timers follow the role: BACKUP waits for the master, MASTER is re-armed by send_advert.
  timer_.reset();
  if (to == State::kBackup) timer_ = now + master_down_interval();
}

void CarpMachine::send_advert(Actions& out) {
  if (out.advert) return;  // one advert per input is enough
  out.advert = Advert{cfg_.vhid, cfg_.advbase, effective_skew(), 0, ++counter_};
  ++stats_.adverts_sent;
}

void CarpMachine::become_master(Reason why, Time now, Actions& out) {
  set_state(State::kMaster, why, now, out);
  send_advert(out);
  out.send_garp = true;
  ++stats_.garps;
  delayed_garp_ = kDelayedGarpAdverts;
  timer_ = now + advert_interval();
}

Actions CarpMachine::start(Time now) {
  Actions out;
  started_ = true;
  if (state_ == State::kInit && link_up_)
    set_state(State::kBackup, Reason::kInitComplete, now, out);
  return finish(std::move(out));
}

Actions CarpMachine::stop(Time now) {
  Actions out;
  started_ = false;
  if (state_ == State::kMaster) {
    out.advert = Advert{cfg_.vhid, kBowOut, kBowOut, 0, ++counter_};
    ++stats_.adverts_sent;
  }
  set_state(State::kInit, Reason::kStopped, now, out);
  return finish(std::move(out));
}

Actions CarpMachine::on_advert(Time now, const Advert& a) {
  Actions out;
  ++stats_.adverts_received;
  counter_ = a.counter;  // §2.3: adopt the peer's counter, as FreeBSD and ucarp do
  const Duration ours = advert_interval();
  const Duration theirs = interval(a.advbase, a.advskew);
  switch (state_) {
    case State::kInit:
      ++stats_.adverts_ignored;
      break;
    case State::kMaster:
      // §3.2: a master steps down for an advert as frequent as its own, ties included.
      if (theirs <= ours) set_state(State::kBackup, Reason::kBetterAdvert, now, out);
      break;
    case State::kBackup:
      if (cfg_.preempt && ours < theirs) {
        become_master(Reason::kPreempt, now, out);
      } else if (3 * seconds(cfg_.advbase) + effective_skew() * kSkewUnit < theirs) {
        become_master(Reason::kMasterWillTimeOut, now, out);
      } else {
        timer_ = now + master_down_interval();  // the master is alive: wait again
      }
      break;
  }
  return finish(std::move(out));
}

Actions CarpMachine::on_timer(Time now) {
  Actions out;
  if (bulk_deadline_ && now >= *bulk_deadline_) {
    const int before = demotion();
    demotion_[idx(DemotionSource::kPfsyncBulk)] = 0;
    bulk_deadline_.reset();
    demotion_changed(before, "pfsync bulk fail", now, out);
  }
  if (timer_ && now >= *timer_) {
    if (state_ == State::kBackup) {
      become_master(Reason::kMasterDown, now, out);
    } else if (state_ == State::kMaster) {
      send_advert(out);
      timer_ = now + advert_interval();
      if (delayed_garp_ > 0 && --delayed_garp_ == 0) {
        out.send_garp = true;
        ++stats_.garps;
      }
    }
  }
  return finish(std::move(out));
}

Actions CarpMachine::interface_down(Time now) {
  Actions out;
  link_up_ = false;
  set_state(State::kInit, Reason::kInterfaceDown, now, out);
  return finish(std::move(out));
}

Actions CarpMachine::interface_up(Time now) {
  Actions out;
  link_up_ = true;
  if (started_ && state_ == State::kInit) {
    set_state(State::kBackup, Reason::kInitComplete, now, out);
  }
  return finish(std::move(out));
}

void CarpMachine::demotion_changed(int before, std::string_view why, Time now, Actions& out) {
  const int after = demotion();
  if (after == before) return;
  out.log.push_back("vhid " + std::to_string(cfg_.vhid) + ": demoted by " +
                    std::to_string(after - before) + " to " + std::to_string(after) + " (" +
                    std::string(why) + ")");
  // §3.5: every change is advertised at once so that a preempting peer reacts within a packet.
  if (state_ == State::kMaster) {
    send_advert(out);
    timer_ = now + advert_interval();
  }
}

Actions CarpMachine::raise_demotion(DemotionSource s, Time now) {
  Actions out;
  const int before = demotion();
  auto& d = demotion_[idx(s)];
  switch (s) {
    case DemotionSource::kPfsyncBulk:
      // A hold, not a counter: a repeated bulk start must not stack (§7 item 4).
      d = cfg_.demotion_factor;
      bulk_deadline_ = now + cfg_.bulk_timeout;
      demotion_changed(before, "pfsync bulk start", now, out);
      break;
    case DemotionSource::kInterfaceDown:
      d += cfg_.demotion_factor;
      demotion_changed(before, "interface down", now, out);
      break;
    case DemotionSource::kOperator:
      d += cfg_.demotion_factor;
      demotion_changed(before, "operator", now, out);
      break;
    case DemotionSource::kCount:
      break;
  }
  return finish(std::move(out));
}

Actions CarpMachine::lower_demotion(DemotionSource s, Time now) {
  Actions out;
  const int before = demotion();
  auto& d = demotion_[idx(s)];
  switch (s) {
    case DemotionSource::kPfsyncBulk:
      d = 0;
      bulk_deadline_.reset();
      demotion_changed(before, "pfsync bulk done", now, out);
      break;
    case DemotionSource::kInterfaceDown:
      d = std::max(0, d - cfg_.demotion_factor);
      demotion_changed(before, "interface up", now, out);
      break;
    case DemotionSource::kOperator:
      d -= cfg_.demotion_factor;
      demotion_changed(before, "operator", now, out);
      break;
    case DemotionSource::kCount:
      break;
  }
  return finish(std::move(out));
}

Actions CarpMachine::set_demotion(int value, Time now) {
  Actions out;
  const int before = demotion();
  demotion_[idx(DemotionSource::kOperator)] = value;
  demotion_changed(before, "operator", now, out);
  return finish(std::move(out));
}

}  // namespace dpf::carp
