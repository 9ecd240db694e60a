#include "control/cli/client.h"

#include <httplib.h>

#include <cinttypes>
#include <cstdio>

namespace dpf::cli {
namespace {

std::string line(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

}  // namespace

std::string format_uptime(double seconds) {
  const auto s = static_cast<uint64_t>(seconds < 0 ? 0 : seconds);
  return line("%" PRIu64 " days %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 86400, s / 3600 % 24,
              s / 60 % 60, s % 60);
}

std::string render_info(const nlohmann::json& status, const nlohmann::json& stats) {
  const double up = status.value("uptime", 0.0);
  std::string out =
      line("Status: Enabled for %-24s Node: %s (hostid 0x%s)\n\n", format_uptime(up).c_str(),
           status.value("node", "?").c_str(), status.value("hostid", "?").c_str());
  const double rate_base = up > 0 ? up : 1;
  out += line("%-37s%-16s%s\n", "Packets", "Total", "Rate");
  for (const char* key : {"rx_packets", "forwarded", "punted", "tx_packets"}) {
    const uint64_t n = stats["node"].value(key, uint64_t{0});
    out += line("  %-28s%14" PRIu64 "%14.1f/s\n", key, n, n / rate_base);
  }
  out += line("%-37s%-16s%s\n", "Counters", "Total", "Rate");
  for (const auto& [reason, n] : stats["drops"].items()) {
    const uint64_t v = n.get<uint64_t>();
    out += line("  %-28s%14" PRIu64 "%14.1f/s\n", reason.c_str(), v, v / rate_base);
  }
  return out;
}

std::string render_interfaces(const nlohmann::json& status) {
  std::string out = line("%-8s %-5s %-19s %-17s %12s %14s %12s %14s\n", "IF", "LINK", "ADDRESS",
                         "MAC", "RX-PKTS", "RX-BYTES", "TX-PKTS", "TX-BYTES");
  for (const auto& i : status["interfaces"]) {
    const auto& c = i["counters"];
    out += line("%-8s %-5s %-19s %-17s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64 "\n",
                i.value("name", "").c_str(), i["link"].value("up", false) ? "up" : "down",
                i.value("address", "").c_str(), i.value("mac", "").c_str(),
                c.value("rx_packets", uint64_t{0}), c.value("rx_bytes", uint64_t{0}),
                c.value("tx_packets", uint64_t{0}), c.value("tx_bytes", uint64_t{0}));
  }
  return out;
}

std::string render_neighbors(const nlohmann::json& neighbors) {
  std::string out;
  for (const auto& n : neighbors["neighbors"]) {
    out += line("? (%s) at %s on %s [%s]%s\n", n.value("address", "").c_str(),
                n.value("state", "") == "incomplete" ? "(incomplete)" : n.value("mac", "").c_str(),
                n.value("interface", "").c_str(), n.value("state", "").c_str(),
                n.value("held", 0) ? line(" %d held", n.value("held", 0)).c_str() : "");
  }
  return out;
}

bool http_get(const Endpoint& ep, const std::string& path, std::string& body, std::string& error) {
  httplib::Client cli(ep.base);
  cli.set_connection_timeout(3, 0);
  cli.set_read_timeout(10, 0);
  if (!ep.token.empty()) cli.set_bearer_token_auth(ep.token.c_str());
  auto res = cli.Get(path.c_str());
  if (!res) {
    error = ep.base + path + ": " + httplib::to_string(res.error());
    return false;
  }
  if (res->status != 200) {
    error = ep.base + path + ": HTTP " + std::to_string(res->status) + " " + res->body;
    return false;
  }
  body = res->body;
  return true;
}

}  // namespace dpf::cli
