#include "dataplane/slowpath/pf_view.h"

#include <array>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "control/config/cluster.h"
#include "control/pfconf/address.h"
#include "control/pfconf/names.h"
#include "control/pfconf/print.h"
#include "control/rest/translations.h"
#include "dataplane/net/build.h"
#include "dataplane/slowpath/pf_load.h"
#include "dataplane/state/proto_state.h"
#include "dataplane/state/tcp_track.h"

namespace dpf {
namespace {

// Calls fn on every state. A reader that is not the control thread (reader >= 0, its id in the
// state table's RCU) reports quiescent every 256 states, so a long walk never holds back
// reclamation; the walk keeps a position, not a state, across those reports.
template <typename Fn>
void walk_states(Pf& pf, int reader, Fn&& fn) {
  constexpr unsigned kQuiescentEvery = 256;
  unsigned since_quiescent = 0;
  pf.table->for_each([&](state::State& s) {
    if (reader >= 0 && ++since_quiescent == kQuiescentEvery) {
      since_quiescent = 0;
      pf.table->quiescent(static_cast<unsigned>(reader));
    }
    fn(s);
  });
}

using state::State;

std::string addr_str(const state::Addr& a, state::AddrFamily af) {
  char buf[64];
  if (af == state::AddrFamily::kInet) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]);
  } else {
    std::snprintf(buf, sizeof buf, "%x:%x:%x:%x:%x:%x:%x:%x", a.bytes[0] << 8 | a.bytes[1],
                  a.bytes[2] << 8 | a.bytes[3], a.bytes[4] << 8 | a.bytes[5],
                  a.bytes[6] << 8 | a.bytes[7], a.bytes[8] << 8 | a.bytes[9],
                  a.bytes[10] << 8 | a.bytes[11], a.bytes[12] << 8 | a.bytes[13],
                  a.bytes[14] << 8 | a.bytes[15]);
  }
  return buf;
}

std::string hex(uint64_t v, int width) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%0*" PRIx64, width, v);
  return buf;
}

// The name pfctl prints (FreeBSD's /etc/protocols: 112 carp, 240 pfsync), else the number.
std::string proto_str(uint8_t p) {
  const std::string_view n = pfconf::protocol_name(p);
  return n.empty() ? std::to_string(p) : std::string(n);
}

nlohmann::json key_json(const state::StateKey& k) {
  return {{"addr", {addr_str(k.addr[0], k.af), addr_str(k.addr[1], k.af)}},
          {"port", {k.port[0], k.port[1]}}};
}

std::string peer_state_name(const State& s, uint8_t st) {
  if (s.proto == wire::kIpProtoTcp) return state::tcp_state_name(st);
  return state::udp_state_name(st);
}

nlohmann::json peer_json(const State& s, const state::StatePeer& p) {
  return {{"state", p.state},     {"state_name", peer_state_name(s, p.state)},
          {"seqlo", p.seqlo},     {"seqhi", p.seqhi},
          {"seqdiff", p.seqdiff}, {"max_win", p.max_win},
          {"wscale", p.wscale},   {"mss", p.mss}};
}

bool parse_ipv4_addr(const std::string& text, state::Addr& out) {
  const auto v = config::parse_ipv4(text);
  if (!v) return false;
  out = state::Addr::v4(*v >> 24, *v >> 16 & 0xff, *v >> 8 & 0xff, *v & 0xff);
  return true;
}

// A host (10.0.0.1) or a network (10.0.0.0/24) of pfctl -k.
std::optional<config::Ipv4Prefix> parse_ipv4_net(const std::string& text) {
  if (text.find('/') != std::string::npos) return config::parse_ipv4_prefix(text);
  if (const auto a = config::parse_ipv4(text)) return config::Ipv4Prefix{*a, 32};
  return std::nullopt;
}

bool in_net(const State& s, const state::Addr& a, const config::Ipv4Prefix& net) {
  if (s.af != state::AddrFamily::kInet) return false;
  const uint32_t v = uint32_t{a.bytes[0]} << 24 | uint32_t{a.bytes[1]} << 16 |
                     uint32_t{a.bytes[2]} << 8 | a.bytes[3];
  return net.contains(v);
}

