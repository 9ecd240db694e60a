// A node's view of a pf.conf ruleset: its interfaces resolve names (addresses from the cluster
// file, not from the host), and the ruleset is checked as the node will load it (node_check.h,
// `set hostid` in a shared ruleset). The one place dpf (start, --check, reloads) and
// `dpfctl --config FILE --node NAME -nvf` get both from. Control thread; allocates.
#pragma once

#include <string>
#include <string_view>

#include "control/config/cluster.h"
#include "control/pfconf/node_check.h"
#include "control/pfconf/parser.h"

namespace dpf::config {

// The node's interface names and groups (every interface is in the group `all`).
pfconf::NodeInterfaces node_interfaces(const Node& node);

// Interfaces resolve to their configured address (`sis0`, `sis0:network`, `antispoof for
// sis0`); a name the node does not have is an error naming the node's interfaces.
pfconf::ParseOptions node_parse_options(const Node& node);

// Parses `text` (called `path` in errors; includes are relative to its directory) as node `node`
// of `cluster` loads it: pf's grammar, then the interface names and the features the node
// refuses, and `set hostid` in a ruleset several nodes share. ok() only when nothing was found.
pfconf::Result parse_for_node(const Cluster& cluster, const Node& node, const std::string& path,
                              std::string_view text);

// As parse_for_node, reading the file at `path` (a regular file of at most 16 MiB).
pfconf::Result parse_file_for_node(const Cluster& cluster, const Node& node,
                                   const std::string& path);

}  // namespace dpf::config
