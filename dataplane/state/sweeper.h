// pf's purge thread for dpf: an incremental expiry sweep over the state table that examines a
// bounded slice of states per call and removes those whose pf expiry has passed
// (shared/specs/pf-semantics.md §2.10, pf_purge_expired_states). Control thread (or one
// dedicated lcore) only; it must be a registered reader of the table when workers remove
// states concurrently. Allocates nothing.
#pragma once

#include <cstdint>

#include "dataplane/state/state.h"
#include "dataplane/state/table.h"
#include "dataplane/state/timeouts.h"

namespace dpf::state {

class Sweeper {
 public:
  // A state's rule, as adaptive scaling needs it: the rule's timeout overrides (nullptr: the
  // default rule) and how many states the rule holds (rule->states_cur).
  struct RuleView {
    const RuleTimeouts* timeouts = nullptr;
    uint32_t states = 0;
  };
  using RuleResolver = RuleView (*)(const State& s, void* ctx);
  // Told of every state the sweeper removes, once unlinked and before it can be freed
  // (pfsync's delete). The sweeper does not hold s.lock: the hook may take it.
  using RemoveHook = void (*)(State& s, void* ctx);

  explicit Sweeper(StateTable& table) noexcept : table_(table) {}

  void set_rule_resolver(RuleResolver f, void* ctx) noexcept {
    resolver_ = f;
    resolver_ctx_ = ctx;
  }
  void on_remove(RemoveHook f, void* ctx) noexcept {
    on_remove_ = f;
    on_remove_ctx_ = ctx;
  }

  // Runs the table's maintenance hook (StateTable::set_maintenance), then examines up to
  // `budget` states from the cursor on and removes those whose expires_at(timeout, expire, now,
  // ...) has come (time_reached: modular, right across the wrap of the uint32 clock); returns
  // how many it removed. At the end of
  // the table the cursor goes back to the start and the call returns (pf walks 1/interval of
  // the table per second: budget = count() / interval + 1 does the same).
  unsigned sweep(uint32_t now, unsigned budget, const TimeoutTable& timeouts) noexcept;

  // True once a full pass ended at the last sweep() call.
  bool wrapped() const noexcept { return wrapped_; }

 private:
  bool expired(State& s, uint32_t now, const TimeoutTable& timeouts) const noexcept;

  StateTable& table_;
  uint32_t cursor_ = 0;
  bool wrapped_ = false;
  RuleResolver resolver_ = nullptr;
  void* resolver_ctx_ = nullptr;
  RemoveHook on_remove_ = nullptr;
  void* on_remove_ctx_ = nullptr;
};

}  // namespace dpf::state
