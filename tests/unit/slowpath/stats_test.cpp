// The node's counters gathered for REST (collect_stats in stats.cpp), on a node assembled on two
// net_ring ports (tests/unit/node/ring_node.h): the sums over every lcore's counters, the drops
// by name, the neighbour table, what the answers sent, and the node and its interfaces. Main
// lcore; time is a fake time point.
#include "dataplane/slowpath/stats.h"

#include <chrono>
#include <string>
#include <vector>

#include "dataplane/net/drop.h"
#include "dataplane/net/wire/build.h"
#include "dataplane/node/node.h"
#include "dataplane/slowpath/pf_load.h"
#include "tests/unit/node/ring_node.h"
#include "tests/unit/slowpath/jobs_fixture.h"

namespace dpf {
namespace {

using net::DropReason;
using test::Frame;
using test::host0;
using test::host1;
using test::Jobs;
using test::kEm0;
using test::kEm0Addr;
using test::kEm1;
using test::mac_of;
using test::sent;
using namespace std::chrono_literals;

constexpr const char* kCluster = R"(cluster:
  name: spstat
  rules: stats.pf.conf
nodes:
  fw:
    hostid: 0x0a000005
    lcores: { workers: 1, idle: poll }
    interfaces:
      em0: { device: net_ring_spstat0, address: 10.0.0.254/24 }
      em1: { device: net_ring_spstat1, address: 10.1.0.254/24 }
)";

constexpr const char* kRules = R"(set limit states 512
pass all
)";

void assemble(test::RingNode& b) {
  test::assemble_ring_node(b, "spstat", kCluster, "stats.pf.conf", kRules);
}

test::RingNode& bench() {
  return test::ring_node_once<test::RingNode>(assemble, test::teardown_ring_node);
}

const auto kT0 = NodeClock::TimePoint{} + 100s;

rest::NodeStats stats(test::RingNode& b, const Jobs& j) {
  return collect_stats(b.node, j.neighbors, j.answers.counters(), nullptr);
}

uint64_t drop_named(const rest::NodeStats& s, std::string_view name) {
  for (const auto& [n, v] : s.drops)
    if (n == name) return v;
  FAIL("no drop reason " << name);
  return 0;
}

TEST_CASE("stats: the node's counters are the sums of every lcore's, the drops by name") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const rest::NodeStats before = stats(b, j);
  LcoreCounters& worker = b.node.counters[0];
  LcoreCounters& control = test::control(b.node);
  worker.rx_packets += 10;
  control.rx_packets += 1;
  worker.forwarded += 7;
  control.forwarded += 2;
  worker.punted += 3;
  worker.tx_packets += 8;
  control.tx_packets += 4;
  worker.ipv6_seen += 5;
  worker.drops[static_cast<size_t>(DropReason::kPfBlock)] += 2;
  control.drops[static_cast<size_t>(DropReason::kPfBlock)] += 5;
  control.drops[static_cast<size_t>(DropReason::kArpForeign)] += 1;

  const rest::NodeStats s = stats(b, j);

  CHECK(s.rx_packets - before.rx_packets == 11);
  CHECK(s.forwarded - before.forwarded == 9);
  CHECK(s.punted - before.punted == 3);
  CHECK(s.tx_packets - before.tx_packets == 12);
  CHECK(s.ipv6 - before.ipv6 == 5);
  CHECK(drop_named(s, "pf-block") - drop_named(before, "pf-block") == 7);
  CHECK(drop_named(s, "arp-foreign") - drop_named(before, "arp-foreign") == 1);
  // Every reason, in enum order.
  REQUIRE(s.drops.size() == static_cast<size_t>(DropReason::kCount));
  for (size_t r = 0; r < s.drops.size(); ++r) {
    CHECK(s.drops[r].first == net::kDropReasonNames[r]);
    if (r != static_cast<size_t>(DropReason::kPfBlock) &&
        r != static_cast<size_t>(DropReason::kArpForeign))
      CHECK(s.drops[r].second == before.drops[r].second);
  }
}

TEST_CASE("stats: each rule's counters are summed over the workers' and the control's lanes") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const PfRuleset* rs = b.node.pf->ruleset.load();
  REQUIRE(rs->counters->lanes() == b.node.n_workers + 1);
  const rest::NodeStats before = stats(b, j);
  REQUIRE(before.rules.size() == 1);
  rs->counters->count(0, 0, wire::Direction::kIn, 100, 1);
  rs->counters->count(b.node.n_workers, 0, wire::Direction::kOut, 60, 1);
  rs->counters->evaluated(0, 0);
  rs->counters->evaluated(b.node.n_workers, 0);

  const rest::NodeStats s = stats(b, j);
  REQUIRE(s.rules.size() == 1);
  CHECK(s.rules[0].nr == 0);
  CHECK(s.rules[0].label.empty());
  CHECK(s.rules[0].evaluations - before.rules[0].evaluations == 2);
  CHECK(s.rules[0].packets[0] - before.rules[0].packets[0] == 1);
  CHECK(s.rules[0].packets[1] - before.rules[0].packets[1] == 1);
  CHECK(s.rules[0].bytes[0] - before.rules[0].bytes[0] == 100);
  CHECK(s.rules[0].bytes[1] - before.rules[0].bytes[1] == 60);
  // The state table's figures, and every insert failure reason.
  const auto c = b.node.pf->table->counters();
  CHECK(s.state_ops.inserts == c.inserts);
  CHECK(s.state_ops.removals == c.removals);
  REQUIRE(s.state_ops.insert_failures.size() == 6);
  CHECK(s.state_ops.insert_failures[2].first == "exists");
  CHECK(s.state_ops.insert_failures[2].second == c.insert_exists);
}

