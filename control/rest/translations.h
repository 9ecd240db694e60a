// The translation rules (nat, rdr, binat) of a loaded ruleset as GET /api/v1/rules lists them
// under "translations", for `dpfctl -s nat` (pfctl -s nat). Pure: no DPDK; any thread (the
// ruleset is immutable once loaded); allocates its JSON.
#pragma once

#include <nlohmann/json.hpp>

#include "control/pfconf/ruleset.h"

namespace dpf::rest {

// [{"kind": "nat"|"rdr"|"binat", "nr": N, "text": RULE}, ...] in pfctl's load order: the nat
// rules, then the rdr rules, then the binat rules, each kind in file order. `nr` counts within
// its kind, as pf numbers each translation ruleset (pfctl -vvsn's @N); `text` is the rule as
// pfctl -s nat prints it (pfconf::print_rule). No counters: dpf does not count translation
// rules.
nlohmann::json translations_json(const pfconf::Ruleset& ruleset);

}  // namespace dpf::rest
