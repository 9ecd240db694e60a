// The cluster file's schema: turns a parsed YAML document into the model of cluster.h, checking
// every key and value on its own (types, ranges, address syntax). Checks that compare values
// with each other live in validate.h. Control thread only; allocates the model.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "control/config/cluster.h"
#include "control/config/yaml_reader.h"

namespace dpf::config::detail {

// What reading a node left out: interfaces with an invalid part are not in the model, and cross
// checks must not report references to them as unknown or next hops as unconnected (that would
// only repeat the first error in other words).
struct NodeRead {
  bool interfaces_complete = true;
  bool interfaces_missing = false;             // no usable interfaces: map absent or not a map
  std::vector<std::string> broken_interfaces;  // valid names whose settings were invalid
  bool pfsync_broken = false;  // pfsync was configured but its settings were invalid

  // Whether a reference to the interface cannot be judged (it was written but is not usable).
  bool is_broken(std::string_view name) const;
};

// Reads the document; problems go to diag, and the returned model holds whatever was valid.
// reads[i] describes nodes[i].
Cluster read_cluster(Diagnostics& diag, const YAML::Node& root, const std::string& file,
                     std::vector<NodeRead>& reads);

// pf interface names: 1..15 bytes (IFNAMSIZ 16 with its NUL, as pfsync carries them),
// a letter first, then letters, digits, '_', '.' or '-'.
bool valid_ifname(std::string_view name);

// Why an address cannot be a node's own or a virtual address (0/8, loopback, multicast,
// reserved, limited broadcast); nullptr when it can.
const char* unicast_problem(uint32_t addr);
// As unicast_problem, and for prefixes up to /30 also the network and broadcast addresses;
// /0 has no room for a host.
const char* host_prefix_problem(const Ipv4Prefix& p);

// Resolves a path written in the cluster file against the file's directory.
std::string resolve_path(const std::string& cluster_file, const std::string& path);

}  // namespace dpf::config::detail
