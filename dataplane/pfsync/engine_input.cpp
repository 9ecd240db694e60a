// SyncEngine: received frames, message by message in wire order, as pfsync's input handlers do
// (shared/specs/pfsync.md §4.3–§4.5). Malformed frames never get here: decode_frame counts them.
#include <algorithm>
#include <mutex>

#include "dataplane/pfsync/engine.h"
#include "dataplane/pfsync/merge.h"

namespace dpf::pfsync {

namespace st = dpf::state;

// Hands each decoded message to the engine, remembering whether the frame's ruleset checksum
// matches ours (rule binding on import, §2.2).
class SyncEngine::Input : public FrameVisitor {
 public:
  Input(SyncEngine& e, TimePoint now) : e_(e), now_(now) {}

  void on_header(const HeaderMsg& h) override { cksum_match_ = h.pfcksum == e_.cfg_.pfcksum; }
  void on_clr(const ClrMsg& m) override { e_.in_clr(now_, m); }
  void on_state(Action a, const StateMsg& m) override { e_.in_state(now_, a, m, cksum_match_); }
  void on_ins_ack(const IdMsg& m) override { e_.in_ins_ack(m); }
  void on_upd_c(const UpdCMsg& m) override { e_.in_upd_c(now_, m); }
  void on_upd_req(const IdMsg& m) override { e_.in_upd_req(now_, m); }
  void on_del_c(const IdMsg& m) override { e_.in_del(now_, m); }
  void on_bus(const BusMsg& m) override { e_.in_bus(now_, m); }

