// pfctl-style printing of a parsed ruleset: exactly what `pfctl -o none -nvf FILE` prints
// (macros, `set` lines and tables as parsed, then one line per expanded rule with pf's
// defaults made explicit: the nat, rdr and binat rules, then the filter rules). Pure; any thread;
// allocates the returned string.
#pragma once

#include <string>

#include "control/pfconf/ruleset.h"

namespace dpf::pfconf {

struct PrintOptions {
  bool definitions = true;     // print macros, `set` lines and tables before the rules (-v)
  bool numeric_ports = false;  // print ports as numbers, not service names (pfctl -P)
};

std::string print_ruleset(const Ruleset& ruleset, const PrintOptions& options = {});
std::string print_rule(const Rule& rule, const PrintOptions& options = {});
std::string print_table(const Table& table);

}  // namespace dpf::pfconf
