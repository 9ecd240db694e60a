// `set` options of pf.conf. Each one is modelled in Ruleset::options and, where pfctl -v echoes
// it while parsing, recorded as a Definition line in pfctl's words.
#include <array>
#include <charconv>
#include <cstdio>
#include <initializer_list>

#include "control/pfconf/names.h"
#include "control/pfconf/parser_impl.h"

namespace dpf::pfconf::detail {
namespace {

constexpr std::string_view kLimitNames[] = {"states", "src-nodes", "frags", "tables",
                                            "table-entries"};

// The TCP timeouts each `set optimization` profile sets (pfctl's hints), in seconds:
// tcp.first, tcp.opening, tcp.established, tcp.closing, tcp.finwait, tcp.closed, tcp.tsdiff.
struct Profile {
  std::string_view name;
  std::array<uint32_t, 7> seconds;
};
constexpr Profile kProfiles[] = {
    {"normal", {120, 30, 86400, 900, 45, 90, 30}},
    {"satellite", {180, 35, 86400, 905, 50, 95, 60}},
    {"high-latency", {180, 35, 86400, 905, 50, 95, 60}},
    {"conservative", {3600, 900, 432000, 3600, 600, 180, 60}},
    {"aggressive", {30, 5, 18000, 60, 30, 30, 10}},
};
constexpr Timeout kProfileTimeouts[] = {
    Timeout::kTcpFirst,   Timeout::kTcpOpening, Timeout::kTcpEstablished, Timeout::kTcpClosing,
    Timeout::kTcpFinwait, Timeout::kTcpClosed,  Timeout::kTcpTsdiff};

bool one_of(const std::string& v, std::initializer_list<std::string_view> allowed) {
  for (std::string_view a : allowed) {
    if (v == a) return true;
  }
  return false;
}

}  // namespace

void Parser::emit_set_line(std::string text) {
  ruleset_.definitions.push_back(Definition{DefinitionKind::kSetLine, "", std::move(text), 0});
}

// `set OPTION { item, item }` or `set OPTION item`.
template <typename Fn>
void Parser::set_list(Fn item) {
  if (!accept_punct("{")) return item();
  while (!accept_punct("}")) {
    if (accept_punct(",")) continue;
    if (at_end_of_statement()) fail(peek(), "syntax error: unterminated list");
    item();
  }
}

Token Parser::set_value(std::string_view what, std::initializer_list<std::string_view> allowed) {
  Token v = expect_string(what);
  if (!one_of(v.text, allowed)) fail(v, "unknown " + std::string(what) + " " + v.text);
  return v;
}

void Parser::set_option() {
  take();  // set
  Token opt = expect_string("an option name");
  Options& o = ruleset_.options;
  if (opt.is("skip")) {
    set_skip();
  } else if (opt.is("limit")) {
    set_list([this] { set_limit_item(); });
  } else if (opt.is("timeout")) {
    set_list([this] { set_timeout_item(); });
  } else if (opt.is("optimization")) {
    set_optimization();
  } else if (opt.is("ruleset-optimization")) {
    set_value("ruleset-optimization", {"none", "basic", "profile"});
  } else if (opt.is("block-policy")) {
    Token v = set_value("block-policy", {"drop", "return"});
    o.block_policy = v.is("drop") ? BlockPolicy::kDrop : BlockPolicy::kRet;
    emit_set_line("block-policy " + v.text);
  } else if (opt.is("state-policy")) {
    Token v = set_value("state-policy", {"if-bound", "floating"});
    o.state_policy = v.is("if-bound") ? StatePolicy::kIfBound : StatePolicy::kFloating;
    emit_set_line("state-policy " + v.text);
  } else if (opt.is("hostid")) {
    set_hostid();
  } else if (opt.is("debug")) {
    o.debug = set_value("debug level", {"none", "urgent", "misc", "loud"}).text;
    emit_set_line("debug " + o.debug);
  } else if (opt.is("require-order")) {
    emit_set_line("require-order " + set_value("require-order", {"yes", "no"}).text);
  } else if (opt.is("keepcounters")) {
    o.keep_counters = true;
  } else if (opt.is("loginterface")) {
    o.loginterface = expect_string("an interface name").text;
    emit_set_line("loginterface " + o.loginterface);
  } else {
    fail(opt, "unknown set option '" + opt.text + "'");
  }
}

// A profile sets the TCP timeouts at this point of the file; later `set timeout` overrides them.
void Parser::set_optimization() {
  Token v = expect_string("an optimization");
  Options& o = ruleset_.options;
  for (const Profile& p : kProfiles) {
    if (v.text != p.name) continue;
    for (size_t i = 0; i < p.seconds.size(); ++i) {
      size_t slot = static_cast<size_t>(kProfileTimeouts[i]);
      o.timeouts[slot] = p.seconds[i];
      o.timeout_set[slot] = true;
    }
    o.optimization = v.text;
    emit_set_line("optimization " + v.text);
    return;
  }
  fail(v, "unknown optimization " + v.text);
}

// pfctl -v echoes the whole list in braces; `none` clears it.
void Parser::set_skip() {
  if (!accept_word("on")) fail(peek(), "syntax error: expected 'on' after 'set skip'");
  std::vector<std::string> names;
  set_list([&] {
    if (peek().punct("!")) fail(peek(), "skip on ! <interface> is not supported");
    names.push_back(expect_string("an interface name").text);
  });
  std::vector<std::string>& skip = ruleset_.options.skip;
  if (names.size() == 1 && names[0] == "none") {
    skip.clear();
    emit_set_line("skip on none");
    return;
  }
  std::string line = "skip on {";
  for (const std::string& n : names) line += " " + n;
  emit_set_line(line + " }");
  skip.insert(skip.end(), names.begin(), names.end());
}

void Parser::set_hostid() {
  Token v = expect_string("a host id");
  uint64_t id = 0;
  const char* first = v.text.data();
  const char* last = first + v.text.size();
  int base = 10;
  if (v.text.size() > 2 && v.text[0] == '0' && (v.text[1] == 'x' || v.text[1] == 'X')) {
    first += 2;
    base = 16;
  }
  auto [ptr, ec] = std::from_chars(first, last, id, base);
  if (ec != std::errc() || ptr != last || first == last || id > 0xffffffffULL) {
    fail(v, "invalid hostid " + v.text);
  }
  if (id == 0) fail(v, "hostid must be non-zero");
  ruleset_.options.hostid = static_cast<uint32_t>(id);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "hostid 0x%08x", ruleset_.options.hostid);
  emit_set_line(buf);
}

void Parser::set_limit_item() {
  Token name = expect_string("a limit name");
  bool known = false;
  for (std::string_view n : kLimitNames) known = known || name.text == n;
  if (!known) fail(name, "unknown limit '" + name.text + "'");
  uint32_t value = expect_number("limit", 0xffffffffULL);
  ruleset_.options.limits.push_back(Limit{name.text, value});
  emit_set_line("limit " + name.text + " " + std::to_string(value));
}

void Parser::set_timeout_item() {
  Token name = expect_string("a timeout name");
  auto t = timeout_by_name(name.text);
  if (!t) fail(name, "unknown timeout '" + name.text + "'");
  uint32_t value = expect_number("timeout", 0x7fffffffULL);
  size_t i = static_cast<size_t>(*t);
  ruleset_.options.timeouts[i] = value;
  ruleset_.options.timeout_set[i] = true;
  emit_set_line("timeout " + name.text + " " + std::to_string(value));
}

}  // namespace dpf::pfconf::detail
