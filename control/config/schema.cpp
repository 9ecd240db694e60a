#include "control/config/schema.h"

#include <algorithm>
#include <cctype>

#include "control/config/ha_schema.h"
#include "control/config/log_schema.h"

namespace dpf::config::detail {

namespace {

constexpr uint64_t kWorkersMax = 128;            // RTE_MAX_LCORE of Debian's DPDK build
constexpr uint64_t kIdleSleepMaxUs = 1'000'000;  // a stop request is seen within a second
constexpr uint64_t kMtuMin = 68;                 // RFC 791: every IPv4 host takes 68 bytes
constexpr uint64_t kMtuMax = 65535;              // the port's own limit is checked at start-up
constexpr uint64_t kHostidMax = 0xffffffff;      // pfsync creatorid is 32 bits; 0 is invalid
constexpr uint64_t kMaxBodyMin = 1024;           // api.max_body: a token and a rule fit
constexpr uint64_t kMaxBodyMax = 64u << 20;      // a ruleset beyond 64 MiB is not a pf.conf
constexpr std::size_t kMaxNodes = 64;
constexpr std::size_t kMaxInterfaces = 64;  // DPDK builds have 32 ports (RTE_MAX_ETHPORTS)
constexpr std::size_t kMaxRoutes = 4096;    // bigger tables belong to a routing daemon

std::optional<std::string> read_ifname_key(Diagnostics& diag, const MapReader::Entry& e,
                                           const std::string& map_path) {
  if (!valid_ifname(e.key)) {
    diag.error(e.value.key_at, map_path + ": '" + e.key +
                                   "' is not an interface name (1..15 letters, digits, '_', '.', "
                                   "'-', starting with a letter)");
    return std::nullopt;
  }
  return e.key;
}

void read_lcores(Diagnostics& diag, const Value& v, Lcores& out) {
  MapReader m(diag, v, {"workers", "idle", "idle_sleep_max_us"});
  if (const Value* x = m.find("workers")) {
    out.workers_at = x->at;
    out.workers = unsigned(read_uint(diag, *x, 1, kWorkersMax).value_or(out.workers));
  }
  if (const Value* x = m.find("idle")) {
    auto s = read_string(diag, *x);
    if (s && *s == "poll") {
      out.idle = IdleMode::poll;
    } else if (s && *s == "adaptive") {
      out.idle = IdleMode::adaptive;
    } else if (s) {
      diag.error(x->at, x->path + ": expected poll or adaptive, got '" + *s + "'");
    }
  }
  if (const Value* x = m.find("idle_sleep_max_us")) {
    out.idle_sleep_max_us =
        unsigned(read_uint(diag, *x, 1, kIdleSleepMaxUs).value_or(out.idle_sleep_max_us));
  }
}

std::optional<Interface> read_interface(Diagnostics& diag, const MapReader::Entry& e,
                                        const std::string& map_path) {
  auto name = read_ifname_key(diag, e, map_path);
  MapReader m(diag, e.value, {"device", "address", "mtu", "fix_offloaded_checksums"});
  if (!name || !m.is_map()) return std::nullopt;
  Interface i;
  i.name = *name;
  i.at = e.value.key_at;
  bool ok = true;
  for (const char* key : {"device", "address"}) {
    if (m.find(key) == nullptr) {
      diag.error(e.value.key_at, e.value.path + ": missing key '" + key + "'");
      ok = false;
    }
  }
  if (const Value* x = m.find("device")) {
    auto s = read_string(diag, *x);
    ok = ok && s;
    i.device = s.value_or("");
    i.device_at = x->at;
  }
  if (const Value* x = m.find("address")) {
    auto p = read_prefix(diag, *x);
    const char* why = p ? host_prefix_problem(*p) : nullptr;
    if (why) diag.error(x->at, x->path + ": " + format_ipv4_prefix(*p) + " " + why);
    ok = ok && p && !why;
    i.address = p.value_or(Ipv4Prefix{});
    i.address_at = x->at;
  }
  if (const Value* x = m.find("mtu")) {
    auto n = read_uint(diag, *x, kMtuMin, kMtuMax);
    ok = ok && n;
    i.mtu = uint16_t(n.value_or(i.mtu));
  }
  if (const Value* x = m.find("fix_offloaded_checksums")) {
    auto b = read_bool(diag, *x);
    ok = ok && b;
    i.fix_offloaded_checksums = b.value_or(false);
  }
  if (!ok) return std::nullopt;
  return i;
}

void read_interfaces(Diagnostics& diag, const Value& v, Node& node, NodeRead& read) {
  MapReader m(diag, v, {}, kMaxInterfaces);
  if (!m.is_map()) {
    read.interfaces_complete = false;
    read.interfaces_missing = true;
    return;
  }
  if (m.empty()) {
    diag.error(v.at, v.path + ": a node needs at least one interface");
    return;
  }
  for (const auto& e : m.entries()) {
    if (auto i = read_interface(diag, e, v.path)) {
      node.interfaces.push_back(std::move(*i));
      continue;
    }
    read.interfaces_complete = false;
    if (valid_ifname(e.key)) read.broken_interfaces.push_back(e.key);
  }
}

std::optional<Route> read_route(Diagnostics& diag, const Value& v) {
  MapReader m(diag, v, {"to", "via"});
  if (!m.is_map()) return std::nullopt;
  Route r;
  r.at = v.at;
  const Value* to = m.find("to");
  const Value* via = m.find("via");
  if (!to || !via) {
    diag.error(v.at, v.path + ": missing key '" + (to ? "via" : "to") + "'");
    return std::nullopt;
  }
  auto p = read_prefix(diag, *to);
  auto a = read_ipv4(diag, *via);
  if (p && p->addr != p->network()) {
    diag.error(to->at, to->path + ": " + format_ipv4_prefix(*p) + " has host bits set (network " +
                           format_ipv4_prefix(Ipv4Prefix{p->network(), p->len}) + ")");
    return std::nullopt;
  }
  if (!p || !a) return std::nullopt;
  r.to = *p;
  r.via = *a;
  r.to_at = to->at;
  r.via_at = via->at;
  return r;
}

bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    for (char c : host.substr(1, host.size() - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    }
    return true;
  }
  if (parse_ipv4(host)) return true;
  if (std::isdigit(static_cast<unsigned char>(host.back()))) return false;  // a broken quad
  for (char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  }
  return true;
}

// HOST:PORT with HOST an IPv4 address, a [IPv6] address or a host name, PORT 1..65535.
bool valid_listen(std::string_view s) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  auto n = parse_uint(port);
  return n && *n >= 1 && *n <= 65535 && valid_host(s.substr(0, colon));
}

