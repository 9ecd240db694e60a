// The classifier against the linear walk and the reference evaluator (reference.h): random
// pf.conf rulesets (parsed by the real parser) and random packets must get identical verdicts
// from evaluate(), evaluate_linear() and the reference walk over the parsed rules, and
// large rulesets of distinct rules must leave few candidates per packet.
#include <catch2/catch.hpp>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/filter/filter_test_util.h"
#include "tests/unit/filter/reference.h"

namespace dpf::filter {
namespace {

using namespace testing;

class RuleGen {
 public:
  explicit RuleGen(uint32_t seed) : rng_(seed) {}

  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng_)];
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  uint32_t uniform(uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng_);
  }

  std::string address(int family) {  // family 4, 6 or 0 (neutral only)
    static const std::vector<std::string> v4 = {
        "10.0.0.0/8",    "10.1.0.0/16",           "10.1.2.3",  "192.0.2.0/24", "192.0.2.1",
        "172.16.0.0/12", "10.0.0.10 - 10.0.0.20", "10.0.0.0/9"};
    static const std::vector<std::string> v6 = {"2001:db8::/32", "2001:db8::1", "2001:db8:1::/48",
                                                "fe80::/10", "2001:db8::/127"};
    static const std::vector<std::string> neutral = {
        "<t1>", "<t2>", "self", "em1:network", "(em0)", "<undef>", "(em0:network)"};
    if (chance(0.4)) return "any";
    std::string a;
    if (family == 4 && chance(0.6)) {
      a = pick(v4);
    } else if (family == 6 && chance(0.6)) {
      a = pick(v6);
    } else {
      a = pick(neutral);
    }
    return (chance(0.25) ? "! " : "") + a;
  }

  std::string port() {
    static const std::vector<std::string> ops = {"=", "!=", "<", "<=", ">", ">="};
    static const std::vector<uint32_t> ports = {0, 22, 53, 80, 443, 1000, 1024, 2000, 8080, 65535};
    switch (uniform(0, 3)) {
      case 0:
        return "";
      case 1:
        return " port " + pick(ops) + " " + std::to_string(pick(ports));
      case 2: {
        uint32_t a = pick(ports);
        uint32_t b = pick(ports);
        if (a > b) std::swap(a, b);
        static const std::vector<std::string> range = {":", " >< ", " <> "};
        return " port " + std::to_string(a) + pick(range) + std::to_string(b);
      }
      default:
        return " port " + std::to_string(pick(ports));
    }
  }

  std::string rule() {
    std::string r;
    uint32_t action = uniform(0, 19);
    bool pass = action < 9;
    bool match = action >= 17;
    if (pass) {
      r = "pass";
    } else if (match) {
      r = "match";
    } else {
      static const std::vector<std::string> blocks = {"block", "block drop", "block return",
                                                      "block return-icmp", "block return-rst"};
      r = pick(blocks);
    }
    static const std::vector<std::string> dirs = {"", " in", " out"};
    r += pick(dirs);
    if (chance(0.1)) r += " log";
    if (chance(0.2)) r += " quick";
    static const std::vector<std::string> ons = {" on em0",    " on em1",   " on lo0",
                                                 " on egress", " on ! em1", " on ppp0"};
    if (chance(0.5)) r += pick(ons);
    int family = static_cast<int>(uniform(0, 2)) * 2 + 2;  // 2 (none), 4, 6
    uint32_t proto = uniform(0, 4);                        // any, tcp, udp, icmp, gre
    if (proto == 3) {
      r += family == 6 ? " inet6 proto icmp6" : " inet proto icmp";
      family = family == 6 ? 6 : 4;
    } else {
      if (family != 2 && chance(0.5)) r += family == 4 ? " inet" : " inet6";
      static const std::vector<std::string> protos = {"", " proto tcp", " proto udp", "",
                                                      " proto gre"};
      r += protos[proto];
    }
    int addr_family = family == 2 ? 0 : family;
    bool ports = proto == 1 || proto == 2;
    std::string from = address(addr_family);
    std::string to = address(addr_family);
    std::string from_port = ports ? port() : "";
    std::string to_port = ports ? port() : "";
    r += " from " + from + from_port + " to " + to + to_port;
    if (proto == 1 && chance(0.4)) {
      static const std::vector<std::string> flags = {" flags S/SA", " flags any", " flags SA/SA",
                                                     " flags R/R"};
      r += pick(flags);
    }
    if (proto == 3 && chance(0.5)) {
      r += family == 6 ? " icmp6-type echoreq"
                       : pick(std::vector<std::string>{" icmp-type echoreq",
                                                       " icmp-type unreach code port-unr"});
    }
    if (!match && chance(0.1)) r += " tagged T1";
    if (chance(0.05)) r += " ! tagged T2";
    if ((pass || match) && chance(0.15)) r += chance(0.5) ? " tag T1" : " tag T2";
    if (pass && chance(0.3)) r += chance(0.5) ? " no state" : " keep state";
    return r + "\n";
  }

  // Many distinct rules that the indexes can place, as large real rulesets have.
  std::string bulk_rule(uint32_t i) {
    std::string host = "10." + std::to_string(i / 250 % 250) + "." + std::to_string(i % 250) + "." +
                       std::to_string(uniform(1, 254));
    switch (uniform(0, 3)) {
      case 0:
        return "pass in on em0 proto tcp from any to " + host + " port " +
               std::to_string(uniform(1, 65535)) + "\n";
      case 1:
        return "block in quick proto udp from " + host + " to any\n";
      case 2:
        return "pass out proto tcp to any port " + std::to_string(uniform(1000, 1100)) + "\n";
      default:
        return "pass in on em1 proto udp to " + host + "/28 port " +
               std::to_string(uniform(1, 2000)) + ":" + std::to_string(uniform(2000, 4000)) + "\n";
    }
  }

  std::string ruleset(bool big) {
    std::string s =
        "table <t1> { 10.0.0.0/8, !10.1.0.0/16, 2001:db8::/32 }\n"
        "table <t2> { 192.0.2.0/25, 172.16.0.0/12, !172.16.1.0/24, 2001:db8:1::/48 }\n";
    if (chance(0.1)) s += "set skip on lo\n";
    if (chance(0.2)) s += "set block-policy return\n";
    uint32_t n = uniform(1, 40);
    for (uint32_t i = 0; i < n; ++i) s += rule();
    if (big) {
      for (uint32_t i = 0; i < 400; ++i) s += chance(0.9) ? bulk_rule(i) : rule();
    }
    return s;
  }

  Packet packet() {
    static const std::vector<const char*> v4 = {
        "10.1.2.3",   "10.1.9.9",   "10.0.0.15", "10.2.0.1", "192.0.2.1", "192.0.2.200",
        "172.16.5.5", "172.16.1.1", "8.8.8.8",   "10.0.1.1", "127.0.0.1", "10.0.0.20"};
    static const std::vector<const char*> v6 = {"2001:db8::1", "2001:db8::2", "2001:db8:1::5",
                                                "2001:db9::1", "fe80::1",     "::1"};
    static const std::vector<uint16_t> ports = {22,   53,    80, 443,  1000, 1500, 2000,
                                                8080, 65535, 0,  1023, 1024, 1050, 3000};
    static const std::vector<uint8_t> tcp_flags = {wire::kTcpSyn, wire::kTcpSyn | wire::kTcpAck,
                                                   wire::kTcpAck, wire::kTcpRst,
                                                   wire::kTcpFin | wire::kTcpAck};
    bool six = chance(0.3);
    const auto& pool = six ? v6 : v4;
    uint8_t proto = pick(std::vector<uint8_t>{wire::kIpProtoTcp, wire::kIpProtoUdp, 1, 47});
    if (proto == 1 && six) proto = wire::kIpProtoIcmpv6;
    Direction dir = chance(0.5) ? Direction::kIn : Direction::kOut;
    Packet p = testing::packet(dir, static_cast<uint16_t>(uniform(0, 3)), proto, pick(pool),
                               pick(ports), pick(pool), pick(ports));
    p.rcv_port = static_cast<uint16_t>(uniform(0, 3));
    p.tcp_flags = pick(tcp_flags);
    if (proto == 1 || proto == wire::kIpProtoIcmpv6) {
      p.icmp_type = pick(six ? std::vector<uint8_t>{128, 129, 1} : std::vector<uint8_t>{8, 0, 3});
      p.icmp_code = static_cast<uint8_t>(uniform(0, 3));
    }
    p.fragment = chance(0.05);
    p.tag = static_cast<uint16_t>(uniform(0, 2));  // none, T1 or T2 when those ids exist
    return p;
  }

 private:
  std::mt19937 rng_;
};

