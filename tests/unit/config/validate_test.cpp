// Each class of mistake in the nodes' own parts (keys, types, numbers, addresses, interfaces,
// routes, api) is reported once, at the key or value that is wrong, as FILE:LINE:COL.
#include <catch2/catch.hpp>

#include "control/config/cluster.h"
#include "tests/unit/config/load_helpers.h"

using namespace dpf::config;
using dpf::config::test::at;
using dpf::config::test::errors_of;
using dpf::config::test::load;

namespace {

// One node with one interface, followed by whatever the test appends under the node.
std::string node_with(std::string_view extra) {
  return std::string(R"(nodes:
  fw-a:
    interfaces:
      sis0: { device: d0, address: 10.0.0.254/24 }
)") + std::string(extra);
}

}  // namespace

TEST_CASE("config: an unknown key is reported at the key, at any depth") {
  CHECK(errors_of("nods: {}\n") ==
        std::vector<std::string>{
            at(1, 1) + "unknown key 'nods' in top level (expected one of: cluster, nodes)",
            at(1, 1) + "missing key 'nodes' (the cluster needs at least one node)"});
  CHECK(errors_of(node_with("    hostname: x\n")) ==
        std::vector<std::string>{at(5, 5) +
                                 "unknown key 'hostname' in nodes.fw-a (expected one of: hostid, "
                                 "eal, lcores, interfaces, routes, api, pfsync, carp, log)"});
  CHECK(errors_of(R"(nodes:
  fw-a:
    interfaces:
      sis0: { device: d0, address: 10.0.0.254/24, speed: 10G }
)") == std::vector<std::string>{at(4, 51) +
                                "unknown key 'speed' in nodes.fw-a.interfaces.sis0 (expected one "
                                "of: device, address, mtu, fix_offloaded_checksums)"});
  CHECK(errors_of(node_with("    lcores: { workers: 1, idel: poll }\n")) ==
        std::vector<std::string>{at(5, 27) +
                                 "unknown key 'idel' in nodes.fw-a.lcores (expected one of: "
                                 "workers, idle, idle_sleep_max_us)"});
}

TEST_CASE("config: a value of the wrong type is reported at the value") {
  CHECK(errors_of(R"(nodes:
  fw-a:
    interfaces: [sis0]
)") == std::vector<std::string>{at(3, 17) + "nodes.fw-a.interfaces: expected a map, got a list"});
  CHECK(errors_of(node_with("    eal: --no-huge\n")) ==
        std::vector<std::string>{at(5, 10) + "nodes.fw-a.eal: expected a list, got a scalar"});
  CHECK(errors_of(node_with("    eal: [-l, [0, 1]]\n")) ==
        std::vector<std::string>{at(5, 15) + "nodes.fw-a.eal[1]: expected a string, got a list"});
  CHECK(errors_of(node_with("    lcores: { workers: \"2\" }\n")) ==
        std::vector<std::string>{at(5, 24) +
                                 "nodes.fw-a.lcores.workers: expected an integer 1..128, got '2'"});
  CHECK(errors_of(node_with("    lcores: { idle: [poll] }\n")) ==
        std::vector<std::string>{at(5, 21) +
                                 "nodes.fw-a.lcores.idle: expected a string, got a list"});
  CHECK(errors_of(node_with("    routes: { to: 0.0.0.0/0 }\n")) ==
        std::vector<std::string>{at(5, 13) + "nodes.fw-a.routes: expected a list, got a map"});
}

TEST_CASE("config: numbers out of range or with junk are reported at the value") {
  CHECK(errors_of(node_with("    hostid: 0\n")) ==
        std::vector<std::string>{at(5, 13) + "nodes.fw-a.hostid: 0 is out of range 1..0xffffffff"});
  CHECK(errors_of(node_with("    hostid: 0x100000000\n")) ==
        std::vector<std::string>{at(5, 13) +
                                 "nodes.fw-a.hostid: 0x100000000 is out of range 1..0xffffffff"});
  CHECK(errors_of(node_with("    hostid: 12abc\n")) ==
        std::vector<std::string>{at(5, 13) +
                                 "nodes.fw-a.hostid: expected an integer 1..0xffffffff, got "
                                 "'12abc'"});
  CHECK(errors_of(node_with("    hostid: -1\n")) ==
        std::vector<std::string>{at(5, 13) +
                                 "nodes.fw-a.hostid: expected an integer 1..0xffffffff, got '-1'"});
  CHECK(errors_of(node_with("    lcores: { workers: 0, idle: spin, idle_sleep_max_us: 0 }\n")) ==
        std::vector<std::string>{
            at(5, 24) + "nodes.fw-a.lcores.workers: 0 is out of range 1..128",
            at(5, 33) + "nodes.fw-a.lcores.idle: expected poll or adaptive, got 'spin'",
            at(5, 58) + "nodes.fw-a.lcores.idle_sleep_max_us: 0 is out of range 1..0xf4240"});
  CHECK(errors_of(R"(nodes:
  fw-a:
    interfaces:
      sis0: { device: d0, address: 10.0.0.254/24, mtu: 67 }
)") == std::vector<std::string>{at(4, 56) +
                                "nodes.fw-a.interfaces.sis0.mtu: 67 is out of range 68..65535"});
  const auto bad_fix = errors_of(R"(nodes:
  fw-a:
    interfaces:
      sis0: { device: d0, address: 10.0.0.254/24, fix_offloaded_checksums: yes }
)");
  REQUIRE(bad_fix.size() == 1);
  CHECK_THAT(bad_fix[0], Catch::Contains("nodes.fw-a.interfaces.sis0.fix_offloaded_checksums"));
}

