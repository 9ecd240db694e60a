#include "dataplane/state/sweeper.h"

namespace dpf::state {

bool Sweeper::expired(State& s, uint32_t now, const TimeoutTable& timeouts) const noexcept {
  RuleView rule;
  if (resolver_ != nullptr) rule = resolver_(s, resolver_ctx_);
  StateCounts counts;
  counts.global = static_cast<uint32_t>(table_.count());
  counts.rule = rule.states;
  s.lock.lock();  // timeout and expire are written by workers under the lock
  const Timeout t = s.timeout;
  const uint32_t last = s.expire;
  s.lock.unlock();
  return time_reached(expires_at(t, last, now, timeouts, rule.timeouts, counts), now);
}

unsigned Sweeper::sweep(uint32_t now, unsigned budget, const TimeoutTable& timeouts) noexcept {
  table_.run_maintenance(now);
  unsigned removed = 0;
  wrapped_ = false;
  for (unsigned seen = 0; seen < budget; ++seen) {
    State* s = table_.iterate(cursor_);
    if (s == nullptr) {
      cursor_ = 0;
      wrapped_ = true;
      break;
    }
    if (!expired(*s, now, timeouts)) continue;
    if (!table_.remove(s)) continue;  // a worker removed it meanwhile
    ++removed;
    if (on_remove_ != nullptr) on_remove_(*s, on_remove_ctx_);
  }
  return removed;
}

}  // namespace dpf::state
