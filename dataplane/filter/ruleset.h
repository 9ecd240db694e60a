// The compiled ruleset the fast path evaluates: flat rules (no strings), prefix sets for tables
// and interface addresses, and the classifier that narrows a packet to a few candidate rules.
// Built once by compile() on the control thread (all allocation happens there) and then only
// read, by any number of workers at once; a reload builds a new one and swaps the pointer
// under RCU. shared/specs/pf-semantics.md §3.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dataplane/filter/host_set.h"
#include "dataplane/filter/prefix_set.h"
#include "dataplane/nat/pool.h"
#include "dataplane/net/wire/flow.h"

namespace dpf::filter {

// Ports (interfaces) a ruleset can name: interface sets are 64-bit masks of port indices.
inline constexpr uint16_t kMaxPorts = 64;
inline constexpr uint32_t kNoRule = 0xffffffffu;
// pf's PFTM_* slots, numbered as pfconf::Timeout and state::Timeout (0..19).
inline constexpr size_t kTimeoutSlots = 20;

// A packet's direction and address family are wire's (dataplane/net/wire/flow.h), shared with the
// state table.
using wire::Af;
using wire::Direction;

enum class RuleAction : uint8_t { kPass, kBlock, kMatch };
enum class StateMode : uint8_t { kNone, kKeep, kModulate, kSynproxy };
enum class SourceTrack : uint8_t { kNone, kRule, kGlobal };

// A rule's `block` answer as written (or from `set block-policy`): drop, `return` (RST for TCP,
// ICMP otherwise), `return-rst`, `return-icmp[6]`.
enum class ReturnMode : uint8_t { kDrop, kRet, kRst, kIcmp };

// pf's PF_OP_* over a port in host order.
enum class PortOp : uint8_t {
  kNone,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kRangeIncl,
  kRangeExcl,
  kRangeOut
};

struct PortMatch {
  PortOp op = PortOp::kNone;
  uint16_t lo = 0;
  uint16_t hi = 0;
};

enum class AddrKind : uint8_t { kAny, kPrefix, kRange, kSet };

struct AddrMatch {
  AddrKind kind = AddrKind::kAny;
  bool neg = false;
  bool hosts = false;  // kind set: the table also takes run-time hosts (CompiledRuleset::hosts)
  uint32_t set = 0;    // kind set: index into CompiledRuleset::sets
  Addr128 a;           // prefix: network; range: first
  Addr128 b;           // prefix: mask; range: last
};

// State options of a pass rule, as the state table needs them to create the state.
struct StateSpec {
  uint32_t max_states = 0;  // 0 = unlimited
  bool no_sync = false;
  bool sloppy = false;
  bool if_bound = false;  // per-rule option or `set state-policy if-bound`
  bool pflow = false;
  SourceTrack source_track = SourceTrack::kNone;
  uint32_t max_src_states = 0;
  uint32_t max_src_conn = 0;
  uint32_t max_src_conn_rate_limit = 0;
  uint32_t max_src_conn_rate_seconds = 0;
  uint32_t max_src_nodes = 0;
  uint32_t overload_set = 0;  // index into CompiledRuleset::sets; valid when has_overload
  bool has_overload = false;
  bool flush = false;
  bool flush_global = false;
  std::array<uint32_t, kTimeoutSlots> timeouts{};  // seconds (adaptive: states); 0 = global
};

// One filter rule, flattened. `nr` is pf's rule number (0-based position in the ruleset).
// Laid out for the fast path: everything the per-rule test and the walk read fills the first
// two cache lines; the outcome of a deciding rule and the rare criteria follow.
struct alignas(64) CompiledRule {
  // Match criteria, in pf's order, and what the walk reads.
  uint64_t if_mask = 0;  // ports of `on IF` (or its group); used when has_if
  bool has_if = false;
  bool ifnot = false;  // on ! IF
  bool has_rcv = false;
  uint8_t dir = 0;    // 0 any, else Direction
  uint8_t af = 0;     // 0 any, else Af
  uint8_t proto = 0;  // 0 any
  uint8_t flags = 0;  // TCP: (flags & flagset) must equal flags
  uint8_t flagset = 0;
  uint16_t icmp_type = 0;  // type + 1, 0 = any (pf's convention)
  uint16_t icmp_code = 0;  // code + 1, 0 = any
  uint16_t tagged = 0;     // tag id that must (or, tagged_not, must not) be on the packet; 0 = none
  uint16_t tag = 0;        // tag id this rule puts on the packet; 0 = none
  PortMatch sport;
  PortMatch dport;
  bool fragment = false;  // matches only fragments
  bool tagged_not = false;
  RuleAction action = RuleAction::kPass;
  bool quick = false;
  AddrMatch src;
  AddrMatch dst;
  uint32_t nr = 0;
  bool log = false;
  // Outcome and rare criteria.
  uint64_t rcv_mask = 0;  // ports of `received-on IF`; used when has_rcv
  uint8_t log_flags = 0;  // kLogAll | kLogMatches | kLogUser
  uint8_t log_if = 0;     // pflogN
  bool allow_opts = false;
  StateMode state = StateMode::kNone;
  ReturnMode ret = ReturnMode::kDrop;
  uint8_t rst_ttl = 0;
  uint8_t icmp4_code = 3;  // unreachable code for return/return-icmp (port unreachable)
  uint8_t icmp6_code = 4;  // ICMPv6 unreachable code (port unreachable)
  // Translation the rule applies (nat-to, rdr-to; a translation statement's own pool): an
  // index into CompiledRuleset::translations, kNoRule for none.
  uint32_t nat = kNoRule;
  uint32_t rdr = kNoRule;
};
static_assert(offsetof(CompiledRule, log) < 128, "the walk's fields fit two cache lines");

// One translation (pf_get_translation / pf_get_transaddr): where the packet's source (nat,
// binat out, nat-to) or destination (rdr, binat in, rdr-to) goes. The pool's addresses are
// resolved when the ruleset is compiled: `(if)` and interface names take the interface's
// address then (the node's addresses do not change while it runs), tables their entries.
struct Translation {
  enum class Kind : uint8_t { kNat, kRdr, kBinat };
  Kind kind = Kind::kNat;
  bool source = true;  // rewrites the source (else the destination)
  bool no = false;     // `no nat`, `no rdr`, `no binat`: matched, nothing rewritten
  bool pass = false;   // `nat pass`, `rdr pass`: the filter rules are skipped
  nat::PoolType type = nat::PoolType::kNone;
  nat::SourceHashKey key{};
  std::vector<nat::PoolEntry> entries;
  // Source translation: the port range (pf's proxy ports); static_port keeps the port.
  // Destination translation: port_lo = 0 keeps the port; otherwise port_hi = 0 maps every
  // destination port to port_lo, and a range maps dst_port_lo.. onto port_lo..port_hi.
  uint16_t port_lo = 0;
  uint16_t port_hi = 0;
  bool static_port = false;
  bool sticky = false;  // sticky-address: a source keeps the address it was given first
  uint16_t dst_port_lo = 0;
  uint32_t nr = 0;  // pfctl's @N among the rules of its kind (statements) or the filter rule's
};

inline constexpr uint8_t kLogAll = 1;
inline constexpr uint8_t kLogMatches = 2;
inline constexpr uint8_t kLogUser = 4;

// The 64 bits of a key the bucket table of an IntervalIndex is cut from.
inline uint64_t index_proj(uint32_t k) noexcept {
  return k;
}
inline uint64_t index_proj(Addr128 k) noexcept {
  return k.hi;
}

// Sorted rule positions for each piece of a partitioned key space: lookup(k) returns the
// rules whose criterion on this key contains k (and, by construction, no others).
// A bucket table over the high bits of the key (below the prefix all boundaries share) narrows
// the search to the boundaries of one bucket: O(1) expected, O(log n) at worst.
template <typename Key>
struct IntervalIndex {
  struct Piece {
    Key start;       // the piece covers [start, next piece's start)
    uint32_t first;  // its rules are ids[first, next piece's first)
  };
  // Ascending; pieces[0].start = 0; a last sentinel closes the final piece (never searched).
  std::vector<Piece> pieces;
  std::vector<uint32_t> ids;
  // bucket[b] = first piece whose start falls in bucket b or later; size buckets + 1.
  std::vector<uint32_t> bucket;
  uint64_t base = 0;
  uint32_t shift = 0;

