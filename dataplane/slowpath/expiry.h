// State expiry on the control thread, as pf's purge thread: a bounded slice of the state table
// every kEvery, with each state's rule timeouts (or the ruleset's, or pf's defaults); an expired
// state is removed from pf's rule counters and its deletion is queued for pfsync. Then the table
// frees what no reader can reach any more. Control thread only.
#pragma once

#include <chrono>

#include "dataplane/node/clock.h"
#include "dataplane/node/node.h"
#include "dataplane/state/sweeper.h"

namespace dpf {

class Expiry {
 public:
  // At most kBudget states every kEvery: a full pass over a million states takes 25 s, well
  // inside the granularity of pf's `interval` (10 s) for the common case of a few thousand.
  static constexpr auto kEvery = std::chrono::milliseconds(100);
  static constexpr unsigned kBudget = 4096;

  explicit Expiry(Node& node);
  // Sweeps one slice when due.
  void poll(NodeClock::TimePoint now);

 private:
  Node& node_;
  state::Sweeper sweeper_;
  NodeClock::TimePoint next_{};
};

}  // namespace dpf
