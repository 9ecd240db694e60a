// The grammar of pass/block/match rules, in pfctl's order:
//   action [dir] [log|quick]… [on ifspec] [af] [proto …] fromto [filter options…]
// followed by pfctl's post-processing of state options and defaults (finish_rule).
#include <charconv>
#include <cmath>

#include "control/pfconf/names.h"
#include "control/pfconf/parser_impl.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::pfconf::detail {
namespace {

// Options pf.conf has that this parser does not implement, named in the error.
constexpr std::string_view kUnsupportedOptions[] = {
    "route-to",      "reply-to", "dup-to", "queue",  "divert-to", "divert-reply",
    "divert-packet", "scrub",    "user",   "group",  "tos",       "prio",
    "set",           "rtable",   "os",     "dnpipe", "dnqueue",   "max-src-nodes-per-rule"};

constexpr uint32_t kMaxLabels = 5;

// State options that take one positive count.
struct CountOption {
  std::string_view name;
  uint32_t StateOptions::*field;
};
constexpr CountOption kCountOptions[] = {
    {"max", &StateOptions::max_states},
    {"max-src-nodes", &StateOptions::max_src_nodes},
    {"max-src-states", &StateOptions::max_src_states},
    {"max-src-conn", &StateOptions::max_src_conn},
};

uint8_t parse_tcp_flags(const Token& t, bool* ok) {
  uint8_t f = 0;
  *ok = true;
  for (char c : t.text) {
    size_t i = kTcpFlagLetters.find(c);
    if (i == std::string_view::npos)
      *ok = false;
    else
      f |= static_cast<uint8_t>(1u << i);
  }
  return f;
}

}  // namespace

void Parser::filter_rule() {
  RuleSpec spec;
  Token action = take();
  spec.base.line = action.line;
  spec.col = action.col;
  spec.file = action.file;
  if (action.is("pass")) {
    spec.base.action = Action::kPass;
  } else if (action.is("block")) {
    spec.base.action = Action::kBlock;
    block_spec(spec);
  } else {
    spec.base.action = Action::kMatch;
  }
  if (accept_word("in")) {
    spec.base.dir = Direction::kIn;
  } else if (accept_word("out")) {
    spec.base.dir = Direction::kOut;
  }
  while (true) {
    if (accept_word("quick")) {
      spec.base.quick = true;
    } else if (peek().is("log")) {
      log_spec(spec);
    } else {
      break;
    }
  }
  criteria(spec);
  while (!at_end_of_statement()) filter_option(spec);
  finish_rule(spec);
  expand_rule(spec);
}

void Parser::block_spec(RuleSpec& spec) {
  ReturnSpec& r = spec.base.ret;
  spec.block_explicit = true;
  if (accept_word("drop")) {
    r.mode = BlockReturn::kDrop;
  } else if (accept_word("return")) {
    r.mode = BlockReturn::kRet;
  } else if (accept_word("return-rst")) {
    r.mode = BlockReturn::kRst;
    if (accept_punct("(")) {
      if (!accept_word("ttl")) fail(peek(), "syntax error: expected 'ttl'");
      r.rst_ttl = static_cast<uint8_t>(expect_number("ttl", 255));
      expect_punct(")");
    }
  } else if (accept_word("return-icmp")) {
    r.mode = BlockReturn::kIcmp;
    if (accept_punct("(")) {
      r.icmp_code = icmp_return_code(false);
      if (accept_punct(",")) r.icmp6_code = icmp_return_code(true);
      expect_punct(")");
    }
  } else if (accept_word("return-icmp6")) {
    r.mode = BlockReturn::kIcmp;
    if (accept_punct("(")) {
      r.icmp6_code = icmp_return_code(true);
      expect_punct(")");
    }
  } else {
    spec.block_explicit = false;
    r.mode =
        ruleset_.options.block_policy == BlockPolicy::kRet ? BlockReturn::kRet : BlockReturn::kDrop;
  }
}

