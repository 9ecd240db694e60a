// `antispoof [log] [quick] for IF|{ IF … }|(IF) [inet|inet6] [label …] [tag …]`, expanded as
// pfctl does (pf.conf(5) ANTISPOOF): for each interface
//   block drop in on ! IF from <IF's networks> to any
// and, unless the interface is a loopback,
//   block drop in from <IF's addresses> to any
// With no interface resolver the networks and addresses stay symbolic (IF:network and (IF)).
#include "control/pfconf/address.h"
#include "control/pfconf/parser_impl.h"

namespace dpf::pfconf::detail {

void Parser::antispoof() {
  RuleSpec spec;
  Token kw = take();
  spec.base.line = kw.line;
  spec.col = kw.col;
  spec.file = kw.file;
  spec.base.action = Action::kBlock;
  spec.base.dir = Direction::kIn;
  spec.base.ret.mode = BlockReturn::kDrop;
  while (true) {
    if (accept_word("quick")) {
      spec.base.quick = true;
    } else if (peek().is("log")) {
      log_spec(spec);
    } else {
      break;
    }
  }
  if (!accept_word("for")) fail(peek(), "syntax error: expected 'for' after 'antispoof'");
  std::vector<std::pair<InterfaceItem, bool>> interfaces;
  auto item = [&] {
    bool dynamic = accept_punct("(");
    Token t = expect_string("an interface name");
    if (dynamic) expect_punct(")");
    interfaces.push_back({InterfaceItem{t.text, false}, dynamic});
  };
  if (accept_punct("{")) {
    while (!accept_punct("}")) {
      if (accept_punct(",")) continue;
      if (at_end_of_statement()) fail(peek(), "syntax error: unterminated interface list");
      item();
    }
  } else {
    item();
  }
  af_spec(spec);
  while (!at_end_of_statement()) {
    Token opt = take();
    if (opt.is("label")) {
      spec.base.labels.push_back(expect_string("a label").text);
    } else if (opt.is("tag")) {
      spec.base.tag = expect_string("a tag name").text;
    } else if (opt.is("ridentifier")) {
      spec.base.ridentifier = expect_number("ridentifier", 0xffffffffULL);
    } else {
      fail_unexpected(opt);
    }
  }
  for (const auto& [ifc, dynamic] : interfaces) antispoof_interface(spec, ifc, dynamic);
}

void Parser::antispoof_interface(const RuleSpec& proto, const InterfaceItem& ifc, bool dynamic) {
  std::optional<std::vector<ResolvedAddress>> addrs;
  if (!dynamic && options_.interfaces) {
    addrs = options_.interfaces(ifc.name);
    if (!addrs)
      fail(Token{TokKind::kWord, "", proto.base.line, proto.col, proto.file},
           options_.no_such_interface ? options_.no_such_interface(ifc.name)
                                      : "interface " + ifc.name + " does not exist");
  }
  RuleSpec foreign = proto;
  foreign.interfaces = {InterfaceItem{ifc.name, true}};
  RuleSpec own = proto;
  bool loopback = false;
  if (addrs) {
    for (const ResolvedAddress& r : *addrs) {
      loopback = loopback || r.loopback;
      if (proto.base.af != Af::kAny && r.addr.af != proto.base.af) continue;
      Address net;
      net.kind = AddrKind::kHost;
      net.prefix = r.prefix;
      net.addr = mask_address(r.addr, r.prefix);
      foreign.src_hosts.push_back(net);
      Address host = net;
      host.prefix = max_prefix(r.addr.af);
      host.addr = r.addr;
      own.src_hosts.push_back(host);
    }
    if (foreign.src_hosts.empty()) return;
  } else {
    Address net;
    net.kind = dynamic ? AddrKind::kDynamic : AddrKind::kIfNetwork;
    net.name = ifc.name;
    if (dynamic) net.dyn_flags = kDynNetwork;
    foreign.src_hosts = {net};
    Address host;
    host.kind = AddrKind::kDynamic;
    host.name = ifc.name;
    own.src_hosts = {host};
  }
  expand_rule(foreign);
  if (!loopback) expand_rule(own);
}

}  // namespace dpf::pfconf::detail
