// Rule evaluation against pf's semantics: each TEST_CASE is one behaviour, written as a pf.conf
// ruleset (parsed by the real parser) and a table of packets with the expected action and the
// number of the deciding rule (pfctl -vvsr numbering, 0-based; -1 = no rule, pf's default pass).
// Every case is also run through the linear reference walk, which must agree.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/unit/filter/filter_test_util.h"

namespace dpf::filter {
namespace {

using namespace testing;

constexpr Direction kIn = Direction::kIn;
constexpr Direction kOut = Direction::kOut;
constexpr int64_t kDefault = -1;
constexpr uint16_t kEm0 = 0;
constexpr uint16_t kEm1 = 1;
constexpr uint16_t kLo0 = 2;

struct Expect {
  const char* what;
  Packet p;
  Decision action;
  int64_t rule;
};

const char* name(Decision d) {
  switch (d) {
    case Decision::kPass:
      return "pass";
    case Decision::kBlock:
      return "block";
    case Decision::kSkip:
      return "skip";
  }
  return "?";
}

int64_t number(const Verdict& v) {
  return v.rule == nullptr ? kDefault : v.rule_nr;
}

std::unique_ptr<const CompiledRuleset> must_compile(const std::string& conf) {
  std::string err;
  auto rs = compile_text(conf, test_interfaces(), &err);
  INFO(conf << "\n" << err);
  REQUIRE(rs != nullptr);
  return rs;
}

void check(const std::string& conf, const std::vector<Expect>& cases) {
  auto rs = must_compile(conf);
  for (const Expect& c : cases) {
    INFO(conf << "\ncase: " << c.what);
    Verdict v = evaluate(*rs, c.p);
    CHECK(std::string(name(v.action)) == name(c.action));
    CHECK(number(v) == c.rule);
    Verdict lin = evaluate_linear(*rs, c.p);
    CHECK(std::string(name(lin.action)) == name(v.action));
    CHECK(number(lin) == number(v));
    CHECK(lin.stop == v.stop);
  }
}

TEST_CASE("filter: the last matching rule decides") {
  check(
      R"(block all
pass in proto tcp to port 22
block in proto tcp from 10.0.0.66
)",
      {
          {"ssh from anywhere", tcp(kIn, kEm0, "10.0.0.5", 1234, "192.0.2.1", 22), Decision::kPass,
           1},
          {"ssh from the blocked host", tcp(kIn, kEm0, "10.0.0.66", 1234, "192.0.2.1", 22),
           Decision::kBlock, 2},
          {"another port", tcp(kIn, kEm0, "10.0.0.5", 1234, "192.0.2.1", 80), Decision::kBlock, 0},
          {"ssh outbound", tcp(kOut, kEm0, "10.0.0.5", 1234, "192.0.2.1", 22), Decision::kBlock, 0},
      });
}

TEST_CASE("filter: a matching quick rule stops evaluation") {
  check(R"(pass all
block in quick proto tcp to port 23
pass in proto tcp to port 23
)",
        {
            {"telnet hits the quick block", tcp(kIn, kEm0, "10.0.0.5", 1234, "192.0.2.1", 23),
             Decision::kBlock, 1},
            {"other tcp passes by rule 0", tcp(kIn, kEm0, "10.0.0.5", 1234, "192.0.2.1", 24),
             Decision::kPass, 0},
            {"udp to 23 is not tcp", udp(kIn, kEm0, "10.0.0.5", 1234, "192.0.2.1", 23),
             Decision::kPass, 0},
            {"outbound telnet is not in", tcp(kOut, kEm0, "10.0.0.5", 1234, "192.0.2.1", 23),
             Decision::kPass, 0},
        });
}

// The rule counters' evaluations: rules 0..stop were evaluated (pf's walk without skip steps).
TEST_CASE("filter: an evaluation names the quick rule that stopped it, if any") {
  auto rs = must_compile(R"(pass all
block in quick proto tcp to port 23
match in quick proto udp to port 53
pass in proto tcp to port 24
)");
  const auto stop = [&](const Packet& p) {
    const Verdict v = evaluate(*rs, p);
    CHECK(evaluate_linear(*rs, p).stop == v.stop);
    return v.stop;
  };
  CHECK(stop(tcp(kIn, kEm0, "10.0.0.5", 1234, "192.0.2.1", 23)) == 1);
  CHECK(stop(udp(kIn, kEm0, "10.0.0.5", 1234, "192.0.2.1", 53)) == 2);        // a quick match rule
  CHECK(stop(tcp(kIn, kEm0, "10.0.0.5", 1234, "192.0.2.1", 24)) == kNoRule);  // to the end
  CHECK(stop(tcp(kOut, kEm0, "10.0.0.5", 1234, "192.0.2.1", 23)) == kNoRule);
  auto empty = must_compile("");
  CHECK(evaluate(*empty, tcp(kIn, kEm0, "10.0.0.5", 1234, "192.0.2.1", 23)).stop == kNoRule);
}

