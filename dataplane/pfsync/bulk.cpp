// SyncEngine: the bulk update (shared/specs/pfsync.md §4.6). As requester: UPD_REQ(0,0), the
// fail timer (5 s, 12 retries, then carry on), BUS START re-arming it for the whole table and a
// BUS END that must postdate our request. As responder: BUS START, the table walked a budget of
// states per tick (live updates share the frames), BUS END; request floods collapse. The sync
// link's carrier: a request when it returns, the answer we send stopped when it goes.
#include <mutex>

#include "dataplane/pfsync/engine.h"

namespace dpf::pfsync {

namespace st = dpf::state;

namespace {
constexpr auto kBulkFailDelay = std::chrono::seconds(kBulkFailSeconds);
constexpr auto kBusStartGrace = std::chrono::seconds(4);
}  // namespace

// ---- Requester --------------------------------------------------------------------------------

void SyncEngine::request_bulk(TimePoint now) {
  bulk_ = BulkStatus{};
  bulk_.requested = true;
  bulk_.started_at = now;
  ureq_sent_ = now;
  bus_start_from_.reset();
  ++estats_.bulk_requests_sent;
  add_upd_req(now, IdMsg{0, 0});
  sendout(now);  // the request leaves at once
  bulk_fail_at_ = now + kBulkFailDelay;
}

void SyncEngine::on_link(TimePoint now, bool up) {
  if (!up) {
    if (link_down_) return;
    link_down_ = true;
    // pfsync_cancel_full_update: our answer cannot arrive; a request that came in meanwhile
    // is dropped too, since the asker repeats its request when its link returns.
    send_.active = false;
    send_.again = false;
    send_.pending_at.reset();
    return;
  }
  if (!link_down_) return;
  link_down_ = false;
  const bool resync = !holds_carp();  // a start-up request still unanswered keeps holding
  request_bulk(now);
  bulk_.resync = resync;
}

void SyncEngine::bulk_fail(TimePoint now) {
  if (bulk_.tries < static_cast<uint32_t>(kMaxBulkTries)) {
    ++bulk_.tries;
    ++estats_.bulk_requests_sent;
    add_upd_req(now, IdMsg{0, 0});
    bulk_fail_at_ = now + kBulkFailDelay;
    return;
  }
  // pf pretends the transfer worked so the node is not held back for ever.
  bulk_.requested = false;
  bulk_.in_progress = false;
  bulk_.failed = true;
  bulk_.finished_at = now;
  bulk_fail_at_.reset();
}

void SyncEngine::in_bus(TimePoint now, const BusMsg& m) {
  if (!bulk_.requested || m.creatorid == cfg_.hostid) return;  // not waiting, or our own
  if (m.status == kBusStart) {
    // 4 s plus one tick (1 ms at hz 1000) per full-state frame the peer may need for a table
    // at our state limit.
    const size_t per_frame =
        std::max<size_t>(1, (cfg_.mtu - layout::kMinPkt) / sizeof(layout::State1301));
    bulk_fail_at_ = now + kBusStartGrace + std::chrono::milliseconds(cfg_.state_limit / per_frame);
    bulk_.in_progress = true;
    bus_start_from_ = m.creatorid;
    return;
  }
  if (m.status != kBusEnd) return;
  // endtime is how long the sender's bulk took; it must have started after our request.
  // Signed, as pf's time_t arithmetic: an endtime longer than our uptime is simply too old.
  // Both clocks count whole seconds, so a bulk of a fraction of a second that straddles the
  // sender's second boundary looks one second older than it is; pf then waits for its retry
  // (20 s at 100 000 states). The BUS START we saw after the request settles it.
  const int64_t began = int64_t{uptime_seconds(now)} - int64_t{m.endtime};
  if (began >= int64_t{uptime_seconds(ureq_sent_)} || bus_start_from_ == m.creatorid) {
    bulk_.requested = false;
    bulk_.in_progress = false;
    bulk_.done = true;
    bulk_.finished_at = now;
    bulk_fail_at_.reset();
  } else {
    ++estats_.bad_bus_end;
  }
}

// ---- Responder --------------------------------------------------------------------------------

void SyncEngine::bulk_request_received(TimePoint now) {
  ++estats_.bulk_requests_received;
  if (send_.active) {
    send_.again = true;
    ++estats_.bulk_requests_postponed;
    return;
  }
  if (send_.pending_at) {
    ++estats_.bulk_requests_postponed;
    return;
  }
  if (send_.last_start && now < *send_.last_start + cfg_.bulk_holdoff) {
    send_.pending_at = *send_.last_start + cfg_.bulk_holdoff;
    ++estats_.bulk_requests_postponed;
    return;
  }
  bulk_start(now);
}

void SyncEngine::bulk_start(TimePoint now) {
  send_.active = true;
  send_.again = false;
  send_.pending_at.reset();
  send_.cursor = StoreCursor{};
  send_.ureq_received = now;
  send_.last_start = now;
  send_.next_tick = now + cfg_.bulk_interval;
  ++estats_.bulk_sends_started;
  bulk_status_msg(now, kBusStart);
}

void SyncEngine::bulk_status_msg(TimePoint now, uint8_t status) {
  BusMsg b;
  b.creatorid = cfg_.hostid;
  b.endtime = uptime_seconds(now) - uptime_seconds(send_.ureq_received);
  b.status = status;
  send_plus(now, Message{Action::kBus, b});
}

// What pf's walker sends: live states, not no-sync, not refreshed by pfsync since the request
// (the requester then has them already).
bool SyncEngine::bulk_wanted(st::State& s) const {
  {
    std::lock_guard<st::StateLock> g(s.lock);
    if (s.timeout >= st::Timeout::kMax || s.unlinked || (s.state_flags & st::kStateNoSync)) {
      return false;
    }
  }
  auto it = entries_.find(key_of(s));
  return it == entries_.end() || !it->second.synced ||
         it->second.pfsync_time <= send_.ureq_received;
}

void SyncEngine::bulk_tick(TimePoint now) {
  size_t queued = 0;
  while (queued < cfg_.bulk_budget) {
    st::State* s = store_.next(send_.cursor);
    if (!s) {
      if (len_ > base_len_) sendout(now);
      bulk_status_msg(now, kBusEnd);
      send_.active = false;
      ++estats_.bulk_sends_finished;
      if (send_.again) {
        send_.again = false;
        const TimePoint earliest = *send_.last_start + cfg_.bulk_holdoff;
        send_.pending_at = earliest > now ? earliest : now;
      }
      return;
    }
    if (!bulk_wanted(*s)) continue;
    update_state_req(now, *s);
    ++queued;
    ++estats_.bulk_states_sent;
  }
  if (len_ > base_len_) sendout(now);
  send_.next_tick = now + cfg_.bulk_interval;
}

void SyncEngine::bulk_timers(TimePoint now) {
  if (bulk_fail_at_ && now >= *bulk_fail_at_) bulk_fail(now);
  if (send_.pending_at && now >= *send_.pending_at && !send_.active) bulk_start(now);
  if (send_.active && now >= send_.next_tick) bulk_tick(now);
}

}  // namespace dpf::pfsync
