// pf's translation as the filter compiles and applies it: the nat, rdr and binat statements
// (first match in pf's order, pfctl's @N), the pools compile() resolves, the translation a verdict
// carries (nat-to/rdr-to of pass and match rules), the choice of address, port and echo id
// (translate()) and the rewrite that applies it (rewrite_tuple()). Rulesets go through the real
// parser; packets are built field by field with every checksum computed in full
// (tests/unit/nat/packet_util.h), which is what the rewritten bytes are verified against.
#include "dataplane/filter/translate.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/filter/filter_test_util.h"
#include "tests/unit/nat/packet_util.h"

namespace dpf::filter {
namespace {

using namespace testing;
using nat::test::Bytes;
using nat::test::get16;
using nat::test::get32;
using nat::test::ip_header_len;
using Status = Translated::Status;

constexpr Direction kIn = Direction::kIn;
constexpr Direction kOut = Direction::kOut;
constexpr uint16_t kEm0 = 0;
constexpr uint16_t kEm1 = 1;

std::unique_ptr<const CompiledRuleset> must_compile(const std::string& conf,
                                                    const InterfaceMap& ifs = test_interfaces()) {
  std::string err;
  auto rs = compile_text(conf, ifs, &err);
  INFO(conf << "\n" << err);
  REQUIRE(rs != nullptr);
  return rs;
}

std::string compile_error(const std::string& conf, const InterfaceMap& ifs = test_interfaces()) {
  std::string err;
  auto rs = compile_text(conf, ifs, &err);
  CHECK(rs == nullptr);
  return err;
}

state::Addr addr(const char* text) {
  const pfconf::IpAddr a = ip(text);
  return state::Addr::v4(a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]);
}

std::string text(const state::Addr& a) {
  char b[16];
  std::snprintf(b, sizeof b, "%u.%u.%u.%u", a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]);
  return b;
}

uint32_t host(const char* text) {
  const pfconf::IpAddr a = ip(text);
  return uint32_t{a.bytes[0]} << 24 | uint32_t{a.bytes[1]} << 16 | uint32_t{a.bytes[2]} << 8 |
         a.bytes[3];
}

state::PacketTuple tuple(uint8_t proto, const char* src, uint16_t sport, const char* dst,
                         uint16_t dport) {
  state::PacketTuple t;
  t.proto = proto;
  t.src = addr(src);
  t.dst = addr(dst);
  t.sport = sport;
  t.dport = dport;
  return t;
}

TranslateInput input(uint8_t proto, const char* src, uint16_t sport, const char* dst,
                     uint16_t dport) {
  TranslateInput in;
  in.from = tuple(proto, src, sport, dst, dport);
  return in;
}

// An echo request with identifier `id`: the input the worker builds for one.
TranslateInput echo(const char* src, const char* dst, uint16_t id) {
  TranslateInput in = input(wire::kIpProtoIcmp, src, 0, dst, 0);
  in.icmp_query = true;
  in.echo = true;
  in.id = id;
  return in;
}

// The translation the statements give `p`, as the worker takes it: the deciding rule's nat
// outbound, its rdr inbound (either, for the leg that has only the other). nullptr: no statement
// matched, or a `no` statement did.
const Translation* statement(const CompiledRuleset& rs, const Packet& p,
                             uint32_t* index = nullptr) {
  REQUIRE(rs.statements != nullptr);
  const CompiledRuleset& st = *rs.statements;
  const Verdict v = evaluate(st, p);
  CHECK(v.action == Decision::kPass);
  if (v.rule == nullptr) return nullptr;
  uint32_t x = p.dir == kOut ? v.nat : v.rdr;
  if (x == kNoRule) x = p.dir == kOut ? v.rdr : v.nat;
  if (x == kNoRule) return nullptr;
  if (index != nullptr) *index = x;
  return &st.translations[x];
}

