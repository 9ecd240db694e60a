// dpfctl's renderings of pf's translation rules, source nodes, limit counters, tables and the
// node's routes, from the REST API's JSON, in pfctl's formats (each function names the pfctl
// function it follows). Pure: no DPDK, no network; runs in the dpfctl process. Allocates its
// output.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace dpf::cli {

// printf into a string, for the views' fixed-width lines (at most 255 characters).
template <typename... Args>
std::string line(const char* fmt, Args... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

// `pfctl -s nat` from GET /api/v1/rules's "translations" (pfctl.c pfctl_show_nat): the nat, rdr
// and binat rules, one line each; verbose 2 (-vv) numbers them within their kind ("@N ", as
// print_rule). pfctl's -v counter lines are left out: dpf does not count translation rules.
std::string render_nat(const nlohmann::json& rules, int verbose);

// `pfctl -s Sources` from GET /api/v1/sources (pfctl_parser.c print_src_node): one line per
// source node, "ADDR -> RADDR ( states N, connections N, rate N.N/Ns )"; verbose adds its age,
// its expiry (once it has no state), packets, bytes and the rule that tracks it.
std::string render_sources(const nlohmann::json& sources, bool verbose);

// The blocks `pfctl -vsi` adds (print_status), from GET /api/v1/pf; `uptime` is the node's, in
// seconds (rates are per second of it, as pfctl's are per second since pf started).
//   "Source Tracking Table": the source nodes and their searches, inserts and removals;
std::string render_src_table(const nlohmann::json& pf, double uptime);
//   "Limit Counters": pf's LCNT_* counters in pfctl's order, then "Syncookies" and its mode.
std::string render_limit_counters(const nlohmann::json& pf, double uptime);

// `pfctl -s Tables` from GET /api/v1/tables (pfctl_table.c print_table): the active tables'
// names; verbose prefixes pfctl's flag column "cpairhC" ('-' where a flag is clear) and a tab.
std::string render_tables(const nlohmann::json& tables, bool verbose);

// `dpfctl -s routes` (dpf's own view) from GET /api/v1/routes: a header, then one line per
// route: destination/prefix, the gateway ("link" for a connected network), the interface.
std::string render_routes(const nlohmann::json& routes);

// One counter line of pfctl's print_status, "  NAME  TOTAL  RATE/s" ("  %-25s %14ju %14.1f/s"):
// the rate is per second of `runtime` (whole seconds), and blank while it is 0.
std::string status_counter_line(const std::string& name, uint64_t n, uint64_t runtime);
// print_status's table header ("%-27s %14s %16s": "State Table", "Total", "Rate").
std::string status_header(const std::string& name);

// pfctl_print_title for `-s all`: the title on its own line, after a blank line unless it is the
// first title (`first`, which it clears).
void append_title(std::string& out, bool& first, const char* title);

}  // namespace dpf::cli