void read_api(Diagnostics& diag, const Value& v, const std::string& file, Api& api) {
  MapReader m(diag, v, {"listen", "token_file", "max_body"});
  if (const Value* x = m.find("listen")) {
    api.listen_at = x->at;
    if (auto s = read_string(diag, *x)) {
      if (valid_listen(*s)) {
        api.listen = *s;
      } else {
        diag.error(x->at, x->path + ": '" + *s + "' is not HOST:PORT (PORT 1..65535)");
      }
    }
  }
  if (const Value* x = m.find("token_file")) {
    api.token_file_at = x->at;
    api.token_file = read_string(diag, *x).value_or("");
    if (!api.token_file.empty()) api.token_path = resolve_path(file, api.token_file);
  }
  if (const Value* x = m.find("max_body"))
    api.max_body = read_uint(diag, *x, kMaxBodyMin, kMaxBodyMax).value_or(api.max_body);
}

struct Shared {
  const std::string& file;
  const PfsyncDraft& pfsync;
  const std::optional<Carp>& carp;
  const LogDraft& log;
};

void read_node_keys(Diagnostics& diag, const MapReader& m, const Shared& shared, Node& node) {
  if (const Value* x = m.find("hostid")) {
    node.hostid_at = x->at;
    node.hostid = read_uint(diag, *x, 1, kHostidMax);
  }
  if (const Value* x = m.find("eal")) {
    node.eal_at = x->at;
    node.eal = read_string_list(diag, *x).value_or(node.eal);
  }
  if (const Value* x = m.find("lcores")) read_lcores(diag, *x, node.lcores);
  if (const Value* x = m.find("routes")) {
    for (const Value& item : read_sequence(diag, *x, kMaxRoutes).value_or(std::vector<Value>{})) {
      if (auto r = read_route(diag, item)) node.routes.push_back(*r);
    }
  }
  if (const Value* x = m.find("api")) read_api(diag, *x, shared.file, node.api);
}

