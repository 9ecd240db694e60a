// pfsync frame codec — see codec.h. Protocol: shared/specs/pfsync.md.
#include "dataplane/pfsync/codec.h"

#include <algorithm>

namespace dpf::pfsync {

// ---- Names ------------------------------------------------------------------------------------

std::string_view ifname_view(const IfName& name) noexcept {
  const auto end = std::find(name.begin(), name.end(), '\0');
  return std::string_view(name.data(), static_cast<size_t>(end - name.begin()));
}

IfName make_ifname(std::string_view name) noexcept {
  IfName out{};
  std::copy_n(name.begin(), std::min(name.size(), out.size() - 1), out.begin());
  return out;
}

std::string_view frame_error_name(FrameError e) noexcept {
  switch (e) {
    case FrameError::kNone:
      return "none";
    case FrameError::kShortHeader:
      return "short-header";
    case FrameError::kBadVersion:
      return "bad-version";
    case FrameError::kBadLength:
      return "bad-length";
    case FrameError::kBadAction:
      return "bad-action";
    case FrameError::kShortSection:
      return "short-section";
    case FrameError::kBadEofTail:
      return "bad-eof-tail";
  }
  return "unknown";
}

// ---- Wire <-> message conversions -------------------------------------------------------------

namespace {

ScrubMsg scrub_from_wire(const layout::StateScrub& w) noexcept {
  return ScrubMsg{w.pfss_flags.get(), w.pfss_ttl, w.scrub_flag, w.pfss_ts_mod.get()};
}

layout::StateScrub scrub_to_wire(const ScrubMsg& m) noexcept {
  layout::StateScrub w{};
  w.pfss_flags.set(m.flags);
  w.pfss_ttl = m.ttl;
  w.scrub_flag = m.scrub_flag;
  w.pfss_ts_mod.set(m.ts_mod);
  return w;
}

PeerMsg peer_from_wire(const layout::StatePeer& w) noexcept {
  PeerMsg m;
  m.scrub = scrub_from_wire(w.scrub);
  m.seqlo = w.seqlo.get();
  m.seqhi = w.seqhi.get();
  m.seqdiff = w.seqdiff.get();
  m.max_win = w.max_win.get();
  m.mss = w.mss.get();
  m.state = w.state;
  m.wscale = w.wscale;
  return m;
}

layout::StatePeer peer_to_wire(const PeerMsg& m) noexcept {
  layout::StatePeer w{};
  w.scrub = scrub_to_wire(m.scrub);
  w.seqlo.set(m.seqlo);
  w.seqhi.set(m.seqhi);
  w.seqdiff.set(m.seqdiff);
  w.max_win.set(m.max_win);
  w.mss.set(m.mss);
  w.state = m.state;
  w.wscale = m.wscale;
  return w;
}

uint64_t counter_from_wire(const layout::Counter64& c) noexcept {
  return uint64_t{c.hi.get()} << 32 | c.lo.get();
}

layout::Counter64 counter_to_wire(uint64_t v) noexcept {
  layout::Counter64 c{};
  c.hi.set(static_cast<uint32_t>(v >> 32));
  c.lo.set(static_cast<uint32_t>(v));
  return c;
}

// The fields both state layouts share (offsets 0–234 plus log..updates).
template <typename W>
void common_from_wire(const W& w, StateMsg& m) noexcept {
  m.id = w.id.get();
  m.creatorid = w.creatorid.get();
  m.ifname = w.ifname;
  for (size_t k = 0; k < 2; ++k) {
    m.key[k].addr = w.key[k].addr;
    m.key[k].port = {w.key[k].port[0].get(), w.key[k].port[1].get()};
  }
  m.src = peer_from_wire(w.src);
  m.dst = peer_from_wire(w.dst);
  m.rt_addr = w.rt_addr;
  m.rule = w.rule.get();
  m.anchor = w.anchor.get();
  m.nat_rule = w.nat_rule.get();
  m.creation = w.creation.get();
  m.expire = w.expire.get();
  for (size_t d = 0; d < 2; ++d) {
    m.packets[d] = counter_from_wire(w.packets[d]);
    m.bytes[d] = counter_from_wire(w.bytes[d]);
  }
  m.af = w.af == kAfInet6 ? AddressFamily::kInet6 : AddressFamily::kInet;
  m.proto = w.proto;
  m.direction = w.direction == kPfOut ? Direction::kOut : Direction::kIn;
  m.log = w.log;
  m.timeout = w.timeout;
  m.sync_flags = w.sync_flags;
  m.updates = w.updates;
}

template <typename W>
void common_to_wire(const StateMsg& m, W& w) noexcept {
  w.id.set(m.id);
  w.creatorid.set(m.creatorid);
  w.ifname = m.ifname;
  for (size_t k = 0; k < 2; ++k) {
    w.key[k].addr = m.key[k].addr;
    w.key[k].port[0].set(m.key[k].port[0]);
    w.key[k].port[1].set(m.key[k].port[1]);
  }
  w.src = peer_to_wire(m.src);
  w.dst = peer_to_wire(m.dst);
  w.rt_addr = m.rt_addr;
  w.rule.set(m.rule);
  w.anchor.set(m.anchor);
  w.nat_rule.set(m.nat_rule);
  w.creation.set(m.creation);
  w.expire.set(m.expire);
  for (size_t d = 0; d < 2; ++d) {
    w.packets[d] = counter_to_wire(m.packets[d]);
    w.bytes[d] = counter_to_wire(m.bytes[d]);
  }
  w.af = m.af == AddressFamily::kInet6 ? kAfInet6 : kAfInet;
  w.proto = m.proto;
  w.direction = static_cast<uint8_t>(m.direction);
  w.log = m.log;
  w.timeout = m.timeout;
  w.sync_flags = m.sync_flags;
  w.updates = m.updates;
}

}  // namespace

StateMsg state_from_wire(const layout::State1301& w) noexcept {
  StateMsg m;
  m.format = StateFormat::k1301;
  common_from_wire(w, m);
  m.state_flags = w.state_flags;
  return m;
}

StateMsg state_from_wire(const layout::State1400& w) noexcept {
  StateMsg m;
  m.format = StateFormat::k1400;
  common_from_wire(w, m);
  m.state_flags = w.state_flags.get();
  m.qid = w.qid.get();
  m.pqid = w.pqid.get();
  m.dnpipe = w.dnpipe.get();
  m.dnrpipe = w.dnrpipe.get();
  m.rtableid = static_cast<int32_t>(w.rtableid.get());
  m.min_ttl = w.min_ttl;
  m.set_tos = w.set_tos;
  m.max_mss = w.max_mss.get();
  m.set_prio = w.set_prio;
  m.rt = w.rt;
  m.rt_ifname = w.rt_ifname;
  return m;
}

layout::State1301 state_to_wire_1301(const StateMsg& m) noexcept {
  layout::State1301 w{};
  common_to_wire(m, w);
  // 1301 has one byte of flags; FreeBSD 14 truncates the same way when it exports 1301.
  w.state_flags = static_cast<uint8_t>(m.state_flags);
  return w;
}

layout::State1400 state_to_wire_1400(const StateMsg& m) noexcept {
  layout::State1400 w{};
  common_to_wire(m, w);
  w.state_flags.set(m.state_flags);
  w.qid.set(m.qid);
  w.pqid.set(m.pqid);
  w.dnpipe.set(m.dnpipe);
  w.dnrpipe.set(m.dnrpipe);
  w.rtableid.set(static_cast<uint32_t>(m.rtableid));
  w.min_ttl = m.min_ttl;
  w.set_tos = m.set_tos;
  w.max_mss.set(m.max_mss);
  w.set_prio = m.set_prio;
  w.rt = m.rt;
  w.rt_ifname = m.rt_ifname;
  return w;
}

// ---- Decoding ---------------------------------------------------------------------------------

namespace {

enum class RecordStatus : uint8_t { kOk, kBadValue, kShort };
using RecordHandler = RecordStatus (*)(Action, wire::Reader&, FrameVisitor&);

bool peer_states_ok(const layout::StatePeer& src, const layout::StatePeer& dst) noexcept {
  return src.state <= kTcpsProxyDst && dst.state <= kTcpsProxyDst;
}

// Import checks (§3.5). pf checks af and direction on INS only and accepts PF_INOUT (0); we check
// them on every full state, since an UPD for an unknown state is imported too, and a state is
// always in or out. Timeout limit per layout: see kPftmMax in wire.h.
template <typename W>
bool state_values_ok(const W& w) noexcept {
  constexpr uint8_t pftm_max = std::is_same_v<W, layout::State1400> ? kPftmMax1400 : kPftmMax;
  return w.timeout < pftm_max && peer_states_ok(w.src, w.dst) &&
         (w.direction == kPfIn || w.direction == kPfOut) && (w.af == kAfInet || w.af == kAfInet6);
}

template <typename W>
RecordStatus in_state(Action action, wire::Reader& c, FrameVisitor& v) {
  W w{};
  if (!c.read(w, "state")) return RecordStatus::kShort;
  if (!state_values_ok(w)) return RecordStatus::kBadValue;
  v.on_state(action, state_from_wire(w));
  return RecordStatus::kOk;
}

RecordStatus in_clr(Action, wire::Reader& c, FrameVisitor& v) {
  layout::Clr w{};
  if (!c.read(w, "clr")) return RecordStatus::kShort;
  v.on_clr(ClrMsg{w.ifname, w.creatorid.get()});
  return RecordStatus::kOk;
}

// INS_ACK, UPD_REQ and DEL_C share one layout.
RecordStatus in_state_id(Action action, wire::Reader& c, FrameVisitor& v) {
  layout::StateId w{};
  if (!c.read(w, "state id")) return RecordStatus::kShort;
  const IdMsg m{w.id.get(), w.creatorid.get()};
  if (action == Action::kInsAck) {
    v.on_ins_ack(m);
  } else if (action == Action::kUpdReq) {
    v.on_upd_req(m);
  } else {
    v.on_del_c(m);
  }
  return RecordStatus::kOk;
}

RecordStatus in_upd_c(Action, wire::Reader& c, FrameVisitor& v) {
  layout::UpdC w{};
  if (!c.read(w, "upd_c")) return RecordStatus::kShort;
  if (w.timeout >= kPftmMax || !peer_states_ok(w.src, w.dst)) return RecordStatus::kBadValue;
  UpdCMsg m;
  m.id = w.id.get();
  m.creatorid = w.creatorid.get();
  m.src = peer_from_wire(w.src);
  m.dst = peer_from_wire(w.dst);
  m.expire = w.expire.get();
  m.timeout = w.timeout;
  v.on_upd_c(m);
  return RecordStatus::kOk;
}

RecordStatus in_bus(Action, wire::Reader& c, FrameVisitor& v) {
  layout::Bus w{};
  if (!c.read(w, "bus")) return RecordStatus::kShort;
  v.on_bus(BusMsg{w.creatorid.get(), w.endtime.get(), w.status});
  return RecordStatus::kOk;
}

RecordStatus in_tdb(Action, wire::Reader& c, FrameVisitor& v) {
  layout::Tdb w{};
  if (!c.read(w, "tdb")) return RecordStatus::kShort;
  v.on_tdb(TdbMsg{w.spi.get(), w.dst, w.rpl.get(), w.cur_bytes.get(), w.sproto, w.updates});
  return RecordStatus::kOk;
}

enum class Kind : uint8_t {
  kRecords,      // `record_size`-byte records, one handler call each
  kEof,          // end of the walk
  kUnsupported,  // no layout anywhere: badact, drop the rest (as 9.x does)
};

struct ActionEntry {
  Action action;
  size_t record_size;
  std::string_view name;
  Kind kind;
  RecordHandler handler;
};

// The dispatch table, indexed by action number (shared/specs/pfsync.md §2.4).
constexpr std::array<ActionEntry, kActionCount> kActions = {{
    {Action::kClr, sizeof(layout::Clr), "CLR", Kind::kRecords, &in_clr},
    {Action::kIns, sizeof(layout::State1301), "INS", Kind::kRecords, &in_state<layout::State1301>},
    {Action::kInsAck, sizeof(layout::InsAck), "INS_ACK", Kind::kRecords, &in_state_id},
    {Action::kUpd, sizeof(layout::State1301), "UPD", Kind::kRecords, &in_state<layout::State1301>},
    {Action::kUpdC, sizeof(layout::UpdC), "UPD_C", Kind::kRecords, &in_upd_c},
    {Action::kUpdReq, sizeof(layout::UpdReq), "UPD_REQ", Kind::kRecords, &in_state_id},
    {Action::kDel, sizeof(layout::State1301), "DEL", Kind::kRecords, &in_state<layout::State1301>},
    {Action::kDelC, sizeof(layout::DelC), "DEL_C", Kind::kRecords, &in_state_id},
    {Action::kInsF, 0, "INS_F", Kind::kUnsupported, nullptr},
    {Action::kDelF, 0, "DEL_F", Kind::kUnsupported, nullptr},
    {Action::kBus, sizeof(layout::Bus), "BUS", Kind::kRecords, &in_bus},
    {Action::kTdb, sizeof(layout::Tdb), "TDB", Kind::kRecords, &in_tdb},
    {Action::kEof, 0, "EOF", Kind::kEof, nullptr},
    {Action::kIns1400, sizeof(layout::State1400), "INS_1400", Kind::kRecords,
     &in_state<layout::State1400>},
    {Action::kUpd1400, sizeof(layout::State1400), "UPD_1400", Kind::kRecords,
     &in_state<layout::State1400>},
}};

static_assert([] {
  for (size_t i = 0; i < kActions.size(); ++i) {
    const ActionEntry& e = kActions[i];
    if (static_cast<size_t>(e.action) != i || e.record_size != record_size(static_cast<uint8_t>(i)))
      return false;
    if ((e.kind == Kind::kRecords) != (e.handler != nullptr && e.record_size > 0)) return false;
  }
  return true;
}());

// After EOF: nothing (FreeBSD 10+) or exactly the 20-byte trailer (9.x) — §2.5.
void in_eof(wire::Reader& c, FrameVisitor& v, Stats& stats, DecodeResult& r) {
  EofMsg eof;
  if (c.remaining() == sizeof(layout::EofTrailer)) {
    layout::EofTrailer t{};
    c.read(t, "eof trailer");
    eof.trailer = true;
    eof.hmac = t.hmac;
  } else if (c.remaining() != 0) {
    ++stats.badlen;
    r.error = FrameError::kBadEofTail;
  }
  ++stats.iacts[static_cast<size_t>(Action::kEof)];
  r.eof = true;
  v.on_eof(eof);
}

// One section: its records, each checked and handed on. The section's bytes were checked to be
// present, so a record read cannot fall short; if it did, the section is counted as short.
bool in_records(const ActionEntry& e, wire::Reader section, size_t count, FrameVisitor& v,
                Stats& stats, DecodeResult& r) {
  for (size_t i = 0; i < count; ++i) {
    switch (e.handler(e.action, section, v)) {
      case RecordStatus::kOk:
        ++r.records;
        break;
      case RecordStatus::kBadValue:
        ++stats.badval;
        ++r.badval;
        break;
      case RecordStatus::kShort:
        ++stats.badlen;
        r.error = FrameError::kShortSection;
        r.short_read = section.error();
        return false;
    }
  }
  return true;
}

void walk_sections(wire::Reader& c, FrameVisitor& v, Stats& stats, DecodeResult& r) {
  while (c.remaining() > 0) {
    const size_t at = c.offset();
    layout::Subheader sh{};
    if (!c.read(sh, "subheader")) [[unlikely]] {
      ++stats.badlen;
      r.error = FrameError::kShortSection;
      r.short_read = c.error();
      r.offset = at;
      return;
    }
    if (sh.action >= kActionCount || kActions[sh.action].kind == Kind::kUnsupported) [[unlikely]] {
      ++stats.badact;
      r.error = FrameError::kBadAction;
      r.action = sh.action;
      r.offset = at;
      return;
    }
    const ActionEntry& e = kActions[sh.action];
    if (e.kind == Kind::kEof) {
      in_eof(c, v, stats, r);
      r.offset = c.offset();
      return;
    }
    // Never trust count over the bytes: compare by division, no overflow.
    const size_t count = sh.count.get();
    wire::Reader section(std::span<const std::byte>{});
    if (count > c.remaining() / e.record_size || !c.take(count * e.record_size, section, e.name))
        [[unlikely]] {
      ++stats.badlen;
      r.error = FrameError::kShortSection;
      r.short_read = wire::ShortRead{e.name, c.offset(), count * e.record_size, c.remaining()};
      r.action = sh.action;
      r.offset = at;
      return;
    }
    stats.iacts[sh.action] += count;
    if (!in_records(e, section, count, v, stats, r)) {
      r.action = sh.action;
      r.offset = at;
      return;
    }
  }
  r.offset = c.offset();
}

}  // namespace

std::string_view action_name(uint8_t action) noexcept {
  return action < kActions.size() ? kActions[action].name : std::string_view("unknown");
}

DecodeResult decode_frame(std::span<const std::byte> frame, FrameVisitor& visitor, Stats& stats) {
  DecodeResult r;
  wire::Reader whole(frame);
  layout::Header h{};
  if (!whole.read(h, "pfsync header")) [[unlikely]] {
    ++stats.hdrops;
    r.error = FrameError::kShortHeader;
    r.short_read = whole.error();
    return r;
  }
  if (h.version != kVersion) [[unlikely]] {
    ++stats.badver;
    r.error = FrameError::kBadVersion;
    return r;
  }
  // len covers the header itself and must not promise more than arrived (FreeBSD 10+ §2.1);
  // bytes beyond len are not pfsync's.
  const size_t len = h.len.get();
  if (len < sizeof(layout::Header) || len > frame.size()) [[unlikely]] {
    ++stats.badlen;
    r.error = FrameError::kBadLength;
    r.short_read = len < sizeof(layout::Header)
                       ? wire::ShortRead{"header len", 2, sizeof(layout::Header), len}
                       : wire::ShortRead{"frame per header len", 0, len, frame.size()};
    return r;
  }
  visitor.on_header(HeaderMsg{h.version, static_cast<uint16_t>(len), h.pfcksum});
  wire::Reader body(frame.subspan(sizeof(layout::Header), len - sizeof(layout::Header)),
                    sizeof(layout::Header));
  walk_sections(body, visitor, stats, r);
  return r;
}

// ---- Encoding ---------------------------------------------------------------------------------

FrameBuilder::FrameBuilder(std::span<std::byte> buffer, const BuilderOptions& options) noexcept
    : buf_(buffer), opts_(options) {
  const size_t mtu_room = opts_.mtu > opts_.ip_header_len ? opts_.mtu - opts_.ip_header_len : 0;
  limit_ = std::min({buf_.size(), mtu_room, size_t{0xffff}});
  if (limit_ < sizeof(layout::Header) + tail_size()) limit_ = 0;  // unusable: every add is kFull
  reset();
}

size_t FrameBuilder::tail_size() const noexcept {
  return eof_tail_len(opts_.eof);
}

void FrameBuilder::reset() noexcept {
  pos_ = 0;
  sub_open_ = false;
  sub_count_ = 0;
  records_ = 0;
  finished_ = false;
  counts_ = {};
  if (limit_ == 0) return;
  layout::Header h{};
  h.version = kVersion;
  h.pfcksum = opts_.pfcksum;
  std::memcpy(buf_.data(), &h, sizeof(h));
  pos_ = sizeof(h);
}

bool FrameBuilder::fits(Action action) const noexcept {
  const auto a = static_cast<uint8_t>(action);
  const size_t size = record_size(a);
  if (finished_ || limit_ == 0 || size == 0) return false;
  const bool new_sub = !sub_open_ || sub_action_ != a || sub_count_ == 0xffff;
  return pos_ + size + (new_sub ? sizeof(layout::Subheader) : 0) + tail_size() <= limit_;
}

AddStatus FrameBuilder::append(Action action, const void* record, size_t size) noexcept {
  if (finished_) return AddStatus::kFinished;
  if (!fits(action)) return AddStatus::kFull;
  const auto a = static_cast<uint8_t>(action);
  if (!sub_open_ || sub_action_ != a || sub_count_ == 0xffff) {
    sub_pos_ = pos_;
    sub_open_ = true;
    sub_action_ = a;
    sub_count_ = 0;
    pos_ += sizeof(layout::Subheader);
  }
  std::memcpy(buf_.data() + pos_, record, size);
  pos_ += size;
  ++sub_count_;
  layout::Subheader sh{};
  sh.action = a;
  sh.count.set(sub_count_);
  std::memcpy(buf_.data() + sub_pos_, &sh, sizeof(sh));
  ++records_;
  ++counts_[a];
  return AddStatus::kOk;
}

AddStatus FrameBuilder::add_clr(const ClrMsg& m) noexcept {
  layout::Clr w{};
  w.ifname = m.ifname;
  w.creatorid.set(m.creatorid);
  return append(Action::kClr, &w, sizeof(w));
}

AddStatus FrameBuilder::add_state(Action action, const StateMsg& m) noexcept {
  const bool is1301 = action == Action::kIns || action == Action::kUpd || action == Action::kDel;
  const bool is1400 = action == Action::kIns1400 || action == Action::kUpd1400;
  if (is1301 && m.format == StateFormat::k1301) {
    const layout::State1301 w = state_to_wire_1301(m);
    return append(action, &w, sizeof(w));
  }
  if (is1400 && m.format == StateFormat::k1400) {
    const layout::State1400 w = state_to_wire_1400(m);
    return append(action, &w, sizeof(w));
  }
  return finished_ ? AddStatus::kFinished : AddStatus::kBadAction;
}

namespace {
layout::StateId id_to_wire(const IdMsg& m) noexcept {
  layout::StateId w{};
  w.id.set(m.id);
  w.creatorid.set(m.creatorid);
  return w;
}
}  // namespace

AddStatus FrameBuilder::add_ins_ack(const IdMsg& m) noexcept {
  const layout::InsAck w = id_to_wire(m);
  return append(Action::kInsAck, &w, sizeof(w));
}

AddStatus FrameBuilder::add_upd_req(const IdMsg& m) noexcept {
  const layout::UpdReq w = id_to_wire(m);
  return append(Action::kUpdReq, &w, sizeof(w));
}

AddStatus FrameBuilder::add_del_c(const IdMsg& m) noexcept {
  const layout::DelC w = id_to_wire(m);
  return append(Action::kDelC, &w, sizeof(w));
}

AddStatus FrameBuilder::add_upd_c(const UpdCMsg& m) noexcept {
  layout::UpdC w{};
  w.id.set(m.id);
  w.src = peer_to_wire(m.src);
  w.dst = peer_to_wire(m.dst);
  w.creatorid.set(m.creatorid);
  w.expire.set(m.expire);
  w.timeout = m.timeout;
  return append(Action::kUpdC, &w, sizeof(w));
}

AddStatus FrameBuilder::add_bus(const BusMsg& m) noexcept {
  layout::Bus w{};
  w.creatorid.set(m.creatorid);
  w.endtime.set(m.endtime);
  w.status = m.status;
  return append(Action::kBus, &w, sizeof(w));
}

AddStatus FrameBuilder::add_tdb(const TdbMsg& m) noexcept {
  layout::Tdb w{};
  w.spi.set(m.spi);
  w.dst = m.dst;
  w.rpl.set(m.rpl);
  w.cur_bytes.set(m.cur_bytes);
  w.sproto = m.sproto;
  w.updates = m.updates;
  return append(Action::kTdb, &w, sizeof(w));
}

AddStatus FrameBuilder::add(const Message& m) noexcept {
  const Action a = m.action;
  if (const auto* p = std::get_if<StateMsg>(&m.body)) return add_state(a, *p);
  if (const auto* p = std::get_if<ClrMsg>(&m.body); p && a == Action::kClr) return add_clr(*p);
  if (const auto* p = std::get_if<UpdCMsg>(&m.body); p && a == Action::kUpdC) return add_upd_c(*p);
  if (const auto* p = std::get_if<BusMsg>(&m.body); p && a == Action::kBus) return add_bus(*p);
  if (const auto* p = std::get_if<TdbMsg>(&m.body); p && a == Action::kTdb) return add_tdb(*p);
  if (const auto* p = std::get_if<IdMsg>(&m.body)) {
    if (a == Action::kInsAck) return add_ins_ack(*p);
    if (a == Action::kUpdReq) return add_upd_req(*p);
    if (a == Action::kDelC) return add_del_c(*p);
  }
  return finished_ ? AddStatus::kFinished : AddStatus::kBadAction;
}

std::span<const std::byte> FrameBuilder::finish() noexcept {
  if (limit_ == 0) return {};
  if (!finished_) {
    if (opts_.eof != EofStyle::kNone) {
      layout::Subheader eof{};
      eof.action = static_cast<uint8_t>(Action::kEof);
      eof.count.set(1);  // what every sender writes §2.5
      std::memcpy(buf_.data() + pos_, &eof, sizeof(eof));
      pos_ += sizeof(eof);
      ++counts_[static_cast<size_t>(Action::kEof)];
    }
    if (opts_.eof == EofStyle::kEofTrailer) {
      std::memset(buf_.data() + pos_, 0, sizeof(layout::EofTrailer));
      pos_ += sizeof(layout::EofTrailer);
    }
    wire::be16 len{};
    len.set(static_cast<uint16_t>(pos_));
    std::memcpy(buf_.data() + offsetof(layout::Header, len), &len, sizeof(len));
    finished_ = true;
  }
  return buf_.first(pos_);
}

}  // namespace dpf::pfsync
