// Loading a pf.conf ruleset into the node: parse, compile for this node's interfaces, derive
// timeouts and limits, publish under RCU. Control thread only; allocates.
#include <rte_rcu_qsbr.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "control/config/cluster.h"
#include "control/config/node_rules.h"
#include "control/pfconf/node_check.h"
#include "control/pfconf/parser.h"
#include "dataplane/slowpath/pf_housekeeping.h"
#include "dataplane/slowpath/pf_load.h"
#include "dataplane/worker/pf.h"

namespace dpf {

namespace {

// The node's run-time hosts of overload table `name`, made on first use and kept.
filter::HostSet* overload_table(Pf& pf, const std::string& name) {
  std::lock_guard lock(pf.tables_mu);
  auto& slot = pf.overload_tables[name];
  if (!slot) slot = std::make_unique<filter::HostSet>();
  return slot.get();
}

uint32_t src_node_limit(const pfconf::Ruleset& src) {
  for (const auto& l : src.options.limits)
    if (l.name == "src-nodes") return l.value;
  return state::kDefaultSrcNodeLimit;
}

// Source tracking of a stateful rule: the limits its states' source nodes apply.
void set_src_tracking(Pf& pf, const PfRuleset& rs, const filter::StateSpec& spec, RuleRef& ref) {
  ref.pf = &pf;
  ref.src_track = spec.source_track != filter::SourceTrack::kNone;
  ref.src_track_rule = spec.source_track == filter::SourceTrack::kRule;
  state::SrcLimits& l = ref.src_limits;
  l.max_src_nodes = spec.max_src_nodes;
  l.max_src_states = spec.max_src_states;
  l.max_src_conn = spec.max_src_conn;
  l.conn_rate_limit = spec.max_src_conn_rate_limit;
  l.conn_rate_seconds = spec.max_src_conn_rate_seconds;
  const uint32_t own = spec.timeouts[static_cast<size_t>(state::Timeout::kSrcNode)];
  l.track_timeout = own != 0 ? own : rs.timeouts.get(state::Timeout::kSrcNode);
  l.rule_nodes = ref.src_track_rule ? &ref.src_nodes : nullptr;
  if (spec.has_overload) ref.overload = rs.compiled->hosts[spec.overload_set];
  ref.flush = spec.flush;
  ref.flush_global = spec.flush_global;
  if (!ref.src_track) return;
  if (!pf.src_nodes) {
    pf.src_nodes = std::make_unique<state::SrcNodeTable>(
        std::max(state::kDefaultSrcNodeLimit, src_node_limit(*rs.source)));
  }
  ref.src_table = pf.src_nodes.get();
}

uint32_t v4_of(const pfconf::IpAddr& a) {
  return (uint32_t{a.bytes[0]} << 24) | (uint32_t{a.bytes[1]} << 16) | (uint32_t{a.bytes[2]} << 8) |
         a.bytes[3];
}

// The addresses translations take packets to that a neighbour must resolve to this node: the
// external address of binat, the destination of rdr and rdr-to, when it is a host or a small
// network on the link of an interface the rule applies to and not the interface's own address.
// pf on a BSD host needs the same addresses configured as aliases or published with arp(8).
std::vector<ProxyArp> proxy_arp_addresses(const pfconf::Ruleset& src,
                                          const filter::InterfaceMap& ifs) {
  constexpr uint8_t kWidestNetwork = 24;  // at most 256 addresses per rule
  std::vector<ProxyArp> out;
  auto add = [&](const pfconf::Rule& r, const pfconf::Address& a) {
    if (a.kind != pfconf::AddrKind::kHost || a.negated || a.addr.af != pfconf::Af::kInet ||
        a.prefix < kWidestNetwork)
      return;
    const uint32_t first = v4_of(a.addr);
    const uint32_t count = a.prefix >= 32 ? 1 : uint32_t{1} << (32 - a.prefix);
    for (const filter::Interface& ifc : ifs.interfaces) {
      const bool named =
          r.ifname.empty() || ifc.name == r.ifname ||
          std::find(ifc.groups.begin(), ifc.groups.end(), r.ifname) != ifc.groups.end();
      if (named == r.ifnot && !r.ifname.empty()) continue;
      for (const filter::InterfaceAddress& ia : ifc.addresses) {
        if (ia.addr.af != pfconf::Af::kInet) continue;
        const uint32_t own = v4_of(ia.addr);
        const uint32_t mask = ia.prefix == 0 ? 0 : ~uint32_t{0} << (32 - ia.prefix);
        for (uint32_t i = 0; i < count; ++i) {
          const uint32_t x = first + i;
          if ((x & mask) == (own & mask) && x != own) out.push_back({ifc.port, x});
        }
      }
    }
  };
  for (const pfconf::Rule& r : src.translations) {
    if (r.no_translation || !r.anchor.empty()) continue;  // an anchor call translates nothing
    if (r.translation == pfconf::TranslationKind::kBinat && !r.nat_to.addrs.empty())
      add(r, r.nat_to.addrs[0]);
    if (r.translation == pfconf::TranslationKind::kRdr) add(r, r.dst.addr);
  }
  for (const pfconf::Rule& r : src.rules)
    if (!r.rdr_to.addrs.empty()) add(r, r.dst.addr);
  return out;
}

// sticky-address: each such translation gets a RuleRef that keys its source nodes, which
// remember the address a source was given for as long as it has states (plus `src.track`).
void add_sticky_refs(Pf& pf, PfRuleset& rs, const filter::CompiledRuleset& c,
                     std::vector<RuleRef*>& out) {
  out.assign(c.translations.size(), nullptr);
  for (size_t i = 0; i < c.translations.size(); ++i) {
    if (!c.translations[i].sticky) continue;
    auto ref = std::make_unique<RuleRef>();
    ref->nr = c.translations[i].nr;
    ref->index = static_cast<uint32_t>(i);
    ref->pf = &pf;
    ref->src_track = true;
    ref->src_track_rule = true;
    ref->src_limits.track_timeout = rs.timeouts.get(state::Timeout::kSrcNode);
    ref->src_limits.rule_nodes = &ref->src_nodes;
    if (!pf.src_nodes) {
      pf.src_nodes = std::make_unique<state::SrcNodeTable>(
          std::max(state::kDefaultSrcNodeLimit, src_node_limit(*rs.source)));
    }
    ref->src_table = pf.src_nodes.get();
    out[i] = ref.get();
    rs.ref_set->refs.push_back(std::move(ref));
  }
}

}  // namespace

std::unique_ptr<PfRuleset> pf_build_ruleset(Pf& pf, pfconf::Ruleset src,
                                            const filter::InterfaceMap& ifs, std::string& error) {
  // What dpf refuses to load is refused here too, for rulesets that did not come through
  // config::parse_for_node.
  if (const auto refused = pfconf::check_unsupported(src); !refused.empty()) {
    error = refused.front().to_string();
    return nullptr;
  }
  auto out = std::make_unique<PfRuleset>();
  out->compiled = filter::compile(
      src, ifs, error, [&pf](const std::string& name) { return overload_table(pf, name); });
  if (!out->compiled) return nullptr;
  for (const auto& l : src.options.limits)
    if (l.name == "states") out->state_limit = l.value;
  out->timeouts = state::TimeoutTable::defaults();
  if (out->state_limit != state::kDefaultStateLimit)
    out->timeouts.derive_adaptive_from_limit(out->state_limit);
  if (!src.options.optimization.empty()) {
    if (auto o = state::optimization_by_name(src.options.optimization))
      out->timeouts.apply_optimization(*o);
  }
  for (size_t i = 0; i < pfconf::kTimeoutCount; ++i) {
    if (src.options.timeout_set[i])
      out->timeouts.set(static_cast<state::Timeout>(i), src.options.timeouts[i]);
  }
  out->proxy_arp = proxy_arp_addresses(src, ifs);
  out->source = std::make_shared<const pfconf::Ruleset>(std::move(src));
  const auto& rules = out->compiled->rules;
  out->refs.assign(rules.size(), nullptr);
  out->ref_set = std::make_unique<RuleRefSet>();
  out->ref_set->counters = std::make_unique<RuleCounters>(rules.size(), pf.lanes);
  out->counters = out->ref_set->counters.get();
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].state == filter::StateMode::kNone) continue;
    auto ref = std::make_unique<RuleRef>();
    ref->nr = rules[i].nr;
    ref->index = static_cast<uint32_t>(i);
    ref->counters = out->counters;
    const filter::StateSpec& spec = out->compiled->states[i];
    ref->max_states = spec.max_states;
    for (size_t t = 0; t < filter::kTimeoutSlots; ++t) {
      if (spec.timeouts[t] == 0) continue;
      ref->timeouts.set(static_cast<state::Timeout>(t), spec.timeouts[t]);
      ref->has_timeouts = true;
    }
    if (spec.max_states) {
      ref->timeouts.derive_adaptive_from_max(spec.max_states);
      ref->has_timeouts = true;
    }
    set_src_tracking(pf, *out, spec, *ref);
    out->refs[i] = ref.get();
    out->ref_set->refs.push_back(std::move(ref));
  }
  add_sticky_refs(pf, *out, *out->compiled, out->sticky_refs);
  if (out->compiled->statements)
    add_sticky_refs(pf, *out, *out->compiled->statements, out->statement_sticky_refs);
  return out;
}

