#include "control/rest/view.h"

#include <catch2/catch.hpp>

using dpf::rest::NodeStats;

namespace {

NodeStats sample() {
  NodeStats s;
  s.node = "fw-a";
  s.cluster = "edge";
  s.version = "0.1.0";
  s.dpdk = "22.11.1";
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

TEST_CASE("rest: status carries the node, its versions, its hostid as 8 hex digits and links") {
  const auto j = dpf::rest::status_json(sample());
  CHECK(j["node"] == "fw-a");
  CHECK(j["hostid"] == "0a000001");
  CHECK(j["version"] == "0.1.0");
  CHECK(j["dpdk"] == "22.11.1");
  CHECK(j["uptime"] == 12.5);
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
  CHECK(j["uptime"] == 12.5);  // the snapshot's time, for rates between two answers
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
  CHECK(m.find("# TYPE dpf_build_info gauge\n"
               "dpf_build_info{node=\"fw-a\",version=\"0.1.0\",dpdk=\"22.11.1\"} 1\n") !=
        std::string::npos);
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
  CHECK(m.find("dpf_pfsync_peer_frames_total") == std::string::npos);
  s.pfsync_peers = {{"10.0.10.2", 17}};
  m = dpf::rest::metrics_text(s);
  CHECK(m.find("dpf_pfsync_peer_frames_total{node=\"fw-a\",peer=\"10.0.10.2\"} 17\n") !=
        std::string::npos);
}

namespace {

dpf::rest::CarpVhidStats carp_vhid(unsigned vhid, const char* ifname, const char* state) {
  dpf::rest::CarpVhidStats v;
  v.vhid = vhid;
  v.interface = ifname;
  v.state = state;
  v.advskew = 100;
  v.demotion = 240;
  v.adverts_sent = 10;
  v.adverts_received = 3;
  v.garps = 1;
  v.to_master = 1;
  v.to_backup = 2;
  v.to_init = 0;
  v.rejected = {{"bad-auth", 4}, {"bad-ttl", 0}};
  return v;
}

}  // namespace

TEST_CASE("rest: metrics show each vhid's state, demotion, skew and counters labelled by vhid") {
  NodeStats s = sample();
  s.carp = {carp_vhid(1, "sis0", "MASTER"), carp_vhid(2, "sis1", "BACKUP")};
  const std::string m = dpf::rest::metrics_text(s);
  const std::string v1 = "{node=\"fw-a\",vhid=\"1\",interface=\"sis0\"";
  const std::string v2 = "{node=\"fw-a\",vhid=\"2\",interface=\"sis1\"";
  for (const char* line :
       {"# TYPE dpf_carp_state gauge\n", "# TYPE dpf_carp_demotion gauge\n",
        "# TYPE dpf_carp_adverts_sent_total counter\n",
        "# TYPE dpf_carp_transitions_total counter\n", "# TYPE dpf_carp_rejected_total counter\n"})
    CHECK(m.find(line) != std::string::npos);
  CHECK(m.find("dpf_carp_state" + v1 + "} 2\n") != std::string::npos);
  CHECK(m.find("dpf_carp_state" + v2 + "} 1\n") != std::string::npos);
  CHECK(m.find("dpf_carp_demotion" + v1 + "} 240\n") != std::string::npos);
  CHECK(m.find("dpf_carp_advskew" + v1 + "} 100\n") != std::string::npos);
  CHECK(m.find("dpf_carp_adverts_sent_total" + v1 + "} 10\n") != std::string::npos);
  CHECK(m.find("dpf_carp_adverts_received_total" + v2 + "} 3\n") != std::string::npos);
  CHECK(m.find("dpf_carp_garps_total" + v1 + "} 1\n") != std::string::npos);
  CHECK(m.find("dpf_carp_transitions_total" + v1 + ",to=\"BACKUP\"} 2\n") != std::string::npos);
  CHECK(m.find("dpf_carp_transitions_total" + v1 + ",to=\"INIT\"} 0\n") != std::string::npos);
  CHECK(m.find("dpf_carp_rejected_total" + v2 + ",reason=\"bad-auth\"} 4\n") != std::string::npos);
  // Each metric's HELP and TYPE appear once, however many vhids there are.
  size_t types = 0;
  for (size_t p = m.find("# TYPE dpf_carp_state "); p != std::string::npos;
       p = m.find("# TYPE dpf_carp_state ", p + 1))
    ++types;
  CHECK(types == 1);
}

TEST_CASE("rest: an INIT vhid reads 0, and a node without CARP shows no carp metrics") {
  NodeStats s = sample();
  CHECK(dpf::rest::metrics_text(s).find("dpf_carp") == std::string::npos);
  s.carp = {carp_vhid(7, "sis2", "INIT")};
  CHECK(dpf::rest::metrics_text(s).find(
            "dpf_carp_state{node=\"fw-a\",vhid=\"7\",interface=\"sis2\"} 0\n") !=
        std::string::npos);
}

TEST_CASE("rest: stats list each vhid with its state, counters, transitions and rejections") {
  NodeStats s = sample();
  CHECK(dpf::rest::stats_json(s)["carp"].empty());
  s.carp = {carp_vhid(1, "sis0", "MASTER")};
  const auto j = dpf::rest::stats_json(s);
  REQUIRE(j["carp"].size() == 1);
  CHECK(j["carp"][0]["vhid"] == 1);
  CHECK(j["carp"][0]["interface"] == "sis0");
  CHECK(j["carp"][0]["state"] == "MASTER");
  CHECK(j["carp"][0]["demotion"] == 240);
  CHECK(j["carp"][0]["adverts_sent"] == 10);
  CHECK(j["carp"][0]["transitions"]["BACKUP"] == 2);
  CHECK(j["carp"][0]["rejected"]["bad-auth"] == 4);
}

TEST_CASE("rest: metrics carry each rule's counters, labelled by rule number and direction") {
  NodeStats s = sample();
  dpf::rest::RuleStats r;
  r.nr = 1;
  r.label = "web \"dmz\"";
  r.evaluations = 12;
  r.packets[0] = 20;
  r.packets[1] = 14;
  r.bytes[0] = 5000;
  r.bytes[1] = 678;
  r.states = 2;
  r.state_creations = 3;
  s.rules = {dpf::rest::RuleStats{}, r};
  const std::string m = dpf::rest::metrics_text(s);
  CHECK(m.find("# TYPE dpf_rule_evaluations_total counter\n") != std::string::npos);
  CHECK(m.find("dpf_rule_evaluations_total{node=\"fw-a\",rule=\"0\",label=\"\"} 0\n") !=
        std::string::npos);
  CHECK(m.find("dpf_rule_evaluations_total{node=\"fw-a\",rule=\"1\",label=\"web \\\"dmz\\\"\"} "
               "12\n") != std::string::npos);
  CHECK(m.find("dpf_rule_packets_total{node=\"fw-a\",rule=\"1\",dir=\"in\"} 20\n") !=
        std::string::npos);
  CHECK(m.find("dpf_rule_packets_total{node=\"fw-a\",rule=\"1\",dir=\"out\"} 14\n") !=
        std::string::npos);
  CHECK(m.find("dpf_rule_bytes_total{node=\"fw-a\",rule=\"1\",dir=\"in\"} 5000\n") !=
        std::string::npos);
  CHECK(m.find("dpf_rule_bytes_total{node=\"fw-a\",rule=\"1\",dir=\"out\"} 678\n") !=
        std::string::npos);
  CHECK(m.find("# TYPE dpf_rule_states gauge\n") != std::string::npos);
  CHECK(m.find("dpf_rule_states{node=\"fw-a\",rule=\"1\"} 2\n") != std::string::npos);
  CHECK(m.find("dpf_rule_state_creations_total{node=\"fw-a\",rule=\"1\"} 3\n") !=
        std::string::npos);
}

TEST_CASE("rest: metrics carry the state table's operations and insert failures by reason") {
  NodeStats s = sample();
  s.state_ops.searches = 900;
  s.state_ops.inserts = 40;
  s.state_ops.removals = 38;
  s.state_ops.insert_failures = {{"state-limit", 2}, {"exists", 1}};
  const std::string m = dpf::rest::metrics_text(s);
  CHECK(m.find("dpf_state_searches_total{node=\"fw-a\"} 900\n") != std::string::npos);
  CHECK(m.find("dpf_state_inserts_total{node=\"fw-a\"} 40\n") != std::string::npos);
  CHECK(m.find("dpf_state_removals_total{node=\"fw-a\"} 38\n") != std::string::npos);
  CHECK(m.find("dpf_state_insert_failures_total{node=\"fw-a\",reason=\"state-limit\"} 2\n") !=
        std::string::npos);
  CHECK(m.find("dpf_state_insert_failures_total{node=\"fw-a\",reason=\"exists\"} 1\n") !=
        std::string::npos);
}

TEST_CASE("rest: metrics tell reloads by result, and the last one's time and success") {
  NodeStats s = sample();
  std::string m = dpf::rest::metrics_text(s);
  CHECK(m.find("dpf_ruleset_reloads_total{node=\"fw-a\",result=\"ok\"} 0\n") != std::string::npos);
  CHECK(m.find("dpf_ruleset_last_reload_timestamp_seconds{node=\"fw-a\"} 0.000\n") !=
        std::string::npos);
  CHECK(m.find("dpf_ruleset_last_reload_success{node=\"fw-a\"} 1\n") != std::string::npos);
  s.reloads.ok = 3;
  s.reloads.failed = 1;
  s.reloads.last_time = 1764931200.25;
  s.reloads.last_ok = false;
  m = dpf::rest::metrics_text(s);
  CHECK(m.find("dpf_ruleset_reloads_total{node=\"fw-a\",result=\"ok\"} 3\n") != std::string::npos);
  CHECK(m.find("dpf_ruleset_reloads_total{node=\"fw-a\",result=\"failed\"} 1\n") !=
        std::string::npos);
  CHECK(m.find("dpf_ruleset_last_reload_timestamp_seconds{node=\"fw-a\"} 1764931200.250\n") !=
        std::string::npos);
  CHECK(m.find("dpf_ruleset_last_reload_success{node=\"fw-a\"} 0\n") != std::string::npos);
}
