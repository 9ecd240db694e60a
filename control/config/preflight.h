// What starting a node refuses that is known before EAL starts: more workers than the EAL
// arguments give lcores, an api token file the node will not read, devices that cannot probe
// (devices.h). `dpf --check` runs it for every node it checks and start-up for its node, so
// "--check says OK" means "this starts". Control thread; reads the token file and the host's
// interfaces; allocates the error list.
#pragma once

#include <string>
#include <vector>

#include "control/config/cluster.h"

namespace dpf::config {

// Every problem of `node` (of `cluster`), each as FILE:LINE:COL with the node's name and the YAML
// key path. `eal` is the EAL argument list start will use: the command line's when it gave one,
// otherwise nullptr for the node's `eal:`. With on_this_host false, what depends on the machine
// the node runs on (its token file, the Linux interfaces and files its devices name) is not
// checked: `dpf --check` of a cluster of several nodes without --node.
std::vector<ConfigError> check_node_start(const Cluster& cluster, const Node& node,
                                          const std::vector<std::string>* eal = nullptr,
                                          bool on_this_host = true);

}  // namespace dpf::config