TEST_CASE("config: hostids are read in decimal or hex") {
  LoadResult r = load(node_with("    hostid: 0x0A000001\n"));
  REQUIRE(r.cluster);
  CHECK(r.cluster->nodes[0].hostid == 0x0a000001u);
  CHECK(r.cluster->nodes[0].hostid_at.line == 5);
  r = load(node_with("    hostid: 4294967295\n"));
  REQUIRE(r.cluster);
  CHECK(r.cluster->nodes[0].hostid == 0xffffffffu);
}

TEST_CASE("config: invalid interface addresses are reported at the address") {
  auto one = [](std::string_view address) {
    return errors_of("nodes:\n  fw-a:\n    interfaces:\n      sis0: { device: d0, address: " +
                     std::string(address) + " }\n");
  };
  CHECK(one("10.0.0.256/24") ==
        std::vector<std::string>{at(4, 36) +
                                 "nodes.fw-a.interfaces.sis0.address: '10.0.0.256/24' is not an "
                                 "IPv4 prefix A.B.C.D/LEN (LEN 0..32)"});
  CHECK(one("10.0.0.1") ==
        std::vector<std::string>{at(4, 36) +
                                 "nodes.fw-a.interfaces.sis0.address: '10.0.0.1' is not an IPv4 "
                                 "prefix A.B.C.D/LEN (LEN 0..32)"});
  CHECK(one("10.0.0.0/24") ==
        std::vector<std::string>{at(4, 36) +
                                 "nodes.fw-a.interfaces.sis0.address: 10.0.0.0/24 is the network "
                                 "address of its prefix"});
  CHECK(one("10.0.0.255/24") ==
        std::vector<std::string>{at(4, 36) +
                                 "nodes.fw-a.interfaces.sis0.address: 10.0.0.255/24 is the "
                                 "broadcast address of its prefix"});
  CHECK(one("127.0.0.1/8") ==
        std::vector<std::string>{at(4, 36) +
                                 "nodes.fw-a.interfaces.sis0.address: 127.0.0.1/8 is a loopback "
                                 "address"});
  CHECK(one("224.0.0.18/24") ==
        std::vector<std::string>{at(4, 36) +
                                 "nodes.fw-a.interfaces.sis0.address: 224.0.0.18/24 is a "
                                 "multicast address"});
  CHECK(one("10.0.0.1/0") ==
        std::vector<std::string>{at(4, 36) +
                                 "nodes.fw-a.interfaces.sis0.address: 10.0.0.1/0 has no room for a "
                                 "host (/0)"});
  CHECK(one("10.0.0.0/31").empty());  // RFC 3021 point-to-point
  CHECK(one("10.0.0.7/32").empty());
}

