// The running node: ports, queues, the route and neighbour tables the workers read, the punt
// rings to the control thread and the per-lcore counters. Built once on the EAL main lcore
// before the lcores launch (allocates then, from the heap and DPDK memory); afterwards workers
// only read it, and the slow-path parts (neighbour entries, link state) are written by the
// control thread with atomics or through rte_hash's lock-free API.
#pragma once

#include <rte_hash.h>
#include <rte_lpm.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/net/drop.h"
#include "dataplane/net/wire/headers.h"
#include "dataplane/node/clock.h"
#include "dataplane/pfsync/sync_channel.h"
#include "dataplane/route/table.h"
#include "dataplane/worker/counters.h"
#include "dataplane/worker/pf.h"

namespace dpf::config {
struct Cluster;
struct Node;
}  // namespace dpf::config

namespace dpf {

inline constexpr unsigned kMaxPorts = 16;

// What an lcore does when its polls find nothing: keep polling, or back off with sleeps.
enum class IdleMode : uint8_t { kPoll, kAdaptive };
inline constexpr unsigned kMaxWorkers = 16;
inline constexpr uint16_t kBurst = 32;
inline constexpr unsigned kMaxVhidsPerPort = 8;
inline constexpr unsigned kMaxVipsPerVhid = 8;

// A TX queue. When a port offers fewer queues than lcores that send on it, lcores share queue 0
// and take `lock` for the duration of one rte_eth_tx_burst call (never across packets).
struct TxQueue {
  uint16_t queue = 0;
  rte_spinlock_t* lock = nullptr;
};

// One CARP vhid of a port as the workers see it: its virtual MAC and addresses, set up before
// the lcores launch, and whether this node is its master, written by the control thread.
struct CarpRole {
  uint8_t vhid = 0;
  uint8_t n_vips = 0;
  wire::MacAddr mac{};
  std::array<uint32_t, kMaxVipsPerVhid> vips{};  // host order
  std::atomic<bool> master{false};

  bool is_master() const noexcept { return master.load(std::memory_order_relaxed); }
  bool has_vip(uint32_t addr) const noexcept {
    for (unsigned i = 0; i < n_vips; ++i)
      if (vips[i] == addr) return true;
    return false;
  }
};

struct Port {
  uint16_t port_id = 0;
  std::string name;    // pf interface name (sis0)
  std::string device;  // the DPDK device string it was probed from
  wire::MacAddr mac{};
  uint32_t addr = 0;  // host order
  uint8_t prefix_len = 0;
  uint32_t broadcast = 0;  // directed broadcast of the connected network
  uint16_t mtu = 1500;
  // net_af_packet: TCP/UDP checksums a Linux sender left for offload are finished (fix) or the
  // packets dropped as l4-checksum-offloaded, and `csum_offload_seen` tells the control thread
  // to warn once.
  bool csum_check = false;
  bool csum_fix = false;
  std::atomic<bool> csum_offload_seen{false};
  bool csum_warned = false;  // control thread
  uint16_t n_rxq = 1;
  uint16_t n_txq = 1;
  std::unique_ptr<rte_spinlock_t> tx_lock;  // set when TX queue 0 is shared
  std::atomic<bool> link_up{false};
  std::atomic<uint32_t> link_speed{0};  // Mb/s
  std::atomic<uint64_t> link_changes{0};
  std::array<CarpRole, kMaxVhidsPerPort> carp;  // [0, n_carp) are in use
  uint8_t n_carp = 0;

  // The vhid whose virtual MAC is `mac`, or nullptr.
  const CarpRole* carp_by_mac(const wire::MacAddr& mac) const noexcept {
    for (unsigned i = 0; i < n_carp; ++i)
      if (carp[i].mac == mac) return &carp[i];
    return nullptr;
  }
  // The vhid of which this node is master and that owns `addr`, or nullptr.
  const CarpRole* carp_master_of(uint32_t addr) const noexcept {
    for (unsigned i = 0; i < n_carp; ++i)
      if (carp[i].is_master() && carp[i].has_vip(addr)) return &carp[i];
    return nullptr;
  }
};

struct Node {
  const config::Cluster* cluster = nullptr;
  const config::Node* cfg = nullptr;
  uint32_t hostid = 0;
  unsigned n_workers = 1;
  IdleMode idle = IdleMode::kAdaptive;
  unsigned idle_sleep_max_us = 1000;

  std::vector<std::unique_ptr<Port>> ports;  // index == DPDK port id order of the config
  rte_mempool* pool = nullptr;
  rte_lpm* lpm = nullptr;
  std::vector<route::NextHop> next_hops;  // by LPM next-hop id
  // The routes loaded into lpm (connected, then the cluster file's `routes:`), for the views;
  // set by assembly and immutable afterwards, so any thread may read them.
  std::vector<route::RouteEntry> routes;
  rte_hash* neighbors = nullptr;        // host-order IPv4 -> packed MAC (see neighbor_pack)
  std::vector<rte_ring*> punt;          // one SPSC ring per worker, drained by control
  std::vector<LcoreCounters> counters;  // [0, n_workers) workers, [n_workers] control
  std::atomic<bool> stop{false};
  NodeClock clock;                  // the node's one clock: started by node_init
  std::unique_ptr<Pf> pf;           // state table and ruleset
  std::atomic<bool> reload{false};  // SIGHUP: re-read the cluster file, reload the ruleset
  std::string rules_path;  // the ruleset file reloads read: cluster.rules, as SIGHUP last read it
  std::unique_ptr<SyncChannel> sync;  // pfsync, when the node has a `pfsync:` section
  int sync_port = -1;                 // index of the sync interface in ports
  bool sync_defer = false;            // pfsync defer: a new state's first packet waits for INS_ACK

  // Index of the port owning `addr` as its interface address, or as a virtual address of a
  // vhid this node is master of; -1 otherwise.
  int local_port(uint32_t addr) const noexcept {
    for (size_t i = 0; i < ports.size(); ++i)
      if (ports[i]->addr == addr || ports[i]->carp_master_of(addr)) return static_cast<int>(i);
    return -1;
  }
  bool is_directed_broadcast(uint32_t addr) const noexcept {
    for (const auto& p : ports)
      if (p->broadcast == addr && p->prefix_len < 31) return true;
    return false;
  }
  // TX queue that lcore `lcore_index` (worker index, or n_workers for control) uses on a port.
  TxQueue tx_queue(const Port& p, unsigned lcore_index) const noexcept {
    if (p.tx_lock) return TxQueue{0, p.tx_lock.get()};
    return TxQueue{static_cast<uint16_t>(lcore_index), nullptr};
  }
};

// Neighbour entries are stored in the rte_hash data pointer itself: bit 48 marks a valid entry,
// the low 48 bits are the MAC. Entries are never deleted (a withdrawn one is stored as 0), so
// readers never see a reused slot.
inline uintptr_t neighbor_pack(const wire::MacAddr& mac) noexcept {
  uint64_t v = uint64_t{1} << 48;
  for (int i = 0; i < 6; ++i) v |= uint64_t{mac[i]} << (8 * (5 - i));
  return static_cast<uintptr_t>(v);
}
inline bool neighbor_unpack(uintptr_t v, wire::MacAddr& mac) noexcept {
  if (!(v >> 48)) return false;
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(v >> (8 * (5 - i)));
  return true;
}

// Sends n frames on a port through the given queue; frames the queue refuses are counted as
// tx-full and freed. Returns the number sent.
uint16_t send_burst(Port& p, TxQueue q, rte_mbuf** pkts, uint16_t n, LcoreCounters& c) noexcept;

}  // namespace dpf
