#include "control/rest/view.h"

#include <iomanip>
#include <sstream>

namespace dpf::rest {

namespace {

nlohmann::json interface_json(const InterfaceStats& i) {
  return {
      {"name", i.name},
      {"device", i.device},
      {"port", i.port_id},
      {"mac", i.mac},
      {"address", i.address},
      {"mtu", i.mtu},
      {"link", {{"up", i.link_up}, {"speed_mbps", i.link_speed}, {"changes", i.link_changes}}},
      {"counters",
       {{"rx_packets", i.rx_packets},
        {"rx_bytes", i.rx_bytes},
        {"tx_packets", i.tx_packets},
        {"tx_bytes", i.tx_bytes},
        {"rx_missed", i.rx_missed},
        {"rx_errors", i.rx_errors},
        {"tx_errors", i.tx_errors},
        {"rx_nombuf", i.rx_nombuf}}},
  };
}

// Prometheus label values escape backslash, double quote and newline.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

nlohmann::json carp_json(const CarpVhidStats& v) {
  nlohmann::json rejected = nlohmann::json::object();
  for (const auto& [reason, n] : v.rejected) rejected[reason] = n;
  return {{"vhid", v.vhid},
          {"interface", v.interface},
          {"state", v.state},
          {"advbase", v.advbase},
          {"advskew", v.advskew},
          {"demotion", v.demotion},
          {"adverts_sent", v.adverts_sent},
          {"adverts_received", v.adverts_received},
          {"garps", v.garps},
          {"transitions", {{"MASTER", v.to_master}, {"BACKUP", v.to_backup}, {"INIT", v.to_init}}},
          {"rejected", rejected}};
}

// carp(4)'s states as a gauge: 0 INIT, 1 BACKUP, 2 MASTER; an unknown name reads as INIT.
int carp_state_value(const std::string& state) {
  return state == "MASTER" ? 2 : state == "BACKUP" ? 1 : 0;
}

void carp_metrics(std::ostringstream& o, const std::string& node,
                  const std::vector<CarpVhidStats>& vhids) {
  if (vhids.empty()) return;
  auto labels = [&](const CarpVhidStats& v) {
    return node + ",vhid=\"" + std::to_string(v.vhid) + "\",interface=\"" + label(v.interface) +
           "\"";
  };
  auto head = [&](const char* name, const char* type, const char* help) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  };
  head("dpf_carp_state", "gauge", "The vhid's CARP state: 0 INIT, 1 BACKUP, 2 MASTER.");
  for (const auto& v : vhids)
    o << "dpf_carp_state{" << labels(v) << "} " << carp_state_value(v.state) << '\n';
  head("dpf_carp_demotion", "gauge", "Demotion added to the vhid's advskew in adverts.");
  for (const auto& v : vhids) o << "dpf_carp_demotion{" << labels(v) << "} " << v.demotion << '\n';
  head("dpf_carp_advskew", "gauge", "The vhid's configured advskew.");
  for (const auto& v : vhids) o << "dpf_carp_advskew{" << labels(v) << "} " << v.advskew << '\n';
  struct Counter {
    const char* name;
    const char* help;
    uint64_t CarpVhidStats::*field;
  };
  static constexpr Counter kCounters[] = {
      {"dpf_carp_adverts_sent_total", "CARP advertisements sent.", &CarpVhidStats::adverts_sent},
      {"dpf_carp_adverts_received_total", "CARP advertisements accepted.",
       &CarpVhidStats::adverts_received},
      {"dpf_carp_garps_total", "Gratuitous ARP requests sent on becoming master.",
       &CarpVhidStats::garps},
  };
  for (const auto& m : kCounters) {
    head(m.name, "counter", m.help);
    for (const auto& v : vhids) o << m.name << '{' << labels(v) << "} " << v.*m.field << '\n';
  }
  head("dpf_carp_transitions_total", "counter", "CARP state changes, by the state entered.");
  for (const auto& v : vhids) {
    for (const auto& [to, n] : {std::pair{"MASTER", v.to_master}, std::pair{"BACKUP", v.to_backup},
                                std::pair{"INIT", v.to_init}})
      o << "dpf_carp_transitions_total{" << labels(v) << ",to=\"" << to << "\"} " << n << '\n';
  }
  head("dpf_carp_rejected_total", "counter", "CARP advertisements ignored, by reason.");
  for (const auto& v : vhids) {
    for (const auto& [reason, n] : v.rejected)
      o << "dpf_carp_rejected_total{" << labels(v) << ",reason=\"" << label(reason) << "\"} " << n
        << '\n';
  }
}

void pf_metrics(std::ostringstream& o, const std::string& node, const NodeStats& s) {
  auto head = [&](const char* name, const char* type, const char* help) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  };
  const StateTableOps& t = s.state_ops;
  head("dpf_state_searches_total", "counter", "State table lookups (pfctl -s info: searches).");
  o << "dpf_state_searches_total{" << node << "} " << t.searches << '\n';
  head("dpf_state_inserts_total", "counter", "States inserted (pfctl -s info: inserts).");
  o << "dpf_state_inserts_total{" << node << "} " << t.inserts << '\n';
  head("dpf_state_removals_total", "counter", "States removed (pfctl -s info: removals).");
  o << "dpf_state_removals_total{" << node << "} " << t.removals << '\n';
  head("dpf_state_insert_failures_total", "counter",
       "States that could not be inserted, by reason.");
  for (const auto& [reason, n] : t.insert_failures)
    o << "dpf_state_insert_failures_total{" << node << ",reason=\"" << label(reason) << "\"} " << n
      << '\n';
  auto rule = [&](const RuleStats& r) { return node + ",rule=\"" + std::to_string(r.nr) + '"'; };
  head("dpf_rule_evaluations_total", "counter",
       "Evaluations that reached the rule in rule order (pfctl -vsr Evaluations).");
  for (const auto& r : s.rules)
    o << "dpf_rule_evaluations_total{" << rule(r) << ",label=\"" << label(r.label) << "\"} "
      << r.evaluations << '\n';
  head("dpf_rule_packets_total", "counter",
       "Packets the rule decided or that passed on its states, by direction.");
  for (const auto& r : s.rules)
    for (int d = 0; d < 2; ++d)
      o << "dpf_rule_packets_total{" << rule(r) << ",dir=\"" << (d ? "out" : "in") << "\"} "
        << r.packets[d] << '\n';
  head("dpf_rule_bytes_total", "counter",
       "Bytes (IP total length) of those packets, by direction.");
  for (const auto& r : s.rules)
    for (int d = 0; d < 2; ++d)
      o << "dpf_rule_bytes_total{" << rule(r) << ",dir=\"" << (d ? "out" : "in") << "\"} "
        << r.bytes[d] << '\n';
  head("dpf_rule_states", "gauge", "States the rule created that are in the table.");
  for (const auto& r : s.rules) o << "dpf_rule_states{" << rule(r) << "} " << r.states << '\n';
  head("dpf_rule_state_creations_total", "counter", "States the rule created.");
  for (const auto& r : s.rules)
    o << "dpf_rule_state_creations_total{" << rule(r) << "} " << r.state_creations << '\n';
  const ReloadStats& rl = s.reloads;
  head("dpf_ruleset_reloads_total", "counter", "Ruleset reloads (SIGHUP, REST), by result.");
  o << "dpf_ruleset_reloads_total{" << node << ",result=\"ok\"} " << rl.ok << '\n'
    << "dpf_ruleset_reloads_total{" << node << ",result=\"failed\"} " << rl.failed << '\n';
  head("dpf_ruleset_last_reload_timestamp_seconds", "gauge",
       "Unix time of the last ruleset reload; 0 before the first.");
  o << "dpf_ruleset_last_reload_timestamp_seconds{" << node << "} " << std::fixed
    << std::setprecision(3) << rl.last_time << std::defaultfloat << '\n';
  head("dpf_ruleset_last_reload_success", "gauge",
       "1 when the last reload succeeded (or none was tried), 0 when it was rejected.");
  o << "dpf_ruleset_last_reload_success{" << node << "} " << (rl.last_ok ? 1 : 0) << '\n';
}

}  // namespace