// translate() with every would-be key free, counting the questions.
Translated translate_free(const CompiledRuleset& rs, uint32_t index, const TranslateInput& in,
                          nat::WorkerPartition part = {}, uint64_t random = 0,
                          int* asked = nullptr) {
  return translate(rs, index, in, part, random, [&](const state::PacketTuple&, uint16_t) {
    if (asked != nullptr) ++*asked;
    return true;
  });
}

// ---- compile(): the statements ----

TEST_CASE("translate: outbound, binat is evaluated before nat whatever their order in the file") {
  auto rs = must_compile(
      "nat on em0 from 10.0.0.0/24 to any -> 192.0.2.1\n"
      "binat on em0 from 10.0.0.5 to any -> 192.0.2.5\n");
  const Translation* t = statement(*rs, tcp(kOut, kEm0, "10.0.0.5", 1234, "198.51.100.9", 80));
  REQUIRE(t != nullptr);
  CHECK(t->kind == Translation::Kind::kBinat);
  CHECK(t->source);
  t = statement(*rs, tcp(kOut, kEm0, "10.0.0.6", 1234, "198.51.100.9", 80));
  REQUIRE(t != nullptr);
  CHECK(t->kind == Translation::Kind::kNat);
  CHECK(statement(*rs, tcp(kIn, kEm0, "198.51.100.9", 80, "10.0.0.6", 1234)) == nullptr);
}

TEST_CASE("translate: inbound, rdr is evaluated before binat's inbound leg") {
  auto rs = must_compile(
      "binat on em0 from 10.0.0.5 to any -> 192.0.2.5\n"
      "rdr on em0 proto tcp from any to 192.0.2.5 port 80 -> 10.0.0.80\n");
  const Translation* t = statement(*rs, tcp(kIn, kEm0, "198.51.100.9", 4000, "192.0.2.5", 80));
  REQUIRE(t != nullptr);
  CHECK(t->kind == Translation::Kind::kRdr);
  CHECK(text(t->entries.at(0).addr) == "10.0.0.80");
  t = statement(*rs, tcp(kIn, kEm0, "198.51.100.9", 4000, "192.0.2.5", 22));
  REQUIRE(t != nullptr);
  CHECK(t->kind == Translation::Kind::kBinat);
  CHECK_FALSE(t->source);
}

TEST_CASE("translate: a `no nat` statement matches and names no translation") {
  auto rs = must_compile(
      "no nat on em0 from 10.0.0.7 to any\n"
      "nat on em0 from 10.0.0.0/24 to any -> 192.0.2.1\n");
  const Verdict v = evaluate(*rs->statements, tcp(kOut, kEm0, "10.0.0.7", 1234, "8.8.8.8", 53));
  REQUIRE(v.rule != nullptr);
  CHECK(v.rule_nr == 0);
  CHECK(v.nat == kNoRule);
  CHECK(v.rdr == kNoRule);
  const Translation* t = statement(*rs, tcp(kOut, kEm0, "10.0.0.8", 1234, "8.8.8.8", 53));
  REQUIRE(t != nullptr);
  CHECK(text(t->entries.at(0).addr) == "192.0.2.1");
}

TEST_CASE("translate: `nat pass` and `rdr pass` mark their translation pass, plain ones do not") {
  auto rs = must_compile(
      "nat pass on em0 from 10.0.0.5 to any -> 192.0.2.1\n"
      "nat on em0 from 10.0.0.6 to any -> 192.0.2.1\n"
      "rdr pass on em0 proto tcp to port 80 -> 10.0.0.80\n");
  const Translation* t = statement(*rs, tcp(kOut, kEm0, "10.0.0.5", 1234, "8.8.8.8", 53));
  REQUIRE(t != nullptr);
  CHECK(t->pass);
  t = statement(*rs, tcp(kOut, kEm0, "10.0.0.6", 1234, "8.8.8.8", 53));
  REQUIRE(t != nullptr);
  CHECK_FALSE(t->pass);
  t = statement(*rs, tcp(kIn, kEm0, "8.8.8.8", 1234, "192.0.2.1", 80));
  REQUIRE(t != nullptr);
  CHECK(t->pass);
}

