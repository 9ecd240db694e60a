// A worker over an assembled node for the packet-path tests: node_init and node_assemble build
// the node from a cluster file and its ruleset, on two net_ring ports whose RX and TX rings the
// test holds (tests/unit/node/ring_node.h). Frames go onto the RX rings, the worker runs one pass
// of its loop (worker_main: an RX callback raises node.stop, so the loop ends after the pass and
// its TX flush), and the test reads the TX rings, the punt ring and the worker's counters. Main
// lcore, no clock: nothing expires in a run.
#pragma once

#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <span>
#include <string>
#include <vector>

#include "dataplane/node/node.h"
#include "dataplane/worker/worker.h"
#include "tests/unit/net/test_util.h"
#include "tests/unit/node/ring_node.h"

namespace dpf::test {

// The node under test, with the worker that runs its passes.
struct WorkerBench : RingNode {
  WorkerContext worker;
  std::array<const rte_eth_rxtx_callback*, 2> end_pass_cb{};
};

// Raises node.stop from the worker's first RX burst of a pass: worker_main finishes that pass
// (every RX queue, the TX flush) and returns.
inline uint16_t end_pass(uint16_t, uint16_t, rte_mbuf**, uint16_t n, uint16_t, void* node) {
  static_cast<Node*>(node)->stop.store(true, std::memory_order_relaxed);
  return n;
}

// Assembles the node of `cluster` (two net_ring ports) with `rules` in `rules_file`, and its
// worker as main.cpp launches worker 0 of one.
inline void assemble_worker_bench(WorkerBench& b, const std::string& tag, const char* cluster,
                                  const char* rules_file, const char* rules) {
  assemble_ring_node(b, tag, cluster, rules_file, rules);
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

inline void teardown_worker_bench(WorkerBench& b) {
  for (size_t i = 0; i < b.node.ports.size(); ++i) {
    const uint16_t port = b.node.ports[i]->port_id;
    if (b.end_pass_cb[i] && rte_eth_remove_rx_callback(port, 0, b.end_pass_cb[i]) == 0)
      rte_free(const_cast<rte_eth_rxtx_callback*>(b.end_pass_cb[i]));
  }
  teardown_ring_node(b);
}

// One pass of the worker's loop over both ports' RX queues, with its TX flush.
inline void run_pass(WorkerBench& b) {
  b.node.stop.store(false);
  REQUIRE(worker_main(&b.worker) == 0);
}

struct Punted {
  PuntKind kind;
  uint16_t port;
  uint32_t next_hop;
  Frame frame;
};

// What the worker queued for the control thread, taken off its punt ring.
inline std::vector<Punted> punted(WorkerBench& b) {
  std::vector<Punted> out;
  PuntItem item{};
  while (rte_ring_sc_dequeue_elem(b.worker.punt, &item, sizeof(item)) == 0) {
    out.push_back({item.kind, item.port, item.next_hop, bytes_of(item.m)});
    rte_pktmbuf_free(item.m);
  }
  return out;
}

inline void learn_neighbor(WorkerBench& b, uint32_t ip, const wire::MacAddr& mac) {
  // As the control thread stores a resolved neighbour (slowpath.cpp).
  REQUIRE(rte_hash_add_key_data(b.node.neighbors, &ip,
                                reinterpret_cast<void*>(neighbor_pack(mac))) == 0);
}

// The frame as it must leave after routing: TTL one less, IPv4 checksum recomputed, new MACs.
inline Frame routed(Frame f, const wire::MacAddr& src_mac, const wire::MacAddr& dst_mac) {
  auto* eth = wire::header_at<wire::EtherHdr>(std::span<std::byte>(f), 0);
  eth->dst = dst_mac;
  eth->src = src_mac;
  --net::test::ip_of(f).ttl;
  net::test::fix_ip_checksum(f);
  return f;
}

}  // namespace dpf::test
