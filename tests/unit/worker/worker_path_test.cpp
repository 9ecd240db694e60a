// The worker's packet path on an assembled node (tests/unit/worker/worker_bench.h): routing, pf
// with state, malformed frames, what goes to the control thread.
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "dataplane/net/drop.h"
#include "dataplane/net/wire/build.h"
#include "dataplane/net/wire/checksum.h"
#include "dataplane/node/node.h"
#include "dataplane/worker/worker.h"
#include "tests/unit/net/test_util.h"
#include "tests/unit/node/ring_node.h"
#include "tests/unit/worker/worker_bench.h"

namespace dpf {
namespace {

using net::DropReason;
using test::bytes_of;
using test::check_no_mbuf_left;
using test::drops;
using test::echo_frame;
using test::Frame;
using test::inject;
using test::ipv4_frame;
using test::sent;
using test::udp_frame;
using wire::MacAddr;

// em0 (port 0) is 10.0.0.254/24 with host A on it; em1 (port 1) is 10.1.0.254/24 with host B.
// Host C is on em1's network too, but no neighbour entry is ever made for it.
constexpr uint32_t kEm0Addr = 0x0a0000fe;  // 10.0.0.254
constexpr uint32_t kHostA = 0x0a00000a;    // 10.0.0.10
constexpr uint32_t kHostB = 0x0a010014;    // 10.1.0.20
constexpr uint32_t kHostC = 0x0a01001e;    // 10.1.0.30
constexpr MacAddr kMacA = {0x02, 0, 0, 0, 0x00, 0x0a};
constexpr MacAddr kMacB = {0x02, 0, 0, 0, 0x01, 0x14};
constexpr uint16_t kEm0 = 0, kEm1 = 1;

constexpr const char* kCluster = R"(cluster:
  name: wpath
  rules: worker_path.pf.conf
nodes:
  fw:
    hostid: 0x0a000001
    lcores: { workers: 1, idle: poll }
    interfaces:
      em0: { device: net_ring_wpath0, address: 10.0.0.254/24 }
      em1: { device: net_ring_wpath1, address: 10.1.0.254/24 }
)";

// UDP from em0's network to em1's passes and keeps state on both interfaces (pf keys a state
// by direction: the `in` state on em0 does not match the packet leaving on em1); so may ICMP to
// the node from em0's network. Everything else is blocked.
constexpr const char* kRules = R"(set limit states 1024
block all
pass in on em0 proto udp from 10.0.0.0/24 to 10.1.0.0/24 keep state
pass out on em1 proto udp from 10.0.0.0/24 to 10.1.0.0/24 keep state
pass in on em0 proto icmp from 10.0.0.0/24 to 10.0.0.254 keep state
)";

using Bench = test::WorkerBench;
using test::learn_neighbor;
using test::punted;
using test::Punted;
using test::routed;
using test::run_pass;

Bench& bench() {
  return test::ring_node_once<Bench>(
      [](Bench& b) {
        test::assemble_worker_bench(b, "wpath", kCluster, "worker_path.pf.conf", kRules);
      },
      test::teardown_worker_bench);
}

// --- Cases --------------------------------------------------------------------------------------

TEST_CASE("worker: a routed UDP packet leaves the egress port with TTL-1 and the neighbour's MAC") {
  Bench& b = bench();
  const Port& em0 = *b.node.ports[kEm0];
  const Port& em1 = *b.node.ports[kEm1];
  REQUIRE(em0.mac != em1.mac);
  learn_neighbor(b, kHostB, kMacB);
  const LcoreCounters before = b.node.counters[0];

  const Frame in = udp_frame(em0.mac, kMacA, kHostA, kHostB, 40000, 53);
  inject(b, kEm0, in);
  run_pass(b);

  const std::vector<Frame> out = sent(b, kEm1);
  REQUIRE(out.size() == 1);
  const Frame& f = out[0];
  CHECK(f == routed(in, em1.mac, kMacB));
  // The same, field by field.
  const auto* eth = wire::header_at<wire::EtherHdr>(std::span<const std::byte>(f), 0);
  CHECK(eth->dst == kMacB);
  CHECK(eth->src == em1.mac);
  const auto ip_hdr = std::span<const std::byte>(f).subspan(sizeof(wire::EtherHdr), 20);
  CHECK(std::to_integer<uint8_t>(ip_hdr[8]) == 63);
  CHECK(wire::inet_checksum(ip_hdr) == 0);
  CHECK(sent(b, kEm0).empty());
  CHECK(punted(b).empty());
  const LcoreCounters& c = b.node.counters[0];
  CHECK(c.rx_packets - before.rx_packets == 1);
  CHECK(c.forwarded - before.forwarded == 1);
  CHECK(c.tx_packets - before.tx_packets == 1);
  check_no_mbuf_left(b);
}

