// The pf.conf parser: each construct of the supported subset, its model and its pfctl print,
// and each class of error.
#include "control/pfconf/parser.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "control/pfconf/address.h"
#include "control/pfconf/nvf.h"

using namespace dpf::pfconf;

namespace {

ParseOptions lo0_environment() {
  ParseOptions o;
  o.interfaces = [](const std::string& name) -> std::optional<std::vector<ResolvedAddress>> {
    if (name == "em0") {
      return std::vector<ResolvedAddress>{{*parse_ipv4("192.0.2.10", false), 24, false}};
    }
    if (name != "lo0" && name != "self") return std::nullopt;
    return std::vector<ResolvedAddress>{{*parse_ipv4("127.0.0.1", false), 8, true},
                                        {*parse_ipv6("::1"), 128, true}};
  };
  return o;
}

std::string nvf(const std::string& text, const ParseOptions& o = {}) {
  return render_nvf(parse_ruleset(text, "test.conf", o)).text;
}

Ruleset parse_ok(const std::string& text, const ParseOptions& o = {}) {
  Result r = parse_ruleset(text, "test.conf", o);
  for (const ParseError& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.ok());
  return *r.ruleset;
}

std::vector<std::string> errors(const std::string& text, const ParseOptions& o = {}) {
  Result r = parse_ruleset(text, "test.conf", o);
  CHECK_FALSE(r.ruleset.has_value());
  std::vector<std::string> out;
  for (const ParseError& e : r.errors) out.push_back(e.to_string());
  return out;
}

}  // namespace

TEST_CASE("parser: pass rules get keep state and flags S/SA by default") {
  CHECK(nvf("pass\npass proto udp\npass in no state\n") ==
        "pass all flags S/SA keep state\npass proto udp all keep state\npass in all no state\n");
  Ruleset rs = parse_ok("pass in proto tcp to port ssh");
  REQUIRE(rs.rules.size() == 1);
  const Rule& r = rs.rules[0];
  CHECK(r.state == StateMode::kKeep);
  CHECK(r.flags == 0x02);
  CHECK(r.flagset == 0x12);
  CHECK(r.dst.port == PortSpec{PortOp::kEq, 22, 0});
  CHECK(r.line == 1);
}

TEST_CASE("parser: block follows set block-policy unless the rule says otherwise") {
  CHECK(nvf("block\nset block-policy return\nblock\nblock drop\n") ==
        "set block-policy return\nblock drop all\nblock return all\nblock drop all\n");
}

TEST_CASE("parser: block return modes carry their ttl and codes") {
  Ruleset rs = parse_ok(
      "block return-rst(ttl 10) proto tcp\nblock return-icmp(net-unr, 3) in\n"
      "block return-icmp6(admin-unr) inet6\n");
  CHECK(rs.rules[0].ret == ReturnSpec{BlockReturn::kRst, 10, 3, 4});
  CHECK(rs.rules[1].ret == ReturnSpec{BlockReturn::kIcmp, 0, 0, 3});
  CHECK(rs.rules[2].ret == ReturnSpec{BlockReturn::kIcmp, 0, 3, 1});
}

TEST_CASE("parser: macros are echoed, concatenated and expanded; the last definition wins") {
  CHECK(nvf("a = \"ssh\"\nb=ftp\nc = $a $b\na = \"x\"\npass proto tcp to port { $c }\n") ==
        "a = \"ssh\"\nb = \"ftp\"\nc = \"ssh ftp\"\na = \"x\"\n"
        "pass proto tcp from any to any port = ssh flags S/SA keep state\n"
        "pass proto tcp from any to any port = ftp flags S/SA keep state\n");
}

TEST_CASE("parser: a list macro expands on interfaces") {
  Ruleset rs = parse_ok("ifs = \"{ em0, ! em1 }\"\nblock on $ifs\n");
  REQUIRE(rs.rules.size() == 2);
  CHECK(rs.rules[0].ifname == "em0");
  CHECK_FALSE(rs.rules[0].ifnot);
  CHECK(rs.rules[1].ifname == "em1");
  CHECK(rs.rules[1].ifnot);
}

