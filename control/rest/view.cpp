#include "control/rest/view.h"

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

}  // namespace

nlohmann::json status_json(const NodeStats& s) {
  nlohmann::json ifs = nlohmann::json::array();
  for (const auto& i : s.interfaces) ifs.push_back(interface_json(i));
  char hostid[16];
  std::snprintf(hostid, sizeof hostid, "%08x", s.hostid);
  return {{"node", s.node},       {"cluster", s.cluster}, {"hostid", hostid},
          {"uptime", s.uptime_s}, {"workers", s.workers}, {"idle", s.idle},
          {"interfaces", ifs}};
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
  return {{"ports", ports},
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
  if (s.pfsync) {
    o << "# HELP dpf_pfsync_bulk_done 1 once this node's pfsync bulk update has completed.\n"
      << "# TYPE dpf_pfsync_bulk_done gauge\ndpf_pfsync_bulk_done{" << node << "} "
      << (s.pfsync_bulk_done ? 1 : 0) << '\n';
    o << "# HELP dpf_pfsync_total pfsync's statistics, as netstat -s -p pfsync counts them.\n"
      << "# TYPE dpf_pfsync_total counter\n";
    for (const auto& [name, n] : s.pfsync_stats)
      o << "dpf_pfsync_total{" << node << ",counter=\"" << label(name) << "\"} " << n << '\n';
  }
  return o.str();
}

}  // namespace dpf::rest