TEST_CASE("worker: a routed packet whose next hop has no neighbour entry is punted to resolve") {
  Bench& b = bench();
  const Port& em0 = *b.node.ports[kEm0];
  const LcoreCounters before = b.node.counters[0];

  inject(b, kEm0, udp_frame(em0.mac, kMacA, kHostA, kHostC, 40001, 53));
  run_pass(b);

  CHECK(sent(b, kEm1).empty());
  const std::vector<Punted> p = punted(b);
  REQUIRE(p.size() == 1);
  CHECK(p[0].kind == PuntKind::kResolve);
  CHECK(p[0].port == kEm1);  // the egress port the control thread sends it on once resolved
  CHECK(p[0].next_hop == kHostC);
  CHECK(b.node.counters[0].forwarded == before.forwarded);
  CHECK(b.node.counters[0].punted - before.punted == 1);
  check_no_mbuf_left(b);
}

TEST_CASE("worker: pf passes a new flow with state, its reply on the state, and blocks the rest") {
  Bench& b = bench();
  const Port& em0 = *b.node.ports[kEm0];
  const Port& em1 = *b.node.ports[kEm1];
  learn_neighbor(b, kHostA, kMacA);
  learn_neighbor(b, kHostB, kMacB);
  const LcoreCounters& c = b.node.counters[0];
  const size_t states_at_start = b.node.pf->table->count();

  SECTION("the forward packet passes and keeps state in on em0 and out on em1") {
    const LcoreCounters before = c;
    inject(b, kEm0, udp_frame(em0.mac, kMacA, kHostA, kHostB, 41000, 53));
    run_pass(b);
    CHECK(sent(b, kEm1).size() == 1);
    CHECK(c.states_created - before.states_created == 2);
    CHECK(b.node.pf->table->count() - states_at_start == 2);
    CHECK(c.state_matches == before.state_matches);

    // The reply, in on em1 and out on em0, passes on those two states: no rule allows it.
    const LcoreCounters mid = c;
    const Frame reply = udp_frame(em1.mac, kMacB, kHostB, kHostA, 53, 41000);
    inject(b, kEm1, reply);
    run_pass(b);
    const std::vector<Frame> back = sent(b, kEm0);
    REQUIRE(back.size() == 1);
    CHECK(back[0] == routed(reply, em0.mac, kMacA));
    CHECK(c.state_matches - mid.state_matches == 2);
    CHECK(c.states_created == mid.states_created);
    CHECK(drops(c, DropReason::kPfBlock) == drops(mid, DropReason::kPfBlock));
  }
  SECTION("a packet no state and no pass rule covers is blocked and counted as pf-block") {
    const LcoreCounters before = c;
    inject(b, kEm1, udp_frame(em1.mac, kMacB, kHostB, kHostA, 5353, 41001));
    run_pass(b);
    CHECK(sent(b, kEm0).empty());
    CHECK(sent(b, kEm1).empty());
    CHECK(punted(b).empty());
    CHECK(c.forwarded == before.forwarded);
    CHECK(c.states_created == before.states_created);
    CHECK(drops(c, DropReason::kPfBlock) - drops(before, DropReason::kPfBlock) == 1);
    for (size_t r = 0; r < c.drops.size(); ++r) {
      if (r == static_cast<size_t>(DropReason::kPfBlock)) continue;
      INFO(net::kDropReasonNames[r]);
      CHECK(c.drops[r] == before.drops[r]);
    }
    CHECK(net::drop_reason_name(DropReason::kPfBlock) == "pf-block");
  }
  check_no_mbuf_left(b);
}