  size_t bucket_of(Key k) const noexcept {
    uint64_t p = index_proj(k);
    uint64_t nb = bucket.size() - 1;
    uint64_t b = p < base ? 0 : (p - base) >> shift;
    return b >= nb ? nb - 1 : b;
  }
  // Starts loading the bucket of k, so that lookups of several indexes overlap.
  void prefetch(Key k) const noexcept {
    if (!pieces.empty()) __builtin_prefetch(&bucket[bucket_of(k)]);
  }
  std::span<const uint32_t> lookup(Key k) const noexcept {
    if (pieces.empty()) return {};
    size_t b = bucket_of(k);
    size_t lo = bucket[b] == 0 ? 0 : bucket[b] - 1;
    size_t n = bucket[b + 1] - lo;
    while (n > 1) {  // last start <= k within the bucket; pieces[lo].start <= k holds
      size_t half = n / 2;
      lo = pieces[lo + half].start <= k ? lo + half : lo;
      n -= half;
    }
    return {ids.data() + pieces[lo].first, ids.data() + pieces[lo + 1].first};
  }
};

// The candidates of one (direction, family, protocol class): every rule that may match such a
// packet sits in exactly one of these lists, each sorted by position.
struct ClassifierNode {
  IntervalIndex<uint32_t> dport;     // rules placed by destination port (tcp/udp nodes)
  IntervalIndex<Addr128> dst;        // by destination address
  IntervalIndex<Addr128> src;        // by source address
  std::vector<uint32_t> if_offsets;  // by interface: port p → ids[if_offsets[p], [p + 1])
  std::vector<uint32_t> if_ids;
  std::vector<uint32_t> wild;  // rules no index could place
};

struct CompiledRuleset {
  std::vector<CompiledRule> rules;
  std::vector<StateSpec> states;  // parallel to rules
  std::vector<PrefixSet> sets;    // tables, then the sets derived from interfaces
  // Per set: the hosts added at run time (overload tables), nullptr for sets that never grow.
  // Not owned, except those in own_hosts (compile() without a HostResolver); inserting into
  // them through a const CompiledRuleset is what they are for (lock-free, see host_set.h).
  std::vector<HostSet*> hosts;
  std::vector<std::unique_ptr<HostSet>> own_hosts;
  std::vector<std::string> set_names;
  std::vector<std::string> tag_names;  // tag id t is tag_names[t - 1]
  uint64_t skip_mask = 0;              // ports of `set skip on`
  // The pools of translations (CompiledRule::nat / rdr), and a round-robin counter for each,
  // shared by the workers (relaxed atomics: round-robin needs no stricter order).
  std::vector<Translation> translations;
  std::unique_ptr<std::atomic<uint64_t>[]> round_robin;
  // The nat, rdr and binat statements, first match (every rule quick), in pf's order: binat
  // then nat outbound, rdr then binat inbound. Each matching rule's nat or rdr names the
  // translation, in the translations of this inner ruleset. nullptr: no statements.
  std::unique_ptr<const CompiledRuleset> statements;

  // Classifier: nodes[((dir - 1) * 2 + (af == kInet6)) * proto_classes + class].
  std::array<uint8_t, 256> proto_class{};
  uint32_t proto_classes = 1;
  std::vector<ClassifierNode> nodes;

  const ClassifierNode& node(Direction d, Af af, uint8_t proto) const noexcept {
    size_t i = (static_cast<size_t>(d) - 1) * 2 + (af == Af::kInet6 ? 1 : 0);
    return nodes[i * proto_classes + proto_class[proto]];
  }
  // Tag id of a name, 0 if no rule names it.
  uint16_t tag_id(const std::string& name) const;
};

}  // namespace dpf::filter