namespace {

std::array<uint8_t, 16> v4_bytes(uint32_t addr) {
  std::array<uint8_t, 16> b{};
  for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(addr >> (24 - 8 * i));
  return b;
}

}  // namespace

// The node's interfaces in config order, which is also the order of Node::ports.
filter::InterfaceMap pf_interfaces(const config::Node& node) {
  filter::InterfaceMap map;
  for (size_t i = 0; i < node.interfaces.size(); ++i) {
    const config::Interface& c = node.interfaces[i];
    filter::Interface ifc;
    ifc.name = c.name;
    ifc.port = static_cast<uint16_t>(i);
    ifc.groups.push_back(pfconf::kGroupAll);  // as config::node_interfaces says
    filter::InterfaceAddress a;
    a.addr.af = pfconf::Af::kInet;
    a.addr.bytes = v4_bytes(c.address.addr);
    a.prefix = c.address.len;
    ifc.addresses.push_back(a);
    map.interfaces.push_back(std::move(ifc));
  }
  return map;
}

namespace {

// Parses `text` for one node, with the checks of what the node loads (config/node_rules.h).
std::optional<pfconf::Ruleset> parse_for(const config::Cluster& cluster, const config::Node& node,
                                         const std::string& path, std::string_view text,
                                         std::vector<std::string>& errors) {
  auto parsed = config::parse_for_node(cluster, node, path, text);
  for (const auto& e : parsed.errors) errors.push_back(e.to_string());
  if (!parsed.ok()) return std::nullopt;
  return std::move(*parsed.ruleset);
}

// Compiles a parsed ruleset for one node; the result is not published.
std::unique_ptr<PfRuleset> compile_for(Pf& pf, const config::Node& node, const std::string& path,
                                       pfconf::Ruleset ruleset, std::vector<std::string>& errors) {
  std::string error;
  auto rs = pf_build_ruleset(pf, std::move(ruleset), pf_interfaces(node), error);
  if (!rs) errors.push_back(path + ": node " + node.name + ": " + error);
  return rs;
}

// Parses and compiles `text` for one node; the result is not published.
std::unique_ptr<PfRuleset> build_for(Pf& pf, const config::Cluster& cluster,
                                     const config::Node& node, const std::string& path,
                                     std::string_view text, std::vector<std::string>& errors) {
  auto parsed = parse_for(cluster, node, path, text, errors);
  if (!parsed) return nullptr;
  return compile_for(pf, node, path, std::move(*parsed), errors);
}

}  // namespace

