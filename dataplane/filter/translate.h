// pf_get_translation's choice for one packet without state, and the rewrite that applies it:
// the new address from the translation's pool (pf_map_addr), the new source port or echo id
// from the worker's share of the port range (pf_get_sport, ports.h), or rdr's destination port
// mapping. Pure: the caller brings the random number, the worker's partition and the predicate
// that asks the state table whether a would-be key is free. Any thread; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/filter/ruleset.h"
#include "dataplane/nat/ports.h"
#include "dataplane/state/key.h"

namespace dpf::filter {

// The packet as the translation sees it.
struct TranslateInput {
  state::PacketTuple from;  // addresses, TCP/UDP ports (0 for other protocols)
  bool icmp_query = false;  // an ICMP query or reply: `id` is its identifier
  bool echo = false;        // an echo request: its id is translated like a source port
  uint16_t id = 0;
};

struct Translated {
  enum class Status : uint8_t {
    kOk,
    kNoAddress,  // the pool yields no address (pf: PFRES_MAPFAILED)
    kExhausted,  // no free port (or id) in the worker's share of the range
  };
  Status status = Status::kNoAddress;
  state::PacketTuple to;  // the packet after translation
  uint16_t id = 0;        // ICMP queries: the id after translation
};

// The address translation `index` of `rs` gives the packet (pool_select, or round-robin over
// the pool's addresses with the ruleset's shared counter). False when the pool yields none.
bool translation_address(const CompiledRuleset& rs, uint32_t index, const state::PacketTuple& from,
                         uint64_t random, state::Addr* out) noexcept;

// rdr's destination port: kept when the translation names none, else `dport` mapped from the
// rule's destination range onto the translation's (pf_get_translation's PF_RDR case).
uint16_t rdr_port(const Translation& t, uint16_t dport) noexcept;

// No sticky-address: the pool's choice stands.
struct NoSticky {
  bool operator()(state::Addr*) const noexcept { return true; }
};

// The translation of the packet `in` by translation `index` of `rs`. `is_free(tuple, id)` tells
// whether the state key the translated packet would have is free; it is asked for source
// translations that choose a port or echo id (never for binat, which keeps ports).
// `sticky(&addr)` is asked with the pool's choice when the translation has sticky-address: it
// may replace it with the address the source had before; false refuses the translation.
template <class IsFree, class Sticky = NoSticky>
Translated translate(const CompiledRuleset& rs, uint32_t index, const TranslateInput& in,
                     nat::WorkerPartition part, uint64_t random, IsFree&& is_free,
                     Sticky&& sticky = {}) noexcept {
  const Translation& t = rs.translations[index];
  Translated r;
  r.to = in.from;
  r.id = in.id;
  state::Addr addr;
  if (!translation_address(rs, index, in.from, random, &addr)) return r;
  if (t.sticky && !sticky(&addr)) return r;
  const uint8_t proto = in.from.proto;
  const bool ports = proto == wire::kIpProtoTcp || proto == wire::kIpProtoUdp;
  r.status = Translated::Status::kOk;
  if (!t.source) {
    r.to.dst = addr;
    if (ports) r.to.dport = rdr_port(t, in.from.dport);
    return r;
  }
  r.to.src = addr;
  if ((!ports && !in.echo) || t.kind == Translation::Kind::kBinat) return r;
  auto free = [&](uint16_t p) {
    state::PacketTuple c = r.to;
    if (ports) c.sport = p;
    return is_free(c, in.echo ? p : in.id);
  };
  nat::PortPick pick;
  if (t.static_port) {
    pick = nat::keep_port(ports ? in.from.sport : in.id, free);
  } else {
    // pf_get_sport takes ICMP ids from 1..65535 whatever the rule's port range.
    const nat::PortRange range =
        in.echo && !ports ? nat::PortRange{1, 65535} : nat::PortRange{t.port_lo, t.port_hi};
    pick = nat::pick_port(range, part, static_cast<uint32_t>(random >> 32), free);
  }
  if (pick.status != nat::PortStatus::kOk) {
    r.status = Translated::Status::kExhausted;
    return r;
  }
  if (ports) r.to.sport = pick.port;
  if (in.echo) r.id = pick.port;
  return r;
}

// Rewrites the IPv4 packet `ip` (from its IP header) from the tuple `from` to `to`: the source
// when its address or port differs, the destination likewise, with every checksum updated
// (nat/rewrite.h). ICMP queries: `id` is written with the rewritten address (alone with the
// source when only the id changes from `old_id`). False when the packet cannot be rewritten.
bool rewrite_tuple(std::span<std::byte> ip, const state::PacketTuple& from,
                   const state::PacketTuple& to, bool icmp_query, uint16_t old_id,
                   uint16_t id) noexcept;

}  // namespace dpf::filter
