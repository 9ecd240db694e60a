// The pfsync sync engine: the sync lcore's protocol logic (shared/specs/pfsync.md §4). It queues
// local state changes per state (INS, INS_ACK, UPD, UPD_C, DEL_C, then UPD_REQ and one CLR/BUS,
// as 9.x orders a frame), fills frames up to the MTU, flushes within 1 s or after `maxupd`
// changes, applies received frames to a StateStore, answers update and bulk requests, runs the
// bulk-update requester and the paced bulk sender, and holds deferred packets until INS_ACK.
// Sync lcore only (not thread-safe). Time is passed in. Allocates: one MTU-sized frame buffer at
// construction, and per-state bookkeeping (hash map, queues) that grows with the states synced.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dataplane/pfsync/codec.h"
#include "dataplane/pfsync/import.h"
#include "dataplane/pfsync/store.h"
#include "dataplane/state/state.h"

namespace dpf::pfsync {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using PacketHandle = uint64_t;  // the glue's packet (an mbuf pointer); opaque here

enum class ChangeKind : uint8_t { kInsert, kUpdate, kDelete };

// pf's uptime: whole seconds of `t` since its clock's epoch (the node's clock starts at zero).
uint32_t uptime_seconds(TimePoint t) noexcept;

// IP-layer acceptance the glue applies before on_frame (§2.1): counts ipackets, and badttl
// when the TTL is not 255. Returns whether the frame may be passed on.
bool accept_ip(uint8_t ttl, Stats& stats) noexcept;

// Where finished frames and deferred packets go (the glue: TX on the sync port, mirror TAP).
class SyncSink {
 public:
  virtual ~SyncSink() = default;
  // One pfsync payload (header to EOF tail, no IP header), at most mtu - 20 bytes. The bytes are
  // only valid during the call. Returns false on a transmit failure (counted as oerrors).
  virtual bool send_frame(std::span<const std::byte> frame) noexcept = 0;
  // A deferred packet may go now (INS_ACK, timeout, local update, or the defer limit).
  virtual void release_packet(PacketHandle packet) noexcept = 0;
  // A deferred packet must be freed unsent (the peer handles the flow, or the state is gone).
  virtual void drop_packet(PacketHandle packet) noexcept = 0;
};

struct EngineConfig {
  uint32_t hostid = 1;       // our creatorid, non-zero
  size_t mtu = kDefaultMtu;  // of the IP datagram; raised if it cannot carry one full state
  uint8_t maxupd = kDefaultMaxUpd;
  bool defer = false;
  StateFormat format = StateFormat::k1301;  // full states sent as 1301 (INS/UPD) or 1400
  EofStyle eof = EofStyle::kEofTrailer;
  std::array<uint8_t, 16> pfcksum{};                 // our ruleset checksum
  uint32_t state_limit = state::kDefaultStateLimit;  // sizes the BUS START fail timer
  const state::TimeoutTable* timeouts = nullptr;     // nullptr: pf's defaults
  // Bulk sender pacing: at most `bulk_budget` states queued per tick of `bulk_interval`
  // (0 = one full frame of states, as pf's walker does per clock tick).
  size_t bulk_budget = 0;
  std::chrono::nanoseconds bulk_interval = std::chrono::milliseconds(1);
  // Floods of bulk requests: at most one bulk send starts per `bulk_holdoff`; requests that
  // arrive meanwhile (or during a send) collapse into one more send afterwards.
  std::chrono::nanoseconds bulk_holdoff = std::chrono::seconds(1);
  std::chrono::nanoseconds defer_timeout = std::chrono::milliseconds(20);  // FreeBSD 10+
  size_t defer_limit = 128;
  // A received CLR walks the table in slices of at most `clr_budget` states: one slice in
  // on_frame, then one per on_timer until the walk is done, so that a CLR (or a flood of them)
  // never holds the sync lcore for a whole table.
  size_t clr_budget = 4096;
};

// Progress of the bulk update this node asked for (§4.6), for CARP and `dpfctl -s sync`.
struct BulkStatus {
  bool requested = false;        // an UPD_REQ(0,0) was sent and no answer finished yet
  bool in_progress = false;      // the peer's BUS START arrived
  bool done = false;             // a valid BUS END arrived
  bool failed = false;           // no valid BUS END after the retries; pf then carries on
  bool resync = false;           // asked on the sync link's return, the table kept (holds_carp)
  uint32_t tries = 0;            // re-sent requests
  uint64_t states_received = 0;  // full states received since the request
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> finished_at;
};

// Engine events beyond pf's own statistics (one line each in `dpfctl -s sync`).
struct EngineStats {
  uint64_t duplicate_ins = 0;           // INS for a state we have: merged as an update
  uint64_t learned_insert_ignored = 0;  // insert notices for states learned from a peer
  uint64_t upd_req_unknown = 0;         // UPD_C for an unknown state answered with UPD_REQ
  uint64_t bulk_requests_sent = 0;
  uint64_t bulk_requests_received = 0;
  uint64_t bulk_requests_postponed = 0;  // rate limit: collapsed into a later send
  uint64_t bulk_sends_started = 0;
  uint64_t bulk_sends_finished = 0;
  uint64_t bulk_states_sent = 0;
  uint64_t bad_bus_end = 0;  // BUS END older than our request ("bad timestamp")
  uint64_t deferred = 0;
  uint64_t defer_acked = 0;
  uint64_t defer_timed_out = 0;
  uint64_t defer_dropped = 0;
  uint64_t defer_released = 0;  // by a local update or the defer limit
  uint64_t encode_errors = 0;   // a record the frame builder refused (never expected)
  // TCP updates sent early because a peer had used half the window last synced (not in pf).
  uint64_t window_pushes = 0;
  // States in our own name (creatorid = our hostid) a peer tried to insert, refused: only our
  // own states coming back in the bulk update we asked for are taken (see in_insert).
  uint64_t badcreator = 0;
};

class SyncEngine {
 public:
  SyncEngine(const EngineConfig& config, StateStore& store, SyncSink& sink);