bool has_addr(const State& s, const state::Addr& a) {
  const auto& k = s.key.key[state::kSkWire];
  return k.addr[0] == a || k.addr[1] == a;
}

// The initiator's and responder's addresses (pf's src and dst of the first packet).
const state::Addr& initiator(const State& s) {
  return s.key.key[state::kSkWire].addr[state::source_index(s.direction)];
}
const state::Addr& responder(const State& s) {
  return s.key.key[state::kSkWire].addr[state::dest_index(s.direction)];
}

uint64_t parse_hex(const std::string& s, bool& ok) {
  char* end = nullptr;
  const uint64_t v = std::strtoull(s.c_str(), &end, 16);
  ok = !s.empty() && end && *end == '\0';
  return v;
}

struct Filter {
  bool any_host = false;
  state::Addr host;
  bool by_id = false;
  uint64_t id = 0;
  bool by_creator = false;
  uint32_t creatorid = 0;
  int proto = -1;
  std::string ifname;
};

std::optional<std::string> parse_filter(const Params& q, Filter& f) {
  if (auto it = q.find("host"); it != q.end()) {
    if (!parse_ipv4_addr(it->second, f.host)) return "host: not an IPv4 address: " + it->second;
    f.any_host = true;
  }
  bool ok = true;
  if (auto it = q.find("id"); it != q.end()) {
    f.id = parse_hex(it->second, ok);
    if (!ok) return "id: not a hexadecimal state id: " + it->second;
    f.by_id = true;
  }
  if (auto it = q.find("creatorid"); it != q.end()) {
    f.creatorid = static_cast<uint32_t>(parse_hex(it->second, ok));
    if (!ok) return "creatorid: not hexadecimal: " + it->second;
    f.by_creator = true;
  }
  if (auto it = q.find("proto"); it != q.end()) {
    if (const auto p = pfconf::protocol_number(it->second)) f.proto = *p;
    if (f.proto < 0) f.proto = std::atoi(it->second.c_str());
  }
  if (auto it = q.find("if"); it != q.end()) f.ifname = it->second;
  return std::nullopt;
}

bool matches(const State& s, const Filter& f) {
  if (s.unlinked) return false;
  if (f.any_host && !has_addr(s, f.host)) return false;
  if (f.by_id && s.id != f.id) return false;
  if (f.by_creator && s.creatorid != f.creatorid) return false;
  if (f.proto >= 0 && s.proto != f.proto) return false;
  if (!f.ifname.empty()) {
    const std::string ifn = s.ifname[0] ? s.ifname.data() : "all";
    if (ifn != f.ifname) return false;
  }
  return true;
}

}  // namespace

nlohmann::json pf_state_json(const State& s, uint32_t now) {
  const auto* ref = static_cast<const RuleRef*>(s.rule);
  return {
      {"id", hex(s.id, 16)},
      {"creatorid", hex(s.creatorid, 8)},
      {"if", s.ifname[0] ? std::string(s.ifname.data()) : std::string("all")},
      {"af", s.af == state::AddrFamily::kInet ? "inet" : "inet6"},
      {"proto", proto_str(s.proto)},
      {"direction", s.direction == state::Direction::kIn ? "in" : "out"},
      {"key_wire", key_json(s.key.key[state::kSkWire])},
      {"key_stack", key_json(s.key.key[state::kSkStack])},
      {"src", peer_json(s, s.peers.src)},
      {"dst", peer_json(s, s.peers.dst)},
      {"timeout", std::string(state::timeout_name(s.timeout))},
      {"age", now >= s.creation ? now - s.creation : 0},
      {"last_activity", now >= s.expire ? now - s.expire : 0},
      {"packets", {s.packets[0], s.packets[1]}},
      {"bytes", {s.bytes[0], s.bytes[1]}},
      {"rule", s.rule_nr == 0xffffffffu ? -1 : static_cast<int64_t>(s.rule_nr)},
      {"no_sync", (s.state_flags & state::kStateNoSync) != 0},
      {"origin", s.origin == state::StateOrigin::kLocal ? "local" : "pfsync"},
      {"rule_states", ref ? ref->states.load() : 0},
  };
}

