// pfctl's rule printer order (sbin/pfctl/pfctl_parser.c print_rule): action, return mode,
// direction, log, quick, interface, af, proto, from/to, flags, icmp type, state, probability,
// state options, fragment/allow-opts, labels, tag, tagged, nat-to/binat-to/af-to, rdr-to.
// nat/rdr/binat statements print with the words that apply to them and `-> pool` (print_pool);
// nat-anchor/rdr-anchor/binat-anchor calls with the anchor's quoted name and no pool.
#include "control/pfconf/print.h"

#include <cstdio>

#include "control/pfconf/address.h"
#include "control/pfconf/names.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::pfconf {
namespace {

std::string port_text(const PortSpec& p, uint8_t proto, bool numeric) {
  std::string a = std::to_string(p.lo);
  std::string b = std::to_string(p.hi);
  if (!numeric && (p.op == PortOp::kEq || p.op == PortOp::kNe)) {
    std::string_view name = service_name(p.lo, proto == wire::kIpProtoTcp);
    if (!name.empty()) a = std::string(name);
  }
  switch (p.op) {
    case PortOp::kNone:
      return "";
    case PortOp::kEq:
      return " port = " + a;
    case PortOp::kNe:
      return " port != " + a;
    case PortOp::kLt:
      return " port < " + a;
    case PortOp::kLe:
      return " port <= " + a;
    case PortOp::kGt:
      return " port > " + a;
    case PortOp::kGe:
      return " port >= " + a;
    case PortOp::kRangeInclusive:
      return " port " + a + ":" + b;
    case PortOp::kRangeExclusive:
      return " port " + a + " >< " + b;
    case PortOp::kRangeOutside:
      return " port " + a + " <> " + b;
  }
  return "";
}

std::string endpoint_text(const Endpoint& e, uint8_t proto, bool numeric) {
  std::string s = e.addr.negated ? "! " : "";
  s += format_address(e.addr);
  s += port_text(e.port, proto, numeric);
  return s;
}

std::string flags_text(uint8_t f) {
  std::string s;
  for (size_t i = 0; i < kTcpFlagLetters.size(); ++i) {
    if (f & (1u << i)) s.push_back(kTcpFlagLetters[i]);
  }
  return s;
}

std::string icmp_code_text(uint8_t type, uint8_t code, bool inet6) {
  std::string_view n = icmp_code_name(type, code, inet6);
  return n.empty() ? std::to_string(code) : std::string(n);
}

void append_return(std::string& s, const Rule& r) {
  switch (r.ret.mode) {
    case BlockReturn::kDrop:
      s += " drop";
      return;
    case BlockReturn::kRet:
      s += " return";
      return;
    case BlockReturn::kRst:
      s += r.ret.rst_ttl ? " return-rst(ttl " + std::to_string(r.ret.rst_ttl) + ")" : " return-rst";
      return;
    case BlockReturn::kIcmp:
      break;
  }
  std::string v4 = icmp_code_text(wire::kIcmpUnreach, r.ret.icmp_code, false);
  std::string v6 = icmp_code_text(wire::kIcmpv6Unreach, r.ret.icmp6_code, true);
  if (r.af == Af::kInet) {
    s += " return-icmp(" + v4 + ")";
  } else if (r.af == Af::kInet6) {
    s += " return-icmp6(" + v6 + ")";
  } else {
    s += " return-icmp(" + v4 + ", " + v6 + ")";
  }
}

void append_log(std::string& s, const LogSpec& log) {
  if (!log.enabled) return;
  s += " log";
  if (!(log.all || log.matches || log.user || log.logif)) return;
  std::string inner;
  auto add = [&](const std::string& item) { inner += (inner.empty() ? "" : ", ") + item; };
  if (log.all) add("all");
  if (log.matches) add("matches");
  if (log.user) add("user");
  if (log.logif) add("to pflog" + std::to_string(log.logif));
  s += " (" + inner + ")";
}

void append_icmp(std::string& s, const Rule& r) {
  if (!r.icmp_type) return;
  bool inet6 = r.af == Af::kInet6;
  uint8_t type = static_cast<uint8_t>(r.icmp_type - 1);
  s += inet6 ? " icmp6-type " : " icmp-type ";
  std::string_view name = icmp_type_name(type, inet6);
  s += name.empty() ? std::to_string(type) : std::string(name);
  if (r.icmp_code)
    s += " code " + icmp_code_text(type, static_cast<uint8_t>(r.icmp_code - 1), inet6);
}

std::string probability_text(uint32_t prob) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%f", prob * 100.0 / 4294967296.0);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// The `(…)` list after keep/modulate/synproxy state, in pfctl's order and with its quirk that
// an overload entry does not reset the separator.
void append_state_options(std::string& s, const StateOptions& o) {
  bool any_timeout = false;
  for (uint32_t t : o.timeouts) any_timeout = any_timeout || t != 0;
  bool show = o.max_states || o.max_src_nodes || o.max_src_states || o.no_sync ||
              o.source_track != SourceTrack::kNone || o.lock == StateLock::kIfBound || o.sloppy ||
              o.pflow || any_timeout;
  if (!show) return;
  std::string inner;
  bool first = true;
  auto add = [&](const std::string& item, bool resets = true) {
    if (!first) inner += ", ";
    inner += item;
    if (resets) first = false;
  };
  if (o.max_states) add("max " + std::to_string(o.max_states));
  if (o.no_sync) add("no-sync");
  if (o.source_track != SourceTrack::kNone) {
    add(o.source_track == SourceTrack::kRule ? "source-track rule" : "source-track global");
  }
  if (o.max_src_states) add("max-src-states " + std::to_string(o.max_src_states));
  if (o.max_src_conn) add("max-src-conn " + std::to_string(o.max_src_conn));
  if (o.max_src_conn_rate_limit) {
    add("max-src-conn-rate " + std::to_string(o.max_src_conn_rate_limit) + "/" +
        std::to_string(o.max_src_conn_rate_seconds));
  }
  if (o.max_src_nodes) add("max-src-nodes " + std::to_string(o.max_src_nodes));
  if (!o.overload_table.empty()) {
    std::string item = "overload <" + o.overload_table + ">";
    if (o.flush) item += " flush";
    if (o.flush_global) item += " global";
    add(item, false);
  }
  if (o.lock == StateLock::kIfBound) add("if-bound");
  if (o.sloppy) add("sloppy");
  if (o.pflow) add("pflow");
  for (size_t i = 0; i < o.timeouts.size(); ++i) {
    if (!o.timeouts[i]) continue;
    add(std::string(timeout_name(static_cast<Timeout>(i))) + " " + std::to_string(o.timeouts[i]));
  }
  s += " (" + inner + ")";
}

void append_state(std::string& s, const Rule& r) {
  switch (r.state) {
    case StateMode::kNone:
      if (r.action == Action::kPass) s += " no state";
      break;
    case StateMode::kKeep:
      s += " keep state";
      break;
    case StateMode::kModulate:
      s += " modulate state";
      break;
    case StateMode::kSynproxy:
      s += " synproxy state";
      break;
  }
  if (r.probability) s += " probability " + probability_text(r.probability) + "%";
  append_state_options(s, r.state_opts);
}

void append_addresses(std::string& s, const Rule& r, bool numeric) {
  bool all = r.src.addr.kind == AddrKind::kAny && r.dst.addr.kind == AddrKind::kAny &&
             !r.src.addr.negated && !r.dst.addr.negated && r.src.port.op == PortOp::kNone &&
             r.dst.port.op == PortOp::kNone;
  if (all) {
    s += " all";
  } else {
    s += " from " + endpoint_text(r.src, r.proto, numeric);
    s += " to " + endpoint_text(r.dst, r.proto, numeric);
  }
  if (!r.received_on.empty()) s += " received-on " + r.received_on;
}

std::string hex_key(const std::array<uint8_t, 16>& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "0x";
  for (uint8_t b : key) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

// A pool as pfctl's print_pool writes it: braces only around several addresses; nat ports
// unless they are the default range (and static-port for 0/0), rdr ports as `p` or `p:q`.
std::string pool_text(const Pool& p, TranslationKind kind) {
  std::string s = p.addrs.size() > 1 ? "{ " : "";
  for (size_t i = 0; i < p.addrs.size(); ++i) {
    s += (i == 0 ? "" : ", ") + format_address(p.addrs[i]);
  }
  if (p.addrs.size() > 1) s += " }";
  uint16_t lo = p.proxy_port_lo;
  uint16_t hi = p.proxy_port_hi;
  if (kind == TranslationKind::kNat) {
    bool dflt = lo == kNatProxyPortLow && hi == kNatProxyPortHigh;
    if (!dflt && (lo != 0 || hi != 0)) {
      s += " port " + std::to_string(lo);
      if (lo != hi) s += ":" + std::to_string(hi);
    }
  } else if (kind == TranslationKind::kRdr && lo != 0) {
    s += " port " + std::to_string(lo);
    if (hi != 0 && hi != lo) s += ":" + std::to_string(hi);
  }
  switch (p.type) {
    case PoolType::kNone:
      break;
    case PoolType::kBitmask:
      s += " bitmask";
      break;
    case PoolType::kRandom:
      s += " random";
      break;
    case PoolType::kSourceHash:
      s += " source-hash";
      if (p.has_key) s += " " + hex_key(p.key);
      break;
    case PoolType::kRoundRobin:
      s += " round-robin";
      break;
  }
  if (p.sticky) s += " sticky-address";
  if (kind == TranslationKind::kNat && lo == 0 && hi == 0) s += " static-port";
  if (p.endpoint_independent) s += " endpoint-independent";
  if (p.mape_offset > 0) {
    s += " map-e-portset " + std::to_string(p.mape_offset) + "/" + std::to_string(p.mape_psidlen) +
         "/" + std::to_string(p.mape_psid);
  }
  return s;
}

void append_translation_targets(std::string& s, const Rule& r) {
  if (r.af_to != Af::kAny) {
    s += r.af_to == Af::kInet ? " af-to inet from " : " af-to inet6 from ";
    s += pool_text(r.nat_to, TranslationKind::kNat);
    if (!r.rdr_to.addrs.empty()) s += " to " + pool_text(r.rdr_to, TranslationKind::kRdr);
    return;
  }
  if (!r.nat_to.addrs.empty()) {
    s += r.binat_to ? " binat-to " : " nat-to ";
    s += pool_text(r.nat_to, r.binat_to ? TranslationKind::kBinat : TranslationKind::kNat);
  }
  if (!r.rdr_to.addrs.empty()) s += " rdr-to " + pool_text(r.rdr_to, TranslationKind::kRdr);
}

std::string proto_text(uint8_t proto) {
  std::string_view name = protocol_name(proto);
  return " proto " + (name.empty() ? std::to_string(proto) : std::string(name));
}

// pfctl's print_rule for a nat/rdr/binat statement: the filter-rule words that apply, then
// `-> pool` unless it is a `no` rule or an anchor call (`nat-anchor "name"`, no pool).
std::string print_translation(const Rule& r, const PrintOptions& options) {
  std::string_view kind = r.translation == TranslationKind::kNat   ? "nat"
                          : r.translation == TranslationKind::kRdr ? "rdr"
                                                                   : "binat";
  std::string s;
  if (!r.anchor.empty()) {
    s = std::string(kind) + "-anchor \"" + r.anchor + "\"";
  } else {
    s = (r.no_translation ? "no " : "") + std::string(kind);
    if (r.natpass) s += " pass";
  }
  append_log(s, r.log);
  if (!r.ifname.empty()) s += (r.ifnot ? " on ! " : " on ") + r.ifname;
  if (r.af == Af::kInet) s += " inet";
  if (r.af == Af::kInet6) s += " inet6";
  if (r.proto) s += proto_text(r.proto);
  append_addresses(s, r, options.numeric_ports);
  if (!r.tag.empty()) s += " tag " + r.tag;
  if (!r.tagged.empty()) s += (r.tagged_not ? " ! tagged " : " tagged ") + r.tagged;
  if (r.no_translation || !r.anchor.empty()) return s;
  bool rdr = r.translation == TranslationKind::kRdr;
  s += " -> " + pool_text(rdr ? r.rdr_to : r.nat_to, r.translation);
  return s;
}

}  // namespace

std::string print_rule(const Rule& r, const PrintOptions& options) {
  if (r.translation != TranslationKind::kNone) return print_translation(r, options);
  std::string s = r.action == Action::kPass    ? "pass"
                  : r.action == Action::kBlock ? "block"
                                               : "match";
  if (r.action == Action::kBlock) append_return(s, r);
  if (r.dir == Direction::kIn) s += " in";
  if (r.dir == Direction::kOut) s += " out";
  append_log(s, r.log);
  if (r.quick) s += " quick";
  if (!r.ifname.empty()) s += (r.ifnot ? " on ! " : " on ") + r.ifname;
  if (r.af == Af::kInet) s += " inet";
  if (r.af == Af::kInet6) s += " inet6";
  if (r.proto) s += proto_text(r.proto);
  append_addresses(s, r, options.numeric_ports);
  if (r.flags || r.flagset) {
    s += " flags " + flags_text(r.flags) + "/" + flags_text(r.flagset);
  } else if (r.action == Action::kPass && (r.proto == 0 || r.proto == wire::kIpProtoTcp) &&
             !r.fragment && r.state != StateMode::kNone) {
    s += " flags any";
  }
  append_icmp(s, r);
  if (r.max_pkt_rate_limit) {
    s += " max-pkt-rate " + std::to_string(r.max_pkt_rate_limit) + "/" +
         std::to_string(r.max_pkt_rate_seconds);
  }
  if (r.max_pkt_size) s += " max-pkt-size " + std::to_string(r.max_pkt_size);
  append_state(s, r);
  if (r.fragment) s += " fragment";
  if (r.allow_opts) s += " allow-opts";
  for (const std::string& l : r.labels) s += " label \"" + l + "\"";
  if (r.ridentifier) s += " ridentifier " + std::to_string(r.ridentifier);
  if (!r.tag.empty()) s += " tag " + r.tag;
  if (!r.tagged.empty()) s += (r.tagged_not ? " ! tagged " : " tagged ") + r.tagged;
  append_translation_targets(s, r);
  if (r.once) s += " once";
  return s;
}

std::string print_table(const Table& t) {
  std::string s = "table <" + t.name + ">";
  if (t.constant) s += " const";
  if (t.persist) s += " persist";
  if (t.counters) s += " counters";
  bool in_group = false;
  for (const TableSource& src : t.sources) {
    if (src.is_file) {
      if (in_group) s += " }";
      in_group = false;
      s += " file \"" + src.file + "\"";
      continue;
    }
    if (!in_group) s += " {";
    in_group = true;
    for (const TableEntry& e : src.entries) {
      s += e.addr.negated ? " !" : " ";
      s += format_address(e.addr);
    }
  }
  if (in_group) s += " }";
  return s;
}

std::string print_ruleset(const Ruleset& rs, const PrintOptions& options) {
  std::string out;
  if (options.definitions) {
    for (const Definition& d : rs.definitions) {
      switch (d.kind) {
        case DefinitionKind::kMacro:
          out += d.name + " = \"" + d.value + "\"\n";
          break;
        case DefinitionKind::kSetLine:
          out += "set " + d.value + "\n";
          break;
        case DefinitionKind::kTable:
          out += print_table(rs.tables[d.table]) + "\n";
          break;
      }
    }
  }
  // pfctl loads (and with -v prints) the nat, then the rdr, then the binat ruleset, then the
  // filter rules.
  for (TranslationKind k :
       {TranslationKind::kNat, TranslationKind::kRdr, TranslationKind::kBinat}) {
    for (const Rule& r : rs.translations) {
      if (r.translation == k) out += print_rule(r, options) + "\n";
    }
  }
  for (const Rule& r : rs.rules) out += print_rule(r, options) + "\n";
  return out;
}

}  // namespace dpf::pfconf