  // A worker changed a state (its ring record). Nothing on a no-sync state is sent. What was
  // learned is never repeated: an insert notice for a state imported from a peer is ignored,
  // and states the engine imports, merges or unlinks for a peer produce no message of their
  // own. Traffic on a learned state (after a failover) is a local change and is sent as pf does
  // (pf clears no-sync once the import is done), so the old master keeps current windows.
  void on_local_change(TimePoint now, state::State& s, ChangeKind kind);
  // The local table was flushed (pfctl -F states): one CLR for our hostid (§4.11). The glue
  // marks the flushed states no-sync so their deletions are not sent one by one.
  void on_local_clear(TimePoint now, std::string_view ifname);
  // One received pfsync payload (after the IP header, accept_ip passed).
  void on_frame(TimePoint now, std::span<const std::byte> payload);
  // Runs whatever is due: pushes, the 1 s flush, bulk ticks and timers, defer timeouts.
  void on_timer(TimePoint now);
  // When on_timer must next run; nullopt if nothing is pending.
  std::optional<TimePoint> next_deadline() const noexcept;
  // Ask the peers for their whole table (start-up, and on_link after the link was down).
  void request_bulk(TimePoint now);
  // The sync interface's carrier, as the glue sees it change (pfsync_syncdev_state). Down: a
  // bulk update we are sending stops (the asker will ask again). Up after a down: the node asks
  // for a bulk update, since whatever the peers sent meanwhile is lost. Repeats are ignored; the
  // link is taken as up until told otherwise.
  void on_link(TimePoint now, bool up);
  // Holds the first packet of a new state until the peer acknowledges its INS (call after
  // on_local_change(kInsert)). false: not deferred, send the packet now.
  bool defer_packet(TimePoint now, state::State& s, PacketHandle packet);

  const Stats& stats() const noexcept { return stats_; }
  const EngineStats& engine_stats() const noexcept { return estats_; }
  const BulkStatus& bulk_status() const noexcept { return bulk_; }
  // pf's PFSYNCF_OK: no bulk update outstanding.
  bool sync_ok() const noexcept { return !bulk_.requested; }
  // CARP stays demoted while this holds: a bulk update is outstanding that the node needs to
  // have a table at all (start-up). Not for one asked on the sync link's return: both nodes kept
  // their tables then, and demoting the master would hand the traffic to the peer that missed
  // the updates, until its own bulk update lifts the demotion again.
  bool holds_carp() const noexcept { return bulk_.requested && !bulk_.resync; }
  bool bulk_sending() const noexcept { return send_.active; }
  // A received CLR is still removing states (on_timer continues it).
  bool clearing() const noexcept { return !clears_.empty(); }
  size_t deferred_count() const noexcept { return deferrals_.size(); }

 private:
  enum Queue : uint8_t { kQIns, kQIack, kQUpd, kQUpdC, kQDelC, kQCount, kQNone = 0xff };
  struct IdKey {
    uint64_t id = 0;
    uint32_t creatorid = 0;
    bool operator==(const IdKey&) const = default;
  };
  struct IdHash {
    size_t operator()(const IdKey& k) const noexcept {
      return std::hash<uint64_t>()(k.id ^ (uint64_t{k.creatorid} << 32 | k.creatorid));
    }
  };
  struct Entry {
    uint8_t queue = kQNone;
    uint32_t gen = 0;  // matches the queue item that is current
    uint16_t updates = 0;
    bool synced = false;  // pfsync_time is set
    TimePoint pfsync_time{};
    // A TCP state's sequence windows as last put on the wire (see window_half_used).
    bool wire_known = false;
    uint32_t wire_seqlo[2] = {0, 0};
    uint32_t wire_seqhi[2] = {0, 0};
  };
  struct Item {
    IdKey key;
    uint32_t gen = 0;
  };
  struct Deferral {
    IdKey key;
    PacketHandle packet = 0;
    TimePoint deadline{};
  };
  struct BulkSend {
    bool active = false;
    bool again = false;  // a request arrived while sending
    StoreCursor cursor;
    TimePoint ureq_received{};
    TimePoint next_tick{};
    std::optional<TimePoint> last_start;
    std::optional<TimePoint> pending_at;  // a postponed request starts then
  };
  // A CLR being applied (§4.3): the walk's position, and the states of that creator imported
  // since the CLR arrived, which it must not remove. A CLR for the same creator restarts it.
  struct ClearJob {
    uint32_t creatorid = 0;
    StoreCursor cursor;
    std::unordered_set<IdKey, IdHash> spared;
    TimePoint since{};
  };
  class Input;