TEST_CASE(
    "classifier: verdicts equal the linear walk and an independent reference on random rulesets") {
  RuleGen gen(20261126);
  const InterfaceMap ifs = test_interfaces();
  size_t compared = 0;
  size_t by_rule = 0;
  size_t blocked = 0;
  size_t placed[5] = {};  // entries in the dport, dst, src, interface and wildcard lists
  for (int set = 0; set < 400; ++set) {
    std::string text = gen.ruleset(set % 10 == 0);
    pfconf::Result parsed = pfconf::parse_ruleset(text, "random.conf", pfconf::ParseOptions{});
    INFO(text);
    REQUIRE(parsed.ok());
    std::string err;
    auto rs = compile(*parsed.ruleset, ifs, err);
    INFO(err);
    REQUIRE(rs != nullptr);
    Reference ref(*parsed.ruleset, ifs);
    for (const ClassifierNode& n : rs->nodes) {
      placed[0] += n.dport.ids.size();
      placed[1] += n.dst.ids.size();
      placed[2] += n.src.ids.size();
      placed[3] += n.if_ids.size();
      placed[4] += n.wild.size();
    }
    for (int i = 0; i < 100; ++i) {
      Packet p = gen.packet();
      if (p.tag > rs->tag_names.size()) p.tag = 0;
      Verdict a = evaluate(*rs, p);
      Verdict b = evaluate_linear(*rs, p);
      INFO("packet " << i << " proto " << int(p.proto) << " dir " << int(p.dir) << " port "
                     << p.port << " sport " << p.sport << " dport " << p.dport);
      REQUIRE(a.rule_nr == b.rule_nr);
      REQUIRE(a.action == b.action);
      REQUIRE(a.tag == b.tag);
      REQUIRE(a.keep_state == b.keep_state);
      REQUIRE(a.ret == b.ret);
      REQUIRE(a.icmp_code == b.icmp_code);
      REQUIRE(a.match_log == b.match_log);
      RefVerdict r = ref.evaluate(p, p.tag == 0 ? "" : rs->tag_names[p.tag - 1]);
      REQUIRE(static_cast<int>(a.action) == static_cast<int>(r.action));
      REQUIRE((a.rule == nullptr ? int64_t{-1} : int64_t{a.rule_nr}) == r.rule);
      REQUIRE((a.tag == 0 ? std::string() : rs->tag_names[a.tag - 1]) == r.tag);
      ++compared;
      by_rule += a.rule != nullptr;
      blocked += a.action == Decision::kBlock;
    }
  }
  CHECK(compared == 40000);
  // The cases exercise real decisions, not only the default rule.
  CHECK(by_rule > compared / 4);
  CHECK(blocked > compared / 10);
  // Every list of the classifier took part.
  for (size_t n : placed) CHECK(n > 1000);
}

