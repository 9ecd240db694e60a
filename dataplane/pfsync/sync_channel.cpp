// SyncChannel: the node's pfsync channel (sync_channel.h).
#include "dataplane/pfsync/sync_channel.h"

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_random.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace dpf {

namespace st = dpf::state;
namespace ps = dpf::pfsync;

namespace {

constexpr unsigned kBurst = 32;

void add_stats(ps::Stats& to, const ps::Stats& from) noexcept {
  for (const ps::StatField& f : ps::kStatFields) to.*(f.field) += from.*(f.field);
  for (size_t a = 0; a < ps::kActionCount; ++a) {
    to.iacts[a] += from.iacts[a];
    to.oacts[a] += from.oacts[a];
  }
}

}  // namespace

SyncChannel::SyncChannel(st::StateTable& table, const SyncPort& port, const SyncConfig& config)
    : table_(table), port_(port), cfg_(config) {}

std::unique_ptr<SyncChannel> SyncChannel::create(st::StateTable& table, const SyncPort& port,
                                                 const SyncConfig& config, std::string& error) {
  std::unique_ptr<SyncChannel> s(new SyncChannel(table, port, config));
  if (!s->setup(error)) return nullptr;
  return s;
}

bool SyncChannel::setup(std::string& error) {
  if (cfg_.pool == nullptr) {
    error = "pfsync: no mempool for sync frames";
    return false;
  }
  if (cfg_.producers == 0) cfg_.producers = 1;
  if (cfg_.local_producer >= static_cast<int>(cfg_.producers)) {
    error = "pfsync: the local producer " + std::to_string(cfg_.local_producer) +
            " has no change ring (" + std::to_string(cfg_.producers) + " producers)";
    return false;
  }
  addrs_ = ps::frame_addrs(port_.mac, port_.addr, cfg_.syncpeer, cfg_.syncpeer_mac);
  if (cfg_.syncpeer != 0) {
    peer_known_ = cfg_.lookup_neighbor == nullptr;
    unresolved_.store(!peer_known_, std::memory_order_relaxed);
  }
  producers_ = std::vector<ProducerSlot>(cfg_.producers);
  for (unsigned i = 0; i < cfg_.producers; ++i) {
    const std::string name = cfg_.name + "_c" + std::to_string(i);
    const unsigned size =
        static_cast<int>(i) == cfg_.local_producer ? cfg_.local_ring_size : cfg_.ring_size;
    producers_[i].ring = rte_ring_create_elem(name.c_str(), sizeof(ChangeRecord), size,
                                              SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (producers_[i].ring == nullptr) {
      error = "pfsync: cannot create change ring " + name + ": " + rte_strerror(rte_errno);
      return false;
    }
  }
  const std::string rx = cfg_.name + "_rx";
  rx_ring_ = rte_ring_create(rx.c_str(), cfg_.rx_ring_size, SOCKET_ID_ANY, RING_F_SC_DEQ);
  if (rx_ring_ == nullptr) {
    error = "pfsync: cannot create RX ring " + rx + ": " + rte_strerror(rte_errno);
    return false;
  }
  if (!table_.register_reader(cfg_.reader_id)) {
    error = "pfsync: cannot register state table reader " + std::to_string(cfg_.reader_id);
    return false;
  }
  reader_registered_ = true;
  store_ = std::make_unique<ps::TableStore>(table_, cfg_.interfaces, cfg_.hooks);
  ps::SyncSink& sink = *this;
  engine_ = std::make_unique<ps::SyncEngine>(cfg_.engine, *store_, sink);
  return true;
}

SyncChannel::~SyncChannel() {
  // Packets the engine still holds deferred are not freed here: they go with the mempool.
  engine_.reset();
  for (; held_count_ > 0; --held_count_, held_first_ = (held_first_ + 1) % kHeldFrames)
    rte_pktmbuf_free(held_[held_first_]);
  for (ProducerSlot& p : producers_) {
    if (p.ring == nullptr) continue;
    ChangeRecord r;
    while (rte_ring_dequeue_elem(p.ring, &r, sizeof r) == 0) rte_pktmbuf_free(r.packet);
    rte_ring_free(p.ring);
  }
  for (const ChangeRecord& r : spill_) rte_pktmbuf_free(r.packet);
  if (rx_ring_ != nullptr) {
    void* m;
    while (rte_ring_dequeue(rx_ring_, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(rx_ring_);
  }
  if (reader_registered_) table_.unregister_reader(cfg_.reader_id);
}

ps::TimePoint SyncChannel::clock() const noexcept {
  return cfg_.clock.now();
}

// ---- Producers --------------------------------------------------------------------------------

rte_ring* SyncChannel::ring_for_worker(unsigned i) const noexcept {
  return i < producers_.size() ? producers_[i].ring : nullptr;
}

bool SyncChannel::enqueue(unsigned i, const ChangeRecord& r) noexcept {
  if (i >= producers_.size()) [[unlikely]]
    return false;
  ProducerSlot& p = producers_[i];
  if (static_cast<int>(i) == cfg_.local_producer) [[unlikely]]
    return enqueue_local(p, r);
  if (rte_ring_sp_enqueue_elem(p.ring, const_cast<ChangeRecord*>(&r), sizeof r) != 0) [[unlikely]] {
    p.full.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

// The sync side's own thread: it cannot wait for its ring to drain (it is the consumer), so what
// does not fit waits in spill_, drained after the ring by the next polls.
bool SyncChannel::enqueue_local(ProducerSlot& p, const ChangeRecord& r) noexcept {
  if (spill_.empty() &&
      rte_ring_sp_enqueue_elem(p.ring, const_cast<ChangeRecord*>(&r), sizeof r) == 0)
    return true;
  try {
    spill_.push_back(r);
  } catch (const std::bad_alloc&) {
    p.full.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  ++io_.spilled;
  return true;
}

namespace {

ChangeRecord record_of(const st::State& s, uint16_t flags, ps::ChangeKind kind,
                       rte_mbuf* packet) noexcept {
  ChangeRecord r;
  r.id = s.id;
  r.creatorid = s.creatorid;
  r.state_flags = flags;
  r.proto = s.proto;
  r.origin = s.origin;
  r.kind = kind;
  r.packet = packet;
  return r;
}

}  // namespace

bool SyncChannel::change(unsigned i, st::State& s, ps::ChangeKind kind,
                         rte_mbuf* deferred_packet) noexcept {
  std::unique_lock<st::StateLock> g(s.lock);
  const uint16_t flags = s.state_flags;
  g.unlock();
  if ((flags & st::kStateNoSync) && kind != ps::ChangeKind::kDelete) return true;
  return enqueue(i, record_of(s, flags, kind, deferred_packet));
}

bool SyncChannel::hand_over(rte_mbuf* m) noexcept {
  if (rte_ring_mp_enqueue(rx_ring_, m) != 0) [[unlikely]] {
    rx_ring_full_.fetch_add(1, std::memory_order_relaxed);
    rte_pktmbuf_free(m);
    return false;
  }
  return true;
}

// ---- The sync side ----------------------------------------------------------------------------

void SyncChannel::on_rx_frame(ps::TimePoint now, rte_mbuf* m) noexcept {
  ++io_.rx_frames;
  if (m->port != port_.port_id) [[unlikely]] {
    ++io_stats_.ipackets;
    ++io_stats_.badif;
    rte_pktmbuf_free(m);
    return;
  }
  // pfsync frames fit one segment (MTU-sized); a chained mbuf is seen up to its first segment.
  const std::span<const std::byte> frame(rte_pktmbuf_mtod(m, const std::byte*),
                                         rte_pktmbuf_data_len(m));
  const ps::RxFrame f = ps::parse_frame(frame, io_stats_);
  if (f.verdict == ps::RxVerdict::kOk || f.verdict == ps::RxVerdict::kBadTtl) mirror(m);
  if (f.verdict == ps::RxVerdict::kOk) {
    note_peer(now, f);
    engine_->on_frame(now, f.payload);
  } else if (f.verdict != ps::RxVerdict::kBadTtl) {
    ++io_.rx_not_pfsync;
  }
  rte_pktmbuf_free(m);
}

void SyncChannel::note_peer(ps::TimePoint now, const ps::RxFrame& f) noexcept {
  SyncPeerSeen* slot = nullptr;
  for (unsigned i = 0; i < n_peers_ && slot == nullptr; ++i)
    if (peers_[i].addr == f.src_addr) slot = &peers_[i];
  if (slot == nullptr && n_peers_ < peers_.size()) {
    slot = &peers_[n_peers_++];
    *slot = SyncPeerSeen{f.src_addr, f.src_mac, 0, now};
  }
  if (slot == nullptr) {
    slot = &*std::min_element(peers_.begin(), peers_.end(),
                              [](const auto& a, const auto& b) { return a.last < b.last; });
    *slot = SyncPeerSeen{f.src_addr, f.src_mac, 0, now};
  }
  slot->mac = f.src_mac;
  ++slot->frames;
  slot->last = now;
}

bool SyncChannel::drain_rx(ps::TimePoint now) noexcept {
  void* burst[kBurst];
  for (unsigned taken = 0; taken < kRxPerPoll;) {
    const unsigned n = rte_ring_sc_dequeue_burst(rx_ring_, burst, kBurst, nullptr);
    for (unsigned i = 0; i < n; ++i) on_rx_frame(now, static_cast<rte_mbuf*>(burst[i]));
    if (n < kBurst) return false;
    taken += n;
  }
  return rte_ring_count(rx_ring_) > 0;
}

// The engine reads the live state for inserts and updates (an insert with a deferred packet
// sets PFSTATE_ACK on it); a delete, or a state already gone, is described by the record.
void SyncChannel::apply(ps::TimePoint now, const ChangeRecord& r) noexcept {
  ++io_.changes;
  st::State* live = nullptr;
  if (r.kind != ps::ChangeKind::kDelete) live = store_->find_by_id(r.id, r.creatorid);
  st::State copy;
  if (live == nullptr) {
    copy.id = r.id;
    copy.creatorid = r.creatorid;
    copy.state_flags = r.state_flags;
    copy.proto = r.proto;
    copy.origin = r.origin;
  }
  st::State& s = live != nullptr ? *live : copy;
  // An insert whose state is already gone is still queued, so that its delete record finds
  // it and cancels both (nothing reaches the wire).
  engine_->on_local_change(now, s, r.kind);
  if (r.packet != nullptr) {
    const auto h = reinterpret_cast<ps::PacketHandle>(r.packet);
    if (r.kind != ps::ChangeKind::kInsert || live == nullptr || !engine_->defer_packet(now, s, h))
      release_packet(h);
  }
}

bool SyncChannel::drain_changes(ps::TimePoint now) noexcept {
  ChangeRecord recs[kBurst];
  bool left = false;
  for (ProducerSlot& p : producers_) {
    unsigned taken = 0;
    unsigned n;
    while (taken < kChangesPerPoll &&
           (n = rte_ring_sc_dequeue_burst_elem(p.ring, recs, sizeof(ChangeRecord), kBurst,
                                               nullptr)) > 0) {
      for (unsigned i = 0; i < n; ++i) apply(now, recs[i]);
      taken += n;
    }
    if (rte_ring_count(p.ring) > 0) left = true;
  }
  // The local producer's overflow is younger than anything in its ring: it goes once the ring
  // is empty.
  const bool ring_empty =
      cfg_.local_producer < 0 || rte_ring_count(producers_[cfg_.local_producer].ring) == 0;
  for (unsigned taken = 0; ring_empty && taken < kChangesPerPoll && !spill_.empty(); ++taken) {
    apply(now, spill_.front());
    spill_.pop_front();
  }
  return left || !spill_.empty();
}

bool SyncChannel::poll(ps::TimePoint now) noexcept {
  if (held_count_ > 0 && resolve_peer()) flush_held();
  drain_mirror();
  const bool rx_left = drain_rx(now);
  const bool changes_left = drain_changes(now);
  const std::optional<ps::TimePoint> due = engine_->next_deadline();
  if (due && *due <= now) engine_->on_timer(now);
  table_.quiescent(cfg_.reader_id);  // no State pointer is kept past this point
  return rx_left || changes_left || engine_->clearing();
}

void SyncChannel::clear(ps::TimePoint now, std::string_view ifname) noexcept {
  engine_->on_local_clear(now, ifname);
}

// ---- Output -----------------------------------------------------------------------------------

bool SyncChannel::transmit(uint16_t port, uint16_t queue, rte_spinlock_t* lock,
                           rte_mbuf* m) noexcept {
  if (lock != nullptr) rte_spinlock_lock(lock);
  const uint16_t sent = rte_eth_tx_burst(port, queue, &m, 1);
  if (lock != nullptr) rte_spinlock_unlock(lock);
  if (sent == 1) return true;
  rte_pktmbuf_free(m);
  return false;
}

void SyncChannel::mirror(rte_mbuf* m) noexcept {
  if (cfg_.mirror_port < 0) return;
  rte_mbuf* c = rte_pktmbuf_copy(m, cfg_.pool, 0, UINT32_MAX);
  if (c == nullptr) {
    ++io_.mirror_failed;
    return;
  }
  if (transmit(static_cast<uint16_t>(cfg_.mirror_port), cfg_.mirror_queue, nullptr, c)) {
    ++io_.mirrored;
  } else {
    ++io_.mirror_failed;
  }
}

void SyncChannel::drain_mirror() noexcept {
  if (cfg_.mirror_port < 0) return;
  rte_mbuf* burst[kBurst];
  const uint16_t n = rte_eth_rx_burst(static_cast<uint16_t>(cfg_.mirror_port), 0, burst, kBurst);
  for (uint16_t i = 0; i < n; ++i) rte_pktmbuf_free(burst[i]);
  io_.mirror_rx_discarded += n;
}

std::optional<uint32_t> SyncChannel::wants_resolve() const noexcept {
  if (cfg_.syncpeer != 0 && unresolved_.load(std::memory_order_relaxed)) return cfg_.syncpeer;
  return std::nullopt;
}

bool SyncChannel::resolve_peer() noexcept {
  if (cfg_.lookup_neighbor == nullptr) return peer_known_;
  wire::MacAddr mac;
  const bool found = cfg_.lookup_neighbor(cfg_.neighbor_ctx, cfg_.syncpeer, mac);
  if (found) {
    addrs_.dst_mac = mac;
    peer_known_ = true;
  }
  if (unresolved_.load(std::memory_order_relaxed) == found)
    unresolved_.store(!found, std::memory_order_relaxed);
  // A MAC the peer had is used while the control thread probes it again, as ARP uses a stale
  // entry; only a peer never resolved makes frames wait.
  return peer_known_;
}

void SyncChannel::hold(rte_mbuf* m) noexcept {
  ++io_.tx_held;
  if (held_count_ == kHeldFrames) {
    rte_pktmbuf_free(held_[held_first_]);
    held_first_ = (held_first_ + 1) % kHeldFrames;
    --held_count_;
    ++io_.tx_unresolved;
  }
  held_[(held_first_ + held_count_) % kHeldFrames] = m;
  ++held_count_;
}

bool SyncChannel::put(rte_mbuf* m) noexcept {
  if (cfg_.syncpeer != 0) std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), addrs_.dst_mac.data(), 6);
  mirror(m);
  if (!transmit(port_.port_id, port_.tx_queue, port_.tx_lock, m)) return false;
  ++io_.tx_frames;
  return true;
}

void SyncChannel::flush_held() noexcept {
  while (held_count_ > 0) {
    rte_mbuf* m = held_[held_first_];
    held_first_ = (held_first_ + 1) % kHeldFrames;
    --held_count_;
    if (!put(m)) ++io_stats_.oerrors;  // the engine counted it as sent when it was held
  }
}

bool SyncChannel::emit(rte_mbuf* m) noexcept {
  if (cfg_.syncpeer != 0 && !resolve_peer()) {
    hold(m);
    return true;
  }
  flush_held();
  return put(m);
}

bool SyncChannel::send_frame(std::span<const std::byte> payload) noexcept {
  rte_mbuf* m = rte_pktmbuf_alloc(cfg_.pool);
  if (m == nullptr) [[unlikely]] {
    ++io_stats_.onomem;
    return false;
  }
  const size_t len = wire::kEtherIpv4Len + payload.size();
  auto* data = reinterpret_cast<std::byte*>(rte_pktmbuf_append(m, static_cast<uint16_t>(len)));
  if (len > UINT16_MAX || data == nullptr) [[unlikely]] {
    ++io_.tx_too_big;
    rte_pktmbuf_free(m);
    return false;
  }
  ps::build_frame_headers({data, len}, addrs_, payload.size(), static_cast<uint16_t>(rte_rand()));
  std::memcpy(data + wire::kEtherIpv4Len, payload.data(), payload.size());
  return emit(m);
}

void SyncChannel::release_packet(ps::PacketHandle packet) noexcept {
  auto* m = reinterpret_cast<rte_mbuf*>(packet);
  if (cfg_.release_packet != nullptr) {
    cfg_.release_packet(cfg_.packet_ctx, m);
    return;
  }
  ++io_.defer_unsendable;
  rte_pktmbuf_free(m);
}

void SyncChannel::drop_packet(ps::PacketHandle packet) noexcept {
  rte_pktmbuf_free(reinterpret_cast<rte_mbuf*>(packet));
}

// ---- Counters ---------------------------------------------------------------------------------

ps::Stats SyncChannel::stats() const noexcept {
  ps::Stats s = engine_->stats();
  // An mbuf shortage is onomem only, though the engine saw a failed send (oerrors).
  s.oerrors -= std::min(s.oerrors, io_stats_.onomem);
  add_stats(s, io_stats_);
  return s;
}

SyncIoCounters SyncChannel::io_counters() const noexcept {
  SyncIoCounters c = io_;
  for (const ProducerSlot& p : producers_) c.ring_full += p.full.load(std::memory_order_relaxed);
  c.rx_ring_full = rx_ring_full_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace dpf
