// pf's timeout table: every PFTM_* index with its default, per-rule overrides, adaptive scaling
// and the expiry of a state (shared/specs/pf-semantics.md §2.10). Pure; any thread may call the
// const functions (the sweeper and workers read one table, the control thread builds a new one
// on reload). Nothing allocates.
// Time is pf's: whole seconds of a monotonic uptime clock as uint32 (time_uptime), passed in.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dpf::state {

// PFTM_* indices. The numbering is pfsync's `timeout` field, identical on both BSDs for 0–19.
enum class Timeout : uint8_t {
  kTcpFirstPacket = 0,   // tcp.first
  kTcpOpening = 1,       // tcp.opening
  kTcpEstablished = 2,   // tcp.established
  kTcpClosing = 3,       // tcp.closing
  kTcpFinWait = 4,       // tcp.finwait
  kTcpClosed = 5,        // tcp.closed
  kUdpFirstPacket = 6,   // udp.first
  kUdpSingle = 7,        // udp.single
  kUdpMultiple = 8,      // udp.multiple
  kIcmpFirstPacket = 9,  // icmp.first
  kIcmpErrorReply = 10,  // icmp.error
  kOtherFirstPacket = 11,
  kOtherSingle = 12,
  kOtherMultiple = 13,
  kFrag = 14,
  kInterval = 15,       // purge interval, not a state timeout
  kAdaptiveStart = 16,  // a state count, not seconds
  kAdaptiveEnd = 17,    // a state count, not seconds
  kSrcNode = 18,        // src.track
  kTsDiff = 19,         // tcp.tsdiff
  kMax = 20,            // PFTM_MAX: number of configurable entries
  kPurge = 21,          // marker: the state is dead and waits for the sweeper
  kUnlinked = 22,       // marker: removed from the table
};

inline constexpr size_t kTimeoutCount = static_cast<size_t>(Timeout::kMax);

// Default `set limit states` (newer FreeBSD and OpenBSD PFSTATE_HIWAT).
inline constexpr uint32_t kDefaultStateLimit = 100000;

struct TimeoutInfo {
  Timeout index;
  std::string_view name;  // as pf.conf and `pfctl -s timeouts` spell it
  uint32_t default_value;
  bool is_state_count;  // adaptive.start/end: printed as "N states", not "Ns"
};

// In the order `pfctl -s timeouts` prints them (pfctl_parser.c pf_timeouts[]). Defaults from
// pfctl/pf.h; frag is FreeBSD's 30 s (OpenBSD: 60); adaptive values are 60 % / 120 % of
// kDefaultStateLimit as pfctl derives them.
inline constexpr std::array<TimeoutInfo, kTimeoutCount> kTimeoutInfo = {{
    {Timeout::kTcpFirstPacket, "tcp.first", 120, false},
    {Timeout::kTcpOpening, "tcp.opening", 30, false},
    {Timeout::kTcpEstablished, "tcp.established", 86400, false},
    {Timeout::kTcpClosing, "tcp.closing", 900, false},
    {Timeout::kTcpFinWait, "tcp.finwait", 45, false},
    {Timeout::kTcpClosed, "tcp.closed", 90, false},
    {Timeout::kTsDiff, "tcp.tsdiff", 30, false},
    {Timeout::kUdpFirstPacket, "udp.first", 60, false},
    {Timeout::kUdpSingle, "udp.single", 30, false},
    {Timeout::kUdpMultiple, "udp.multiple", 60, false},
    {Timeout::kIcmpFirstPacket, "icmp.first", 20, false},
    {Timeout::kIcmpErrorReply, "icmp.error", 10, false},
    {Timeout::kOtherFirstPacket, "other.first", 60, false},
    {Timeout::kOtherSingle, "other.single", 30, false},
    {Timeout::kOtherMultiple, "other.multiple", 60, false},
    {Timeout::kFrag, "frag", 30, false},
    {Timeout::kInterval, "interval", 10, false},
    {Timeout::kAdaptiveStart, "adaptive.start", kDefaultStateLimit / 10 * 6, true},
    {Timeout::kAdaptiveEnd, "adaptive.end", kDefaultStateLimit / 10 * 12, true},
    {Timeout::kSrcNode, "src.track", 0, false},
}};