  static IdKey key_of(const state::State& s) noexcept { return {s.id, s.creatorid}; }
  ExportContext export_ctx(TimePoint now) const noexcept;
  size_t record_len(uint8_t q) const noexcept;
  Action queue_action(uint8_t q) const noexcept;

  // Queues and frames (engine.cpp).
  void q_ins(TimePoint now, const IdKey& key, Entry& e, uint8_t q);
  void q_del(Entry& e) noexcept;
  void push(TimePoint now) noexcept;
  void sendout(TimePoint now);
  bool write_item(FrameBuilder& b, uint8_t q, const IdKey& key, Entry& e, TimePoint now);
  static bool window_half_used(const Entry& e, state::State& s) noexcept;
  void add_upd_req(TimePoint now, const IdMsg& req);
  void send_plus(TimePoint now, const Message& m);
  void update_state(TimePoint now, state::State& s);      // pfsync_update_state
  void update_state_req(TimePoint now, state::State& s);  // pfsync_update_state_req
  void forget(const IdKey& key) noexcept;
  void unlink_for_peer(state::State& s);
  static bool flags_have_ack(state::State& s);

  // Deferral (engine.cpp).
  bool undefer(const IdKey& key, bool drop);  // false: nothing was deferred
  void defer_timeouts(TimePoint now);

  // Input (engine_input.cpp).
  void in_state(TimePoint now, Action action, const StateMsg& m, bool cksum_match);
  void in_insert(TimePoint now, const StateMsg& m, bool cksum_match, bool from_upd);
  bool own_state_returning(const StateMsg& m, bool from_upd) const noexcept;
  void in_upd_c(TimePoint now, const UpdCMsg& m);
  void in_upd_req(TimePoint now, const IdMsg& m);
  void in_del(TimePoint now, const IdMsg& m);
  void in_clr(TimePoint now, const ClrMsg& m);
  void clear_tick();  // one slice of every CLR walk
  // A state a pending CLR will remove: a lookup that finds one removes it first and misses.
  ClearJob* clear_job(uint32_t creatorid) noexcept;
  bool doomed(const state::State& s) noexcept;
  state::State* find_live(uint64_t id, uint32_t creatorid);
  void in_ins_ack(const IdMsg& m);
  void in_bus(TimePoint now, const BusMsg& m);
  void merge(TimePoint now, state::State& s, const PeerMsg& src, const PeerMsg& dst,
             uint8_t timeout);
  void keep_extras(const IdKey& key, const WireExtras& x);

  // Bulk update (bulk.cpp).
  void bulk_request_received(TimePoint now);
  void bulk_start(TimePoint now);
  void bulk_tick(TimePoint now);
  void bulk_status_msg(TimePoint now, uint8_t status);
  void bulk_fail(TimePoint now);
  void bulk_timers(TimePoint now);
  bool bulk_wanted(state::State& s) const;

  EngineConfig cfg_;
  StateStore& store_;
  SyncSink& sink_;
  Stats stats_;
  EngineStats estats_;

  std::vector<std::byte> buf_;
  size_t base_len_ = 0;  // IP header + pfsync header + EOF tail
  size_t len_ = 0;       // the pending frame's length, IP header included
  std::unordered_map<IdKey, Entry, IdHash> entries_;
  // Wire fields of learned states that a State does not keep (scrub, NAT rule, route-to, 1400
  // attributes), so that relaying them (a bulk answer, an UPD_REQ answer) loses nothing. Only
  // states that carry some are listed.
  std::unordered_map<IdKey, WireExtras, IdHash> extras_;
  std::array<std::vector<Item>, kQCount> queues_;
  std::array<size_t, kQCount> qcount_{};
  std::vector<IdMsg> upd_reqs_;
  std::optional<Message> plus_;
  uint32_t gen_ = 0;
  std::optional<TimePoint> flush_at_;  // the 1 s timer
  std::optional<TimePoint> push_at_;   // send at the next on_timer

  std::deque<Deferral> deferrals_;

  BulkStatus bulk_;
  bool link_down_ = false;  // on_link(false) seen, and no on_link(true) since
  TimePoint ureq_sent_{};
  // The peer whose BUS START arrived since our request: its bulk began after the request, so its
  // BUS END completes it whatever the whole-second endtime rounds to.
  std::optional<uint32_t> bus_start_from_;
  std::optional<TimePoint> bulk_fail_at_;
  BulkSend send_;
  std::vector<ClearJob> clears_;
};

}  // namespace dpf::pfsync