TEST_CASE("parser: lists expand to the cross product in pfctl's order") {
  Ruleset rs = parse_ok(
      "block proto { tcp udp } from { 10/8 192.168.1.1 } port { 1 2 } to { 1.1.1.1 2.2.2.2 }");
  REQUIRE(rs.rules.size() == 16);
  CHECK(rs.rules[0].proto == 6);
  CHECK(format_address(rs.rules[0].src.addr) == "10.0.0.0/8");
  CHECK(format_address(rs.rules[1].dst.addr) == "1.1.1.1");
  CHECK(rs.rules[1].src.port.lo == 2);
  CHECK(format_address(rs.rules[2].dst.addr) == "2.2.2.2");
  CHECK(rs.rules[8].proto == 17);
}

TEST_CASE("parser: combinations of different address families are dropped") {
  CHECK(nvf("pass from { 10.0.0.1 ::1 } to 10.0.0.2 no state\n") ==
        "pass inet from 10.0.0.1 to 10.0.0.2 no state\n");
  CHECK(errors("pass inet6 from 10.0.0.1") ==
        std::vector<std::string>{"test.conf:1:1: rule expands to no valid combination"});
}

TEST_CASE("parser: addresses are normalised to their network and the family is inferred") {
  CHECK(nvf("block from 2001:db8::1/32 to ::1\nblock from 172.16/12\n"
            "block from 224.4.5.199/26 to 1.2.3.4/32\n") ==
        "block drop inet6 from 2001:db8::/32 to ::1\n"
        "block drop inet from 172.16.0.0/12 to any\n"
        "block drop inet from 224.4.5.192/26 to 1.2.3.4\n");
}

TEST_CASE("parser: the address forms parse into their kinds") {
  Ruleset rs = parse_ok(
      "block from <bad> to (em0:network)/24\nblock from ! no-route to urpf-failed\n"
      "block from 10.0.0.1 - 10.0.0.5\nblock from self to em0:network\n");
  CHECK(rs.rules[0].src.addr.kind == AddrKind::kTable);
  CHECK(rs.rules[0].src.addr.name == "bad");
  CHECK(rs.rules[0].dst.addr.kind == AddrKind::kDynamic);
  CHECK(rs.rules[0].dst.addr.dyn_flags == kDynNetwork);
  CHECK(rs.rules[0].dst.addr.prefix == 24);
  CHECK(rs.rules[1].src.addr.kind == AddrKind::kNoRoute);
  CHECK(rs.rules[1].src.addr.negated);
  CHECK(rs.rules[1].dst.addr.kind == AddrKind::kUrpfFailed);
  CHECK(rs.rules[2].src.addr.kind == AddrKind::kRange);
  CHECK(rs.rules[2].af == Af::kInet);
  CHECK(rs.rules[3].src.addr.kind == AddrKind::kSelf);
  CHECK(rs.rules[3].dst.addr.kind == AddrKind::kIfNetwork);
  CHECK(nvf("block from (em0:network)/24 to <bad>\n") ==
        "block drop from (em0:network)/24 to <bad>\n");
}

TEST_CASE("parser: interface names, :network and self resolve through the resolver") {
  ParseOptions o = lo0_environment();
  CHECK(nvf("block from lo0 to lo0:network\n", o) ==
        "block drop inet from 127.0.0.1 to 127.0.0.0/8\n"
        "block drop inet6 from ::1 to ::1\n");
  CHECK(nvf("block inet from self\n", o) == "block drop inet from 127.0.0.1 to any\n");
}

