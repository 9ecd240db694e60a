// Addresses and ports of pf.conf rules: `any`, hosts and prefixes, ranges, tables, `(if)`,
// interface names and `self` (through the interface resolver), host names (through the host
// resolver), and port operators with service names.
#include <charconv>

#include "control/pfconf/address.h"
#include "control/pfconf/names.h"
#include "control/pfconf/parser_impl.h"

namespace dpf::pfconf::detail {
namespace {

Address host_address(const IpAddr& ip, uint8_t prefix, bool negated) {
  Address a;
  a.kind = AddrKind::kHost;
  a.negated = negated;
  a.prefix = prefix;
  a.addr = mask_address(ip, prefix);
  return a;
}

bool is_link_local6(const IpAddr& ip) {
  return ip.af == Af::kInet6 && ip.bytes[0] == 0xfe && (ip.bytes[1] & 0xc0) == 0x80;
}

}  // namespace

void Parser::host_list(std::vector<Address>& out) {
  if (accept_word("any")) {
    out.push_back(Address{});
    return;
  }
  if (!accept_punct("{")) {
    host_item(out);
    return;
  }
  while (!accept_punct("}")) {
    if (accept_punct(",")) continue;
    if (at_end_of_statement()) fail(peek(), "syntax error: unterminated address list");
    if (accept_word("any")) {
      out.push_back(Address{});
      continue;
    }
    host_item(out);
  }
}

void Parser::host_item(std::vector<Address>& out) {
  bool negated = accept_punct("!");
  const Token& t = peek();
  if (t.is("no-route") || t.is("urpf-failed")) {
    Address a;
    a.kind = t.is("no-route") ? AddrKind::kNoRoute : AddrKind::kUrpfFailed;
    a.negated = negated;
    take();
    out.push_back(a);
    return;
  }
  if (t.punct("<")) {
    take();
    Token name = expect_string("a table name");
    expect_punct(">");
    Address a;
    a.kind = AddrKind::kTable;
    a.negated = negated;
    a.name = name.text;
    out.push_back(a);
    return;
  }
  if (t.punct("(")) {
    take();
    out.push_back(dynamic_address(negated));
    return;
  }
  Token first = expect_string("an address");
  if (accept_punct("-")) {
    Token second = expect_string("the end of an address range");
    auto a = parse_ipv4(first.text, false);
    auto b = parse_ipv4(second.text, false);
    if (!a || !b) {
      a = parse_ipv6(first.text);
      b = parse_ipv6(second.text);
    }
    if (!a || !b) fail(first, "invalid address range " + first.text + " - " + second.text);
    Address r;
    r.kind = AddrKind::kRange;
    r.negated = negated;
    r.addr = *a;
    r.addr_end = *b;
    out.push_back(r);
    return;
  }
  int prefix = -1;
  if (accept_punct("/")) prefix = static_cast<int>(expect_number("netmask", 128));
  resolve_host(first, prefix, negated, out);
}

// `(ifname[:modifier…])[/prefix]` after the opening parenthesis.
Address Parser::dynamic_address(bool negated) {
  Token name = expect_string("an interface name");
  expect_punct(")");
  Address a;
  a.kind = AddrKind::kDynamic;
  a.negated = negated;
  std::string text = name.text;
  size_t colon;
  while ((colon = text.rfind(':')) != std::string::npos) {
    std::string mod = text.substr(colon + 1);
    if (mod == "network") {
      a.dyn_flags |= kDynNetwork;
    } else if (mod == "broadcast") {
      a.dyn_flags |= kDynBroadcast;
    } else if (mod == "peer") {
      a.dyn_flags |= kDynPeer;
    } else if (mod == "0") {
      a.dyn_flags |= kDynNoAlias;
    } else {
      fail(name, "invalid interface modifier '" + mod + "'");
    }
    text.resize(colon);
  }
  if (text.empty()) fail(name, "syntax error: empty interface name");
  a.name = text;
  if (accept_punct("/")) {
    a.prefix = static_cast<uint8_t>(expect_number("netmask", 128));
    a.has_prefix = true;
  }
  return a;
}

void Parser::resolve_host(const Token& tok, int prefix, bool negated, std::vector<Address>& out) {
  const std::string& s = tok.text;
  if (auto v4 = parse_ipv4(s, prefix >= 0)) {
    if (prefix > 32) fail(tok, "invalid netmask /" + std::to_string(prefix) + " for " + s);
    out.push_back(host_address(*v4, prefix < 0 ? 32 : static_cast<uint8_t>(prefix), negated));
    return;
  }
  if (auto v6 = parse_ipv6(s)) {
    out.push_back(host_address(*v6, prefix < 0 ? 128 : static_cast<uint8_t>(prefix), negated));
    return;
  }
  if (resolve_interface(s, prefix, negated, out)) return;
  if (options_.hosts) {
    if (auto list = options_.hosts(s); list && !list->empty()) {
      for (const ResolvedAddress& r : *list) {
        uint8_t bits = prefix < 0 ? max_prefix(r.addr.af) : static_cast<uint8_t>(prefix);
        if (bits > max_prefix(r.addr.af)) continue;
        out.push_back(host_address(r.addr, bits, negated));
      }
      return;
    }
  }
  fail(tok, "no IP address found for " + s + (prefix >= 0 ? "/" + std::to_string(prefix) : ""));
}

// `ifname`, `ifname:network`, `ifname:0` and `self`, resolved to the interface's addresses.
bool Parser::resolve_interface(const std::string& text, int prefix, bool negated,
                               std::vector<Address>& out) {
  std::string name = text;
  bool network = false;
  bool noalias = false;
  size_t colon = name.rfind(':');
  if (colon != std::string::npos) {
    std::string mod = name.substr(colon + 1);
    if (mod == "network") {
      network = true;
    } else if (mod == "0") {
      noalias = true;
    } else {
      return false;
    }
    name.resize(colon);
  }
  if (name.empty()) return false;
  if (!options_.interfaces) {
    if (name == "self" && !network && !noalias) {
      Address a;
      a.kind = AddrKind::kSelf;
      a.negated = negated;
      out.push_back(a);
      return true;
    }
    if (network && prefix < 0) {
      Address a;
      a.kind = AddrKind::kIfNetwork;
      a.negated = negated;
      a.name = name;
      out.push_back(a);
      return true;
    }
    return false;
  }
  auto list = options_.interfaces(name);
  if (!list) return false;
  bool got4 = false;
  bool got6 = false;
  for (const ResolvedAddress& r : *list) {
    if (noalias) {
      if (r.addr.af == Af::kInet ? got4 : (got6 || is_link_local6(r.addr))) continue;
      (r.addr.af == Af::kInet ? got4 : got6) = true;
    }
    uint8_t bits = network ? r.prefix : max_prefix(r.addr.af);
    if (prefix >= 0) bits = static_cast<uint8_t>(prefix);
    if (bits > max_prefix(r.addr.af)) continue;
    out.push_back(host_address(r.addr, bits, negated));
  }
  return true;
}

void Parser::port_list(std::vector<PortSpec>& out) {
  if (!accept_punct("{")) {
    out.push_back(port_item());
    return;
  }
  while (!accept_punct("}")) {
    if (accept_punct(",")) continue;
    if (at_end_of_statement()) fail(peek(), "syntax error: unterminated port list");
    out.push_back(port_item());
  }
}

PortSpec Parser::port_item() {
  static constexpr std::pair<std::string_view, PortOp> kUnary[] = {
      {"=", PortOp::kEq},  {"!=", PortOp::kNe}, {"<", PortOp::kLt},
      {"<=", PortOp::kLe}, {">", PortOp::kGt},  {">=", PortOp::kGe}};
  PortSpec p;
  for (const auto& [text, op] : kUnary) {
    if (peek().punct(text)) {
      take();
      p.op = op;
      p.lo = port_value(expect_string("a port"));
      return p;
    }
  }
  Token first = expect_string("a port");
  size_t colon = first.text.find(':');
  if (colon != std::string::npos && first.kind == TokKind::kWord) {
    Token lo = first;
    Token hi = first;
    lo.text = first.text.substr(0, colon);
    hi.text = first.text.substr(colon + 1);
    p.op = PortOp::kRangeInclusive;
    p.lo = port_value(lo);
    p.hi = port_value(hi);
    return p;
  }
  p.lo = port_value(first);
  if (peek().punct("><") || peek().punct("<>")) {
    p.op = take().text == "><" ? PortOp::kRangeExclusive : PortOp::kRangeOutside;
    p.hi = port_value(expect_string("a port"));
    return p;
  }
  p.op = PortOp::kEq;
  return p;
}

uint16_t Parser::port_value(const Token& tok) {
  const std::string& s = tok.text;
  if (s.empty()) fail(tok, "syntax error: empty port");
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    uint32_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || v > 65535) {
      fail(tok, "illegal port value " + s);
    }
    return static_cast<uint16_t>(v);
  }
  auto port = options_.services ? options_.services(s) : service_port(s);
  if (!port) fail(tok, "unknown port " + s);
  return *port;
}

}  // namespace dpf::pfconf::detail
