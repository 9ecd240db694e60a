// Next-hop resolution on the control thread (neighbors.cpp), on a node assembled on two net_ring
// ports (tests/unit/node/ring_node.h): the ARP request for an unknown next hop and the packets
// held meanwhile, the answer that publishes the MAC to the workers and sends them, the retries
// and the giving up, ageing, and the shutdown flush. Each case hands the job the mbuf a worker
// punted (PuntKind::kResolve: m->port is the egress port) and reads the TX rings, the workers'
// neighbour hash and the control thread's counters. Main lcore; time is a fake time point.
#include "dataplane/slowpath/neighbors.h"

#include <chrono>
#include <span>
#include <vector>

#include "dataplane/net/drop.h"
#include "dataplane/net/wire/build.h"
#include "dataplane/node/node.h"
#include "tests/unit/node/ring_node.h"
#include "tests/unit/slowpath/jobs_fixture.h"

namespace dpf {
namespace {

using net::DropReason;
using test::control;
using test::Drops;
using test::Frame;
using test::host0;
using test::host1;
using test::Jobs;
using test::kEm0;
using test::kEm1;
using test::kEm1Addr;
using test::mac_of;
using test::new_drops;
using test::sent;
using wire::MacAddr;
using namespace std::chrono_literals;
using EntryState = route::NeighborTable::Entry::State;

constexpr const char* kCluster = R"(cluster:
  name: spnbr
nodes:
  fw:
    hostid: 0x0a000003
    lcores: { workers: 1, idle: poll }
    interfaces:
      em0: { device: net_ring_spnbr0, address: 10.0.0.254/24 }
      em1: { device: net_ring_spnbr1, address: 10.1.0.254/24 }
)";

void assemble(test::RingNode& b) {
  test::assemble_ring_node(b, "spnbr", kCluster, "", "");
}

test::RingNode& bench() {
  return test::ring_node_once<test::RingNode>(assemble, test::teardown_ring_node);
}

const auto kT0 = NodeClock::TimePoint{} + 100s;

// A packet from host 10.0.0.10 routed to `dst` on em1, as the worker punts it for resolution:
// TTL already taken down, MACs not rewritten yet, m->port the egress port.
rte_mbuf* routed_to(test::RingNode& b, uint32_t dst, uint16_t sport) {
  const Frame f =
      test::udp_frame(b.node.ports[kEm0]->mac, mac_of(host0(10)), host0(10), dst, sport, 53, 63);
  rte_mbuf* m = test::mbuf_of(b, f);
  m->port = kEm1;
  return m;
}

// The ARP request em1 sends for `target`.
Frame request_for(const Port& em1, uint32_t target) {
  Frame f(wire::kArpFrameLen);
  REQUIRE(wire::build_arp_frame(f, wire::kArpOpRequest, em1.mac, kEm1Addr, wire::kBroadcastMac,
                                wire::kZeroMac, target) == wire::kArpFrameLen);
  return f;
}

// The frame with its MACs set as the node sends it to `dst_mac` out of `port`.
Frame to_mac(Frame f, const MacAddr& src_mac, const MacAddr& dst_mac) {
  auto* eth = wire::header_at<wire::EtherHdr>(std::span<std::byte>(f), 0);
  eth->dst = dst_mac;
  eth->src = src_mac;
  return f;
}

TEST_CASE(
    "neighbors: an unknown next hop is asked for once while its packets wait; the answer "
    "publishes its MAC and sends them") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const Port& em1 = *b.node.ports[kEm1];
  const uint32_t hop = host1(30);
  const LcoreCounters before = control(b.node);

  rte_mbuf* first = routed_to(b, hop, 1);
  rte_mbuf* second = routed_to(b, hop, 2);
  const Frame first_bytes = test::bytes_of(first), second_bytes = test::bytes_of(second);
  j.neighbors.resolve(kT0, kEm1, hop, first);
  j.neighbors.resolve(kT0 + 1ms, kEm1, hop, second);

  // One request, broadcast from em1's address; nothing else leaves.
  const std::vector<Frame> asked = sent(b, kEm1);
  REQUIRE(asked.size() == 1);
  CHECK(asked[0] == request_for(em1, hop));
  CHECK(sent(b, kEm0).empty());
  CHECK(j.neighbors.requests_sent() == 1);
  // Both packets wait, and the workers do not see the neighbour yet.
  CHECK(rte_mempool_in_use_count(b.node.pool) == 2);
  auto table = j.neighbors.snapshot();
  REQUIRE(table.size() == 1);
  CHECK(table[0].ip == hop);
  CHECK(table[0].port == kEm1);
  CHECK(table[0].state == EntryState::kIncomplete);
  CHECK(table[0].held == 2);
  CHECK_FALSE(test::published_mac(b.node, hop));