namespace {

const state::TimeoutTable& current_timeouts(const Pf& pf) {
  static const state::TimeoutTable kDefaults = state::TimeoutTable::defaults();
  const PfRuleset* rs = pf.ruleset.load();
  return rs ? rs->timeouts : kDefaults;
}

uint32_t expires_in(const Pf& pf, const State& s, uint32_t now) {
  const auto* ref = static_cast<const RuleRef*>(s.rule);
  state::StateCounts counts;
  counts.global = static_cast<uint32_t>(pf.table->count());
  counts.rule = ref ? ref->states.load() : 0;
  const uint32_t at =
      state::expires_at(s.timeout, s.expire, now, current_timeouts(pf),
                        ref && ref->has_timeouts ? &ref->timeouts : nullptr, counts);
  return state::time_reached(at, now) ? 0 : at - now;
}

size_t param_size(const Params& q, const char* name, size_t dflt) {
  auto it = q.find(name);
  return it == q.end() ? dflt : std::strtoull(it->second.c_str(), nullptr, 10);
}

}  // namespace

nlohmann::json pf_states(Node& node, const Params& q, int reader) {
  Filter f;
  if (auto err = parse_filter(q, f)) return {{"error", *err}};
  const size_t offset = param_size(q, "offset", 0);
  const size_t limit = std::min<size_t>(param_size(q, "limit", 1000), 100000);
  Pf& pf = *node.pf;
  const uint32_t now = pf_now(pf);
  nlohmann::json out = nlohmann::json::array();
  size_t total = 0;
  walk_states(pf, reader, [&](State& s) {
    if (!matches(s, f)) return;
    if (total >= offset && out.size() < limit) {
      auto j = pf_state_json(s, now);
      j["expires_in"] = expires_in(pf, s, now);
      out.push_back(std::move(j));
    }
    ++total;
  });
  return {{"total", total}, {"offset", offset}, {"states", out}};
}

StateListReader::StateListReader(Node& node, unsigned reader_id) : node_(node), id_(reader_id) {
  registered_ = node_.pf->table->register_reader(id_);
  if (registered_) node_.pf->table->offline(id_);
}

StateListReader::~StateListReader() {
  if (registered_) node_.pf->table->unregister_reader(id_);
}

nlohmann::json StateListReader::list(const Params& q) {
  if (!registered_) return {{"error", "the state table has no reader slot for the listing"}};
  std::lock_guard lock(mu_);
  state::StateTable& table = *node_.pf->table;
  table.online(id_);
  try {
    auto out = pf_states(node_, q, static_cast<int>(id_));
    table.offline(id_);
    return out;
  } catch (...) {
    table.offline(id_);
    throw;
  }
}

nlohmann::json StateListReader::sources(const SourceNodes& nodes, const Params& q) {
  if (!registered_) return {{"error", "the state table has no reader slot for the listing"}};
  std::lock_guard lock(mu_);
  state::StateTable& table = *node_.pf->table;
  table.online(id_);
  try {
    auto out = pf_sources(node_, nodes, q, static_cast<int>(id_));
    table.offline(id_);
    return out;
  } catch (...) {
    table.offline(id_);
    throw;
  }
}

