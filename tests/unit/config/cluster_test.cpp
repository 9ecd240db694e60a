// The cluster file as a whole: a valid file becomes the expected model, syntax errors and
// several mistakes at once are reported with FILE:LINE:COL, and the small public helpers.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <cstdio>
#include <fstream>

#include "control/config/cluster.h"
#include "tests/unit/config/load_helpers.h"

using namespace dpf::config;
using dpf::config::test::at;
using dpf::config::test::errors_of;
using dpf::config::test::load;

namespace {

// The two firewalls of the pfsync(4) man page example (sis0 outside, sis1 inside, sis2 a
// crossover sync link), written as issues 2, 4 and 5 describe the file.
constexpr std::string_view kTwoNodes = R"(cluster:
  name: edge
  rules: edge.pf.conf
  pfsync: { syncdev: sis2, maxupd: 64, defer: true, mirror: pfsync0, syncpeer: peer }
  carp:
    preempt: true
    vhids:
      - { vhid: 1, interface: sis0, pass: foo, advbase: 1, addresses: [10.0.0.1/24] }
      - { vhid: 2, interface: sis1, pass: bar, advbase: 2, addresses: [192.168.0.1/24] }
nodes:
  fw-a:
    hostid: 0x0a000001
    eal: [-l, "0-1", --no-huge, -m, "512", --file-prefix, fw-a]
    lcores: { workers: 1, idle: adaptive }
    interfaces:
      sis0: { device: "net_af_packet0,iface=sis0", address: 10.0.0.254/24 }
      sis1: { device: "net_af_packet1,iface=sis1", address: 192.168.0.254/24, fix_offloaded_checksums: true }
      sis2: { device: "0000:03:00.0", address: 172.16.0.1/30, mtu: 9000 }
    routes:
      - { to: 0.0.0.0/0, via: 10.0.0.2 }
      - { to: 172.20.0.0/16, via: 192.168.0.10 }
    api: { listen: "127.0.0.1:9080", token_file: tokens/fw-a }
    carp: { advskew: 0 }
  fw-b:
    hostid: 167772162
    eal: [-l, "2-3", --no-huge]
    lcores: { workers: 2, idle: poll, idle_sleep_max_us: 50 }
    interfaces:
      sis0: { device: "net_af_packet3,iface=sis0", address: 10.0.0.253/24 }
      sis1: { device: "net_af_packet4,iface=sis1", address: 192.168.0.253/24 }
      sis2: { device: "net_af_packet5,iface=sis2", address: 172.16.0.2/30 }
    routes:
      - { to: 0.0.0.0/0, via: 10.0.0.2 }
    api: { listen: "127.0.0.1:9081" }
    pfsync: { maxupd: 200, defer: false, version: 1400 }
    carp: { advskew: { 1: 100, 2: 50 } }
)";

}  // namespace

