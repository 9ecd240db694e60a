// A ruleset read as a node loads it (control/config/node_rules.h): the node's interfaces
// resolve names, unknown ones and what dpf refuses are errors at the rule's FILE:LINE:COL.
#include "control/config/node_rules.h"

#include <catch2/catch.hpp>

#include "tests/unit/config/load_helpers.h"

using dpf::config::parse_for_node;
using dpf::config::test::load;

namespace {

constexpr const char* kCluster =
    "nodes:\n"
    "  fw-a:\n"
    "    interfaces:\n"
    "      sis0: { device: net_null0, address: 10.0.0.254/24 }\n"
    "      sis1: { device: net_null1, address: 192.168.0.254/24 }\n";

std::vector<std::string> errors_of(const std::string& text) {
  auto loaded = load(kCluster);
  REQUIRE(loaded.cluster);
  auto r = parse_for_node(*loaded.cluster, loaded.cluster->nodes.front(), "r.conf", text);
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.to_string());
  CHECK(r.ok() == out.empty());
  return out;
}

const std::string kHas = " (it has sis0, sis1 and the group all)";

}  // namespace

TEST_CASE("node rules: a rule on an interface the node does not have is refused at the rule") {
  CHECK(errors_of("block all\n  pass in on em0 proto { tcp udp }\n") ==
        std::vector<std::string>{"r.conf:2:3: interface em0 does not exist on node fw-a" + kHas});
  CHECK(errors_of("pass in on { sis0 em1 }\n") ==
        std::vector<std::string>{"r.conf:1:1: interface em1 does not exist on node fw-a" + kHas});
  CHECK(errors_of("pass in on ! em2\n") ==
        std::vector<std::string>{"r.conf:1:1: interface em2 does not exist on node fw-a" + kHas});
  CHECK(errors_of("pass in received-on em3\n") ==
        std::vector<std::string>{"r.conf:1:1: interface em3 does not exist on node fw-a" + kHas});
}

TEST_CASE("node rules: dynamic addresses and antispoof name the node's interfaces") {
  CHECK(errors_of("pass in from (em1) to any\n") ==
        std::vector<std::string>{"r.conf:1:1: interface em1 does not exist on node fw-a" + kHas});
  CHECK(errors_of("pass in from (em1:network) to any\n") ==
        std::vector<std::string>{"r.conf:1:1: interface em1 does not exist on node fw-a" + kHas});
  CHECK(errors_of("antispoof for em0\n") ==
        std::vector<std::string>{"r.conf:1:1: interface em0 does not exist on node fw-a" + kHas});
}

TEST_CASE("node rules: the node's interfaces and the group all are accepted") {
  CHECK(errors_of("block all\n"
                  "antispoof quick for { sis0 sis1 }\n"
                  "pass in on sis0 from (sis1) to sis0:network\n"
                  "pass out on all\n")
            .empty());
}

TEST_CASE("node rules: modulate and synproxy state are refused at the rule, every one") {
  CHECK(errors_of("block all\n"
                  "pass in on sis0 proto tcp to port 22 modulate state\n"
                  "pass in on em0 proto tcp synproxy state\n") ==
        std::vector<std::string>{
            "r.conf:2:1: modulate state is not supported by dpf yet; use keep state",
            "r.conf:3:1: interface em0 does not exist on node fw-a" + kHas,
            "r.conf:3:1: synproxy state is not supported by dpf yet; use keep state"});
}

TEST_CASE("node rules: a shared ruleset may not set the hostid") {
  auto loaded = load(std::string(kCluster) +
                     "  fw-b:\n"
                     "    interfaces:\n"
                     "      sis0: { device: net_null0, address: 10.0.0.253/24 }\n");
  REQUIRE(loaded.cluster);
  auto r = parse_for_node(*loaded.cluster, loaded.cluster->nodes.front(), "r.conf",
                          "set hostid 1\npass all\n");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() ==
        "r.conf: `set hostid` in a ruleset shared by several nodes: set each node's hostid in "
        "the cluster file");
}