TEST_CASE("translate: a statement's number is pfctl's @N among the statements of its kind") {
  auto rs = must_compile(
      "nat on em0 from 10.0.0.1 to any -> 192.0.2.1\n"
      "rdr on em0 proto tcp to port 80 -> 10.0.0.80\n"
      "nat on em0 from 10.0.0.2 to any -> 192.0.2.1\n"
      "binat on em0 from 10.0.0.3 to any -> 192.0.2.3\n"
      "rdr on em0 proto tcp to port 443 -> 10.0.0.43\n");
  struct Case {
    Packet p;
    Translation::Kind kind;
    uint32_t nr;
  };
  const Case cases[] = {
      {tcp(kOut, kEm0, "10.0.0.1", 1, "8.8.8.8", 2), Translation::Kind::kNat, 0},
      {tcp(kOut, kEm0, "10.0.0.2", 1, "8.8.8.8", 2), Translation::Kind::kNat, 1},
      {tcp(kOut, kEm0, "10.0.0.3", 1, "8.8.8.8", 2), Translation::Kind::kBinat, 0},
      {tcp(kIn, kEm0, "8.8.8.8", 1, "192.0.2.3", 22), Translation::Kind::kBinat, 0},
      {tcp(kIn, kEm0, "8.8.8.8", 1, "192.0.2.1", 80), Translation::Kind::kRdr, 0},
      {tcp(kIn, kEm0, "8.8.8.8", 1, "192.0.2.1", 443), Translation::Kind::kRdr, 1},
  };
  for (const Case& c : cases) {
    const Translation* t = statement(*rs, c.p);
    REQUIRE(t != nullptr);
    CHECK(t->kind == c.kind);
    CHECK(t->nr == c.nr);
  }
}

TEST_CASE("translate: binat of a /24 onto a /24 keeps host bits and ports both ways") {
  auto rs = must_compile("binat on em0 from 10.0.0.0/24 to any -> 198.51.100.0/24\n");
  const CompiledRuleset& st = *rs->statements;
  uint32_t out = kNoRule;
  REQUIRE(statement(*rs, tcp(kOut, kEm0, "10.0.0.77", 1234, "8.8.8.8", 80), &out) != nullptr);
  int asked = 0;
  Translated r = translate_free(st, out, input(wire::kIpProtoTcp, "10.0.0.77", 1234, "8.8.8.8", 80),
                                {1, 4}, 0x1234567812345678, &asked);
  CHECK(r.status == Status::kOk);
  CHECK(text(r.to.src) == "198.51.100.77");
  CHECK(r.to.sport == 1234);
  CHECK(text(r.to.dst) == "8.8.8.8");
  CHECK(r.to.dport == 80);
  CHECK(asked == 0);  // binat keeps ports: no port to look for

  uint32_t in = kNoRule;
  REQUIRE(statement(*rs, tcp(kIn, kEm0, "8.8.8.8", 80, "198.51.100.77", 1234), &in) != nullptr);
  r = translate_free(st, in, input(wire::kIpProtoTcp, "8.8.8.8", 80, "198.51.100.77", 1234), {1, 4},
                     0x1234567812345678, &asked);
  CHECK(r.status == Status::kOk);
  CHECK(text(r.to.dst) == "10.0.0.77");
  CHECK(r.to.dport == 1234);
  CHECK(text(r.to.src) == "8.8.8.8");
  CHECK(r.to.sport == 80);
  CHECK(asked == 0);
  // Only the external network comes back in.
  CHECK(statement(*rs, tcp(kIn, kEm0, "8.8.8.8", 80, "198.51.101.77", 1234)) == nullptr);
}

