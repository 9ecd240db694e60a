// Assembling a node from its entry in the cluster file, on the EAL main lcore after EAL init and
// before any lcore is launched (allocates from the heap and DPDK memory): the mbuf pool, the
// neighbour table and punt rings, the ruleset (parsed once, before the state table it sizes),
// the ports, the routes, pfsync, then the ruleset compiled and published.
#pragma once

#include <string>
#include <vector>

#include "control/config/cluster.h"
#include "dataplane/node/node.h"

namespace dpf {

// The node's settings from its cluster file entry (no DPDK object yet): hostid (random when
// the file gives none), workers, idle mode, counters.
void node_init(Node& node, const config::Cluster& cluster, const config::Node& cfg);
// Builds everything the lcores use. False with every error (each a full sentence, naming the
// file, line and column or the interface): a ruleset that cannot be read, parsed or compiled
// stops the node.
bool node_assemble(Node& node, std::vector<std::string>& errors);
// The start-up banner on stdout: node, ports, ruleset, REST address.
void node_print_banner(const Node& node, const std::string& listen);
// Stops and closes the ports and frees the node's DPDK objects (pf, pfsync, punt rings, tables,
// the mbuf pool), after every lcore stopped and before EAL is cleaned up.
void node_teardown(Node& node);

}  // namespace dpf
