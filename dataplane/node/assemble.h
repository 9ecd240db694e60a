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
// The start-up lines of the log: node, ports, ruleset, REST address.
void node_print_banner(const Node& node, const std::string& listen);
// Closes the pfsync channel and stops and closes the ports, after every lcore stopped: what a
// stopping process does before rte_eal_cleanup, which returns the node's DPDK memory at once.
void node_stop(Node& node);
// node_stop, then frees pf and the node's DPDK objects one by one (the punt rings, the tables, the
// mbuf pool): for a process that goes on using EAL, as the tests do. DPDK zeroes what it frees,
// page by page, which takes a second or more for a large state table or pool.
void node_teardown(Node& node);

}  // namespace dpf
