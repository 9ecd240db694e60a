// What changed for one node between the cluster file it runs with and the file as re-read on
// SIGHUP: one Change per field, in file order. SIGHUP applies cluster.rules (the ruleset file)
// and the node's log settings; everything else (interfaces, routes, lcores, EAL arguments, api,
// pfsync, carp, hostid, the cluster's name) is read at start only and needs a restart. Pure;
// allocates the list.
#pragma once

#include <string>
#include <vector>

#include "control/config/cluster.h"

namespace dpf::config {

struct Change {
  std::string field;     // dotted path: "nodes.fw-a.routes", "cluster.carp.vhids.1.advbase"
  std::string detail;    // "1500 -> 9000", "added 10.1.0.0/16 via 10.0.0.2"; secrets not quoted
  bool applied = false;  // SIGHUP applies it; false: only a restart does
};

// `was` and `now` are the same node (by name) of clusters `was_c` and `now_c`.
std::vector<Change> diff_node(const Cluster& was_c, const Node& was, const Cluster& now_c,
                              const Node& now);

}  // namespace dpf::config
