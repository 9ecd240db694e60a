// The node's pfsync channel: drives a pfsync::SyncEngine over the node's state table
// (TableStore), takes change records from per-producer SPSC rings and pfsync frames received on
// the sync port, and sends the engine's payloads as Ethernet + IPv4 frames on the sync port, to
// the group or to a unicast syncpeer (and a copy to an optional mirror TAP). create() runs on the
// control thread after EAL init and allocates the rings, the engine's buffers and the store;
// poll() and on_rx_frame() run on one thread, the "sync side" (the control thread, which polls
// it between its other jobs); change() runs on producer i only; hand_over() and wants_resolve()
// on any lcore.
#pragma once

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/node/clock.h"
#include "dataplane/pfsync/engine.h"
#include "dataplane/pfsync/frame_io.h"
#include "dataplane/pfsync/table_store.h"
#include "dataplane/state/table.h"

namespace dpf {

// The sync port: where frames are sent and what they are sent from.
struct SyncPort {
  uint16_t port_id = 0;
  uint16_t tx_queue = 0;
  rte_spinlock_t* tx_lock = nullptr;  // held for one rte_eth_tx_burst when the queue is shared
  wire::MacAddr mac{};
  uint32_t addr = 0;  // host order: the source of our datagrams
};

// The MAC of a unicast syncpeer, from the node's neighbour table: true and `mac` when known.
// Called on the sync side for every frame sent; must not block.
using NeighborLookup = bool (*)(void* ctx, uint32_t ip, wire::MacAddr& mac) noexcept;

struct SyncConfig {
  pfsync::EngineConfig engine;  // hostid, maxupd, defer, format (version), mtu, pfcksum, ...
  uint32_t syncpeer = 0;        // host order; 0: the group 224.0.0.240
  // Unicast: with lookup_neighbor the peer's MAC is looked up for each frame (frames wait,
  // at most kHeldFrames of them, while it is unknown: see wants_resolve()); without it the
  // fixed syncpeer_mac is used.
  wire::MacAddr syncpeer_mac{};
  NeighborLookup lookup_neighbor = nullptr;
  void* neighbor_ctx = nullptr;
  rte_mempool* pool = nullptr;  // mbufs for sent frames (and mirror copies)
  // A net_tap port (1 RX, 1 TX queue) that gets a copy of every frame sent and received on the
  // sync port; what it receives is discarded. -1: none.
  int mirror_port = -1;
  uint16_t mirror_queue = 0;
  unsigned producers = 1;  // change rings: one per worker (and one for the control thread)
  // The producer that runs on the sync side's own thread (the control thread when it drives
  // pfsync), or -1. Nothing it queues is lost: when its ring is full its records wait, in
  // order, in a queue of the sync side (a flush or a sweep of thousands of states).
  int local_producer = -1;
  // Records per worker's change ring (power of two; 32 bytes each, 2 MiB a ring): room for a
  // burst of tens of thousands of new states while the control thread is busy elsewhere. A
  // record that still finds the ring full is counted (ring_full); the peer then learns that
  // state from its next update, or from a bulk update.
  unsigned ring_size = 65536;
  // The local producer's ring (the control thread's own changes: flushes, kills, sweeps) loses
  // nothing when full, its overflow waits in order (spilled), so it stays small.
  unsigned local_ring_size = 4096;
  unsigned rx_ring_size = 1024;
  unsigned reader_id = 0;  // the table's RCU reader id the sync work uses (registered here)
  std::vector<pfsync::IfBinding> interfaces;  // pf names of the node's ports
  pfsync::StoreHooks hooks;                   // rule binding of learned states
  std::string name = "dpf_sync";              // prefix of the rings' names (unique per node)
  NodeClock clock;  // the node's: the clock of poll() without an argument (uptime_seconds() of
                    // it equals pf_now())
  // A deferred packet may go (defer: true): the node sends it. nullptr: it is freed.
  void* packet_ctx = nullptr;
  void (*release_packet)(void* ctx, rte_mbuf* m) noexcept = nullptr;
};

// What a producer tells the sync side: a copy of the state's identity, not a pointer (the state
// may be freed before the record is read). 32 bytes, one rte_ring element.
struct ChangeRecord {
  uint64_t id = 0;
  uint32_t creatorid = 0;
  uint16_t state_flags = 0;
  uint8_t proto = 0;
  state::StateOrigin origin = state::StateOrigin::kLocal;
  pfsync::ChangeKind kind = pfsync::ChangeKind::kUpdate;
  uint8_t pad[7] = {};
  rte_mbuf* packet = nullptr;  // kInsert with defer: the state's first packet, held
};
static_assert(sizeof(ChangeRecord) == 32);

// Counters of the glue (the engine's are in stats()). Written by the sync side, except
// ring_full, written by each producer in its own slot; read relaxed by the control thread.
struct SyncIoCounters {
  uint64_t changes = 0;              // change records taken from the rings
  uint64_t ring_full = 0;            // change records lost to a full ring (sum over producers)
  uint64_t spilled = 0;              // the local producer's records that waited past its full ring
  uint64_t rx_frames = 0;            // frames given to on_rx_frame
  uint64_t rx_not_pfsync = 0;        // not IPv4 proto 240, bad IP header or a fragment: dropped
  uint64_t rx_ring_full = 0;         // hand_over() found the RX ring full: frame dropped
  uint64_t tx_frames = 0;            // frames accepted by the sync port
  uint64_t tx_too_big = 0;           // a payload larger than an mbuf: config error (mtu)
  uint64_t tx_held = 0;              // frames that waited for the unicast peer's MAC
  uint64_t tx_unresolved = 0;        // frames dropped: the peer's MAC unknown and the hold full
  uint64_t mirrored = 0;             // copies accepted by the mirror port
  uint64_t mirror_failed = 0;        // copies that could not be made or sent
  uint64_t mirror_rx_discarded = 0;  // frames the mirror TAP received (the kernel's): freed
  uint64_t defer_unsendable = 0;     // released deferred packets freed: no release_packet set
};

// A node this one receives valid pfsync frames from (address, MAC, frames, last frame).
struct SyncPeerSeen {
  uint32_t addr = 0;  // host order
  wire::MacAddr mac{};
  uint64_t frames = 0;
  pfsync::TimePoint last{};
};

class SyncChannel final : private pfsync::SyncSink {
 public:
  // Fails with `error` naming what could not be created. Registers config.reader_id as an
  // online reader of `table`.
  static std::unique_ptr<SyncChannel> create(state::StateTable& table, const SyncPort& port,
                                             const SyncConfig& config, std::string& error);
  // After the lcores stopped: frees queued records' packets and the rings, unregisters.
  ~SyncChannel() override;
  SyncChannel(const SyncChannel&) = delete;
  SyncChannel& operator=(const SyncChannel&) = delete;