bool pf_check_rules(const config::Cluster& cluster, const std::vector<const config::Node*>& nodes,
                    std::vector<std::string>& errors) {
  if (cluster.rules_path.empty()) return true;
  std::string why;
  const auto text = pfconf::read_ruleset_text(cluster.rules_path, &why);
  if (!text) {
    errors.push_back(cluster.rules_path + ": cannot read the ruleset (cluster.rules): " + why);
    return false;
  }
  Pf scratch;  // source tracking the check sets up lands here and goes with it
  bool ok = true;
  for (const config::Node* node : nodes) {
    std::vector<std::string> node_errors;
    if (!build_for(scratch, cluster, *node, cluster.rules_path, *text, node_errors)) ok = false;
    for (auto& e : node_errors) {
      // Parse errors are the same for every node: report them once.
      if (std::find(errors.begin(), errors.end(), e) == errors.end()) errors.push_back(e);
    }
  }
  return ok;
}

namespace {

// What a loaded ruleset changes in source tracking: `set limit src-nodes`, and the contents of
// overload tables the ruleset defines (pfctl -f replaces them with the file's). The first load
// hands pf_housekeeping to the state table's sweeper.
void publish_src_tracking(Node& node, const PfRuleset& rs) {
  Pf& pf = *node.pf;
  if (pf.src_nodes) pf.src_nodes->set_limit(src_node_limit(*rs.source));
  {
    std::lock_guard lock(pf.tables_mu);
    for (const auto& t : rs.source->tables) {
      auto it = pf.overload_tables.find(t.name);
      if (it != pf.overload_tables.end()) it->second->clear();
    }
  }
  if (!pf.maintenance_set && pf.table) {
    pf.table->set_maintenance(
        [](void* ctx, uint32_t now) { pf_housekeeping(*static_cast<Node*>(ctx), now); }, &node);
    pf.maintenance_set = true;
  }
}

// `set limit states` of a reload: the table was sized at start and cannot grow.
bool fits_table(const Node& node, const std::string& path, const PfRuleset& rs,
                std::vector<std::string>& errors) {
  if (!node.pf->table || rs.state_limit <= node.pf->table->capacity()) return true;
  errors.push_back(path + ": node " + node.cfg->name + ": set limit states " +
                   std::to_string(rs.state_limit) + ": the state table was sized for " +
                   std::to_string(node.pf->table->capacity()) +
                   " states when the node started; restart it to raise the limit");
  return false;
}

void publish(Node& node, const std::string& path, std::unique_ptr<PfRuleset> rs) {
  rs->file = path;
  if (node.pf->table) node.pf->table->set_limit(rs->state_limit);
  rs->cuid = static_cast<uint32_t>(getuid());
  rs->cpid = static_cast<uint32_t>(getpid());
  publish_src_tracking(node, *rs);
  pf_publish(*node.pf, std::move(rs));
}

}  // namespace

