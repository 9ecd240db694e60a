// SIGHUP on a node assembled on two net_ring ports (dataplane/slowpath/reload.h): the cluster
// file re-read, each change logged as applied or as needing a restart, and the ruleset reloaded
// from its file or kept when it came over REST. The log is captured with a fixed clock. Main
// lcore; EAL from eal_main.cpp.
#include "dataplane/slowpath/reload.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "control/log/log.h"
#include "dataplane/slowpath/pf_load.h"
#include "dataplane/worker/pf.h"
#include "tests/unit/node/ring_node.h"

namespace dpf {
namespace {

constexpr const char* kCluster = R"(cluster:
  name: sphup
  rules: hup.pf.conf
nodes:
  fw:
    hostid: 0x0a000005
    lcores: { workers: 1, idle: poll }
    interfaces:
      em0: { device: net_ring_sphup0, address: 10.0.0.254/24 }
      em1: { device: net_ring_sphup1, address: 10.1.0.254/24 }
)";
constexpr const char* kRules = "pass in keep state\n";

void assemble(test::RingNode& b) {
  test::assemble_ring_node(b, "sphup", kCluster, "hup.pf.conf", kRules);
  std::ofstream(b.dir / "cluster.yaml") << kCluster;
}

test::RingNode& bench() {
  return test::ring_node_once<test::RingNode>(assemble, test::teardown_ring_node);
}

// The process's log lines while it lives, stamped 1970-01-01T00:00:00.000Z.
struct Captured {
  std::vector<std::string> lines;
  Captured() {
    log::logger().redirect([this](std::string_view l) { lines.emplace_back(l); },
                           [] { return log::Clock::time_point{}; });
  }
  ~Captured() {
    log::logger().redirect([](std::string_view l) { std::fwrite(l.data(), 1, l.size(), stderr); },
                           [] { return log::Clock::now(); });
    log::logger().configure({});
  }
  bool has(const std::string& line) const {
    for (const auto& l : lines)
      if (l == "1970-01-01T00:00:00.000Z dpf " + line + "\n") return true;
    return false;
  }
  std::string all() const {
    std::string out;
    for (const auto& l : lines) out += l;
    return out;
  }
};

// Puts the node back as it started: its files, and the rules file it reloads.
std::string reset(test::RingNode& b) {
  std::ofstream(b.dir / "cluster.yaml") << kCluster;
  std::ofstream(b.dir / "hup.pf.conf") << kRules;
  b.node.rules_path = b.cluster.rules_path;
  return (b.dir / "cluster.yaml").string();
}

size_t rule_count(const Node& n) {
  return n.pf->ruleset.load()->compiled->rules.size();
}

TEST_CASE("reload: SIGHUP reloads the rules file the running ruleset came from") {
  test::RingNode& b = bench();
  const std::string file = reset(b);
  ConfigReload reload(b.node);
  std::ofstream(b.dir / "hup.pf.conf") << "block all\npass in keep state\n";
  Captured log;
  reload.sighup();
  INFO(log.all());
  CHECK(log.has("notice: SIGHUP: re-reading " + file));
  CHECK(log.has("info: SIGHUP: " + file + ": no change to node fw"));
  CHECK(rule_count(b.node) == 2);
  const std::string gen = std::to_string(b.node.pf->ruleset.load()->generation);
  CHECK(log.has("notice: ruleset " + b.cluster.rules_path +
                " reloaded (SIGHUP): 2 rules, generation " + gen));
}

TEST_CASE("reload: SIGHUP keeps a ruleset loaded over REST, and says whose and when") {
  test::RingNode& b = bench();
  reset(b);
  ConfigReload reload(b.node);
  std::vector<std::string> errors;
  REQUIRE(
      pf_load(b.node, "/home/op/test.conf", "block all\npass out keep state\nblock in\n", errors));
  reload.loaded_over_rest("/home/op/test.conf", "127.0.0.1");
  const uint64_t gen = b.node.pf->ruleset.load()->generation;
  Captured log;
  reload.sighup();
  INFO(log.all());
  CHECK(b.node.pf->ruleset.load()->generation == gen);
  CHECK(rule_count(b.node) == 3);
  const std::string kept =
      "1970-01-01T00:00:00.000Z dpf notice: SIGHUP: ruleset "
      "/home/op/test.conf loaded over REST from 127.0.0.1 at " +
      log::format_time(reload.origin().at) +
      " is kept; dpfctl -f FILE, POST /api/v1/rules with an empty body (the "
      "cluster file's rules) or a restart changes it\n";
  CHECK(std::find(log.lines.begin(), log.lines.end(), kept) != log.lines.end());
  // The cluster file's rules again (an empty POST): the next SIGHUP reloads the file.
  reload.loaded_from_file();
  reload.sighup();
  CHECK(rule_count(b.node) == 1);
}

TEST_CASE("reload: an added route needs a restart; a new rules path and log format apply") {
  test::RingNode& b = bench();
  const std::string file = reset(b);
  ConfigReload reload(b.node);
  reload.loaded_over_rest("/home/op/test.conf", "127.0.0.1");
  std::ofstream(b.dir / "other.pf.conf") << "block all\npass out keep state\n";
  std::string yaml = kCluster;
  yaml.replace(yaml.find("hup.pf.conf"), 11, "other.pf.conf");
  yaml += "    routes:\n      - { to: 10.9.0.0/16, via: 10.0.0.1 }\n    log: { format: json }\n";
  std::ofstream(b.dir / "cluster.yaml") << yaml;
  Captured log;
  reload.sighup();
  INFO(log.all());
  const std::string other = (b.dir / "other.pf.conf").string();
  CHECK(log.has("notice: " + file + ": cluster.rules: " + b.cluster.rules_path + " -> " + other +
                "; applied"));
  CHECK(log.has("notice: " + file + ": nodes.fw.log.format: text -> json; applied"));
  CHECK(log.has("warning: " + file +
                ": nodes.fw.routes: added 10.9.0.0/16 via 10.0.0.1; needs a restart (SIGHUP "
                "does not apply it)"));
  // A changed rules path is loaded even over a ruleset loaded over REST; the line is JSON now.
  CHECK(b.node.rules_path == other);
  CHECK(rule_count(b.node) == 2);
  REQUIRE(!log.lines.empty());
  const auto last = nlohmann::json::parse(log.lines.back());
  CHECK(last["msg"].get<std::string>().rfind("ruleset " + other + " reloaded (SIGHUP)", 0) == 0);
  CHECK(last["action"] == "reloaded");
}

TEST_CASE("reload: a cluster file that does not load is logged and changes nothing") {
  test::RingNode& b = bench();
  const std::string file = reset(b);
  ConfigReload reload(b.node);
  std::ofstream(b.dir / "cluster.yaml") << std::string(kCluster) + "    routes: 5\n";
  Captured log;
  reload.sighup();
  INFO(log.all());
  CHECK(log.has("error: " + file + ":11:13: nodes.fw.routes: expected a list, got a scalar"));
  CHECK(log.has("error: SIGHUP: " + file + " does not load; the running configuration stays"));
  CHECK(b.node.rules_path == b.cluster.rules_path);
}

}  // namespace
}  // namespace dpf