TEST_CASE("parser: antispoof expands to pfctl's two block rules per interface") {
  ParseOptions o = lo0_environment();
  CHECK(nvf("antispoof for lo0 inet\nantispoof log quick for em0 label \"s\"\n", o) ==
        "block drop in on ! lo0 inet from 127.0.0.0/8 to any\n"
        "block drop in log quick on ! em0 inet from 192.0.2.0/24 to any label \"s\"\n"
        "block drop in log quick inet from 192.0.2.10 to any label \"s\"\n");
  CHECK(nvf("antispoof for { em1 (em2) }\n") ==
        "block drop in on ! em1 from em1:network to any\n"
        "block drop in from (em1) to any\n"
        "block drop in on ! em2 from (em2:network) to any\n"
        "block drop in from (em2) to any\n");
  CHECK(errors("antispoof for em9", o) ==
        std::vector<std::string>{"test.conf:1:1: interface em9 does not exist"});
}

TEST_CASE("parser: a service resolver given in the options replaces the built-in table") {
  ParseOptions o;
  o.services = [](const std::string& n) -> std::optional<uint16_t> {
    if (n == "myapp") return 4242;
    return std::nullopt;
  };
  CHECK(parse_ok("block proto tcp to port myapp", o).rules[0].dst.port.lo == 4242);
  CHECK(errors("block proto tcp to port ssh", o) ==
        std::vector<std::string>{"test.conf:1:25: unknown port ssh"});
}

TEST_CASE("parser: host names resolve through the host resolver") {
  ParseOptions o;
  o.hosts = [](const std::string& n) -> std::optional<std::vector<ResolvedAddress>> {
    if (n != "gw") return std::nullopt;
    return std::vector<ResolvedAddress>{{*parse_ipv4("192.0.2.1", false), 32}};
  };
  CHECK(nvf("block to gw/24\n", o) == "block drop inet from any to 192.0.2.0/24\n");
}

