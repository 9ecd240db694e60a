// What a dpf node will load, checked on the parsed ruleset: pf features dpf does not implement,
// and interface names the node does not have. `dpf --check`, `dpfctl -nvf` and the node's own
// load (start, SIGHUP, POST /api/v1/rules) call these, so a rule is refused with the same
// FILE:LINE:COL text wherever it is checked. Pure; any thread; allocates the error list.
#pragma once

#include <string>
#include <vector>

#include "control/pfconf/parser.h"
#include "control/pfconf/ruleset.h"

namespace dpf::pfconf {

// The group every interface belongs to (FreeBSD's and OpenBSD's IFG_ALL): `pass on all`.
inline constexpr const char* kGroupAll = "all";

// The names a node's rules may use after `on`, `received-on` and in `(IF)` addresses.
struct NodeInterfaces {
  std::string node;                 // the node's name, for messages
  std::vector<std::string> names;   // its interfaces, in the cluster file's order
  std::vector<std::string> groups;  // interface groups: names for several interfaces
  bool has(const std::string& name) const;
};

// "interface em0 does not exist on node fw-a (it has sis0, sis1 and the group all)"
std::string no_such_interface(const NodeInterfaces& ifs, const std::string& name);

// One error per rule (and per feature) that uses what dpf refuses to load rather than silently
// weaken: modulate state, synproxy state, probability, once, max-pkt-rate, max-pkt-size,
// (IF:peer), no-route, urpf-failed, and every translation (nat, rdr and binat rules, nat-to,
// rdr-to, binat-to and af-to options). A rule that a list expanded into several is reported once.
std::vector<ParseError> check_unsupported(const Ruleset& rs);

// One error per rule naming an interface the node does not have: `on IF`, `received-on IF`,
// `(IF)` and `IF:network` addresses, and `(IF)` in translation pools.
std::vector<ParseError> check_interfaces(const Ruleset& rs, const NodeInterfaces& ifs);

}  // namespace dpf::pfconf
