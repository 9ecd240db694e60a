// Ruleset compilation: names to port masks, addresses to prefix sets, rules to flat structs.
#include "dataplane/filter/compile.h"

#include <array>
#include <map>

namespace dpf::filter {
namespace {

bool is_link_local6(const pfconf::IpAddr& a) {
  return a.af == pfconf::Af::kInet6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}

bool names_interface(const Interface& ifc, const std::string& name) {
  if (ifc.name == name) return true;
  for (const std::string& g : ifc.groups) {
    if (g == name) return true;
  }
  return false;
}

Addr128 key_of(const pfconf::IpAddr& a) {
  return addr_key(a.bytes.data(), a.af == pfconf::Af::kInet6);
}

class Compiler {
 public:
  Compiler(const pfconf::Ruleset& rs, const InterfaceMap& ifs, const HostResolver& hosts)
      : in_(rs), ifs_(ifs), resolve_hosts_(hosts) {}
  std::unique_ptr<const CompiledRuleset> run(std::string& error);

 private:
  bool check_ports();
  uint64_t ports_named(const std::string& name) const;
  void add_tables();
  uint32_t table_set(const std::string& name);
  uint32_t derived_set(const std::string& key, std::vector<PrefixEntry> v4,
                       std::vector<PrefixEntry> v6);
  uint32_t self_set();
  uint32_t interface_set(const pfconf::Address& a);
  bool address(const pfconf::Address& a, AddrMatch& out);
  uint16_t tag_id(const std::string& name);
  bool rule(const pfconf::Rule& r, uint32_t nr);
  void state_spec(const pfconf::Rule& r, StateSpec& s);
  bool fail(const pfconf::Rule& r, uint32_t nr, const std::string& what);
  void attach_hosts();
  bool pool_entries(const pfconf::Pool& pool, std::vector<nat::PoolEntry>& out);
  uint32_t add_translation(const pfconf::Rule& r, const pfconf::Pool& pool, bool source,
                           uint32_t nr);
  bool statements();