TEST_CASE("parser: every port operator maps to the model") {
  Ruleset rs = parse_ok(
      "block proto tcp to port { = 1, != 2, < 3, <= 4, > 5, >= 6, 7:8, 9 >< 10, 11 <> 12, www }");
  std::vector<PortSpec> want = {{PortOp::kEq, 1, 0},
                                {PortOp::kNe, 2, 0},
                                {PortOp::kLt, 3, 0},
                                {PortOp::kLe, 4, 0},
                                {PortOp::kGt, 5, 0},
                                {PortOp::kGe, 6, 0},
                                {PortOp::kRangeInclusive, 7, 8},
                                {PortOp::kRangeExclusive, 9, 10},
                                {PortOp::kRangeOutside, 11, 12},
                                {PortOp::kEq, 80, 0}};
  REQUIRE(rs.rules.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(rs.rules[i].dst.port == want[i]);
}

TEST_CASE("parser: flags, icmp types and codes") {
  CHECK(nvf("pass proto tcp flags any\npass proto tcp flags /SA\n"
            "pass inet proto icmp icmp-type { 8, unreach code port-unr }\n"
            "pass inet6 proto icmp6 icmp6-type echoreq\n") ==
        "pass proto tcp all flags any keep state\n"
        "pass proto tcp all flags /SA keep state\n"
        "pass inet proto icmp all icmp-type echoreq keep state\n"
        "pass inet proto icmp all icmp-type unreach code port-unr keep state\n"
        "pass inet6 proto ipv6-icmp all icmp6-type echoreq keep state\n");
  CHECK(nvf("pass proto icmp6 icmp6-type echorep\n") ==
        "pass inet6 proto ipv6-icmp all icmp6-type echorep keep state\n");
}

TEST_CASE("parser: modulate and synproxy state print for tcp and fall back to keep state") {
  CHECK(nvf("pass proto { tcp udp } modulate state\npass proto tcp synproxy state\n") ==
        "pass proto tcp all flags S/SA modulate state\npass proto udp all keep state\n"
        "pass proto tcp all flags S/SA synproxy state\n");
}

TEST_CASE("parser: state options fill the model with pfctl's implied values") {
  Ruleset rs = parse_ok(
      "pass in proto tcp keep state (max 100, no-sync, sloppy, max-src-states 5, "
      "max-src-conn 10, max-src-conn-rate 15/5, overload <bad> flush global, if-bound, "
      "tcp.established 60)");
  const StateOptions& o = rs.rules[0].state_opts;
  CHECK(o.max_states == 100);
  CHECK(o.no_sync);
  CHECK(o.sloppy);
  CHECK(o.max_src_states == 5);
  CHECK(o.max_src_conn == 10);
  CHECK(o.max_src_conn_rate_limit == 15);
  CHECK(o.max_src_conn_rate_seconds == 5);
  CHECK(o.overload_table == "bad");
  CHECK(o.flush);
  CHECK(o.flush_global);
  CHECK(o.lock == StateLock::kIfBound);
  CHECK(o.source_track == SourceTrack::kRule);
  CHECK(o.timeouts[static_cast<size_t>(Timeout::kTcpEstablished)] == 60);
  CHECK(o.timeouts[static_cast<size_t>(Timeout::kAdaptiveStart)] == 60);
  CHECK(o.timeouts[static_cast<size_t>(Timeout::kAdaptiveEnd)] == 120);
  CHECK(o.timeouts[static_cast<size_t>(Timeout::kSrcTrack)] == 5);
}

TEST_CASE("parser: set state-policy if-bound makes stateful rules if-bound") {
  CHECK(nvf("set state-policy if-bound\npass proto udp\nblock\n") ==
        "set state-policy if-bound\npass proto udp all keep state (if-bound)\nblock drop all\n");
}

TEST_CASE("parser: log forms, quick, label, tag and tagged") {
  CHECK(nvf("block log (all, to pflog1) quick on em0 label \"x $if\" tag t1 ! tagged t2\n") ==
        "block drop log (all, to pflog1) quick on em0 all label \"x em0\" tag t1 ! tagged t2\n");
}

TEST_CASE("parser: label macros name the expanded rule") {
  CHECK(nvf("pass in proto tcp from { 1.2.3.4 1.2.3.5 } to any port 22 label "
            "\"$nr:$proto:$srcaddr:$dstport\"\n") ==
        "pass in inet proto tcp from 1.2.3.4 to any port = ssh flags S/SA keep state label "
        "\"0:tcp:1.2.3.4:22\"\n"
        "pass in inet proto tcp from 1.2.3.5 to any port = ssh flags S/SA keep state label "
        "\"1:tcp:1.2.3.5:22\"\n");
}

TEST_CASE("parser: set options are modelled and printed like pfctl -v") {
  Ruleset rs = parse_ok(
      "set skip on { lo0 pfsync0 }\nset limit states 10000\n"
      "set timeout { tcp.first 120, udp.single 30 }\nset optimization aggressive\n"
      "set hostid 0x1234\nset limit { frags 500 }\n");
  CHECK(rs.options.skip == std::vector<std::string>{"lo0", "pfsync0"});
  REQUIRE(rs.options.limits.size() == 2);
  CHECK(rs.options.limits[0].name == "states");
  CHECK(rs.options.limits[0].value == 10000);
  CHECK(rs.options.timeouts[static_cast<size_t>(Timeout::kUdpSingle)] == 30);
  CHECK(rs.options.timeout_set[static_cast<size_t>(Timeout::kTcpFirst)]);
  CHECK(rs.options.optimization == "aggressive");
  CHECK(rs.options.timeouts[static_cast<size_t>(Timeout::kTcpEstablished)] == 18000);
  CHECK(rs.options.timeouts[static_cast<size_t>(Timeout::kTcpFirst)] == 30);
  CHECK(rs.options.hostid == 0x1234);
  CHECK(nvf("set skip on lo0\nset limit states 10000\nset timeout { tcp.first 120 }\n"
            "set hostid 4660\n") ==
        "set skip on { lo0 }\nset limit states 10000\nset timeout tcp.first 120\n"
        "set hostid 0x00001234\n");
  CHECK(nvf("set debug urgent\nset require-order no\nset keepcounters\nset loginterface em0\n") ==
        "set debug urgent\nset require-order no\nset loginterface em0\n");
  CHECK(nvf("set skip on { em0, em1 }\nset skip on none\n") ==
        "set skip on { em0 em1 }\nset skip on none\n");
  CHECK(errors("set skip on ! em0") ==
        std::vector<std::string>{"test.conf:1:13: skip on ! <interface> is not supported"});
}

TEST_CASE("parser: tables with flags, inline entries and a file beside the ruleset") {
  ParseOptions o;
  std::string asked;
  o.read_file = [&](const std::string& path, std::string*) -> std::optional<std::string> {
    asked = path;
    return std::string("; comment\n10.0.0.0/8 # one\n!10.1.0.0/16, 192.0.2.1\n");
  };
  Result r = parse_ruleset(
      "table <t> persist const { 1.2.3.4 } file \"bad.txt\"\n"
      "block from <t>\n",
      "/etc/dpf/edge.conf", o);
  REQUIRE(r.ok());
  CHECK(asked == "/etc/dpf/bad.txt");
  const Table& t = r.ruleset->tables.at(0);
  CHECK(t.persist);
  CHECK(t.constant);
  REQUIRE(t.entries.size() == 4);
  CHECK(t.entries[2].addr.negated);
  CHECK(format_address(t.entries[2].addr) == "10.1.0.0/16");
  CHECK(render_nvf(r).text ==
        "table <t> const persist { 1.2.3.4 } file \"bad.txt\"\nblock drop from <t> to any\n");
}

TEST_CASE("parser: a missing table file is an error") {
  ParseOptions o;
  o.read_file = [](const std::string&, std::string* why) -> std::optional<std::string> {
    *why = "No such file or directory";
    return std::nullopt;
  };
  CHECK(errors("table <t> file \"x\"\n", o) ==
        std::vector<std::string>{"test.conf:1:16: cannot load \"x\": No such file or directory"});
}

TEST_CASE("parser: comments, continuation lines and a form feed line") {
  CHECK(nvf("# c\npass in \\\n  proto tcp # trailing\n\f\nblock\n") ==
        "pass in proto tcp all flags S/SA keep state\nblock drop all\n");
}

TEST_CASE("parser: an undefined macro is reported with file, line and column") {
  CHECK(errors("pass\npass on $wan\n") ==
        std::vector<std::string>{"test.conf:2:9: macro 'wan' not defined"});
}

TEST_CASE("parser: bad addresses are errors") {
  CHECK(errors("block from nosuchhost") ==
        std::vector<std::string>{"test.conf:1:12: no IP address found for nosuchhost"});
  CHECK(errors("block from 10.0.0.1/33") ==
        std::vector<std::string>{"test.conf:1:12: invalid netmask /33 for 10.0.0.1"});
  CHECK(errors("block from 10.0.0.1 - ::1") ==
        std::vector<std::string>{"test.conf:1:12: invalid address range 10.0.0.1 - ::1"});
}

TEST_CASE("parser: bad ports are errors") {
  CHECK(errors("block proto tcp to port nosuch") ==
        std::vector<std::string>{"test.conf:1:25: unknown port nosuch"});
  CHECK(errors("block proto tcp to port 70000") ==
        std::vector<std::string>{"test.conf:1:25: illegal port value 70000"});
  CHECK(errors("block proto icmp to port 80") ==
        std::vector<std::string>{"test.conf:1:1: port only applies to tcp/udp"});
}

TEST_CASE("parser: unknown and unsupported keywords are errors") {
  CHECK(errors("frobnicate all") ==
        std::vector<std::string>{"test.conf:1:1: unknown keyword 'frobnicate'"});
  CHECK(errors("anchor foo") ==
        std::vector<std::string>{"test.conf:1:1: 'anchor' rules are not supported"});
  CHECK(errors("load anchor foo from \"/etc/foo\"") ==
        std::vector<std::string>{"test.conf:1:1: 'load' rules are not supported"});
  CHECK(errors("scrub in all") ==
        std::vector<std::string>{"test.conf:1:1: 'scrub' rules are not supported"});
  CHECK(errors("pass out route-to em1") ==
        std::vector<std::string>{"test.conf:1:10: 'route-to' is not supported"});
  CHECK(errors("set frobs 1") ==
        std::vector<std::string>{"test.conf:1:5: unknown set option 'frobs'"});
}

TEST_CASE("parser: list syntax errors are reported") {
  CHECK(errors("block from { 10.0.0.1, 10.0.0.2") ==
        std::vector<std::string>{"test.conf:1:32: syntax error: unterminated address list"});
  CHECK(errors("block from 10.0.0.1 to }") ==
        std::vector<std::string>{"test.conf:1:24: syntax error: expected an address"});
}

TEST_CASE("parser: semantic errors of rule options") {
  CHECK(errors("pass proto udp flags S/SA") ==
        std::vector<std::string>{"test.conf:1:1: flags only apply to tcp"});
  CHECK(errors("pass proto tcp icmp-type echoreq") ==
        std::vector<std::string>{"test.conf:1:1: icmp-type only applies to proto icmp"});
  CHECK(errors("pass keep state no state") ==
        std::vector<std::string>{"test.conf:1:17: modulate or keep cannot be redefined"});
  CHECK(errors("set hostid 0") ==
        std::vector<std::string>{"test.conf:1:12: hostid must be non-zero"});
}

TEST_CASE("parser: every error is collected and the whole ruleset is rejected") {
  Result r = parse_ruleset("pass\nblock from $x\nblah\npass\n", "f.conf", {});
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.ruleset.has_value());
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].line == 2);
  CHECK(r.errors[1].line == 3);
  CHECK(render_nvf(r).exit_status == 1);
  CHECK(render_nvf(r).text ==
        "f.conf:2:12: macro 'x' not defined\nf.conf:3:1: unknown keyword 'blah'\n"
        "pfctl: Syntax error in config file: pf rules not loaded\n");
}