  // The answer (an ARP reply from the next hop on em1).
  j.neighbors.learn(kT0 + 2ms, kEm1, hop, mac_of(hop), true);

  CHECK(test::published_mac(b.node, hop) == mac_of(hop));
  const std::vector<Frame> out = sent(b, kEm1);
  REQUIRE(out.size() == 2);  // in the order they came
  CHECK(out[0] == to_mac(first_bytes, em1.mac, mac_of(hop)));
  CHECK(out[1] == to_mac(second_bytes, em1.mac, mac_of(hop)));
  CHECK(sent(b, kEm0).empty());
  table = j.neighbors.snapshot();
  REQUIRE(table.size() == 1);
  CHECK(table[0].state == EntryState::kReachable);
  CHECK(table[0].mac == mac_of(hop));
  CHECK(table[0].held == 0);
  const LcoreCounters& c = control(b.node);
  CHECK(c.forwarded - before.forwarded == 2);
  CHECK(c.tx_packets - before.tx_packets == 3);  // the request and the two packets
  CHECK(c.drops == before.drops);
  test::check_no_mbuf_left(b);
}

TEST_CASE("neighbors: packets still held at shutdown are dropped as neighbor-unresolved") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const uint32_t hop = host1(31);
  const LcoreCounters before = control(b.node);
  j.neighbors.resolve(kT0, kEm1, hop, routed_to(b, hop, 1));
  j.neighbors.resolve(kT0, kEm1, hop, routed_to(b, hop, 2));
  j.neighbors.resolve(kT0, kEm1, host1(32), routed_to(b, host1(32), 3));
  CHECK(sent(b, kEm1).size() == 2);  // a request for each next hop

  j.neighbors.flush();

  CHECK(new_drops(before, control(b.node)) == Drops{{DropReason::kNeighborUnresolved, 3}});
  CHECK(j.neighbors.snapshot().empty());  // unresolved entries are forgotten
  CHECK(sent(b, kEm1).empty());
  CHECK(sent(b, kEm0).empty());
  test::check_no_mbuf_left(b);
}

TEST_CASE(
    "neighbors: an unanswered next hop is asked for three times, a second apart, then its "
    "packets are dropped as neighbor-unresolved") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const Port& em1 = *b.node.ports[kEm1];
  const uint32_t hop = host1(33);
  const LcoreCounters before = control(b.node);
  j.neighbors.resolve(kT0, kEm1, hop, routed_to(b, hop, 1));
  CHECK(sent(b, kEm1) == std::vector<Frame>{request_for(em1, hop)});

  j.neighbors.poll(kT0 + 999ms);  // not due yet
  CHECK(sent(b, kEm1).empty());
  j.neighbors.poll(kT0 + 1s);
  CHECK(sent(b, kEm1) == std::vector<Frame>{request_for(em1, hop)});
  j.neighbors.poll(kT0 + 2s);
  CHECK(sent(b, kEm1) == std::vector<Frame>{request_for(em1, hop)});
  CHECK(j.neighbors.requests_sent() == 3);
  CHECK(control(b.node).drops == before.drops);
  CHECK(rte_mempool_in_use_count(b.node.pool) == 1);

  j.neighbors.poll(kT0 + 3s);  // the third went unanswered: give up

  CHECK(sent(b, kEm1).empty());
  CHECK(j.neighbors.requests_sent() == 3);
  CHECK(new_drops(before, control(b.node)) == Drops{{DropReason::kNeighborUnresolved, 1}});
  CHECK(j.neighbors.snapshot().empty());
  CHECK_FALSE(test::published_mac(b.node, hop));
  test::check_no_mbuf_left(b);
}

TEST_CASE("neighbors: a MAC unconfirmed for 300 s is withdrawn from the workers' hash") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const uint32_t hop = host1(34);
  j.neighbors.learn(kT0, kEm1, hop, mac_of(hop), true);
  REQUIRE(test::published_mac(b.node, hop) == mac_of(hop));

  j.neighbors.poll(kT0 + 299s);
  CHECK(test::published_mac(b.node, hop) == mac_of(hop));
  j.neighbors.poll(kT0 + 300s);

  // Stale: the next packet comes back through resolve(), which re-probes.
  CHECK_FALSE(test::published_mac(b.node, hop));
  const auto table = j.neighbors.snapshot();
  REQUIRE(table.size() == 1);
  CHECK(table[0].state == EntryState::kStale);
  CHECK(sent(b, kEm1).empty());
  test::check_no_mbuf_left(b);
}

}  // namespace
}  // namespace dpf