  // ---- Producers (worker i; the control thread if it has a ring) ----
  rte_ring* ring_for_worker(unsigned i) const noexcept;
  // Queues a change of `s` on producer i's ring; false (counted) if the ring is full, and the
  // caller still owns `deferred_packet` (send it). With defer, pass a new state's first packet
  // with its kInsert: the sync side releases it (SyncConfig::release_packet) on the peer's
  // INS_ACK or the defer timeout. Takes s.lock briefly to read the flags, so the caller must not
  // hold it. An insert or update of a no-sync state queues nothing (true); its delete is queued,
  // so that the engine forgets the state.
  bool change(unsigned i, state::State& s, pfsync::ChangeKind kind,
              rte_mbuf* deferred_packet = nullptr) noexcept;
  // Any lcore: queues a frame received on the sync port for the sync side (consumed: freed if
  // the RX ring is full).
  bool hand_over(rte_mbuf* m) noexcept;

  // ---- The sync side (one thread) ----
  // A frame received on the sync port: checked, decoded, applied; always consumed. A frame
  // from another port is counted as badif.
  void on_rx_frame(pfsync::TimePoint now, rte_mbuf* m) noexcept;
  void on_rx_frame(rte_mbuf* m) noexcept { on_rx_frame(clock(), m); }
  // One round: handed-over frames, change records, due timers, then an RCU quiescent report.
  // Each source gets a budget per round (kRxPerPoll frames, kChangesPerPoll records per ring);
  // returns whether work was left for the next round (the caller should not sleep).
  bool poll(pfsync::TimePoint now) noexcept;
  bool poll() noexcept { return poll(clock()); }
  // The local table was flushed: one CLR (mark the flushed states no-sync first).
  void clear(pfsync::TimePoint now, std::string_view ifname) noexcept;
  // Start-up: ask the peers for their tables.
  void request_bulk(pfsync::TimePoint now) noexcept { engine_->request_bulk(now); }
  // The sync port's link as last read, on the sync side's thread (repeats are harmless): when it
  // comes back up after a down, the node asks its peers for their tables (SyncEngine::on_link).
  void on_link(pfsync::TimePoint now, bool up) noexcept { engine_->on_link(now, up); }
  void on_link(bool up) noexcept { on_link(clock(), up); }
  // Now on the clock poll() uses (the node's clock, config.clock).
  pfsync::TimePoint clock() const noexcept;

