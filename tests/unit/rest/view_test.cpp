#include "control/rest/view.h"

#include <catch2/catch.hpp>

using dpf::rest::NodeStats;

namespace {

NodeStats sample() {
  NodeStats s;
  s.node = "fw-a";
  s.cluster = "edge";
  s.hostid = 0x0a000001;
  s.uptime_s = 12.5;
  s.workers = 1;
  s.idle = "adaptive";
  dpf::rest::InterfaceStats i;
  i.name = "sis0";
  i.device = "net_af_packet0,iface=sis0";
  i.address = "10.0.0.254/24";
  i.mac = "02:00:00:00:00:01";
  i.link_up = true;
  i.rx_packets = 7;
  i.tx_bytes = 900;
  s.interfaces.push_back(i);
  s.drops = {{"ip-checksum", 5}, {"ip-ihl", 0}};
  s.forwarded = 42;
  return s;
}

}  // namespace

TEST_CASE("rest: status carries the node, its hostid as 8 hex digits and each interface's link") {
  const auto j = dpf::rest::status_json(sample());
  CHECK(j["node"] == "fw-a");
  CHECK(j["hostid"] == "0a000001");
  REQUIRE(j["interfaces"].size() == 1);
  CHECK(j["interfaces"][0]["name"] == "sis0");
  CHECK(j["interfaces"][0]["link"]["up"] == true);
  CHECK(j["interfaces"][0]["counters"]["rx_packets"] == 7);
}

TEST_CASE("rest: stats lists every drop reason with its count and their total") {
  const auto j = dpf::rest::stats_json(sample());
  CHECK(j["drops"]["ip-checksum"] == 5);
  CHECK(j["drops"]["ip-ihl"] == 0);
  CHECK(j["drops_total"] == 5);
  CHECK(j["ports"]["sis0"]["tx_bytes"] == 900);
  CHECK(j["node"]["forwarded"] == 42);
}

TEST_CASE("rest: metrics are Prometheus text with the dpf_ prefix and labelled drop reasons") {
  const std::string m = dpf::rest::metrics_text(sample());
  CHECK(m.find("# TYPE dpf_drops_total counter\n") != std::string::npos);
  CHECK(m.find("dpf_drops_total{node=\"fw-a\",reason=\"ip-checksum\"} 5\n") != std::string::npos);
  CHECK(m.find("dpf_port_rx_packets_total{node=\"fw-a\",interface=\"sis0\"} 7\n") !=
        std::string::npos);
  CHECK(m.find("dpf_port_link_up{node=\"fw-a\",interface=\"sis0\"} 1\n") != std::string::npos);
  // Every sample line belongs to a metric named dpf_*.
  size_t pos = 0;
  while (pos < m.size()) {
    const size_t end = m.find('\n', pos);
    const std::string line = m.substr(pos, end - pos);
    if (!line.empty() && line[0] != '#') CHECK(line.rfind("dpf_", 0) == 0);
    pos = end + 1;
  }
}

TEST_CASE("rest: metric label values escape quotes and backslashes") {
  NodeStats s = sample();
  s.node = "a\"b\\c";
  const std::string m = dpf::rest::metrics_text(s);
  CHECK(m.find("node=\"a\\\"b\\\\c\"") != std::string::npos);
}

TEST_CASE("rest: metrics carry the state count, and pfsync's counters when it runs") {
  NodeStats s = sample();
  s.states = 42;
  s.state_limit = 100000;
  std::string m = dpf::rest::metrics_text(s);
  CHECK(m.find("dpf_pf_states{node=\"fw-a\"} 42\n") != std::string::npos);
  CHECK(m.find("dpf_pf_state_limit{node=\"fw-a\"} 100000\n") != std::string::npos);
  CHECK(m.find("dpf_pfsync") == std::string::npos);
  s.pfsync = true;
  s.pfsync_bulk_done = true;
  s.pfsync_stats = {{"ipackets", 9}, {"badttl", 1}};
  m = dpf::rest::metrics_text(s);
  CHECK(m.find("dpf_pfsync_bulk_done{node=\"fw-a\"} 1\n") != std::string::npos);
  CHECK(m.find("dpf_pfsync_total{node=\"fw-a\",counter=\"badttl\"} 1\n") != std::string::npos);
}
