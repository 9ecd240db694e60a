// dpfctl run as a process against a REST server on loopback whose carp hooks are fakes: the
// command line, the token and the exit status are what these tests observe.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "control/pfconf/address.h"
#include "control/pfconf/parser.h"
#include "control/rest/server.h"
#include "control/rest/translations.h"

namespace {

struct Run {
  int status = -1;
  std::string out;  // stdout and stderr
};

// Runs `ENV dpfctl ARGS`; out is stdout, and stderr too unless stdout_only.
Run dpfctl(const std::string& args, const std::string& env = "", bool stdout_only = false) {
  Run r;
  const std::string cmd =
      env + " " + DPFCTL + " " + args + (stdout_only ? " 2>/dev/null" : " 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[512];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// The translation rules of this pf.conf as a node lists them (rest::translations_json); em0 has
// one IPv4 address.
nlohmann::json translations(const std::string& text) {
  dpf::pfconf::ParseOptions o;
  o.interfaces =
      [](const std::string& name) -> std::optional<std::vector<dpf::pfconf::ResolvedAddress>> {
    if (name != "em0") return std::nullopt;
    return std::vector<dpf::pfconf::ResolvedAddress>{
        {*dpf::pfconf::parse_ipv4("192.0.2.10", false), 24}};
  };
  const auto r = dpf::pfconf::parse_ruleset(text, "nat.conf", o);
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.ok());
  return dpf::rest::translations_json(*r.ruleset);
}

// A node with one master vhid; carp_demote records N and reports it as the operator demotion.
struct FakeNode {
  std::vector<int> demotes;
  std::vector<dpf::rest::Hooks::Params> kills, src_kills;
  int operator_demotion = 0;
  bool lists_translations = true;  // GET /api/v1/rules has "translations"
  std::string token_file = "/tmp/dpfctl_test_token." + std::to_string(getpid());
  dpf::rest::Server server;

  FakeNode() : server([] { return dpf::rest::NodeStats{}; }, "s3cret", hooks()) {
    std::ofstream(token_file) << "s3cret\n";
  }
  ~FakeNode() { std::remove(token_file.c_str()); }

  nlohmann::json view() const {
    return {{"preempt", true},
            {"demotion", operator_demotion},
            {"demotion_sources", {{"operator", operator_demotion}}},
            {"vhids",
             {{{"vhid", 1},
               {"interface", "sis0"},
               {"state", "MASTER"},
               {"advbase", 1},
               {"advskew", 0},
               {"demotion", operator_demotion},
               {"addresses", {"10.0.0.1/24"}},
               {"last_transition", nullptr}}}}};
  }
  dpf::rest::Hooks hooks() {
    dpf::rest::Hooks h;
    h.carp = [this] { return view(); };
    // A CARP advert's state as a node names its protocol by number, and a pfsync one by name.
    h.states = [](const dpf::rest::Hooks::Params&) {
      auto state = [](const char* proto, const char* dst) {
        return nlohmann::json{{"if", "sis2"},
                              {"proto", proto},
                              {"direction", "out"},
                              {"key_wire", {{"addr", {dst, "10.0.0.254"}}, {"port", {0, 0}}}},
                              {"src", {{"state", 1}, {"state_name", "SINGLE"}}},
                              {"dst", {{"state", 0}, {"state_name", "NO_TRAFFIC"}}}};
      };
      return nlohmann::json{
          {"states", {state("112", "224.0.0.18"), state("pfsync", "224.0.0.240")}}};
    };
    // One labelled rule with counters, and a nat, a no nat, an rdr and a binat rule.
    h.rules = [this] {
      auto j = nlohmann::json{{"inserted", {{"uid", 0}, {"pid", 77}}},
                              {"rules",
                               {{{"nr", 0},
                                 {"text", "pass all label \"any\""},
                                 {"labels", {"any"}},
                                 {"evaluations", 5},
                                 {"packets", {{"in", 3}, {"out", 2}}},
                                 {"bytes", {{"in", 300}, {"out", 200}}},
                                 {"states", 1},
                                 {"state_creations", 2},
                                 {"last_active", nullptr}}}}};
      if (lists_translations)
        j["translations"] = translations(
            "pass all label \"any\"\n"
            "nat on em0 from 192.168.0.0/24 to any -> (em0)\n"
            "rdr on em0 proto tcp to port 80 -> 192.168.0.10 port 8080\n"
            "binat on em0 from 192.168.0.5 to any -> 192.0.2.5\n"
            "no nat on em0 from 192.168.0.1 to any\n");
      return j;
    };
    h.kill_states = [this](const dpf::rest::Hooks::Params& q, const dpf::rest::Client&) {
      kills.push_back(q);
      return nlohmann::json{{"killed", 3}};
    };
    h.pf_info = [] {
      return nlohmann::json{{"state_limit", 100},
                            {"timeouts", {{{"name", "tcp.first"}, {"value", 120}}}},
                            {"counters", nlohmann::json::object()}};
    };
    h.sources = [](const dpf::rest::Hooks::Params&) {
      return nlohmann::json{{"sources", nlohmann::json::array()}};
    };
    h.tables = [](const dpf::rest::Hooks::Params&) {
      return nlohmann::json{{"tables", {{{"name", "keep"}, {"active", true}, {"persist", true}}}}};
    };
    h.pfsync = [] { return nlohmann::json{{"enabled", false}}; };
    h.kill_sources = [this](const dpf::rest::Hooks::Params& q, const dpf::rest::Client&) {
      src_kills.push_back(q);
      return nlohmann::json{{"killed", 2}};
    };
    h.routes = [] { return nlohmann::json{{"routes", nlohmann::json::array()}}; };
    h.carp_demote = [this](const nlohmann::json& body, const dpf::rest::Client&) {
      demotes.push_back(body["demotion"].get<int>());
      operator_demotion = demotes.back();
      return view();
    };
    return h;
  }
  std::string api() const { return "--api http://127.0.0.1:" + std::to_string(server.port()); }
};

}  // namespace

TEST_CASE("dpfctl: -s carp prints the node's carp view") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  const Run r = dpfctl(node.api() + " -s carp");
  CHECK(r.status == 0);
  CHECK(r.out.find("carp: preempt on, demotion 0 (operator 0)\n") == 0);
  CHECK(r.out.find("\n1    sis0     MASTER  1       0       0      10.0.0.1/24        -\n") !=
        std::string::npos);
}

