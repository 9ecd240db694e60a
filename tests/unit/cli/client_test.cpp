#include "control/cli/client.h"

#include <catch2/catch.hpp>

using nlohmann::json;

TEST_CASE("dpfctl: uptime prints as pfctl's D days HH:MM:SS") {
  CHECK(dpf::cli::format_uptime(0) == "0 days 00:00:00");
  CHECK(dpf::cli::format_uptime(3 * 86400 + 4 * 3600 + 5 * 60 + 6.9) == "3 days 04:05:06");
}

TEST_CASE("dpfctl: -s info shows the status line and every drop reason with its rate") {
  const json status = {{"node", "fw-a"}, {"hostid", "0a000001"}, {"uptime", 10.0}};
  const json stats = {{"node", {{"rx_packets", 100}, {"forwarded", 90}}},
                      {"drops", {{"ip-checksum", 20}, {"ip-ihl", 0}}}};
  const std::string out = dpf::cli::render_info(status, stats);
  CHECK(out.rfind("Status: Enabled for 0 days 00:00:10", 0) == 0);
  CHECK(out.find("Node: fw-a (hostid 0x0a000001)") != std::string::npos);
  CHECK(out.find("  ip-checksum                             20           2.0/s\n") !=
        std::string::npos);
  CHECK(out.find("  forwarded                               90           9.0/s\n") !=
        std::string::npos);
}

TEST_CASE("dpfctl: -s interfaces prints one line per interface with its link state") {
  const json status = {
      {"interfaces",
       {{{"name", "sis0"},
         {"address", "10.0.0.254/24"},
         {"mac", "02:00:00:00:00:01"},
         {"link", {{"up", false}}},
         {"counters", {{"rx_packets", 1}, {"rx_bytes", 2}, {"tx_packets", 3}, {"tx_bytes", 4}}}}}}};
  const std::string out = dpf::cli::render_interfaces(status);
  CHECK(out.find("sis0     down  10.0.0.254/24") != std::string::npos);
  CHECK(std::count(out.begin(), out.end(), '\n') == 2);
}

TEST_CASE("dpfctl: neighbours print like arp -an, incomplete ones without a MAC") {
  const json n = {{"neighbors",
                   {{{"address", "10.0.0.2"},
                     {"mac", "02:00:00:00:00:02"},
                     {"interface", "sis0"},
                     {"state", "reachable"},
                     {"held", 0}},
                    {{"address", "10.0.0.3"},
                     {"mac", "00:00:00:00:00:00"},
                     {"interface", "sis0"},
                     {"state", "incomplete"},
                     {"held", 2}}}}};
  const std::string out = dpf::cli::render_neighbors(n);
  CHECK(out.find("? (10.0.0.2) at 02:00:00:00:00:02 on sis0 [reachable]\n") != std::string::npos);
  CHECK(out.find("? (10.0.0.3) at (incomplete) on sis0 [incomplete] 2 held\n") !=
        std::string::npos);
}

TEST_CASE("dpfctl: an unreachable API gives an error naming the URL") {
  dpf::cli::Endpoint ep;
  ep.base = "http://127.0.0.1:1";
  std::string body, error;
  CHECK_FALSE(dpf::cli::http_get(ep, "/api/v1/status", body, error));
  CHECK(error.find("http://127.0.0.1:1/api/v1/status") != std::string::npos);
}