TEST_CASE("classifier: 10000 distinct rules leave a handful of candidates per packet") {
  std::string text = "block all\n";
  for (int i = 0; i < 10000; ++i) {
    text += "pass in on em0 proto tcp from any to 10." + std::to_string(i / 250) + "." +
            std::to_string(i % 250) + ".1 port " + std::to_string(1000 + i) + "\n";
  }
  auto rs = compile_text(text);
  REQUIRE(rs != nullptr);
  REQUIRE(rs->rules.size() == 10001);
  Packet hit = tcp(Direction::kIn, 0, "192.0.2.7", 5555, "10.20.7.1", 1000 + 5007);
  CHECK(candidate_count(*rs, hit) <= 3);
  Verdict v = evaluate(*rs, hit);
  CHECK(v.action == Decision::kPass);
  CHECK(v.rule_nr == 5008);
  Packet miss = hit;
  miss.dport = 999;
  CHECK(evaluate(*rs, miss).rule_nr == 0);
  CHECK(candidate_count(*rs, miss) <= 3);
}

TEST_CASE("classifier: a wide port range beside many single ports is still found") {
  std::string text = "block all\npass in proto udp to any port 1:60000 no state\n";
  for (int i = 0; i < 500; ++i) {
    text += "block in proto udp to any port " + std::to_string(2 * i + 1) + "\n";
  }
  auto rs = compile_text(text);
  REQUIRE(rs != nullptr);
  CHECK(evaluate(*rs, udp(Direction::kIn, 0, "10.0.0.1", 9, "10.0.0.2", 3)).rule_nr == 3);
  CHECK(evaluate(*rs, udp(Direction::kIn, 0, "10.0.0.1", 9, "10.0.0.2", 4)).rule_nr == 1);
  CHECK(evaluate(*rs, udp(Direction::kIn, 0, "10.0.0.1", 9, "10.0.0.2", 60001)).rule_nr == 0);
}

