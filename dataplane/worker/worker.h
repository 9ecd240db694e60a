// The per-packet pipeline of a worker lcore (ARCHITECTURE.md, "The packet path"): RX bursts on
// every assigned queue, parse and pf's state lookups for the whole burst (in bulk), then per
// packet local/forward decision, route and neighbour lookup, TTL and L2 rewrite, TX bursts per
// egress port. Runs on its own lcore; allocates nothing after start.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/node/node.h"

namespace dpf {

struct RxQueueRef {
  uint16_t port_index;  // index into Node::ports
  uint16_t port_id;
  uint16_t queue;
};

struct WorkerContext {
  Node* node = nullptr;
  unsigned index = 0;  // 0 .. n_workers-1: also the TX queue it owns on every port
  std::vector<RxQueueRef> rx;
  rte_ring* punt = nullptr;
  LcoreCounters* c = nullptr;
  // Frames waiting for a TX burst, per egress port.
  std::array<std::array<rte_mbuf*, kBurst>, kMaxPorts> tx{};
  std::array<uint16_t, kMaxPorts> tx_len{};
  uint32_t now = 0;  // pf's uptime seconds, refreshed once per loop
  // pfsync defer: the newest syncable state the packet in hand created. Its insert leaves with
  // the packet held (forwarded packets) or alone (anything else) when the packet is done.
  state::State* deferred = nullptr;
};

// Entry point for rte_eal_remote_launch; arg is a WorkerContext*. Returns when node->stop is set.
int worker_main(void* arg);

// Exponential back-off when polls find nothing for a while; resets when traffic arrives.
// Shared by the control thread. State is per caller.
struct IdleBackoff {
  unsigned empty_polls = 0;
  unsigned sleep_us = 0;
  // Microseconds the caller should sleep now (0: poll again at once).
  unsigned next_sleep(unsigned got, IdleMode mode, unsigned max_us) noexcept;
};

}  // namespace dpf
