#include "control/cli/pf_views.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "control/cli/client.h"

namespace dpf::cli {
namespace {

// An address as pfctl's print_addr prints it (inet_ntop: IPv6 compressed); what does not parse
// is printed as the node gave it.
std::string ntop(const std::string& a) {
  unsigned char bin[16];
  char buf[INET6_ADDRSTRLEN];
  const int af = a.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (inet_pton(af, a.c_str(), bin) != 1 || inet_ntop(af, bin, buf, sizeof buf) == nullptr)
    return a;
  return buf;
}

uint64_t whole_seconds(double uptime) {
  return uptime > 0 ? static_cast<uint64_t>(uptime) : 0;
}

}  // namespace

std::string render_nat(const nlohmann::json& rules, int verbose) {
  std::string out;
  for (const auto& t : rules.value("translations", nlohmann::json::array())) {
    if (verbose >= 2) out += "@" + std::to_string(t.value("nr", 0u)) + " ";
    out += t.value("text", "") + "\n";
    // pfctl_print_rule_counters would follow with -v; dpf has no counters for these rules, and
    // prints no line rather than zeros it does not know.
  }
  return out;
}

std::string render_sources(const nlohmann::json& sources, bool verbose) {
  std::string out;
  for (const auto& s : sources.value("sources", nlohmann::json::array())) {
    const auto& rate = s.value("conn_rate", nlohmann::json::object());
    const auto count = rate.value("count", 0u);
    out += ntop(s.value("addr", "?")) + " -> " + ntop(s.value("raddr", "0.0.0.0")) +
           line(" ( states %u, connections %u, rate %u.%u/%us )\n", s.value("states", 0u),
                s.value("conn", 0u), count / 1000, count % 1000 / 100, rate.value("seconds", 0u));
    if (!verbose) continue;
    out += "   age " + format_hms(s.value("age", uint64_t{0}));
    if (s.value("states", 0u) == 0 && s.contains("expires_in") && !s["expires_in"].is_null())
      out += ", expires in " + format_hms(s["expires_in"].get<uint64_t>());
    out += line(", %" PRIu64 " pkts, %" PRIu64 " bytes", s.value("packets", uint64_t{0}),
                s.value("bytes", uint64_t{0}));
    // Global source tracking is pf's default rule, whose number (-1) pfctl does not print.
    if (const int64_t rule = s.value("rule", int64_t{-1}); rule >= 0)
      out += line(", filter rule %" PRId64, rule);
    out += "\n";
  }
  return out;
}

std::string render_src_table(const nlohmann::json& pf, double uptime) {
  const auto& st = pf.value("src_tracking", nlohmann::json::object());
  const auto& c = st.value("counters", nlohmann::json::object());
  std::string out = "Source Tracking Table\n";
  out += line("  %-25s %14" PRIu64 " %14s\n", "current entries", st.value("src_nodes", uint64_t{0}),
              "");
  for (const auto& [label, key] :
       {std::pair{"searches", "src node searches"}, std::pair{"inserts", "src node inserts"},
        std::pair{"removals", "src node removals"}})
    out += status_counter_line(label, c.value(key, uint64_t{0}), whole_seconds(uptime));
  return out;
}

std::string render_limit_counters(const nlohmann::json& pf, double uptime) {
  std::string out = "Limit Counters\n";
  for (const auto& c : pf.value("limit_counters", nlohmann::json::array()))
    out += status_counter_line(c.value("name", "?"), c.value("value", uint64_t{0}),
                               whole_seconds(uptime));
  out += "Syncookies\n";
  out += line("  %-25s %s\n", "mode", pf.value("syncookies", "never").c_str());
  return out;
}

std::string render_tables(const nlohmann::json& tables, bool verbose) {
  std::string out;
  for (const auto& t : tables.value("tables", nlohmann::json::array())) {
    // As pfctl without -d (debug): only the active tables.
    if (!t.value("active", false)) continue;
    if (verbose) {
      // PFR_TFLAG_CONST, PERSIST, ACTIVE, INACTIVE, REFERENCED, REFDANCHOR, COUNTERS: dpf has
      // no anchors and no table transactions, so 'i' and 'h' stay clear.
      out += t.value("const", false) ? 'c' : '-';
      out += t.value("persist", false) ? 'p' : '-';
      out += 'a';
      out += '-';
      out += t.value("referenced", false) ? 'r' : '-';
      out += '-';
      out += t.value("counters", false) ? 'C' : '-';
      out += '\t';
    }
    out += t.value("name", "?") + "\n";
  }
  return out;
}

std::string render_routes(const nlohmann::json& routes) {
  std::string out = line("%-18s %-15s %s\n", "Destination", "Gateway", "Interface");
  for (const auto& r : routes.value("routes", nlohmann::json::array())) {
    const std::string gw = r.contains("gateway") && r["gateway"].is_string()
                               ? r["gateway"].get<std::string>()
                               : "link";
    std::string dest = r.value("destination", "?");
    dest.resize(std::max<size_t>(dest.size(), 18), ' ');
    std::string via = gw;
    via.resize(std::max<size_t>(via.size(), 15), ' ');
    out += dest + " " + via + " " + r.value("interface", "?") + "\n";
  }
  return out;
}

std::string status_counter_line(const std::string& name, uint64_t n, uint64_t runtime) {
  std::string out = line("  %-25s %14" PRIu64 " ", name.c_str(), n);
  if (runtime > 0) return out + line("%14.1f/s\n", static_cast<double>(n) / runtime);
  return out + line("%14s\n", "");
}

std::string status_header(const std::string& name) {
  return line("%-27s %14s %16s\n", name.c_str(), "Total", "Rate");
}

void append_title(std::string& out, bool& first, const char* title) {
  if (!first) out += "\n";
  first = false;
  out += title;
  out += "\n";
}

}  // namespace dpf::cli