std::optional<pfconf::Ruleset> pf_parse_file(const config::Cluster& cluster,
                                             const config::Node& cfg, const std::string& path,
                                             std::vector<std::string>& errors) {
  std::string why;
  const auto text = pfconf::read_ruleset_text(path, &why);
  if (!text) {
    errors.push_back(path + ": cannot read the ruleset: " + why);
    return std::nullopt;
  }
  return parse_for(cluster, cfg, path, *text, errors);
}

bool pf_load_parsed(Node& node, const std::string& path, pfconf::Ruleset ruleset,
                    std::vector<std::string>& errors) {
  auto rs = compile_for(*node.pf, *node.cfg, path, std::move(ruleset), errors);
  if (!rs || !fits_table(node, path, *rs, errors)) return false;
  publish(node, path, std::move(rs));
  return true;
}

bool pf_load(Node& node, const std::string& path, std::string_view text,
             std::vector<std::string>& errors) {
  auto rs = build_for(*node.pf, *node.cluster, *node.cfg, path, text, errors);
  if (!rs || !fits_table(node, path, *rs, errors)) return false;
  publish(node, path, std::move(rs));
  return true;
}

bool RuleRefSet::idle() const noexcept {
  for (const auto& r : refs) {
    if (r->states.load(std::memory_order_acquire) != 0 ||
        r->src_nodes.load(std::memory_order_acquire) != 0)
      return false;
  }
  return true;
}

