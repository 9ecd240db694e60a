#include "dataplane/state/timeouts.h"

#include <cstdio>

namespace dpf::state {

std::string_view timeout_name(Timeout t) noexcept {
  for (const TimeoutInfo& i : kTimeoutInfo) {
    if (i.index == t) return i.name;
  }
  return {};
}

std::optional<Timeout> timeout_by_name(std::string_view name) noexcept {
  for (const TimeoutInfo& i : kTimeoutInfo) {
    if (i.name == name) return i.index;
  }
  return std::nullopt;
}

std::optional<Optimization> optimization_by_name(std::string_view name) noexcept {
  // pfctl accepts these spellings (pfctl.c pf_hints[]).
  if (name == "normal" || name == "default") return Optimization::kNormal;
  if (name == "high-latency" || name == "satellite") return Optimization::kHighLatency;
  if (name == "conservative") return Optimization::kConservative;
  if (name == "aggressive") return Optimization::kAggressive;
  return std::nullopt;
}

TimeoutTable TimeoutTable::defaults() noexcept {
  TimeoutTable t;
  for (const TimeoutInfo& i : kTimeoutInfo) t.set(i.index, i.default_value);
  return t;
}

void TimeoutTable::derive_adaptive_from_limit(uint32_t state_limit) noexcept {
  set(Timeout::kAdaptiveStart, state_limit / 10 * 6);
  set(Timeout::kAdaptiveEnd, state_limit / 10 * 12);
}

namespace {

// tcp.first, opening, established, closing, finwait, closed, tsdiff (spec §2.10 preset table).
struct Preset {
  Optimization o;
  uint32_t v[7];
};
constexpr Preset kPresets[] = {
    {Optimization::kNormal, {120, 30, 86400, 900, 45, 90, 30}},
    {Optimization::kHighLatency, {180, 35, 86400, 905, 50, 95, 60}},
    {Optimization::kConservative, {3600, 900, 432000, 3600, 600, 180, 60}},
    {Optimization::kAggressive, {30, 5, 18000, 60, 30, 30, 10}},
};
constexpr Timeout kPresetOrder[7] = {
    Timeout::kTcpFirstPacket, Timeout::kTcpOpening, Timeout::kTcpEstablished, Timeout::kTcpClosing,
    Timeout::kTcpFinWait,     Timeout::kTcpClosed,  Timeout::kTsDiff};

}  // namespace

void TimeoutTable::apply_optimization(Optimization o) noexcept {
  for (const Preset& p : kPresets) {
    if (p.o != o) continue;
    for (size_t i = 0; i < 7; ++i) set(kPresetOrder[i], p.v[i]);
  }
}

void RuleTimeouts::derive_adaptive_from_max(uint32_t max_states) noexcept {
  if (get(Timeout::kAdaptiveStart) != 0 || get(Timeout::kAdaptiveEnd) != 0) return;
  set(Timeout::kAdaptiveStart, max_states / 10 * 6);
  set(Timeout::kAdaptiveEnd, max_states / 10 * 12);
}

uint32_t base_timeout(Timeout t, const TimeoutTable& global, const RuleTimeouts* rule) noexcept {
  if (static_cast<size_t>(t) >= kTimeoutCount) return 0;
  uint32_t v = rule ? rule->get(t) : 0;
  return v != 0 ? v : global.get(t);
}

uint32_t expires_at(Timeout t, uint32_t last_activity, uint32_t now, const TimeoutTable& global,
                    const RuleTimeouts* rule, StateCounts counts) noexcept {
  if (static_cast<size_t>(t) >= kTimeoutCount) [[unlikely]]
    return now;  // kPurge / kUnlinked: due at once
  uint64_t timeout = base_timeout(t, global, rule);

  uint32_t start = rule ? rule->get(Timeout::kAdaptiveStart) : 0;
  uint32_t end;
  uint32_t states;
  if (start != 0) {
    end = rule->get(Timeout::kAdaptiveEnd);
    states = counts.rule;
  } else {
    start = global.get(Timeout::kAdaptiveStart);
    end = global.get(Timeout::kAdaptiveEnd);
    states = counts.global;
  }
  if (end != 0 && states > start && start < end) {
    if (states >= end) return now;
    timeout = timeout * (end - states) / (end - start);
  }
  return last_activity + static_cast<uint32_t>(timeout);
}

std::string format_pfctl_timeouts(const TimeoutTable& t) {
  std::string out;
  char line[64];
  for (const TimeoutInfo& i : kTimeoutInfo) {
    std::snprintf(line, sizeof line, "%-20s %10u%s\n", std::string(i.name).c_str(), t.get(i.index),
                  i.is_state_count ? " states" : "s");
    out += line;
  }
  return out;
}

}  // namespace dpf::state
