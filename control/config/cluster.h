// The cluster file model: one YAML file describes every node of a cluster (ARCHITECTURE.md,
// "Control plane"). Parsed and validated on the control thread at start-up and on --check;
// the model owns its strings and vectors (heap), nothing here is touched by lcores.
// Errors carry FILE:LINE:COL (1-based, as editors count).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/log/level.h"

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
  unsigned idle_sleep_max_us = 2000;  // adaptive: longest sleep between empty polls
  Mark workers_at;                    // the workers: key's value; 0 when absent
};

struct Interface {
  std::string name;    // the pf interface name (sis0); rules and routes refer to it
  std::string device;  // a DPDK device: PCI address or vdev string ("net_af_packet0,iface=sis0")
  Ipv4Prefix address;
  uint16_t mtu = 1500;
  // af_packet ports: finish TCP/UDP checksums a Linux sender left for offload instead of dropping
  // those packets (counted as l4-checksum-offloaded).
  bool fix_offloaded_checksums = false;
  Mark at;  // the interface's name key
  Mark device_at, address_at;
};

struct Route {
  Ipv4Prefix to;     // network (host bits zero)
  uint32_t via = 0;  // next hop, host byte order; must be on a connected network
  Mark at;
  Mark to_at, via_at;
};

struct Api {
  std::string listen = "127.0.0.1:9080";  // HOST:PORT
  std::string token_file;                 // bearer token for state-changing calls; "" = none
  std::string token_path;  // token_file resolved against the cluster file's directory
  uint64_t max_body = uint64_t{1} << 20;  // bytes: a larger request body is answered 413
  Mark listen_at, token_file_at;
};

// Where pfsync sends: the multicast group 224.0.0.240, a configured unicast address, or the
// other node of a two-node cluster (shared/specs/pfsync.md §2).
enum class SyncPeerMode { multicast, address, peer };

// cluster.pfsync merged with the node's own pfsync: map (each key of the node wins).
struct Pfsync {
  std::string syncdev;      // interface name of the sync port; required
  unsigned maxupd = 128;    // updates of one state collapsed before it is sent, 1..255
  bool defer = false;       // hold the first packet of a new state until the peer acks it
  unsigned version = 1301;  // state message format: 1301 (242-byte states) or 1400 (277-byte)
  std::string mirror;       // TAP interface that carries a copy of every frame; "" = none
  SyncPeerMode syncpeer_mode = SyncPeerMode::multicast;
  uint32_t syncpeer = 0;  // host order; for `peer` the other node's syncdev address
  Mark at;                // the pfsync: key that made this node sync (node's own, else cluster's)
  Mark syncdev_at, mirror_at, syncpeer_at;
};

// One CARP group of cluster.carp.vhids (shared/specs/carp.md).
struct CarpVhid {
  uint8_t vhid = 0;                   // 1..255
  std::string interface;              // must exist on every node
  std::string pass;                   // HMAC key, at most kCarpMaxPass bytes; "" = empty key
  uint8_t advbase = 1;                // seconds, 1..255
  std::vector<Ipv4Prefix> addresses;  // virtual addresses, inside the interface's subnet
  Mark at;
  Mark interface_at, pass_at;
  std::vector<Mark> address_at;  // parallel to addresses
};

// ifconfig and ucarp keep a 20-byte key buffer with a terminating NUL (shared/specs/carp.md §2.1).
inline constexpr std::size_t kCarpMaxPass = 19;

struct Carp {
  bool preempt = false;
  std::vector<CarpVhid> vhids;
  Mark at;
};

// The node's log (cluster.log merged with the node's own log: map, each key of the node wins).
// SIGHUP applies a change.
struct Log {
  log::Level level = log::Level::kInfo;
  log::Format format = log::Format::kText;
};

// A node's effective skew for one cluster vhid (0 when the node sets none).
struct CarpSkew {
  uint8_t vhid = 0;
  std::string interface;
  uint8_t advskew = 0;  // 0..254
};

struct Node {
  std::string name;
  std::optional<uint32_t> hostid;  // pfsync creator id; random at start-up when absent
  std::vector<std::string> eal;    // EAL arguments used when none are given on the command line
  Lcores lcores;
  std::vector<Interface> interfaces;
  std::vector<Route> routes;
  Api api;
  std::optional<Pfsync> pfsync;  // absent when neither cluster nor node configures pfsync
  std::vector<CarpSkew> carp;    // one per cluster.carp vhid, in the same order
  Log log;
  Mark at;
  Mark hostid_at, eal_at;

  const Interface* interface(std::string_view name) const;
  // The node's advskew for a vhid on an interface; nullopt when the cluster has no such vhid.
  std::optional<uint8_t> advskew(uint8_t vhid, std::string_view interface) const;
};

struct Cluster {
  std::string name;
  std::string file;        // the path it was loaded from
  std::string rules;       // cluster.rules as written; "" = none
  std::string rules_path;  // rules resolved against the directory of file
  std::optional<Carp> carp;
  std::vector<Node> nodes;
  Mark rules_at;

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
// Strict dotted quad: four decimal parts 0..255, no leading zeros, signs, spaces or junk.
std::optional<uint32_t> parse_ipv4(std::string_view text);
// A.B.C.D/LEN with LEN 0..32 (host bits kept); "A.B.C.D/LEN" back.
std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view text);
std::string format_ipv4_prefix(const Ipv4Prefix& prefix);

}  // namespace dpf::config