TEST_CASE("translate: an (if) pool is the interface's first IPv4 address") {
  InterfaceMap ifs = test_interfaces();
  ifs.interfaces.push_back({"em2", 3, {{ip("2001:db8:2::1"), 64}, {ip("203.0.113.1"), 24}}, {}});
  auto rs = must_compile(
      "nat on em1 from 10.0.0.5 to any -> (em0)\n"
      "nat on em1 from 10.0.0.6 to any -> (em2)\n",
      ifs);
  const Translation* t = statement(*rs, tcp(kOut, kEm1, "10.0.0.5", 1234, "8.8.8.8", 53));
  REQUIRE(t != nullptr);
  REQUIRE(t->entries.size() == 1);
  CHECK(text(t->entries[0].addr) == "192.0.2.1");
  CHECK(t->entries[0].prefix_len == 32);
  t = statement(*rs, tcp(kOut, kEm1, "10.0.0.6", 1234, "8.8.8.8", 53));
  REQUIRE(t != nullptr);
  REQUIRE(t->entries.size() == 1);
  CHECK(text(t->entries[0].addr) == "203.0.113.1");
}

TEST_CASE("translate: a table pool is walked round-robin over its entries") {
  auto rs = must_compile(
      "table <out> { 198.51.100.1, 198.51.100.2 }\n"
      "nat on em0 from any to any -> <out>\n");
  uint32_t x = kNoRule;
  const Translation* t = statement(*rs, tcp(kOut, kEm0, "10.0.0.5", 1234, "8.8.8.8", 53), &x);
  REQUIRE(t != nullptr);
  CHECK(t->type == nat::PoolType::kRoundRobin);
  REQUIRE(t->entries.size() == 2);
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) {
    got.push_back(text(translate_free(*rs->statements, x,
                                      input(wire::kIpProtoTcp, "10.0.0.5", 1234, "8.8.8.8", 53))
                           .to.src));
  }
  CHECK(got == std::vector<std::string>{"198.51.100.1", "198.51.100.2", "198.51.100.1"});
}

TEST_CASE("translate: a pool with no IPv4 address fails compile with a message") {
  CHECK(compile_error("nat on em0 from any to any -> <nothing>\n").find("no IPv4 address") !=
        std::string::npos);
  CHECK(compile_error("table <v6> { 2001:db8::5 }\n"
                      "nat on em0 from any to any -> <v6>\n")
            .find("no IPv4 address") != std::string::npos);
  InterfaceMap ifs = test_interfaces();
  ifs.interfaces.push_back({"em3", 3, {{ip("2001:db8:3::1"), 64}}, {}});
  CHECK(compile_error("nat on em0 from any to any -> (em3)\n", ifs)
            .find("(em3) names no interface with an IPv4 address") != std::string::npos);
  CHECK(compile_error("pass out on em0 nat-to (em3)\n", ifs).find("rule 0") != std::string::npos);
}

// ---- evaluate(): the translation of the verdict ----

TEST_CASE(
    "translate: a pass rule without nat-to takes the nat-to of the last matching match rule") {
  auto rs = must_compile(
      "match out on em0 from 10.0.0.0/24 nat-to 192.0.2.1\n"
      "match out on em0 from 10.0.0.0/16 nat-to 192.0.2.2\n"
      "pass out on em0\n");
  const Verdict v = evaluate(*rs, tcp(kOut, kEm0, "10.0.0.5", 1234, "8.8.8.8", 53));
  CHECK(v.action == Decision::kPass);
  CHECK(v.rule_nr == 2);
  REQUIRE(v.nat != kNoRule);
  CHECK(rs->translations[v.nat].nr == 1);
  CHECK(text(rs->translations[v.nat].entries.at(0).addr) == "192.0.2.2");
  CHECK(v.rdr == kNoRule);
  const Verdict w = evaluate(*rs, tcp(kOut, kEm0, "10.1.0.5", 1234, "8.8.8.8", 53));
  CHECK(w.nat == kNoRule);
}

TEST_CASE("translate: pf's default pass carries the match rules' translation") {
  auto rs = must_compile("match in on em0 proto tcp to port 80 rdr-to 10.0.0.80\n");
  const Verdict v = evaluate(*rs, tcp(kIn, kEm0, "8.8.8.8", 1234, "192.0.2.1", 80));
  CHECK(v.action == Decision::kPass);
  CHECK(v.rule == nullptr);
  REQUIRE(v.rdr != kNoRule);
  CHECK(text(rs->translations[v.rdr].entries.at(0).addr) == "10.0.0.80");
}

