// The worker's packet path on an assembled node: node_init and node_assemble build the node from
// a cluster file and its ruleset, on two net_ring ports whose RX and TX rings the test holds.
// Frames go onto the RX rings, the worker runs one pass of its loop (worker_main: an RX callback
// raises node.stop, so the loop ends after the pass and its TX flush), and the test reads the TX
// rings, the punt ring and the worker's counters. Main lcore, no clock: nothing expires in a run.
#define CATCH_CONFIG_EXTERNAL_INTERFACES  // the listener that tears the node down before EAL
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_log.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "control/config/cluster.h"
#include "dataplane/net/drop.h"
#include "dataplane/node/assemble.h"
#include "dataplane/node/node.h"
#include "dataplane/worker/worker.h"
#include "tests/unit/net/test_util.h"
#include "wire/build.h"
#include "wire/checksum.h"

namespace dpf {
namespace {

using net::DropReason;
using wire::MacAddr;
using Frame = std::vector<std::byte>;

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

// Raises node.stop from the worker's first RX burst of a pass: worker_main finishes that pass
// (every RX queue, the TX flush) and returns.
uint16_t end_pass(uint16_t, uint16_t, rte_mbuf**, uint16_t n, uint16_t, void* node) {
  static_cast<Node*>(node)->stop.store(true, std::memory_order_relaxed);
  return n;
}

// The node under test, assembled once per process (ethdev and ring names cannot be reused) and
// torn down by the listener below when the run ends, before EAL is.
struct Bench {
  std::filesystem::path dir;
  config::Cluster cluster;
  Node node;
  WorkerContext worker;
  std::array<rte_ring*, 2> rx{}, tx{};
  std::array<const rte_eth_rxtx_callback*, 2> end_pass_cb{};
  bool ready = false;  // assembled
};

std::unique_ptr<Bench> g_bench;

rte_ring* ring(const std::string& name) {
  rte_ring* r = rte_ring_create(name.c_str(), 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  REQUIRE(r != nullptr);
  return r;
}

void assemble(Bench& b) {
  b.dir = std::filesystem::temp_directory_path() / ("dpf-worker-path-" + std::to_string(getpid()));
  std::filesystem::create_directories(b.dir);
  std::ofstream(b.dir / "worker_path.pf.conf") << kRules;
  auto loaded = config::load_cluster_string(kCluster, (b.dir / "cluster.yaml").string());
  INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().str()));
  REQUIRE(loaded.cluster);
  b.cluster = std::move(*loaded.cluster);
  // The ports the cluster file names: net_ring devices over rings the test holds, probed here,
  // configured and started by node_assemble like any other device.
  for (unsigned i = 0; i < 2; ++i) {
    const std::string tag = "wpath" + std::to_string(i);
    b.rx[i] = ring(tag + "_rx");
    b.tx[i] = ring(tag + "_tx");
    REQUIRE(rte_eth_from_rings(tag.c_str(), &b.rx[i], 1, &b.tx[i], 1, 0) >= 0);
  }
  node_init(b.node, b.cluster, b.cluster.nodes.front());
  std::vector<std::string> errors;
  // The node probes each device, and EAL logs an error for one already probed (here, all of
  // them) before the node takes its port as it is: quiet while the node is assembled.
  const int eal_level = rte_log_get_level(RTE_LOGTYPE_EAL);
  rte_log_set_level(RTE_LOGTYPE_EAL, RTE_LOG_CRIT);
  const bool ok = node_assemble(b.node, errors);
  rte_log_set_level(RTE_LOGTYPE_EAL, static_cast<uint32_t>(eal_level));
  INFO((errors.empty() ? std::string() : errors.front()));
  REQUIRE(ok);
  REQUIRE(b.node.ports.size() == 2);
  // net_ring ports have no MAC address (all zero, and it cannot be set): the node's ports get
  // their own, as NICs would have given them, before any frame is handled.
  for (uint8_t i = 0; i < 2; ++i) b.node.ports[i]->mac = {0x02, 0, 0, 0, 0xfe, i};
  // The worker as main.cpp launches worker 0 of one.
  WorkerContext& w = b.worker;
  w.node = &b.node;
  w.index = 0;
  w.c = &b.node.counters[0];
  w.punt = b.node.punt[0];
  for (uint16_t i = 0; i < 2; ++i) {
    const Port& p = *b.node.ports[i];
    REQUIRE(p.n_rxq == 1);
    w.rx.push_back({i, p.port_id, 0});
    b.end_pass_cb[i] = rte_eth_add_rx_callback(p.port_id, 0, end_pass, &b.node);
    REQUIRE(b.end_pass_cb[i] != nullptr);
  }
}

Bench& bench() {
  static bool tried = false;
  if (!tried) {
    tried = true;
    g_bench = std::make_unique<Bench>();
    assemble(*g_bench);
    g_bench->ready = true;
  }
  REQUIRE(g_bench->ready);  // the node of the first case could not be assembled
  return *g_bench;
}

void teardown(Bench& b) {
  for (size_t i = 0; i < b.node.ports.size(); ++i) {
    const uint16_t port = b.node.ports[i]->port_id;
    if (b.end_pass_cb[i] && rte_eth_remove_rx_callback(port, 0, b.end_pass_cb[i]) == 0)
      rte_free(const_cast<rte_eth_rxtx_callback*>(b.end_pass_cb[i]));
  }
  node_teardown(b.node);  // stops and closes the ports
  for (rte_ring* r : b.node.punt) rte_ring_free(r);
  rte_hash_free(b.node.neighbors);
  rte_lpm_free(b.node.lpm);
  rte_mempool_free(b.node.pool);
  for (unsigned i = 0; i < 2; ++i) {
    rte_ring_free(b.rx[i]);
    rte_ring_free(b.tx[i]);
  }
  std::error_code ec;
  std::filesystem::remove_all(b.dir, ec);
}

struct TeardownAtEnd : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testRunEnded(const Catch::TestRunStats&) override {
    if (g_bench) teardown(*g_bench);
    g_bench.reset();
  }
};
CATCH_REGISTER_LISTENER(TeardownAtEnd)