  const pfconf::Ruleset& in_;
  const InterfaceMap& ifs_;
  const HostResolver& resolve_hosts_;
  std::unique_ptr<CompiledRuleset> out_ = std::make_unique<CompiledRuleset>();
  std::map<std::string, uint32_t> set_index_;
  std::map<std::string, uint16_t> tag_index_;
  std::string error_;
};

bool Compiler::check_ports() {
  for (const Interface& ifc : ifs_.interfaces) {
    if (ifc.port >= kMaxPorts) {
      error_ = "interface " + ifc.name + ": port index " + std::to_string(ifc.port) +
               " is beyond the " + std::to_string(kMaxPorts) + " ports a ruleset can name";
      return false;
    }
  }
  return true;
}

uint64_t Compiler::ports_named(const std::string& name) const {
  uint64_t mask = 0;
  for (const Interface& ifc : ifs_.interfaces) {
    if (names_interface(ifc, name)) mask |= uint64_t{1} << ifc.port;
  }
  return mask;
}

void add_entry(const pfconf::IpAddr& a, uint8_t bits, bool negated, std::vector<PrefixEntry>& v4,
               std::vector<PrefixEntry>& v6) {
  PrefixEntry e{key_of(a), bits, negated};
  (a.af == pfconf::Af::kInet6 ? v6 : v4).push_back(e);
}

void Compiler::add_tables() {
  for (const pfconf::Table& t : in_.tables) {
    std::vector<PrefixEntry> v4;
    std::vector<PrefixEntry> v6;
    for (const pfconf::TableEntry& e : t.entries) {
      add_entry(e.addr.addr, e.addr.prefix, e.addr.negated, v4, v6);
    }
    derived_set("<" + t.name + ">", std::move(v4), std::move(v6));
  }
}

uint32_t Compiler::derived_set(const std::string& key, std::vector<PrefixEntry> v4,
                               std::vector<PrefixEntry> v6) {
  auto it = set_index_.find(key);
  if (it != set_index_.end()) return it->second;
  uint32_t idx = static_cast<uint32_t>(out_->sets.size());
  out_->sets.push_back(PrefixSet::build(std::move(v4), std::move(v6)));
  out_->set_names.push_back(key);
  set_index_.emplace(key, idx);
  return idx;
}

// A table named by a rule but never defined is empty, as pf creates it on reference.
uint32_t Compiler::table_set(const std::string& name) {
  return derived_set("<" + name + ">", {}, {});
}

uint32_t Compiler::self_set() {
  std::vector<PrefixEntry> v4;
  std::vector<PrefixEntry> v6;
  for (const Interface& ifc : ifs_.interfaces) {
    for (const InterfaceAddress& a : ifc.addresses) {
      add_entry(a.addr, a.addr.af == pfconf::Af::kInet6 ? 128 : 32, false, v4, v6);
    }
  }
  return derived_set("self", std::move(v4), std::move(v6));
}

// `IF:network` and `(IF[:network|:broadcast|:0])[/prefix]` over every interface the name denotes.
uint32_t Compiler::interface_set(const pfconf::Address& a) {
  bool network = a.kind == pfconf::AddrKind::kIfNetwork || (a.dyn_flags & pfconf::kDynNetwork);
  bool broadcast = a.dyn_flags & pfconf::kDynBroadcast;
  bool first_only = a.dyn_flags & pfconf::kDynNoAlias;
  std::string key = (a.kind == pfconf::AddrKind::kIfNetwork ? "net:" : "dyn:") + a.name + ":" +
                    std::to_string(a.dyn_flags) + "/" +
                    (a.has_prefix ? std::to_string(a.prefix) : "-");
  std::vector<PrefixEntry> v4;
  std::vector<PrefixEntry> v6;
  for (const Interface& ifc : ifs_.interfaces) {
    if (!names_interface(ifc, a.name)) continue;
    bool got4 = false;
    bool got6 = false;
    for (const InterfaceAddress& ia : ifc.addresses) {
      bool v6a = ia.addr.af == pfconf::Af::kInet6;
      uint8_t full = v6a ? 128 : 32;
      if (first_only) {
        if (v6a ? (got6 || is_link_local6(ia.addr)) : got4) continue;
        (v6a ? got6 : got4) = true;
      }
      if (broadcast) {
        if (v6a || ia.prefix >= 31) continue;  // only IPv4 networks have a broadcast address
        Addr128 last = prefix_last(key_of(ia.addr), ia.prefix);
        v4.push_back({last, 32, false});
        continue;
      }
      uint8_t bits = network ? ia.prefix : full;
      if (a.has_prefix) bits = a.prefix;
      if (bits > full) continue;
      add_entry(ia.addr, bits, false, v4, v6);
    }
  }
  return derived_set(key, std::move(v4), std::move(v6));
}

bool Compiler::address(const pfconf::Address& a, AddrMatch& out) {
  out.neg = a.negated;
  switch (a.kind) {
    case pfconf::AddrKind::kAny:
      out.kind = AddrKind::kAny;
      return true;
    case pfconf::AddrKind::kHost: {
      out.kind = AddrKind::kPrefix;
      out.b = prefix_mask(a.prefix);
      Addr128 k = key_of(a.addr);
      out.a = {k.hi & out.b.hi, k.lo & out.b.lo};
      return true;
    }
    case pfconf::AddrKind::kRange:
      out.kind = AddrKind::kRange;
      out.a = key_of(a.addr);
      out.b = key_of(a.addr_end);
      return true;
    case pfconf::AddrKind::kTable:
      out.kind = AddrKind::kSet;
      out.set = table_set(a.name);
      return true;
    case pfconf::AddrKind::kSelf:
      out.kind = AddrKind::kSet;
      out.set = self_set();
      return true;
    case pfconf::AddrKind::kDynamic:
      if (a.dyn_flags & pfconf::kDynPeer) {
        error_ = "(" + a.name + ":peer) is not supported: the node has no point-to-point links";
        return false;
      }
      [[fallthrough]];
    case pfconf::AddrKind::kIfNetwork:
      out.kind = AddrKind::kSet;
      out.set = interface_set(a);
      return true;
    case pfconf::AddrKind::kNoRoute:
      error_ = "no-route is not supported";
      return false;
    case pfconf::AddrKind::kUrpfFailed:
      error_ = "urpf-failed is not supported";
      return false;
  }
  error_ = "unknown address kind";
  return false;
}

uint16_t Compiler::tag_id(const std::string& name) {
  if (name.empty()) return 0;
  auto it = tag_index_.find(name);
  if (it != tag_index_.end()) return it->second;
  out_->tag_names.push_back(name);
  uint16_t id = static_cast<uint16_t>(out_->tag_names.size());
  tag_index_.emplace(name, id);
  return id;
}

PortMatch port_match(const pfconf::PortSpec& p) {
  static constexpr PortOp kOps[] = {
      PortOp::kNone, PortOp::kEq, PortOp::kNe,        PortOp::kLt,        PortOp::kLe,
      PortOp::kGt,   PortOp::kGe, PortOp::kRangeIncl, PortOp::kRangeExcl, PortOp::kRangeOut};
  return {kOps[static_cast<size_t>(p.op)], p.lo, p.hi};
}

ReturnMode return_mode(pfconf::BlockReturn m) {
  switch (m) {
    case pfconf::BlockReturn::kDrop:
      return ReturnMode::kDrop;
    case pfconf::BlockReturn::kRet:
      return ReturnMode::kRet;
    case pfconf::BlockReturn::kRst:
      return ReturnMode::kRst;
    case pfconf::BlockReturn::kIcmp:
      return ReturnMode::kIcmp;
  }
  return ReturnMode::kDrop;
}

void Compiler::state_spec(const pfconf::Rule& r, StateSpec& s) {
  const pfconf::StateOptions& o = r.state_opts;
  s.max_states = o.max_states;
  s.no_sync = o.no_sync;
  s.sloppy = o.sloppy;
  s.pflow = o.pflow;
  s.if_bound = o.lock == pfconf::StateLock::kIfBound ||
               (o.lock == pfconf::StateLock::kUnset &&
                in_.options.state_policy == pfconf::StatePolicy::kIfBound);
  s.source_track = static_cast<SourceTrack>(o.source_track);
  s.max_src_states = o.max_src_states;
  s.max_src_conn = o.max_src_conn;
  s.max_src_conn_rate_limit = o.max_src_conn_rate_limit;
  s.max_src_conn_rate_seconds = o.max_src_conn_rate_seconds;
  s.max_src_nodes = o.max_src_nodes;
  if (!o.overload_table.empty()) {
    s.has_overload = true;
    s.overload_set = table_set(o.overload_table);
  }
  s.flush = o.flush;
  s.flush_global = o.flush_global;
  static_assert(pfconf::kTimeoutCount == kTimeoutSlots);
  s.timeouts = o.timeouts;
}

bool Compiler::fail(const pfconf::Rule& r, uint32_t nr, const std::string& what) {
  error_ = "rule " + std::to_string(nr) + " (line " + std::to_string(r.line) + "): " + what;
  return false;
}

bool Compiler::rule(const pfconf::Rule& r, uint32_t nr) {
  if (r.probability != 0 && r.probability != UINT32_MAX)
    return fail(r, nr, "probability is not supported");
  if (r.once) return fail(r, nr, "once is not supported");
  if (r.max_pkt_rate_limit != 0) return fail(r, nr, "max-pkt-rate is not supported");
  if (r.max_pkt_size != 0) return fail(r, nr, "max-pkt-size is not supported");
  CompiledRule c;
  c.nr = nr;
  c.action = r.action == pfconf::Action::kPass    ? RuleAction::kPass
             : r.action == pfconf::Action::kBlock ? RuleAction::kBlock
                                                  : RuleAction::kMatch;
  c.quick = r.quick;
  c.log = r.log.enabled;
  c.log_flags = static_cast<uint8_t>((r.log.all ? kLogAll : 0) | (r.log.matches ? kLogMatches : 0) |
                                     (r.log.user ? kLogUser : 0));
  c.log_if = r.log.logif;
  c.dir = static_cast<uint8_t>(r.dir);  // any 0, in 1, out 2
  c.af = r.af == pfconf::Af::kAny     ? 0
         : r.af == pfconf::Af::kInet6 ? static_cast<uint8_t>(Af::kInet6)
                                      : static_cast<uint8_t>(Af::kInet);
  if (!r.ifname.empty()) {
    c.has_if = true;
    c.ifnot = r.ifnot;
    c.if_mask = ports_named(r.ifname);
  }
  if (!r.received_on.empty()) {
    c.has_rcv = true;
    c.rcv_mask = ports_named(r.received_on);
  }
  c.proto = r.proto;
  c.flags = r.flags;
  c.flagset = r.flagset;
  c.icmp_type = r.icmp_type;
  c.icmp_code = r.icmp_code;
  c.sport = port_match(r.src.port);
  c.dport = port_match(r.dst.port);
  if (!address(r.src.addr, c.src) || !address(r.dst.addr, c.dst)) return fail(r, nr, error_);
  c.fragment = r.fragment;
  c.allow_opts = r.allow_opts;
  c.tag = tag_id(r.tag);
  c.tagged = tag_id(r.tagged);
  c.tagged_not = r.tagged_not;
  c.state = c.action == RuleAction::kPass ? static_cast<StateMode>(r.state) : StateMode::kNone;
  c.ret = c.action == RuleAction::kBlock ? return_mode(r.ret.mode) : ReturnMode::kDrop;
  c.rst_ttl = r.ret.rst_ttl;
  c.icmp4_code = r.ret.icmp_code;
  c.icmp6_code = r.ret.icmp6_code;
  if (!r.nat_to.addrs.empty()) {
    c.nat = add_translation(r, r.nat_to, true, nr);
    if (c.nat == kNoRule) return fail(r, nr, error_);
  }
  if (!r.rdr_to.addrs.empty()) {
    c.rdr = add_translation(r, r.rdr_to, false, nr);
    if (c.rdr == kNoRule) return fail(r, nr, error_);
  }
  StateSpec s;
  if (c.state != StateMode::kNone) state_spec(r, s);
  out_->rules.push_back(c);
  out_->states.push_back(s);
  return true;
}

std::unique_ptr<const CompiledRuleset> Compiler::run(std::string& error) {
  if (!check_ports()) {
    error = error_;
    return nullptr;
  }
  add_tables();
  for (const std::string& name : in_.options.skip) out_->skip_mask |= ports_named(name);
  out_->rules.reserve(in_.rules.size());
  for (size_t i = 0; i < in_.rules.size(); ++i) {
    if (!rule(in_.rules[i], static_cast<uint32_t>(i))) {
      error = error_;
      return nullptr;
    }
  }
  if (!statements()) {
    error = error_;
    return nullptr;
  }
  attach_hosts();
  detail::build_classifier(*out_);
  out_->round_robin = std::make_unique<std::atomic<uint64_t>[]>(out_->translations.size());
  return std::move(out_);
}

// The addresses of a pool: hosts and prefixes as written, `(if)` and interface names as the
// interface's first IPv4 address (its network with `:network`), tables as their entries.
bool Compiler::pool_entries(const pfconf::Pool& pool, std::vector<nat::PoolEntry>& out) {
  auto add = [&out](const pfconf::IpAddr& a, uint8_t prefix) {
    nat::PoolEntry e;
    e.addr = state::Addr::v4(a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]);
    e.prefix_len = prefix;
    out.push_back(e);
  };
  for (const pfconf::Address& a : pool.addrs) {
    switch (a.kind) {
      case pfconf::AddrKind::kHost:
        if (a.addr.af != pfconf::Af::kInet) {
          error_ = "IPv6 translation addresses are not supported by dpf yet";
          return false;
        }
        add(a.addr, a.prefix);
        break;
      case pfconf::AddrKind::kDynamic:
      case pfconf::AddrKind::kIfNetwork: {
        const bool network =
            a.kind == pfconf::AddrKind::kIfNetwork || (a.dyn_flags & pfconf::kDynNetwork);
        bool found = false;
        for (const Interface& ifc : ifs_.interfaces) {
          if (!names_interface(ifc, a.name)) continue;
          for (const InterfaceAddress& ia : ifc.addresses) {
            if (ia.addr.af != pfconf::Af::kInet) continue;
            uint8_t bits = network ? ia.prefix : 32;
            if (a.has_prefix) bits = a.prefix;
            pfconf::IpAddr net = ia.addr;
            const uint32_t v = (uint32_t{net.bytes[0]} << 24) | (uint32_t{net.bytes[1]} << 16) |
                               (uint32_t{net.bytes[2]} << 8) | net.bytes[3];
            const uint32_t m = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
            for (int i = 0; i < 4; ++i)
              net.bytes[i] = static_cast<uint8_t>((v & m) >> (24 - 8 * i));
            add(bits == 32 ? ia.addr : net, bits);
            found = true;
            break;
          }
          if (found) break;
        }
        if (!found) {
          error_ = "translation address (" + a.name + ") names no interface with an IPv4 address";
          return false;
        }
        break;
      }
      case pfconf::AddrKind::kTable: {
        const pfconf::Table* t = nullptr;
        for (const pfconf::Table& x : in_.tables)
          if (x.name == a.name) t = &x;
        if (t != nullptr) {
          for (const pfconf::TableEntry& e : t->entries) {
            if (e.addr.negated || e.addr.addr.af != pfconf::Af::kInet) continue;
            add(e.addr.addr, e.addr.prefix);
          }
        }
        break;
      }
      default:
        error_ = "this kind of translation address is not supported by dpf";
        return false;
    }
  }
  if (out.empty()) {
    error_ = "the translation pool has no IPv4 address";
    return false;
  }
  return true;
}

// A rule's pool as a Translation; kNoRule (and error_) when it cannot be used.
uint32_t Compiler::add_translation(const pfconf::Rule& r, const pfconf::Pool& pool, bool source,
                                   uint32_t nr) {
  Translation t;
  t.kind = source ? Translation::Kind::kNat : Translation::Kind::kRdr;
  t.source = source;
  t.type = static_cast<nat::PoolType>(pool.type);
  static_assert(static_cast<int>(pfconf::PoolType::kRoundRobin) ==
                static_cast<int>(nat::PoolType::kRoundRobin));
  if (pool.type == pfconf::PoolType::kSourceHash) t.key = pool.key;
  if (!pool_entries(pool, t.entries)) return kNoRule;
  // A table or several addresses are walked round-robin, as pfctl makes them.
  if (t.entries.size() > 1 && t.type != nat::PoolType::kRoundRobin)
    t.type = nat::PoolType::kRoundRobin;
  t.port_lo = pool.proxy_port_lo;
  t.port_hi = pool.proxy_port_hi;
  t.static_port = source && pool.proxy_port_lo == 0 && pool.proxy_port_hi == 0;
  t.sticky = pool.sticky;
  t.dst_port_lo = r.dst.port.op == pfconf::PortOp::kNone ? 0 : r.dst.port.lo;
  t.nr = nr;
  out_->translations.push_back(std::move(t));
  return static_cast<uint32_t>(out_->translations.size() - 1);
}

// The nat, rdr and binat statements, compiled as an inner ruleset of quick pass rules in pf's
// order (binat and nat out, rdr and binat in), each carrying its translation.
bool Compiler::statements() {
  if (in_.translations.empty()) return true;
  pfconf::Ruleset sub;
  sub.options = in_.options;
  sub.tables = in_.tables;
  struct Origin {
    size_t statement;
    bool binat_in;
  };
  std::vector<Origin> origins;
  auto add = [&](const pfconf::Rule& t, size_t i, pfconf::Direction dir, bool binat_in) {
    if (!t.anchor.empty()) return;  // an anchor call: no rules can be loaded into it yet
    pfconf::Rule f = t;
    f.action = pfconf::Action::kPass;
    f.quick = true;
    f.dir = dir;
    f.state = pfconf::StateMode::kNone;
    f.translation = pfconf::TranslationKind::kNone;
    if (t.no_translation) {
      f.nat_to = {};
      f.rdr_to = {};
    } else if (binat_in) {
      // Inbound to the external address: the destination goes back to the rule's source.
      f.src = t.dst;
      f.dst = {};
      f.dst.addr = t.nat_to.addrs.at(0);
      f.nat_to = {};
      f.rdr_to = {};
      f.rdr_to.addrs = {t.src.addr};
      f.rdr_to.type = pfconf::PoolType::kBitmask;
    } else if (t.translation == pfconf::TranslationKind::kBinat) {
      f.nat_to.type = pfconf::PoolType::kBitmask;
      f.nat_to.proxy_port_lo = f.nat_to.proxy_port_hi = 0;  // binat keeps ports
    }
    sub.rules.push_back(std::move(f));
    origins.push_back({i, binat_in});
  };
  using K = pfconf::TranslationKind;
  const auto& ts = in_.translations;
  for (size_t i = 0; i < ts.size(); ++i)
    if (ts[i].translation == K::kBinat) add(ts[i], i, pfconf::Direction::kOut, false);
  for (size_t i = 0; i < ts.size(); ++i)
    if (ts[i].translation == K::kNat) add(ts[i], i, pfconf::Direction::kOut, false);
  for (size_t i = 0; i < ts.size(); ++i)
    if (ts[i].translation == K::kRdr) add(ts[i], i, pfconf::Direction::kIn, false);
  for (size_t i = 0; i < ts.size(); ++i)
    if (ts[i].translation == K::kBinat) add(ts[i], i, pfconf::Direction::kIn, true);
  Compiler inner(sub, ifs_, resolve_hosts_);
  std::string error;
  auto compiled = inner.run(error);
  if (!compiled) {
    error_ = error;
    return false;
  }
  // pfctl's @N: the statement's position among the statements of its kind.
  std::vector<uint32_t> nr(ts.size());
  std::array<uint32_t, 4> per_kind{};
  for (size_t i = 0; i < ts.size(); ++i) nr[i] = per_kind[static_cast<size_t>(ts[i].translation)]++;
  auto& out = const_cast<CompiledRuleset&>(*compiled);
  for (size_t i = 0; i < out.rules.size(); ++i) {
    const pfconf::Rule& t = ts[origins[i].statement];
    for (uint32_t x : {out.rules[i].nat, out.rules[i].rdr}) {
      if (x == kNoRule) continue;
      Translation& tr = out.translations[x];
      tr.kind = t.translation == K::kNat   ? Translation::Kind::kNat
                : t.translation == K::kRdr ? Translation::Kind::kRdr
                                           : Translation::Kind::kBinat;
      tr.pass = t.natpass;
      tr.nr = nr[origins[i].statement];
    }
  }
  out_->statements = std::move(compiled);
  return true;
}

// Overload tables take hosts at run time: give each its HostSet and mark every address match
// on it, so that evaluation consults the hosts and the classifier does not index by the table.
void Compiler::attach_hosts() {
  out_->hosts.assign(out_->sets.size(), nullptr);
  for (const StateSpec& s : out_->states) {
    if (!s.has_overload || out_->hosts[s.overload_set] != nullptr) continue;
    const std::string& key = out_->set_names[s.overload_set];  // "<name>"
    HostSet* h = resolve_hosts_ ? resolve_hosts_(key.substr(1, key.size() - 2)) : nullptr;
    if (h == nullptr) {
      out_->own_hosts.push_back(std::make_unique<HostSet>());
      h = out_->own_hosts.back().get();
    }
    out_->hosts[s.overload_set] = h;
  }
  for (CompiledRule& r : out_->rules) {
    for (AddrMatch* m : {&r.src, &r.dst}) {
      if (m->kind == AddrKind::kSet && out_->hosts[m->set] != nullptr) m->hosts = true;
    }
  }
}

}  // namespace

uint16_t CompiledRuleset::tag_id(const std::string& name) const {
  for (size_t i = 0; i < tag_names.size(); ++i) {
    if (tag_names[i] == name) return static_cast<uint16_t>(i + 1);
  }
  return 0;
}

std::unique_ptr<const CompiledRuleset> compile(const pfconf::Ruleset& ruleset,
                                               const InterfaceMap& interfaces, std::string& error,
                                               const HostResolver& hosts) {
  Compiler c(ruleset, interfaces, hosts);
  return c.run(error);
}

}  // namespace dpf::filter