TEST_CASE("stats: reloads are counted by outcome, with the last one's time and success") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const rest::NodeStats before = stats(b, j);
  pf_count_reload(*b.node.pf, false);
  rest::NodeStats s = stats(b, j);
  CHECK(s.reloads.failed - before.reloads.failed == 1);
  CHECK(s.reloads.ok == before.reloads.ok);
  CHECK_FALSE(s.reloads.last_ok);
  CHECK(s.reloads.last_time > 1.7e9);  // Unix time, not the node's uptime
  pf_count_reload(*b.node.pf, true);
  s = stats(b, j);
  CHECK(s.reloads.ok - before.reloads.ok == 1);
  CHECK(s.reloads.last_ok);
}

TEST_CASE("stats: the neighbour table is listed with interface, MAC, state and held packets") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const uint32_t known = host0(12), asked = host1(40);
  j.neighbors.learn(kT0, kEm0, known, mac_of(known), true);
  rte_mbuf* m = test::mbuf_of(
      b, test::udp_frame(b.node.ports[kEm0]->mac, mac_of(known), known, asked, 1, 53, 63));
  m->port = kEm1;
  j.neighbors.resolve(kT0, kEm1, asked, m);
  CHECK(sent(b, kEm1).size() == 1);  // the request

  const rest::NodeStats s = stats(b, j);

  REQUIRE(s.neighbors.size() == 2);  // by address
  CHECK(s.neighbors[0].address == "10.0.0.12");
  CHECK(s.neighbors[0].interface == "em0");
  CHECK(s.neighbors[0].mac == "02:00:00:00:00:0c");
  CHECK(s.neighbors[0].state == "reachable");
  CHECK(s.neighbors[0].held == 0);
  CHECK(s.neighbors[1].address == "10.1.0.40");
  CHECK(s.neighbors[1].interface == "em1");
  CHECK(s.neighbors[1].state == "incomplete");
  CHECK(s.neighbors[1].held == 1);
  CHECK(s.arp_requests_sent == 1);
}

TEST_CASE("stats: the node, its interfaces with their ethdev counters, and what answers sent") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const rest::NodeStats before = stats(b, j);
  const uint32_t asker = host0(13);
  Frame arp(wire::kArpFrameLen);
  REQUIRE(wire::build_arp_frame(arp, wire::kArpOpRequest, mac_of(asker), asker, wire::kBroadcastMac,
                                wire::kZeroMac, kEm0Addr) == wire::kArpFrameLen);
  j.answers.arp(kT0, test::mbuf_of(b, arp), kEm0);
  REQUIRE(sent(b, kEm0).size() == 1);

  const rest::NodeStats s = stats(b, j);

  CHECK(s.node == "fw");
  CHECK(s.cluster == "spstat");
  CHECK(s.version == DPF_VERSION);
  CHECK(s.dpdk.rfind("22.11", 0) == 0);  // Debian 12's DPDK, without rte_version()'s "DPDK "
  CHECK(s.hostid == 0x0a000005);
  CHECK(s.workers == 1);
  CHECK(s.idle == "poll");
  CHECK(s.arp_replies_sent == 1);
  CHECK(s.echo_replies_sent == 0);
  CHECK(s.states == b.node.pf->table->count());
  CHECK(s.state_limit == 512);
  CHECK_FALSE(s.pfsync);
  CHECK(s.carp.empty());
  REQUIRE(s.interfaces.size() == 2);
  CHECK(s.interfaces[0].name == "em0");
  CHECK(s.interfaces[0].address == "10.0.0.254/24");
  CHECK(s.interfaces[0].mac == "02:00:00:00:fe:00");
  CHECK(s.interfaces[0].port_id == b.node.ports[kEm0]->port_id);
  CHECK(s.interfaces[1].name == "em1");
  CHECK(s.interfaces[1].address == "10.1.0.254/24");
  // The reply left through em0's ethdev.
  CHECK(s.interfaces[0].tx_packets - before.interfaces[0].tx_packets == 1);
  CHECK(s.interfaces[1].tx_packets == before.interfaces[1].tx_packets);
  test::check_no_mbuf_left(b);
}

}  // namespace
}  // namespace dpf
