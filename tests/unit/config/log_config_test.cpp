// The cluster file's log: maps (cluster.log and each node's own): defaults, overrides, and every
// bad value reported at its FILE:LINE:COL.
#include <catch2/catch.hpp>

#include "control/config/cluster.h"
#include "tests/unit/config/load_helpers.h"

using namespace dpf::config;
using dpf::config::test::at;
using dpf::config::test::errors_of;
using dpf::config::test::load;
using dpf::log::Format;
using dpf::log::Level;

namespace {

// Line 1 is the caller's cluster section; node a's extra lines follow line 5, node b's line 8.
std::string two_nodes(std::string_view cluster1, std::string_view a_extra = "",
                      std::string_view b_extra = "") {
  return std::string(cluster1) + R"(nodes:
  a:
    interfaces:
      sis0: { device: a0, address: 10.0.0.254/24 }
)" + std::string(a_extra) +
         R"(  b:
    interfaces:
      sis0: { device: b0, address: 10.0.0.253/24 }
)" + std::string(b_extra);
}

}  // namespace

TEST_CASE("log config: without log: every node logs text at info") {
  LoadResult r = load(two_nodes("cluster: { name: c }\n"));
  REQUIRE(r.cluster);
  for (const Node& n : r.cluster->nodes) {
    CHECK(n.log.level == Level::kInfo);
    CHECK(n.log.format == Format::kText);
  }
}

TEST_CASE("log config: cluster.log sets every node, a node's own keys win") {
  LoadResult r = load(two_nodes("cluster: { name: c, log: { level: notice, format: json } }\n",
                                "    log: { level: debug }\n"));
  INFO((r.errors.empty() ? std::string() : r.errors[0].str()));
  REQUIRE(r.cluster);
  CHECK(r.cluster->nodes[0].log.level == Level::kDebug);
  CHECK(r.cluster->nodes[0].log.format == Format::kJson);
  CHECK(r.cluster->nodes[1].log.level == Level::kNotice);
  CHECK(r.cluster->nodes[1].log.format == Format::kJson);
}

TEST_CASE("log config: a bad level, format or key is reported where it is written") {
  CHECK(errors_of(two_nodes("cluster: { name: c, log: { level: verbose } }\n")) ==
        std::vector<std::string>{at(1, 35) +
                                 "cluster.log.level: expected error, warning, notice, info or "
                                 "debug, got 'verbose'"});
  CHECK(
      errors_of(two_nodes("cluster: { name: c }\n", "    log: { format: xml }\n")) ==
      std::vector<std::string>{at(6, 20) + "nodes.a.log.format: expected text or json, got 'xml'"});
  CHECK(errors_of(two_nodes("cluster: { name: c }\n", "", "    log: { levle: info }\n")) ==
        std::vector<std::string>{at(9, 12) +
                                 "unknown key 'levle' in nodes.b.log (expected one of: level, "
                                 "format)"});
  CHECK(errors_of(two_nodes("cluster: { name: c, log: json }\n")) ==
        std::vector<std::string>{at(1, 26) + "cluster.log: expected a map, got a scalar"});
}