nlohmann::json status_json(const NodeStats& s) {
  nlohmann::json ifs = nlohmann::json::array();
  for (const auto& i : s.interfaces) ifs.push_back(interface_json(i));
  char hostid[16];
  std::snprintf(hostid, sizeof hostid, "%08x", s.hostid);
  return {{"node", s.node},       {"cluster", s.cluster}, {"hostid", hostid},
          {"version", s.version}, {"dpdk", s.dpdk},       {"uptime", s.uptime_s},
          {"workers", s.workers}, {"idle", s.idle},       {"interfaces", ifs}};
}

nlohmann::json stats_json(const NodeStats& s) {
  nlohmann::json ports = nlohmann::json::object();
  for (const auto& i : s.interfaces) {
    ports[i.name] = {{"rx_packets", i.rx_packets}, {"rx_bytes", i.rx_bytes},
                     {"tx_packets", i.tx_packets}, {"tx_bytes", i.tx_bytes},
                     {"rx_missed", i.rx_missed},   {"rx_errors", i.rx_errors},
                     {"tx_errors", i.tx_errors},   {"rx_nombuf", i.rx_nombuf}};
  }
  nlohmann::json drops = nlohmann::json::object();
  uint64_t total = 0;
  for (const auto& [name, n] : s.drops) {
    drops[name] = n;
    total += n;
  }
  nlohmann::json carp = nlohmann::json::array();
  for (const auto& v : s.carp) carp.push_back(carp_json(v));
  // uptime is the snapshot's time: two answers give rates over the node's own clock.
  return {{"uptime", s.uptime_s},
          {"ports", ports},
          {"carp", carp},
          {"drops", drops},
          {"drops_total", total},
          {"node",
           {{"rx_packets", s.rx_packets},
            {"forwarded", s.forwarded},
            {"punted", s.punted},
            {"tx_packets", s.tx_packets},
            {"ipv6", s.ipv6},
            {"icmp_errors_sent", s.icmp_errors_sent},
            {"icmp_errors_rate_limited", s.icmp_errors_limited},
            {"arp_requests_sent", s.arp_requests_sent},
            {"arp_replies_sent", s.arp_replies_sent},
            {"echo_replies_sent", s.echo_replies_sent}}}};
}

