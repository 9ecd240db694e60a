// The pfsync and carp parts of the cluster file (issues 4 and 5): defaults, per-node overrides,
// and every cross check between the shared settings and each node.
#include <catch2/catch.hpp>

#include "control/config/cluster.h"
#include "tests/unit/config/load_helpers.h"

using namespace dpf::config;
using dpf::config::test::at;
using dpf::config::test::errors_of;
using dpf::config::test::load;

namespace {

// Lines 1-2 are the caller's cluster section (exactly two lines), then two nodes on the pfsync(4)
// example's networks, each followed by the caller's extra lines for that node.
std::string two_nodes(std::string_view cluster2, std::string_view a_extra = "",
                      std::string_view b_extra = "") {
  return std::string(cluster2) + R"(nodes:
  fw-a:
    interfaces:
      sis0: { device: a0, address: 10.0.0.254/24 }
      sis1: { device: a1, address: 192.168.0.254/24 }
      sis2: { device: a2, address: 172.16.0.1/30 }
)" + std::string(a_extra) +
         R"(  fw-b:
    interfaces:
      sis0: { device: b0, address: 10.0.0.253/24 }
      sis1: { device: b1, address: 192.168.0.253/24 }
      sis2: { device: b2, address: 172.16.0.2/30 }
)" + std::string(b_extra);
}

}  // namespace

TEST_CASE("pfsync config: cluster.pfsync alone gives every node the defaults of pfsync(4)") {
  LoadResult r = load(two_nodes("cluster:\n  pfsync: { syncdev: sis2 }\n"));
  REQUIRE(r.cluster);
  for (const Node& n : r.cluster->nodes) {
    REQUIRE(n.pfsync);
    CHECK(n.pfsync->syncdev == "sis2");
    CHECK(n.pfsync->maxupd == 128);
    CHECK_FALSE(n.pfsync->defer);
    CHECK(n.pfsync->version == 1301);
    CHECK(n.pfsync->mirror.empty());
    CHECK(n.pfsync->syncpeer_mode == SyncPeerMode::multicast);
    CHECK(n.pfsync->syncdev_at.line == 2);
  }
}

TEST_CASE("pfsync config: a node's own pfsync keys override the cluster's") {
  LoadResult r = load(two_nodes("cluster:\n  pfsync: { syncdev: sis2, maxupd: 10, defer: true }\n",
                                "    pfsync: { maxupd: 20, syncpeer: 172.16.0.2 }\n",
                                "    pfsync: { defer: false }\n"));
  INFO((r.errors.empty() ? std::string() : r.errors[0].str()));
  REQUIRE(r.cluster);
  const Pfsync& a = r.cluster->nodes[0].pfsync.value();
  CHECK(a.syncdev == "sis2");
  CHECK(a.syncdev_at.line == 2);
  CHECK(a.maxupd == 20);
  CHECK(a.defer);
  CHECK(a.syncpeer_mode == SyncPeerMode::address);
  CHECK(a.syncpeer == 0xac100002u);
  CHECK(a.syncpeer_at.line == 9);
  const Pfsync& b = r.cluster->nodes[1].pfsync.value();
  CHECK(b.syncdev == "sis2");
  CHECK(b.maxupd == 10);
  CHECK_FALSE(b.defer);
  CHECK(b.syncpeer_mode == SyncPeerMode::multicast);
}

TEST_CASE("pfsync config: a node may configure pfsync without a cluster section") {
  LoadResult r = load(two_nodes("cluster:\n  name: edge\n", "    pfsync: { syncdev: sis2 }\n"));
  REQUIRE(r.cluster);
  CHECK(r.cluster->nodes[0].pfsync.has_value());
  CHECK_FALSE(r.cluster->nodes[1].pfsync.has_value());
}

TEST_CASE("pfsync config: a syncdev that is not an interface of a node is reported per node") {
  CHECK(errors_of(two_nodes("cluster:\n  pfsync: { syncdev: sis3 }\n")) ==
        std::vector<std::string>{at(2, 22) + "pfsync syncdev sis3: fw-a has no interface sis3",
                                 at(2, 22) + "pfsync syncdev sis3: fw-b has no interface sis3"});
  CHECK(
      errors_of(two_nodes("cluster:\n  pfsync: { maxupd: 1 }\n")) ==
      std::vector<std::string>{
          at(2, 3) + "nodes.fw-a: pfsync needs a syncdev (in cluster.pfsync or the node's pfsync)",
          at(2, 3) +
              "nodes.fw-b: pfsync needs a syncdev (in cluster.pfsync or the node's pfsync)"});
}

