// See node_rules.h.
#include "control/config/node_rules.h"

#include <algorithm>
#include <tuple>

namespace dpf::config {

namespace {

pfconf::ResolvedAddress resolved(const Interface& i) {
  pfconf::ResolvedAddress r;
  r.addr.af = pfconf::Af::kInet;
  for (int k = 0; k < 4; ++k)
    r.addr.bytes[k] = static_cast<uint8_t>(i.address.addr >> (24 - 8 * k));
  r.prefix = i.address.len;
  return r;
}

}  // namespace

pfconf::NodeInterfaces node_interfaces(const Node& node) {
  pfconf::NodeInterfaces ifs;
  ifs.node = node.name;
  for (const Interface& i : node.interfaces) ifs.names.push_back(i.name);
  ifs.groups.push_back(pfconf::kGroupAll);
  return ifs;
}

pfconf::ParseOptions node_parse_options(const Node& node) {
  pfconf::ParseOptions opts;
  opts.interfaces =
      [&node](const std::string& name) -> std::optional<std::vector<pfconf::ResolvedAddress>> {
    const Interface* c = node.interface(name);
    if (c == nullptr) return std::nullopt;
    return std::vector<pfconf::ResolvedAddress>{resolved(*c)};
  };
  opts.no_such_interface = [&node](const std::string& name) {
    return pfconf::no_such_interface(node_interfaces(node), name);
  };
  return opts;
}

pfconf::Result parse_for_node(const Cluster& cluster, const Node& node, const std::string& path,
                              std::string_view text) {
  pfconf::Result r = pfconf::parse_ruleset(text, path, node_parse_options(node));
  if (!r.ruleset) return r;
  for (auto& e : pfconf::check_interfaces(*r.ruleset, node_interfaces(node)))
    r.errors.push_back(std::move(e));
  for (auto& e : pfconf::check_unsupported(*r.ruleset)) r.errors.push_back(std::move(e));
  if (r.ruleset->options.hostid != 0 && cluster.nodes.size() > 1) {
    r.errors.push_back({path, 0, 0,
                        "`set hostid` in a ruleset shared by several nodes: set each node's "
                        "hostid in the cluster file"});
  }
  // In the file's order, as the parser reports.
  std::stable_sort(r.errors.begin(), r.errors.end(),
                   [](const pfconf::ParseError& a, const pfconf::ParseError& b) {
                     return std::tie(a.file, a.line, a.col) < std::tie(b.file, b.line, b.col);
                   });
  if (!r.errors.empty()) r.ruleset.reset();
  return r;
}

pfconf::Result parse_file_for_node(const Cluster& cluster, const Node& node,
                                   const std::string& path) {
  std::string why;
  const auto text = pfconf::read_ruleset_text(path, &why);
  if (!text) {
    pfconf::Result r;
    r.errors.push_back({path, 0, 0, "cannot read the ruleset: " + why});
    return r;
  }
  return parse_for_node(cluster, node, path, *text);
}

}  // namespace dpf::config