uint8_t Parser::icmp_return_code(bool inet6) {
  Token t = expect_string("an icmp code");
  uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
  if (ec == std::errc() && ptr == t.text.data() + t.text.size()) {
    if (v > 255) fail(t, "illegal icmp code " + t.text);
    return static_cast<uint8_t>(v);
  }
  auto code = icmp_code_number(inet6 ? wire::kIcmpv6Unreach : wire::kIcmpUnreach, t.text, inet6);
  if (!code) fail(t, "unknown icmp code " + t.text);
  return *code;
}

void Parser::log_spec(RuleSpec& spec) {
  take();  // log
  LogSpec& log = spec.base.log;
  log.enabled = true;
  if (!accept_punct("(")) return;
  while (!accept_punct(")")) {
    if (accept_punct(",")) continue;
    if (accept_word("all")) {
      log.all = true;
    } else if (accept_word("matches")) {
      log.matches = true;
    } else if (accept_word("user")) {
      log.user = true;
    } else if (accept_word("to")) {
      Token t = expect_string("a pflog interface");
      uint32_t n = 0;
      std::string_view s = t.text;
      bool ok = s.starts_with("pflog") && s.size() > 5;
      if (ok) {
        auto [ptr, ec] = std::from_chars(s.data() + 5, s.data() + s.size(), n);
        ok = ec == std::errc() && ptr == s.data() + s.size() && n <= 255;
      }
      if (!ok) fail(t, "invalid log interface " + t.text);
      log.logif = static_cast<uint8_t>(n);
    } else {
      fail_unexpected(peek());
    }
  }
}

void Parser::interface_spec(RuleSpec& spec) {
  auto item = [&] {
    bool neg = accept_punct("!");
    Token t = expect_string("an interface name");
    spec.interfaces.push_back(InterfaceItem{t.text, neg});
  };
  if (!accept_punct("{")) return item();
  while (!accept_punct("}")) {
    if (accept_punct(",")) continue;
    if (at_end_of_statement()) fail(peek(), "syntax error: unterminated interface list");
    item();
  }
}

// `inet` or `inet6`, if given.
void Parser::af_spec(RuleSpec& spec) {
  if (accept_word("inet")) {
    spec.base.af = Af::kInet;
  } else if (accept_word("inet6")) {
    spec.base.af = Af::kInet6;
  }
}

void Parser::criteria(RuleSpec& spec) {
  if (accept_word("on")) interface_spec(spec);
  af_spec(spec);
  if (accept_word("proto")) proto_spec(spec);
  fromto(spec);
}