nlohmann::json pf_kill_states(Node& node, const Params& q) {
  Pf& pf = *node.pf;
  std::vector<State*> victims;
  if (q.count("all")) {
    pf.table->for_each([&](State& s) {
      if (!s.unlinked) victims.push_back(&s);
    });
  } else if (q.count("id")) {
    Filter f;
    if (auto err = parse_filter(q, f)) return {{"error", *err}};
    pf.table->for_each([&](State& s) {
      if (matches(s, f)) victims.push_back(&s);
    });
  } else if (auto it = q.find("host"); it != q.end()) {
    // pfctl -k SRC [-k DST]: states from SRC (to DST); each a host or a network (10.0.0.0/24).
    const auto src = parse_ipv4_net(it->second);
    if (!src) return {{"error", "host: not an IPv4 address or network: " + it->second}};
    const auto it2 = q.find("host2");
    std::optional<config::Ipv4Prefix> dst;
    if (it2 != q.end() && !(dst = parse_ipv4_net(it2->second)))
      return {{"error", "host2: not an IPv4 address or network: " + it2->second}};
    pf.table->for_each([&](State& s) {
      if (s.unlinked) return;
      const bool from = in_net(s, initiator(s), *src) || (!dst && in_net(s, responder(s), *src));
      if (from && (!dst || in_net(s, responder(s), *dst))) victims.push_back(&s);
    });
  } else {
    return {{"error", "say which states: host=ADDR[/LEN][&host2=ADDR[/LEN]], id=HEX or all=1"}};
  }
  // pfctl -F states (pf_clear_states): the peers hear one CLR for our hostid instead of a
  // deletion per state, so each flushed state is marked no-sync before it goes; its (silent)
  // deletion record still reaches pfsync, which forgets what it queued for the state.
  const bool flush = q.count("all") != 0;
  size_t killed = 0;
  for (State* s : victims) {
    if (flush) {
      s->lock.lock();
      s->state_flags |= state::kStateNoSync;
      s->lock.unlock();
    }
    if (!pf_remove_state(pf, s)) continue;
    // After a flush the delete carries no-sync: the engine forgets the state, the CLR below
    // tells the peers.
    pf_sync_change(node, node.n_workers, *s, pfsync::ChangeKind::kDelete);
    ++killed;
  }
  if (flush && node.sync) node.sync->clear(node.sync->clock(), "");
  return {{"killed", killed}};
}

namespace {

// A rule's counters as GET /api/v1/rules gives them (pfctl -vsr's figures).
nlohmann::json rule_counters_json(const RuleTotals& t, uint32_t states, uint32_t pf_uptime,
                                  double wall_now) {
  nlohmann::json last = nullptr;
  if (t.active) last = wall_now - (pf_uptime >= t.last_active ? pf_uptime - t.last_active : 0);
  return {{"evaluations", t.evaluations},
          {"packets", {{"in", t.packets[0]}, {"out", t.packets[1]}}},
          {"bytes", {{"in", t.bytes[0]}, {"out", t.bytes[1]}}},
          {"states", states},
          {"state_creations", t.state_creations},
          {"last_active", last}};
}

}  // namespace

nlohmann::json pf_rules(Node& node) {
  const PfRuleset* rs = node.pf->ruleset.load();
  if (rs == nullptr)
    return {{"file", ""},
            {"rules", nlohmann::json::array()},
            {"text", ""},
            {"translations", nlohmann::json::array()}};
  nlohmann::json rules = nlohmann::json::array();
  pfconf::PrintOptions po;
  po.definitions = false;
  const std::vector<RuleTotals> totals =
      rs->counters ? rs->counters->sum() : std::vector<RuleTotals>{};
  const uint32_t uptime = pf_now(*node.pf);
  const double wall =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (size_t i = 0; i < rs->source->rules.size(); ++i) {
    const pfconf::Rule& r = rs->source->rules[i];
    std::string text = pfconf::print_rule(r, po);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    const RuleRef* ref = i < rs->refs.size() ? rs->refs[i] : nullptr;
    nlohmann::json j = rule_counters_json(i < totals.size() ? totals[i] : RuleTotals{},
                                          ref ? ref->states.load() : 0, uptime, wall);
    j["nr"] = i;
    j["text"] = text;
    j["labels"] = r.labels;
    rules.push_back(std::move(j));
  }
  return {{"file", rs->file},
          {"generation", rs->generation},
          {"inserted", {{"uid", rs->cuid}, {"pid", rs->cpid}}},
          {"rules", rules},
          {"text", pfconf::print_ruleset(*rs->source, po)},
          {"translations", rest::translations_json(*rs->source)}};
}

