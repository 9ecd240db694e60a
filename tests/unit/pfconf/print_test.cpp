// pfctl-style printing of rules and tables built by hand (the parser is not involved).
#include "control/pfconf/print.h"

#include <catch2/catch.hpp>

#include "control/pfconf/address.h"

using namespace dpf::pfconf;

namespace {

Address host(const char* v4, uint8_t prefix) {
  Address a;
  a.kind = AddrKind::kHost;
  a.addr = mask_address(*parse_ipv4(v4, true), prefix);
  a.prefix = prefix;
  return a;
}

}  // namespace

TEST_CASE("print: a block rule with nothing else prints block drop all") {
  Rule r;
  r.action = Action::kBlock;
  CHECK(print_rule(r) == "block drop all");
}

TEST_CASE("print: return-icmp without an address family names both codes") {
  Rule r;
  r.action = Action::kBlock;
  r.ret.mode = BlockReturn::kIcmp;
  r.ret.icmp_code = 5;
  r.ret.icmp6_code = 1;
  CHECK(print_rule(r) == "block return-icmp(srcfail, admin-unr) all");
  r.af = Af::kInet6;
  CHECK(print_rule(r) == "block return-icmp6(admin-unr) inet6 all");
  r.ret.icmp_code = 200;
  r.af = Af::kInet;
  CHECK(print_rule(r) == "block return-icmp(200) inet all");
}

TEST_CASE("print: service names are used for = and != only, per protocol") {
  Rule r;
  r.action = Action::kBlock;
  r.proto = 6;
  r.dst.port = PortSpec{PortOp::kEq, 6667, 0};
  CHECK(print_rule(r) == "block drop proto tcp from any to any port = ircd");
  r.proto = 17;
  CHECK(print_rule(r) == "block drop proto udp from any to any port = 6667");
  r.dst.port = PortSpec{PortOp::kGe, 80, 0};
  CHECK(print_rule(r) == "block drop proto udp from any to any port >= 80");
  r.dst.port = PortSpec{PortOp::kRangeOutside, 10, 20};
  CHECK(print_rule(r) == "block drop proto udp from any to any port 10 <> 20");
  PrintOptions numeric;
  numeric.numeric_ports = true;
  r.proto = 6;
  r.dst.port = PortSpec{PortOp::kEq, 22, 0};
  CHECK(print_rule(r, numeric) == "block drop proto tcp from any to any port = 22");
}

TEST_CASE("print: a stateful pass rule without flags prints flags any") {
  Rule r;
  r.state = StateMode::kKeep;
  CHECK(print_rule(r) == "pass all flags any keep state");
  r.proto = 17;
  CHECK(print_rule(r) == "pass proto udp all keep state");
}

TEST_CASE("print: state options follow pfctl's order") {
  Rule r;
  r.proto = 6;
  r.flags = 0x02;
  r.flagset = 0x12;
  r.state = StateMode::kKeep;
  StateOptions& o = r.state_opts;
  o.max_states = 100;
  o.source_track = SourceTrack::kRule;
  o.max_src_conn = 10;
  o.max_src_conn_rate_limit = 3;
  o.max_src_conn_rate_seconds = 5;
  o.overload_table = "bad";
  o.flush = true;
  o.flush_global = true;
  o.sloppy = true;
  o.timeouts[static_cast<size_t>(Timeout::kTcpEstablished)] = 60;
  CHECK(print_rule(r) ==
        "pass proto tcp all flags S/SA keep state (max 100, source-track rule, max-src-conn 10, "
        "max-src-conn-rate 3/5, overload <bad> flush global, sloppy, tcp.established 60)");
}

TEST_CASE("print: an overload first in the list is not followed by a separator, as pfctl") {
  Rule r;
  r.proto = 17;
  r.state = StateMode::kKeep;
  r.state_opts.overload_table = "t";
  r.state_opts.sloppy = true;
  CHECK(print_rule(r) == "pass proto udp all keep state (overload <t>sloppy)");
}

TEST_CASE("print: addresses print with negation, masks and ranges") {
  Rule r;
  r.action = Action::kBlock;
  r.af = Af::kInet;
  r.src.addr = host("10.1.2.3", 8);
  r.src.addr.negated = true;
  r.dst.addr.kind = AddrKind::kRange;
  r.dst.addr.addr = *parse_ipv4("10.0.0.1", false);
  r.dst.addr.addr_end = *parse_ipv4("10.0.0.9", false);
  CHECK(print_rule(r) == "block drop inet from ! 10.0.0.0/8 to 10.0.0.1 - 10.0.0.9");
}

TEST_CASE("print: probability prints as a trimmed percentage") {
  Rule r;
  r.action = Action::kBlock;
  r.probability = 2147483648u;
  CHECK(print_rule(r) == "block drop all probability 50%");
}

TEST_CASE("print: a table prints its flags, inline entries and files in order") {
  Table t;
  t.name = "t";
  t.persist = true;
  t.constant = true;
  TableSource inline_src;
  inline_src.entries.push_back(TableEntry{host("10.0.0.0", 8)});
  TableEntry neg{host("10.1.0.0", 16)};
  neg.addr.negated = true;
  inline_src.entries.push_back(neg);
  TableSource file_src;
  file_src.is_file = true;
  file_src.file = "/etc/bad";
  t.sources = {inline_src, file_src};
  CHECK(print_table(t) == "table <t> const persist { 10.0.0.0/8 !10.1.0.0/16 } file \"/etc/bad\"");
}
