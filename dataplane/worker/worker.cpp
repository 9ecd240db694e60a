#include "dataplane/worker/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include <cstring>

#include "dataplane/net/offload.h"
#include "dataplane/net/parse.h"
#include "dataplane/net/wire/checksum.h"
#include "dataplane/worker/pf.h"

namespace dpf {
namespace {

using net::DropReason;

constexpr uint32_t kIpv4Broadcast = 0xffffffffu;
constexpr unsigned kSpinPollsBeforeSleep = 64;

bool is_multicast(uint32_t a) noexcept {
  return (a >> 28) == 0xe;
}

void punt(WorkerContext& w, rte_mbuf* m, PuntKind kind, uint16_t port, uint32_t next_hop) noexcept {
  PuntItem item{m, next_hop, port, kind};
  if (rte_ring_sp_enqueue_elem(w.punt, &item, sizeof(item)) != 0) [[unlikely]] {
    drop_packet(*w.c, DropReason::kPuntRingFull, m);
    return;
  }
  ++w.c->punted;
}

void tx_enqueue(WorkerContext& w, uint16_t out, rte_mbuf* m) noexcept {
  auto& n = w.tx_len[out];
  w.tx[out][n++] = m;
  if (n == kBurst) {
    Port& p = *w.node->ports[out];
    send_burst(p, w.node->tx_queue(p, w.index), w.tx[out].data(), n, *w.c);
    n = 0;
  }
}

// States a burst's bulk lookup found for one packet (BurstLookup), valid while the worker has
// created no state since (w.c->states_created == created).
struct Hints {
  state::State* in = nullptr;
  state::State* out = nullptr;
  uint64_t created = 0;
};

state::State* usable(const WorkerContext& w, state::State* hint, uint64_t created) noexcept {
  return w.c->states_created == created ? hint : nullptr;
}

void forward_ipv4(WorkerContext& w, uint16_t in, rte_mbuf* m, net::PacketInfo& info,
                  std::byte* frame, const Hints& h) noexcept {
  Node& node = *w.node;
  if (info.ttl <= 1) {
    punt(w, m, PuntKind::kTtlExceeded, in, 0);
    return;
  }
  uint32_t nh_id = 0;
  if (rte_lpm_lookup(node.lpm, info.dst, &nh_id) != 0) [[unlikely]] {
    punt(w, m, PuntKind::kNoRoute, in, 0);
    return;
  }
  const route::NextHop& nh = node.next_hops[nh_id];
  Port& out = *node.ports[nh.port];
  if (info.ip_total_len > out.mtu) [[unlikely]] {
    // RFC 1191: with DF the sender learns the MTU from an ICMP error; without DF the packet
    // would need fragmenting, which the node does not do, so it is only dropped and counted.
    const auto* ip = reinterpret_cast<const wire::Ipv4Hdr*>(frame + info.l3_off);
    if (ip->frag_off.get() & wire::kIpv4FlagDf) {
      punt(w, m, PuntKind::kFragNeeded, in, out.mtu);
    } else {
      drop_packet(*w.c, DropReason::kMtuExceeded, m);
    }
    return;
  }
  wire::ipv4_decrement_ttl(std::span<std::byte>(frame + info.l3_off, info.l3_len));
  // ... and `out` on the egress interface.
  if (!pf_test(w, state::Direction::kOut, nh.port, in, m, info, w.now, usable(w, h.out, h.created)))
    return;
  const uint32_t gw = nh.gateway != 0 ? nh.gateway : info.dst;
  void* data = nullptr;
  wire::MacAddr mac;
  if (rte_hash_lookup_data(node.neighbors, &gw, &data) < 0 ||
      !neighbor_unpack(reinterpret_cast<uintptr_t>(data), mac)) {
    m->port = nh.port;  // the control thread sends it here once resolved
    punt(w, m, PuntKind::kResolve, nh.port, gw);
    return;
  }
  auto* eth = reinterpret_cast<wire::EtherHdr*>(frame);
  eth->dst = mac;
  eth->src = out.mac;
  ++w.c->forwarded;
  if (w.deferred) [[unlikely]] {
    // pfsync defer: the packet waits with the state's insert until the peer acknowledges it
    // or the defer timeout passes; the control thread then sends it (on a full change ring
    // the insert is lost, counted, and the packet goes now).
    state::State* s = std::exchange(w.deferred, nullptr);
    m->port = nh.port;
    if (node.sync->change(w.index, *s, pfsync::ChangeKind::kInsert, m)) return;
  }
  tx_enqueue(w, nh.port, m);
}

// A received burst, parsed, with the `in` and `out` state keys of its packets looked up in one
// bulk call (pf_lookup_key: the keys do not depend on routing, states being floating; if-bound
// states are checked by pf_test as after its own lookup).
struct BurstLookup {
  std::array<net::PacketInfo, kBurst> info;
  std::array<bool, kBurst> ok;  // parsed; else dropped for why[i]
  std::array<DropReason, kBurst> why;
  std::array<Hints, kBurst> hints;
  std::array<state::StateKey, 2 * kBurst> keys;
  std::array<const state::StateKey*, 2 * kBurst> key_ptrs;
  std::array<state::Direction, 2 * kBurst> dirs;
  std::array<state::State*, 2 * kBurst> found;
  std::array<int8_t, 2 * kBurst> slot;  // packet i's in/out key index, -1: none
};

bool parse(rte_mbuf* m, net::PacketInfo& info, DropReason& why) noexcept {
  auto* frame = rte_pktmbuf_mtod(m, const std::byte*);
  return net::parse_frame(std::span<const std::byte>(frame, rte_pktmbuf_data_len(m)), info, why);
}

// Whether pf may look up the packet's state with its tuple in direction `dir` (in: every
// untagged IPv4 packet; out: those that may be forwarded).
bool wants_key(const net::PacketInfo& info, state::Direction dir) noexcept {
  if (info.l3 != net::L3Kind::kIpv4 || info.has_vlan) return false;
  if (dir == state::Direction::kIn) return true;
  return !info.l2_broadcast && !info.l2_multicast && info.dst != kIpv4Broadcast &&
         !is_multicast(info.dst);
}

void lookup_burst(WorkerContext& w, rte_mbuf* const* pkts, uint16_t n, BurstLookup& b) noexcept {
  // Without a ruleset pf_test passes everything without looking states up.
  const bool pf_on = w.node->pf->ruleset.load(std::memory_order_relaxed) != nullptr;
  unsigned nk = 0;
  for (uint16_t i = 0; i < n; ++i) {
    b.ok[i] = parse(pkts[i], b.info[i], b.why[i]);
    for (unsigned d = 0; d < 2; ++d) {
      const auto dir = d == 0 ? state::Direction::kIn : state::Direction::kOut;
      b.slot[2 * i + d] = -1;
      if (!pf_on || !b.ok[i] || !wants_key(b.info[i], dir) ||
          !pf_lookup_key(b.info[i], dir, b.keys[nk]))
        continue;
      b.key_ptrs[nk] = &b.keys[nk];
      b.dirs[nk] = dir;
      b.slot[2 * i + d] = static_cast<int8_t>(nk++);
    }
  }
  state::StateTable& table = *w.node->pf->table;
  if (nk != 0) table.lookup_bulk(b.key_ptrs.data(), b.dirs.data(), nk, b.found.data(), false);
  for (unsigned k = 0; k < nk; ++k)
    if (b.found[k] != nullptr) rte_prefetch0(b.found[k]);
  for (uint16_t i = 0; i < n; ++i) {
    const int in = b.slot[2 * i], out = b.slot[2 * i + 1];
    b.hints[i].in = in >= 0 ? b.found[in] : nullptr;
    b.hints[i].out = out >= 0 ? b.found[out] : nullptr;
  }
}

}  // namespace

uint16_t send_burst(Port& p, TxQueue q, rte_mbuf** pkts, uint16_t n, LcoreCounters& c) noexcept {
  if (q.lock) rte_spinlock_lock(q.lock);
  uint16_t sent = rte_eth_tx_burst(p.port_id, q.queue, pkts, n);
  if (q.lock) rte_spinlock_unlock(q.lock);
  c.tx_packets += sent;
  for (uint16_t i = sent; i < n; ++i) drop_packet(c, DropReason::kTxFull, pkts[i]);
  return sent;
}

namespace {

// af_packet ports: a TCP/UDP packet whose checksum its Linux sender left for offload is finished
// here when the interface says fix_offloaded_checksums; otherwise false (drop it: its receiver
// would), and the control thread warns once.
bool offloaded_checksum_ok(Port& port, rte_mbuf* m, const net::PacketInfo& info) noexcept {
  const std::span<std::byte> frame(rte_pktmbuf_mtod(m, std::byte*), rte_pktmbuf_data_len(m));
  if (!net::l4_checksum_left_for_offload(frame, info)) return true;
  if (port.csum_fix) {
    net::finish_l4_checksum(frame, info);
    return true;
  }
  if (!port.csum_offload_seen.load(std::memory_order_relaxed))
    port.csum_offload_seen.store(true, std::memory_order_relaxed);
  return false;
}

// Everything after parsing, for one frame.
void handle_frame(WorkerContext& w, uint16_t in, rte_mbuf* m, net::PacketInfo& info,
                  const Hints& h) noexcept {
  Node& node = *w.node;
  auto* frame = rte_pktmbuf_mtod(m, std::byte*);
  Port& port = *node.ports[in];
  if (!info.l2_broadcast && !info.l2_multicast) {
    const auto* eth = reinterpret_cast<const wire::EtherHdr*>(frame);
    if (eth->dst != port.mac) [[unlikely]] {
      // Frames to a CARP virtual MAC are ours only while we are master of its vhid.
      const CarpRole* role = port.carp_by_mac(eth->dst);
      if (role == nullptr || !role->is_master()) {
        drop_packet(*w.c, role ? DropReason::kCarpBackup : DropReason::kL2NotForUs, m);
        return;
      }
    }
  }
  switch (info.l3) {
    case net::L3Kind::kArp:
      punt(w, m, PuntKind::kArp, in, 0);
      return;
    case net::L3Kind::kIpv6:
      ++w.c->ipv6_seen;
      drop_packet(*w.c, DropReason::kIpv6, m);
      return;
    case net::L3Kind::kOther:
      drop_packet(*w.c, DropReason::kL2Other, m);
      return;
    case net::L3Kind::kIpv4:
      break;
  }
  if (info.has_vlan) [[unlikely]] {
    drop_packet(*w.c, DropReason::kL2Other, m);
    return;
  }
  if (port.csum_check && !offloaded_checksum_ok(port, m, info)) [[unlikely]] {
    drop_packet(*w.c, DropReason::kL4ChecksumOffloaded, m);
    return;
  }
  // pf filters every IPv4 packet `in` on its interface, local or forwarded (as pf does).
  const uint32_t src = info.src, dst = info.dst;
  const uint16_t sport = info.sport, dport = info.dport;
  if (!pf_test(w, state::Direction::kIn, in, in, m, info, w.now, usable(w, h.in, h.created)))
    return;
  // A translated packet (rdr, a nat reply) goes on with its new addresses: routed by them, and
  // its `out` state is not the one the burst looked up.
  Hints hints = h;
  if (info.src != src || info.dst != dst || info.sport != sport || info.dport != dport) [[unlikely]]
    hints.out = nullptr;
  // pfsync frames on the sync interface (to the group or to us) go to the sync engine.
  if (info.proto == wire::kIpProtoPfsync && node.sync && in == node.sync_port) {
    if (node.sync->hand_over(m)) ++w.c->punted;
    return;
  }
  // CARP advertisements go to the control thread's state machines.
  if (info.proto == wire::kIpProtoCarp && port.n_carp != 0) {
    punt(w, m, PuntKind::kCarp, in, 0);
    return;
  }
  if (node.local_port(info.dst) >= 0) {
    punt(w, m, PuntKind::kLocal, in, 0);
    return;
  }
  // RFC 1812 5.3.4/5.3.5: link-layer broadcasts and limited/directed broadcasts and multicast
  // are not forwarded.
  if (info.l2_broadcast || info.l2_multicast || info.dst == kIpv4Broadcast ||
      is_multicast(info.dst) || node.is_directed_broadcast(info.dst)) {
    drop_packet(*w.c, DropReason::kBroadcast, m);
    return;
  }
  forward_ipv4(w, in, m, info, frame, hints);
}

// The pipeline for one parsed (ok) or unparsable frame, then pfsync defer's insert.
void handle_parsed(WorkerContext& w, uint16_t in, rte_mbuf* m, bool ok, net::PacketInfo& info,
                   DropReason why, const Hints& h) noexcept {
  ++w.c->rx_packets;
  if (!ok) [[unlikely]]
    drop_packet(*w.c, why, m);
  else
    handle_frame(w, in, m, info, h);
  if (w.deferred) [[unlikely]] {  // a new state whose packet was not forwarded: announce it
    pf_sync_change(*w.node, w.index, *w.deferred, pfsync::ChangeKind::kInsert);
    w.deferred = nullptr;
  }
}

// A burst from one RX queue: parsed and its states looked up in bulk, then each packet in turn.
void handle_burst(WorkerContext& w, uint16_t in, rte_mbuf* const* pkts, uint16_t n,
                  BurstLookup& b) noexcept {
  // The hints stand for the table only until this worker creates a state (usable()).
  const uint64_t created = w.c->states_created;
  lookup_burst(w, pkts, n, b);
  for (uint16_t i = 0; i < n; ++i) {
    b.hints[i].created = created;
    handle_parsed(w, in, pkts[i], b.ok[i], b.info[i], b.why[i], b.hints[i]);
  }
}

}  // namespace

// Sends what the burst left staged for each egress port.
static void worker_flush(WorkerContext& w) noexcept {
  for (size_t i = 0; i < w.node->ports.size(); ++i) {
    if (w.tx_len[i] == 0) continue;
    Port& p = *w.node->ports[i];
    send_burst(p, w.node->tx_queue(p, w.index), w.tx[i].data(), w.tx_len[i], *w.c);
    w.tx_len[i] = 0;
  }
}

unsigned IdleBackoff::next_sleep(unsigned got, IdleMode mode, unsigned max_us) noexcept {
  if (got != 0 || mode == IdleMode::kPoll) {
    empty_polls = 0;
    sleep_us = 0;
    return 0;
  }
  if (++empty_polls < kSpinPollsBeforeSleep) return 0;
  sleep_us = sleep_us == 0 ? 1 : std::min(sleep_us * 2, max_us);
  return sleep_us;
}

int worker_main(void* arg) {
  auto& w = *static_cast<WorkerContext*>(arg);
  Node& node = *w.node;
  std::array<rte_mbuf*, kBurst> pkts;
  BurstLookup burst;
  IdleBackoff idle;
  state::StateTable* table = node.pf->table.get();
  table->register_reader(w.index);
  while (!node.stop.load(std::memory_order_relaxed)) {
    w.now = pf_now(*node.pf);
    unsigned got = 0;
    for (const RxQueueRef& q : w.rx) {
      const uint16_t n = rte_eth_rx_burst(q.port_id, q.queue, pkts.data(), kBurst);
      got += n;
      for (uint16_t i = 0; i < n; ++i) rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
      if (n != 0) handle_burst(w, q.port_index, pkts.data(), n, burst);
    }
    worker_flush(w);
    table->quiescent(w.index);  // holds no state or ruleset pointer past this point
    if (unsigned us = idle.next_sleep(got, node.idle, node.idle_sleep_max_us)) {
      table->offline(w.index);  // a sleeping worker does not hold up reclamation
      rte_delay_us_sleep(us);
      table->online(w.index);
    }
  }
  table->unregister_reader(w.index);
  return 0;
}

}  // namespace dpf