TEST_CASE("translate: a pass rule's own nat-to overrides an earlier match rule's") {
  auto rs = must_compile(
      "match out on em0 nat-to 192.0.2.1\n"
      "pass out on em0 nat-to 192.0.2.2\n");
  const Verdict v = evaluate(*rs, tcp(kOut, kEm0, "10.0.0.5", 1234, "8.8.8.8", 53));
  REQUIRE(v.nat != kNoRule);
  CHECK(rs->translations[v.nat].nr == 1);
  CHECK(text(rs->translations[v.nat].entries.at(0).addr) == "192.0.2.2");
}

TEST_CASE("translate: a block verdict stays a block whatever the match rules translate") {
  auto rs = must_compile(
      "match out on em0 nat-to 192.0.2.1\n"
      "block out on em0 proto tcp to port 25\n");
  const Verdict v = evaluate(*rs, tcp(kOut, kEm0, "10.0.0.5", 1234, "8.8.8.8", 25));
  CHECK(v.action == Decision::kBlock);
  CHECK(v.rule_nr == 1);
  CHECK(v.nat == kNoRule);
}

// ---- translate(): address, port and echo id ----

TEST_CASE("translate: nat picks ports only from the worker's share of the range") {
  auto rs = must_compile("nat on em0 proto tcp from any to any -> 198.51.100.1 port 1024:1087\n");
  const uint32_t x = 0;
  REQUIRE(rs->statements->translations.size() == 1);
  const TranslateInput in = input(wire::kIpProtoTcp, "10.0.0.5", 1234, "8.8.8.8", 443);
  std::set<uint16_t> seen;
  for (uint64_t random = 0; random < 200; ++random) {
    const Translated r = translate(*rs->statements, x, in, {3, 4}, random * 0x9e3779b97f4a7c15,
                                   [&](const state::PacketTuple& t, uint16_t) {
                                     CHECK(text(t.src) == "198.51.100.1");
                                     CHECK(t.sport % 4 == 3);
                                     return true;
                                   });
    REQUIRE(r.status == Status::kOk);
    CHECK(text(r.to.src) == "198.51.100.1");
    CHECK(r.to.sport >= 1024);
    CHECK(r.to.sport <= 1087);
    CHECK(r.to.sport % 4 == 3);
    CHECK(text(r.to.dst) == "8.8.8.8");
    CHECK(r.to.dport == 443);
    seen.insert(r.to.sport);
  }
  CHECK(seen.size() > 1);  // the start is random
  // Ports whose keys are taken are passed over for the next one of the share.
  const Translated r =
      translate(*rs->statements, x, in, {3, 4}, 0,
                [](const state::PacketTuple& t, uint16_t) { return t.sport >= 1080; });
  REQUIRE(r.status == Status::kOk);
  CHECK((r.to.sport == 1083 || r.to.sport == 1087));
}

TEST_CASE("translate: a range whose share is exhausted reports kExhausted") {
  auto rs = must_compile("nat on em0 proto tcp from any to any -> 198.51.100.1 port 2000:2003\n");
  const TranslateInput in = input(wire::kIpProtoTcp, "10.0.0.5", 1234, "8.8.8.8", 443);
  int asked = 0;
  auto busy = [&](const state::PacketTuple&, uint16_t) {
    ++asked;
    return false;
  };
  // Worker 0 of 2 owns 2000 and 2002; both taken.
  CHECK(translate(*rs->statements, 0, in, {0, 2}, 7, busy).status == Status::kExhausted);
  CHECK(asked == 2);
  // Worker 5 of 8 owns no port of 2000..2003 at all.
  asked = 0;
  CHECK(translate(*rs->statements, 0, in, {5, 8}, 7, busy).status == Status::kExhausted);
  CHECK(asked == 0);
}