TEST_CASE("worker: malformed frames in one burst are dropped, each counted by its reason") {
  Bench& b = bench();
  const Port& em0 = *b.node.ports[kEm0];
  const Frame good = udp_frame(em0.mac, kMacA, kHostA, kHostB, 42000, 53);

  const Frame short_eth(good.begin(), good.begin() + 10);
  Frame bad_ihl = good;
  net::test::ip_of(bad_ihl).ver_ihl = 0x44;
  net::test::fix_ip_checksum(bad_ihl);
  Frame bad_sum = good;
  net::test::ip_of(bad_sum).check.set(net::test::ip_of(bad_sum).check.get() ^ 0x0101);
  Frame bad_len = good;
  net::test::ip_of(bad_len).total_len.set(static_cast<uint16_t>(good.size()));  // past the frame
  net::test::fix_ip_checksum(bad_len);
  // A TCP segment whose header stops after 10 of its 20 bytes.
  const Frame short_tcp =
      ipv4_frame(em0.mac, kMacA, kHostA, kHostB, wire::kIpProtoTcp, Frame(10, std::byte{0}));

  const std::vector<std::pair<Frame, DropReason>> cases = {
      {short_eth, DropReason::kEthShort}, {bad_ihl, DropReason::kIpIhl},
      {bad_sum, DropReason::kIpChecksum}, {bad_len, DropReason::kIpTotalLength},
      {short_tcp, DropReason::kL4Short},
  };
  const LcoreCounters before = b.node.counters[0];
  for (const auto& [f, why] : cases) inject(b, kEm0, f);
  run_pass(b);

  const LcoreCounters& c = b.node.counters[0];
  CHECK(c.rx_packets - before.rx_packets == cases.size());
  for (const auto& [f, why] : cases) {
    INFO(net::drop_reason_name(why));
    CHECK(drops(c, why) - drops(before, why) == 1);
  }
  uint64_t total = 0;
  for (size_t r = 0; r < c.drops.size(); ++r) total += c.drops[r] - before.drops[r];
  CHECK(total == cases.size());
  CHECK(sent(b, kEm0).empty());
  CHECK(sent(b, kEm1).empty());
  CHECK(punted(b).empty());
  CHECK(c.forwarded == before.forwarded);
  CHECK(c.states_created == before.states_created);
  check_no_mbuf_left(b);
}

TEST_CASE("worker: an ARP request for the node and an ICMP echo to it go to the control thread") {
  Bench& b = bench();
  const Port& em0 = *b.node.ports[kEm0];
  Frame arp(wire::kArpFrameLen);
  REQUIRE(wire::build_arp_frame(arp, wire::kArpOpRequest, kMacA, kHostA, wire::kBroadcastMac,
                                wire::kZeroMac, kEm0Addr) == wire::kArpFrameLen);
  const Frame echo = echo_frame(em0.mac, kMacA, kHostA, kEm0Addr);
  const LcoreCounters before = b.node.counters[0];

  inject(b, kEm0, arp);
  inject(b, kEm0, echo);
  run_pass(b);

  const std::vector<Punted> p = punted(b);
  REQUIRE(p.size() == 2);
  CHECK(p[0].kind == PuntKind::kArp);
  CHECK(p[0].port == kEm0);
  CHECK(p[0].frame == arp);
  CHECK(p[1].kind == PuntKind::kLocal);
  CHECK(p[1].port == kEm0);
  CHECK(p[1].frame == echo);  // untouched: the control thread answers it
  CHECK(sent(b, kEm0).empty());
  CHECK(sent(b, kEm1).empty());
  const LcoreCounters& c = b.node.counters[0];
  CHECK(c.punted - before.punted == 2);
  CHECK(c.forwarded == before.forwarded);
  CHECK(c.drops == before.drops);
  check_no_mbuf_left(b);
}

}  // namespace
}  // namespace dpf