TEST_CASE("parser: a rule whose lists multiply past the rule limit is rejected") {
  std::string list = "{";
  for (int i = 1; i <= 100; ++i) list += " " + std::to_string(i);
  list += " }";
  Result r =
      parse_ruleset("block proto tcp from port " + list + " to port " + list + "\n" + "block on " +
                        list + " proto tcp from port " + list + " to port " + list + "\n",
                    "test.conf", {});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() == "test.conf:2:1: rule expands to more than 1000000 rules");
}

namespace {

// A file reader over an in-memory map of path → contents.
ParseOptions with_files(std::map<std::string, std::string> files) {
  ParseOptions o;
  o.read_file = [files](const std::string& path, std::string* why) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) {
      *why = "No such file or directory";
      return std::nullopt;
    }
    return it->second;
  };
  return o;
}

}  // namespace

TEST_CASE("parser: an included file is parsed in place, relative to the including file") {
  ParseOptions o = with_files({{"/etc/dpf/macros.conf", "ext = \"em0\"\nblock on $ext"},
                               {"/etc/dpf/sub/../t.txt", "10.0.0.1\n"},
                               {"/etc/dpf/sub/more.conf", "table <t> file \"../t.txt\"\n"}});
  Result r = parse_ruleset(
      "include \"macros.conf\"\npass on $ext\ninclude \"sub/more.conf\"\nblock from <t>\n",
      "/etc/dpf/main.conf", o);
  for (const ParseError& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.ok());
  CHECK(render_nvf(r).text ==
        "ext = \"em0\"\ntable <t> file \"../t.txt\"\nblock drop on em0 all\n"
        "pass on em0 all flags S/SA keep state\nblock drop from <t> to any\n");
  CHECK(r.ruleset->tables.at(0).entries.size() == 1);
}

