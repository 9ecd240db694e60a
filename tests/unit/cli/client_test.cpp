#include "control/cli/client.h"

#include <cstdlib>
#include <ctime>

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
  // print_status's columns: "  %-25s %14ju %14.1f/s".
  CHECK(out.find("Packets                              Total             Rate\n"
                 "  rx_packets                           100           10.0/s\n"
                 "  forwarded                             90            9.0/s\n") !=
        std::string::npos);
  CHECK(out.find("Counters\n  ip-checksum                           20            2.0/s\n") !=
        std::string::npos);
}

TEST_CASE("dpfctl: -s info's state table has print_status's columns, rates blank at first") {
  const json pf = {{"states", 3},
                   {"counters", {{"searches", 40}, {"inserts", 5}, {"removals", 2}}}};
  CHECK(dpf::cli::render_state_table(pf, 10) ==
        "State Table                          Total             Rate\n"
        "  current entries                        3               \n"
        "  searches                              40            4.0/s\n"
        "  inserts                                5            0.5/s\n"
        "  removals                               2            0.2/s\n");
  CHECK(dpf::cli::render_state_table(pf, 0.5).find("  searches                              40 "
                                                   "              \n") != std::string::npos);
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

TEST_CASE("dpfctl: a node that is down gives the URL, connection refused and the hint") {
  dpf::cli::Endpoint ep;
  ep.base = "http://127.0.0.1:1";
  std::string body, error;
  CHECK_FALSE(dpf::cli::http_get(ep, "/api/v1/status", body, error));
  CHECK(error ==
        "cannot reach the node at http://127.0.0.1:1: connection refused (is dpf running? its API "
        "listens on the node's own loopback by default: run dpfctl in the node's network "
        "namespace, or give the node's API with --api URL or --config FILE --node NAME)");
  CHECK_FALSE(dpf::cli::http_send(ep, "DELETE", "/api/v1/states?all=1", "", body, error));
  CHECK(error.find("cannot reach the node at http://127.0.0.1:1: connection refused (") == 0);
}

TEST_CASE("dpfctl: a host that does not resolve is told apart from a node that is down") {
  CHECK(dpf::cli::unresolved_error("http://nosuch.invalid:9080", "nosuch.invalid",
                                   "Name or service not known") ==
        "cannot resolve nosuch.invalid, the host of http://nosuch.invalid:9080: Name or service "
        "not known (check --api and $DPF_API, or use --config FILE --node NAME for the node's "
        "api.listen)");
  // A lookup that fails end to end is tested through dpfctl, in a network namespace of its own
  // (dpfctl_test), so that no query leaves the machine.
}

TEST_CASE("dpfctl: an API URL is [http[s]://]HOST[:PORT] with an optional trailing slash") {
  std::string base, error;
  for (const auto& [url, expected] :
       {std::pair{"http://127.0.0.1:9080", "http://127.0.0.1:9080"},
        std::pair{"http://127.0.0.1:9080/", "http://127.0.0.1:9080"},
        std::pair{"https://fw-a.example", "https://fw-a.example"},
        std::pair{"http://[::1]:9080", "http://[::1]:9080"}, std::pair{"10.0.0.1", "10.0.0.1"}}) {
    INFO(url);
    CHECK(dpf::cli::parse_api_url(url, base, error));
    CHECK(base == expected);
  }
  base = "unchanged";
  for (const auto& [url, why] : {
           std::pair{"ftp://h:21", "unknown scheme 'ftp' (http or https)"},
           std::pair{"http://", "no host"},
           std::pair{"http://:9080", "no host"},
           std::pair{"http://h:0", "the port must be a number in 1..65535"},
           std::pair{"http://h:65536", "the port must be a number in 1..65535"},
           std::pair{"http://h:", "the port must be a number in 1..65535"},
           std::pair{"http://h:80a", "the port must be a number in 1..65535"},
           std::pair{"http://h:80/api", "a path or anything after HOST:PORT is not taken"},
           std::pair{"http://h/api", "a path or anything after HOST:PORT is not taken"},
           std::pair{"http://h?x=1", "a path or anything after HOST:PORT is not taken"},
           std::pair{"http://[::1]x", "a path or anything after HOST:PORT is not taken"},
           std::pair{"http://[fw-a]:80", "a bracketed host must be an IPv6 address ([::1])"},
           std::pair{"http://[::1:80", "a bracketed host must be an IPv6 address ([::1])"},
           std::pair{"http://user@h:80", "the host may not contain '@'"},
       }) {
    INFO(url);
    CHECK_FALSE(dpf::cli::parse_api_url(url, base, error));
    CHECK(error == why);
    CHECK(base == "unchanged");
  }
}

TEST_CASE("dpfctl: the host and port of an API URL, IPv6 in brackets, port 80 by default") {
  std::string host, port;
  dpf::cli::split_base("http://127.0.0.1:9080", host, port);
  CHECK((host == "127.0.0.1" && port == "9080"));
  dpf::cli::split_base("http://[::1]:9081", host, port);
  CHECK((host == "::1" && port == "9081"));
  dpf::cli::split_base("http://node-a", host, port);
  CHECK((host == "node-a" && port == "80"));
  dpf::cli::split_base("10.0.0.1:9080/", host, port);
  CHECK((host == "10.0.0.1" && port == "9080"));
}

TEST_CASE("dpfctl: 401 and 403 name the token options, with the node's reason") {
  const std::string body = R"({"error": "missing or wrong bearer token"})";
  CHECK(dpf::cli::status_error("http://127.0.0.1:9080", "/api/v1/rules", 401, body, false) ==
        "http://127.0.0.1:9080/api/v1/rules: HTTP 401: missing or wrong bearer token (no token "
        "was sent; give the node's token with --token-file FILE or $DPF_TOKEN_FILE, or use "
        "--config FILE --node NAME to read the node's api.token_file)");
  CHECK(dpf::cli::status_error("http://127.0.0.1:9080", "/api/v1/rules", 403, body, true) ==
        "http://127.0.0.1:9080/api/v1/rules: HTTP 403: missing or wrong bearer token (the token "
        "was refused; give the node's token with --token-file FILE or $DPF_TOKEN_FILE, or use "
        "--config FILE --node NAME to read the node's api.token_file)");
}

TEST_CASE("dpfctl: other HTTP errors give the node's error text, or its body") {
  CHECK(dpf::cli::status_error("http://h:1", "/api/v1/pf", 503, R"({"error": "not ready"})",
                               false) == "http://h:1/api/v1/pf: HTTP 503: not ready");
  CHECK(dpf::cli::status_error("http://h:1", "/x", 404, "Not Found\n", false) ==
        "http://h:1/x: HTTP 404: Not Found");
  CHECK(dpf::cli::status_error("http://h:1", "/x", 500, "", false) == "http://h:1/x: HTTP 500");
}

namespace {

json tcp_state(const char* direction) {
  return {{"if", "all"},
          {"proto", "tcp"},
          {"direction", direction},
          {"key_wire", {{"addr", {"10.0.0.2", "192.168.0.5"}}, {"port", {52311, 22}}}},
          {"src", {{"state", 4}, {"state_name", "ESTABLISHED"}}},
          {"dst", {{"state", 9}, {"state_name", "FIN_WAIT_2"}}},
          {"age", 3725},
          {"expires_in", 86399},
          {"packets", {10, 8}},
          {"bytes", {1000, 800}},
          {"rule", 2},
          {"id", "6b08c3de00000001"},
          {"creatorid", "0a000001"}};
}

}  // namespace

TEST_CASE("dpfctl: an inbound state prints responder <- initiator, peers responder first") {
  const json states = {{"states", {tcp_state("in")}}};
  CHECK(dpf::cli::render_states(states, false) ==
        "all tcp 192.168.0.5:22 <- 10.0.0.2:52311       FIN_WAIT_2:ESTABLISHED\n");
}

TEST_CASE("dpfctl: an outbound state prints initiator -> responder as pfctl does") {
  json s = tcp_state("out");
  s["key_wire"] = {{"addr", {"192.168.0.5", "10.0.0.2"}}, {"port", {22, 52311}}};
  const json states = {{"states", {s}}};
  CHECK(dpf::cli::render_states(states, false) ==
        "all tcp 10.0.0.2:52311 -> 192.168.0.5:22       ESTABLISHED:FIN_WAIT_2\n");
}

TEST_CASE("dpfctl: -v adds age, expiry, counters, rule, id and creator id") {
  const json states = {{"states", {tcp_state("in")}}};
  const std::string out = dpf::cli::render_states(states, true);
  CHECK(out.find("   age 01:02:05, expires in 23:59:59, 10:8 pkts, 1000:800 bytes, rule 2\n") !=
        std::string::npos);
  CHECK(out.find("   id: 6b08c3de00000001 creatorid: 0a000001\n") != std::string::npos);
}

TEST_CASE("dpfctl: ICMP states print their peer states as numbers") {
  json s = tcp_state("in");
  s["proto"] = "icmp";
  s["key_wire"] = {{"addr", {"10.0.0.2", "10.0.0.254"}}, {"port", {18936, 8}}};
  s["src"] = {{"state", 0}, {"state_name", "NO_TRAFFIC"}};
  s["dst"] = {{"state", 0}, {"state_name", "NO_TRAFFIC"}};
  CHECK(dpf::cli::render_states({{"states", {s}}}, false) ==
        "all icmp 10.0.0.254:8 <- 10.0.0.2:18936       0:0\n");
}

TEST_CASE("dpfctl: protocols 112 and 240 print as carp and pfsync, as FreeBSD's pfctl does") {
  json s = tcp_state("out");
  s["key_wire"] = {{"addr", {"224.0.0.18", "10.0.0.2"}}, {"port", {0, 0}}};
  s["src"] = {{"state", 1}, {"state_name", "SINGLE"}};
  s["dst"] = {{"state", 0}, {"state_name", "NO_TRAFFIC"}};
  for (const auto& [number, name] : {std::pair{"112", "carp"}, std::pair{"240", "pfsync"},
                                     std::pair{"carp", "carp"}, std::pair{"47", "gre"}}) {
    INFO(number);
    s["proto"] = number;
    CHECK(dpf::cli::render_states({{"states", {s}}}, false) ==
          std::string("all ") + name + " 10.0.0.2 -> 224.0.0.18       SINGLE:NO_TRAFFIC\n");
  }
  // A protocol FreeBSD does not name stays a number, as getprotobynumber() leaves it.
  s["proto"] = "253";
  CHECK(dpf::cli::render_states({{"states", {s}}}, false) ==
        "all 253 10.0.0.2 -> 224.0.0.18       SINGLE:NO_TRAFFIC\n");
}

TEST_CASE("dpfctl: -s timeouts and -s memory use pfctl's columns") {
  const json pf = {{"state_limit", 100000},
                   {"timeouts",
                    {{{"name", "tcp.first"}, {"value", 120}, {"unit", "s"}},
                     {{"name", "adaptive.start"}, {"value", 60000}, {"unit", "states"}}}}};
  CHECK(dpf::cli::render_timeouts(pf) ==
        "tcp.first                   120s\nadaptive.start            60000 states\n");
  CHECK(dpf::cli::render_memory(pf) == "states        hard limit   100000\n");
}

namespace {

// Two rules as GET /api/v1/rules gives them: a block rule that only saw evaluations, and a pass
// rule with counters, two current states out of three created, and a label.
json two_rules() {
  return {{"file", "pf.conf"},
          {"inserted", {{"uid", 0}, {"pid", 4242}}},
          {"rules",
           {{{"nr", 0},
             {"text", "block drop all"},
             {"labels", json::array()},
             {"evaluations", 12},
             {"packets", {{"in", 0}, {"out", 0}}},
             {"bytes", {{"in", 0}, {"out", 0}}},
             {"states", 0},
             {"state_creations", 0},
             {"last_active", nullptr}},
            {{"nr", 1},
             {"text", "pass out all flags S/SA keep state label \"web\""},
             {"labels", {"web"}},
             {"evaluations", 12},
             {"packets", {{"in", 20}, {"out", 14}}},
             {"bytes", {{"in", 5000}, {"out", 678}}},
             {"states", 2},
             {"state_creations", 3},
             {"last_active", 0.0}}}}};
}

}  // namespace

TEST_CASE("dpfctl: -s rules prints each rule as pfctl -sr does") {
  CHECK(dpf::cli::render_rules(two_rules(), 0) ==
        "block drop all\npass out all flags S/SA keep state label \"web\"\n");
}

// FreeBSD 14's pfctl_print_rule_counters: "%-8llu" evaluations and packets, "%-10llu" bytes,
// "%-6ju" states and state creations; packets and bytes are in + out.
TEST_CASE("dpfctl: -v -s rules adds pfctl's counter lines under each rule") {
  CHECK(dpf::cli::render_rules(two_rules(), 1) ==
        "block drop all\n"
        "  [ Evaluations: 12        Packets: 0         Bytes: 0           States: 0     ]\n"
        "  [ Inserted: uid 0 pid 4242 State Creations: 0     ]\n"
        "pass out all flags S/SA keep state label \"web\"\n"
        "  [ Evaluations: 12        Packets: 34        Bytes: 5678        States: 2     ]\n"
        "  [ Inserted: uid 0 pid 4242 State Creations: 3     ]\n");
}

TEST_CASE("dpfctl: -vv -s rules numbers the rules and adds the last active time") {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  CHECK(dpf::cli::render_rules(two_rules(), 2) ==
        "@0 block drop all\n"
        "  [ Evaluations: 12        Packets: 0         Bytes: 0           States: 0     ]\n"
        "  [ Inserted: uid 0 pid 4242 State Creations: 0     ]\n"
        "  [ Last Active Time: N/A ]\n"
        "@1 pass out all flags S/SA keep state label \"web\"\n"
        "  [ Evaluations: 12        Packets: 34        Bytes: 5678        States: 2     ]\n"
        "  [ Inserted: uid 0 pid 4242 State Creations: 3     ]\n"
        "  [ Last Active Time: Thu Jan  1 00:00:00 1970 ]\n");
}

TEST_CASE("dpfctl: a counter wider than pfctl's field pushes the line on, as printf does") {
  json rules = two_rules();
  rules["rules"][1]["evaluations"] = 123456789012ull;
  CHECK(dpf::cli::render_rules(rules, 1).find(
            "  [ Evaluations: 123456789012  Packets: 34        ") != std::string::npos);
}

// pfctl -s labels (pfctl_show_rules, PFCTL_SHOW_LABELS): rules without a label print nothing.
TEST_CASE("dpfctl: -s labels prints a labelled rule's counters in pfctl's order") {
  CHECK(dpf::cli::render_labels(two_rules()) == "web 12 34 5678 20 5000 14 678 3\n");
  json rules = two_rules();
  rules["rules"][1]["labels"] = {"web", "dmz"};
  CHECK(dpf::cli::render_labels(rules) == "web dmz 12 34 5678 20 5000 14 678 3\n");
}

TEST_CASE("dpfctl: -s sync prints netstat's pfsync lines and the bulk update's progress") {
  const json p = {{"enabled", true},
                  {"stats", {{"ipackets", 12}, {"badttl", 1}, {"opackets", 7}}},
                  {"bulk", {{"done", true}, {"states_received", 4}, {"tries", 0}}}};
  const std::string out = dpf::cli::render_sync(p);
  CHECK(out.rfind("pfsync:\n\t12 packets received (IPv4)\n", 0) == 0);
  CHECK(out.find("\t\t1 packets discarded for bad ttl\n") != std::string::npos);
  CHECK(out.find("\t7 packets sent (IPv4)\n") != std::string::npos);
  CHECK(out.find("bulk update: done, 4 states received, 0 retries\n") != std::string::npos);
  CHECK(dpf::cli::render_sync({{"enabled", false}}).find("not configured") != std::string::npos);
}

TEST_CASE("dpfctl: -s sync counts the states a peer sent in our own name") {
  const json p = {{"enabled", true},
                  {"stats", json::object()},
                  {"refused", {{"badcreator", 3}}},
                  {"bulk", {{"done", true}}}};
  CHECK(dpf::cli::render_sync(p).find("\t\t3 states discarded for our own creator id\n") !=
        std::string::npos);
}

TEST_CASE("dpfctl: -s sync lists the peers heard from, or says there are none") {
  json p = {{"enabled", true},
            {"stats", json::object()},
            {"bulk", {{"done", true}}},
            {"peers",
             {{{"address", "10.0.10.2"},
               {"mac", "02:00:00:00:00:02"},
               {"frames", 17},
               {"last_heard_ago", 0.42}}}}};
  CHECK(dpf::cli::render_sync(p).find(
            "peers heard from:\n\t10.0.10.2 (02:00:00:00:00:02): 17 frames, last 0.4 s ago\n") !=
        std::string::npos);
  p["peers"] = json::array();
  CHECK(dpf::cli::render_sync(p).find("peers heard from: none\n") != std::string::npos);
}

namespace {

// The GET /api/v1/carp reply as the node documents it (issue 5, item 4): vhid 1 master on sis0,
// vhid 2 backup on sis1 that has not changed state since it started (and, as an older node
// would, leaves out adverts_ignored and the to_* counts).
json carp_view() {
  return {{"preempt", true},
          {"demotion", 240},
          {"demotion_sources", {{"operator", 0}, {"interface-down", 0}, {"pfsync-bulk", 240}}},
          {"vhids",
           {{{"vhid", 1},
             {"interface", "sis0"},
             {"state", "MASTER"},
             {"advbase", 1},
             {"advskew", 0},
             {"demotion", 240},
             {"effective_skew", 240},
             {"mac", "00:00:5e:00:01:01"},
             {"addresses", {"10.0.0.1/24"}},
             {"last_transition",
              {{"from", "BACKUP"}, {"to", "MASTER"}, {"reason", "master-down"}, {"age_s", 12.5}}},
             {"adverts_sent", 10},
             {"adverts_received", 3},
             {"adverts_ignored", 0},
             {"garps", 1},
             {"to_master", 1},
             {"to_backup", 1},
             {"to_init", 0},
             {"rejected", {{"bad-auth", 2}, {"bad-ttl", 0}, {"bad-vhid", 5}}}},
            {{"vhid", 2},
             {"interface", "sis1"},
             {"state", "BACKUP"},
             {"advbase", 2},
             {"advskew", 100},
             {"demotion", 240},
             {"effective_skew", 240},
             {"mac", "00:00:5e:00:01:02"},
             {"addresses", {"192.168.0.1/24", "192.168.0.2/24"}},
             {"last_transition", nullptr},
             {"adverts_sent", 0},
             {"adverts_received", 7},
             {"garps", 0},
             {"rejected", {{"bad-auth", 0}}}}}},
          {"rejected", {{"bad-checksum", 3}, {"ip-checksum", 0}}},
          {"own_frames", 4}};
}

}  // namespace

TEST_CASE("dpfctl: -s carp prints preempt, demotion by source and one line per vhid") {
  // Columns: VHID 4, IF 8, STATE 7, ADVBASE 7, ADVSKEW 7, DEMOTE 6, ADDRESSES 18, one space
  // between; a longer address list pushes the last column right.
  CHECK(dpf::cli::render_carp(carp_view(), false) ==
        "carp: preempt on, demotion 240 (pfsync-bulk 240, interface-down 0, operator 0)\n"
        "VHID IF       STATE   ADVBASE ADVSKEW DEMOTE ADDRESSES          LAST TRANSITION\n"
        "1    sis0     MASTER  1       0       240    10.0.0.1/24        "
        "BACKUP->MASTER master-down 12s ago\n"
        "2    sis1     BACKUP  2       100     240    192.168.0.1/24,192.168.0.2/24 -\n");
}

TEST_CASE("dpfctl: -s carp -v adds each vhid's MAC, counters and its non-zero rejections") {
  const std::string out = dpf::cli::render_carp(carp_view(), true);
  CHECK(out.find("master-down 12s ago\n"
                 "     mac 00:00:5e:00:01:01, effective skew 240\n"
                 "     adverts sent 10, received 3, ignored in INIT 0, gratuitous arp 1\n"
                 "     transitions: to MASTER 1, to BACKUP 1, to INIT 0\n"
                 "     rejected: bad-auth 2, bad-vhid 5\n"
                 "2    sis1") != std::string::npos);
  // vhid 2 rejected nothing: no rejected line; then the frames no vhid took, non-zero only.
  CHECK(out.substr(out.rfind("192.168.0.2/24 -\n")) ==
        "192.168.0.2/24 -\n"
        "     mac 00:00:5e:00:01:02, effective skew 240\n"
        "     adverts sent 0, received 7, gratuitous arp 0\n"
        "rejected frames: bad-checksum 3\n"
        "own adverts seen: 4\n");
}

TEST_CASE("dpfctl: -s carp prints old transitions as HH:MM:SS, preempt off, and no vhids") {
  json v = carp_view();
  v["preempt"] = false;
  v["vhids"][0]["last_transition"]["age_s"] = 3725.0;
  v["vhids"][0]["addresses"] = json::array();
  const std::string out = dpf::cli::render_carp(v, false);
  CHECK(out.rfind("carp: preempt off, demotion 240 (", 0) == 0);
  CHECK(out.find("240    -                  BACKUP->MASTER master-down 01:02:05 ago\n") !=
        std::string::npos);
  CHECK(dpf::cli::render_carp({{"vhids", json::array()}}, false) ==
        "carp is not configured on this node\n");
}

namespace {

// A NAT'd outbound connection: stack 192.168.0.100:41234 -> 10.0.0.100:5001 leaves as
// 10.0.0.1:62001. Outbound keys hold the destination in addr[0] (pf's pd->didx).
json nat_state() {
  json s = tcp_state("out");
  s["key_wire"] = {{"addr", {"10.0.0.100", "10.0.0.1"}}, {"port", {5001, 62001}}};
  s["key_stack"] = {{"addr", {"10.0.0.100", "192.168.0.100"}}, {"port", {5001, 41234}}};
  return s;
}

// An rdr'd inbound connection: 10.0.0.7:51234 -> 10.0.0.254:8080 on the wire, redirected to
// 192.168.0.10:80. Inbound keys hold the source in addr[0].
json rdr_state() {
  json s = tcp_state("in");
  s["key_wire"] = {{"addr", {"10.0.0.7", "10.0.0.254"}}, {"port", {51234, 8080}}};
  s["key_stack"] = {{"addr", {"10.0.0.7", "192.168.0.10"}}, {"port", {51234, 80}}};
  return s;
}

}  // namespace

TEST_CASE("dpfctl: an outbound nat state prints the wire source with the stack one in parens") {
  CHECK(dpf::cli::render_states({{"states", {nat_state()}}}, false) ==
        "all tcp 10.0.0.1:62001 (192.168.0.100:41234) -> 10.0.0.100:5001       "
        "ESTABLISHED:FIN_WAIT_2\n");
}

TEST_CASE("dpfctl: an inbound rdr state prints the stack destination, the wire one in parens") {
  // pfctl's print_state prints the stack key first for an inbound state (sk = wire, nk = stack).
  CHECK(dpf::cli::render_states({{"states", {rdr_state()}}}, false) ==
        "all tcp 192.168.0.10:80 (10.0.0.254:8080) <- 10.0.0.7:51234       "
        "FIN_WAIT_2:ESTABLISHED\n");
}

TEST_CASE("dpfctl: -v of translated states adds the same lines as for untranslated ones") {
  CHECK(dpf::cli::render_states({{"states", {nat_state(), rdr_state()}}}, true) ==
        "all tcp 10.0.0.1:62001 (192.168.0.100:41234) -> 10.0.0.100:5001       "
        "ESTABLISHED:FIN_WAIT_2\n"
        "   age 01:02:05, expires in 23:59:59, 10:8 pkts, 1000:800 bytes, rule 2\n"
        "   id: 6b08c3de00000001 creatorid: 0a000001\n"
        "all tcp 192.168.0.10:80 (10.0.0.254:8080) <- 10.0.0.7:51234       "
        "FIN_WAIT_2:ESTABLISHED\n"
        "   age 01:02:05, expires in 23:59:59, 10:8 pkts, 1000:800 bytes, rule 2\n"
        "   id: 6b08c3de00000001 creatorid: 0a000001\n");
}

TEST_CASE("dpfctl: a state whose keys are equal prints no parentheses") {
  json s = tcp_state("in");
  s["key_stack"] = s["key_wire"];
  CHECK(dpf::cli::render_states({{"states", {s}}}, false) ==
        "all tcp 192.168.0.5:22 <- 10.0.0.2:52311       FIN_WAIT_2:ESTABLISHED\n");
}

TEST_CASE("dpfctl: a NAT'd ICMP query's other side gets no parentheses for the changed id") {
  // pf keys an ICMP query by its id on both sides; pfctl copies the printed key's id into the
  // other key on the responder's side, so only the translated side shows the stack key.
  json s = tcp_state("out");
  s["proto"] = "icmp";
  s["key_wire"] = {{"addr", {"10.0.0.100", "10.0.0.1"}}, {"port", {40000, 40000}}};
  s["key_stack"] = {{"addr", {"10.0.0.100", "192.168.0.100"}}, {"port", {1234, 1234}}};
  s["src"] = {{"state", 0}, {"state_name", "NO_TRAFFIC"}};
  s["dst"] = {{"state", 0}, {"state_name", "NO_TRAFFIC"}};
  CHECK(dpf::cli::render_states({{"states", {s}}}, false) ==
        "all icmp 10.0.0.1:40000 (192.168.0.100:1234) -> 10.0.0.100:40000       0:0\n");
}
