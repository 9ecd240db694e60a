// dpfctl's pfctl-format views. The golden lines are pfctl's formats, as its printf calls give
// them for the same numbers: FreeBSD sbin/pfctl pfctl_parser.c (print_src_node, print_status,
// print_rule), pfctl_table.c (print_table) and pfctl.c (pfctl_show_nat, pfctl_print_title).
#include "control/cli/pf_views.h"

#include <algorithm>

#include <catch2/catch.hpp>

using nlohmann::json;

namespace {

json source(const char* addr, unsigned states, int64_t rule) {
  return {{"addr", addr},  {"raddr", "0.0.0.0"},
          {"rule", rule},  {"states", states},
          {"conn", 1},     {"conn_rate", {{"count", 1500}, {"seconds", 10}}},
          {"age", 65},     {"expires_in", states == 0 ? json(30) : json(nullptr)},
          {"packets", 12}, {"bytes", 3400}};
}

// GET /api/v1/rules of a ruleset with a nat, a no nat, an rdr and a binat rule, as
// rest::translations_json lists them, and one filter rule.
json nat_rules() {
  return {{"inserted", {{"uid", 0}, {"pid", 77}}},
          {"rules", {{{"nr", 0}, {"text", "pass all flags S/SA keep state"}}}},
          {"translations",
           {{{"kind", "nat"},
             {"nr", 0},
             {"text", "nat on em0 inet from 192.168.0.0/24 to any -> (em0) round-robin"}},
            {{"kind", "nat"}, {"nr", 1}, {"text", "no nat on em0 inet from 192.168.0.1 to any"}},
            {{"kind", "rdr"},
             {"nr", 0},
             {"text",
              "rdr on em0 inet proto tcp from any to any port = http -> 192.168.0.10 port 8080"}},
            {{"kind", "binat"},
             {"nr", 0},
             {"text", "binat on em0 inet from 192.168.0.5 to any -> 192.0.2.5"}}}}};
}

}  // namespace

TEST_CASE("dpfctl -s nat: the nat, rdr and binat rules one a line, filter rules left out") {
  const std::string want =
      "nat on em0 inet from 192.168.0.0/24 to any -> (em0) round-robin\n"
      "no nat on em0 inet from 192.168.0.1 to any\n"
      "rdr on em0 inet proto tcp from any to any port = http -> 192.168.0.10 port 8080\n"
      "binat on em0 inet from 192.168.0.5 to any -> 192.0.2.5\n";
  CHECK(dpf::cli::render_nat(nat_rules(), 0) == want);
  // -v: pfctl's counter lines need counters dpf does not keep for translation rules.
  CHECK(dpf::cli::render_nat(nat_rules(), 1) == want);
}

TEST_CASE("dpfctl -vvs nat: each rule numbered within its kind, as print_rule's @N") {
  CHECK(dpf::cli::render_nat(nat_rules(), 2) ==
        "@0 nat on em0 inet from 192.168.0.0/24 to any -> (em0) round-robin\n"
        "@1 no nat on em0 inet from 192.168.0.1 to any\n"
        "@0 rdr on em0 inet proto tcp from any to any port = http -> 192.168.0.10 port 8080\n"
        "@0 binat on em0 inet from 192.168.0.5 to any -> 192.0.2.5\n");
}

TEST_CASE("dpfctl -s nat: a ruleset without translation rules prints nothing, as pfctl") {
  CHECK(dpf::cli::render_nat({{"rules", json::array()}, {"translations", json::array()}}, 2) == "");
}

TEST_CASE("dpfctl -s Sources: one line per source node, as print_src_node") {
  const json j = {{"sources", {source("10.0.0.3", 2, 2), source("10.0.0.4", 0, -1)}}};
  CHECK(dpf::cli::render_sources(j, false) ==
        "10.0.0.3 -> 0.0.0.0 ( states 2, connections 1, rate 1.5/10s )\n"
        "10.0.0.4 -> 0.0.0.0 ( states 0, connections 1, rate 1.5/10s )\n");
}

TEST_CASE("dpfctl -vs Sources: age, expiry once stateless, traffic and the tracking rule") {
  const json j = {{"sources", {source("10.0.0.3", 2, 2), source("10.0.0.4", 0, -1)}}};
  CHECK(dpf::cli::render_sources(j, true) ==
        "10.0.0.3 -> 0.0.0.0 ( states 2, connections 1, rate 1.5/10s )\n"
        "   age 00:01:05, 12 pkts, 3400 bytes, filter rule 2\n"
        "10.0.0.4 -> 0.0.0.0 ( states 0, connections 1, rate 1.5/10s )\n"
        "   age 00:01:05, expires in 00:00:30, 12 pkts, 3400 bytes\n");
}

