// pf on the packet path (pf_test): for one IPv4 packet on one interface and direction, find its
// state and track it, or evaluate the ruleset and create a state; count and drop what fails.
// Called by workers per packet (noexcept, no allocation beyond the state mempool). The ruleset
// pointer is swapped by the control thread on reload and read under RCU (the state table's QSBR
// variable): a retired ruleset is freed only after every reader reported quiescent.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <rte_mbuf.h>

#include "control/pfconf/ruleset.h"
#include "dataplane/filter/compile.h"
#include "dataplane/filter/eval.h"
#include "dataplane/net/parse.h"
#include "dataplane/pfsync/engine.h"
#include "dataplane/state/state.h"
#include "dataplane/state/table.h"
#include "dataplane/state/timeouts.h"

namespace dpf {

struct WorkerContext;
struct Node;

// What a state keeps of the rule that created it. States of a retired ruleset keep pointing at
// its RuleRefs, so RuleRefs live as long as the Pf (they are small: one per stateful rule).
struct RuleRef {
  uint32_t nr = 0;
  bool has_timeouts = false;
  state::RuleTimeouts timeouts;
  uint32_t max_states = 0;          // the rule's `max`, 0 = unlimited
  std::atomic<uint32_t> states{0};  // states currently created by this rule
};

// A loaded ruleset: the compiled form the workers evaluate and what the views print.
struct PfRuleset {
  pfconf::Ruleset source;
  std::unique_ptr<const filter::CompiledRuleset> compiled;
  std::vector<RuleRef*> refs;  // by compiled rule index; nullptr for rules without state
  state::TimeoutTable timeouts;
  uint32_t state_limit = state::kDefaultStateLimit;
  std::string file;  // where it was loaded from ("" = none)
  uint64_t generation = 0;
};

struct Pf {
  std::unique_ptr<state::StateTable> table;
  std::atomic<const PfRuleset*> ruleset{nullptr};   // nullptr: pass everything without state
  std::unique_ptr<PfRuleset> current;               // owns what `ruleset` points at
  std::vector<std::unique_ptr<RuleRef>> rule_refs;  // every RuleRef ever made (see RuleRef)
  unsigned control_reader = 0;                      // the control thread's RCU reader id
  uint64_t tsc_hz = 0;
  uint64_t start_tsc = 0;
};

// Bookkeeping when a state leaves the table (its rule's state count).
void pf_state_removed(const state::State& s) noexcept;
// Removes a state found by a lookup (kill, purge), with that bookkeeping.
bool pf_remove_state(Pf& pf, state::State* s) noexcept;

// Tells pfsync (when the node has it) that a state was inserted, changed or removed.
// `producer` is the worker index, or n_workers for the control thread.
void pf_sync_change(Node& node, unsigned producer, const state::State& s,
                    pfsync::ChangeKind kind) noexcept;

// pf's uptime clock in whole seconds (what states' creation/expire count in).
uint32_t pf_now(const Pf& pf) noexcept;

// Builds a PfRuleset from a parsed ruleset for this node's interfaces. Control thread.
std::unique_ptr<PfRuleset> pf_build_ruleset(Pf& pf, pfconf::Ruleset rs,
                                            const filter::InterfaceMap& ifs, std::string& error);

// One pf pass. True: the packet goes on. False: it was dropped and counted (and a `block
// return` reply queued to the control thread).
bool pf_test(WorkerContext& w, state::Direction dir, uint16_t port, uint16_t in_port, rte_mbuf* m,
             const net::PacketInfo& info, uint32_t now) noexcept;

}  // namespace dpf