Node read_node(Diagnostics& diag, const MapReader::Entry& e, const Shared& shared, NodeRead& read) {
  Node node;
  node.name = e.key;
  node.at = e.value.key_at;
  if (node.name.empty()) diag.error(node.at, "nodes: a node name must not be empty");
  MapReader m(diag, e.value,
              {"hostid", "eal", "lcores", "interfaces", "routes", "api", "pfsync", "carp", "log"});
  if (!m.is_map() || m.empty()) {
    if (m.is_map()) diag.error(node.at, e.value.path + ": the node is empty");
    read.interfaces_complete = false;
    read.interfaces_missing = true;
    return node;
  }
  if (const Value* x = m.find("interfaces")) {
    read_interfaces(diag, *x, node, read);
  } else {
    diag.error(node.at, e.value.path + ": missing key 'interfaces'");
    read.interfaces_complete = false;
    read.interfaces_missing = true;
  }
  read_node_keys(diag, m, shared, node);
  PfsyncDraft own;
  if (const Value* x = m.find("pfsync")) own = read_pfsync(diag, *x);
  node.pfsync = merge_pfsync(diag, shared.pfsync, own, e.value.path);
  read.pfsync_broken = !node.pfsync && (shared.pfsync.present || own.present);
  SkewDraft skew;
  if (const Value* x = m.find("carp")) skew = read_node_carp(diag, *x);
  node.carp = resolve_skew(diag, shared.carp, skew, e.value.path);
  LogDraft log;
  if (const Value* x = m.find("log")) log = read_log(diag, *x);
  node.log = merge_log(shared.log, log);
  return node;
}

void read_cluster_section(Diagnostics& diag, const Value& v, Cluster& c, PfsyncDraft& pfsync,
                          LogDraft& log) {
  MapReader m(diag, v, {"name", "rules", "pfsync", "carp", "log"});
  if (const Value* x = m.find("name")) c.name = read_string(diag, *x).value_or("");
  if (const Value* x = m.find("rules")) {
    c.rules_at = x->at;
    c.rules = read_string(diag, *x).value_or("");
    if (!c.rules.empty()) c.rules_path = resolve_path(c.file, c.rules);
  }
  if (const Value* x = m.find("pfsync")) pfsync = read_pfsync(diag, *x);
  if (const Value* x = m.find("carp")) c.carp = read_carp(diag, *x);
  if (const Value* x = m.find("log")) log = read_log(diag, *x);
}

}  // namespace

bool NodeRead::is_broken(std::string_view name) const {
  return interfaces_missing || std::find(broken_interfaces.begin(), broken_interfaces.end(),
                                         name) != broken_interfaces.end();
}

bool valid_ifname(std::string_view name) {
  constexpr std::size_t kIfNameMax = 15;
  if (name.empty() || name.size() > kIfNameMax) return false;
  if (!std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

const char* unicast_problem(uint32_t addr) {
  const uint32_t top = addr >> 24;
  if (top == 0) return "is in 0.0.0.0/8";
  if (top == 127) return "is a loopback address";
  if (top >= 224 && top < 240) return "is a multicast address";
  if (addr == 0xffffffff) return "is the broadcast address";
  if (top >= 240) return "is a reserved address";
  return nullptr;
}

const char* host_prefix_problem(const Ipv4Prefix& p) {
  if (p.len == 0) return "has no room for a host (/0)";
  if (const char* why = unicast_problem(p.addr)) return why;
  if (p.len <= 30 && p.addr == p.network()) return "is the network address of its prefix";
  if (p.len <= 30 && p.addr == (p.network() | ~p.mask())) {
    return "is the broadcast address of its prefix";
  }
  return nullptr;
}

std::string resolve_path(const std::string& cluster_file, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  auto slash = cluster_file.rfind('/');
  if (slash == std::string::npos) return path;
  return cluster_file.substr(0, slash + 1) + path;
}

Cluster read_cluster(Diagnostics& diag, const YAML::Node& root, const std::string& file,
                     std::vector<NodeRead>& reads) {
  Cluster c;
  c.file = file;
  Mark root_at = root.IsNull() ? Mark{1, 1} : to_mark(root.Mark());
  if (root_at.line == 0) root_at = Mark{1, 1};
  MapReader top(diag, Value{root, root_at, "", root_at}, {"cluster", "nodes"});
  if (!top.is_map()) return c;
  PfsyncDraft pfsync;
  LogDraft log;
  if (const Value* x = top.find("cluster")) read_cluster_section(diag, *x, c, pfsync, log);
  const Value* nodes = top.find("nodes");
  if (nodes == nullptr) {
    diag.error(root_at, "missing key 'nodes' (the cluster needs at least one node)");
    return c;
  }
  MapReader m(diag, *nodes, {}, kMaxNodes);
  if (m.is_map() && m.empty()) diag.error(nodes->at, "nodes: the cluster needs at least one node");
  const Shared shared{file, pfsync, c.carp, log};
  for (const auto& e : m.entries()) {
    NodeRead read;
    c.nodes.push_back(read_node(diag, e, shared, read));
    reads.push_back(std::move(read));
  }
  return c;
}

}  // namespace dpf::config::detail
