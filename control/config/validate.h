// Cross checks of the cluster model that compare values with each other: within one node
// (overlapping networks, duplicate devices, routes, references to interfaces) and between the
// nodes (hostids, the sync subnet, syncpeer, CARP groups that must fit every node).
// Control thread only; allocates only error messages.
#pragma once

#include <vector>

#include "control/config/cluster.h"
#include "control/config/schema.h"
#include "control/config/yaml_reader.h"

namespace dpf::config::detail {

void validate_node(Diagnostics& diag, const Cluster& cluster, const Node& node,
                   const NodeRead& read);

// Also resolves `syncpeer: peer` to the other node's syncdev address. reads[i] describes
// nodes[i] (see NodeRead).
void validate_cluster(Diagnostics& diag, Cluster& cluster, const std::vector<NodeRead>& reads);

}  // namespace dpf::config::detail