TEST_CASE("dpfctl: -v, -vv and -v -v choose pfctl's rule counter lines; -s labels its line") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  const std::string v =
      "pass all label \"any\"\n"
      "  [ Evaluations: 5         Packets: 5         Bytes: 500         States: 1     ]\n"
      "  [ Inserted: uid 0 pid 77 State Creations: 2     ]\n";
  const std::string vv = "@0 " + v + "  [ Last Active Time: N/A ]\n";
  for (const auto& [args, want] :
       {std::pair{" -s rules", std::string("pass all label \"any\"\n")},
        std::pair{" -v -s rules", v}, std::pair{" -vsr", v}, std::pair{" -vvsr", vv},
        std::pair{" -v -v -s rules", vv},
        std::pair{" -s labels", std::string("any 5 5 500 3 300 2 200 2\n")},
        std::pair{" -sl", std::string("any 5 5 500 3 300 2 200 2\n")}}) {
    INFO(args);
    const Run r = dpfctl(node.api() + args);
    CHECK(r.status == 0);
    CHECK(r.out == want);
  }
}

TEST_CASE("dpfctl: -s all prints pfctl -sa's titles in its order, skipping empty lists") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  const Run r = dpfctl(node.api() + " -s all", "", true);
  CHECK(r.status == 0);
  // No source node: no SOURCE TRACKING NODES title, as pfctl_show_src_nodes.
  std::vector<std::string> titles;
  size_t at = 0;
  for (size_t nl; (nl = r.out.find('\n', at)) != std::string::npos; at = nl + 1) {
    const std::string line = r.out.substr(at, nl - at);
    if (!line.empty() && line.back() == ':' && line.find(' ') != 0 &&
        line.find_first_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos)
      titles.push_back(line);
  }
  CHECK(titles ==
        std::vector<std::string>{
            "TRANSLATION RULES:", "FILTER RULES:", "STATES:", "INFO:", "LABEL COUNTERS:",
            "TIMEOUTS:", "LIMITS:", "TABLES:", "PFSYNC:", "CARP:", "INTERFACES:", "ROUTES:"});
  CHECK(r.out.find("TRANSLATION RULES:\n"
                   "nat on em0 inet from 192.168.0.0/24 to any -> (em0) round-robin\n"
                   "no nat on em0 inet from 192.168.0.1 to any\n"
                   "rdr on em0 inet proto tcp from any to any port = http -> 192.168.0.10 port "
                   "8080\n"
                   "binat on em0 inet from 192.168.0.5 to any -> 192.0.2.5\n"
                   "\nFILTER RULES:\npass all label \"any\"\n\nSTATES:\n") == 0);
  CHECK(r.out.find("\nLABEL COUNTERS:\nany 5 5 500 3 300 2 200 2\n\nTIMEOUTS:\n") !=
        std::string::npos);
  CHECK(r.out.find("\nTABLES:\nkeep\n\nPFSYNC:\n") != std::string::npos);
}