TEST_CASE("config: the two-firewall cluster file loads into the expected model") {
  LoadResult r = load(kTwoNodes);
  INFO((r.errors.empty() ? std::string() : r.errors.front().str()));
  REQUIRE(r.errors.empty());
  REQUIRE(r.cluster);
  const Cluster& c = *r.cluster;
  CHECK(c.name == "edge");
  CHECK(c.file == "/etc/dpf/c.yaml");
  CHECK(c.rules == "edge.pf.conf");
  CHECK(c.rules_path == "/etc/dpf/edge.pf.conf");
  REQUIRE(c.nodes.size() == 2);

  const Node& a = c.nodes[0];
  CHECK(a.name == "fw-a");
  CHECK(a.at.line == 11);
  CHECK(a.hostid == 0x0a000001u);
  CHECK(a.eal ==
        std::vector<std::string>{"-l", "0-1", "--no-huge", "-m", "512", "--file-prefix", "fw-a"});
  CHECK(a.lcores.workers == 1);
  CHECK(a.lcores.idle == IdleMode::adaptive);
  CHECK(a.lcores.idle_sleep_max_us == 2000);
  REQUIRE(a.interfaces.size() == 3);
  CHECK(a.interfaces[0].name == "sis0");
  CHECK(a.interfaces[0].device == "net_af_packet0,iface=sis0");
  CHECK(a.interfaces[0].address.addr == 0x0a0000fe);
  CHECK(a.interfaces[0].address.len == 24);
  CHECK(a.interfaces[0].mtu == 1500);
  CHECK_FALSE(a.interfaces[0].fix_offloaded_checksums);
  CHECK(a.interfaces[1].fix_offloaded_checksums);
  CHECK(a.interfaces[2].device == "0000:03:00.0");
  CHECK(a.interfaces[2].mtu == 9000);
  CHECK(a.interface("sis1") == &a.interfaces[1]);
  CHECK(a.interface("sis9") == nullptr);
  REQUIRE(a.routes.size() == 2);
  CHECK(a.routes[0].to.addr == 0);
  CHECK(a.routes[0].to.len == 0);
  CHECK(a.routes[0].via == 0x0a000002);
  CHECK(a.routes[1].to.addr == 0xac140000);
  CHECK(a.routes[1].to.len == 16);
  CHECK(a.routes[1].via == 0xc0a8000a);
  CHECK(a.api.listen == "127.0.0.1:9080");
  CHECK(a.api.token_file == "tokens/fw-a");
  CHECK(a.api.token_path == "/etc/dpf/tokens/fw-a");

  const Node& b = c.nodes[1];
  CHECK(b.name == "fw-b");
  CHECK(b.hostid == 0x0a000002u);
  CHECK(b.lcores.workers == 2);
  CHECK(b.lcores.idle == IdleMode::poll);
  CHECK(b.lcores.idle_sleep_max_us == 50);
  CHECK(b.api.listen == "127.0.0.1:9081");
  CHECK(b.api.token_file.empty());
  CHECK(c.node("fw-b") == &b);
  CHECK(c.node("fw-c") == nullptr);
}

TEST_CASE("config: each node's pfsync settings are the cluster's overridden by its own") {
  LoadResult r = load(kTwoNodes);
  REQUIRE(r.cluster);
  const Node& a = r.cluster->nodes[0];
  const Node& b = r.cluster->nodes[1];
  REQUIRE(a.pfsync);
  CHECK(a.pfsync->syncdev == "sis2");
  CHECK(a.pfsync->maxupd == 64);
  CHECK(a.pfsync->defer);
  CHECK(a.pfsync->version == 1301);
  CHECK(a.pfsync->mirror == "pfsync0");
  CHECK(a.pfsync->syncpeer_mode == SyncPeerMode::peer);
  CHECK(a.pfsync->syncpeer == 0xac100002);  // fw-b's sis2
  REQUIRE(b.pfsync);
  CHECK(b.pfsync->syncdev == "sis2");
  CHECK(b.pfsync->maxupd == 200);
  CHECK_FALSE(b.pfsync->defer);
  CHECK(b.pfsync->version == 1400);
  CHECK(b.pfsync->mirror == "pfsync0");
  CHECK(b.pfsync->syncpeer == 0xac100001);  // fw-a's sis2
}

TEST_CASE("config: the carp groups and each node's advskew per vhid are in the model") {
  LoadResult r = load(kTwoNodes);
  REQUIRE(r.cluster);
  REQUIRE(r.cluster->carp);
  const Carp& carp = *r.cluster->carp;
  CHECK(carp.preempt);
  REQUIRE(carp.vhids.size() == 2);
  CHECK(carp.vhids[0].vhid == 1);
  CHECK(carp.vhids[0].interface == "sis0");
  CHECK(carp.vhids[0].pass == "foo");
  CHECK(carp.vhids[0].advbase == 1);
  REQUIRE(carp.vhids[0].addresses.size() == 1);
  CHECK(carp.vhids[0].addresses[0].addr == 0x0a000001);
  CHECK(carp.vhids[0].addresses[0].len == 24);
  CHECK(carp.vhids[1].vhid == 2);
  CHECK(carp.vhids[1].advbase == 2);
  const Node& a = r.cluster->nodes[0];
  const Node& b = r.cluster->nodes[1];
  CHECK(a.advskew(1, "sis0") == 0);
  CHECK(a.advskew(2, "sis1") == 0);
  CHECK(b.advskew(1, "sis0") == 100);
  CHECK(b.advskew(2, "sis1") == 50);
  CHECK_FALSE(b.advskew(3, "sis0").has_value());
  CHECK_FALSE(b.advskew(1, "sis1").has_value());
}

