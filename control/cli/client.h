// dpfctl's side of the REST API: finds the node (--api URL, DPF_API, or --config + --node),
// fetches JSON and renders it the way pfctl prints its views. Pure: no DPDK; runs in the
// dpfctl process only. Rendering functions take parsed JSON so they are testable offline.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace dpf::cli {

// "Status: Enabled for 0 days 00:01:02 ..." then interfaces and counters, as `pfctl -s info`.
std::string render_info(const nlohmann::json& status, const nlohmann::json& stats);
// One line per interface: name, link, address, MAC, RX/TX packets and bytes.
std::string render_interfaces(const nlohmann::json& status);
// The ARP neighbour table, as `arp -an` prints it.
std::string render_neighbors(const nlohmann::json& neighbors);
// pfctl's uptime form: "D days HH:MM:SS".
std::string format_uptime(double seconds);

struct Endpoint {
  std::string base = "http://127.0.0.1:9080";  // scheme://host:port
  std::string token;
};

// GET path; on success returns true and the body; otherwise false and an error naming the URL.
bool http_get(const Endpoint& ep, const std::string& path, std::string& body, std::string& error);

}  // namespace dpf::cli