TEST_CASE("translate: static-port keeps the port, and is exhausted when its key is taken") {
  auto rs = must_compile("nat on em0 proto udp from any to any -> 198.51.100.1 static-port\n");
  const TranslateInput in = input(wire::kIpProtoUdp, "10.0.0.5", 5353, "8.8.8.8", 53);
  state::PacketTuple asked_for;
  Translated r =
      translate(*rs->statements, 0, in, {1, 4}, 12345, [&](const state::PacketTuple& t, uint16_t) {
        asked_for = t;
        return true;
      });
  REQUIRE(r.status == Status::kOk);
  CHECK(text(r.to.src) == "198.51.100.1");
  CHECK(r.to.sport == 5353);
  CHECK(text(asked_for.src) == "198.51.100.1");
  CHECK(asked_for.sport == 5353);
  r = translate_free(*rs->statements, 0, input(wire::kIpProtoUdp, "10.0.0.5", 5354, "8.8.8.8", 53),
                     {1, 4}, 12345);
  CHECK(r.to.sport == 5354);  // kept though 5354 % 4 == 2: static-port ignores the share
  r = translate(*rs->statements, 0, in, {1, 4}, 12345,
                [](const state::PacketTuple&, uint16_t) { return false; });
  CHECK(r.status == Status::kExhausted);
}

TEST_CASE("translate: echo ids come from the worker's share of 1..65535, not the port range") {
  auto rs = must_compile("nat on em0 inet from any to any -> 198.51.100.1 port 1024:1039\n");
  bool outside = false;
  for (uint64_t random = 0; random < 64; ++random) {
    uint16_t asked_id = 0;
    const Translated r =
        translate(*rs->statements, 0, echo("10.0.0.5", "8.8.8.8", 0x1234), {2, 3},
                  random << 40 | random, [&](const state::PacketTuple& t, uint16_t id) {
                    CHECK(t.sport == 0);
                    asked_id = id;
                    return true;
                  });
    REQUIRE(r.status == Status::kOk);
    CHECK(text(r.to.src) == "198.51.100.1");
    CHECK(r.id >= 1);
    CHECK(r.id % 3 == 2);
    CHECK(asked_id == r.id);
    CHECK(r.to.sport == 0);
    CHECK(r.to.dport == 0);
    outside = outside || r.id < 1024 || r.id > 1039;
  }
  CHECK(outside);
}

TEST_CASE("translate: rdr maps a destination port range onto the target range, offset kept") {
  auto rs = must_compile(
      "rdr on em0 proto tcp from any to any port 1000:1999 -> 10.0.0.9 port 2000:*\n"
      "rdr on em0 proto tcp from any to any port 80 -> 10.0.0.9 port 8080\n"
      "rdr on em0 proto tcp from any to any port 443 -> 10.0.0.9\n");
  struct Case {
    uint16_t dport;
    uint16_t want;
  };
  for (const Case c :
       {Case{1000, 2000}, Case{1234, 2234}, Case{1999, 2999}, Case{80, 8080}, Case{443, 443}}) {
    CAPTURE(c.dport);
    uint32_t x = kNoRule;
    REQUIRE(statement(*rs, tcp(kIn, kEm0, "8.8.8.8", 4000, "192.0.2.1", c.dport), &x) != nullptr);
    int asked = 0;
    const Translated r = translate_free(
        *rs->statements, x, input(wire::kIpProtoTcp, "8.8.8.8", 4000, "192.0.2.1", c.dport), {0, 2},
        99, &asked);
    REQUIRE(r.status == Status::kOk);
    CHECK(text(r.to.dst) == "10.0.0.9");
    CHECK(r.to.dport == c.want);
    CHECK(text(r.to.src) == "8.8.8.8");
    CHECK(r.to.sport == 4000);
    CHECK(asked == 0);
  }
}