TEST_CASE("filter: in and out rules apply only in their direction") {
  check(R"(block in all
pass out all
)",
        {
            {"inbound", udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 2), Decision::kBlock, 0},
            {"outbound", udp(kOut, kEm0, "192.0.2.1", 2, "10.0.0.5", 1), Decision::kPass, 1},
        });
}

TEST_CASE("filter: on IF, on ! IF and interface groups select by interface") {
  check(R"(block all
pass in on em0 all
pass in on ! em1 proto udp all
pass out on egress all
)",
        {
            {"in on em0", udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 2), Decision::kPass, 2},
            {"tcp in on em0", tcp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 2), Decision::kPass, 1},
            {"tcp in on em1", tcp(kIn, kEm1, "10.0.0.5", 1, "192.0.2.1", 2), Decision::kBlock, 0},
            {"udp in on em1 is excluded by ! em1", udp(kIn, kEm1, "10.0.0.5", 1, "192.0.2.1", 2),
             Decision::kBlock, 0},
            {"udp in on lo0 is not em1", udp(kIn, kLo0, "10.0.0.5", 1, "192.0.2.1", 2),
             Decision::kPass, 2},
            {"out on em0 (group egress)", tcp(kOut, kEm0, "192.0.2.1", 1, "8.8.8.8", 2),
             Decision::kPass, 3},
            {"out on em1", tcp(kOut, kEm1, "10.0.0.1", 1, "10.0.0.9", 2), Decision::kBlock, 0},
        });
}

TEST_CASE("filter: a rule on an interface the node does not have never matches") {
  check(R"(pass all no state
block in on ppp0 all
pass in on ! ppp0 proto udp all no state
)",
        {
            {"tcp", tcp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 2), Decision::kPass, 0},
            {"udp", udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 2), Decision::kPass, 2},
        });
}

TEST_CASE("filter: negated addresses and ports match their complement") {
  check(R"(block all
pass in proto udp from ! 10.0.0.0/8 to any
pass in proto udp from any to any port != 80
block in proto udp from 10.9.9.9 to ! 192.0.2.0/24
)",
        {
            {"source outside 10/8", udp(kIn, kEm0, "172.16.0.1", 5, "192.0.2.1", 80),
             Decision::kPass, 1},
            {"source in 10/8 to port 80", udp(kIn, kEm0, "10.1.1.1", 5, "192.0.2.1", 80),
             Decision::kBlock, 0},
            {"source in 10/8 to port 81", udp(kIn, kEm0, "10.1.1.1", 5, "192.0.2.1", 81),
             Decision::kPass, 2},
            {"an IPv6 source is not 'not 10/8' (inet rule)",
             udp(kIn, kEm0, "2001:db8::5", 5, "2001:db8::1", 80), Decision::kBlock, 0},
            {"destination inside the negated net", udp(kIn, kEm0, "10.9.9.9", 5, "192.0.2.1", 81),
             Decision::kPass, 2},
            {"destination outside the negated net", udp(kIn, kEm0, "10.9.9.9", 5, "8.8.8.8", 81),
             Decision::kBlock, 3},
        });
}

TEST_CASE("filter: address ranges match both ends inclusive") {
  check(R"(block all
pass in proto udp from 10.0.0.10 - 10.0.0.20 no state
)",
        {
            {"below", udp(kIn, kEm0, "10.0.0.9", 1, "192.0.2.1", 2), Decision::kBlock, 0},
            {"first", udp(kIn, kEm0, "10.0.0.10", 1, "192.0.2.1", 2), Decision::kPass, 1},
            {"last", udp(kIn, kEm0, "10.0.0.20", 1, "192.0.2.1", 2), Decision::kPass, 1},
            {"above", udp(kIn, kEm0, "10.0.0.21", 1, "192.0.2.1", 2), Decision::kBlock, 0},
        });
}