TEST_CASE("dpfctl: -s nat prints the node's nat, rdr and binat rules as pfctl -s nat does") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  // pfctl_show_nat: the nat, then the rdr, then the binat rules; -v adds no counter lines (dpf
  // counts no translation rule); -vv numbers each rule within its kind.
  const std::string plain =
      "nat on em0 inet from 192.168.0.0/24 to any -> (em0) round-robin\n"
      "no nat on em0 inet from 192.168.0.1 to any\n"
      "rdr on em0 inet proto tcp from any to any port = http -> 192.168.0.10 port 8080\n"
      "binat on em0 inet from 192.168.0.5 to any -> 192.0.2.5\n";
  const std::string vv =
      "@0 nat on em0 inet from 192.168.0.0/24 to any -> (em0) round-robin\n"
      "@1 no nat on em0 inet from 192.168.0.1 to any\n"
      "@0 rdr on em0 inet proto tcp from any to any port = http -> 192.168.0.10 port 8080\n"
      "@0 binat on em0 inet from 192.168.0.5 to any -> 192.0.2.5\n";
  for (const auto& [args, want] :
       {std::pair{" -s nat", plain}, std::pair{" -sn", plain}, std::pair{" -s n", plain},
        std::pair{" -v -s nat", plain}, std::pair{" -vvsn", vv}, std::pair{" -v -v -s nat", vv}}) {
    INFO(args);
    const Run r = dpfctl(node.api() + args);
    CHECK(r.status == 0);
    CHECK(r.out == want);
  }
}

TEST_CASE("dpfctl: a node that does not list translation rules fails -s nat; -s all goes on") {
  FakeNode node;
  node.lists_translations = false;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  Run r = dpfctl(node.api() + " -s nat");
  CHECK(r.status == 1);
  CHECK(r.out == "dpfctl: http://127.0.0.1:" + std::to_string(node.server.port()) +
                     "/api/v1/rules: the node does not list its translation rules\n");
  r = dpfctl(node.api() + " -s all", "", true);
  CHECK(r.status == 0);
  CHECK(r.out.find("FILTER RULES:\npass all label \"any\"\n\nSTATES:\n") == 0);
}

TEST_CASE("dpfctl: -s all stops at the first view the node cannot give, with its error") {
  dpf::rest::Server bare([] { return dpf::rest::NodeStats{}; }, "");
  std::string error;
  REQUIRE(bare.start("127.0.0.1:0", error));
  const Run r = dpfctl("--api http://127.0.0.1:" + std::to_string(bare.port()) + " -s all");
  CHECK(r.status == 1);
  CHECK(r.out == "dpfctl: http://127.0.0.1:" + std::to_string(bare.port()) +
                     "/api/v1/rules: HTTP 501: not available on this node\n");
  bare.stop();
}

TEST_CASE("dpfctl: carp demote N posts N with the token and prints the view after the change") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  const Run r = dpfctl(node.api() + " --token-file " + node.token_file + " carp demote -20");
  CHECK(r.status == 0);
  REQUIRE(node.demotes == std::vector<int>{-20});
  CHECK(r.out.find("carp: preempt on, demotion -20 (operator -20)\n") == 0);
}