TEST_CASE("config: an interface whose network overlaps another interface's is reported") {
  CHECK(errors_of(R"(nodes:
  fw-a:
    interfaces:
      sis0: { device: d0, address: 10.0.0.254/24 }
      sis1: { device: d1, address: 10.0.0.253/25 }
      sis2: { device: d2, address: 10.0.1.1/24 }
)") == std::vector<std::string>{at(5, 36) +
                                "nodes.fw-a.interfaces.sis1.address: 10.0.0.253/25 overlaps "
                                "sis0's network 10.0.0.0/24"});
}

TEST_CASE("config: duplicate interface names and duplicate devices are reported") {
  CHECK(errors_of(R"(nodes:
  fw-a:
    interfaces:
      sis0: { device: d0, address: 10.0.0.254/24 }
      sis0: { device: d1, address: 10.0.1.254/24 }
)") == std::vector<std::string>{at(5, 7) + "duplicate key 'sis0' in nodes.fw-a.interfaces"});
  CHECK(errors_of(R"(nodes:
  fw-a:
    interfaces:
      sis0: { device: "0000:03:00.0", address: 10.0.0.254/24 }
      sis1: { device: "0000:03:00.0", address: 10.0.1.254/24 }
)") == std::vector<std::string>{at(5, 23) +
                                "nodes.fw-a.interfaces.sis1.device: '0000:03:00.0' is already the "
                                "device of sis0"});
}

TEST_CASE("config: an interface name pf cannot carry is reported at the name") {
  CHECK(errors_of(R"(nodes:
  fw-a:
    interfaces:
      averyveryverylongname0: { device: d0, address: 10.0.0.254/24 }
)") == std::vector<std::string>{at(4, 7) +
                                "nodes.fw-a.interfaces: 'averyveryverylongname0' is not an "
                                "interface name (1..15 letters, digits, '_', '.', '-', starting "
                                "with a letter)"});
}

TEST_CASE("config: a route whose destination has host bits set is reported at the destination") {
  CHECK(errors_of(node_with("    routes:\n      - { to: 10.1.0.1/16, via: 10.0.0.1 }\n")) ==
        std::vector<std::string>{at(6, 15) +
                                 "nodes.fw-a.routes[0].to: 10.1.0.1/16 has host bits set (network "
                                 "10.1.0.0/16)"});
}

TEST_CASE("config: a second route to the same destination is reported") {
  CHECK(errors_of(node_with(R"(    routes:
      - { to: 10.1.0.0/16, via: 10.0.0.1 }
      - { to: 10.2.0.0/16, via: 10.0.0.1 }
      - { to: 10.1.0.0/16, via: 10.0.0.2 }
)")) == std::vector<std::string>{at(8, 15) +
                                 "nodes.fw-a.routes: duplicate route to 10.1.0.0/16 (first on "
                                 "line 6)"});
}

TEST_CASE("config: a next hop off every connected network or on the node itself is reported") {
  CHECK(errors_of(node_with("    routes:\n      - { to: 0.0.0.0/0, via: 10.0.1.1 }\n")) ==
        std::vector<std::string>{at(6, 31) +
                                 "nodes.fw-a.routes: next hop 10.0.1.1 of the route to 0.0.0.0/0 "
                                 "is not on a connected network of fw-a"});
  CHECK(errors_of(node_with("    routes:\n      - { to: 0.0.0.0/0, via: 10.0.0.254 }\n")) ==
        std::vector<std::string>{at(6, 31) +
                                 "nodes.fw-a.routes: next hop 10.0.0.254 of the route to "
                                 "0.0.0.0/0 is fw-a's own address on sis0"});
  CHECK(errors_of(node_with("    routes:\n      - { to: 0.0.0.0/0 }\n")) ==
        std::vector<std::string>{at(6, 9) + "nodes.fw-a.routes[0]: missing key 'via'"});
}