TEST_CASE("dpfctl -s Sources: IPv6 sources print compressed, as inet_ntop") {
  json s = source("2001:db8:0:0:0:0:0:1", 1, 0);
  s["raddr"] = "0:0:0:0:0:0:0:0";
  CHECK(dpf::cli::render_sources({{"sources", {s}}}, false) ==
        "2001:db8::1 -> :: ( states 1, connections 1, rate 1.5/10s )\n");
}

TEST_CASE("dpfctl -vsi: the limit counters in pfctl's order, with rates, then syncookies") {
  json pf = {{"limit_counters", json::array()}, {"syncookies", "never"}};
  const char* names[] = {"max states per rule",   "max-src-states",     "max-src-nodes",
                         "max-src-conn",          "max-src-conn-rate",  "overload table insertion",
                         "overload flush states", "synfloods detected", "syncookies sent",
                         "syncookies validated"};
  for (const char* n : names) pf["limit_counters"].push_back({{"name", n}, {"value", 0}});
  pf["limit_counters"][0]["value"] = 3;
  const std::string out = dpf::cli::render_limit_counters(pf, 10.4);
  CHECK(out.rfind("Limit Counters\n"
                  "  max states per rule                    3            0.3/s\n"
                  "  max-src-states                         0            0.0/s\n",
                  0) == 0);
  CHECK(out.find("  syncookies validated                   0            0.0/s\n"
                 "Syncookies\n"
                 "  mode                      never\n") != std::string::npos);
  CHECK(std::count(out.begin(), out.end(), '\n') == 13);
}

TEST_CASE("dpfctl -vsi: within pf's first second the rate column is left blank") {
  const json pf = {{"limit_counters", {{{"name", "max-src-states"}, {"value", 0}}}}};
  CHECK(dpf::cli::render_limit_counters(pf, 0.5) ==
        "Limit Counters\n"
        "  max-src-states                         0               \n"
        "Syncookies\n"
        "  mode                      never\n");
}

TEST_CASE("dpfctl -vsi: the source tracking table counts nodes, searches, inserts, removals") {
  const json pf = {
      {"src_tracking",
       {{"src_nodes", 2},
        {"counters",
         {{"src node searches", 40}, {"src node inserts", 5}, {"src node removals", 3}}}}}};
  CHECK(dpf::cli::render_src_table(pf, 10) ==
        "Source Tracking Table\n"
        "  current entries                        2               \n"
        "  searches                              40            4.0/s\n"
        "  inserts                                5            0.5/s\n"
        "  removals                               3            0.3/s\n");
}

TEST_CASE("dpfctl -s Tables: the active tables' names; -v adds pfctl's flag column") {
  const json j = {{"tables",
                   {{{"name", "bad"}, {"active", true}, {"referenced", true}},
                    {{"name", "keep"}, {"active", true}, {"persist", true}, {"counters", true}},
                    {{"name", "ro"}, {"active", true}, {"const", true}, {"referenced", true}},
                    {{"name", "unused"}, {"active", false}}}}};
  CHECK(dpf::cli::render_tables(j, false) == "bad\nkeep\nro\n");
  CHECK(dpf::cli::render_tables(j, true) ==
        "--a-r--\tbad\n"
        "-pa---C\tkeep\n"
        "c-a-r--\tro\n");
}

TEST_CASE("dpfctl -s routes: connected routes go by link, static ones by their gateway") {
  const json j = {
      {"routes",
       {{{"destination", "10.0.0.0/24"}, {"gateway", nullptr}, {"interface", "sis0"}},
        {{"destination", "192.168.50.0/24"}, {"gateway", "10.0.0.1"}, {"interface", "sis0"}}}}};
  CHECK(dpf::cli::render_routes(j) ==
        "Destination        Gateway         Interface\n"
        "10.0.0.0/24        link            sis0\n"
        "192.168.50.0/24    10.0.0.1        sis0\n");
}

TEST_CASE("dpfctl -s all: titles are separated by a blank line, the first by none") {
  std::string out;
  bool first = true;
  dpf::cli::append_title(out, first, "FILTER RULES:");
  out += "pass all\n";
  dpf::cli::append_title(out, first, "INFO:");
  CHECK(out == "FILTER RULES:\npass all\n\nINFO:\n");
  CHECK_FALSE(first);
}