// --- Frames -------------------------------------------------------------------------------------

// Ethernet + a 20-byte IPv4 header (checksum filled) + `l4` as given.
Frame ipv4_frame(const MacAddr& dst_mac, const MacAddr& src_mac, uint32_t src, uint32_t dst,
                 uint8_t proto, const Frame& l4, uint8_t ttl = 64) {
  Frame f(sizeof(wire::EtherHdr) + sizeof(wire::Ipv4Hdr) + l4.size());
  auto* eth = wire::header_at<wire::EtherHdr>(std::span<std::byte>(f), 0);
  eth->dst = dst_mac;
  eth->src = src_mac;
  eth->type.set(wire::kEtherTypeIpv4);
  wire::Ipv4Hdr& ip = net::test::ip_of(f);
  ip.ver_ihl = 0x45;
  ip.total_len.set(static_cast<uint16_t>(sizeof(wire::Ipv4Hdr) + l4.size()));
  ip.id.set(0x1234);
  ip.frag_off.set(wire::kIpv4FlagDf);
  ip.ttl = ttl;
  ip.proto = proto;
  ip.src.set(src);
  ip.dst.set(dst);
  std::memcpy(f.data() + sizeof(wire::EtherHdr) + sizeof(wire::Ipv4Hdr), l4.data(), l4.size());
  net::test::fix_ip_checksum(f);
  return f;
}

// A UDP datagram with a 4-byte payload and its checksum.
Frame udp_frame(const MacAddr& dst_mac, const MacAddr& src_mac, uint32_t src, uint32_t dst,
                uint16_t sport, uint16_t dport, uint8_t ttl = 64) {
  Frame l4(sizeof(wire::UdpHdr) + 4);
  auto* udp = wire::header_at<wire::UdpHdr>(std::span<std::byte>(l4), 0);
  udp->sport.set(sport);
  udp->dport.set(dport);
  udp->len.set(static_cast<uint16_t>(l4.size()));
  for (size_t i = sizeof(wire::UdpHdr); i < l4.size(); ++i) l4[i] = std::byte{0xd0};
  const uint16_t sum = wire::l4_checksum_ipv4(src, dst, wire::kIpProtoUdp, l4);
  udp->check.set(sum == 0 ? 0xffff : sum);
  return ipv4_frame(dst_mac, src_mac, src, dst, wire::kIpProtoUdp, l4, ttl);
}

