// See preflight.h.
#include "control/config/preflight.h"

#include "control/config/devices.h"
#include "control/config/eal_args.h"
#include "control/rest/token.h"

namespace dpf::config {

namespace {

void check_lcores(const Cluster& cluster, const Node& node, const std::vector<std::string>* eal,
                  std::vector<ConfigError>& out) {
  const std::string path = "nodes." + node.name;
  const std::string from = eal != nullptr ? "the EAL arguments on the command line"
                                          : "its EAL arguments (" + path + ".eal)";
  std::string error;
  const auto lcores = eal_lcores(eal != nullptr ? *eal : node.eal, error);
  if (!lcores) {
    out.push_back({cluster.file, eal != nullptr ? Mark{} : node.eal_at,
                   path + ".eal: node " + node.name + ": " + error});
    return;
  }
  const unsigned want = node.lcores.workers + 1;
  if (lcores->count >= want) return;
  const std::string given =
      lcores->given.empty() ? "no -l: the CPUs this process may use" : lcores->given;
  const Mark at = node.lcores.workers_at.line != 0 ? node.lcores.workers_at : node.eal_at;
  out.push_back({cluster.file, at,
                 path + ".lcores.workers: node " + node.name + " wants " +
                     std::to_string(node.lcores.workers) +
                     " worker lcore(s) plus the main lcore, " + from + " give " +
                     std::to_string(lcores->count) + " (" + given + "); give more with -l"});
}

void check_token(const Cluster& cluster, const Node& node, std::vector<ConfigError>& out) {
  if (node.api.token_path.empty()) return;
  std::string token, error;
  // The node's own reading: a file group or others may access is refused.
  if (rest::read_token_file(node.api.token_path, true, token, error)) return;
  out.push_back({cluster.file, node.api.token_file_at,
                 "nodes." + node.name + ".api.token_file: node " + node.name + ": " + error});
}

void check_devices(const Cluster& cluster, const Node& node, bool on_this_host,
                   std::vector<ConfigError>& out) {
  for (const Interface& i : node.interfaces) {
    const std::string why = device_problem(i.device, on_this_host);
    if (why.empty()) continue;
    out.push_back({cluster.file, i.device_at,
                   "nodes." + node.name + ".interfaces." + i.name + ".device: node " + node.name +
                       ": interface " + i.name + " (device \"" + i.device + "\"): " + why});
  }
}

}  // namespace

std::vector<ConfigError> check_node_start(const Cluster& cluster, const Node& node,
                                          const std::vector<std::string>* eal, bool on_this_host) {
  std::vector<ConfigError> out;
  check_lcores(cluster, node, eal, out);
  if (on_this_host) check_token(cluster, node, out);
  check_devices(cluster, node, on_this_host, out);
  return out;
}

}  // namespace dpf::config