TEST_CASE("config: a node that sets only interfaces gets the documented defaults") {
  LoadResult r = load(R"(nodes:
  solo:
    interfaces:
      eth0: { device: "net_null0", address: 192.0.2.1/24 }
)");
  REQUIRE(r.errors.empty());
  REQUIRE(r.cluster);
  const Node& n = r.cluster->nodes.at(0);
  CHECK(r.cluster->name.empty());
  CHECK(r.cluster->rules.empty());
  CHECK_FALSE(r.cluster->carp.has_value());
  CHECK_FALSE(n.hostid.has_value());
  CHECK(n.eal.empty());
  CHECK(n.lcores.workers == 1);
  CHECK(n.lcores.idle == IdleMode::adaptive);
  CHECK(n.routes.empty());
  CHECK(n.api.listen == "127.0.0.1:9080");
  CHECK_FALSE(n.pfsync.has_value());
  CHECK(n.carp.empty());
}

TEST_CASE("config: a YAML syntax error is reported at its line and column and nothing loads") {
  LoadResult r = load("nodes:\n  fw-a: { interfaces: [1, 2 }\n");
  CHECK_FALSE(r.cluster.has_value());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].file == "/etc/dpf/c.yaml");
  CHECK(r.errors[0].at.line == 2);
  CHECK(r.errors[0].at.col > 0);
  CHECK(r.errors[0].str().rfind("/etc/dpf/c.yaml:2:", 0) == 0);
}

TEST_CASE("config: a file with several mistakes reports every one of them, in file order") {
  auto errs = errors_of(R"(cluster: { name: edge, colour: blue }
nodes:
  fw-a:
    hostid: 0
    lcores: { workers: 0 }
    interfaces:
      sis0: { device: d0, address: 10.0.0.254/24 }
      sis1: { device: d1, address: 10.0.0.1/16 }
    routes:
      - { to: 0.0.0.0/0, via: 10.9.9.9 }
)");
  REQUIRE(errs.size() == 5);
  CHECK(errs[0] ==
        at(1, 24) +
            "unknown key 'colour' in cluster (expected one of: name, rules, pfsync, carp, log)");
  CHECK(errs[1] == at(4, 13) + "nodes.fw-a.hostid: 0 is out of range 1..0xffffffff");
  CHECK(errs[2] == at(5, 24) + "nodes.fw-a.lcores.workers: 0 is out of range 1..128");
  CHECK(errs[3] == at(8, 36) +
                       "nodes.fw-a.interfaces.sis1.address: 10.0.0.1/16 overlaps sis0's network "
                       "10.0.0.0/24");
  CHECK(errs[4] == at(10, 31) +
                       "nodes.fw-a.routes: next hop 10.9.9.9 of the route to 0.0.0.0/0 is not on a "
                       "connected network of fw-a");
  CHECK_FALSE(load(R"(nodes: { a: { hostid: 0 } })").cluster.has_value());
}

TEST_CASE("config: only one YAML document is allowed in a cluster file") {
  auto errs = errors_of(R"(nodes:
  a: { interfaces: { e0: { device: d, address: 10.0.0.1/24 } } }
---
nodes: {}
)");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0] == at(3, 1) + "only one YAML document is allowed");
}

