// The cluster file model: one YAML file describes every node of a cluster (ARCHITECTURE.md,
// "Control plane"). Parsed and validated on the control thread at start-up and on --check;
// the model owns its strings and vectors (heap), nothing here is touched by lcores.
// Errors carry FILE:LINE:COL (1-based, as editors count).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dpf::config {

// Where something was written, for error messages.
struct Mark {
  int line = 0;  // 1-based; 0 when unknown
  int col = 0;   // 1-based
};

struct ConfigError {
  std::string file;
  Mark at;
  std::string message;
  // "FILE:LINE:COL: message"
  std::string str() const;
};

// An IPv4 prefix, address in host byte order. For an interface address the host bits are kept
// (10.0.0.254/24); for a route destination they must be zero.
struct Ipv4Prefix {
  uint32_t addr = 0;
  uint8_t len = 0;
  uint32_t mask() const { return len == 0 ? 0 : ~uint32_t{0} << (32 - len); }
  uint32_t network() const { return addr & mask(); }
  bool contains(uint32_t a) const { return (a & mask()) == network(); }
};

enum class IdleMode { poll, adaptive };

struct Lcores {
  unsigned workers = 1;
  IdleMode idle = IdleMode::adaptive;
  unsigned idle_sleep_max_us = 1000;  // adaptive: longest sleep between empty polls
};

struct Interface {
  std::string name;    // the pf interface name (sis0); rules and routes refer to it
  std::string device;  // a DPDK device: PCI address or vdev string ("net_af_packet0,iface=sis0")
  Ipv4Prefix address;
  uint16_t mtu = 1500;
  Mark at;
};

struct Route {
  Ipv4Prefix to;           // network (host bits zero)
  uint32_t via = 0;        // next hop, host byte order; must be on a connected network
  Mark at;
};

struct Api {
  std::string listen = "127.0.0.1:9080";  // HOST:PORT
  std::string token_file;                 // bearer token for state-changing calls; "" = none
};

struct Node {
  std::string name;
  std::optional<uint32_t> hostid;  // pfsync creator id; random at start-up when absent
  std::vector<std::string> eal;    // EAL arguments used when none are given on the command line
  Lcores lcores;
  std::vector<Interface> interfaces;
  std::vector<Route> routes;
  Api api;
  Mark at;

  const Interface* interface(std::string_view name) const;
};

struct Cluster {
  std::string name;
  std::string file;  // the path it was loaded from
  std::vector<Node> nodes;

  const Node* node(std::string_view name) const;
};

struct LoadResult {
  std::optional<Cluster> cluster;   // set only when errors is empty
  std::vector<ConfigError> errors;  // every error found, in file order
};

// Parses and validates a cluster file: unknown keys, wrong types, invalid or overlapping
// addresses, routes whose next hop is not on a connected network, duplicate names, missing
// references. Each node is checked on its own and the nodes against each other.
LoadResult load_cluster_file(const std::string& path);
LoadResult load_cluster_string(std::string_view yaml, const std::string& file_name);

// Picks the node a process runs as: by name, or the only node when name is empty.
// Returns nullptr and sets error when there is no such node or the choice is ambiguous.
const Node* select_node(const Cluster& cluster, std::string_view name, std::string& error);

std::string format_ipv4(uint32_t addr);  // host order → dotted quad
std::optional<uint32_t> parse_ipv4(std::string_view text);

}  // namespace dpf::config