TEST_CASE("dpfctl: a token file with CRLF line ends is read as the node reads it") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  std::ofstream(node.token_file, std::ios::binary | std::ios::trunc) << "s3cret\r\n";
  const Run r = dpfctl(node.api() + " --token-file " + node.token_file + " carp demote 5");
  CHECK(r.status == 0);
  CHECK(node.demotes == std::vector<int>{5});
}

TEST_CASE("dpfctl: an unreadable or empty token file fails naming the file, exit 1") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  std::ofstream(node.token_file, std::ios::trunc) << "\n";
  Run r = dpfctl(node.api() + " --token-file " + node.token_file + " carp demote 5");
  CHECK(r.status == 1);
  CHECK(r.out == "dpfctl: token file " + node.token_file + ": empty (from --token-file)\n");
  r = dpfctl(node.api() + " --token-file /nonexistent/token carp demote 5");
  CHECK(r.status == 1);
  CHECK(r.out ==
        "dpfctl: token file /nonexistent/token: cannot read: No such file or directory (from "
        "--token-file)\n");
  r = dpfctl(node.api() + " carp demote 5", "DPF_TOKEN_FILE=/nonexistent/token");
  CHECK(r.status == 1);
  CHECK(r.out ==
        "dpfctl: token file /nonexistent/token: cannot read: No such file or directory (from "
        "$DPF_TOKEN_FILE)\n");
  CHECK(node.demotes.empty());
}

TEST_CASE("dpfctl: carp demote without the token fails with the node's error and exit 1") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  const Run r = dpfctl(node.api() + " carp demote 10");
  CHECK(r.status == 1);
  CHECK(r.out == "dpfctl: http://127.0.0.1:" + std::to_string(node.server.port()) +
                     "/api/v1/carp/demote: HTTP 401: missing or wrong bearer token (no token was "
                     "sent; give the node's token with --token-file FILE or $DPF_TOKEN_FILE, or "
                     "use --config FILE --node NAME to read the node's api.token_file)\n");
  CHECK(node.demotes.empty());
}

TEST_CASE("dpfctl: a wrong token is refused naming the token options, exit 1") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  std::ofstream(node.token_file, std::ios::trunc) << "wrong\n";
  const Run r = dpfctl(node.api() + " --token-file " + node.token_file + " carp demote 10");
  CHECK(r.status == 1);
  CHECK(r.out == "dpfctl: http://127.0.0.1:" + std::to_string(node.server.port()) +
                     "/api/v1/carp/demote: HTTP 401: missing or wrong bearer token (the token was "
                     "refused; give the node's token with --token-file FILE or $DPF_TOKEN_FILE, "
                     "or use --config FILE --node NAME to read the node's api.token_file)\n");
  CHECK(node.demotes.empty());
}

TEST_CASE("dpfctl: a node that is down prints the URL, the cause and where the API listens") {
  const Run r = dpfctl("--api http://127.0.0.1:1 -s states");
  CHECK(r.status == 1);
  CHECK(r.out ==
        "dpfctl: cannot reach the node at http://127.0.0.1:1: connection refused (is dpf running? "
        "its API listens on the node's own loopback by default: run dpfctl in the node's network "
        "namespace, or give the node's API with --api URL or --config FILE --node NAME)\n");
}

// Whether this process may run a command in a network namespace of its own (root, unshare(1)).
bool can_isolate_network() {
  return std::system("unshare -n true >/dev/null 2>&1") == 0;
}