nlohmann::json pfsync_info(Node& node) {
  if (!node.sync) return {{"enabled", false}};
  nlohmann::json stats = nlohmann::json::object();
  const auto st = node.sync->stats();
  for (const auto& f : pfsync::kStatFields) stats[std::string(f.name)] = st.*f.field;
  const auto& b = node.sync->bulk_status();
  const auto now = node.sync->clock();
  auto ago = [&](const std::optional<pfsync::TimePoint>& t) -> nlohmann::json {
    if (!t) return nullptr;
    return std::chrono::duration<double>(now - *t).count();
  };
  const auto io = node.sync->io_counters();
  const auto& es = node.sync->engine_stats();
  nlohmann::json peers = nlohmann::json::array();
  for (const SyncPeerSeen& p : node.sync->peers_seen()) {
    peers.push_back({{"address", config::format_ipv4(p.addr)},
                     {"mac", wire::format_mac(p.mac)},
                     {"frames", p.frames},
                     {"last_heard_ago", std::chrono::duration<double>(now - p.last).count()}});
  }
  const auto& ps = *node.cfg->pfsync;
  return {{"enabled", true},
          {"syncdev", ps.syncdev},
          {"maxupd", ps.maxupd},
          {"version", ps.version},
          {"sync_ok", node.sync->sync_ok()},
          {"peers", peers},
          {"bulk",
           {{"requested", b.requested},
            {"in_progress", b.in_progress},
            {"done", b.done},
            {"failed", b.failed},
            {"tries", b.tries},
            {"states_received", b.states_received},
            {"bad_bus_end", es.bad_bus_end},
            {"started_ago", ago(b.started_at)},
            {"finished_ago", ago(b.finished_at)}}},
          {"stats", stats},
          {"refused", {{"badcreator", es.badcreator}}},
          {"window_pushes", es.window_pushes},
          {"io",
           {{"changes", io.changes},
            {"ring_full", io.ring_full},
            {"spilled", io.spilled},
            {"rx_ring_full", io.rx_ring_full},
            {"rx_frames", io.rx_frames},
            {"tx_frames", io.tx_frames},
            {"tx_held", io.tx_held},
            {"tx_unresolved", io.tx_unresolved},
            {"mirrored", io.mirrored},
            {"mirror_failed", io.mirror_failed}}},
          {"defer",
           {{"enabled", ps.defer},
            {"deferred", es.deferred},
            {"acked", es.defer_acked},
            {"timed_out", es.defer_timed_out},
            {"dropped", es.defer_dropped},
            {"released", es.defer_released}}}};
}