TEST_CASE("filter: tables match by longest prefix, negated entries exclude") {
  check(
      R"(table <bad> { 10.0.0.0/8, !10.1.0.0/16, 2001:db8:bad::/48 }
pass all no state
block in from <bad>
pass in from ! <bad> to 192.0.2.99 no state
block in from <undefined>
)",
      {
          {"table hit", udp(kIn, kEm0, "10.2.3.4", 1, "192.0.2.1", 2), Decision::kBlock, 1},
          {"excluded by the negated entry", udp(kIn, kEm0, "10.1.2.3", 1, "192.0.2.1", 2),
           Decision::kPass, 0},
          {"miss matches ! <bad>", udp(kIn, kEm0, "10.1.2.3", 1, "192.0.2.99", 2), Decision::kPass,
           2},
          {"hit does not match ! <bad>", udp(kIn, kEm0, "10.2.3.4", 1, "192.0.2.99", 2),
           Decision::kBlock, 1},
          {"IPv6 hit", udp(kIn, kEm0, "2001:db8:bad::1", 1, "2001:db8::1", 2), Decision::kBlock, 1},
          {"IPv6 miss", udp(kIn, kEm0, "2001:db8:cafe::1", 1, "2001:db8::1", 2), Decision::kPass,
           0},
      });
}

TEST_CASE("filter: self, IF:network and (IF) follow the node's interface addresses") {
  check(R"(block all
pass in proto udp to self no state
pass in proto udp from em1:network to any port 53 no state
block in quick proto udp from (em0)
)",
        {
            {"to an em0 address", udp(kIn, kEm0, "8.8.8.8", 1, "192.0.2.1", 2), Decision::kPass, 1},
            {"to the em1 alias", udp(kIn, kEm0, "8.8.8.8", 1, "10.0.1.1", 2), Decision::kPass, 1},
            {"to ::1 on lo0", udp(kIn, kEm0, "2001:db8::9", 1, "::1", 2), Decision::kPass, 1},
            {"to a neighbour", udp(kIn, kEm0, "8.8.8.8", 1, "192.0.2.2", 2), Decision::kBlock, 0},
            {"from the alias network", udp(kIn, kEm1, "10.0.1.77", 1, "8.8.8.8", 53),
             Decision::kPass, 2},
            {"from outside em1's networks", udp(kIn, kEm1, "10.0.2.5", 1, "8.8.8.8", 53),
             Decision::kBlock, 0},
            {"from em0's own address", udp(kIn, kEm0, "192.0.2.1", 1, "192.0.2.1", 2),
             Decision::kBlock, 3},
            {"from em0's IPv6 address", udp(kIn, kEm0, "2001:db8::1", 1, "8.8.8.8", 2),
             Decision::kBlock, 3},
        });
}

// One ruleset per operator: rule 1 passes udp to the ports the operator accepts.
TEST_CASE("filter: every port operator compares as pf_match_port does") {
  struct Op {
    const char* spec;
    std::vector<std::pair<uint16_t, bool>> ports;
  };
  const std::vector<Op> ops = {
      {"port = 80", {{80, true}, {81, false}}},
      {"port 80", {{80, true}, {79, false}}},
      {"port != 80", {{80, false}, {81, true}}},
      {"port < 1024", {{1023, true}, {1024, false}}},
      {"port <= 1024", {{1024, true}, {1025, false}}},
      {"port > 1024", {{1025, true}, {1024, false}}},
      {"port >= 1024", {{1024, true}, {1023, false}}},
      {"port 1000 >< 2000", {{1000, false}, {1001, true}, {1999, true}, {2000, false}}},
      {"port 1000 <> 2000", {{999, true}, {1000, false}, {2000, false}, {2001, true}}},
      {"port 1000:2000", {{999, false}, {1000, true}, {2000, true}, {2001, false}}},
      {"port domain", {{53, true}, {54, false}}},
  };
  for (const Op& op : ops) {
    std::string conf = std::string("block all\npass in proto udp to any ") + op.spec + "\n";
    std::vector<Expect> cases;
    for (auto [port, pass] : op.ports) {
      cases.push_back({op.spec, udp(kIn, kEm0, "10.0.0.5", 7, "192.0.2.1", port),
                       pass ? Decision::kPass : Decision::kBlock, pass ? 1 : 0});
    }
    check(conf, cases);
  }
  check("block all\npass in proto tcp from any port 53 flags any\n",
        {
            {"source port 53", tcp(kIn, kEm0, "10.0.0.5", 53, "192.0.2.1", 9), Decision::kPass, 1},
            {"source port 54", tcp(kIn, kEm0, "10.0.0.5", 54, "192.0.2.1", 9), Decision::kBlock, 0},
        });
}