TEST_CASE("dpfctl: a host that does not resolve is named, with where the URL came from") {
  // .invalid never resolves (RFC 6761), but a resolver may still ask the configured name server:
  // dpfctl runs in a network namespace of its own, with no way out, so the test sends nothing.
  if (!can_isolate_network()) {
    WARN("skipped: cannot create a network namespace (needs root and unshare)");
    return;
  }
  Run r = dpfctl("--api http://nonexistent.invalid:9080 -s states", "unshare -n");
  CHECK(r.status == 1);
  // getaddrinfo's own words depend on the machine's resolver: only what follows them is fixed.
  const std::string head =
      "dpfctl: cannot resolve nonexistent.invalid, the host of http://nonexistent.invalid:9080: ";
  const std::string tail =
      " (check --api and $DPF_API, or use --config FILE --node NAME for the node's api.listen)\n";
  CHECK(r.out.find(head) == 0);
  REQUIRE(r.out.size() > head.size() + tail.size());
  CHECK(r.out.substr(r.out.size() - tail.size()) == tail);
  r = dpfctl("-s states", "DPF_API=http://nonexistent.invalid:9080 unshare -n");
  CHECK(r.status == 1);
  CHECK(r.out.find(head) == 0);
}

TEST_CASE("dpfctl: a node that does not answer the connection is told apart as a timeout") {
  // A listener with a backlog of 0 whose queue is full: Linux drops further SYNs, so the
  // connection is neither refused nor accepted, and dpfctl gives up after its 3 s.
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  REQUIRE(listen(listener, 0) == 0);
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
  std::vector<int> fill;
  for (int i = 0; i < 3; ++i) {
    fill.push_back(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    connect(fill.back(), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
  usleep(100 * 1000);  // the handshakes that fit in the queue complete
  const std::string base = "http://127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
  const Run r = dpfctl("--api " + base + " -s states");
  for (int fd : fill) close(fd);
  close(listener);
  CHECK(r.status == 1);
  CHECK(r.out == "dpfctl: cannot reach the node at " + base +
                     ": connection timed out (no answer within 3 s) (is dpf running? its API "
                     "listens on the node's own loopback by default: run dpfctl in the node's "
                     "network namespace, or give the node's API with --api URL or --config FILE "
                     "--node NAME)\n");
}

TEST_CASE("dpfctl: --help lists every option and view on stdout, exit 0") {
  for (const char* args : {"--help", "-h"}) {
    INFO(args);
    const Run r = dpfctl(args, "", true);
    CHECK(r.status == 0);
    CHECK(r.out.find("usage: dpfctl ") == 0);
    for (const char* item : {"--api URL",
                             "--config FILE",
                             "--node NAME",
                             "--token-file FILE",
                             "$DPF_API",
                             "$DPF_TOKEN_FILE",
                             "-s info|states|Sources|nat|rules|labels|timeouts|memory|Tables|all",
                             "nat: the nat, rdr\n                      and binat rules",
                             "-s sync|carp|interfaces|neighbors|routes",
                             "a dpf extension",
                             "-k HOST [-k HOST]",
                             "-K HOST [-K HOST]",
                             "(-k 10.0.0.0/24)",
                             "-k id -k ID",
                             "-F states",
                             "-f FILE",
                             "-o none",
                             "-v ",
                             "(-vv: more still)",
                             "-n ",
                             "-h, --help",
                             "--version",
                             "carp demote N"}) {
      INFO(item);
      CHECK(r.out.find(item) != std::string::npos);
    }
  }
}

TEST_CASE("dpfctl: --version prints dpfctl and the project's version, exit 0") {
  const Run r = dpfctl("--version", "", true);
  CHECK(r.status == 0);
  CHECK(r.out == std::string("dpfctl ") + DPF_VERSION + "\n");
}

// A usage error: the first line names the option, the usage follows, the exit status is 1 (as
// pfctl's), and no node was asked.
void check_usage_error(const Run& r, const std::string& first_line) {
  CHECK(r.status == 1);
  CHECK(r.out.substr(0, r.out.find('\n') + 1) == first_line);
  CHECK(r.out.find("\nusage: dpfctl ") != std::string::npos);
  CHECK(r.out.find("cannot reach") == std::string::npos);
}

TEST_CASE("dpfctl: unknown options and bad values are named with the usage, exit 1") {
  const std::pair<const char*, const char*> cases[] = {
      {"-s bogus",
       "dpfctl: -s bogus: no such view (info, states, Sources, nat, rules, labels, timeouts, "
       "memory, Tables, all, sync, carp, interfaces, neighbors, routes)\n"},
      {"-sbogus",
       "dpfctl: -s bogus: no such view (info, states, Sources, nat, rules, labels, timeouts, "
       "memory, Tables, all, sync, carp, interfaces, neighbors, routes)\n"},
      {"-o bogus", "dpfctl: -o bogus: no such optimization level; dpf takes only -o none\n"},
      {"-o basic -s rules",
       "dpfctl: -o basic: dpf does not optimize rulesets; only -o none is accepted\n"},
      {"-F rules", "dpfctl: -F rules: dpf flushes states only (-F states)\n"},
      {"--bogus", "dpfctl: --bogus: unknown option\n"},
      {"--bogus=1", "dpfctl: --bogus: unknown option\n"},
      {"-x", "dpfctl: -x: unknown option\n"},
      {"-vx", "dpfctl: -x: unknown option\n"},
      {"-s", "dpfctl: -s needs a value\n"},
      {"-f", "dpfctl: -f needs a value\n"},
      {"-s states --token-file", "dpfctl: --token-file needs a value\n"},
      {"-s states --token-file=", "dpfctl: --token-file needs a value\n"},
      {"-k 10.0.0.1 -k 10.0.0.2 -k 10.0.0.3",
       "dpfctl: -k: at most two -k options (source and destination, or `id` and an id)\n"},
      {"show states", "dpfctl: unexpected argument show\n"},
      {"carp demote 241", "dpfctl: carp demote: N must be an integer in -240..240\n"},
  };
  for (const auto& [args, first_line] : cases) {
    INFO(args);
    check_usage_error(dpfctl(std::string("--api http://127.0.0.1:1 ") + args), first_line);
  }
}

TEST_CASE("dpfctl: a malformed API URL or a contradictory node choice is a usage error") {
  const std::pair<const char*, const char*> cases[] = {
      {"--api ftp://127.0.0.1:9080 -s info",
       "dpfctl: --api ftp://127.0.0.1:9080: unknown scheme 'ftp' (http or https)\n"},
      {"--api=http://127.0.0.1:90800 -s info",
       "dpfctl: --api http://127.0.0.1:90800: the port must be a number in 1..65535\n"},
      {"--api http://127.0.0.1:9080/api/v1 -s info",
       "dpfctl: --api http://127.0.0.1:9080/api/v1: a path or anything after HOST:PORT is not "
       "taken\n"},
      {"--node fw-a -s info",
       "dpfctl: --node fw-a: needs --config FILE, the cluster file naming "
       "it\n"},
      {"--api http://127.0.0.1:1 --config c.yaml --node fw-a -s info",
       "dpfctl: --api and --config both name the node: give one of them\n"},
  };
  for (const auto& [args, first_line] : cases) {
    INFO(args);
    check_usage_error(dpfctl(args), first_line);
  }
  check_usage_error(dpfctl("-s info", "DPF_API=http://127.0.0.1:x"),
                    "dpfctl: $DPF_API http://127.0.0.1:x: the port must be a number in "
                    "1..65535\n");
}

TEST_CASE("dpfctl: with nothing to do it prints the usage on stderr, exit 1") {
  Run r = dpfctl("");
  CHECK(r.status == 1);
  CHECK(r.out.find("usage: dpfctl ") == 0);
  r = dpfctl("", "", true);
  CHECK(r.status == 1);
  CHECK(r.out.empty());
}

TEST_CASE("dpfctl: -o none and pfctl's -s abbreviations are accepted") {
  // They get past option checking and reach the (closed) port: exit 1, not a usage error.
  for (const char* args :
       {"-o none -s rules", "-sr", "-s s", "-s Interfaces", "-F s", "-s S", "-sT", "-s a", "-sn"}) {
    INFO(args);
    const Run r = dpfctl(std::string("--api http://127.0.0.1:1 ") + args);
    CHECK(r.status == 1);
    CHECK(r.out.find("dpfctl: cannot reach the node at http://127.0.0.1:1: ") == 0);
  }
}

TEST_CASE("dpfctl: -nvf of a broken file ends with dpfctl's own prefix") {
  const std::string file = "/tmp/dpfctl_test_bad." + std::to_string(getpid()) + ".conf";
  std::ofstream(file) << "pass in on\n";
  const Run r = dpfctl("-nvf " + file);
  std::remove(file.c_str());
  CHECK(r.status == 1);
  CHECK(r.out.find(file + ":1:") == 0);
  const std::string last = "dpfctl: Syntax error in config file: pf rules not loaded\n";
  REQUIRE(r.out.size() >= last.size());
  CHECK(r.out.substr(r.out.size() - last.size()) == last);
  CHECK(r.out.find("\npfctl:") == std::string::npos);
}

TEST_CASE("dpfctl: --config --node -nvf reads the ruleset as that node loads it") {
  const std::string base = "/tmp/dpfctl_test_node." + std::to_string(getpid());
  std::ofstream(base + ".yaml") << "nodes:\n"
                                   "  fw-a:\n"
                                   "    interfaces:\n"
                                   "      sis0: { device: net_null0, address: 10.0.0.254/24 }\n";
  // sis0 is the node's, not this host's: antispoof expands with the cluster file's address.
  std::ofstream(base + ".ok.conf") << "antispoof for sis0\n";
  std::ofstream(base + ".bad.conf") << "block all\npass in on em0\n"
                                       "pass in proto tcp synproxy state\n";
  const std::string node = "--config " + base + ".yaml --node fw-a ";
  Run ok = dpfctl(node + "-nvf " + base + ".ok.conf");
  Run bad = dpfctl(node + "-nvf " + base + ".bad.conf");
  Run plain = dpfctl("-nvf " + base + ".bad.conf");
  for (const char* ext : {".yaml", ".ok.conf", ".bad.conf"}) std::remove((base + ext).c_str());
  CHECK(ok.status == 0);
  CHECK(ok.out ==
        "block drop in on ! sis0 inet from 10.0.0.0/24 to any\n"
        "block drop in inet from 10.0.0.254 to any\n");
  CHECK(bad.status == 1);
  CHECK(bad.out == base + ".bad.conf:2:1: interface em0 does not exist on node fw-a (it has " +
                       "sis0 and the group all)\n" + base +
                       ".bad.conf:3:1: synproxy state is not supported by dpf yet; use keep "
                       "state\ndpfctl: Syntax error in config file: pf rules not loaded\n");
  // Without a node, em0 may be an interface of the host's; synproxy is refused all the same.
  CHECK(plain.status == 1);
  CHECK(plain.out == base +
                         ".bad.conf:3:1: synproxy state is not supported by dpf yet; use keep "
                         "state\ndpfctl: Syntax error in config file: pf rules not loaded\n");
}

TEST_CASE("dpfctl: carp demote with a missing or invalid N is a usage error, exit 1") {
  const std::pair<const char*, const char*> cases[] = {
      {"carp demote", "dpfctl: carp demote needs one number N\n"},
      {"carp demote 241", "dpfctl: carp demote: N must be an integer in -240..240\n"},
      {"carp demote -241", "dpfctl: carp demote: N must be an integer in -240..240\n"},
      {"carp demote x", "dpfctl: carp demote: N must be an integer in -240..240\n"},
      {"carp demote 1.5", "dpfctl: carp demote: N must be an integer in -240..240\n"},
      {"carp demote 10 11", "dpfctl: carp demote needs one number N\n"},
      {"carp", "dpfctl: unexpected argument carp\n"},
      {"carp promote 1", "dpfctl: unexpected argument carp\n"},
  };
  for (const auto& [args, first_line] : cases) {
    INFO(args);
    check_usage_error(dpfctl(std::string("--api http://127.0.0.1:1 ") + args), first_line);
  }
}

TEST_CASE("dpfctl: -K kills source nodes with the token and says so as pfctl does") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  Run r = dpfctl(node.api() + " -K 10.0.0.3");
  CHECK(r.status == 1);
  CHECK(r.out.find("/api/v1/sources?host=10.0.0.3: HTTP 401: missing or wrong bearer token") !=
        std::string::npos);
  CHECK(node.src_kills.empty());
  r = dpfctl(node.api() + " --token-file " + node.token_file + " -K 10.0.0.0/24");
  CHECK(r.status == 0);
  CHECK(r.out == "killed 2 src nodes from 1 sources and 0 destinations\n");
  r = dpfctl(node.api() + " --token-file " + node.token_file + " -K 10.0.0.3 -K 0.0.0.0");
  CHECK(r.out == "killed 2 src nodes from 1 sources and 1 destinations\n");
  using Params = dpf::rest::Hooks::Params;
  REQUIRE(node.src_kills.size() == 2);
  CHECK(node.src_kills[0] == Params{{"host", "10.0.0.0/24"}});
  CHECK(node.src_kills[1] == Params{{"host", "10.0.0.3"}, {"host2", "0.0.0.0"}});
  r = dpfctl(node.api() + " -K 1.1.1.1 -K 2.2.2.2 -K 3.3.3.3");
  CHECK(r.status == 1);
  CHECK(r.out.find("dpfctl: -K: at most two -K options (source and destination)\n") == 0);
}

TEST_CASE("dpfctl: -k with networks sends them to the node as host and host2") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  Run r = dpfctl(node.api() + " --token-file " + node.token_file + " -k 10.0.0.0/24");
  CHECK(r.status == 0);
  CHECK(r.out == "killed 3 states\n");
  r = dpfctl(node.api() + " --token-file " + node.token_file + " -k 10.0.0.0/24 -k 192.168.0.0/16");
  CHECK(r.status == 0);
  using Params = dpf::rest::Hooks::Params;
  REQUIRE(node.kills.size() == 2);
  CHECK(node.kills[0] == Params{{"host", "10.0.0.0/24"}});
  CHECK(node.kills[1] == Params{{"host", "10.0.0.0/24"}, {"host2", "192.168.0.0/16"}});
}

TEST_CASE("dpfctl: -s states names protocols 112 and 240 as carp and pfsync") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  const Run r = dpfctl(node.api() + " -s states");
  CHECK(r.status == 0);
  CHECK(r.out ==
        "sis2 carp 10.0.0.254 -> 224.0.0.18       SINGLE:NO_TRAFFIC\n"
        "sis2 pfsync 10.0.0.254 -> 224.0.0.240       SINGLE:NO_TRAFFIC\n");
}