TEST_CASE("pfsync config: nodes whose sync interfaces are on different subnets are reported") {
  auto errs = errors_of(
      two_nodes("cluster:\n  pfsync: { syncdev: sis2 }\n", "", "    pfsync: { syncdev: sis1 }\n"));
  CHECK(errs == std::vector<std::string>{
                    at(12, 36) + "pfsync: fw-b's sync interface sis1 (192.168.0.253/24) is not on "
                                 "fw-a's sync network 172.16.0.0/30"});
}

TEST_CASE("pfsync config: two nodes with one sync address are reported") {
  std::string yaml = two_nodes("cluster:\n  pfsync: { syncdev: sis2 }\n");
  yaml.replace(yaml.find("172.16.0.2/30"), 13, "172.16.0.1/30");
  CHECK(errors_of(yaml) ==
        std::vector<std::string>{at(13, 36) +
                                 "pfsync: fw-b's sync address 172.16.0.1 is also fw-a's"});
}

TEST_CASE("pfsync config: syncpeer 'peer' needs exactly two nodes") {
  std::string three = two_nodes("cluster:\n  pfsync: { syncdev: sis2, syncpeer: peer }\n") +
                      "  fw-c:\n    interfaces:\n      sis2: { device: c2, address: 172.16.0.3/29 "
                      "}\n";
  // fw-c's /29 also differs from the /30 of the others: one mistake more, on its own line.
  auto errs = errors_of(three);
  REQUIRE(errs.size() == 2);
  CHECK(errs[0] ==
        at(2, 38) + "pfsync syncpeer 'peer' needs a cluster of exactly two nodes; this one has 3");
  CHECK(errs[1].rfind(at(16, 36), 0) == 0);
}

TEST_CASE("pfsync config: a syncpeer address off the sync network or the node's own is reported") {
  CHECK(errors_of(two_nodes("cluster:\n  pfsync: { syncdev: sis2 }\n",
                            "    pfsync: { syncpeer: 172.16.0.1 }\n")) ==
        std::vector<std::string>{at(9, 25) +
                                 "pfsync syncpeer 172.16.0.1 is fw-a's own address on sis2"});
  CHECK(errors_of(two_nodes("cluster:\n  pfsync: { syncdev: sis2 }\n",
                            "    pfsync: { syncpeer: 10.0.0.253 }\n")) ==
        std::vector<std::string>{at(9, 25) +
                                 "pfsync syncpeer 10.0.0.253 is not on fw-a's sync network "
                                 "172.16.0.0/30"});
  CHECK(errors_of(two_nodes("cluster:\n  pfsync: { syncdev: sis2, syncpeer: 224.0.0.240 }\n")) ==
        std::vector<std::string>{at(2, 38) +
                                 "cluster.pfsync.syncpeer: 224.0.0.240 is a multicast address; "
                                 "syncpeer is a unicast address or 'peer' (leave it out for "
                                 "multicast)"});
}

TEST_CASE("pfsync config: maxupd, defer, version and mirror are checked") {
  CHECK(errors_of(two_nodes(
            "cluster:\n  pfsync: { syncdev: sis2, maxupd: 256, defer: yes, version: 1500 }\n")) ==
        std::vector<std::string>{
            at(2, 36) + "cluster.pfsync.maxupd: 256 is out of range 1..255",
            at(2, 48) + "cluster.pfsync.defer: expected true or false, got 'yes'",
            at(2, 62) + "cluster.pfsync.version: pfsync version must be 1301 or 1400, got 1500"});
  CHECK(errors_of(two_nodes("cluster:\n  pfsync: { syncdev: sis2, mirror: sis1 }\n")) ==
        std::vector<std::string>{
            at(2, 36) + "pfsync mirror sis1: fw-a already has a data interface of that name",
            at(2, 36) + "pfsync mirror sis1: fw-b already has a data interface of that name"});
  LoadResult r = load(two_nodes("cluster:\n  pfsync: { syncdev: sis2, version: 1400 }\n"));
  REQUIRE(r.cluster);
  CHECK(r.cluster->nodes[1].pfsync->version == 1400);
}

