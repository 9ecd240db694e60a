// pf's pfsync_state_import / pfsync_state_export between a wire state (StateMsg, codec.h) and a
// dpf::state::State, plus the compressed-update (UPD_C) view of a state and the peer conversions
// the merge needs. Pure functions: any thread may call them (the sync lcore does, holding the
// state's lock while it reads a live state); nothing allocates, nothing throws.
// Times: `now` is pf's uptime in whole seconds (uint32, modular), as State keeps its times.
#pragma once

#include <cstdint>

#include "dataplane/pfsync/codec.h"
#include "dataplane/state/state.h"
#include "dataplane/state/timeouts.h"

namespace dpf::pfsync {

// Wire fields a dpf State does not model: scrub data of both peers, route-to, anchor and NAT
// rule numbers, FreeBSD 14's 1400-only attributes, `updates`. state_import fills them when asked
// and state_export writes them back when given, so a state relayed through dpf keeps them;
// without them they are exported as pf sends "none" (zeros, 0xffffffff rule numbers).
struct WireExtras {
  ScrubMsg src_scrub;
  ScrubMsg dst_scrub;
  Addr rt_addr{};
  uint32_t anchor = kRuleNone;
  uint32_t nat_rule = kRuleNone;
  uint8_t updates = 0;
  uint16_t pflow_bit = 0;  // PFSTATE_PFLOW (0x04): no dpf flag, kept verbatim
  uint16_t qid = 0;
  uint16_t pqid = 0;
  uint16_t dnpipe = 0;
  uint16_t dnrpipe = 0;
  int32_t rtableid = -1;  // pf's "none"
  uint8_t min_ttl = 0;
  uint8_t set_tos = 0;
  uint16_t max_mss = 0;
  std::array<uint8_t, 2> set_prio{};
  uint8_t rt = 0;
  IfName rt_ifname{};
  bool operator==(const WireExtras&) const = default;
};

// The WireExtras a wire state carries.
WireExtras wire_extras(const StateMsg& m) noexcept;

struct ImportContext {
  uint32_t now = 0;                                    // uptime seconds
  const state::TimeoutTable* timeouts = nullptr;       // nullptr: pf's defaults
  const state::RuleTimeouts* rule_timeouts = nullptr;  // of the rule the state binds to
  // The frame's pfcksum equals our ruleset checksum (§2.2): only then is the sender's rule
  // number kept (and only with anchor "none"); otherwise the state binds to the default rule.
  bool cksum_match = true;
};

struct ExportContext {
  uint32_t now = 0;  // uptime seconds
  StateFormat format = StateFormat::k1301;
  const state::TimeoutTable* timeouts = nullptr;       // nullptr: pf's defaults
  const state::RuleTimeouts* rule_timeouts = nullptr;  // of the state's rule
  state::StateCounts counts{};                         // for adaptive timeouts
};

enum class ImportError : uint8_t {
  kNone,
  kBadCreator,  // creatorid 0 (FreeBSD 10+ refuses it)
  kBadValue,    // af, direction, timeout or a peer state out of range (decode_frame checks these
                // too; import re-checks so it is safe on any StateMsg)
};

// pfsync_state_import: fills `out` (every field but the lock; `out.rule` stays nullptr and
// `out.if_index` 0xffff for the glue to bind) from `msg`. origin = kPfsync. Both keys as sent;
// creation = now - age; last activity chosen so the state expires `expire` seconds from now
// under our timeout for its class (0: a full timeout from now, as FreeBSD 10+ does; more than
// the timeout: clamped to it, so the state expires a full timeout from now); PFSTATE_*
// bits mapped to dpf's, with PFSTATE_NOSYNC dropped (pf clears it after import) and
// PFSTATE_ACK kept for the caller to answer (INS_ACK) and clear. Interface "all" = floating.
ImportError state_import(const StateMsg& msg, const ImportContext& ctx, state::State& out,
                         WireExtras* extras = nullptr) noexcept;

// pfsync_state_export: the wire form of `s` at `ctx.now` in `ctx.format`. expire = seconds left
// (pf_state_expires - now, 0 if past), creation = age, floating = "all", rule_nr as is.
// The caller holds `s.lock` if the state is live.
StateMsg state_export(const state::State& s, const ExportContext& ctx,
                      const WireExtras* extras = nullptr) noexcept;
inline StateMsg state_export(const state::State& s, uint32_t now) noexcept {
  ExportContext ctx;
  ctx.now = now;
  return state_export(s, ctx);
}

// The UPD_C form of `s` (pfsync_out_upd_c): peers, timeout class and, as 9.x does, the seconds
// left in `expire`.
UpdCMsg upd_c_export(const state::State& s, const ExportContext& ctx) noexcept;

// PFSTATE_* wire bits <-> dpf's kState* bits. Bits without a counterpart are dropped.
uint16_t state_flags_from_wire(uint16_t wire) noexcept;
uint16_t state_flags_to_wire(uint16_t local) noexcept;

// pf_state_peer_ntoh / _hton without scrub (dpf keeps none).
state::StatePeer peer_from_msg(const PeerMsg& m) noexcept;
PeerMsg peer_to_msg(const state::StatePeer& p) noexcept;

// Last-activity second for a state imported with `expire` seconds left in class `t`:
// now - (timeout - expire), with `expire` clamped to the class's timeout (a peer cannot make a
// state outlive our timeout); `expire` 0 means now.
uint32_t last_activity_for(uint32_t now, uint32_t expire, state::Timeout t,
                           const state::TimeoutTable& timeouts,
                           const state::RuleTimeouts* rule) noexcept;

// pf's default timeout table, built once (any thread may read it).
const state::TimeoutTable& default_timeouts() noexcept;

// Copies every field of a State but its lock (State is not copyable because of the lock):
// for stores that keep their own State objects.
void assign_state(state::State& to, const state::State& from) noexcept;

}  // namespace dpf::pfsync