// Hosts that differ only in the low 64 bits all fall in one bucket: lookup falls back to a
// binary search within it and must stay exact.
TEST_CASE("classifier: many IPv6 hosts in one /64 are told apart") {
  std::string text = "block all\n";
  char buf[128];
  for (int i = 0; i < 3000; ++i) {
    std::snprintf(buf, sizeof buf, "pass in proto udp to 2001:db8::%x:%x no state\n", i / 7, i);
    text += buf;
  }
  auto rs = compile_text(text);
  REQUIRE(rs != nullptr);
  for (int i = 0; i < 3000; i += 37) {
    std::snprintf(buf, sizeof buf, "2001:db8::%x:%x", i / 7, i);
    Packet hit = udp(Direction::kIn, 0, "2001:db8:ffff::1", 1, buf, 2);
    CHECK(evaluate(*rs, hit).rule_nr == static_cast<uint32_t>(i + 1));
    CHECK(candidate_count(*rs, hit) <= 3);
    std::snprintf(buf, sizeof buf, "2001:db8::%x:%x", i / 7, i + 1);
    Packet next = udp(Direction::kIn, 0, "2001:db8:ffff::1", 1, buf, 2);
    CHECK(evaluate(*rs, next).rule_nr == evaluate_linear(*rs, next).rule_nr);
  }
}

TEST_CASE("classifier: a rule over a large table with exclusions is found for every entry") {
  std::string text = "table <big> {";
  for (int i = 0; i < 2000; ++i) {
    text += " 10." + std::to_string(i / 200) + "." + std::to_string(i % 200) + ".0/24";
    if (i % 10 == 0)
      text += " !10." + std::to_string(i / 200) + "." + std::to_string(i % 200) + ".128/25";
  }
  text += " }\nblock all\npass in proto tcp from <big> to any port 443\n";
  for (int i = 0; i < 300; ++i)
    text += "pass in proto tcp to 192.0.2." + std::to_string(i % 250) + " port " +
            std::to_string(1000 + i) + "\n";
  auto rs = compile_text(text);
  REQUIRE(rs != nullptr);
  for (int i = 0; i < 2000; i += 3) {
    std::string net = "10." + std::to_string(i / 200) + "." + std::to_string(i % 200) + ".";
    Packet in = tcp(Direction::kIn, 0, (net + "7").c_str(), 1, "192.0.2.1", 443);
    Packet excluded = tcp(Direction::kIn, 0, (net + "200").c_str(), 1, "192.0.2.1", 443);
    CHECK(evaluate(*rs, in).rule_nr == 1);
    CHECK(evaluate(*rs, excluded).rule_nr == (i % 10 == 0 ? 0u : 1u));
    CHECK(evaluate_linear(*rs, excluded).rule_nr == evaluate(*rs, excluded).rule_nr);
  }
  CHECK(evaluate(*rs, tcp(Direction::kIn, 0, "10.99.0.1", 1, "192.0.2.1", 443)).rule_nr == 0);
}

}  // namespace
}  // namespace dpf::filter