TEST_CASE("carp config: the issue-5 groups load with one advskew or one per vhid") {
  LoadResult r = load(R"(cluster:
  carp:
    preempt: true
    vhids:
      - { vhid: 1, interface: sis0, pass: foo, advbase: 1, addresses: [10.0.0.1/24] }
      - { vhid: 2, interface: sis1, pass: bar, advbase: 1, addresses: [192.168.0.1/24] }
nodes:
  fw-a:
    carp: { advskew: 0 }
    interfaces:
      sis0: { device: a0, address: 10.0.0.254/24 }
      sis1: { device: a1, address: 192.168.0.254/24 }
  fw-b:
    carp: { advskew: { 1: 100, 2: 100 } }
    interfaces:
      sis0: { device: b0, address: 10.0.0.253/24 }
      sis1: { device: b1, address: 192.168.0.253/24 }
  fw-c:
    carp: { advskew: 200 }
    interfaces:
      sis0: { device: c0, address: 10.0.0.252/24 }
      sis1: { device: c1, address: 192.168.0.252/24 }
  fw-d:
    carp: { advskew: { 2: 7 } }
    interfaces:
      sis0: { device: d0, address: 10.0.0.251/24 }
      sis1: { device: d1, address: 192.168.0.251/24 }
)");
  INFO((r.errors.empty() ? std::string() : r.errors[0].str()));
  REQUIRE(r.cluster);
  const auto& n = r.cluster->nodes;
  CHECK(n[0].advskew(1, "sis0") == 0);
  CHECK(n[0].advskew(2, "sis1") == 0);
  CHECK(n[1].advskew(1, "sis0") == 100);
  CHECK(n[1].advskew(2, "sis1") == 100);
  CHECK(n[2].advskew(1, "sis0") == 200);
  CHECK(n[2].advskew(2, "sis1") == 200);
  CHECK(n[3].advskew(1, "sis0") == 0);  // not named in the map: the default
  CHECK(n[3].advskew(2, "sis1") == 7);
  REQUIRE(n[1].carp.size() == 2);
  CHECK(n[1].carp[1].vhid == 2);
  CHECK(n[1].carp[1].interface == "sis1");
  CHECK(r.cluster->carp->vhids[1].addresses[0].addr == 0xc0a80001u);
}

TEST_CASE("carp config: one vhid twice on an interface is reported, on two interfaces it is not") {
  CHECK(errors_of(two_nodes(
            R"(cluster: { carp: { vhids: [ { vhid: 1, interface: sis0, addresses: [10.0.0.1/24] },
                           { vhid: 1, interface: sis0, addresses: [10.0.0.2/24] } ] } }
)")) == std::vector<std::string>{at(2, 28) + "carp vhid 1 is already used on sis0"});
  CHECK(
      errors_of(
          two_nodes(
              R"(cluster: { carp: { vhids: [ { vhid: 1, interface: sis0, addresses: [10.0.0.1/24] },
                           { vhid: 1, interface: sis1, addresses: [192.168.0.1/24] } ] } }
)"))
          .empty());
}

TEST_CASE("carp config: a virtual address outside the interface's subnet on any node is reported") {
  std::string yaml = two_nodes(
      "cluster:\n  carp: { vhids: [ { vhid: 3, interface: sis0, addresses: [10.0.0.1/24] } ] }\n");
  yaml.replace(yaml.find("10.0.0.253/24"), 13, "10.0.1.253/24");
  CHECK(errors_of(yaml) ==
        std::vector<std::string>{at(2, 60) +
                                 "carp vhid 3: 10.0.0.1 is not inside fw-b's sis0 network "
                                 "10.0.1.0/24"});
}

TEST_CASE("carp config: a virtual address equal to a node's own address is reported") {
  CHECK(errors_of(two_nodes("cluster:\n  carp: { vhids: [ { vhid: 3, interface: sis0, addresses: "
                            "[10.0.0.1/24, 10.0.0.253/24] } ] }\n")) ==
        std::vector<std::string>{at(2, 73) +
                                 "carp vhid 3: 10.0.0.253 is fw-b's own address on sis0"});
}

TEST_CASE("carp config: a vhid on an interface a node does not have is reported") {
  CHECK(errors_of(two_nodes("cluster:\n  carp: { vhids: [ { vhid: 3, interface: sis7, addresses: "
                            "[10.0.0.1/24] } ] }\n")) ==
        std::vector<std::string>{at(2, 42) + "carp vhid 3: fw-a has no interface sis7",
                                 at(2, 42) + "carp vhid 3: fw-b has no interface sis7"});
}

TEST_CASE("carp config: a password longer than CARP's 19 usable bytes is reported") {
  auto with_pass = [](std::string_view pass) {
    return errors_of(two_nodes("cluster:\n  carp: { vhids: [ { vhid: 3, interface: sis0, pass: " +
                               std::string(pass) + ", addresses: [10.0.0.1/24] } ] }\n"));
  };
  CHECK(with_pass("\"0123456789abcdefghi\"").empty());  // 19 bytes
  CHECK(with_pass("\"0123456789abcdefghij\"") ==
        std::vector<std::string>{at(2, 54) +
                                 "cluster.carp.vhids[0].pass: the password is 20 bytes; CARP uses "
                                 "at most 19"});
}