// An ICMP echo request (id 0x4242, seq 1, 8 bytes of data).
Frame echo_frame(const MacAddr& dst_mac, const MacAddr& src_mac, uint32_t src, uint32_t dst) {
  Frame l4(sizeof(wire::IcmpHdr) + 8, std::byte{0x5a});
  auto* icmp = wire::header_at<wire::IcmpHdr>(std::span<std::byte>(l4), 0);
  icmp->type = wire::kIcmpEcho;
  icmp->code = 0;
  icmp->check.set(0);
  icmp->id.set(0x4242);
  icmp->seq.set(1);
  icmp->check.set(wire::inet_checksum(l4));
  return ipv4_frame(dst_mac, src_mac, src, dst, wire::kIpProtoIcmp, l4);
}

// --- Moving frames ------------------------------------------------------------------------------

// Puts a frame on a port's RX ring, as the wire would.
void inject(Bench& b, uint16_t port, const Frame& f) {
  rte_mbuf* m = rte_pktmbuf_alloc(b.node.pool);
  REQUIRE(m != nullptr);
  auto* data = rte_pktmbuf_append(m, static_cast<uint16_t>(f.size()));
  REQUIRE(data != nullptr);
  std::memcpy(data, f.data(), f.size());
  REQUIRE(rte_ring_sp_enqueue(b.rx[port], m) == 0);
}

// One pass of the worker's loop over both ports' RX queues, with its TX flush.
void run_pass(Bench& b) {
  b.node.stop.store(false);
  REQUIRE(worker_main(&b.worker) == 0);
}

Frame bytes_of(const rte_mbuf* m) {
  const auto* p = rte_pktmbuf_mtod(m, const std::byte*);
  return {p, p + rte_pktmbuf_data_len(m)};
}

// What the worker sent on a port, taken off its TX ring.
std::vector<Frame> sent(Bench& b, uint16_t port) {
  std::vector<Frame> out;
  void* m = nullptr;
  while (rte_ring_sc_dequeue(b.tx[port], &m) == 0) {
    out.push_back(bytes_of(static_cast<rte_mbuf*>(m)));
    rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  }
  return out;
}

struct Punted {
  PuntKind kind;
  uint16_t port;
  uint32_t next_hop;
  Frame frame;
};

// What the worker queued for the control thread, taken off its punt ring.
std::vector<Punted> punted(Bench& b) {
  std::vector<Punted> out;
  PuntItem item{};
  while (rte_ring_sc_dequeue_elem(b.worker.punt, &item, sizeof(item)) == 0) {
    out.push_back({item.kind, item.port, item.next_hop, bytes_of(item.m)});
    rte_pktmbuf_free(item.m);
  }
  return out;
}

void learn_neighbor(Bench& b, uint32_t ip, const MacAddr& mac) {
  // As the control thread stores a resolved neighbour (slowpath.cpp).
  REQUIRE(rte_hash_add_key_data(b.node.neighbors, &ip,
                                reinterpret_cast<void*>(neighbor_pack(mac))) == 0);
}

uint64_t drops(const LcoreCounters& c, DropReason why) {
  return c.drops[static_cast<size_t>(why)];
}

// The frame as it must leave after routing: TTL one less, IPv4 checksum recomputed, new MACs.
Frame routed(Frame f, const MacAddr& src_mac, const MacAddr& dst_mac) {
  auto* eth = wire::header_at<wire::EtherHdr>(std::span<std::byte>(f), 0);
  eth->dst = dst_mac;
  eth->src = src_mac;
  --net::test::ip_of(f).ttl;
  net::test::fix_ip_checksum(f);
  return f;
}

// Every mbuf the worker took went out, to the punt ring, or back to the pool.
void check_no_mbuf_left(Bench& b) {
  CHECK(rte_ring_count(b.rx[kEm0]) == 0);
  CHECK(rte_ring_count(b.rx[kEm1]) == 0);
  CHECK(rte_mempool_in_use_count(b.node.pool) == 0);
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