// The pf.conf name of a configurable index; empty for the markers.
std::string_view timeout_name(Timeout t) noexcept;
// The index for a pf.conf name (`set timeout tcp.first 60`); nullopt if unknown.
std::optional<Timeout> timeout_by_name(std::string_view name) noexcept;

// `set optimization` presets (pfctl pf_hint_*); they only touch the tcp.* entries.
enum class Optimization : uint8_t { kNormal, kHighLatency, kConservative, kAggressive };
std::optional<Optimization> optimization_by_name(std::string_view name) noexcept;

// The global timeouts (pf's default rule). Values are seconds, except adaptive.* (states).
class TimeoutTable {
 public:
  // pf's defaults for the default state limit.
  static TimeoutTable defaults() noexcept;

  uint32_t get(Timeout t) const noexcept { return values_[static_cast<size_t>(t)]; }
  void set(Timeout t, uint32_t value) noexcept { values_[static_cast<size_t>(t)] = value; }

  // pfctl: after `set limit states N` without explicit adaptive values, adaptive.start and
  // adaptive.end become N/10*6 and N/10*12.
  void derive_adaptive_from_limit(uint32_t state_limit) noexcept;
  void apply_optimization(Optimization o) noexcept;

 private:
  std::array<uint32_t, kTimeoutCount> values_{};
};

// A rule's `keep state (tcp.established 600, adaptive.start ...)` overrides. 0 means "not set",
// as in pf's rule->timeout[]: the global value applies.
struct RuleTimeouts {
  std::array<uint32_t, kTimeoutCount> values{};
  uint32_t get(Timeout t) const noexcept { return values[static_cast<size_t>(t)]; }
  void set(Timeout t, uint32_t v) noexcept { values[static_cast<size_t>(t)] = v; }
  // pfctl: a rule `max N` without adaptive values gets adaptive 60 % / 120 % of N.
  void derive_adaptive_from_max(uint32_t max_states) noexcept;
};

// State counts adaptive scaling compares against.
struct StateCounts {
  uint32_t global = 0;  // states in the table (pf_status.states)
  uint32_t rule = 0;    // states created by the state's rule (rule->states_cur)
};

// The timeout in seconds for class `t` of a state created by a rule with `rule` overrides
// (nullptr: the default rule), before adaptive scaling.
uint32_t base_timeout(Timeout t, const TimeoutTable& global, const RuleTimeouts* rule) noexcept;

// Whether uptime second `at` has come by `now`. The clock is a uint32 that wraps, so the
// difference is read as signed: right for any deadline within 2^31 s (68 years) of now.
constexpr bool time_reached(uint32_t at, uint32_t now) noexcept {
  return static_cast<int32_t>(now - at) >= 0;
}

// pf_state_expires: the uptime second at which a state whose last accepted packet was at
// `last_activity` expires. Adaptive scaling uses the rule's adaptive.start/end and its state
// count when the rule sets adaptive.start, else the global values and the global count: above
// start the timeout shrinks linearly, at or above end the state expires `now`. A state marked
// kPurge expires `now`. The sweeper removes a state once time_reached(expires_at(...), now).
uint32_t expires_at(Timeout t, uint32_t last_activity, uint32_t now, const TimeoutTable& global,
                    const RuleTimeouts* rule, StateCounts counts) noexcept;

// `pfctl -s timeouts` output for `t`: one line per entry in kTimeoutInfo order, the name
// left-aligned in 20 columns, the value right-aligned in 10, then "s" or " states".
// Control thread only (allocates).
std::string format_pfctl_timeouts(const TimeoutTable& t);

}  // namespace dpf::state