namespace {

state::Addr addr_of(const filter::Addr128& k) {
  state::Addr a;
  for (int i = 0; i < 8; ++i) {
    a.bytes[i] = static_cast<uint8_t>(k.hi >> (56 - 8 * i));
    a.bytes[8 + i] = static_cast<uint8_t>(k.lo >> (56 - 8 * i));
  }
  return a;
}

// What every lcore counted, summed (relaxed reads of other lcores' counters).
struct LcoreSums {
  std::array<uint64_t, static_cast<size_t>(LimitCounter::kCount)> limits{};
  uint64_t src_limit = 0, overload_full = 0, flush_lost = 0;
};

LcoreSums sum_lcores(const Node& node) {
  LcoreSums out;
  for (const auto& lc : node.counters) {
    for (size_t i = 0; i < out.limits.size(); ++i)
      out.limits[i] += __atomic_load_n(&lc.limits[i], __ATOMIC_RELAXED);
    out.src_limit += __atomic_load_n(&lc.drops[static_cast<size_t>(net::DropReason::kSrcLimit)],
                                     __ATOMIC_RELAXED);
    out.overload_full += __atomic_load_n(&lc.overload_full, __ATOMIC_RELAXED);
    out.flush_lost += __atomic_load_n(&lc.flush_lost, __ATOMIC_RELAXED);
  }
  return out;
}

uint64_t limit(const LcoreSums& s, LimitCounter c) {
  return s.limits[static_cast<size_t>(c)];
}

// Source tracking: pf's limit counters, the source nodes (pfctl -s Sources, the first 1000)
// and the hosts overload put into each table (pfctl -t T -T show).
nlohmann::json src_tracking_json(Node& node) {
  Pf& pf = *node.pf;
  const LcoreSums sums = sum_lcores(node);
  nlohmann::json counters = {
      {"src-limit", sums.src_limit},
      {"overload table insertion", limit(sums, LimitCounter::kOverloadTable)},
      {"overload table full", sums.overload_full},
      {"overload flush states", limit(sums, LimitCounter::kOverloadFlush)},
      {"overload flush lost", sums.flush_lost},
      {"overload flushed states", pf.src_counters.flushed_states.load()},
  };
  nlohmann::json sources = nlohmann::json::array();
  if (pf.src_nodes) {
    const auto sc = pf.src_nodes->counters();
    counters["max-src-states"] = sc.src_states;
    counters["max-src-nodes"] = sc.src_nodes;
    counters["max-src-conn"] = sc.src_conn;
    counters["max-src-conn-rate"] = sc.src_conn_rate;
    counters["src-nodes limit"] = sc.full;
    counters["src node searches"] = sc.searches;
    counters["src node inserts"] = sc.inserts;
    counters["src node removals"] = sc.removals;
    for (const auto& n : pf.src_nodes->snapshot()) {
      if (sources.size() >= 1000) break;
      const auto* ref = static_cast<const RuleRef*>(n.key.rule);
      sources.push_back({{"addr", addr_str(n.key.addr, n.key.af)},
                         {"rule", ref ? static_cast<int64_t>(ref->nr) : -1},
                         {"states", n.states},
                         {"conn", n.conn},
                         {"conn_rate", n.conn_rate},
                         {"creation", n.creation},
                         {"expire", n.expire}});
    }
  }
  nlohmann::json tables = nlohmann::json::object();
  {
    std::lock_guard lock(pf.tables_mu);
    for (const auto& [name, hosts] : pf.overload_tables) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& [v6, k] : hosts->entries())
        list.push_back(
            addr_str(addr_of(k), v6 ? state::AddrFamily::kInet6 : state::AddrFamily::kInet));
      tables[name] = list;
    }
  }
  return {{"counters", counters},
          {"src_nodes", pf.src_nodes ? pf.src_nodes->count() : 0},
          {"src_node_limit", pf.src_nodes ? pf.src_nodes->limit() : state::kDefaultSrcNodeLimit},
          {"sources", sources},
          {"overload_tables", tables}};
}

// pfctl -vsi's "Limit Counters", in its order: [{"name": LCNT name, "value": N}].
nlohmann::json limit_counters_json(const Node& node) {
  const LcoreSums sums = sum_lcores(node);
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < sums.limits.size(); ++i)
    out.push_back({{"name", std::string(kLimitCounterNames[i])}, {"value", sums.limits[i]}});
  return out;
}

// Packets and bytes (both directions) of the states that hold each source node: pf counts
// them in the node as they pass; dpf adds up the node's current states when asked. `reader`
// as for pf_states.
std::map<const state::SrcNode*, std::pair<uint64_t, uint64_t>> src_node_traffic(Pf& pf,
                                                                                int reader) {
  std::map<const state::SrcNode*, std::pair<uint64_t, uint64_t>> out;
  walk_states(pf, reader, [&](State& s) {
    if (s.unlinked) return;
    for (const state::SrcNode* n : {s.src_node, s.nat_src_node}) {
      if (n == nullptr) continue;
      auto& t = out[n];
      t.first += s.packets[0] + s.packets[1];
      t.second += s.bytes[0] + s.bytes[1];
    }
  });
  return out;
}

// What rule `name` is a table of: named as an address, or as an overload table.
bool table_referenced(const pfconf::Ruleset& rs, const std::string& name) {
  auto is = [&](const pfconf::Address& a) {
    return a.kind == pfconf::AddrKind::kTable && a.name == name;
  };
  for (const auto& r : rs.rules)
    if (is(r.src.addr) || is(r.dst.addr) || r.state_opts.overload_table == name) return true;
  return false;
}

}  // namespace

