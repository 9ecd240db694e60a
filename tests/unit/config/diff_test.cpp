// What SIGHUP finds changed in a node's settings (config/diff.h): one Change per field, and only
// cluster.rules and the log settings marked as applied.
#include "control/config/diff.h"

#include <catch2/catch.hpp>

#include "tests/unit/config/load_helpers.h"

using namespace dpf::config;
using dpf::config::test::load;

namespace {

constexpr const char* kBase = R"(cluster:
  name: edge
  rules: pf.conf
  pfsync: { syncdev: sis2 }
  carp:
    vhids:
      - { vhid: 1, interface: sis0, pass: foo, advbase: 1, addresses: [10.0.0.1/24] }
nodes:
  fw-a:
    eal: [-l, "0-1"]
    carp: { advskew: 0 }
    interfaces:
      sis0: { device: a0, address: 10.0.0.254/24 }
      sis2: { device: a2, address: 172.16.0.1/30 }
    routes:
      - { to: 0.0.0.0/0, via: 10.0.0.2 }
)";

std::string with(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// "field: detail [applied]" for each change from kBase to `now`.
std::vector<std::string> changes(const std::string& now) {
  LoadResult a = load(kBase), b = load(now);
  INFO((b.errors.empty() ? std::string() : b.errors[0].str()));
  REQUIRE(a.cluster);
  REQUIRE(b.cluster);
  std::vector<std::string> out;
  for (const Change& c :
       diff_node(*a.cluster, a.cluster->nodes[0], *b.cluster, b.cluster->nodes[0]))
    out.push_back(c.field + ": " + c.detail + (c.applied ? " [applied]" : ""));
  return out;
}

}  // namespace

TEST_CASE("config diff: the same file has no change") {
  CHECK(changes(kBase).empty());
}

TEST_CASE("config diff: an added route is listed, and needs a restart") {
  CHECK(changes(with(kBase, "      - { to: 0.0.0.0/0, via: 10.0.0.2 }\n",
                     "      - { to: 0.0.0.0/0, via: 10.0.0.2 }\n"
                     "      - { to: 10.1.0.0/16, via: 10.0.0.3 }\n")) ==
        std::vector<std::string>{"nodes.fw-a.routes: added 10.1.0.0/16 via 10.0.0.3"});
  CHECK(changes(with(kBase, "      - { to: 0.0.0.0/0, via: 10.0.0.2 }\n", "")) ==
        std::vector<std::string>{"nodes.fw-a.routes: removed 0.0.0.0/0 via 10.0.0.2"});
}

TEST_CASE("config diff: the rules path and the log settings are what SIGHUP applies") {
  CHECK(changes(with(with(kBase, "rules: pf.conf", "rules: other.conf"),
                     "    eal:", "    log: { level: debug, format: json }\n    eal:")) ==
        std::vector<std::string>{"cluster.rules: /etc/dpf/pf.conf -> /etc/dpf/other.conf [applied]",
                                 "nodes.fw-a.log.level: info -> debug [applied]",
                                 "nodes.fw-a.log.format: text -> json [applied]"});
}

TEST_CASE("config diff: each changed field of the node is one change, in file order") {
  std::string now = with(kBase, R"(eal: [-l, "0-1"])", R"(eal: [-l, "0-2"])");
  now = with(now, "    carp: { advskew: 0 }\n",
             "    carp: { advskew: 50 }\n    lcores: { workers: 2 }\n    hostid: 7\n"
             "    api: { listen: \"127.0.0.1:9090\" }\n");
  now = with(now, "sis0: { device: a0, address: 10.0.0.254/24 }",
             "sis0: { device: a0, address: 10.0.0.250/24, mtu: 9000 }\n"
             "      sis1: { device: a1, address: 192.168.0.254/24 }");
  now = with(now, "pfsync: { syncdev: sis2 }", "pfsync: { syncdev: sis2, maxupd: 64 }");
  now = with(now, "pass: foo, advbase: 1", "pass: bar, advbase: 2");
  CHECK(changes(now) ==
        std::vector<std::string>{
            "nodes.fw-a.hostid: (random) -> 0x00000007", "nodes.fw-a.eal: [-l, 0-1] -> [-l, 0-2]",
            "nodes.fw-a.lcores.workers: 1 -> 2",
            "nodes.fw-a.interfaces.sis0.address: 10.0.0.254/24 -> 10.0.0.250/24",
            "nodes.fw-a.interfaces.sis0.mtu: 1500 -> 9000",
            "nodes.fw-a.interfaces.sis1: added (a1, 192.168.0.254/24)",
            "nodes.fw-a.api.listen: 127.0.0.1:9080 -> 127.0.0.1:9090",
            "nodes.fw-a.pfsync.maxupd: 128 -> 64", "cluster.carp.vhids.1.advbase: 1 -> 2",
            "cluster.carp.vhids.1.pass: changed", "nodes.fw-a.carp.advskew (vhid 1): 0 -> 50"});
}

TEST_CASE("config diff: sections added or removed are one change each") {
  std::string now = with(kBase, "  pfsync: { syncdev: sis2 }\n", "");
  now = with(now,
             "  carp:\n    vhids:\n      - { vhid: 1, interface: sis0, pass: foo, advbase: 1, "
             "addresses: [10.0.0.1/24] }\n",
             "");
  now = with(now, "    carp: { advskew: 0 }\n", "");
  now = with(now, "      sis2: { device: a2, address: 172.16.0.1/30 }\n", "");
  CHECK(changes(now) == std::vector<std::string>{"nodes.fw-a.interfaces.sis2: removed",
                                                 "nodes.fw-a.pfsync: removed",
                                                 "cluster.carp: removed"});
}
