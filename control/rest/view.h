// What the REST API shows of a node: a plain snapshot the control thread fills every few hundred
// milliseconds and the REST thread renders (JSON, Prometheus text). Pure: no DPDK. Copying a
// snapshot allocates; render functions allocate their output.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace dpf::rest {

struct InterfaceStats {
  std::string name;
  std::string device;
  std::string mac;
  std::string address;  // A.B.C.D/LEN
  uint16_t port_id = 0;
  uint16_t mtu = 0;
  bool link_up = false;
  uint32_t link_speed = 0;  // Mb/s
  uint64_t link_changes = 0;
  uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
  uint64_t rx_missed = 0;  // dropped by the device: RX ring full
  uint64_t rx_errors = 0, tx_errors = 0, rx_nombuf = 0;
};

struct NeighborView {
  std::string address;
  std::string interface;
  std::string mac;
  std::string state;
  size_t held = 0;
};

// One CARP virtual host as /metrics and /api/v1/stats show it (shared/specs/carp.md §3).
struct CarpVhidStats {
  unsigned vhid = 0;
  std::string interface;
  std::string state;  // "INIT" | "BACKUP" | "MASTER"
  unsigned advbase = 1;
  unsigned advskew = 0;  // as configured, before demotion
  int demotion = 0;      // added to advskew in adverts (the total is capped at 240)
  uint64_t adverts_sent = 0;
  uint64_t adverts_received = 0;  // accepted: version, vhid, TTL, checksum and HMAC good
  uint64_t garps = 0;             // gratuitous ARP requests sent on becoming master
  uint64_t to_master = 0, to_backup = 0, to_init = 0;      // transitions into each state
  std::vector<std::pair<std::string, uint64_t>> rejected;  // reason name -> adverts ignored
};

// One pf rule's counters (pfctl -vsr's), for /metrics.
struct RuleStats {
  uint32_t nr = 0;
  std::string label;  // the rule's labels, space-separated as pfctl -s labels prints them
  uint64_t evaluations = 0;
  uint64_t packets[2] = {};  // in, out
  uint64_t bytes[2] = {};
  uint64_t states = 0;  // current
  uint64_t state_creations = 0;
};

// The state table's operations, pfctl -s info's "State Table" (pf_status.fcounters), and why
// states could not be inserted.
struct StateTableOps {
  uint64_t searches = 0;
  uint64_t inserts = 0;
  uint64_t removals = 0;
  std::vector<std::pair<std::string, uint64_t>> insert_failures;  // reason -> count
};

// Ruleset reloads (SIGHUP and REST loads; not the load at start).
struct ReloadStats {
  uint64_t ok = 0;
  uint64_t failed = 0;
  double last_time = 0;  // Unix time of the last one; 0 = none yet
  bool last_ok = true;
};

struct NodeStats {
  std::string node;
  std::string cluster;
  std::string version;  // dpf's (CMake's PROJECT_VERSION)
  std::string dpdk;     // the DPDK it runs on ("22.11.1")
  uint32_t hostid = 0;
  double uptime_s = 0;
  unsigned workers = 0;
  std::string idle;  // poll | adaptive
  std::vector<InterfaceStats> interfaces;
  // Node-wide counters summed over lcores.
  uint64_t rx_packets = 0;  // frames taken from RX queues
  uint64_t forwarded = 0;   // IPv4 packets routed out
  uint64_t punted = 0;      // frames handed to the control thread
  uint64_t tx_packets = 0;  // frames accepted by TX queues
  uint64_t ipv6 = 0;        // IPv6 frames seen
  uint64_t icmp_errors_sent = 0;
  uint64_t icmp_errors_limited = 0;  // suppressed by the rate limit
  uint64_t arp_replies_sent = 0;
  uint64_t arp_requests_sent = 0;
  uint64_t echo_replies_sent = 0;
  std::vector<std::pair<std::string, uint64_t>> drops;  // every reason, in enum order
  std::vector<NeighborView> neighbors;
  // pf and pfsync, for /metrics.
  uint64_t states = 0;       // states in the table
  uint64_t state_limit = 0;  // `set limit states`
  StateTableOps state_ops;
  std::vector<RuleStats> rules;  // the loaded ruleset's, in rule order
  ReloadStats reloads;
  bool pfsync = false;  // the node runs pfsync
  bool pfsync_bulk_done = false;
  std::vector<std::pair<std::string, uint64_t>> pfsync_stats;  // netstat -s -p pfsync names
  std::vector<std::pair<std::string, uint64_t>> pfsync_peers;  // address heard from -> frames
  std::vector<CarpVhidStats> carp;                             // empty: CARP is not configured
};

nlohmann::json status_json(const NodeStats& s);
nlohmann::json stats_json(const NodeStats& s);
nlohmann::json neighbors_json(const NodeStats& s);
// Prometheus text exposition format 0.0.4, metric names prefixed dpf_.
std::string metrics_text(const NodeStats& s);

}  // namespace dpf::rest
