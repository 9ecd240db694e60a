// Rule evaluation with pf's semantics (pf_test_rule): rules in order, the last matching pass or
// block rule decides, a matching `quick` rule stops, `match` rules never decide, no match means
// pass without state, and `set skip on` interfaces are not filtered at all.
// Fast path: any worker may call evaluate() concurrently on one CompiledRuleset; noexcept, no
// allocation, no locks. Cost: see the classifier notes in compile.h.
// shared/specs/pf-semantics.md §3.1–3.2.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/filter/ruleset.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::filter {

inline constexpr uint16_t kNoPort = 0xffff;

// What the evaluator needs of a packet, already parsed by the worker.
struct Packet {
  Af af = Af::kInet;
  uint8_t proto = 0;
  Direction dir = Direction::kIn;
  uint8_t tcp_flags = 0;        // wire::kTcp* bits
  uint16_t port = 0;            // the node's port index of the interface being filtered
  uint16_t rcv_port = kNoPort;  // the port the packet arrived on (received-on); kNoPort unknown
  uint16_t sport = 0;           // host order; TCP/UDP only
  uint16_t dport = 0;
  uint8_t icmp_type = 0;  // ICMP / ICMPv6 only
  uint8_t icmp_code = 0;
  bool fragment = false;  // a fragment that was not reassembled (no transport header)
  uint16_t tag = 0;       // tag id already on the packet (from its `in` pass), 0 = none
  uint8_t src[16] = {};   // network order; IPv4 uses bytes 0..3
  uint8_t dst[16] = {};
};

enum class Decision : uint8_t { kPass, kBlock, kSkip };  // kSkip: `set skip on` the interface
enum class ReturnKind : uint8_t { kNone, kRst, kIcmp };

struct Verdict {
  Decision action = Decision::kPass;
  const CompiledRule* rule = nullptr;  // the deciding rule; nullptr = pf's default rule
  uint32_t rule_nr = kNoRule;
  // Position of the matching quick rule that stopped the evaluation; kNoRule when none did and
  // the walk went on to the last rule. Rules 0..stop were evaluated, as pf's walk without skip
  // steps evaluates them (the rule counters' evaluations).
  uint32_t stop = kNoRule;
  bool quick = false;
  bool log = false;        // the deciding rule logs
  uint8_t log_flags = 0;   // kLog* of the deciding rule
  bool match_log = false;  // a matching `match` rule asked for logging
  bool allow_opts = false;
  bool keep_state = false;  // pass and the rule keeps (modulates, synproxies) state
  StateMode state_mode = StateMode::kNone;
  const StateSpec* state = nullptr;    // the deciding rule's state options (nullptr: none)
  ReturnKind ret = ReturnKind::kNone;  // what to send back for a block
  uint8_t icmp_type = 0;               // ret == kIcmp: ICMP(v6) type and code to send
  uint8_t icmp_code = 0;
  uint8_t rst_ttl = 0;  // ret == kRst: TTL of the RST, 0 = default
  uint16_t tag = 0;     // the packet's tag after evaluation (0 = none)
  // The translations that apply (CompiledRuleset::translations), kNoRule for none: the
  // deciding rule's own, else the last matching `match` rule's (OpenBSD's sticky match
  // actions). Only meaningful for kPass.
  uint32_t nat = kNoRule;
  uint32_t rdr = kNoRule;
};

Verdict evaluate(const CompiledRuleset& rs, const Packet& p) noexcept;

// The same semantics by a plain walk over every rule in order, without the classifier. For
// tests and diagnostics; linear in the rule count.
Verdict evaluate_linear(const CompiledRuleset& rs, const Packet& p) noexcept;

// How many rules the classifier proposes for `p` (the walk visits at most these): a measure of
// the classifier's selectivity for diagnostics and tests.
size_t candidate_count(const CompiledRuleset& rs, const Packet& p) noexcept;

// Whether one rule's criteria hold for the packet carrying tag `tag` (pf's per-rule tests).
bool rule_matches(const CompiledRuleset& rs, const CompiledRule& r, const Packet& p,
                  uint16_t tag) noexcept;

}  // namespace dpf::filter
