// The CARP state machine of one vhid (shared/specs/carp.md §3): INIT, BACKUP, MASTER, timers,
// preempt and demotion, FreeBSD >= 10 semantics. Pure: time is an argument, every input returns
// the Actions for the I/O glue and the next deadline. Control thread only (not thread-safe);
// allocates only for log lines and the short transition history.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/carp/codec.h"
#include "control/carp/wire.h"

namespace dpf::carp {

using Time = std::chrono::steady_clock::time_point;
using Duration = std::chrono::nanoseconds;

enum class State : uint8_t { kInit, kBackup, kMaster };
std::string_view state_name(State s);  // "INIT", "BACKUP", "MASTER"

// Why the role changed; the names follow FreeBSD's log lines (§3.2).
enum class Reason : uint8_t {
  kInitComplete,       // INIT -> BACKUP: started, link up
  kMasterDown,         // BACKUP -> MASTER: no advert within the master-down interval
  kPreempt,            // BACKUP -> MASTER: preempt on and the master advertises slower
  kMasterWillTimeOut,  // BACKUP -> MASTER: the master's interval exceeds 3 x advbase (bow-out)
  kBetterAdvert,       // MASTER -> BACKUP: an advert as frequent as ours or more
  kInterfaceDown,      // any -> INIT: the vhid's interface lost its link
  kStopped,            // any -> INIT: the node leaves (a master bows out first)
  kCount
};
std::string_view reason_name(Reason r);

// Who holds demotion (§3.5, §3.6). FreeBSD's demotion is one global number: the glue raises a
// source on every vhid of the node, not only on the vhid whose interface is concerned.
enum class DemotionSource : uint8_t {
  kPfsyncBulk,     // held from pfsync start until its bulk update is done, or bulk_timeout
  kInterfaceDown,  // one raise per data interface that is down
  kOperator,       // dpfctl carp demote / REST: set to a value, may be negative
  kCount
};
std::string_view demotion_source_name(DemotionSource s);

struct Config {
  uint8_t vhid = 1;
  uint8_t advbase = 1;  // seconds, 1..255
  uint8_t advskew = 0;  // 1/256 s, 0..254; with demotion capped at 240 (kMaxSkew)
  bool preempt = false;
  std::vector<uint32_t> addresses;  // IPv4 VIPs, host order: announced by gratuitous ARP
  uint64_t initial_counter = 0;     // the first advert's counter: the caller draws it at random
  // FreeBSD pfsync gives up on a bulk update after a 5 s timer fired 13 times (12 retries),
  // then lifts the demotion ("pfsync bulk fail", §3.6).
  Duration bulk_timeout = std::chrono::seconds(65);
  int demotion_factor = kMaxSkew;  // what one raise adds: ifdown/pfsync factor, default 240
};

struct Transition {
  Time at{};
  State from = State::kInit;
  State to = State::kInit;
  Reason reason = Reason::kInitComplete;
};

// What the glue must do after an input, in this order: send the advert (encode_advert with the
// vhid's VhidAuth, then build_advert_frame), send one gratuitous ARP per address, publish the
// new role, log the lines, and call on_timer() at `deadline`.
struct Actions {
  std::optional<Advert> advert;
  bool send_garp = false;
  std::optional<Transition> transition;
  std::vector<std::string> log;
  std::optional<Time> deadline;  // none: no timer pending (INIT without a bulk hold)
};

// Per-reason counts of adverts that failed decoding (one line each, in kDecodeErrorNames).
struct RejectCounters {
  std::array<uint64_t, static_cast<size_t>(DecodeError::kCount)> by_reason{};
  void count(DecodeError e) { ++by_reason[static_cast<size_t>(e)]; }
  uint64_t operator[](DecodeError e) const { return by_reason[static_cast<size_t>(e)]; }
};

struct Stats {
  uint64_t adverts_sent = 0;      // adverts handed to the glue, bow-out included
  uint64_t adverts_received = 0;  // authenticated adverts for this vhid
  uint64_t adverts_ignored = 0;   // authenticated adverts that arrived in INIT
  uint64_t garps = 0;             // gratuitous ARP rounds requested
  uint64_t to_master = 0;         // transitions into MASTER
  uint64_t to_backup = 0;         // transitions into BACKUP
  uint64_t to_init = 0;           // transitions into INIT
  RejectCounters rejected;        // bad adverts whose vhid was ours (bad auth, bad ttl, ...)
};

class CarpMachine {
 public:
  static constexpr size_t kHistoryLen = 16;

  explicit CarpMachine(Config cfg);

  Actions start(Time now);
  // Leaves the group: a master sends one advert with advbase and advskew 255 so that backups
  // take over at once instead of after the master-down interval (§3.2, OpenBSD's bow-out).
  Actions stop(Time now);
  // `a` was decoded and authenticated for our vhid (decode_advert ok).
  Actions on_advert(Time now, const Advert& a);
  // A bad advert for our vhid: counted, never acted upon.
  void on_rejected(DecodeError why) { stats_.rejected.count(why); }
  Actions on_timer(Time now);
  Actions interface_down(Time now);
  Actions interface_up(Time now);
  Actions raise_demotion(DemotionSource s, Time now);
  Actions lower_demotion(DemotionSource s, Time now);
  Actions set_demotion(int value, Time now);  // the operator's share

  State state() const { return state_; }
  const Config& config() const { return cfg_; }
  int demotion() const;  // sum over sources, unclamped
  int demotion(DemotionSource s) const;
  uint8_t effective_skew() const;         // advskew + demotion clamped to 0..240
  Duration advert_interval() const;       // advbase + effective_skew / 256 s
  Duration master_down_interval() const;  // 3 x advbase + advskew / 256 s (configured skew)
  std::optional<Time> deadline() const;
  std::optional<Time> bulk_deadline() const { return bulk_deadline_; }
  const Stats& stats() const { return stats_; }
  const std::vector<Transition>& history() const { return history_; }  // oldest first

 private:
  void set_state(State to, Reason why, Time now, Actions& out);  // the one place state changes
  void become_master(Reason why, Time now, Actions& out);
  void send_advert(Actions& out);
  void demotion_changed(int before, std::string_view why, Time now, Actions& out);
  Actions finish(Actions out) const;

  Config cfg_;
  State state_ = State::kInit;
  bool started_ = false;
  bool link_up_ = true;
  std::optional<Time> timer_;  // advert timer in MASTER, master-down timer in BACKUP
  std::optional<Time> bulk_deadline_;
  std::array<int, static_cast<size_t>(DemotionSource::kCount)> demotion_{};
  uint64_t counter_;
  int delayed_garp_ = 0;  // periodic adverts left before the second gratuitous ARP
  Stats stats_;
  std::vector<Transition> history_;
};

// The advertisement interval of a (advbase, advskew) pair, in nanoseconds: exact, since
// 1/256 s = 3 906 250 ns.
Duration interval(uint8_t advbase, uint8_t advskew);

}  // namespace dpf::carp
