// Compiles a parsed pf.conf ruleset (pfconf::Ruleset) for the fast path: resolves interface
// names, `self`, `IF:network` and `(IF)` against the node's interfaces, turns tables into prefix
// sets, flattens rules into CompiledRule and builds the classifier. Control thread only;
// allocates the whole CompiledRuleset, which is immutable afterwards.
//
// Classifier and cost. Rules are first split by (direction, address family, protocol class),
// a rule with a wildcard in one of these being copied into every node it may match; the number
// of nodes is 4 × (distinct protocols named + 1). Inside a node each rule is placed in exactly
// one of five lists: by destination port, destination address, source address or interface
// (whichever of its criteria the fewest other rules of the node share), or a wildcard list.
// The port and address indexes cut their key space into pieces at every rule boundary and keep,
// per piece, the rules covering it; a rule whose range would cover more than
// kMaxPiecesPerRange pieces is placed elsewhere, so an index holds at most that many entries
// per range. A lookup reads a bucket table over the key's high bits and searches the few
// boundaries of one bucket: O(1) expected, O(log n) at worst. A packet thus costs one array
// read (interface), three index lookups and a merge of five position-sorted lists walked in
// rule order (last match wins, the first matching quick rule stops). The walk visits only the
// rules sharing a piece with the packet in some dimension, which for realistic rulesets
// (different ports and addresses) is a handful whatever the rule count; it degrades towards
// linear only when most rules are wildcards in all four dimensions. Measured by filter_bench
// (tests/unit/filter) on a shared 2-core machine: about 28 ns per new flow at 10 rules and
// 51 ns at 10 000 rules (the linear walk: 49 µs).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "control/pfconf/ruleset.h"
#include "dataplane/filter/ruleset.h"

namespace dpf::filter {

inline constexpr uint32_t kMaxPiecesPerRange = 16;

struct InterfaceAddress {
  pfconf::IpAddr addr;  // af inet or inet6
  uint8_t prefix = 0;   // length of the network the address is on
};

// One interface of the node as pf.conf names it.
struct Interface {
  std::string name;   // e.g. "em0"
  uint16_t port = 0;  // the node's port index (< kMaxPorts)
  std::vector<InterfaceAddress> addresses;
  std::vector<std::string> groups;  // interface groups it belongs to ("egress", "em", …)
};

struct InterfaceMap {
  std::vector<Interface> interfaces;
};

// The run-time hosts of table `name` (without <>) that an `overload <name>` fills: the node
// keeps one HostSet per table name across reloads. nullptr (or no resolver): the compiled
// ruleset makes and owns a fresh one.
using HostResolver = std::function<HostSet*(const std::string& name)>;

// nullptr with a message in `error` when the ruleset uses something the fast path cannot
// evaluate (no-route, urpf-failed, probability, once, max-pkt-rate, max-pkt-size, `(IF:peer)`)
// or an interface port index is out of range. Every table some rule names as its overload
// table gets run-time hosts (CompiledRuleset::hosts), which every rule naming the table sees.
std::unique_ptr<const CompiledRuleset> compile(const pfconf::Ruleset& ruleset,
                                               const InterfaceMap& interfaces, std::string& error,
                                               const HostResolver& hosts = {});

namespace detail {
// Builds rs.proto_class and rs.nodes from rs.rules (classify.cpp).
void build_classifier(CompiledRuleset& rs);
}  // namespace detail

}  // namespace dpf::filter
