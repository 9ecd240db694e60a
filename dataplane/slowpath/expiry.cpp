#include "dataplane/slowpath/expiry.h"

#include "dataplane/worker/pf.h"

namespace dpf {

Expiry::Expiry(Node& node) : node_(node), sweeper_(*node.pf->table) {
  sweeper_.set_rule_resolver(
      [](const state::State& s, void*) {
        const auto* r = static_cast<const RuleRef*>(s.rule);
        state::Sweeper::RuleView v;
        if (r != nullptr) {
          v.timeouts = r->has_timeouts ? &r->timeouts : nullptr;
          v.states = r->states.load(std::memory_order_relaxed);
        }
        return v;
      },
      nullptr);
  sweeper_.on_remove(
      [](state::State& s, void* ctx) {
        Node& n = *static_cast<Node*>(ctx);
        pf_state_removed(s);
        pf_sync_change(n, n.n_workers, s, pfsync::ChangeKind::kDelete);
      },
      &node_);
}

void Expiry::poll(NodeClock::TimePoint now) {
  if (now < next_) return;
  next_ = now + kEvery;
  Pf& pf = *node_.pf;
  const PfRuleset* rs = pf.ruleset.load(std::memory_order_acquire);
  static const state::TimeoutTable kDefaults = state::TimeoutTable::defaults();
  sweeper_.sweep(pf_now(pf), kBudget, rs ? rs->timeouts : kDefaults);
  pf.table->reclaim();
}

}  // namespace dpf
