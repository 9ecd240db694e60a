// pf's per-rule counters (pf_krule's evaluations, packets, bytes, states_tot and timestamp),
// kept per lcore: one lane per worker and one for the control thread, each lane written only by
// its lcore with plain stores (no atomics, no shared cache line: one line per rule per lane),
// summed by the control thread when a view asks (sum()). Made with the ruleset (allocates then),
// so a reload starts from zero, as pfctl -f does.
//
// What dpf counts, per rule, against pf:
//  - evaluations: the rule evaluations that reached the rule in rule order, that is every
//    evaluation not stopped before it by a matching `quick` rule. pf counts the rules its walk
//    visits, skipping over runs of rules its skip steps rule out; dpf's classifier replaces skip
//    steps, so dpf counts as pf does without them (the figure pf would give with every skip step
//    disabled). A packet's evaluation costs one increment: the lane counts where each walk
//    stopped, and a rule's evaluations are the walks that stopped at it or after it.
//  - packets and bytes (IP total length), by direction of the packet: the packets the rule
//    decided (passed, or blocked by a block rule) and every packet that then passed on a state
//    the rule created (pf_test adds a state's packets to its rule). Packets dropped for another
//    reason (a full state table, IP options) count to no rule, as in pf.
//  - state creations: states the rule created (pf's states_tot); the current states are the
//    RuleRef's `states`. States pfsync imported have no rule here and count to none.
//  - last active: the pf uptime second of the rule's last counted packet (pf's timestamp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dataplane/net/wire/flow.h"

namespace dpf {

// One rule on one lane.
struct alignas(64) RuleCounter {
  uint64_t stopped = 0;      // evaluations whose walk stopped at this rule (see above)
  uint64_t packets[2] = {};  // [0] in, [1] out
  uint64_t bytes[2] = {};    // IP total length, [0] in, [1] out
  uint64_t state_creations = 0;
  uint32_t last_active = 0;  // pf uptime second of the last packet counted (valid once packets)
};
static_assert(sizeof(RuleCounter) == 64);
static_assert(static_cast<unsigned>(wire::Direction::kIn) == 1 &&
              static_cast<unsigned>(wire::Direction::kOut) == 2);

// A rule's counters summed over the lanes.
struct RuleTotals {
  uint64_t evaluations = 0;
  uint64_t packets[2] = {};
  uint64_t bytes[2] = {};
  uint64_t state_creations = 0;
  uint32_t last_active = 0;  // the latest over the lanes; meaningful when any packet was counted
  bool active = false;       // some packet was counted
};

class RuleCounters {
 public:
  // An empty ruleset still gets one (unused) slot per lane, so that evaluated() needs no test.
  RuleCounters(size_t rules, unsigned lanes)
      : rules_(rules), stride_(rules ? rules : 1), counters_(stride_ * lanes) {}

  size_t rules() const noexcept { return rules_; }
  unsigned lanes() const noexcept { return static_cast<unsigned>(counters_.size() / stride_); }
  // Lane `lane`'s counters of rule `rule`. Only lane `lane`'s lcore writes them.
  RuleCounter& at(unsigned lane, size_t rule) noexcept { return counters_[lane * stride_ + rule]; }

  // The walk of one evaluation stopped at rule `stop`, the matching quick rule; any `stop` past
  // the last rule (filter::kNoRule) is a walk that no quick rule stopped.
  void evaluated(unsigned lane, size_t stop) noexcept {
    ++at(lane, stop < rules_ ? stop : stride_ - 1).stopped;
  }
  // A packet of `len` bytes counted to rule `rule` at pf uptime `now`.
  void count(unsigned lane, size_t rule, wire::Direction dir, uint32_t len, uint32_t now) noexcept {
    RuleCounter& c = at(lane, rule);
    const unsigned d = static_cast<unsigned>(dir) - 1;  // kIn 0, kOut 1
    ++c.packets[d];
    c.bytes[d] += len;
    c.last_active = now;
  }

  // Every rule's totals, by rule index. Reads other lanes' counters while they are written:
  // each figure is a relaxed read of an aligned 64-bit word, so it is whole, if a moment old.
  // Control thread (any thread that holds the ruleset).
  std::vector<RuleTotals> sum() const;

 private:
  size_t rules_;
  size_t stride_;                      // rules_, or 1 for an empty ruleset
  std::vector<RuleCounter> counters_;  // lane-major: [lane * stride_ + rule]
};

inline std::vector<RuleTotals> RuleCounters::sum() const {
  std::vector<RuleTotals> out(rules_);
  auto ld = [](const auto& v) { return __atomic_load_n(&v, __ATOMIC_RELAXED); };
  const unsigned n = lanes();
  for (unsigned l = 0; l < n; ++l) {
    for (size_t r = 0; r < rules_; ++r) {
      const RuleCounter& c = counters_[l * stride_ + r];
      RuleTotals& t = out[r];
      t.evaluations += ld(c.stopped);
      for (int d = 0; d < 2; ++d) {
        t.packets[d] += ld(c.packets[d]);
        t.bytes[d] += ld(c.bytes[d]);
      }
      t.state_creations += ld(c.state_creations);
      if (ld(c.packets[0]) + ld(c.packets[1]) != 0) {
        const uint32_t at = ld(c.last_active);
        if (!t.active || at > t.last_active) t.last_active = at;
        t.active = true;
      }
    }
  }
  // A walk that stopped at rule k evaluated rules 0..k: evaluations are suffix sums.
  uint64_t reached = 0;
  for (size_t r = rules_; r-- > 0;) {
    reached += out[r].evaluations;
    out[r].evaluations = reached;
  }
  return out;
}

}  // namespace dpf