TEST_CASE("filter: flags S/SA matches only a SYN without ACK") {
  constexpr uint8_t kSynAck = wire::kTcpSyn | wire::kTcpAck;
  check(
      R"(block all
pass in proto tcp to port 22
pass in proto tcp to port 23 flags any
)",
      {
          {"SYN", tcp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 22, wire::kTcpSyn), Decision::kPass,
           1},
          {"SYN+ECE still S under SA", tcp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 22, 0x42),
           Decision::kPass, 1},
          {"SYN+ACK", tcp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 22, kSynAck), Decision::kBlock, 0},
          {"ACK", tcp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 22, wire::kTcpAck), Decision::kBlock,
           0},
          {"ACK with flags any", tcp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 23, wire::kTcpAck),
           Decision::kPass, 2},
      });
}

TEST_CASE("filter: icmp-type and icmp6-type select type and code") {
  check(
      R"(block all
pass in inet proto icmp icmp-type echoreq
pass in inet6 proto icmp6 icmp6-type echoreq
pass in inet proto icmp icmp-type unreach code port-unr
)",
      {
          {"echo request", icmp(kIn, kEm0, "10.0.0.5", "192.0.2.1", 8, 0), Decision::kPass, 1},
          {"echo reply", icmp(kIn, kEm0, "10.0.0.5", "192.0.2.1", 0, 0), Decision::kBlock, 0},
          {"icmp6 echo request", icmp(kIn, kEm0, "2001:db8::5", "2001:db8::1", 128, 0),
           Decision::kPass, 2},
          {"icmp6 echo reply", icmp(kIn, kEm0, "2001:db8::5", "2001:db8::1", 129, 0),
           Decision::kBlock, 0},
          {"port unreachable", icmp(kIn, kEm0, "10.0.0.5", "192.0.2.1", 3, 3), Decision::kPass, 3},
          {"host unreachable", icmp(kIn, kEm0, "10.0.0.5", "192.0.2.1", 3, 1), Decision::kBlock, 0},
      });
}

TEST_CASE("filter: inet and inet6 rules match only their family") {
  check(R"(block all
pass in inet all no state
block in inet6 proto udp all
pass in inet6 proto udp to port 53 no state
)",
        {
            {"IPv4", udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 2), Decision::kPass, 1},
            {"IPv6", udp(kIn, kEm0, "2001:db8::5", 1, "2001:db8::1", 2), Decision::kBlock, 2},
            {"IPv6 dns", udp(kIn, kEm0, "2001:db8::5", 1, "2001:db8::1", 53), Decision::kPass, 3},
        });
}

TEST_CASE("filter: set skip on an interface or group leaves its packets unfiltered") {
  check(
      R"(set skip on lo
block all
)",
      {
          {"on lo0", udp(kIn, kLo0, "127.0.0.1", 1, "127.0.0.1", 2), Decision::kSkip, kDefault},
          {"out on lo0", udp(kOut, kLo0, "127.0.0.1", 1, "127.0.0.1", 2), Decision::kSkip,
           kDefault},
          {"on em0", udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 2), Decision::kBlock, 0},
      });
}

TEST_CASE("filter: match rules never decide the action") {
  check(R"(pass all no state
match in proto udp
block in proto tcp
match in proto tcp
)",
        {
            {"udp stays with rule 0", udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 2),
             Decision::kPass, 0},
            {"tcp stays with the block", tcp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 2),
             Decision::kBlock, 2},
        });
}

TEST_CASE("filter: a tag set by a match rule is seen by tagged later") {
  auto rs = must_compile(R"(block all
match in proto udp to port 80 tag WEB
pass in tagged WEB no state
pass in proto udp to port 81 ! tagged WEB no state
)");
  Verdict web = evaluate(*rs, udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 80));
  CHECK(web.action == Decision::kPass);
  CHECK(web.rule_nr == 2);
  CHECK(web.tag == rs->tag_id("WEB"));
  CHECK(web.tag != 0);
  Verdict other = evaluate(*rs, udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 81));
  CHECK(other.rule_nr == 3);
  CHECK(other.tag == 0);
  Packet tagged_before = udp(kOut, kEm1, "10.0.0.5", 1, "192.0.2.1", 9);
  tagged_before.dir = kIn;
  tagged_before.tag = rs->tag_id("WEB");
  CHECK(evaluate(*rs, tagged_before).rule_nr == 2);
}