TEST_CASE("config: a cluster without nodes, or with an empty node, is reported") {
  CHECK(errors_of("cluster: { name: edge }\n") ==
        std::vector<std::string>{at(1, 1) +
                                 "missing key 'nodes' (the cluster needs at least one node)"});
  CHECK(errors_of("cluster: { name: edge }\nnodes: {}\n") ==
        std::vector<std::string>{at(2, 8) + "nodes: the cluster needs at least one node"});
  CHECK(errors_of("nodes:\n  fw-a:\n") ==
        std::vector<std::string>{at(2, 3) + "nodes.fw-a: the node is empty"});
  CHECK(errors_of("nodes:\n  fw-a: { hostid: 1 }\n") ==
        std::vector<std::string>{at(2, 3) + "nodes.fw-a: missing key 'interfaces'"});
  CHECK(errors_of("nodes:\n  fw-a: { interfaces: {} }\n") ==
        std::vector<std::string>{at(2, 23) +
                                 "nodes.fw-a.interfaces: a node needs at least one interface"});
  CHECK(errors_of("nodes:\n  fw-a:\n    interfaces:\n      sis0: { address: 10.0.0.1/24 }\n") ==
        std::vector<std::string>{at(4, 7) + "nodes.fw-a.interfaces.sis0: missing key 'device'"});
}

TEST_CASE("config: two nodes with one hostid are reported at the second hostid") {
  CHECK(errors_of(R"(nodes:
  fw-a:
    hostid: 0x0a000001
    interfaces: { sis0: { device: d0, address: 10.0.0.254/24 } }
  fw-b:
    hostid: 167772161
    interfaces: { sis0: { device: d0, address: 10.0.0.253/24 } }
)") == std::vector<std::string>{at(6, 13) + "nodes.fw-b.hostid: 0x0a000001 is also fw-a's hostid"});
}

TEST_CASE("config: an api listen address that is not HOST:PORT is reported at the value") {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", ":9080",
                          "127.0.0.1:90x", "10.0.0:9080", "[::1:9080", "a b:80"}) {
    INFO(bad);
    CHECK(errors_of(node_with("    api: { listen: \"" + std::string(bad) + "\" }\n")) ==
          std::vector<std::string>{at(5, 20) + "nodes.fw-a.api.listen: '" + bad +
                                   "' is not HOST:PORT (PORT 1..65535)"});
  }
  for (const char* good : {"0.0.0.0:80", "localhost:9080", "[::1]:9080", "fw-a.lab:65535"}) {
    INFO(good);
    LoadResult r = load(node_with("    api: { listen: \"" + std::string(good) + "\" }\n"));
    REQUIRE(r.cluster);
    CHECK(r.cluster->nodes[0].api.listen == good);
  }
}

TEST_CASE("config: api max_body is a byte count within 1024..64 MiB, 1 MiB when absent") {
  LoadResult plain = load(node_with(""));
  REQUIRE(plain.cluster);
  CHECK(plain.cluster->nodes[0].api.max_body == 1048576);
  LoadResult set = load(node_with("    api: { max_body: 4096 }\n"));
  REQUIRE(set.cluster);
  CHECK(set.cluster->nodes[0].api.max_body == 4096);
  for (const char* bad : {"1023", "67108865"}) {
    INFO(bad);
    CHECK(errors_of(node_with("    api: { max_body: " + std::string(bad) + " }\n")) ==
          std::vector<std::string>{at(5, 22) + "nodes.fw-a.api.max_body: " + bad +
                                   " is out of range 1024..0x4000000"});
  }
  for (const char* bad : {"-1", "1M", "\"4096\""}) {
    INFO(bad);
    CHECK(errors_of(node_with("    api: { max_body: " + std::string(bad) + " }\n")) ==
          std::vector<std::string>{at(5, 22) +
                                   "nodes.fw-a.api.max_body: expected an integer 1024..0x4000000, "
                                   "got '" +
                                   std::string(bad[0] == '"' ? "4096" : bad) + "'"});
  }
}

TEST_CASE("config: two nodes may share an api listen address and an EAL file prefix") {
  LoadResult r = load(R"(nodes:
  fw-a:
    eal: [--file-prefix, dpf]
    interfaces: { sis0: { device: d0, address: 10.0.0.254/24 } }
    api: { listen: "127.0.0.1:9080" }
  fw-b:
    eal: [--file-prefix, dpf]
    interfaces: { sis0: { device: d0, address: 10.0.0.253/24 } }
    api: { listen: "127.0.0.1:9080" }
)");
  CHECK(r.errors.empty());
  CHECK(r.cluster.has_value());
}

TEST_CASE("config: a value left empty is reported at its key") {
  CHECK(errors_of(node_with("    hostid:\n")) ==
        std::vector<std::string>{at(5, 5) +
                                 "nodes.fw-a.hostid: expected an integer 1..0xffffffff, got "
                                 "nothing"});
}