TEST_CASE("config: an empty file is reported as a cluster without nodes") {
  auto errs = errors_of("");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0] == at(1, 1) + "missing key 'nodes' (the cluster needs at least one node)");
}

TEST_CASE("config: load_cluster_file reads the file and names it in every error") {
  const std::string path = "/tmp/dpf_config_test_" + std::to_string(::getpid()) + ".yaml";
  {
    std::ofstream out(path);
    out << "nodes:\n  a:\n    hostid: 0x0\n    interfaces: { e0: { device: d, address: "
           "10.0.0.1/24 } }\n";
  }
  LoadResult r = load_cluster_file(path);
  std::remove(path.c_str());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].str() == path + ":3:13: nodes.a.hostid: 0x0 is out of range 1..0xffffffff");
}

TEST_CASE("config: a cluster file that cannot be opened is one error naming the path") {
  LoadResult r = load_cluster_file("/nonexistent/dpf/cluster.yaml");
  CHECK_FALSE(r.cluster.has_value());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].str() ==
        "/nonexistent/dpf/cluster.yaml: cannot open: No such file or directory");
}

TEST_CASE("config: select_node picks by name, or the only node when no name is given") {
  LoadResult two = load(kTwoNodes);
  REQUIRE(two.cluster);
  std::string error;
  CHECK(select_node(*two.cluster, "fw-b", error) == &two.cluster->nodes[1]);
  CHECK(error.empty());
  CHECK(select_node(*two.cluster, "fw-z", error) == nullptr);
  CHECK(error == "no node 'fw-z' in /etc/dpf/c.yaml (nodes: fw-a fw-b)");
  error.clear();
  CHECK(select_node(*two.cluster, "", error) == nullptr);
  CHECK(error == "/etc/dpf/c.yaml has 2 nodes; choose one with --node NAME");

  LoadResult one =
      load("nodes: { solo: { interfaces: { e0: { device: d, address: 10.0.0.1/24 } } } }");
  REQUIRE(one.cluster);
  error.clear();
  CHECK(select_node(*one.cluster, "", error) == &one.cluster->nodes[0]);
  CHECK(error.empty());
}

TEST_CASE("config: parse_ipv4 takes strict dotted quads only") {
  CHECK(parse_ipv4("10.0.0.254") == 0x0a0000feu);
  CHECK(parse_ipv4("0.0.0.0") == 0u);
  CHECK(parse_ipv4("255.255.255.255") == 0xffffffffu);
  for (const char* bad : {"", "10.0.0", "10.0.0.0.1", "256.0.0.1", "10.0.0.01", " 10.0.0.1",
                          "10.0.0.1 ", "10.0.0.1x", "x10.0.0.1", "10..0.1", "-1.0.0.1", "+1.0.0.1",
                          "1000.0.0.1", "0x0a.0.0.1", "10.0.0.1/24"}) {
    INFO(bad);
    CHECK_FALSE(parse_ipv4(bad).has_value());
  }
}

TEST_CASE("config: IPv4 prefixes parse with their host bits and format back") {
  auto p = parse_ipv4_prefix("10.0.0.254/24");
  REQUIRE(p);
  CHECK(p->addr == 0x0a0000feu);
  CHECK(p->len == 24);
  CHECK(p->network() == 0x0a000000u);
  CHECK(p->contains(0x0a0000ffu));
  CHECK_FALSE(p->contains(0x0a000100u));
  CHECK(format_ipv4_prefix(*p) == "10.0.0.254/24");
  CHECK(parse_ipv4_prefix("0.0.0.0/0")->mask() == 0u);
  CHECK(parse_ipv4_prefix("1.2.3.4/32")->mask() == 0xffffffffu);
  for (const char* bad : {"10.0.0.1", "10.0.0.1/", "10.0.0.1/33", "10.0.0.1/024", "10.0.0.1/2x",
                          "10.0.0/8", "10.0.0.1/-1"}) {
    INFO(bad);
    CHECK_FALSE(parse_ipv4_prefix(bad).has_value());
  }
  CHECK(format_ipv4(0xc0a80001u) == "192.168.0.1");
}