nlohmann::json neighbors_json(const NodeStats& s) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& n : s.neighbors) {
    out.push_back({{"address", n.address},
                   {"interface", n.interface},
                   {"mac", n.mac},
                   {"state", n.state},
                   {"held", n.held}});
  }
  return {{"neighbors", out}};
}

std::string metrics_text(const NodeStats& s) {
  std::ostringstream o;
  const std::string node = "node=\"" + label(s.node) + "\"";
  o << "# HELP dpf_up 1 while the node runs.\n# TYPE dpf_up gauge\ndpf_up{" << node << "} 1\n";
  o << "# HELP dpf_build_info The node's dpf and DPDK versions (always 1).\n"
    << "# TYPE dpf_build_info gauge\ndpf_build_info{" << node << ",version=\"" << label(s.version)
    << "\",dpdk=\"" << label(s.dpdk) << "\"} 1\n";
  o << "# HELP dpf_uptime_seconds Seconds since the node started.\n"
    << "# TYPE dpf_uptime_seconds gauge\ndpf_uptime_seconds{" << node << "} " << s.uptime_s << "\n";
  struct PortMetric {
    const char* name;
    const char* help;
    uint64_t InterfaceStats::*field;
  };
  static constexpr PortMetric kPortMetrics[] = {
      {"dpf_port_rx_packets_total", "Frames received by the device.", &InterfaceStats::rx_packets},
      {"dpf_port_rx_bytes_total", "Bytes received by the device.", &InterfaceStats::rx_bytes},
      {"dpf_port_tx_packets_total", "Frames sent by the device.", &InterfaceStats::tx_packets},
      {"dpf_port_tx_bytes_total", "Bytes sent by the device.", &InterfaceStats::tx_bytes},
      {"dpf_port_rx_missed_total", "Frames the device dropped: RX ring full.",
       &InterfaceStats::rx_missed},
      {"dpf_port_rx_errors_total", "Erroneous frames received.", &InterfaceStats::rx_errors},
      {"dpf_port_tx_errors_total", "Frames the device failed to send.", &InterfaceStats::tx_errors},
  };
  for (const auto& m : kPortMetrics) {
    o << "# HELP " << m.name << ' ' << m.help << "\n# TYPE " << m.name << " counter\n";
    for (const auto& i : s.interfaces)
      o << m.name << '{' << node << ",interface=\"" << label(i.name) << "\"} " << i.*m.field
        << '\n';
  }
  o << "# HELP dpf_port_link_up 1 when the interface's link is up.\n"
    << "# TYPE dpf_port_link_up gauge\n";
  for (const auto& i : s.interfaces)
    o << "dpf_port_link_up{" << node << ",interface=\"" << label(i.name) << "\"} "
      << (i.link_up ? 1 : 0) << '\n';
  o << "# HELP dpf_drops_total Packets dropped by the node, by reason.\n"
    << "# TYPE dpf_drops_total counter\n";
  for (const auto& [reason, n] : s.drops)
    o << "dpf_drops_total{" << node << ",reason=\"" << label(reason) << "\"} " << n << '\n';
  struct NodeMetric {
    const char* name;
    const char* help;
    uint64_t NodeStats::*field;
  };
  static constexpr NodeMetric kNodeMetrics[] = {
      {"dpf_forwarded_packets_total", "IPv4 packets routed out.", &NodeStats::forwarded},
      {"dpf_punted_packets_total", "Frames handed to the control thread.", &NodeStats::punted},
      {"dpf_icmp_errors_sent_total", "ICMP errors sent.", &NodeStats::icmp_errors_sent},
      {"dpf_icmp_errors_rate_limited_total", "ICMP errors suppressed by the rate limit.",
       &NodeStats::icmp_errors_limited},
      {"dpf_arp_requests_sent_total", "ARP requests sent.", &NodeStats::arp_requests_sent},
      {"dpf_arp_replies_sent_total", "ARP replies sent.", &NodeStats::arp_replies_sent},
      {"dpf_echo_replies_sent_total", "ICMP echo replies sent.", &NodeStats::echo_replies_sent},
  };
  for (const auto& m : kNodeMetrics) {
    o << "# HELP " << m.name << ' ' << m.help << "\n# TYPE " << m.name << " counter\n"
      << m.name << '{' << node << "} " << s.*m.field << '\n';
  }
  o << "# HELP dpf_pf_states States in the pf state table.\n# TYPE dpf_pf_states gauge\n"
    << "dpf_pf_states{" << node << "} " << s.states << '\n';
  o << "# HELP dpf_pf_state_limit The state table's limit (set limit states).\n"
    << "# TYPE dpf_pf_state_limit gauge\ndpf_pf_state_limit{" << node << "} " << s.state_limit
    << '\n';
  pf_metrics(o, node, s);
  if (s.pfsync) {
    o << "# HELP dpf_pfsync_bulk_done 1 once this node's pfsync bulk update has completed.\n"
      << "# TYPE dpf_pfsync_bulk_done gauge\ndpf_pfsync_bulk_done{" << node << "} "
      << (s.pfsync_bulk_done ? 1 : 0) << '\n';
    o << "# HELP dpf_pfsync_total pfsync's statistics, as netstat -s -p pfsync counts them.\n"
      << "# TYPE dpf_pfsync_total counter\n";
    for (const auto& [name, n] : s.pfsync_stats)
      o << "dpf_pfsync_total{" << node << ",counter=\"" << label(name) << "\"} " << n << '\n';
    if (!s.pfsync_peers.empty()) {
      o << "# HELP dpf_pfsync_peer_frames_total Valid pfsync frames received, by sender.\n"
        << "# TYPE dpf_pfsync_peer_frames_total counter\n";
      for (const auto& [peer, n] : s.pfsync_peers)
        o << "dpf_pfsync_peer_frames_total{" << node << ",peer=\"" << label(peer) << "\"} " << n
          << '\n';
    }
  }
  carp_metrics(o, node, s.carp);
  return o.str();
}

}  // namespace dpf::rest
