// pf's translation grammar: the nat, rdr and binat statements (with `no` and `pass`), and the
// address pools they and the nat-to/rdr-to/binat-to options of pass/match rules translate to:
//   [no] nat|rdr|binat [pass [log …]] [on ifspec] [af] [proto …] fromto [tag t] [[!] tagged t]
//        [-> pool]
//   pool = host | { host, … } [port p[:q|:*]] [bitmask|random|source-hash [key]|round-robin]
//          [sticky-address] [static-port] [map-e-portset o/l/id] [endpoint-independent]
// af-to AF from pool [to pool] (OpenBSD's nat64) fills the same two pools in the other family.
// nat-anchor, rdr-anchor and binat-anchor call an anchor from the translation ruleset of
// their kind:
//   nat-anchor|rdr-anchor|binat-anchor name [on ifspec] [af] [proto …] fromto
// pf.conf(5), TRANSLATION and POOL OPTIONS. Pools are finished per expanded rule (finish_pool):
// only addresses of the rule's family stay, and pfctl's round-robin default is applied.
#include <algorithm>
#include <charconv>

#include "control/pfconf/address.h"
#include "control/pfconf/md5.h"
#include "control/pfconf/parser_impl.h"

namespace dpf::pfconf::detail {
namespace {

std::string_view af_name(Af af) {
  return af == Af::kInet ? "inet" : "inet6";
}

// A decimal or 0x-prefixed hexadecimal number, as strtoul(…, 0) reads map-e-portset values.
bool parse_number(std::string_view s, uint32_t& v) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

// Words that follow an anchor call's name in pfctl's grammar, where pfctl lexes them as
// keywords: unquoted, they are a missing name rather than a name.
constexpr std::string_view kAnchorCallWords[] = {"on",    "in",  "out",  "inet", "inet6",
                                                 "proto", "all", "from", "to",   "rtable"};

// pf's limits on an anchor path (MAXPATHLEN - 1) and on each of its components
// (PF_ANCHOR_NAME_SIZE - 1).
constexpr size_t kAnchorPathMax = 1023;
constexpr size_t kAnchorNameMax = 63;

bool is_pool_option(const Token& t) {
  for (std::string_view o : {"bitmask", "random", "source-hash", "round-robin", "sticky-address",
                             "static-port", "map-e-portset", "endpoint-independent"}) {
    if (t.is(o)) return true;
  }
  return false;
}

}  // namespace

void Parser::translation_rule() {
  Token first = take();
  bool no = first.is("no");
  Token kw = no ? expect_string("nat, rdr or binat after 'no'") : first;
  RuleSpec spec;
  Rule& r = spec.base;
  if (kw.is("nat")) {
    r.translation = TranslationKind::kNat;
  } else if (kw.is("rdr")) {
    r.translation = TranslationKind::kRdr;
  } else if (kw.is("binat")) {
    r.translation = TranslationKind::kBinat;
  } else if (kw.is("scrub")) {
    fail(first, "'no scrub' rules are not supported");
  } else {
    fail(kw, "syntax error: expected nat, rdr or binat after 'no'");
  }
  r.action = Action::kMatch;
  r.state = StateMode::kNone;
  r.no_translation = no;
  r.line = first.line;
  spec.col = first.col;
  spec.file = first.file;
  if (accept_word("pass")) {
    r.natpass = true;
    if (peek().is("log")) log_spec(spec);
  }
  criteria(spec);
  while (true) {
    if (accept_word("tag")) {
      r.tag = expect_string("a tag name").text;
    } else if (peek().is("tagged") || (peek().punct("!") && peek(1).is("tagged"))) {
      r.tagged_not = take().punct("!");
      if (r.tagged_not) take();
      r.tagged = expect_string("a tag name").text;
    } else {
      break;
    }
  }
  const Token& arrow = peek();
  if (no) {
    if (arrow.punct("->")) fail(arrow, "translation rule with 'no' does not need '->'");
  } else {
    if (!arrow.punct("->")) fail(arrow, "translation rule requires '-> address'");
    take();
    bool rdr = r.translation == TranslationKind::kRdr;
    pool_spec(spec, rdr ? r.rdr_to : r.nat_to, r.translation);
  }
  expand_rule(spec);
}

// A call of an anchor from a translation ruleset (pf.conf(5), ANCHORS). As in pfctl's grammar
// there is no direction, log, tag or pool; rdr-anchor takes at most one destination port, with
// `=`, and no source port; binat-anchor one protocol and no addresses or ports, and pfctl drops
// its interface (it never copies it into the rule), so it is dropped here too.
void Parser::translation_anchor() {
  Token kw = take();
  RuleSpec spec;
  Rule& r = spec.base;
  r.translation = kw.is("nat-anchor")   ? TranslationKind::kNat
                  : kw.is("rdr-anchor") ? TranslationKind::kRdr
                                        : TranslationKind::kBinat;
  r.action = Action::kMatch;
  r.state = StateMode::kNone;
  r.line = kw.line;
  spec.col = kw.col;
  spec.file = kw.file;
  bool keyword = false;
  for (std::string_view w : kAnchorCallWords) keyword = keyword || peek().is(w);
  if (keyword || (peek().kind != TokKind::kWord && peek().kind != TokKind::kQuoted)) {
    fail(peek(), "syntax error: " + kw.text + " needs an anchor name");
  }
  Token name = take();
  anchor_name(name);
  r.anchor = name.text;
  criteria(spec);
  if (peek().is("rtable")) fail(peek(), "'rtable' is not supported");
  const std::string in = " not supported in " + kw.text;
  if (r.translation == TranslationKind::kRdr) {
    if (!spec.src_ports.empty()) fail(kw, "source port parameter" + in);
    if (spec.dst_ports.size() > 1) fail(kw, "destination port list expansion" + in);
    if (!spec.dst_ports.empty() && spec.dst_ports[0].op != PortOp::kEq) {
      fail(kw, "destination port operators" + in);
    }
  } else if (r.translation == TranslationKind::kBinat) {
    if (spec.protos.size() > 1) fail(kw, "proto list expansion" + in);
    bool hosts = !spec.src_ports.empty() || !spec.dst_ports.empty();
    for (const std::vector<Address>* list : {&spec.src_hosts, &spec.dst_hosts}) {
      for (const Address& a : *list) hosts = hosts || a.kind != AddrKind::kAny || a.negated;
    }
    if (hosts) fail(kw, "fromto parameter" + in);
    spec.interfaces.clear();
  }
  expand_rule(spec);
}

// An anchor path as pf takes it: components separated by `/`, a leading `/` for a path from
// the main ruleset, `*` for every child of an anchor. Names beginning with `_` are pfctl's own
// (its unnamed anchors, which print without a name).
void Parser::anchor_name(const Token& name) {
  const std::string& n = name.text;
  if (n.empty() || n.back() == '/') fail(name, "invalid anchor name \"" + n + "\"");
  if (n[0] == '_' || n.find("/_") != std::string::npos) {
    fail(name, "anchor names beginning with '_' are reserved for internal use");
  }
  if (n.size() > kAnchorPathMax) {
    fail(name, "anchor name too long, max " + std::to_string(kAnchorPathMax) + " chars");
  }
  for (size_t start = 0; start < n.size();) {
    size_t end = std::min(n.find('/', start), n.size());
    if (end - start > kAnchorNameMax) {
      fail(name,
           "anchor name component too long, max " + std::to_string(kAnchorNameMax) + " chars");
    }
    start = end + 1;
  }
}

// The `-> …` of a translation statement or the target of nat-to/rdr-to/binat-to. `kind` says
// which port semantics apply: nat (source ports), rdr (destination ports) or binat (none).
void Parser::pool_spec(RuleSpec& spec, Pool& pool, TranslationKind kind) {
  std::vector<bool>& literal = kind == TranslationKind::kRdr ? spec.rdr_literal : spec.nat_literal;
  // af-to pools are of the family translated to.
  const Af want = spec.base.af_to != Af::kAny ? spec.base.af_to : spec.base.af;
  auto item = [&] {
    const Token& t = peek();
    if (t.punct("!")) fail(t, "a translation address cannot be negated");
    if (t.is("any") || t.is("no-route") || t.is("urpf-failed")) {
      fail(t, "invalid translation address " + t.text);
    }
    Token at = t;
    bool is_literal = at.kind == TokKind::kWord &&
                      (parse_ipv4(at.text, true).has_value() || parse_ipv6(at.text).has_value());
    size_t before = pool.addrs.size();
    host_item(pool.addrs);
    for (size_t i = before; i < pool.addrs.size(); ++i) {
      const Address& a = pool.addrs[i];
      if (a.kind == AddrKind::kRange || a.kind == AddrKind::kSelf ||
          a.kind == AddrKind::kIfNetwork) {
        fail(at, "invalid translation address " + at.text);
      }
      if (is_literal && want != Af::kAny && a.addr.af != want) {
        fail(at, "translation address " + at.text + " is " + std::string(af_name(a.addr.af)) +
                     (spec.base.af_to != Af::kAny ? " but af-to is " : " but the rule is ") +
                     std::string(af_name(want)));
      }
      literal.push_back(is_literal);
    }
  };
  Token open = peek();
  if (accept_punct("{")) {
    while (!accept_punct("}")) {
      if (accept_punct(",")) continue;
      if (at_end_of_statement()) fail(peek(), "syntax error: unterminated address list");
      item();
    }
    if (pool.addrs.empty()) fail(open, "empty translation address list");
  } else {
    item();
  }
  bool port_given = false;
  if (peek().is("port")) {
    Token kw = take();
    if (kind == TranslationKind::kBinat) fail(kw, "binat rules cannot translate ports");
    pool_port(spec, pool, kind);
    port_given = true;
  } else if (kind == TranslationKind::kNat) {
    pool.proxy_port_lo = kNatProxyPortLow;
    pool.proxy_port_hi = kNatProxyPortHigh;
  }
  bool type_given = false;
  while (is_pool_option(peek())) pool_option(pool, kind, port_given, type_given);
}

// `port p`, `port p:q`, and for rdr `port p:*` (the rule's destination range moved to p).
void Parser::pool_port(RuleSpec& spec, Pool& pool, TranslationKind kind) {
  Token t = expect_string("a port");
  size_t colon = t.text.find(':');
  Token lo = t;
  Token hi = t;
  if (colon != std::string::npos) {
    lo.text = t.text.substr(0, colon);
    hi.text = t.text.substr(colon + 1);
  }
  pool.proxy_port_lo = port_value(lo);
  if (pool.proxy_port_lo == 0) fail(t, "invalid translation port " + t.text + " (port 0)");
  if (colon == std::string::npos) {
    pool.proxy_port_hi = pool.proxy_port_lo;
    return;
  }
  if (hi.text == "*") {
    if (kind != TranslationKind::kRdr) fail(t, "'port " + t.text + "' is only valid with rdr");
    spec.rdr_star = true;
    pool.proxy_port_hi = pool.proxy_port_lo;
    return;
  }
  pool.proxy_port_hi = port_value(hi);
  if (pool.proxy_port_hi < pool.proxy_port_lo)
    fail(t, "invalid port range " + t.text + " (reversed)");
}

void Parser::pool_option(Pool& pool, TranslationKind kind, bool port_given, bool& type_given) {
  Token kw = take();
  auto nat_only = [&] {
    if (kind != TranslationKind::kNat) {
      fail(kw, "the '" + kw.text + "' option is only valid with nat rules");
    }
  };
  auto type = [&](PoolType t) {
    if (type_given) fail(kw, "pool type cannot be redefined");
    type_given = true;
    pool.type = t;
  };
  if (kw.is("bitmask")) {
    type(PoolType::kBitmask);
  } else if (kw.is("random")) {
    type(PoolType::kRandom);
  } else if (kw.is("round-robin")) {
    type(PoolType::kRoundRobin);
  } else if (kw.is("source-hash")) {
    type(PoolType::kSourceHash);
    source_hash_key(pool);
  } else if (kw.is("sticky-address")) {
    if (pool.sticky) fail(kw, "sticky-address cannot be redefined");
    pool.sticky = true;
  } else if (kw.is("static-port")) {
    nat_only();
    if (port_given) fail(kw, "the 'static-port' option can't be used when specifying a port range");
    pool.proxy_port_lo = 0;
    pool.proxy_port_hi = 0;
  } else if (kw.is("endpoint-independent")) {
    nat_only();
    pool.endpoint_independent = true;
  } else {  // map-e-portset offset/psid-len/psid, RFC 7597 §5.1
    nat_only();
    uint32_t v[3] = {};
    for (int i = 0; i < 3; ++i) {
      if (i > 0) expect_punct("/");
      Token n = expect_string("a map-e-portset value");
      if (!parse_number(n.text, v[i])) fail(n, "invalid map-e-portset value " + n.text);
    }
    if (v[0] == 0 || v[0] > 15 || v[1] > 16 || v[0] + v[1] > 16 || v[2] >= (1u << v[1])) {
      fail(kw, "invalid map-e-portset " + std::to_string(v[0]) + "/" + std::to_string(v[1]) + "/" +
                   std::to_string(v[2]));
    }
    pool.mape_offset = static_cast<uint8_t>(v[0]);
    pool.mape_psidlen = static_cast<uint8_t>(v[1]);
    pool.mape_psid = static_cast<uint16_t>(v[2]);
  }
}

// `source-hash 0x<32 hex digits>` or `source-hash "string"` (the key is the string's MD5, as
// pfctl makes it); without a key the data path picks one at load time.
void Parser::source_hash_key(Pool& pool) {
  const Token& t = peek();
  if (t.kind == TokKind::kQuoted) {
    pool.key = md5(take().text);
    pool.has_key = true;
    return;
  }
  if (t.kind != TokKind::kWord || !t.text.starts_with("0x")) return;
  Token k = take();
  std::string_view hex = std::string_view(k.text).substr(2);
  if (hex.size() != 32) fail(k, "invalid source-hash key " + k.text + " (needs 32 hex digits)");
  for (size_t i = 0; i < 16; ++i) {
    uint32_t byte = 0;
    auto [ptr, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, byte, 16);
    if (ec != std::errc() || ptr != hex.data() + 2 * i + 2) {
      fail(k, "invalid source-hash key " + k.text + " (needs 32 hex digits)");
    }
    pool.key[i] = static_cast<uint8_t>(byte);
  }
  pool.has_key = true;
}

// Per expanded rule: keeps the pool's addresses of the rule's family (inferring the family
// from the pool when the rule has none), applies pfctl's round-robin default for several
// addresses, a table or an interface, and checks what the pool type allows.
void Parser::finish_pool(const RuleSpec& spec, Rule& r, Pool& pool, TranslationKind kind) {
  Token here{TokKind::kWord, "", r.line, spec.col, spec.file};
  if (r.af_to != Af::kAny) {
    if (r.af == Af::kAny) fail(here, "af-to needs the rule's address family (inet or inet6)");
    if (r.af == r.af_to) fail(here, "af-to must translate to the other address family");
  } else if (r.af == Af::kAny) {
    Af seen = Af::kAny;
    bool mixed = false;
    for (const Address& a : pool.addrs) {
      Af f = a.af();
      if (f == Af::kAny) continue;
      mixed = mixed || (seen != Af::kAny && seen != f);
      seen = f;
    }
    if (!mixed) r.af = seen;
  }
  const Af want = r.af_to != Af::kAny ? r.af_to : r.af;
  if (want != Af::kAny) {
    const std::vector<bool>& literal = &pool == &r.rdr_to ? spec.rdr_literal : spec.nat_literal;
    std::vector<Address> kept;
    for (size_t i = 0; i < pool.addrs.size(); ++i) {
      const Address& a = pool.addrs[i];
      if (a.af() == Af::kAny || a.af() == want) {
        kept.push_back(a);
      } else if (i < literal.size() && literal[i]) {  // an interface's other addresses just go
        fail(here, "translation address " + format_address(a) + " is " +
                       std::string(af_name(a.af())) + " but the rule is " +
                       std::string(af_name(want)));
      }
    }
    if (kept.empty()) fail(here, "no translation address with matching address family found");
    pool.addrs = std::move(kept);
  }
  bool dynamic = false;
  for (const Address& a : pool.addrs) {
    dynamic = dynamic || a.kind == AddrKind::kTable || a.kind == AddrKind::kDynamic;
  }
  if (pool.type == PoolType::kNone && (pool.addrs.size() > 1 || dynamic)) {
    pool.type = PoolType::kRoundRobin;
  }
  if (pool.addrs.size() > 1 && pool.type != PoolType::kRoundRobin) {
    fail(here, "only round-robin is valid for multiple translation addresses");
  }
  if (dynamic && pool.type == PoolType::kBitmask) {
    fail(here, "bitmask needs an address or prefix, not a table or interface");
  }
  if (kind == TranslationKind::kBinat &&
      (pool.addrs.size() != 1 || pool.addrs[0].kind != AddrKind::kHost)) {
    fail(here, "binat needs a single translation address or prefix");
  }
  if (kind == TranslationKind::kRdr && spec.rdr_star) rdr_port_range(here, r, pool);
}

// rdr `port p:*`: the destination range a:b maps onto p:p+(b-a).
void Parser::rdr_port_range(const Token& here, const Rule& r, Pool& pool) {
  if (r.dst.port.op != PortOp::kRangeInclusive) {
    fail(here, "'port " + std::to_string(pool.proxy_port_lo) +
                   ":*' needs a destination port range (port a:b)");
  }
  if (r.dst.port.hi < r.dst.port.lo) {
    fail(here, "destination port range " + std::to_string(r.dst.port.lo) + ":" +
                   std::to_string(r.dst.port.hi) + " is reversed");
  }
  uint32_t hi = uint32_t{pool.proxy_port_lo} + (r.dst.port.hi - r.dst.port.lo);
  if (hi > 65535) {
    fail(here, "rdr port range " + std::to_string(pool.proxy_port_lo) + ":" + std::to_string(hi) +
                   " ends beyond 65535");
  }
  pool.proxy_port_hi = static_cast<uint16_t>(hi);
}

// nat-to, binat-to, rdr-to and af-to options of pass and match rules.
void Parser::translation_option(RuleSpec& spec, const Token& kw) {
  Rule& r = spec.base;
  if (r.action == Action::kBlock)
    fail(kw, "'" + kw.text + "' is only valid on pass and match rules");
  bool any_pool = !r.nat_to.addrs.empty() || !r.rdr_to.addrs.empty();
  if (r.af_to != Af::kAny || (kw.is("af-to") && any_pool)) {
    fail(kw, "af-to cannot be combined with nat-to, rdr-to, binat-to or another af-to");
  }
  if (kw.is("af-to")) {  // af-to inet|inet6 from pool [to pool]
    Token af = expect_string("inet or inet6 after af-to");
    if (!af.is("inet") && !af.is("inet6"))
      fail(af, "syntax error: expected inet or inet6 after af-to");
    r.af_to = af.is("inet") ? Af::kInet : Af::kInet6;
    if (!accept_word("from")) fail(peek(), "syntax error: expected 'from' after af-to " + af.text);
    pool_spec(spec, r.nat_to, TranslationKind::kNat);
    if (accept_word("to")) pool_spec(spec, r.rdr_to, TranslationKind::kRdr);
    return;
  }
  bool rdr = kw.is("rdr-to");
  Pool& pool = rdr ? r.rdr_to : r.nat_to;
  if (!pool.addrs.empty()) {
    fail(kw, rdr ? "rdr-to cannot be redefined" : "nat-to or binat-to cannot be redefined");
  }
  r.binat_to = kw.is("binat-to");
  pool_spec(
      spec, pool,
      rdr ? TranslationKind::kRdr : (r.binat_to ? TranslationKind::kBinat : TranslationKind::kNat));
}

}  // namespace dpf::pfconf::detail