TEST_CASE("parser: errors in an included file name that file and its line") {
  ParseOptions o = with_files({{"/r/inc.conf", "pass\nfrobnicate\n"}});
  Result r = parse_ruleset("include \"inc.conf\"\nblock from $nope\n", "/r/main.conf", o);
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].to_string() == "/r/inc.conf:2:1: unknown keyword 'frobnicate'");
  CHECK(r.errors[1].to_string() == "/r/main.conf:2:12: macro 'nope' not defined");
}

TEST_CASE("parser: a missing or self-including include file is an error") {
  ParseOptions o = with_files({{"/r/loop.conf", "include \"loop.conf\"\n"}});
  Result missing = parse_ruleset("include \"gone.conf\"\n", "/r/main.conf", o);
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].to_string() ==
        "/r/main.conf:1:9: cannot open include file \"gone.conf\": No such file or directory");
  Result loop = parse_ruleset("include \"loop.conf\"\n", "/r/main.conf", o);
  REQUIRE(loop.errors.size() == 1);
  CHECK(loop.errors[0].message == "include files nest too deeply");
}

TEST_CASE("parser: label macros follow pfctl for ranges, dynamic addresses and protocol 0") {
  Ruleset rs = parse_ok(
      "block from 10.0.0.1 - 10.0.0.9 to ! (em0:network)/24 label \"$srcaddr|$dstaddr|$proto\"\n"
      "block proto tcp to port 1000:2000 label \"[$dstport]\"\n");
  CHECK(rs.rules.at(0).labels.at(0) == "?|! (em0)|ip");
  CHECK(rs.rules.at(1).labels.at(0) == "[]");
}