SourceNodes pf_source_nodes(Node& node) {
  Pf& pf = *node.pf;
  SourceNodes out;
  out.now = pf_now(pf);
  if (pf.src_nodes) out.nodes = pf.src_nodes->snapshot();
  return out;
}

nlohmann::json pf_sources(Node& node, const SourceNodes& sn, const Params& q, int reader) {
  Pf& pf = *node.pf;
  const size_t limit = std::min<size_t>(param_size(q, "limit", 1000), 100000);
  nlohmann::json out = nlohmann::json::array();
  const uint32_t now = sn.now;
  const auto& nodes = sn.nodes;
  // No node, no walk: a node without source tracking pays nothing for the view.
  std::map<const state::SrcNode*, std::pair<uint64_t, uint64_t>> traffic;
  if (!nodes.empty()) traffic = src_node_traffic(pf, reader);
  for (const auto& n : nodes) {
    if (out.size() >= limit) break;
    const auto* ref = static_cast<const RuleRef*>(n.key.rule);
    const auto t = traffic.find(n.node);
    const bool v6 = n.key.af == state::AddrFamily::kInet6;
    nlohmann::json j = {
        {"addr", addr_str(n.key.addr, n.key.af)},
        // pf's raddr: the translation address a sticky-address node pins (route-to's: not yet).
        {"raddr", n.sticky ? addr_str(n.raddr, n.key.af)
                  : v6     ? "::"
                           : "0.0.0.0"},
        {"af", v6 ? "inet6" : "inet"},
        {"rule", ref ? static_cast<int64_t>(ref->nr) : -1},
        {"states", n.states},
        {"conn", n.conn},
        {"conn_rate", {{"count", n.conn_rate_count}, {"seconds", n.conn_rate_seconds}}},
        {"age", now >= n.creation ? now - n.creation : 0},
        {"expires_in", nullptr},
        {"packets", t == traffic.end() ? 0 : t->second.first},
        {"bytes", t == traffic.end() ? 0 : t->second.second},
    };
    if (n.states == 0) j["expires_in"] = n.expire > now ? n.expire - now : 0;
    out.push_back(std::move(j));
  }
  return {{"total", nodes.size()}, {"sources", out}};
}

nlohmann::json pf_kill_sources(Node& node, const Params& q) {
  Pf& pf = *node.pf;
  const auto it = q.find("host");
  if (it == q.end()) return {{"error", "say which sources: host=ADDR[/LEN][&host2=ADDR[/LEN]]"}};
  const auto src = parse_ipv4_net(it->second);
  if (!src) return {{"error", "host: not an IPv4 address or network: " + it->second}};
  std::optional<config::Ipv4Prefix> dst;
  if (const auto it2 = q.find("host2"); it2 != q.end() && !(dst = parse_ipv4_net(it2->second)))
    return {{"error", "host2: not an IPv4 address or network: " + it2->second}};
  // pf matches the second host against the node's raddr, which dpf's nodes leave 0.0.0.0.
  if (!pf.src_nodes || (dst && !dst->contains(0))) return {{"killed", 0}};
  std::set<const state::SrcNode*> victims;
  for (const auto& n : pf.src_nodes->snapshot()) {
    if (n.key.af != state::AddrFamily::kInet) continue;
    const auto& b = n.key.addr.bytes;
    if (src->contains(uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3]))
      victims.insert(n.node);
  }
  if (victims.empty()) return {{"killed", 0}};
  // pf_kill_srcnodes: the states stay, without their node; each gives back what it counted.
  const uint32_t now = pf_now(pf);
  pf.table->for_each([&](State& s) {
    s.lock.lock();
    state::SrcNode* sn = s.src_node;
    if (sn == nullptr || victims.count(sn) == 0) {
      s.lock.unlock();
      return;
    }
    const bool conn = s.src_conn;
    s.src_node = nullptr;
    s.src_conn = false;
    s.lock.unlock();
    pf.src_nodes->release(sn, conn, now);
  });
  for (const state::SrcNode* n : victims) pf.src_nodes->forget(n);
  return {{"killed", victims.size()}};
}