TEST_CASE("carp config: vhid, advbase and advskew ranges are checked") {
  CHECK(errors_of(two_nodes("cluster:\n  carp: { vhids: [ { vhid: 0, interface: sis0, advbase: "
                            "256, addresses: [10.0.0.1/24] } ] }\n")) ==
        std::vector<std::string>{
            at(2, 28) + "cluster.carp.vhids[0].vhid: 0 is out of range 1..255",
            at(2, 57) + "cluster.carp.vhids[0].advbase: 256 is out of range 1..255"});
  const std::string cluster =
      "cluster:\n  carp: { vhids: [ { vhid: 3, interface: sis0, addresses: [10.0.0.1/24] } ] }\n";
  CHECK(
      errors_of(two_nodes(cluster, "    carp: { advskew: 255 }\n")) ==
      std::vector<std::string>{at(9, 22) + "nodes.fw-a.carp.advskew: 255 is out of range 0..254"});
  CHECK(
      errors_of(two_nodes(cluster, "    carp: { advskew: { 3: 1, 4: 2 } }\n")) ==
      std::vector<std::string>{at(9, 30) + "nodes.fw-a.carp.advskew: cluster.carp has no vhid 4"});
  CHECK(errors_of(two_nodes(cluster, "    carp: { advskew: { x: 1 } }\n")) ==
        std::vector<std::string>{at(9, 24) +
                                 "nodes.fw-a.carp.advskew: key 'x' is not a vhid 1..255"});
}

TEST_CASE("carp config: a node's carp map in a cluster without carp is reported") {
  CHECK(errors_of(two_nodes("cluster:\n  name: edge\n", "    carp: { advskew: 1 }\n")) ==
        std::vector<std::string>{at(9, 5) + "nodes.fw-a.carp: the cluster has no carp section"});
}

TEST_CASE("carp config: a vhid without its interface or addresses is reported at the vhid") {
  CHECK(errors_of(two_nodes("cluster:\n  carp: { vhids: [ { vhid: 3 } ] }\n")) ==
        std::vector<std::string>{at(2, 20) + "cluster.carp.vhids[0]: missing key 'interface'",
                                 at(2, 20) + "cluster.carp.vhids[0]: missing key 'addresses'"});
}

TEST_CASE("config: cluster.rules is resolved against the cluster file's directory") {
  LoadResult r = load(two_nodes("cluster:\n  rules: rules/edge.pf.conf\n"));
  REQUIRE(r.cluster);
  CHECK(r.cluster->rules == "rules/edge.pf.conf");
  CHECK(r.cluster->rules_path == "/etc/dpf/rules/edge.pf.conf");
  r = load(two_nodes("cluster:\n  rules: /srv/pf.conf\n"));
  REQUIRE(r.cluster);
  CHECK(r.cluster->rules_path == "/srv/pf.conf");
  LoadResult bare = load_cluster_string(two_nodes("cluster:\n  rules: edge.pf.conf\n"), "c.yaml");
  REQUIRE(bare.cluster);
  CHECK(bare.cluster->rules_path == "edge.pf.conf");
}

TEST_CASE("carp config: a virtual address given to two vhids, or twice to one, is reported") {
  CHECK(errors_of(two_nodes(
            R"(cluster: { carp: { vhids: [ { vhid: 1, interface: sis0, addresses: [10.0.0.1/24] },
                           { vhid: 2, interface: sis0, addresses: [10.0.0.2/24, 10.0.0.1/24] } ] } }
)")) == std::vector<std::string>{at(2, 81) +
                                 "carp vhid 2: 10.0.0.1 is already an address of vhid 1"});
  CHECK(errors_of(two_nodes(R"(cluster:
  carp: { vhids: [ { vhid: 1, interface: sis0, addresses: [10.0.0.1/24, 10.0.0.1/24] } ] }
)")) == std::vector<std::string>{at(2, 73) +
                                 "carp vhid 1: 10.0.0.1 is already an address of vhid 1"});
}

TEST_CASE("carp config: a virtual address that cannot be a host address is reported") {
  CHECK(errors_of(two_nodes("cluster:\n  carp: { vhids: [ { vhid: 1, interface: sis0, addresses: "
                            "[10.0.0.0/24] } ] }\n")) ==
        std::vector<std::string>{at(2, 60) +
                                 "cluster.carp.vhids[0].addresses[0]: 10.0.0.0/24 is the network "
                                 "address of its prefix"});
}

TEST_CASE("pfsync config: syncpeer 'peer' needs the other node to sync too") {
  CHECK(errors_of(two_nodes("cluster:\n  name: edge\n",
                            "    pfsync: { syncdev: sis2, syncpeer: peer }\n")) ==
        std::vector<std::string>{at(9, 40) + "pfsync syncpeer 'peer': fw-b has no sync interface"});
}