TEST_CASE("dpfctl: --api=URL and a trailing slash reach the node as --api URL does") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  const std::string url = "http://127.0.0.1:" + std::to_string(node.server.port()) + "/";
  Run r = dpfctl("--api=" + url + " -s carp");
  CHECK(r.status == 0);
  CHECK(r.out.find("carp: preempt on, demotion 0 (operator 0)\n") == 0);
  r = dpfctl("-s carp", "DPF_API=" + url);
  CHECK(r.status == 0);
  CHECK(r.out.find("carp: preempt on, demotion 0 (operator 0)\n") == 0);
}

TEST_CASE(
    "dpfctl: the token file is read for changes only, and its errors say where it came from") {
  FakeNode node;
  std::string error;
  REQUIRE(node.server.start("127.0.0.1:0", error));
  const std::string cluster = "/tmp/dpfctl_test_cluster." + std::to_string(getpid()) + ".yaml";
  std::ofstream(cluster) << "cluster: { name: edge }\n"
                            "nodes:\n"
                            "  fw-a:\n"
                            "    interfaces:\n"
                            "      sis0: { device: \"net_af_packet0,iface=sis0\", address: "
                            "10.0.0.254/24 }\n"
                            "    api: { listen: \"127.0.0.1:"
                         << node.server.port() << "\", token_file: /nonexistent/token }\n";
  // A view needs no token: an operator who may not read the node's token file still sees it.
  Run r = dpfctl("--config " + cluster + " --node fw-a -s carp");
  CHECK(r.status == 0);
  CHECK(r.out.find("carp: preempt on, demotion 0 (operator 0)\n") == 0);
  r = dpfctl(node.api() + " -s carp", "DPF_TOKEN_FILE=/nonexistent/token");
  CHECK(r.status == 0);
  r = dpfctl("--config " + cluster + " --node fw-a carp demote 5");
  std::remove(cluster.c_str());
  CHECK(r.status == 1);
  CHECK(r.out ==
        "dpfctl: token file /nonexistent/token: cannot read: No such file or directory (from "
        "api.token_file of node "
        "fw-a in " +
            cluster + ")\n");
  CHECK(node.demotes.empty());
}