nlohmann::json pf_tables(Node& node, const Params& q) {
  Pf& pf = *node.pf;
  const bool with_entries = q.count("entries") != 0;
  constexpr size_t kEntriesMax = 1000;  // per table: the view is for people, not for backups
  std::map<std::string, nlohmann::json> tables;
  auto entry = [&](const std::string& name) -> nlohmann::json& {
    auto& t = tables[name];
    if (t.is_null()) {
      t = {{"name", name},    {"defined", false},  {"persist", false},
           {"const", false},  {"counters", false}, {"referenced", false},
           {"active", false}, {"count", 0},        {"runtime", 0}};
      if (with_entries) t["entries"] = nlohmann::json::array();
    }
    return t;
  };
  auto add = [&](nlohmann::json& t, const std::string& text) {
    if (with_entries && t["entries"].size() < kEntriesMax) t["entries"].push_back(text);
  };
  const PfRuleset* rs = pf.ruleset.load();
  if (rs != nullptr) {
    for (const auto& def : rs->source->tables) {
      auto& t = entry(def.name);
      t["defined"] = true;
      t["persist"] = def.persist;
      t["const"] = def.constant;
      t["counters"] = def.counters;
      t["count"] = def.entries.size();
      for (const auto& e : def.entries)
        add(t, (e.addr.negated ? "!" : "") + pfconf::format_address(e.addr));
    }
  }
  {
    // Overload tables: their run-time hosts, kept across reloads.
    std::lock_guard lock(pf.tables_mu);
    for (const auto& [name, hosts] : pf.overload_tables) {
      auto& t = entry(name);
      const auto list = hosts->entries();
      t["runtime"] = list.size();
      t["count"] = t["count"].get<size_t>() + list.size();
      for (const auto& [v6, k] : list)
        add(t, addr_str(addr_of(k), v6 ? state::AddrFamily::kInet6 : state::AddrFamily::kInet));
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (auto& [name, t] : tables) {
    const bool referenced = rs != nullptr && table_referenced(*rs->source, name);
    t["referenced"] = referenced;
    // As pfr_setflags_ktable: a table neither referenced nor persistent is not active.
    t["active"] = referenced || t["persist"].get<bool>();
    out.push_back(std::move(t));
  }
  return {{"tables", out}};
}

nlohmann::json pf_info(Node& node) {
  Pf& pf = *node.pf;
  const auto c = pf.table->counters();
  uint64_t created = 0, matched = 0;
  for (const auto& lc : node.counters) {
    created += __atomic_load_n(&lc.states_created, __ATOMIC_RELAXED);
    matched += __atomic_load_n(&lc.state_matches, __ATOMIC_RELAXED);
  }
  nlohmann::json timeouts = nlohmann::json::array();
  const auto& t = current_timeouts(pf);
  for (const auto& info : state::kTimeoutInfo) {
    timeouts.push_back({{"name", std::string(info.name)},
                        {"value", t.get(info.index)},
                        {"unit", info.is_state_count ? "states" : "s"}});
  }
  const PfRuleset* rs = pf.ruleset.load();
  return {{"enabled", rs != nullptr},
          {"states", pf.table->count()},
          {"state_limit", pf.table->limit()},
          {"uptime", pf_now(pf)},
          {"counters",
           {{"searches", c.searches},
            {"inserts", c.inserts},
            {"removals", c.removals},
            {"state_limit", c.state_limit},
            {"memory", c.memory},
            {"insert_exists", c.insert_exists},
            {"insert_id_exists", c.insert_id_exists},
            {"insert_bad_id", c.insert_bad_id},
            {"created_by_workers", created},
            {"matched", matched}}},
          {"timeouts", timeouts},
          {"src_tracking", src_tracking_json(node)},
          {"limit_counters", limit_counters_json(node)},
          {"syncookies", "never"},
          {"tables", pf_tables(node, {})["tables"]},
          {"ruleset", rs ? rs->file : ""},
          {"rules", rs ? rs->compiled->rules.size() : 0}};
}

}  // namespace dpf
