// pf's reason codes (PFRES_*), the counters `pfctl -si` prints and pflog records. The state code
// returns one with every verdict; the worker counts drops by it. Pure; any thread; no allocation.
// Numbering and names follow pf.h PFRES_NAMES; append only before kCount.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace dpf::state {

enum class PfReason : uint8_t {
  kMatch = 0,          // "match": the packet matched (also pf's reason for state-reuse drops)
  kBadOffset = 1,      // "bad-offset"
  kFragment = 2,       // "fragment": e.g. an ICMP error quoting a non-first fragment
  kShort = 3,          // "short": a header (or a quoted header) is truncated
  kNormalize = 4,      // "normalize"
  kMemory = 5,         // "memory"
  kBadTimestamp = 6,   // "bad-timestamp"
  kCongestion = 7,     // "congestion"
  kIpOption = 8,       // "ip-option"
  kProtoChecksum = 9,  // "proto-cksum"
  kBadState = 10,      // "state-mismatch": failed the TCP window / ICMP quoted-seq checks
  kStateInsert = 11,   // "state-insert": key collision on insert
  kStateLimit = 12,    // "state-limit": `set limit states` or a rule's `max` reached
  kSrcLimit = 13,      // "src-limit": max-src-* exceeded
  kSynproxy = 14,      // "synproxy"
  kMapFailed = 15,     // "map-failed"
  kCount
};

inline constexpr std::array<std::string_view, static_cast<size_t>(PfReason::kCount)>
    kPfReasonNames = {
        "match",         "bad-offset", "fragment",  "short",       "normalize",      "memory",
        "bad-timestamp", "congestion", "ip-option", "proto-cksum", "state-mismatch", "state-insert",
        "state-limit",   "src-limit",  "synproxy",  "map-failed",
};

constexpr std::string_view pf_reason_name(PfReason r) noexcept {
  return kPfReasonNames[static_cast<size_t>(r)];
}

}  // namespace dpf::state