// Why retiring does not wait: rte_rcu_qsbr_synchronize() waits until every registered reader
// has reported quiescent. The control thread is a reader under two ids (its own, and pfsync's,
// which SyncChannel::poll reports on the same thread), so a wait there never ends for the id it
// does not report itself, and the thread stops: no CARP adverts, no pfsync, no REST. Reporting
// every id first would work only while no other id moves to this thread. Instead nothing
// waits: the old ruleset is queued with a grace-period token and freed by pf_reclaim, from the
// housekeeping the control thread runs after its quiescent reports.
void pf_publish(Pf& pf, std::unique_ptr<PfRuleset> rs) {
  const PfRuleset* old = pf.ruleset.load();
  rs->generation = old ? old->generation + 1 : 1;
  pf.ruleset.store(rs.get(), std::memory_order_release);
  pf.current.swap(rs);
  if (!rs) return;
  Pf::Retired r;
  r.refs = std::move(rs->ref_set);
  r.ruleset = std::move(rs);
  // The token is taken after the store: a worker that still evaluates the old ruleset has not
  // reported quiescent since it loaded the pointer.
  if (pf.table) r.token = rte_rcu_qsbr_start(pf.table->qsbr());
  pf.retired.push_back(std::move(r));
}

size_t pf_reclaim(Pf& pf) noexcept {
  rte_rcu_qsbr* v = pf.table ? pf.table->qsbr() : nullptr;
  auto passed = [v](uint64_t token) { return v == nullptr || rte_rcu_qsbr_check(v, token, false); };
  for (auto it = pf.retired.begin(); it != pf.retired.end();) {
    Pf::Retired& r = *it;
    if (r.ruleset) {
      if (!passed(r.token)) {
        ++it;
        continue;
      }
      r.ruleset.reset();  // no reader evaluates it, so none can create a state of its rules
    }
    if (r.refs && !r.refs_idle) {
      // States and source nodes go on their own (expiry, kills, pfsync, purges).
      if (!r.refs->idle()) {
        ++it;
        continue;
      }
      // A reader may still hold the last state it found, or be inside pf_state_removed().
      r.refs_idle = true;
      r.token = v ? rte_rcu_qsbr_start(v) : 0;
    }
    if (r.refs && !passed(r.token)) {
      ++it;
      continue;
    }
    it = pf.retired.erase(it);
  }
  return pf.retired.size();
}

size_t pf_rule_ref_sets(const Pf& pf) noexcept {
  size_t n = pf.current && pf.current->ref_set ? 1 : 0;
  for (const auto& r : pf.retired) n += r.refs != nullptr;
  return n;
}

bool pf_load_file(Node& node, const std::string& path, std::vector<std::string>& errors) {
  auto parsed = pf_parse_file(*node.cluster, *node.cfg, path, errors);
  return parsed && pf_load_parsed(node, path, std::move(*parsed), errors);
}

void pf_count_reload(Pf& pf, bool ok) {
  ++(ok ? pf.reloads.ok : pf.reloads.failed);
  pf.reloads.last_ok = ok;
  pf.reloads.last_time =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool pf_reload(Node& node, std::vector<std::string>* errors_out) {
  std::vector<std::string> errors;
  const std::string& path = node.rules_path;
  bool ok = !path.empty() && pf_load_file(node, path, errors);
  pf_count_reload(*node.pf, ok);
  if (path.empty()) errors.push_back("the cluster file names no ruleset (cluster.rules)");
  if (errors_out) *errors_out = std::move(errors);
  return ok;
}

}  // namespace dpf