TEST_CASE("parser: a ruleset file on disk is read with its includes beside it") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("pfconf_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "main.conf") << "include \"inc.conf\"\nblock from <t>\n";
  std::ofstream(dir / "inc.conf") << "table <t> file \"t.txt\"\n";
  std::ofstream(dir / "t.txt") << "192.0.2.1\n";
  Result r = parse_ruleset_file((dir / "main.conf").string(), {});
  CHECK(r.ok());
  if (r.ok()) CHECK(r.ruleset->tables.at(0).entries.size() == 1);
  Result missing = parse_ruleset_file((dir / "nope.conf").string(), {});
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].message == "cannot open the main config file: No such file or directory");
  fs::remove_all(dir);
}

TEST_CASE("parser: an explicit floating state lock overrides set state-policy if-bound") {
  Ruleset rs = parse_ok("set state-policy if-bound\npass proto udp keep state (floating)\n");
  CHECK(rs.rules.at(0).state_opts.lock == StateLock::kFloating);
  CHECK(nvf("set state-policy if-bound\npass proto udp keep state (floating)\n") ==
        "set state-policy if-bound\npass proto udp all keep state\n");
}

TEST_CASE("parser: a rule continued over several lines carries the line it starts on") {
  Ruleset rs = parse_ok("\n\npass in \\\n  on em0 \\\n  proto tcp\nblock\n");
  CHECK(rs.rules.at(0).line == 3);
  CHECK(rs.rules.at(1).line == 6);
}

TEST_CASE("parser: rarely used filter options are carried and printed") {
  CHECK(nvf("pass in proto icmp max-pkt-rate 100/10 probability 0.5 once\n"
            "pass out on em0 received-on em1 fragment allow-opts ridentifier 7\n"
            "table <c> counters { }\n") ==
        "table <c> counters { }\n"
        "pass in proto icmp all max-pkt-rate 100/10 keep state probability 50% once\n"
        "pass out on em0 all received-on em1 keep state fragment allow-opts ridentifier 7\n");
}

namespace {

// Macros a..z where each is its predecessor twice: $z would expand to 2^25 copies of a's text.
std::string doubling_macros(bool quoted) {
  std::string text = "a = \"10.0.0.1\"\n";
  for (char m = 'b'; m <= 'z'; ++m) {
    const std::string prev(1, static_cast<char>(m - 1));
    text += std::string(1, m) +
            (quoted ? " = \"$" + prev + " $" + prev + "\"\n" : " = $" + prev + " $" + prev + "\n");
  }
  return text;
}

}  // namespace

