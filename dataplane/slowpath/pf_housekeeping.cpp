#include "dataplane/slowpath/pf_housekeeping.h"

#include <array>
#include <atomic>
#include <vector>

#include "dataplane/slowpath/pf_load.h"
#include "dataplane/worker/pf.h"

namespace dpf {
namespace {

using state::Direction;
using state::State;

bool flush_matches(const OverloadFlush& f, const State& s) noexcept {
  const state::StateKey& k = s.key.key[state::kSkWire];
  return k.af == f.af && (f.global || s.rule == f.rule) &&
         k.addr[f.dir == Direction::kOut ? 1 : 0] == f.addr;
}

// pf_overload_task's flush: kills every state an overload request names.
void run_flushes(Node& node) noexcept {
  Pf& pf = *node.pf;
  std::array<OverloadFlush, FlushQueue::kSize> reqs;
  const unsigned n = pf.flushes.take(reqs);
  if (n == 0) return;
  node.counters[node.n_workers].limits[static_cast<size_t>(LimitCounter::kOverloadFlush)] += n;
  std::vector<State*> victims;
  pf.table->for_each([&](State& s) {
    if (s.unlinked) return;
    for (unsigned i = 0; i < n; ++i) {
      if (flush_matches(reqs[i], s)) {
        victims.push_back(&s);
        return;
      }
    }
  });
  for (State* s : victims) {
    if (!pf_remove_state(pf, s)) continue;
    pf_sync_change(node, node.n_workers, *s, pfsync::ChangeKind::kDelete);
    pf.src_counters.flushed_states.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

void pf_housekeeping(Node& node, uint32_t now) noexcept {
  Pf& pf = *node.pf;
  if (pf.src_nodes && now != pf.last_src_purge) {
    pf.src_nodes->purge(now);
    pf.last_src_purge = now;
  }
  // Before the flushes: a queued request may name a RuleRef pf_reclaim frees now (it was queued
  // before the grace period ended). run_flushes only compares that pointer with the states',
  // and no new RuleRef can take its address before the requests are taken.
  pf_reclaim(pf);
  run_flushes(node);
}

}  // namespace dpf