TEST_CASE("translate: round-robin hands out the pool's addresses in order across calls") {
  auto rs =
      must_compile("nat on em0 from any to any -> { 198.51.100.1, 198.51.100.2, 198.51.100.3 }\n");
  std::vector<std::string> got;
  for (const char* src : {"10.0.0.5", "10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.5"}) {
    got.push_back(
        text(translate_free(*rs->statements, 0, input(wire::kIpProtoUdp, src, 1234, "8.8.8.8", 53))
                 .to.src));
  }
  CHECK(got == std::vector<std::string>{"198.51.100.1", "198.51.100.2", "198.51.100.3",
                                        "198.51.100.1", "198.51.100.2"});
}

TEST_CASE("translate: source-hash gives one source the same address whatever the random number") {
  auto rs = must_compile(
      "nat on em0 from any to any -> 198.51.100.0/24 source-hash "
      "0x0123456789abcdef0123456789abcdef\n");
  std::set<std::string> per_source;
  for (int s = 1; s <= 16; ++s) {
    const std::string src = "10.0.0." + std::to_string(s);
    std::set<std::string> got;
    for (uint64_t random = 0; random < 8; ++random) {
      const Translated r = translate_free(
          *rs->statements, 0, input(wire::kIpProtoTcp, src.c_str(), 1234, "8.8.8.8", 53), {},
          random * 0x0101010101010101);
      REQUIRE(r.status == Status::kOk);
      got.insert(text(r.to.src));
    }
    CAPTURE(src);
    REQUIRE(got.size() == 1);
    CHECK(got.begin()->rfind("198.51.100.", 0) == 0);
    per_source.insert(*got.begin());
  }
  CHECK(per_source.size() > 1);
}

// ---- rewrite_tuple(): the bytes ----

// Every checksum of the IPv4 packet `p` verifies by full recomputation (a UDP checksum of 0 is
// "none" and verifies).
void require_checksums_verify(const Bytes& p) {
  const std::span<const std::byte> s(p);
  const size_t hl = ip_header_len(s);
  CHECK(wire::inet_checksum(s.first(hl)) == 0);
  const std::span<const std::byte> l4 = s.subspan(hl);
  const uint8_t proto = std::to_integer<uint8_t>(p[9]);
  if (proto == wire::kIpProtoIcmp) {
    CHECK(wire::inet_checksum(l4) == 0);
  } else if (proto != wire::kIpProtoUdp || get16(l4, 6) != 0) {
    CHECK(wire::l4_checksum_ipv4(get32(s, 12), get32(s, 16), proto, l4) == 0);
  }
}

Bytes payload(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = std::byte{static_cast<uint8_t>(i * 7 + 3)};
  return b;
}

TEST_CASE("translate: rewrite_tuple of TCP and UDP writes the new source, then destination") {
  const bool tcp_packet = GENERATE(true, false);
  const uint8_t proto = tcp_packet ? wire::kIpProtoTcp : wire::kIpProtoUdp;
  const Bytes l4 = tcp_packet ? nat::test::tcp_segment(1234, 80, payload(37))
                              : nat::test::udp_datagram(1234, 80, payload(37));
  Bytes p = nat::test::ipv4_packet(proto, host("10.0.0.5"), host("8.8.8.8"), l4, 1);
  const size_t hl = ip_header_len(p);
  const state::PacketTuple from = tuple(proto, "10.0.0.5", 1234, "8.8.8.8", 80);
  const state::PacketTuple nat = tuple(proto, "192.0.2.1", 50003, "8.8.8.8", 80);
  REQUIRE(rewrite_tuple(p, from, nat, false, 0, 0));
  require_checksums_verify(p);
  CHECK(get32(p, 12) == host("192.0.2.1"));
  CHECK(get16(p, hl) == 50003);
  CHECK(get32(p, 16) == host("8.8.8.8"));
  CHECK(get16(p, hl + 2) == 80);
  // Both ends at once (rdr-to and nat-to on one rule).
  const state::PacketTuple both = tuple(proto, "192.0.2.7", 50010, "10.0.0.80", 8080);
  REQUIRE(rewrite_tuple(p, nat, both, false, 0, 0));
  require_checksums_verify(p);
  CHECK(get32(p, 12) == host("192.0.2.7"));
  CHECK(get16(p, hl) == 50010);
  CHECK(get32(p, 16) == host("10.0.0.80"));
  CHECK(get16(p, hl + 2) == 8080);
}

