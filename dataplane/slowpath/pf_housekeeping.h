// pf's purge-thread work besides state expiry, on the control thread (a registered reader of the
// state table): frees idle source nodes (once per second) and what retired rulesets left
// (pf_reclaim), and kills the states of overloaded sources that workers queued (Pf::flushes).
#pragma once

#include <cstdint>

#include "dataplane/node/node.h"

namespace dpf {

// pf_load registers it with the state table, whose sweeper runs it at every sweep(); calling it
// more often is harmless.
void pf_housekeeping(Node& node, uint32_t now) noexcept;

}  // namespace dpf
