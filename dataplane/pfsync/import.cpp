#include "dataplane/pfsync/import.h"

#include <cstring>

namespace dpf::pfsync {
namespace {

namespace st = dpf::state;

// PFSTATE_* on the wire (FreeBSD pfvar.h, shared/specs/pfsync.md §3.5) against dpf's kState*.
// dpf numbers sloppy differently (0x1000), so the bits are mapped one by one.
struct FlagPair {
  uint16_t wire;
  uint16_t local;
};
constexpr FlagPair kFlagMap[] = {
    {kStateAllowOpts, st::kStateAllowOpts},
    {kStateSloppy, st::kStateSloppy},
    {kStateNoSync, st::kStateNoSync},
    {kStateAck, st::kStateAck},
    {0x0020, st::kStateNodf},
    {0x0040, st::kStateSetTos},
    {0x0080, st::kStateRandomId},
    {0x0100, st::kStateScrubTcp},
    {0x0200, st::kStateSetPrio},
};

st::Timeout timeout_from_wire(uint8_t t) noexcept {
  return static_cast<st::Timeout>(t);
}

const st::TimeoutTable& table_or_default(const st::TimeoutTable* t) noexcept {
  return t ? *t : default_timeouts();
}

st::StateKey key_from_msg(const StateKeyMsg& k, st::AddrFamily af, uint8_t proto) noexcept {
  st::StateKey out;
  for (size_t i = 0; i < 2; ++i) {
    out.addr[i].bytes = k.addr[i];
    out.port[i] = k.port[i];
  }
  out.af = af;
  out.proto = proto;
  return out;
}

StateKeyMsg key_to_msg(const st::StateKey& k) noexcept {
  StateKeyMsg out;
  for (size_t i = 0; i < 2; ++i) {
    out.addr[i] = k.addr[i].bytes;
    out.port[i] = k.port[i];
  }
  return out;
}

bool values_ok(const StateMsg& m) noexcept {
  const uint8_t pftm_max = m.format == StateFormat::k1400 ? kPftmMax1400 : kPftmMax;
  // dpf's timeout table stops at PFTM_MAX (20); FreeBSD 14's SCTP classes have no meaning here.
  return m.timeout < pftm_max && m.timeout < kPftmMax && m.src.state <= kTcpsProxyDst &&
         m.dst.state <= kTcpsProxyDst &&
         (m.direction == Direction::kIn || m.direction == Direction::kOut) &&
         (m.af == AddressFamily::kInet || m.af == AddressFamily::kInet6);
}

void extras_to_msg(const WireExtras& x, StateMsg& m) noexcept {
  m.src.scrub = x.src_scrub;
  m.dst.scrub = x.dst_scrub;
  m.rt_addr = x.rt_addr;
  m.anchor = x.anchor;
  m.nat_rule = x.nat_rule;
  m.updates = x.updates;
  m.state_flags |= x.pflow_bit & kStatePflow;
  if (m.format != StateFormat::k1400) return;
  m.qid = x.qid;
  m.pqid = x.pqid;
  m.dnpipe = x.dnpipe;
  m.dnrpipe = x.dnrpipe;
  m.rtableid = x.rtableid;
  m.min_ttl = x.min_ttl;
  m.set_tos = x.set_tos;
  m.max_mss = x.max_mss;
  m.set_prio = x.set_prio;
  m.rt = x.rt;
  m.rt_ifname = x.rt_ifname;
}

// Seconds left before `s` expires at `now` (pf_state_expires - now, never negative).
uint32_t seconds_left(const st::State& s, const ExportContext& ctx) noexcept {
  const uint32_t at = st::expires_at(s.timeout, s.expire, ctx.now, table_or_default(ctx.timeouts),
                                     ctx.rule_timeouts, ctx.counts);
  const auto left = static_cast<int32_t>(at - ctx.now);
  return left > 0 ? static_cast<uint32_t>(left) : 0;
}

}  // namespace

WireExtras wire_extras(const StateMsg& m) noexcept {
  WireExtras x;
  x.src_scrub = m.src.scrub;
  x.dst_scrub = m.dst.scrub;
  x.rt_addr = m.rt_addr;
  x.anchor = m.anchor;
  x.nat_rule = m.nat_rule;
  x.updates = m.updates;
  x.pflow_bit = m.state_flags & kStatePflow;
  if (m.format != StateFormat::k1400) return x;
  x.qid = m.qid;
  x.pqid = m.pqid;
  x.dnpipe = m.dnpipe;
  x.dnrpipe = m.dnrpipe;
  x.rtableid = m.rtableid;
  x.min_ttl = m.min_ttl;
  x.set_tos = m.set_tos;
  x.max_mss = m.max_mss;
  x.set_prio = m.set_prio;
  x.rt = m.rt;
  x.rt_ifname = m.rt_ifname;
  return x;
}

const state::TimeoutTable& default_timeouts() noexcept {
  static const state::TimeoutTable table = state::TimeoutTable::defaults();
  return table;
}

uint16_t state_flags_from_wire(uint16_t wire) noexcept {
  uint16_t out = 0;
  for (const FlagPair& p : kFlagMap) {
    if (wire & p.wire) out |= p.local;
  }
  return out;
}

uint16_t state_flags_to_wire(uint16_t local) noexcept {
  uint16_t out = 0;
  for (const FlagPair& p : kFlagMap) {
    if (local & p.local) out |= p.wire;
  }
  return out;
}

state::StatePeer peer_from_msg(const PeerMsg& m) noexcept {
  state::StatePeer p;
  p.seqlo = m.seqlo;
  p.seqhi = m.seqhi;
  p.seqdiff = m.seqdiff;
  p.max_win = m.max_win;
  p.mss = m.mss;
  p.state = m.state;
  p.wscale = m.wscale;
  return p;
}

PeerMsg peer_to_msg(const state::StatePeer& p) noexcept {
  PeerMsg m;
  m.seqlo = p.seqlo;
  m.seqhi = p.seqhi;
  m.seqdiff = p.seqdiff;
  m.max_win = p.max_win;
  m.mss = p.mss;
  m.state = p.state;
  m.wscale = p.wscale;
  return m;
}

uint32_t last_activity_for(uint32_t now, uint32_t expire, state::Timeout t,
                           const state::TimeoutTable& timeouts,
                           const state::RuleTimeouts* rule) noexcept {
  // A peer cannot give a state more time than our timeout for its class: `expire` is clamped to
  // it (FreeBSD's import would put the last activity in the future). 0 means a full timeout.
  const uint32_t timeout = state::base_timeout(t, timeouts, rule);
  if (expire == 0 || expire >= timeout) return now;
  return now - (timeout - expire);
}

ImportError state_import(const StateMsg& msg, const ImportContext& ctx, state::State& out,
                         WireExtras* extras) noexcept {
  if (msg.creatorid == 0) return ImportError::kBadCreator;
  if (!values_ok(msg)) return ImportError::kBadValue;
  const st::AddrFamily af = msg.af;
  out.key.key[st::kSkWire] = key_from_msg(msg.key[kKeyWire], af, msg.proto);
  out.key.key[st::kSkStack] = key_from_msg(msg.key[kKeyStack], af, msg.proto);
  out.direction = msg.direction;
  out.af = af;
  out.proto = msg.proto;
  out.origin = st::StateOrigin::kPfsync;
  out.id = msg.id;
  out.creatorid = msg.creatorid;
  out.peers.src = peer_from_msg(msg.src);
  out.peers.dst = peer_from_msg(msg.dst);
  out.timeout = timeout_from_wire(msg.timeout);
  out.creation = ctx.now - msg.creation;
  out.expire = last_activity_for(ctx.now, msg.expire, out.timeout, table_or_default(ctx.timeouts),
                                 ctx.rule_timeouts);
  const bool bind = msg.rule != kRuleNone && msg.anchor == kRuleNone && ctx.cksum_match;
  out.rule_nr = bind ? msg.rule : kRuleNone;
  out.rule = nullptr;
  out.ifname = {};
  if (ifname_view(msg.ifname) != kIfnameAll) {
    std::memcpy(out.ifname.data(), msg.ifname.data(), out.ifname.size());
    out.ifname.back() = '\0';
  }
  out.if_index = 0xffff;
  out.state_flags = state_flags_from_wire(msg.state_flags) & ~st::kStateNoSync;
  out.sync_flags = msg.sync_flags;
  out.log = msg.log;
  out.sync_updates = 0;
  out.unlinked = false;
  out.packets = msg.packets;
  out.bytes = msg.bytes;
  if (extras) *extras = wire_extras(msg);
  return ImportError::kNone;
}

StateMsg state_export(const state::State& s, const ExportContext& ctx,
                      const WireExtras* extras) noexcept {
  StateMsg m;
  m.format = ctx.format;
  m.id = s.id;
  m.creatorid = s.creatorid;
  const bool floating = s.ifname[0] == '\0';
  m.ifname = floating ? make_ifname(kIfnameAll)
                      : make_ifname(std::string_view(s.ifname.data(),
                                                     strnlen(s.ifname.data(), s.ifname.size())));
  m.key[kKeyWire] = key_to_msg(s.key.key[st::kSkWire]);
  m.key[kKeyStack] = key_to_msg(s.key.key[st::kSkStack]);
  m.src = peer_to_msg(s.peers.src);
  m.dst = peer_to_msg(s.peers.dst);
  m.rule = s.rule_nr;
  m.creation = ctx.now - s.creation;
  m.expire = seconds_left(s, ctx);
  m.packets = s.packets;
  m.bytes = s.bytes;
  m.af = s.af;
  m.proto = s.proto;
  m.direction = s.direction;
  m.log = s.log;
  m.state_flags = state_flags_to_wire(s.state_flags);
  m.timeout = static_cast<uint8_t>(s.timeout);
  m.sync_flags = s.sync_flags;
  if (ctx.format == StateFormat::k1400) m.rtableid = -1;  // pf's "no rtable"
  if (extras) extras_to_msg(*extras, m);
  return m;
}

UpdCMsg upd_c_export(const state::State& s, const ExportContext& ctx) noexcept {
  UpdCMsg m;
  m.id = s.id;
  m.creatorid = s.creatorid;
  m.src = peer_to_msg(s.peers.src);
  m.dst = peer_to_msg(s.peers.dst);
  m.expire = seconds_left(s, ctx);
  m.timeout = static_cast<uint8_t>(s.timeout);
  return m;
}

void assign_state(state::State& to, const state::State& from) noexcept {
  to.key = from.key;
  to.direction = from.direction;
  to.af = from.af;
  to.proto = from.proto;
  to.origin = from.origin;
  to.id = from.id;
  to.creatorid = from.creatorid;
  to.peers = from.peers;
  to.timeout = from.timeout;
  to.creation = from.creation;
  to.expire = from.expire;
  to.rule_nr = from.rule_nr;
  to.rule = from.rule;
  to.ifname = from.ifname;
  to.if_index = from.if_index;
  to.state_flags = from.state_flags;
  to.sync_flags = from.sync_flags;
  to.log = from.log;
  to.sync_updates = from.sync_updates;
  to.unlinked = from.unlinked;
  to.packets = from.packets;
  to.bytes = from.bytes;
}

}  // namespace dpf::pfsync