TEST_CASE("filter: no matching rule passes without state") {
  auto rs = must_compile("block in proto tcp\n");
  Verdict v = evaluate(*rs, udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 2));
  CHECK(v.action == Decision::kPass);
  CHECK(v.rule == nullptr);
  CHECK(v.rule_nr == kNoRule);
  CHECK_FALSE(v.keep_state);
  CHECK(v.state == nullptr);
  auto empty = must_compile("");
  CHECK(evaluate(*empty, tcp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 2)).action == Decision::kPass);
}

TEST_CASE("filter: allow-opts comes from the deciding rule only") {
  // pf_test drops IPv4 options unless r->allow_opts, r being the rule that decided.
  auto rs = must_compile(
      R"(pass in proto udp allow-opts
pass in proto udp to port 53
block in proto udp to port 69 allow-opts
pass in proto tcp allow-opts no state
)");
  const Verdict any = evaluate(*rs, udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 7));
  CHECK(any.rule_nr == 0);
  CHECK(any.allow_opts);
  const Verdict dns = evaluate(*rs, udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 53));
  CHECK(dns.rule_nr == 1);
  CHECK_FALSE(dns.allow_opts);  // an earlier matching rule's allow-opts does not carry over
  CHECK_FALSE(evaluate(*rs, udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 69)).allow_opts);
  CHECK(evaluate(*rs, tcp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 80)).allow_opts);
  // pf_default_rule allows no options.
  const Verdict none = evaluate(*rs, udp(kOut, kEm0, "192.0.2.1", 1, "10.0.0.5", 7));
  CHECK(none.rule == nullptr);
  CHECK_FALSE(none.allow_opts);
}

TEST_CASE("filter: a pass rule's state options reach the verdict") {
  auto rs = must_compile(
      R"(pass in proto tcp to port 22 keep state (max 100, no-sync, sloppy, if-bound, tcp.established 600, max-src-states 5)
pass in proto udp to port 53 no state
pass in proto tcp to port 25 modulate state
)");
  Verdict ssh = evaluate(*rs, tcp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 22));
  REQUIRE(ssh.keep_state);
  REQUIRE(ssh.state != nullptr);
  CHECK(ssh.state_mode == StateMode::kKeep);
  CHECK(ssh.state->max_states == 100);
  CHECK(ssh.state->no_sync);
  CHECK(ssh.state->sloppy);
  CHECK(ssh.state->if_bound);
  CHECK(ssh.state->max_src_states == 5);
  CHECK(ssh.state->timeouts[2] == 600);  // PFTM_TCP_ESTABLISHED
  CHECK(ssh.state->timeouts[0] == 0);
  Verdict dns = evaluate(*rs, udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 53));
  CHECK(dns.action == Decision::kPass);
  CHECK_FALSE(dns.keep_state);
  CHECK(evaluate(*rs, tcp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 25)).state_mode ==
        StateMode::kModulate);
}

TEST_CASE("filter: set state-policy if-bound makes states interface-bound") {
  auto rs = must_compile("set state-policy if-bound\npass all\n");
  Verdict v = evaluate(*rs, udp(kIn, kEm0, "10.0.0.5", 1, "192.0.2.1", 2));
  REQUIRE(v.state != nullptr);
  CHECK(v.state->if_bound);
}