  // ---- Counters (control thread; values written by the sync side may lag) ----
  // Unicast: the syncpeer while its MAC is not (or no longer) in the neighbour table; the
  // control thread sends it an ARP request (about once a second) until this is empty.
  std::optional<uint32_t> wants_resolve() const noexcept;

  // pfsync's statistics: the engine's with the IP-layer ones (ipackets, badttl, badif, onomem).
  pfsync::Stats stats() const noexcept;
  const pfsync::EngineStats& engine_stats() const noexcept { return engine_->engine_stats(); }
  const pfsync::BulkStatus& bulk_status() const noexcept { return engine_->bulk_status(); }
  // The peers heard from, on the thread that runs the sync side.
  static constexpr unsigned kMaxPeersSeen = 8;
  std::span<const SyncPeerSeen> peers_seen() const noexcept { return {peers_.data(), n_peers_}; }
  bool sync_ok() const noexcept { return engine_->sync_ok(); }
  bool holds_carp() const noexcept { return engine_->holds_carp(); }
  SyncIoCounters io_counters() const noexcept;
  const pfsync::TableStore::Counters& store_counters() const noexcept { return store_->counters(); }

  // Frames kept while the unicast peer's MAC is unknown; the oldest is dropped beyond this.
  static constexpr unsigned kHeldFrames = 16;
  // Budgets of one poll(), so that a flood on the sync port or a burst of changes never holds
  // the thread that also runs CARP: frames taken from the RX ring, records taken from each
  // change ring (and from the local producer's overflow).
  static constexpr unsigned kRxPerPoll = 256;
  static constexpr unsigned kChangesPerPoll = 1024;

 private:
  struct alignas(64) ProducerSlot {
    rte_ring* ring = nullptr;
    std::atomic<uint64_t> full{0};
  };

  SyncChannel(state::StateTable& table, const SyncPort& port, const SyncConfig& config);
  bool setup(std::string& error);
  bool enqueue(unsigned i, const ChangeRecord& r) noexcept;
  bool enqueue_local(ProducerSlot& p, const ChangeRecord& r) noexcept;
  void apply(pfsync::TimePoint now, const ChangeRecord& r) noexcept;
  bool transmit(uint16_t port, uint16_t queue, rte_spinlock_t* lock, rte_mbuf* m) noexcept;
  void mirror(rte_mbuf* m) noexcept;
  void drain_mirror() noexcept;
  // Unicast: refreshes the peer's MAC from the neighbour table; false while none is known.
  bool resolve_peer() noexcept;
  // Records the sender of a valid frame among the peers heard from (the least recent one makes
  // room when the list is full).
  void note_peer(pfsync::TimePoint now, const pfsync::RxFrame& f) noexcept;
  // Sends a built frame: to the peer's current MAC, held while it has none.
  bool emit(rte_mbuf* m) noexcept;
  bool put(rte_mbuf* m) noexcept;  // to the current MAC, mirrored; false (freed) if refused
  void hold(rte_mbuf* m) noexcept;
  void flush_held() noexcept;
  bool drain_rx(pfsync::TimePoint now) noexcept;       // true: frames are left
  bool drain_changes(pfsync::TimePoint now) noexcept;  // true: records are left

  // SyncSink
  bool send_frame(std::span<const std::byte> frame) noexcept override;
  void release_packet(pfsync::PacketHandle packet) noexcept override;
  void drop_packet(pfsync::PacketHandle packet) noexcept override;

  state::StateTable& table_;
  SyncPort port_;
  SyncConfig cfg_;
  pfsync::FrameAddrs addrs_;
  std::unique_ptr<pfsync::TableStore> store_;
  std::unique_ptr<pfsync::SyncEngine> engine_;
  std::vector<ProducerSlot> producers_;
  // The local producer's records that found its ring full, oldest first; while it is not
  // empty that producer's new records join it (so that they stay in order). Sync side only.
  std::deque<ChangeRecord> spill_;
  rte_ring* rx_ring_ = nullptr;
  std::atomic<uint64_t> rx_ring_full_{0};
  bool reader_registered_ = false;
  pfsync::Stats io_stats_;  // ipackets, badttl, badif, onomem
  SyncIoCounters io_;       // all but ring_full and rx_ring_full
  // Unicast peer resolution (the sync side; unresolved_ is also read by wants_resolve()).
  bool peer_known_ = false;  // addrs_.dst_mac holds a MAC the peer had (maybe stale)
  std::atomic<bool> unresolved_{false};
  std::array<rte_mbuf*, kHeldFrames> held_{};
  std::array<SyncPeerSeen, kMaxPeersSeen> peers_{};
  unsigned n_peers_ = 0;
  unsigned held_first_ = 0, held_count_ = 0;
};

}  // namespace dpf