void Parser::proto_spec(RuleSpec& spec) {
  auto item = [&] {
    Token t = expect_string("a protocol");
    uint32_t v = 0;
    auto [ptr, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (ec == std::errc() && ptr == t.text.data() + t.text.size()) {
      if (v > 255) fail(t, "protocol outside range: " + t.text);
      if (v == 0) fail(t, "protocol 0 is invalid");
      spec.protos.push_back(static_cast<uint8_t>(v));
      return;
    }
    auto p = protocol_number(t.text);
    if (!p || *p == 0) fail(t, "unknown protocol " + t.text);
    spec.protos.push_back(*p);
  };
  if (!accept_punct("{")) return item();
  while (!accept_punct("}")) {
    if (accept_punct(",")) continue;
    if (at_end_of_statement()) fail(peek(), "syntax error: unterminated protocol list");
    item();
  }
}

void Parser::fromto(RuleSpec& spec) {
  if (accept_word("all")) return;
  if (accept_word("from")) {
    if (!peek().is("port")) host_list(spec.src_hosts);
    if (accept_word("port")) port_list(spec.src_ports);
  }
  if (accept_word("to")) {
    if (!peek().is("port")) host_list(spec.dst_hosts);
    if (accept_word("port")) port_list(spec.dst_ports);
  }
}

void Parser::filter_option(RuleSpec& spec) {
  Rule& r = spec.base;
  const Token& t = peek();
  if (t.is("flags")) return flags_spec(spec);
  if (t.is("icmp-type")) return icmp_spec(spec, false);
  if (t.is("icmp6-type")) return icmp_spec(spec, true);
  if (t.is("no")) {
    take();
    if (!accept_word("state")) fail(peek(), "syntax error: expected 'state' after 'no'");
    if (spec.state_given) fail(t, "modulate or keep cannot be redefined");
    spec.state_given = true;
    r.state = StateMode::kNone;
    return;
  }
  if (t.is("keep")) return state_spec(spec, StateMode::kKeep);
  if (t.is("modulate")) return state_spec(spec, StateMode::kModulate);
  if (t.is("synproxy")) return state_spec(spec, StateMode::kSynproxy);
  Token kw = take();
  if (kw.is("fragment")) {
    r.fragment = true;
  } else if (kw.is("allow-opts")) {
    r.allow_opts = true;
  } else if (kw.is("label")) {
    if (r.labels.size() >= kMaxLabels) fail(kw, "too many labels");
    r.labels.push_back(expect_string("a label").text);
  } else if (kw.is("ridentifier")) {
    r.ridentifier = expect_number("ridentifier", 0xffffffffULL);
  } else if (kw.is("tag")) {
    r.tag = expect_string("a tag name").text;
  } else if (kw.is("tagged") || (kw.punct("!") && peek().is("tagged"))) {
    if (kw.punct("!")) {
      take();
      r.tagged_not = true;
    }
    r.tagged = expect_string("a tag name").text;
  } else if (kw.is("probability")) {
    r.probability = probability(expect_string("a probability"));
  } else if (kw.is("received-on")) {
    r.received_on = expect_string("an interface name").text;
  } else if (kw.is("max-pkt-rate")) {
    r.max_pkt_rate_limit = expect_number("max-pkt-rate", 0xffffffffULL);
    expect_punct("/");
    r.max_pkt_rate_seconds = expect_number("max-pkt-rate interval", 0xffffffffULL);
  } else if (kw.is("max-pkt-size")) {
    r.max_pkt_size = static_cast<uint16_t>(expect_number("max-pkt-size", 65535));
  } else if (kw.is("once")) {
    r.once = true;
  } else if (kw.is("nat-to") || kw.is("rdr-to") || kw.is("binat-to") || kw.is("af-to")) {
    translation_option(spec, kw);
  } else {
    if (kw.kind == TokKind::kWord) {
      for (std::string_view o : kUnsupportedOptions) {
        if (kw.text == o) fail(kw, "'" + kw.text + "' is not supported");
      }
    }
    fail_unexpected(kw);
  }
}

// `probability P` or `P%`, in pf's fixed-point scale (0 is reserved for "always").
uint32_t Parser::probability(const Token& p) {
  char* end = nullptr;
  double v = std::strtod(p.text.c_str(), &end);
  if (*end == '%') {
    v *= 0.01;
    ++end;
  }
  if (*end != '\0' || !(v >= 0.0 && v <= 1.0)) fail(p, "invalid probability: " + p.text);
  auto scaled = static_cast<uint32_t>(std::floor(v * 4294967295.0 + 0.5));
  return scaled == 0 ? 1 : scaled;
}

void Parser::flags_spec(RuleSpec& spec) {
  Token kw = take();
  if (spec.flags_given) fail(kw, "flags cannot be redefined");
  spec.flags_given = true;
  if (accept_word("any")) return;
  bool ok = true;
  if (!peek().punct("/")) {
    Token f = expect_string("tcp flags");
    spec.base.flags = parse_tcp_flags(f, &ok);
    if (!ok) fail(f, "invalid flags " + f.text);
  }
  expect_punct("/");
  Token m = expect_string("a tcp flag mask");
  spec.base.flagset = parse_tcp_flags(m, &ok);
  if (!ok || spec.base.flagset == 0) fail(m, "invalid flags " + m.text);
}

void Parser::icmp_spec(RuleSpec& spec, bool inet6) {
  Token kw = take();
  if (!spec.icmp.empty()) fail(kw, "icmp-type cannot be redefined");
  spec.icmp6 = inet6;
  if (!accept_punct("{")) {
    spec.icmp.push_back(icmp_item(inet6));
    return;
  }
  while (!accept_punct("}")) {
    if (accept_punct(",")) continue;
    if (at_end_of_statement()) fail(peek(), "syntax error: unterminated icmp-type list");
    spec.icmp.push_back(icmp_item(inet6));
  }
}

IcmpItem Parser::icmp_item(bool inet6) {
  Token t = expect_string("an icmp type");
  IcmpItem item;
  uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
  if (ec == std::errc() && ptr == t.text.data() + t.text.size()) {
    if (v > 255) fail(t, "illegal icmp-type " + t.text);
  } else {
    auto type = icmp_type_number(t.text, inet6);
    if (!type) fail(t, "unknown icmp-type " + t.text);
    v = *type;
  }
  item.type = static_cast<uint16_t>(v + 1);
  if (!accept_word("code")) return item;
  Token c = expect_string("an icmp code");
  uint32_t code = 0;
  auto [cptr, cec] = std::from_chars(c.text.data(), c.text.data() + c.text.size(), code);
  if (cec == std::errc() && cptr == c.text.data() + c.text.size()) {
    if (code > 255) fail(c, "illegal icmp-code " + c.text);
  } else {
    auto named = icmp_code_number(static_cast<uint8_t>(v), c.text, inet6);
    if (!named) fail(c, "unknown icmp-code " + c.text);
    code = *named;
  }
  item.code = static_cast<uint16_t>(code + 1);
  return item;
}

void Parser::state_spec(RuleSpec& spec, StateMode mode) {
  Token kw = take();
  if (!accept_word("state")) fail(peek(), "syntax error: expected 'state' after '" + kw.text + "'");
  if (spec.state_given) fail(kw, "modulate or keep cannot be redefined");
  spec.state_given = true;
  spec.base.state = mode;
  if (!accept_punct("(")) return;
  while (!accept_punct(")")) {
    if (accept_punct(",")) continue;
    if (at_end_of_statement()) fail(peek(), "syntax error: unterminated state options");
    state_option(spec);
  }
}

void Parser::state_option(RuleSpec& spec) {
  StateOptions& o = spec.base.state_opts;
  Token kw = take();
  auto once = [&](bool already) {
    if (already) fail(kw, "state option '" + kw.text + "' multiple definitions");
  };
  auto positive = [&](uint32_t v) {
    if (v == 0) fail(kw, "'" + kw.text + "' must be > 0");
    return v;
  };
  for (const auto& [name, field] : kCountOptions) {
    if (kw.is(name)) {
      once(o.*field != 0);
      o.*field = positive(expect_number(name, 0xffffffffULL));
      return;
    }
  }
  if (kw.is("no-sync")) {
    once(o.no_sync);
    o.no_sync = true;
  } else if (kw.is("source-track")) {
    once(spec.source_track_given);
    spec.source_track_given = true;
    spec.source_track = SourceTrack::kGlobal;
    if (accept_word("rule"))
      spec.source_track = SourceTrack::kRule;
    else
      accept_word("global");
  } else if (kw.is("max-src-conn-rate")) {
    once(o.max_src_conn_rate_limit != 0);
    o.max_src_conn_rate_limit = expect_number("max-src-conn-rate", 0xffffffffULL);
    expect_punct("/");
    o.max_src_conn_rate_seconds = expect_number("max-src-conn-rate interval", 0xffffffffULL);
    if (o.max_src_conn_rate_limit == 0 || o.max_src_conn_rate_seconds == 0) {
      fail(kw, "'max-src-conn-rate' values must be > 0");
    }
  } else if (kw.is("overload")) {
    if (!o.overload_table.empty()) fail(kw, "multiple 'overload' table definitions");
    expect_punct("<");
    o.overload_table = expect_string("a table name").text;
    expect_punct(">");
    if (accept_word("flush")) {
      o.flush = true;
      if (accept_word("global")) o.flush_global = true;
    }
  } else if (kw.is("if-bound") || kw.is("floating")) {
    if (spec.statelock_given) fail(kw, "state locking option: multiple definitions");
    spec.statelock_given = true;
    o.lock = kw.is("if-bound") ? StateLock::kIfBound : StateLock::kFloating;
  } else if (kw.is("sloppy")) {
    once(o.sloppy);
    o.sloppy = true;
  } else if (kw.is("pflow")) {
    once(o.pflow);
    o.pflow = true;
  } else if (auto t = timeout_by_name(kw.text); t && kw.kind == TokKind::kWord) {
    size_t i = static_cast<size_t>(*t);
    if (o.timeouts[i] != 0) fail(kw, "state timeout " + kw.text + " multiple definitions");
    if (*t == Timeout::kAdaptiveStart || *t == Timeout::kAdaptiveEnd) spec.adaptive_given = true;
    o.timeouts[i] = expect_number("timeout", 0x7fffffffULL);
  } else {
    fail_unexpected(kw);
  }
}

// pfctl's defaults: implicit keep state on pass rules, flags S/SA on stateful rules, source
// tracking implied by the max-src-* options, adaptive timeouts implied by `max`, the
// state-policy default, and flags only on rules that can match tcp.
void Parser::finish_rule(RuleSpec& spec) {
  Rule& r = spec.base;
  StateOptions& o = r.state_opts;
  Token here{TokKind::kWord, "", r.line, spec.col, spec.file};
  if ((r.flags || r.flagset) && !spec.protos.empty()) {
    bool tcp = false;
    for (uint8_t p : spec.protos) tcp = tcp || p == wire::kIpProtoTcp;
    if (!tcp) fail(here, "flags only apply to tcp");
  }
  if (r.action == Action::kPass && !spec.state_given) r.state = StateMode::kKeep;
  if (r.action == Action::kPass && !spec.flags_given && !r.fragment &&
      r.state != StateMode::kNone) {
    r.flags = 0x02;    // S
    r.flagset = 0x12;  // SA
  }
  SourceTrack track = spec.source_track;
  bool tracking = spec.source_track_given || o.max_src_states != 0;
  if (o.max_src_conn || o.max_src_conn_rate_limit || o.max_src_nodes) {
    tracking = true;
    if (!spec.source_track_given) track = SourceTrack::kRule;
  }
  if (!spec.adaptive_given && o.max_states) {
    o.timeouts[static_cast<size_t>(Timeout::kAdaptiveStart)] = (o.max_states / 10) * 6;
    o.timeouts[static_cast<size_t>(Timeout::kAdaptiveEnd)] = (o.max_states / 10) * 12;
  }
  if (tracking) {
    if (spec.source_track == SourceTrack::kGlobal &&
        (o.max_src_nodes || o.max_src_conn || o.max_src_conn_rate_seconds)) {
      fail(here,
           "the max-src-nodes/max-src-conn options are incompatible with "
           "'source-track global'");
    }
    uint32_t& src_track = o.timeouts[static_cast<size_t>(Timeout::kSrcTrack)];
    if (src_track < o.max_src_conn_rate_seconds) src_track = o.max_src_conn_rate_seconds;
    if (track == SourceTrack::kNone) track = SourceTrack::kGlobal;
  }
  o.source_track = tracking ? track : SourceTrack::kNone;
  if (r.state != StateMode::kNone && !spec.statelock_given &&
      ruleset_.options.state_policy == StatePolicy::kIfBound) {
    o.lock = StateLock::kIfBound;
  }
}

}  // namespace dpf::pfconf::detail