TEST_CASE("config: an error reads FILE:LINE:COL: message, or FILE: message without a place") {
  CHECK(ConfigError{"c.yaml", Mark{3, 7}, "bad"}.str() == "c.yaml:3:7: bad");
  CHECK(ConfigError{"c.yaml", Mark{}, "cannot open"}.str() == "c.yaml: cannot open");
}

TEST_CASE("config: a document that is not a map is reported at its start") {
  CHECK(errors_of("- nodes\n") ==
        std::vector<std::string>{at(1, 1) + "top level: expected a map, got a list"});
}

TEST_CASE("config: control bytes quoted from the file are escaped in messages") {
  CHECK(errors_of("nodes: {}\n\"a\\tb\": 1\n") ==
        std::vector<std::string>{
            at(1, 8) + "nodes: the cluster needs at least one node",
            at(2, 1) + "unknown key 'a\\x09b' in top level (expected one of: cluster, nodes)"});
}

TEST_CASE("config: past 100 errors the rest are counted in one last line") {
  std::string yaml = "nodes:\n  a:\n    interfaces: { e0: { device: d, address: 10.0.0.1/24 } }\n";
  for (int i = 0; i < 150; ++i) yaml += "    k" + std::to_string(i) + ": 1\n";
  auto errs = errors_of(yaml);
  REQUIRE(errs.size() == 101);
  CHECK(errs[0].rfind(at(4, 5) + "unknown key 'k0' in nodes.a", 0) == 0);
  CHECK(errs[99].rfind(at(103, 5) + "unknown key 'k99' in nodes.a", 0) == 0);
  CHECK(errs[100] == "/etc/dpf/c.yaml: too many errors; 50 more not shown");
}

TEST_CASE("config: a cluster of more than 64 nodes is cut at the 65th with an error") {
  std::string yaml = "nodes:\n";
  for (int i = 0; i < 70; ++i) {
    yaml += "  n" + std::to_string(i) + ": { interfaces: { e0: { device: d, address: 10.0.0." +
            std::to_string(i + 1) + "/24 } } }\n";
  }
  CHECK(errors_of(yaml) ==
        std::vector<std::string>{at(66, 3) + "nodes: more than 64 entries; the rest is ignored"});
}

TEST_CASE("config: aliases that repeat a subtree are bounded like written entries") {
  std::string yaml =
      "cluster:\n  carp:\n    vhids: [&v { vhid: 1, interface: e0, addresses: [10.0.0.9/24] }";
  for (int i = 0; i < 300; ++i) yaml += ", *v";
  yaml += "]\nnodes:\n  a: { interfaces: { e0: { device: d, address: 10.0.0.1/24 } } }\n";
  LoadResult r = load(yaml);
  CHECK_FALSE(r.cluster.has_value());
  // Every repetition fails at the anchor's place in the same words: reported once.
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[1].str() == at(3, 13) + "carp vhid 1 is already used on e0");
  CHECK(r.errors[2].str() == at(3, 54) + "carp vhid 1: 10.0.0.9 is already an address of vhid 1");
  bool cut = false;
  for (const auto& e : r.errors) {
    cut = cut || e.message == "cluster.carp.vhids: more than 256 items; the rest is ignored";
  }
  CHECK(cut);
}

// Found by the fuzzer (tests/fuzz/config/corpus/config_cluster_fuzz/regress_timeout_comma_vt):
// yaml-cpp's LoadAll yields empty documents forever for these two bytes.
TEST_CASE("config: a comma and a vertical tab end in errors, not an endless document loop") {
  LoadResult r = load(std::string_view(",\v", 2));
  CHECK_FALSE(r.cluster.has_value());
  CHECK_FALSE(r.errors.empty());
}