TEST_CASE("parser: macros that double each other stop at 1 MiB, reported at the reference") {
  // Quoted definitions are expanded where they are used: at `$z` on line 27.
  CHECK(errors(doubling_macros(true) + "pass from { $z }\n") ==
        std::vector<std::string>{
            "test.conf:27:13: macro 'a': macros expand to more than 1 MiB in this ruleset"});
  // Unquoted definitions are expanded as they are defined: `q = $p $p` on line 17 passes the
  // limit at its second reference.
  const std::vector<std::string> errs = errors(doubling_macros(false));
  REQUIRE_FALSE(errs.empty());
  CHECK(errs[0] == "test.conf:17:8: macro 'p': macros expand to more than 1 MiB in this ruleset");
}

TEST_CASE("parser: a macro value longer than 1 MiB is refused at its name") {
  CHECK(errors("big = \"" + std::string((1 << 20) + 1, 'x') + "\"\n") ==
        std::vector<std::string>{"test.conf:1:1: macro 'big' is longer than 1 MiB"});
}

namespace {

// A directory of files on disk, removed at the end of the test.
struct TempDir {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("pfconf_files_" + std::to_string(::getpid()));
  TempDir() { std::filesystem::create_directories(dir); }
  ~TempDir() { std::filesystem::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text,
                    std::filesystem::perms mode = std::filesystem::perms(0644)) {
    const std::filesystem::path p = dir / name;
    std::ofstream(p) << text;
    std::filesystem::permissions(p, mode);
    return p.string();
  }
  std::vector<std::string> errors(const std::string& main_text) {
    const std::string main = write("main.conf", main_text);
    std::vector<std::string> out;
    for (const ParseError& e : parse_ruleset_file(main, {}).errors) out.push_back(e.to_string());
    return out;
  }
};

}  // namespace

TEST_CASE("parser: include and table files that are not regular files are refused") {
  TempDir t;
  const std::string main = (t.dir / "main.conf").string();
  CHECK(t.errors("include \"/dev/zero\"\n") ==
        std::vector<std::string>{
            main + ":1:9: cannot open include file \"/dev/zero\": not a regular file"});
  CHECK(t.errors("table <t> file \"/dev/zero\"\n") ==
        std::vector<std::string>{main + ":1:16: cannot load \"/dev/zero\": not a regular file"});
  CHECK(t.errors("include \"/tmp\"\n") ==
        std::vector<std::string>{main +
                                 ":1:9: cannot open include file \"/tmp\": not a regular file"});
}

TEST_CASE("parser: an include file larger than 16 MiB is refused before it is read") {
  TempDir t;
  const std::string big = t.write("big.conf", "");
  std::filesystem::resize_file(big, (std::size_t{16} << 20) + 1);  // sparse: costs no disk
  CHECK(
      t.errors("include \"big.conf\"\n") ==
      std::vector<std::string>{(t.dir / "main.conf").string() +
                               ":1:9: cannot open include file \"big.conf\": larger than 16 MiB"});
}

TEST_CASE("parser: errors in a file others may not read do not quote its text") {
  TempDir t;
  const std::string line = "root:$6$s4lt$S3CRETHASH:19000:0:99999:7:::\n";
  const std::string shadow = t.write("shadow", line, std::filesystem::perms(0640));
  const std::string main = (t.dir / "main.conf").string();
  const std::string hidden =
      "invalid text in " + shadow + " (not shown: others may not read the file)";
  CHECK(t.errors("include \"shadow\"\n") == std::vector<std::string>{shadow + ":1:1: " + hidden});
  CHECK(t.errors("table <t> file \"shadow\"\n") ==
        std::vector<std::string>{main + ":1:16: " + hidden});
  // The same text in a file anyone may read is quoted as usual.
  const std::string open = t.write("open.conf", line);
  const std::vector<std::string> quoted = t.errors("include \"open.conf\"\n");
  REQUIRE(quoted.size() == 1);
  CHECK(quoted[0].find("S3CRETHASH") != std::string::npos);
}