TEST_CASE("translate: rewrite_tuple leaves a UDP checksum of 0 at 0") {
  const Bytes l4 = nat::test::udp_datagram(1234, 53, payload(12));
  Bytes p = nat::test::ipv4_packet(wire::kIpProtoUdp, host("10.0.0.5"), host("8.8.8.8"), l4, 0,
                                   /*udp_none=*/true);
  const size_t hl = ip_header_len(p);
  REQUIRE(get16(p, hl + 6) == 0);
  REQUIRE(rewrite_tuple(p, tuple(wire::kIpProtoUdp, "10.0.0.5", 1234, "8.8.8.8", 53),
                        tuple(wire::kIpProtoUdp, "192.0.2.1", 50001, "10.0.0.53", 5353), false, 0,
                        0));
  CHECK(get16(p, hl + 6) == 0);
  require_checksums_verify(p);
  CHECK(get32(p, 12) == host("192.0.2.1"));
  CHECK(get16(p, hl) == 50001);
  CHECK(get32(p, 16) == host("10.0.0.53"));
  CHECK(get16(p, hl + 2) == 5353);
}

TEST_CASE("translate: rewrite_tuple of an echo writes the address and the new id") {
  const Bytes l4 = nat::test::icmp_message(wire::kIcmpEcho, 0, 0x1234, 7, payload(24));
  Bytes p = nat::test::ipv4_packet(wire::kIpProtoIcmp, host("10.0.0.5"), host("8.8.8.8"), l4);
  const size_t hl = ip_header_len(p);
  const state::PacketTuple from = tuple(wire::kIpProtoIcmp, "10.0.0.5", 0, "8.8.8.8", 0);
  const state::PacketTuple nat = tuple(wire::kIpProtoIcmp, "192.0.2.1", 0, "8.8.8.8", 0);
  REQUIRE(rewrite_tuple(p, from, nat, true, 0x1234, 50002));
  require_checksums_verify(p);
  CHECK(get32(p, 12) == host("192.0.2.1"));
  CHECK(get32(p, 16) == host("8.8.8.8"));
  CHECK(get16(p, hl + 4) == 50002);
  CHECK(get16(p, hl + 6) == 7);  // the sequence number is not the id
  // A new id alone (same addresses) is still written, with the source.
  REQUIRE(rewrite_tuple(p, nat, nat, true, 50002, 777));
  require_checksums_verify(p);
  CHECK(get16(p, hl + 4) == 777);
  // The destination of an echo (rdr-to) with the id kept.
  const state::PacketTuple rdr = tuple(wire::kIpProtoIcmp, "192.0.2.1", 0, "10.0.0.9", 0);
  REQUIRE(rewrite_tuple(p, nat, rdr, true, 777, 777));
  require_checksums_verify(p);
  CHECK(get32(p, 16) == host("10.0.0.9"));
  CHECK(get16(p, hl + 4) == 777);
}

TEST_CASE("translate: rewrite_tuple refuses a packet too short for the header it rewrites") {
  const Bytes l4 = nat::test::tcp_segment(1234, 80, {});
  Bytes p = nat::test::ipv4_packet(wire::kIpProtoTcp, host("10.0.0.5"), host("8.8.8.8"), l4);
  p.resize(30);
  const Bytes before = p;
  CHECK_FALSE(rewrite_tuple(p, tuple(wire::kIpProtoTcp, "10.0.0.5", 1234, "8.8.8.8", 80),
                            tuple(wire::kIpProtoTcp, "192.0.2.1", 50001, "8.8.8.8", 80), false, 0,
                            0));
  CHECK(p == before);
}

}  // namespace
}  // namespace dpf::filter
