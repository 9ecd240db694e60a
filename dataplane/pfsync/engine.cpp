// SyncEngine: queues, frame assembly, local changes, timers and deferral. Input handling is in
// engine_input.cpp, the bulk update in bulk.cpp. shared/specs/pfsync.md §2.6–§2.7, §4.2, §4.8.
#include "dataplane/pfsync/engine.h"

#include <algorithm>
#include <mutex>

namespace dpf::pfsync {

namespace st = dpf::state;

namespace {

constexpr auto kFlushDelay = std::chrono::seconds(1);      // pfsync_timeout: 1 * hz
constexpr auto kRecentlySynced = std::chrono::seconds(2);  // time_uptime - pfsync_time < 2

uint16_t flags_of(st::State& s) {
  std::lock_guard<st::StateLock> g(s.lock);
  return s.state_flags;
}

}  // namespace

uint32_t uptime_seconds(TimePoint t) noexcept {
  return static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

bool accept_ip(uint8_t ttl, Stats& stats) noexcept {
  ++stats.ipackets;
  if (ttl != kTtl) [[unlikely]] {
    ++stats.badttl;
    return false;
  }
  return true;
}

SyncEngine::SyncEngine(const EngineConfig& config, StateStore& store, SyncSink& sink)
    : cfg_(config), store_(store), sink_(sink) {
  base_len_ = wire::kIpv4MinHdr + sizeof(layout::Header) + eof_tail_len(cfg_.eof);
  cfg_.mtu = std::clamp(cfg_.mtu, base_len_ + sizeof(layout::Subheader) + sizeof(layout::State1400),
                        size_t{0xffff});
  len_ = base_len_;
  buf_.resize(cfg_.mtu - wire::kIpv4MinHdr);
  if (cfg_.bulk_budget == 0) {
    const size_t room = cfg_.mtu - base_len_ - sizeof(layout::Subheader);
    cfg_.bulk_budget = std::max<size_t>(1, room / record_len(kQUpd));
  }
}

ExportContext SyncEngine::export_ctx(TimePoint now) const noexcept {
  ExportContext ctx;
  ctx.now = uptime_seconds(now);
  ctx.format = cfg_.format;
  ctx.timeouts = cfg_.timeouts;
  ctx.counts.global = static_cast<uint32_t>(store_.size());
  return ctx;
}

Action SyncEngine::queue_action(uint8_t q) const noexcept {
  const bool f1400 = cfg_.format == StateFormat::k1400;
  switch (q) {
    case kQIns:
      return f1400 ? Action::kIns1400 : Action::kIns;
    case kQIack:
      return Action::kInsAck;
    case kQUpd:
      return f1400 ? Action::kUpd1400 : Action::kUpd;
    case kQUpdC:
      return Action::kUpdC;
    default:
      return Action::kDelC;
  }
}

size_t SyncEngine::record_len(uint8_t q) const noexcept {
  return record_size(static_cast<uint8_t>(queue_action(q)));
}

// ---- Queues -----------------------------------------------------------------------------------

void SyncEngine::push(TimePoint now) noexcept {
  if (!push_at_) push_at_ = now;
}

// pfsync_q_ins: a new section costs a subheader; a record that would pass the MTU sends the
// pending frame first (§2.7). The 1 s timer starts with the first record of a frame.
void SyncEngine::q_ins(TimePoint now, const IdKey& key, Entry& e, uint8_t q) {
  size_t nlen = record_len(q) + (qcount_[q] == 0 ? sizeof(layout::Subheader) : 0);
  if (len_ + nlen > cfg_.mtu) {
    sendout(now);  // `e` is not queued, so the send leaves it alone
    nlen = sizeof(layout::Subheader) + record_len(q);
  }
  if (!flush_at_) flush_at_ = now + kFlushDelay;
  len_ += nlen;
  ++qcount_[q];
  e.queue = q;
  e.gen = ++gen_;
  queues_[q].push_back({key, e.gen});
}

void SyncEngine::q_del(Entry& e) noexcept {
  if (e.queue == kQNone) return;
  const uint8_t q = e.queue;
  len_ -= record_len(q);
  if (--qcount_[q] == 0) len_ -= sizeof(layout::Subheader);
  e.queue = kQNone;
}

void SyncEngine::forget(const IdKey& key) noexcept {
  extras_.erase(key);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  q_del(it->second);
  entries_.erase(it);
}

// Writes one queued record from the live state (pf builds messages at send time, so every change
// since queueing is included). false: the state is gone, nothing written.
bool SyncEngine::write_item(FrameBuilder& b, uint8_t q, const IdKey& key, Entry& e, TimePoint now) {
  AddStatus r = AddStatus::kOk;
  if (q == kQIack || q == kQDelC) {
    const IdMsg m{key.id, key.creatorid};
    r = q == kQIack ? b.add_ins_ack(m) : b.add_del_c(m);
  } else {
    st::State* s = store_.find_by_id(key.id, key.creatorid);
    if (!s) return false;
    const ExportContext ctx = export_ctx(now);
    std::lock_guard<st::StateLock> g(s->lock);
    if (s->proto == wire::kIpProtoTcp) {
      e.wire_known = true;
      e.wire_seqlo[0] = s->peers.src.seqlo;
      e.wire_seqhi[0] = s->peers.src.seqhi;
      e.wire_seqlo[1] = s->peers.dst.seqlo;
      e.wire_seqhi[1] = s->peers.dst.seqhi;
    }
    if (q == kQUpdC) {
      r = b.add_upd_c(upd_c_export(*s, ctx));
    } else {
      auto x = extras_.find(key);
      r = b.add_state(queue_action(q),
                      state_export(*s, ctx, x == extras_.end() ? nullptr : &x->second));
    }
  }
  if (r != AddStatus::kOk) ++estats_.encode_errors;
  return r == AddStatus::kOk;
}

// pfsync_sendout: one frame with the queues in 9.x order, then UPD_REQs, then the CLR/BUS.
void SyncEngine::sendout(TimePoint now) {
  BuilderOptions opts;
  opts.mtu = cfg_.mtu;
  opts.eof = cfg_.eof;
  opts.pfcksum = cfg_.pfcksum;
  FrameBuilder b(buf_, opts);
  for (uint8_t q = 0; q < kQCount; ++q) {
    for (const Item& item : queues_[q]) {
      auto it = entries_.find(item.key);
      if (it == entries_.end() || it->second.queue != q || it->second.gen != item.gen) continue;
      const bool written = write_item(b, q, item.key, it->second, now);
      it->second.queue = kQNone;
      if (q == kQDelC || !written) {
        extras_.erase(item.key);
        entries_.erase(it);
      }
    }
    queues_[q].clear();
    qcount_[q] = 0;
  }
  for (const IdMsg& r : upd_reqs_) {
    if (b.add_upd_req(r) != AddStatus::kOk) ++estats_.encode_errors;
  }
  upd_reqs_.clear();
  if (plus_ && b.add(*plus_) != AddStatus::kOk) ++estats_.encode_errors;
  plus_.reset();
  len_ = base_len_;
  flush_at_.reset();
  push_at_.reset();
  if (b.empty()) return;
  const std::span<const std::byte> frame = b.finish();
  for (size_t a = 0; a < kActionCount; ++a) stats_.oacts[a] += b.action_counts()[a];
  if (sink_.send_frame(frame)) {
    ++stats_.opackets;
  } else {
    ++stats_.oerrors;
  }
}

void SyncEngine::add_upd_req(TimePoint now, const IdMsg& req) {
  if (std::find(upd_reqs_.begin(), upd_reqs_.end(), req) != upd_reqs_.end()) return;
  size_t nlen = sizeof(layout::UpdReq) + (upd_reqs_.empty() ? sizeof(layout::Subheader) : 0);
  if (len_ + nlen > cfg_.mtu) {
    sendout(now);
    nlen = sizeof(layout::Subheader) + sizeof(layout::UpdReq);
  }
  if (!flush_at_) flush_at_ = now + kFlushDelay;
  len_ += nlen;
  upd_reqs_.push_back(req);
  push(now);
}

// pfsync_send_plus: a CLR or BUS goes out at once, with whatever was pending.
void SyncEngine::send_plus(TimePoint now, const Message& m) {
  const size_t plen = sizeof(layout::Subheader) + record_size(static_cast<uint8_t>(m.action));
  if (len_ + plen > cfg_.mtu || plus_) sendout(now);
  plus_ = m;
  len_ += plen;
  sendout(now);
}

// ---- Local changes ----------------------------------------------------------------------------

void SyncEngine::on_local_change(TimePoint now, st::State& s, ChangeKind kind) {
  const IdKey key = key_of(s);
  const uint16_t flags = flags_of(s);
  if (kind == ChangeKind::kUpdate) {
    update_state(now, s);
    return;
  }
  if (kind == ChangeKind::kDelete) {
    if (flags & st::kStateAck) undefer(key, true);
    auto it = entries_.find(key);
    if (flags & st::kStateNoSync) {
      forget(key);
      return;
    }
    Entry& e = it != entries_.end() ? it->second : entries_[key];
    if (e.queue == kQIns) {  // the peer never heard of it
      forget(key);
      return;
    }
    if (e.queue == kQDelC) return;
    q_del(e);
    q_ins(now, key, e, kQDelC);
    return;
  }
  // kInsert (pfsync_insert_state). A learned state is the peer's news, never ours to repeat.
  if (s.origin == st::StateOrigin::kPfsync) {
    ++estats_.learned_insert_ignored;
    return;
  }
  if ((flags & st::kStateNoSync) || s.proto == wire::kIpProtoPfsync) return;
  Entry& e = entries_[key];
  if (e.queue != kQNone) return;
  q_ins(now, key, e, kQIns);
  e.updates = 0;
}

void SyncEngine::update_state(TimePoint now, st::State& s) {
  const IdKey key = key_of(s);
  const uint16_t flags = flags_of(s);
  if ((flags & st::kStateAck) && undefer(key, false)) ++estats_.defer_released;
  if (flags & st::kStateNoSync) {
    forget(key);
    return;
  }
  Entry& e = entries_[key];
  bool sync = false;
  switch (e.queue) {
    case kQUpdC:
    case kQUpd:
    case kQIns:
      // Already queued: the message is built at send time. Only TCP counts towards maxupd.
      if (s.proto == wire::kIpProtoTcp && ++e.updates >= cfg_.maxupd) sync = true;
      if (!sync && s.proto == wire::kIpProtoTcp && window_half_used(e, s)) {
        sync = true;
        ++estats_.window_pushes;
      }
      break;
    case kQDelC:
      return;
    case kQIack:
      q_del(e);
      [[fallthrough]];
    default:
      q_ins(now, key, e, kQUpdC);
      e.updates = 0;
      break;
  }
  if (sync || (e.synced && now - e.pfsync_time < kRecentlySynced)) push(now);
}

// dpf's addition to pfsync_update_state: a queued TCP state goes out at once when either peer
// has sent past the middle of the window the peers last saw on the wire. A peer's copy of the
// state accepts a segment only up to that window's end (seqhi), so without this a fast stream
// with a small window could run a whole window ahead of the copy within maxupd updates or the
// 1 s flush, and a backup taking over would drop its segments as out of window. Only the timing
// of frames changes; what they carry is pf's.
bool SyncEngine::window_half_used(const Entry& e, st::State& s) noexcept {
  if (!e.wire_known) return false;
  uint32_t seqlo[2];
  {
    std::lock_guard<st::StateLock> g(s.lock);
    seqlo[0] = s.peers.src.seqlo;
    seqlo[1] = s.peers.dst.seqlo;
  }
  for (int side = 0; side < 2; ++side) {
    const uint32_t window = e.wire_seqhi[side] - e.wire_seqlo[side];
    if (window == 0 || window > (uint32_t{1} << 30)) continue;  // not yet a tracked window
    if (st::seq_gt(seqlo[side], e.wire_seqlo[side] + window / 2)) return true;
  }
  return false;
}

void SyncEngine::update_state_req(TimePoint now, st::State& s) {
  const IdKey key = key_of(s);
  if (flags_of(s) & st::kStateNoSync) {
    forget(key);
    return;
  }
  Entry& e = entries_[key];
  switch (e.queue) {
    case kQUpdC:
    case kQIack:
      q_del(e);
      [[fallthrough]];
    case kQNone:
      q_ins(now, key, e, kQUpd);
      push(now);
      break;
    default:  // INS, UPD, DEL_C: already on its way
      break;
  }
}

void SyncEngine::on_local_clear(TimePoint now, std::string_view ifname) {
  send_plus(now, Message{Action::kClr, ClrMsg{make_ifname(ifname), cfg_.hostid}});
}

// ---- Timers -----------------------------------------------------------------------------------

void SyncEngine::on_timer(TimePoint now) {
  if (!clears_.empty()) clear_tick();
  defer_timeouts(now);
  bulk_timers(now);
  if ((push_at_ && now >= *push_at_) || (flush_at_ && now >= *flush_at_)) {
    if (len_ > base_len_) {
      sendout(now);
    } else {
      flush_at_.reset();
      push_at_.reset();
    }
  }
}

std::optional<TimePoint> SyncEngine::next_deadline() const noexcept {
  std::optional<TimePoint> d;
  auto take = [&d](const std::optional<TimePoint>& t) {
    if (t && (!d || *t < *d)) d = t;
  };
  take(push_at_);
  take(flush_at_);
  take(bulk_fail_at_);
  take(send_.pending_at);
  if (!clears_.empty()) take(clears_.front().since);  // due at once, until the walks end
  if (send_.active) take(send_.next_tick);
  if (!deferrals_.empty()) {
    for (const Deferral& x : deferrals_) take(x.deadline);
  }
  return d;
}

// ---- Deferral (§4.8) --------------------------------------------------------------------------

bool SyncEngine::defer_packet(TimePoint now, st::State& s, PacketHandle packet) {
  if (!cfg_.defer || s.origin == st::StateOrigin::kPfsync) return false;
  {
    std::lock_guard<st::StateLock> g(s.lock);
    if (s.state_flags & (st::kStateNoSync | st::kStateAck)) return false;
    s.state_flags |= st::kStateAck;
  }
  if (deferrals_.size() >= cfg_.defer_limit && !deferrals_.empty()) {
    ++estats_.defer_released;
    undefer(deferrals_.front().key, false);
  }
  deferrals_.push_back({key_of(s), packet, now + cfg_.defer_timeout});
  ++estats_.deferred;
  push(now);  // the INS, carrying PFSTATE_ACK, leaves at once
  return true;
}

// pfsync_undefer: clears PFSTATE_ACK and lets the packet go or frees it.
bool SyncEngine::undefer(const IdKey& key, bool drop) {
  auto it = std::find_if(deferrals_.begin(), deferrals_.end(),
                         [&key](const Deferral& d) { return d.key == key; });
  if (it == deferrals_.end()) return false;
  const PacketHandle packet = it->packet;
  deferrals_.erase(it);
  if (st::State* s = store_.find_by_id(key.id, key.creatorid)) {
    std::lock_guard<st::StateLock> g(s->lock);
    s->state_flags &= static_cast<uint16_t>(~st::kStateAck);
  }
  if (drop) {
    ++estats_.defer_dropped;
    sink_.drop_packet(packet);
  } else {
    sink_.release_packet(packet);
  }
  return true;
}

void SyncEngine::defer_timeouts(TimePoint now) {
  while (!deferrals_.empty()) {
    auto it = std::min_element(
        deferrals_.begin(), deferrals_.end(),
        [](const Deferral& a, const Deferral& b) { return a.deadline < b.deadline; });
    if (it->deadline > now) return;
    ++estats_.defer_timed_out;
    undefer(it->key, false);
  }
}

}  // namespace dpf::pfsync