 private:
  SyncEngine& e_;
  TimePoint now_;
  bool cksum_match_ = false;
};

void SyncEngine::on_frame(TimePoint now, std::span<const std::byte> payload) {
  Input input(*this, now);
  decode_frame(payload, input, stats_);
  // Answers (INS_ACK, UPD_REQ, requested UPDs, stale replies) leave together, as pf's swi
  // sends once the input is done.
  if (push_at_ && len_ > base_len_) sendout(now);
}

void SyncEngine::in_state(TimePoint now, Action action, const StateMsg& m, bool cksum_match) {
  switch (action) {
    case Action::kIns:
    case Action::kIns1400:
      if (bulk_.requested) ++bulk_.states_received;
      in_insert(now, m, cksum_match, false);
      return;
    case Action::kUpd:
    case Action::kUpd1400:
      if (bulk_.requested) ++bulk_.states_received;
      in_insert(now, m, cksum_match, true);
      return;
    default:  // DEL: the full-state delete no pf sends since 9.x, handled as DEL_C
      in_del(now, IdMsg{m.id, m.creatorid});
      return;
  }
}

// INS, and UPD for a state we may not have: import it, or merge into the one we have. An INS for
// an id we already hold (a duplicate or a retransmission) is merged like an UPD and counted.
void SyncEngine::in_insert(TimePoint now, const StateMsg& m, bool cksum_match, bool from_upd) {
  const IdKey key{m.id, m.creatorid};
  if (m.timeout >= kPftmMax) [[unlikely]] {  // FreeBSD 14's SCTP classes: no dpf meaning
    ++stats_.badval;
    return;
  }
  bool ack = (m.state_flags & kStateAck) != 0;
  if (st::State* s = find_live(m.id, m.creatorid)) {
    if (!from_upd) ++estats_.duplicate_ins;
    if (flags_have_ack(*s)) undefer(key, true);  // the peer handles the flow (§4.8)
    merge(now, *s, m.src, m.dst, m.timeout);
    // The merge settled the scrub data of the sides it took; the rest comes from the message.
    WireExtras x = wire_extras(m);
    const auto cur = extras_.find(key);
    x.src_scrub = cur != extras_.end() ? cur->second.src_scrub : ScrubMsg{};
    x.dst_scrub = cur != extras_.end() ? cur->second.dst_scrub : ScrubMsg{};
    keep_extras(key, x);
  } else {
    if (m.creatorid == cfg_.hostid && !own_state_returning(m, from_upd)) [[unlikely]] {
      ++estats_.badcreator;
      return;
    }
    st::State imported;
    ImportContext ctx;
    ctx.now = uptime_seconds(now);
    ctx.timeouts = cfg_.timeouts;
    ctx.cksum_match = cksum_match;
    WireExtras x;
    if (state_import(m, ctx, imported, &x) != ImportError::kNone) {
      ++stats_.badstate;
      return;
    }
    imported.state_flags &= static_cast<uint16_t>(~st::kStateAck);
    st::State* holder = store_.find_by_key(imported.key.key[st::kSkWire]);
    if (holder != nullptr && doomed(*holder)) {
      unlink_for_peer(*holder);
      holder = nullptr;
    }
    if (holder != nullptr || store_.insert(imported) != InsertResult::kOk) {
      ++stats_.badstate;
      return;
    }
    if (ClearJob* j = clear_job(m.creatorid)) j->spared.insert(key);
    Entry& e = entries_[key];
    e.synced = true;
    e.pfsync_time = now;
    keep_extras(key, x);
  }
  if (ack) {  // answer at once so the sender can release its deferred packet
    Entry& e = entries_[key];
    if (e.queue == kQNone) q_ins(now, key, e, kQIack);
    push(now);
  }
}

// A state in our own name that we do not hold can only be ours coming back: a peer kept it
// while we restarted and now answers our bulk request with it. FreeBSD imports such a state like
// any other (pfsync_state_import refuses only creatorid 0; pf_state_insert refuses a duplicate
// (id, creatorid) and its own id counter ignores imported ids). dpf's local ids come from one
// counter, so a state in our name inserted from the wire could take an id the counter has yet to
// hand out, and an id near UINT64_MAX would make it wrap (the table moves it past what it takes).
// So a state in our name is taken only as part of the bulk update we asked for (requested and
// not yet ended or failed: UPD records, as the peer's bulk walker sends them) and only with an id
// our counter can pass without wrapping; any other is refused and counted (badcreator). A peer
// that would inject one must answer a bulk request we made, within its window.
bool SyncEngine::own_state_returning(const StateMsg& m, bool from_upd) const noexcept {
  return from_upd && bulk_.requested && m.id != 0 && m.id <= st::kMaxOwnStateId;
}

void SyncEngine::keep_extras(const IdKey& key, const WireExtras& x) {
  if (x == WireExtras{}) {
    extras_.erase(key);
  } else {
    extras_[key] = x;
  }
}

bool SyncEngine::flags_have_ack(st::State& s) {
  std::lock_guard<st::StateLock> g(s.lock);
  return (s.state_flags & st::kStateAck) != 0;
}

void SyncEngine::in_upd_c(TimePoint now, const UpdCMsg& m) {
  if (m.id == 0 && m.creatorid == 0) [[unlikely]] {  // would become a bulk request
    ++stats_.badval;
    return;
  }
  st::State* s = find_live(m.id, m.creatorid);
  if (!s) {  // we do not have it: ask for it (§4.3)
    ++estats_.upd_req_unknown;
    add_upd_req(now, IdMsg{m.id, m.creatorid});
    return;
  }
  if (flags_have_ack(*s)) undefer({m.id, m.creatorid}, true);
  merge(now, *s, m.src, m.dst, m.timeout);
}

// pfsync_in_upd / _upd_c for a known state: take the sides that are not behind ours; if any side
// was behind, count it stale and answer with our state so the peer catches up (§4.5). As FreeBSD
// 10+ does (`st->expire = time_uptime`), a merge that takes a side sets the last activity to now:
// the wire's `expire` is not used, so a peer cannot stretch the state's life past our timeout.
void SyncEngine::merge(TimePoint now, st::State& s, const PeerMsg& src, const PeerMsg& dst,
                       uint8_t timeout) {
  MergeResult r;
  {
    std::lock_guard<st::StateLock> g(s.lock);
    r = merge_peers(s.peers, src, dst, s.proto == wire::kIpProtoTcp);
    if (r.rejected() < 2) {
      s.timeout = static_cast<st::Timeout>(timeout);
      s.expire = uptime_seconds(now);
    }
  }
  const IdKey key = key_of(s);
  auto x = extras_.find(key);
  if (x != extras_.end()) {
    if (r.src_taken) x->second.src_scrub = src.scrub;
    if (r.dst_taken) x->second.dst_scrub = dst.scrub;
  } else if (r.src_taken && r.dst_taken && (src.scrub != ScrubMsg{} || dst.scrub != ScrubMsg{})) {
    WireExtras fresh;
    fresh.src_scrub = src.scrub;
    fresh.dst_scrub = dst.scrub;
    extras_[key] = fresh;
  }
  Entry& e = entries_[key];
  e.synced = true;
  e.pfsync_time = now;
  if (r.stale()) {
    ++stats_.stale;
    update_state(now, s);
    push(now);
  }
}

void SyncEngine::in_upd_req(TimePoint now, const IdMsg& m) {
  if (m.id == 0 && m.creatorid == 0) {
    bulk_request_received(now);
    return;
  }
  st::State* s = store_.find_by_id(m.id, m.creatorid);
  if (!s) {
    ++stats_.badstate;
    return;
  }
  update_state_req(now, *s);  // skips no-sync states
}

// Unlinks a state because a peer said so: marked no-sync first so its deletion is not echoed.
void SyncEngine::unlink_for_peer(st::State& s) {
  const IdKey key = key_of(s);
  if (flags_have_ack(s)) undefer(key, true);
  {
    std::lock_guard<st::StateLock> g(s.lock);
    s.state_flags |= st::kStateNoSync;
  }
  forget(key);
  store_.remove(s);
}

void SyncEngine::in_del(TimePoint, const IdMsg& m) {
  st::State* s = store_.find_by_id(m.id, m.creatorid);
  if (!s) {
    ++stats_.badstate;
    return;
  }
  unlink_for_peer(*s);
}

// CLR: every state of that creator goes (the interface name is not a filter, §4.3). A CLR in
// our own name cannot come from a peer (each node clears with its own hostid): ignored. The
// table is walked in slices (clr_budget); until the walk is done, lookups treat the states it
// has still to remove as gone, and states imported meanwhile are spared.
void SyncEngine::in_clr(TimePoint now, const ClrMsg& m) {
  if (m.creatorid == cfg_.hostid || m.creatorid == 0) {
    ++stats_.badval;
    return;
  }
  ClearJob* job = clear_job(m.creatorid);
  if (job == nullptr) job = &clears_.emplace_back();
  job->creatorid = m.creatorid;
  job->cursor = StoreCursor{};
  job->spared.clear();
  job->since = now;
  clear_tick();
}

void SyncEngine::clear_tick() {
  std::vector<IdKey> victims;
  for (auto job = clears_.begin(); job != clears_.end();) {
    victims.clear();
    bool done = false;
    for (size_t visited = 0; visited < std::max<size_t>(cfg_.clr_budget, 1); ++visited) {
      st::State* s = store_.next(job->cursor);
      if (s == nullptr) {
        done = true;
        break;
      }
      if (s->creatorid == job->creatorid && !job->spared.contains(key_of(*s)))
        victims.push_back(key_of(*s));
    }
    for (const IdKey& k : victims) {
      if (st::State* s = store_.find_by_id(k.id, k.creatorid)) unlink_for_peer(*s);
    }
    job = done ? clears_.erase(job) : job + 1;
  }
}

SyncEngine::ClearJob* SyncEngine::clear_job(uint32_t creatorid) noexcept {
  for (ClearJob& j : clears_)
    if (j.creatorid == creatorid) return &j;
  return nullptr;
}

bool SyncEngine::doomed(const st::State& s) noexcept {
  const ClearJob* j = clears_.empty() ? nullptr : clear_job(s.creatorid);
  return j != nullptr && !j->spared.contains(key_of(s));
}

st::State* SyncEngine::find_live(uint64_t id, uint32_t creatorid) {
  st::State* s = store_.find_by_id(id, creatorid);
  if (s != nullptr && doomed(*s)) {
    unlink_for_peer(*s);
    return nullptr;
  }
  return s;
}

void SyncEngine::in_ins_ack(const IdMsg& m) {
  st::State* s = store_.find_by_id(m.id, m.creatorid);
  if (!s || !flags_have_ack(*s)) return;
  if (undefer({m.id, m.creatorid}, false)) ++estats_.defer_acked;
}

}  // namespace dpf::pfsync
