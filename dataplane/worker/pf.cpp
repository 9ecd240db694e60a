#include "dataplane/worker/pf.h"

#include <rte_cycles.h>
#include <rte_random.h>

#include <array>
#include <atomic>
#include <cstring>

#include "dataplane/filter/packet_info.h"
#include "dataplane/filter/translate.h"
#include "dataplane/nat/rewrite.h"
#include "dataplane/net/wire/flow.h"
#include "dataplane/node/node.h"
#include "dataplane/state/icmp.h"
#include "dataplane/state/proto_state.h"
#include "dataplane/worker/worker.h"

namespace dpf {
namespace {

using net::DropReason;
using state::State;
using wire::Direction;

static_assert(pfconf::kTimeoutCount == state::kTimeoutCount);
static_assert(filter::kTimeoutSlots == state::kTimeoutCount);

state::PacketTuple tuple_of(const net::PacketInfo& info) noexcept {
  state::PacketTuple t;
  t.af = wire::Af::kInet;
  t.proto = info.proto;
  const uint32_t s = info.src, d = info.dst;
  t.src = state::Addr::v4(s >> 24, s >> 16 & 0xff, s >> 8 & 0xff, s & 0xff);
  t.dst = state::Addr::v4(d >> 24, d >> 16 & 0xff, d >> 8 & 0xff, d & 0xff);
  t.sport = info.sport;
  t.dport = info.dport;
  return t;
}

uint32_t v4_of(const state::Addr& a) noexcept {
  return (uint32_t{a.bytes[0]} << 24) | (uint32_t{a.bytes[1]} << 16) | (uint32_t{a.bytes[2]} << 8) |
         a.bytes[3];
}

filter::Packet filter_packet(const net::PacketInfo& info, Direction dir, uint16_t port,
                             uint16_t in_port) noexcept {
  return filter::packet_of(info, dir, port, in_port);
}

std::span<const std::byte> l4_bytes(const rte_mbuf* m, const net::PacketInfo& info) noexcept {
  return {rte_pktmbuf_mtod(m, const std::byte*) + info.l4_off, info.l4_len};
}

state::TcpSegment tcp_segment(const std::byte* frame, const net::PacketInfo& info,
                              Direction dir) noexcept {
  state::TcpSegment seg;
  seg.dir = dir;
  seg.flags = info.tcp_flags;
  seg.seq = info.tcp_seq;
  seg.ack = info.tcp_ack;
  seg.win = info.tcp_win;
  seg.payload_len = info.l4_len > info.tcp_hdr_len ? info.l4_len - info.tcp_hdr_len : 0;
  seg.header = {frame + info.l4_off, info.tcp_hdr_len};
  return seg;
}

// Counts the packet against its state (pf's per-direction packets/bytes).
void account(State& s, Direction dir, uint32_t len) noexcept {
  const int i = dir == s.direction ? 0 : 1;
  ++s.packets[i];
  s.bytes[i] += len;
}

// pf_test's rule counters for a packet that passed on state `s`: its rule's packets and bytes.
// States without a rule (pfsync's, pf's default rule) count to none.
void count_state_rule(unsigned lane, const State& s, Direction dir, uint32_t len,
                      uint32_t now) noexcept {
  const auto* ref = static_cast<const RuleRef*>(s.rule);
  if (ref != nullptr) ref->counters->count(lane, ref->index, dir, len, now);
}

enum class Track : uint8_t { kPass, kDrop, kReevaluate, kSrcLimit };

// pf_src_connlimit: the connection of `s` (with a source node) just became established.
// False when that passes the rule's max-src-conn or max-src-conn-rate: the state is closed.
// Each limit passed is counted in `c` (pf_src_connlimit's LCNT_SRCCONN, LCNT_SRCCONNRATE).
bool count_connection(Pf& pf, LcoreCounters& c, State& s, uint32_t now) noexcept {
  const auto* ref = static_cast<const RuleRef*>(s.rule);
  if (ref == nullptr || pf.src_nodes == nullptr) return true;
  s.src_conn = true;
  const unsigned bad = pf.src_nodes->established(s.src_node, ref->src_limits, now);
  if (bad == state::kConnOk) return true;
  if (bad & state::kConnLimit) count_limit(c, LimitCounter::kSrcConn);
  if (bad & state::kConnRate) count_limit(c, LimitCounter::kSrcConnRate);
  s.timeout = state::Timeout::kPurge;
  s.peers.src.state = s.peers.dst.state = state::tcps::kClosed;
  return false;
}

// pf_test_state_*: tracks a packet that matched state `s`. Runs under the state's lock.
Track track(Pf& pf, LcoreCounters& c, State& s, const std::byte* frame, const net::PacketInfo& info,
            Direction dir, uint32_t now, bool icmp_query) noexcept {
  // A state marked for purging is gone for lookups, as pf_find_state skips it.
  if (s.timeout == state::Timeout::kPurge) [[unlikely]]
    return Track::kReevaluate;
  const bool sloppy = s.state_flags & state::kStateSloppy;
  switch (s.proto) {
    case wire::kIpProtoTcp: {
      const auto r = state::tcp_track(s.peers, s.direction, tcp_segment(frame, info, dir), sloppy);
      if (r.action == state::TcpAction::kDrop) return Track::kDrop;
      if (r.action == state::TcpAction::kPurgeAndEvaluate) {
        s.timeout = state::Timeout::kPurge;
        return Track::kReevaluate;
      }
      if (r.conn_established && s.src_node != nullptr && !count_connection(pf, c, s, now))
        return Track::kSrcLimit;
      if (r.refresh) {
        s.expire = now;
        s.timeout = r.timeout;
      }
      break;
    }
    case wire::kIpProtoUdp:
      s.timeout = state::udp_track(s.peers, s.direction, dir).timeout;
      s.expire = now;
      break;
    case wire::kIpProtoIcmp:
      if (icmp_query) {
        s.timeout = state::icmp_query_track().timeout;
        s.expire = now;
      }
      break;
    default:
      s.timeout = state::other_track(s.peers, s.direction, dir).timeout;
      s.expire = now;
      break;
  }
  account(s, dir, info.ip_total_len);
  return Track::kPass;
}

// pf_insert_src_node for a new state of `ref`: the source node counting it, or false when
// max-src-nodes, max-src-states or `set limit src-nodes` refuses it (PFRES_SRCLIMIT); the first
// two are counted in `c` as pf_insert_src_node counts them (LCNT_SRCNODES, LCNT_SRCSTATES).
bool take_src_node(Pf& pf, LcoreCounters& c, RuleRef* ref, const state::StateKey& key,
                   Direction dir, uint32_t now, state::SrcNode** sn) noexcept {
  *sn = nullptr;
  if (ref == nullptr || !ref->src_track || pf.src_nodes == nullptr) return true;
  state::SrcKey k;
  k.rule = ref->src_track_rule ? ref : nullptr;
  k.af = key.af;
  k.addr = key.addr[state::source_index(dir)];
  const state::SrcResult r = pf.src_nodes->acquire(k, ref->src_limits, now, sn);
  if (r == state::SrcResult::kOk) return true;
  if (r == state::SrcResult::kStateLimit) count_limit(c, LimitCounter::kSrcStates);
  if (r == state::SrcResult::kNodeLimit) count_limit(c, LimitCounter::kSrcNodes);
  return false;
}

// A sticky-address translation's source node for `src`: it keeps the address the source was
// given first (*addr becomes that), or remembers *addr. False when no node can be had (`set
// limit src-nodes`).
bool sticky_address(Pf& pf, RuleRef* ref, const state::Addr& src, uint32_t now, state::Addr* addr,
                    state::SrcNode** nsn) noexcept {
  if (ref == nullptr || pf.src_nodes == nullptr) return true;
  state::SrcKey k;
  k.rule = ref;
  k.af = state::AddrFamily::kInet;
  k.addr = src;
  return pf.src_nodes->acquire(k, ref->src_limits, now, nsn, addr) == state::SrcResult::kOk;
}

// Gives back a sticky-address node taken for a packet that created no state after all.
void release_sticky(Pf& pf, state::SrcNode*& nsn, uint32_t now) noexcept {
  if (nsn == nullptr) return;
  pf.src_nodes->release(nsn, false, now);
  nsn = nullptr;
}

// pf_create_state: a state for a packet that passed a `keep state` rule. False when the table,
// the rule or its source limits are full: the packet is dropped and counted. `rs` is the ruleset
// that gave `v`: v.rule points into its rules, so its RuleRef must come from the same ruleset
// (Pf::ruleset may hold a newer one by now).
bool create_state(WorkerContext& w, const PfRuleset& rs, const filter::Verdict& v,
                  const state::StateKey& key, const state::StateKey& nkey, state::SrcNode* nsn,
                  rte_mbuf* m, const net::PacketInfo& info, Direction dir, uint16_t port,
                  uint32_t now) noexcept {
  const auto* frame = rte_pktmbuf_mtod(m, const std::byte*);
  Pf& pf = *w.node->pf;
  RuleRef* ref = v.rule ? rs.refs[v.rule - rs.compiled->rules.data()] : nullptr;
  if (ref && ref->max_states && ref->states.load(std::memory_order_relaxed) >= ref->max_states) {
    count_limit(*w.c, LimitCounter::kStates);
    release_sticky(pf, nsn, now);
    drop_packet(*w.c, DropReason::kStateLimit, m);
    return false;
  }
  // Source limits are refused with pf's "src-limit" reason.
  state::SrcNode* sn = nullptr;
  if (!take_src_node(pf, *w.c, ref, key, dir, now, &sn)) [[unlikely]] {
    release_sticky(pf, nsn, now);
    drop_packet(*w.c, DropReason::kSrcLimit, m);
    return false;
  }
  State* s = pf.table->alloc();
  if (s == nullptr) [[unlikely]] {
    if (sn) pf.src_nodes->release(sn, false, now);
    release_sticky(pf, nsn, now);
    drop_packet(*w.c, DropReason::kStateLimit, m);
    return false;
  }
  // pf_create_state: an inbound packet arrived with the wire key (rdr: before translation), an
  // outbound one leaves with it (nat: after translation).
  s->key.key[state::kSkWire] = dir == Direction::kIn ? key : nkey;
  s->key.key[state::kSkStack] = dir == Direction::kIn ? nkey : key;
  s->direction = dir;
  s->af = state::AddrFamily::kInet;
  s->proto = info.proto;
  s->origin = state::StateOrigin::kLocal;
  s->creatorid = pf.table->creatorid();
  s->id = 0;
  s->creation = now;
  s->expire = now;
  s->rule_nr = v.rule_nr;
  s->rule = ref;
  s->state_flags = v.allow_opts ? state::kStateAllowOpts : 0;
  if (v.state && v.state->no_sync) s->state_flags |= state::kStateNoSync;
  if (v.state && v.state->sloppy) s->state_flags |= state::kStateSloppy;
  s->ifname = {};
  s->if_index = 0xffff;
  if (v.state && v.state->if_bound) {
    const auto& name = w.node->ports[port]->name;
    std::memcpy(s->ifname.data(), name.data(), std::min(name.size(), s->ifname.size() - 1));
    s->if_index = port;
  }
  s->packets = {};
  s->bytes = {};
  if (info.proto == wire::kIpProtoTcp) {
    s->peers = state::tcp_state_create(tcp_segment(frame, info, dir));
    s->timeout = state::Timeout::kTcpFirstPacket;
  } else {
    s->peers = state::proto_state_create(state::proto_class(info.proto), &s->timeout);
  }
  account(*s, dir, info.ip_total_len);
  s->src_node = sn;
  s->src_conn = false;
  s->nat_src_node = nsn;
  if (pf.table->insert(s) != state::StateTable::InsertResult::kOk) {
    if (sn) pf.src_nodes->release(sn, false, now);
    release_sticky(pf, nsn, now);
    pf.table->free_unlinked(s);
    drop_packet(*w.c, DropReason::kStateInsert, m);
    return false;
  }
  if (ref) ref->states.fetch_add(1, std::memory_order_relaxed);
  ++w.c->states_created;
  if (v.rule) ++rs.counters->at(w.index, v.rule - rs.compiled->rules.data()).state_creations;
  if (w.node->sync_defer && !(s->state_flags & state::kStateNoSync)) {
    // Defer: the packet's last new state carries it (the worker's handle_parsed); an earlier one
    // (the `in` state of a forwarded packet) is announced now.
    if (w.deferred) pf_sync_change(*w.node, w.index, *w.deferred, pfsync::ChangeKind::kInsert);
    w.deferred = s;
  } else {
    pf_sync_change(*w.node, w.index, *s, pfsync::ChangeKind::kInsert);
  }
  return true;
}

// A `block return`: queue the RST or ICMP unreachable for the control thread to build.
void queue_return(WorkerContext& w, const filter::Verdict& v, uint16_t in_port,
                  rte_mbuf* m) noexcept {
  if (w.punt == nullptr) return;  // the control thread's own packets get no reply
  rte_mbuf* copy = rte_pktmbuf_copy(m, w.node->pool, 0, UINT32_MAX);
  if (copy == nullptr) return;
  const uint32_t code = v.ret == filter::ReturnKind::kRst
                            ? (uint32_t{1} << 24) | v.rst_ttl
                            : (uint32_t{2} << 24) | (uint32_t{v.icmp_type} << 8) | v.icmp_code;
  PuntItem item{copy, code, in_port, PuntKind::kBlockReturn};
  if (rte_ring_sp_enqueue_elem(w.punt, &item, sizeof(item)) != 0) {
    drop_packet(*w.c, DropReason::kPuntRingFull, copy);
    return;
  }
  ++w.c->punted;
}

// pf_src_connlimit's overload: the source of `s` goes into the rule's overload table (at once,
// lock-free, so that the workers' next lookups see it) and, with `flush`, a request to kill its
// states goes to the control thread.
void overload(Pf& pf, LcoreCounters& c, const State& s) noexcept {
  const auto* ref = static_cast<const RuleRef*>(s.rule);
  if (ref == nullptr || ref->overload == nullptr) return;
  const state::StateKey& k = s.key.key[state::kSkWire];
  const unsigned side = state::source_index(s.direction);
  const bool v6 = k.af == state::AddrFamily::kInet6;
  const auto added = ref->overload->insert(v6, filter::addr_key(k.addr[side].bytes.data(), v6));
  if (added == filter::HostSet::Insert::kFull)
    ++c.overload_full;
  else
    count_limit(c, LimitCounter::kOverloadTable);
  if (!ref->flush) return;
  OverloadFlush f;
  f.addr = k.addr[side];
  f.af = k.af;
  f.dir = s.direction;
  f.rule = ref;
  f.global = ref->flush_global;
  if (!pf.flushes.push(f)) ++c.flush_lost;
}

// pf_test's IPv4 options check for a packet that matched state `flags`: it passes only if the
// state's rule said allow-opts (PFSTATE_ALLOWOPTS, which pfsync carries). As in FreeBSD's pf_test
// the check follows the state's tracking and update (`ip_hl > 5`, "dropping packet with ip
// options"). False: dropped and counted as ip-option.
bool pass_options(WorkerContext& w, const net::PacketInfo& info, uint16_t flags,
                  rte_mbuf* m) noexcept {
  if (!info.ip_options || (flags & state::kStateAllowOpts) != 0) [[likely]]
    return true;
  drop_packet(*w.c, DropReason::kIpOption, m);
  return false;
}

// pf_find_state, or the state an earlier lookup of the same key found (`hint`) while it is
// still linked: until a state is created, the table gives a linked state's key no other answer.
State* find_state(state::StateTable& table, const state::StateKey& key, Direction dir,
                  State* hint) noexcept {
  if (hint != nullptr && !std::atomic_ref<bool>(hint->unlinked).load(std::memory_order_acquire))
      [[likely]] {
    table.count_searches(1);
    return hint;
  }
  return table.lookup(key, dir);
}

// What one step of pf_test decided about a packet.
enum class Verdict : uint8_t {
  kPassed,     // it goes on
  kDropped,    // dropped and counted
  kUndecided,  // the next step decides: its state, then the rules
};

// The key a packet's state is looked up and created with. `stateful` false: the packet neither
// has nor creates a state of its own (a later fragment; an ICMP error, which goes with the state
// of the packet it quotes).
struct PacketKey {
  state::StateKey key{};
  bool stateful = false;
  bool icmp_query = false;
  state::IcmpMapping map{};  // ICMP queries: the mapping the key was built with
};

// ---- Translation (pf_get_translation, pf_translate and the rewrites of pf_test_state_*) ----

std::span<std::byte> ip_bytes(rte_mbuf* m, const net::PacketInfo& info) noexcept {
  return {rte_pktmbuf_mtod(m, std::byte*) + info.l3_off,
          static_cast<size_t>(rte_pktmbuf_data_len(m) - info.l3_off)};
}

// Where an ICMP query's id sits in its key: the source slot of a request, the other of a reply.
unsigned icmp_id_slot(const PacketKey& pk, Direction dir) noexcept {
  return pk.map.icmp_dir == Direction::kIn ? state::source_index(dir) : state::dest_index(dir);
}

// Rewrites the packet from `from` to `to` (filter::rewrite_tuple) and updates `info`. `id`: an
// ICMP query's new id. False: the packet could not be rewritten.
bool rewrite_packet(rte_mbuf* m, net::PacketInfo& info, const state::PacketTuple& from,
                    const state::PacketTuple& to, bool icmp_query, uint16_t id) noexcept {
  if (!filter::rewrite_tuple(ip_bytes(m, info), from, to, icmp_query, info.sport, id)) return false;
  info.src = v4_of(to.src);
  info.dst = v4_of(to.dst);
  if (icmp_query) {
    info.sport = info.dport = id;
  } else if (info.proto == wire::kIpProtoTcp || info.proto == wire::kIpProtoUdp) {
    info.sport = to.sport;
    info.dport = to.dport;
  }
  return true;
}

// The tuple of key `k` for a packet travelling in `dir`.
state::PacketTuple tuple_of_key(const state::StateKey& k, Direction dir) noexcept {
  state::PacketTuple t;
  t.af = k.af;
  t.proto = k.proto;
  t.src = k.addr[state::source_index(dir)];
  t.dst = k.addr[state::dest_index(dir)];
  t.sport = k.port[state::source_index(dir)];
  t.dport = k.port[state::dest_index(dir)];
  return t;
}

// A packet of translated state `s` takes the state's other key: inbound packets come with the
// wire key and leave with the stack key, outbound ones the other way round. False: dropped.
bool translate_on_state(WorkerContext& w, const State& s, Direction dir, rte_mbuf* m,
                        net::PacketInfo& info, const PacketKey& pk) noexcept {
  if (!s.key.translated()) [[likely]]
    return true;
  const state::StateKey& to = s.key.key[dir == Direction::kIn ? state::kSkStack : state::kSkWire];
  const state::PacketTuple from = tuple_of(info);
  state::PacketTuple nt = tuple_of_key(to, dir);
  uint16_t id = 0;
  if (pk.icmp_query) {
    id = to.port[icmp_id_slot(pk, dir)];
    nt.sport = from.sport;
    nt.dport = from.dport;
  } else if (info.proto != wire::kIpProtoTcp && info.proto != wire::kIpProtoUdp) {
    nt.sport = from.sport;
    nt.dport = from.dport;
  }
  if (rewrite_packet(m, info, from, nt, pk.icmp_query, id)) [[likely]]
    return true;
  drop_packet(*w.c, DropReason::kTranslate, m);
  return false;
}

// The translated key of a packet with tuple `t` (and, for ICMP queries, echo id `id`).
state::StateKey translated_key(const state::PacketTuple& t, Direction dir, const PacketKey& pk,
                               uint16_t id) noexcept {
  if (!pk.icmp_query) return state::make_lookup_key(t, dir);
  state::IcmpMapping map = pk.map;
  map.virtual_id = id;
  return state::make_icmp_key(t, dir, map);
}

// pf_get_translation + pf_translate for a packet without state: picks the new address (and
// port) from translation `index` of `rs`, rewrites the packet and fills `nkey`. False: the
// packet was dropped and counted.
bool apply_translation(WorkerContext& w, const filter::CompiledRuleset& rs, uint32_t index,
                       const std::vector<RuleRef*>& sticky_refs, Direction dir, rte_mbuf* m,
                       net::PacketInfo& info, const PacketKey& pk, uint32_t now,
                       state::StateKey& nkey, state::SrcNode** nsn) noexcept {
  filter::TranslateInput in;
  in.from = tuple_of(info);
  in.icmp_query = pk.icmp_query;
  in.echo = pk.icmp_query && pk.map.virtual_type == wire::kIcmpEcho;
  in.id = pk.icmp_query ? info.sport : 0;
  state::StateTable& table = *w.node->pf->table;
  // A port is free when no state has the key the translated packet's replies would look up.
  const Direction reply = state::reverse(dir);
  auto is_free = [&](const state::PacketTuple& t, uint16_t id) {
    return table.lookup(translated_key(t, dir, pk, id), reply) == nullptr;
  };
  const nat::WorkerPartition part{static_cast<uint16_t>(w.index),
                                  static_cast<uint16_t>(w.node->pf->lanes)};
  Pf& pf = *w.node->pf;
  auto sticky = [&](state::Addr* addr) {
    RuleRef* ref = index < sticky_refs.size() ? sticky_refs[index] : nullptr;
    return sticky_address(pf, ref, in.from.src, now, addr, nsn);
  };
  const filter::Translated r = filter::translate(rs, index, in, part, rte_rand(), is_free, sticky);
  if (r.status != filter::Translated::Status::kOk) [[unlikely]] {
    release_sticky(pf, *nsn, now);
    drop_packet(*w.c,
                r.status == filter::Translated::Status::kExhausted ? DropReason::kNatExhausted
                                                                   : DropReason::kTranslate,
                m);
    return false;
  }
  nkey = translated_key(r.to, dir, pk, r.id);
  if (rewrite_packet(m, info, in.from, r.to, pk.icmp_query, r.id)) [[likely]]
    return true;
  release_sticky(pf, *nsn, now);
  drop_packet(*w.c, DropReason::kTranslate, m);
  return false;
}

// pf_icmp_state_lookup for an ICMP error: it passes with the state of the packet it quotes,
// kUndecided when it quotes none.
// The translation of an ICMP error that quotes a packet of translated state `s`: the quoted
// packet takes the key on the error's far side, and the outer address that equals the quoted
// address being changed follows it (pf_test_state_icmp's pf_change_icmp). False: dropped.
bool translate_icmp_error(WorkerContext& w, const State& s, Direction dir, rte_mbuf* m,
                          net::PacketInfo& info, const state::IcmpErrorInner& inner) noexcept {
  if (!s.key.translated()) [[likely]]
    return true;
  const state::StateKey& to = s.key.key[dir == Direction::kIn ? state::kSkStack : state::kSkWire];
  const Direction idir = state::reverse(dir);  // the way the quoted packet travelled
  const unsigned si = state::source_index(idir), di = state::dest_index(idir);
  const bool ports =
      inner.tuple.proto == wire::kIpProtoTcp || inner.tuple.proto == wire::kIpProtoUdp;
  nat::IcmpErrorRewrite4 r;
  if (!(to.addr[si] == inner.tuple.src) || (ports && to.port[si] != inner.tuple.sport)) {
    r.inner_side = nat::Side::kSource;
    r.inner = {v4_of(to.addr[si]), ports ? to.port[si] : inner.tuple.sport};
    if (inner.tuple.proto == wire::kIpProtoIcmp && inner.inner_icmp.icmp_dir == Direction::kIn)
      r.inner.port = to.port[si];  // a quoted echo request: its id is in the source slot
    r.outer_side = nat::Side::kDestination;
    r.outer_addr = r.inner.addr;
  } else if (!(to.addr[di] == inner.tuple.dst) || (ports && to.port[di] != inner.tuple.dport)) {
    r.inner_side = nat::Side::kDestination;
    r.inner = {v4_of(to.addr[di]), ports ? to.port[di] : inner.tuple.dport};
    r.outer_side = nat::Side::kSource;
    r.outer_addr = r.inner.addr;
  } else {
    return true;
  }
  if (nat::rewrite_icmp_error_ipv4(ip_bytes(m, info), r) != nat::RewriteStatus::kOk) {
    drop_packet(*w.c, DropReason::kTranslate, m);
    return false;
  }
  (r.outer_side == nat::Side::kSource ? info.src : info.dst) = r.outer_addr;
  return true;
}

Verdict test_icmp_error(WorkerContext& w, Direction dir, rte_mbuf* m, net::PacketInfo& info,
                        const state::PacketTuple& t, uint32_t now) noexcept {
  const auto quoted = l4_bytes(m, info).subspan(state::kIcmpHeaderLen);
  state::IcmpErrorInner inner;
  if (state::icmp_error_inner(t.af, quoted, dir, t.dst, &inner) != state::IcmpStatus::kOk)
    return Verdict::kUndecided;
  // pf_icmp_state_lookup searches in the error's own direction: an inbound error finds the
  // quoted packet's wire key, an outbound one its stack key.
  State* s = w.node->pf->table->lookup(inner.key, dir);
  if (s == nullptr) return Verdict::kUndecided;
  s->lock.lock();
  const bool ok = s->proto != wire::kIpProtoTcp ||
                  state::icmp_inner_tcp_seq_ok(s->peers, s->direction, dir, inner.tcp_seq,
                                               s->state_flags & state::kStateSloppy);
  if (ok) account(*s, dir, info.ip_total_len);
  s->lock.unlock();
  if (!ok) {
    drop_packet(*w.c, DropReason::kStateMismatch, m);
    return Verdict::kDropped;
  }
  if (!pass_options(w, info, s->state_flags, m)) return Verdict::kDropped;
  count_state_rule(w.index, *s, dir, info.ip_total_len, now);
  if (!translate_icmp_error(w, *s, dir, m, info, inner)) return Verdict::kDropped;
  return Verdict::kPassed;
}

// Fills `pk` for the packet. ICMP errors are decided here, by the state they quote; an ICMP
// message too short for its type is dropped.
Verdict packet_key(WorkerContext& w, Direction dir, rte_mbuf* m, net::PacketInfo& info,
                   uint32_t now, PacketKey& pk) noexcept {
  if (info.fragment && !info.first_fragment) return Verdict::kUndecided;
  const state::PacketTuple t = tuple_of(info);
  if (info.proto != wire::kIpProtoIcmp) {
    pk.key = state::make_lookup_key(t, dir);
    pk.stateful = true;
    return Verdict::kUndecided;
  }
  state::IcmpMapping map;
  if (state::icmp_mapping(t.af, l4_bytes(m, info), &map) != state::IcmpStatus::kOk) {
    drop_packet(*w.c, DropReason::kL4Short, m);
    return Verdict::kDropped;
  }
  if (map.is_error) return test_icmp_error(w, dir, m, info, t, now);
  pk.key = state::make_icmp_key(t, dir, map);
  pk.map = map;
  pk.stateful = pk.icmp_query = true;
  return Verdict::kUndecided;
}

// pf_test_state: tracks the packet against its state. kUndecided when it has none, or when the
// state went (a TCP port reuse closed it).
Verdict test_state(WorkerContext& w, Direction dir, uint16_t port, rte_mbuf* m,
                   net::PacketInfo& info, const PacketKey& pk, uint32_t now, State* hint) noexcept {
  Pf& pf = *w.node->pf;
  State* s = find_state(*pf.table, pk.key, dir, hint);
  if (s == nullptr || (s->if_index != 0xffff && s->if_index != port)) return Verdict::kUndecided;
  s->lock.lock();
  const Track r =
      track(pf, *w.c, *s, rte_pktmbuf_mtod(m, const std::byte*), info, dir, now, pk.icmp_query);
  s->lock.unlock();
  switch (r) {
    case Track::kPass:
      ++w.c->state_matches;
      pf_sync_change(*w.node, w.index, *s, pfsync::ChangeKind::kUpdate);
      if (!pass_options(w, info, s->state_flags, m)) return Verdict::kDropped;
      count_state_rule(w.index, *s, dir, info.ip_total_len, now);
      if (!translate_on_state(w, *s, dir, m, info, pk)) return Verdict::kDropped;
      return Verdict::kPassed;
    case Track::kDrop:
      drop_packet(*w.c, DropReason::kStateMismatch, m);
      return Verdict::kDropped;
    case Track::kSrcLimit:
      overload(pf, *w.c, *s);
      break;
    case Track::kReevaluate:
      break;
  }
  if (pf_remove_state(pf, s)) pf_sync_change(*w.node, w.index, *s, pfsync::ChangeKind::kDelete);
  if (r != Track::kSrcLimit) return Verdict::kUndecided;
  // pf drops the packet that completed the handshake (PFRES_SRCLIMIT).
  drop_packet(*w.c, DropReason::kSrcLimit, m);
  return Verdict::kDropped;
}

// The translation a verdict names for direction `dir` (nat-to outbound before rdr-to, rdr-to
// inbound before nat-to), kNoRule for none.
uint32_t verdict_translation(const filter::Verdict& v, Direction dir) noexcept {
  if (dir == Direction::kOut) return v.nat != filter::kNoRule ? v.nat : v.rdr;
  return v.rdr != filter::kNoRule ? v.rdr : v.nat;
}

// pf_test_rule: the translation statements (first match) rewrite the packet before the filter
// rules see it, as FreeBSD's pf does; the ruleset decides; nat-to and rdr-to of the deciding
// rule (or of match rules before it) rewrite it after the walk, as OpenBSD's pf does. A passing
// `keep state` rule, or any translation, creates the packet's state.
bool test_rules(WorkerContext& w, const PfRuleset& rs, Direction dir, uint16_t port,
                uint16_t in_port, rte_mbuf* m, net::PacketInfo& info, const PacketKey& pk,
                uint32_t now) noexcept {
  const filter::CompiledRuleset& c = *rs.compiled;
  state::StateKey nkey = pk.key;
  bool translated = false;
  bool natpass = false;
  state::SrcNode* nsn = nullptr;  // sticky-address: the translation's source node
  // The packet as it came, kept only when a statement rewrites it (for a `block return`).
  state::PacketTuple original;
  const uint16_t original_id = info.sport;
  if (c.statements && pk.stateful) {
    const filter::CompiledRuleset& st = *c.statements;
    const filter::Verdict tv = filter::evaluate(st, filter_packet(info, dir, port, in_port));
    const uint32_t x = tv.rule != nullptr ? verdict_translation(tv, dir) : filter::kNoRule;
    if (x != filter::kNoRule) {
      original = tuple_of(info);
      if (!apply_translation(w, st, x, rs.statement_sticky_refs, dir, m, info, pk, now, nkey, &nsn))
        return false;
      translated = true;
      natpass = st.translations[x].pass;
    }
  }
  Pf& pf = *w.node->pf;
  filter::Verdict v;
  if (natpass) {
    v.keep_state = true;  // `nat pass`: no filter rule, the translation's state
  } else {
    v = filter::evaluate(c, filter_packet(info, dir, port, in_port));
    rs.counters->evaluated(w.index, v.stop);
  }
  // The deciding rule counts the packet once pf's verdict stands (rule_counters.h).
  const size_t rule = v.rule ? static_cast<size_t>(v.rule - c.rules.data()) : 0;
  if (v.action == filter::Decision::kBlock) {
    release_sticky(pf, nsn, now);
    if (v.rule) rs.counters->count(w.index, rule, dir, info.ip_total_len, now);
    // The answer goes to the packet as it came: pf undoes a statement's translation first.
    if (translated && v.ret != filter::ReturnKind::kNone)
      rewrite_packet(m, info, tuple_of(info), original, pk.icmp_query, original_id);
    if (v.ret != filter::ReturnKind::kNone) queue_return(w, v, in_port, m);
    drop_packet(*w.c, DropReason::kPfBlock, m);
    return false;
  }
  if (v.action != filter::Decision::kPass) {
    release_sticky(pf, nsn, now);
    return true;
  }
  if (info.ip_options && !v.allow_opts && !natpass) [[unlikely]] {
    release_sticky(pf, nsn, now);
    drop_packet(*w.c, DropReason::kIpOption, m);  // before any state is created (OpenBSD)
    return false;
  }
  if (!translated && pk.stateful) {
    const uint32_t x = verdict_translation(v, dir);
    if (x != filter::kNoRule) {
      if (!apply_translation(w, c, x, rs.sticky_refs, dir, m, info, pk, now, nkey, &nsn))
        return false;
      translated = true;
    }
  }
  if ((v.keep_state || translated) && pk.stateful &&
      !create_state(w, rs, v, pk.key, nkey, nsn, m, info, dir, port, now))
    return false;
  if (v.rule) rs.counters->count(w.index, rule, dir, info.ip_total_len, now);
  return true;
}

}  // namespace

bool FlushQueue::push(const OverloadFlush& f) noexcept {
  lock.lock();
  const bool ok = n < kSize;
  if (ok) items[n++] = f;
  lock.unlock();
  return ok;
}

unsigned FlushQueue::take(std::array<OverloadFlush, kSize>& out) noexcept {
  lock.lock();
  const unsigned got = n;
  for (unsigned i = 0; i < got; ++i) out[i] = items[i];
  n = 0;
  lock.unlock();
  return got;
}

void pf_state_removed(const State& cs) noexcept {
  State& s = const_cast<State&>(cs);
  // The source nodes: taken under the state's lock, so that a worker counting the connection
  // at this moment either has done so (src_conn) or finds no node.
  s.lock.lock();
  state::SrcNode* sn = s.src_node;
  state::SrcNode* nsn = s.nat_src_node;
  const bool conn = s.src_conn;
  s.src_node = nullptr;
  s.nat_src_node = nullptr;
  s.src_conn = false;
  s.lock.unlock();
  if (nsn != nullptr) {  // a sticky-address node: its key names its translation's RuleRef
    const auto* nref = static_cast<const RuleRef*>(nsn->key.rule);
    nref->src_table->release(nsn, false, nref->pf ? pf_now(*nref->pf) : 0);
  }
  if (cs.rule == nullptr) return;
  auto* ref = static_cast<RuleRef*>(const_cast<void*>(cs.rule));
  ref->states.fetch_sub(1, std::memory_order_relaxed);
  if (sn != nullptr && ref->src_table != nullptr)
    ref->src_table->release(sn, conn, ref->pf ? pf_now(*ref->pf) : 0);
}

bool pf_remove_state(Pf& pf, State* s) noexcept {
  if (!pf.table->remove(s)) return false;
  pf_state_removed(*s);
  return true;
}

void pf_sync_change(Node& node, unsigned producer, State& s, pfsync::ChangeKind kind) noexcept {
  if (node.sync) node.sync->change(producer, s, kind);
}

uint32_t pf_now(const Pf& pf) noexcept {
  return pf.clock.seconds();
}

bool pf_lookup_key(const net::PacketInfo& info, Direction dir, state::StateKey& key) noexcept {
  if ((info.fragment && !info.first_fragment) || info.proto == wire::kIpProtoIcmp) return false;
  key = state::make_lookup_key(tuple_of(info), dir);
  return true;
}

bool pf_test(WorkerContext& w, Direction dir, uint16_t port, uint16_t in_port, rte_mbuf* m,
             net::PacketInfo& info, uint32_t now, State* hint) noexcept {
  const PfRuleset* rs = w.node->pf->ruleset.load(std::memory_order_acquire);
  if (rs == nullptr) return true;
  if (rs->compiled->skip_mask & (uint64_t{1} << port)) return true;
  PacketKey pk;
  Verdict r = packet_key(w, dir, m, info, now, pk);
  if (r == Verdict::kUndecided && pk.stateful) r = test_state(w, dir, port, m, info, pk, now, hint);
  if (r != Verdict::kUndecided) return r == Verdict::kPassed;
  return test_rules(w, *rs, dir, port, in_port, m, info, pk, now);
}

}  // namespace dpf