TEST_CASE("filter: block return answers TCP with RST and others with ICMP unreachable") {
  auto rs = must_compile(R"(block return in proto tcp to port 1
block drop in proto tcp to port 2
block return-icmp in proto tcp to port 3
block return-rst in proto tcp to port 4
block return in proto udp to port 5
block return-icmp(host-unr) in proto udp to port 6
block return in proto icmp all
)");
  Verdict rst = evaluate(*rs, tcp(kIn, kEm0, "10.0.0.5", 9, "192.0.2.1", 1));
  CHECK(rst.action == Decision::kBlock);
  CHECK(rst.ret == ReturnKind::kRst);
  CHECK(evaluate(*rs, tcp(kIn, kEm0, "10.0.0.5", 9, "192.0.2.1", 2)).ret == ReturnKind::kNone);
  Verdict icmp_tcp = evaluate(*rs, tcp(kIn, kEm0, "10.0.0.5", 9, "192.0.2.1", 3));
  CHECK(icmp_tcp.ret == ReturnKind::kIcmp);
  CHECK(icmp_tcp.icmp_type == 3);
  CHECK(icmp_tcp.icmp_code == 3);
  CHECK(evaluate(*rs, tcp(kIn, kEm0, "10.0.0.5", 9, "192.0.2.1", 4)).ret == ReturnKind::kRst);
  // A RST is never answered with a RST; `return` falls back to ICMP as pf_return does.
  CHECK(evaluate(*rs, tcp(kIn, kEm0, "10.0.0.5", 9, "192.0.2.1", 1, wire::kTcpRst)).ret ==
        ReturnKind::kIcmp);
  CHECK(evaluate(*rs, tcp(kIn, kEm0, "10.0.0.5", 9, "192.0.2.1", 4, wire::kTcpRst)).ret ==
        ReturnKind::kNone);
  Verdict port_unr = evaluate(*rs, udp(kIn, kEm0, "10.0.0.5", 9, "192.0.2.1", 5));
  CHECK(port_unr.ret == ReturnKind::kIcmp);
  CHECK(port_unr.icmp_code == 3);
  Verdict v6 = evaluate(*rs, udp(kIn, kEm0, "2001:db8::5", 9, "2001:db8::1", 5));
  CHECK(v6.ret == ReturnKind::kIcmp);
  CHECK(v6.icmp_type == 1);
  CHECK(v6.icmp_code == 4);
  CHECK(evaluate(*rs, udp(kIn, kEm0, "10.0.0.5", 9, "192.0.2.1", 6)).icmp_code == 1);
  // ICMP is never answered with ICMP.
  CHECK(evaluate(*rs, icmp(kIn, kEm0, "10.0.0.5", "192.0.2.1", 8, 0)).ret == ReturnKind::kNone);
}

TEST_CASE("filter: set block-policy return applies to plain block rules") {
  auto rs = must_compile(R"(set block-policy return
block in proto tcp to port 1
block drop in proto tcp to port 2
block in proto udp all
)");
  CHECK(evaluate(*rs, tcp(kIn, kEm0, "10.0.0.5", 9, "192.0.2.1", 1)).ret == ReturnKind::kRst);
  CHECK(evaluate(*rs, tcp(kIn, kEm0, "10.0.0.5", 9, "192.0.2.1", 2)).ret == ReturnKind::kNone);
  CHECK(evaluate(*rs, udp(kIn, kEm0, "10.0.0.5", 9, "192.0.2.1", 2)).ret == ReturnKind::kIcmp);
  auto drop = must_compile("block in proto tcp to port 1\n");
  CHECK(evaluate(*drop, tcp(kIn, kEm0, "10.0.0.5", 9, "192.0.2.1", 1)).ret == ReturnKind::kNone);
}

TEST_CASE("filter: received-on matches the interface a packet arrived on") {
  Packet fwd = udp(kOut, kEm0, "10.0.0.5", 1, "8.8.8.8", 53);
  fwd.rcv_port = kEm1;
  Packet local = fwd;
  local.rcv_port = kNoPort;
  check(R"(block out all
pass out received-on em1 no state
)",
        {
            {"forwarded from em1", fwd, Decision::kPass, 1},
            {"from the node itself", local, Decision::kBlock, 0},
        });
}

TEST_CASE("filter: a fragment matches only rules that need no transport header") {
  Packet frag = udp(kIn, kEm0, "10.0.0.5", 0, "192.0.2.1", 0);
  frag.fragment = true;
  check(R"(block all
pass in proto udp all no state
pass in proto udp to port 0 no state
)",
        {{"fragment", frag, Decision::kPass, 1}});
  auto rs = must_compile("pass in proto udp all\n");
  CHECK_FALSE(evaluate(*rs, frag).keep_state);
}

TEST_CASE("filter: compile refuses what the fast path cannot evaluate") {
  std::string err;
  CHECK(compile_text("pass in from no-route\n", test_interfaces(), &err) == nullptr);
  CHECK(err.find("no-route") != std::string::npos);
  CHECK(compile_text("pass in all probability 50%\n", test_interfaces(), &err) == nullptr);
  CHECK(err.find("probability") != std::string::npos);
  InterfaceMap big = test_interfaces();
  big.interfaces[0].port = kMaxPorts;
  CHECK(compile_text("pass all\n", big, &err) == nullptr);
  CHECK(err.find("em0") != std::string::npos);
}

}  // namespace
}  // namespace dpf::filter
