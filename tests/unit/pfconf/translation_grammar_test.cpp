// pf's translation rules (control/pfconf/translation_grammar.cpp): nat, rdr and binat
// statements and the nat-to/rdr-to/binat-to options, their model in the Ruleset, their pfctl
// -nvf print, and each error they can raise.
#include <catch2/catch.hpp>

#include "control/pfconf/address.h"
#include "control/pfconf/nvf.h"
#include "control/pfconf/parser.h"

using namespace dpf::pfconf;

namespace {

// em0 has one IPv4 address, lo0 an IPv4 and an IPv6 one, v6only only an IPv6 one.
ParseOptions environment() {
  ParseOptions o;
  o.interfaces = [](const std::string& name) -> std::optional<std::vector<ResolvedAddress>> {
    if (name == "em0") return std::vector<ResolvedAddress>{{*parse_ipv4("192.0.2.10", false), 24}};
    if (name == "lo0") {
      return std::vector<ResolvedAddress>{{*parse_ipv4("127.0.0.1", false), 8, true},
                                          {*parse_ipv6("::1"), 128, true}};
    }
    if (name == "v6only") return std::vector<ResolvedAddress>{{*parse_ipv6("2001:db8::1"), 64}};
    return std::nullopt;
  };
  return o;
}

std::string nvf(const std::string& text) {
  return render_nvf(parse_ruleset(text, "test.conf", environment())).text;
}

Ruleset parse_ok(const std::string& text) {
  Result r = parse_ruleset(text, "test.conf", environment());
  for (const ParseError& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.ok());
  return *r.ruleset;
}

std::vector<std::string> errors(const std::string& text) {
  Result r = parse_ruleset(text, "test.conf", environment());
  CHECK_FALSE(r.ruleset.has_value());
  std::vector<std::string> out;
  for (const ParseError& e : r.errors) out.push_back(e.to_string());
  return out;
}

std::vector<std::string> one(std::string e) {
  return {std::move(e)};
}

}  // namespace

TEST_CASE("translation: a nat rule is kept apart from the filter rules with its pool") {
  Ruleset rs = parse_ok("pass all\n  nat on em0 from 10.0.0.0/8 to any -> 192.0.2.1\n");
  REQUIRE(rs.rules.size() == 1);
  REQUIRE(rs.translations.size() == 1);
  const Rule& r = rs.translations[0];
  CHECK(r.translation == TranslationKind::kNat);
  CHECK_FALSE(r.no_translation);
  CHECK_FALSE(r.natpass);
  CHECK(r.ifname == "em0");
  CHECK(r.af == Af::kInet);
  REQUIRE(r.nat_to.addrs.size() == 1);
  CHECK(format_address(r.nat_to.addrs[0]) == "192.0.2.1");
  CHECK(r.nat_to.proxy_port_lo == kNatProxyPortLow);
  CHECK(r.nat_to.proxy_port_hi == kNatProxyPortHigh);
  CHECK(r.nat_to.type == PoolType::kNone);
  CHECK(r.rdr_to.addrs.empty());
  CHECK(r.file == "test.conf");
  CHECK(r.line == 2);
  CHECK(r.col == 3);
}

TEST_CASE("translation: rules print grouped nat, rdr, binat, before the filter rules") {
  CHECK(nvf("pass all\n"
            "binat on em0 from 192.0.2.20 to any -> 198.51.100.20\n"
            "rdr pass log on em0 proto tcp to port 80 -> 10.0.0.1 port 8080\n"
            "nat pass on em0 from 10.0.0.0/8 to any tag t -> 198.51.100.1\n"
            "no nat on em0 from 10.1.0.0/16 to any\n"
            "no rdr on em0 proto tcp from any to port 22\n") ==
        "nat pass on em0 inet from 10.0.0.0/8 to any tag t -> 198.51.100.1\n"
        "no nat on em0 inet from 10.1.0.0/16 to any\n"
        "rdr pass log on em0 inet proto tcp from any to any port = http -> 10.0.0.1 port 8080\n"
        "no rdr on em0 proto tcp from any to any port = ssh\n"
        "binat on em0 inet from 192.0.2.20 to any -> 198.51.100.20\n"
        "pass all flags S/SA keep state\n");
}

TEST_CASE("translation: each kind keeps its rules in source order, first match first") {
  Ruleset rs = parse_ok(
      "nat on em0 from 10.0.0.1 to any -> 192.0.2.1\n"
      "rdr on em0 proto tcp to port 80 -> 10.0.0.2\n"
      "nat on em0 from 10.0.0.0/8 to any -> 192.0.2.2\n");
  REQUIRE(rs.translations.size() == 3);
  CHECK(rs.translations[0].line == 1);
  CHECK(rs.translations[1].translation == TranslationKind::kRdr);
  CHECK(rs.translations[2].line == 3);
}

TEST_CASE("translation: nat ports, static-port and the default range print as pfctl does") {
  CHECK(nvf("nat on em0 proto tcp from 10.0.0.1 to any -> 192.0.2.1 port 1024:2047\n"
            "nat on em0 proto tcp from 10.0.0.2 to any -> 192.0.2.1 port 5000\n"
            "nat on em0 proto tcp from 10.0.0.3 to any -> 192.0.2.1 static-port\n"
            "nat on em0 proto tcp from 10.0.0.4 to any -> 192.0.2.1 port 50001:65535\n") ==
        "nat on em0 inet proto tcp from 10.0.0.1 to any -> 192.0.2.1 port 1024:2047\n"
        "nat on em0 inet proto tcp from 10.0.0.2 to any -> 192.0.2.1 port 5000\n"
        "nat on em0 inet proto tcp from 10.0.0.3 to any -> 192.0.2.1 static-port\n"
        "nat on em0 inet proto tcp from 10.0.0.4 to any -> 192.0.2.1\n");
  Ruleset rs = parse_ok("nat on em0 from any to any -> 192.0.2.1 static-port\n");
  CHECK(rs.translations[0].nat_to.proxy_port_lo == 0);
  CHECK(rs.translations[0].nat_to.proxy_port_hi == 0);
}

TEST_CASE("translation: rdr `port p:*` maps the destination range onto one of the same size") {
  Ruleset rs = parse_ok("rdr on em0 proto tcp to port 1000:1010 -> 10.0.0.1 port 2000:*\n");
  CHECK(rs.translations[0].rdr_to.proxy_port_lo == 2000);
  CHECK(rs.translations[0].rdr_to.proxy_port_hi == 2010);
  CHECK(nvf("rdr on em0 proto tcp to port 1000:1010 -> 10.0.0.1 port 2000:*\n") ==
        "rdr on em0 inet proto tcp from any to any port 1000:1010 -> 10.0.0.1 port 2000:2010\n");
}

TEST_CASE("translation: pools get round-robin for lists, tables and interfaces") {
  CHECK(nvf("nat on em0 from any to any -> { 192.0.2.1, 192.0.2.2 } sticky-address\n"
            "nat on em1 from any to any -> <pool>\n"
            "nat on em2 from any to any -> (em0)\n"
            "nat on em3 from any to any -> 192.0.2.0/28 source-hash "
            "0x0123456789abcdef0123456789ABCDEF\n"
            "nat on em4 from any to any -> 192.0.2.0/28 bitmask\n"
            "nat on em5 from any to any -> 192.0.2.0/28 random\n") ==
        "nat on em0 inet all -> { 192.0.2.1, 192.0.2.2 } round-robin sticky-address\n"
        "nat on em1 all -> <pool> round-robin\n"
        "nat on em2 all -> (em0) round-robin\n"
        "nat on em3 inet all -> 192.0.2.0/28 source-hash 0x0123456789abcdef0123456789abcdef\n"
        "nat on em4 inet all -> 192.0.2.0/28 bitmask\n"
        "nat on em5 inet all -> 192.0.2.0/28 random\n");
  Ruleset rs = parse_ok("nat on em0 from any to any -> 192.0.2.0/28 source-hash 0x" +
                        std::string(30, '0') + "ff sticky-address\n");
  const Pool& p = rs.translations[0].nat_to;
  CHECK(p.type == PoolType::kSourceHash);
  CHECK(p.has_key);
  CHECK(p.key[15] == 0xff);
  CHECK(p.sticky);
}

TEST_CASE("translation: a source-hash string key is its MD5 digest, printed in hex") {
  CHECK(nvf("nat on em0 from any to any -> 192.0.2.0/28 source-hash \"abc\"\n") ==
        "nat on em0 inet all -> 192.0.2.0/28 source-hash 0x900150983cd24fb0d6963f7d28e17f72\n");
}

TEST_CASE("translation: an interface pool keeps the addresses of the rule's family") {
  CHECK(nvf("nat on em0 inet from any to any -> lo0\n"
            "nat on em0 inet6 from any to any -> lo0\n") ==
        "nat on em0 inet all -> 127.0.0.1\n"
        "nat on em0 inet6 all -> ::1\n");
}

TEST_CASE("translation: nat-to, rdr-to and binat-to options of pass and match rules") {
  Ruleset rs = parse_ok(
      "pass in on em0 proto tcp to 192.0.2.10 port 2222 rdr-to 10.0.0.10 port 22 "
      "nat-to 10.0.0.2\n"
      "match out on em0 inet tag t nat-to lo0\n"
      "match on em0 from 10.0.0.5 to any binat-to 192.0.2.5\n");
  REQUIRE(rs.rules.size() == 3);
  CHECK(rs.translations.empty());
  CHECK(rs.rules[0].rdr_to.proxy_port_lo == 22);
  CHECK(rs.rules[2].binat_to);
  CHECK(nvf("pass in on em0 proto tcp to 192.0.2.10 port 2222 rdr-to 10.0.0.10 port 22 "
            "nat-to 10.0.0.2\n"
            "match out on em0 inet tag t nat-to lo0\n"
            "match on em0 from 10.0.0.5 to any binat-to 192.0.2.5\n") ==
        "pass in on em0 inet proto tcp from any to 192.0.2.10 port = 2222 flags S/SA keep state "
        "nat-to 10.0.0.2 rdr-to 10.0.0.10 port 22\n"
        "match out on em0 inet all tag t nat-to 127.0.0.1\n"
        "match on em0 inet from 10.0.0.5 to any binat-to 192.0.2.5\n");
}

TEST_CASE("translation: printed rules parse back to themselves") {
  const std::string printed =
      "nat pass on em0 inet proto tcp from 10.0.0.0/8 to any -> { 192.0.2.1, <t> } round-robin "
      "sticky-address\n"
      "nat on em0 inet from 10.0.0.0/8 to any -> 192.0.2.1 static-port map-e-portset 6/8/52\n"
      "rdr on em0 inet proto tcp from any to any port 80:90 -> 10.0.0.1 port 8080:8090\n"
      "binat on em0 inet from 10.0.0.5 to any -> 192.0.2.5\n";
  CHECK(nvf(printed) == printed);
}

TEST_CASE("translation: a translation address of the other family is an error") {
  CHECK(errors("nat on em0 inet from any to any -> 2001:db8::1\n") ==
        one("test.conf:1:36: translation address 2001:db8::1 is inet6 but the rule is inet"));
  CHECK(errors("pass out inet nat-to 2001:db8::1\n") ==
        one("test.conf:1:22: translation address 2001:db8::1 is inet6 but the rule is inet"));
  CHECK(errors("nat on em0 from 10.0.0.0/8 to any -> 2001:db8::1\n") ==
        one("test.conf:1:1: translation address 2001:db8::1 is inet6 but the rule is inet"));
  CHECK(errors("nat on em0 from 10.0.0.0/8 to any -> { 192.0.2.1, 2001:db8::1 }\n") ==
        one("test.conf:1:1: translation address 2001:db8::1 is inet6 but the rule is inet"));
  CHECK(errors("nat on em0 inet from any to any -> v6only\n") ==
        one("test.conf:1:1: no translation address with matching address family found"));
}

TEST_CASE("translation: pools that cannot work are errors") {
  CHECK(errors("nat on em0 from any to any -> { }\n") ==
        one("test.conf:1:31: empty translation address list"));
  CHECK(errors("nat on em0 from any to any -> { 192.0.2.1 192.0.2.2 } random\n") ==
        one("test.conf:1:1: only round-robin is valid for multiple translation addresses"));
  CHECK(errors("nat on em0 from any to any -> <t> bitmask\n") ==
        one("test.conf:1:1: bitmask needs an address or prefix, not a table or interface"));
  CHECK(errors("binat on em0 from 10.0.0.1 to any -> <t>\n") ==
        one("test.conf:1:1: binat needs a single translation address or prefix"));
  CHECK(errors("nat on em0 from any to any -> any\n") ==
        one("test.conf:1:31: invalid translation address any"));
  CHECK(errors("nat on em0 from any to any -> ! 192.0.2.1\n") ==
        one("test.conf:1:31: a translation address cannot be negated"));
  CHECK(errors("nat on em0 from any to any -> 192.0.2.1 random round-robin\n") ==
        one("test.conf:1:48: pool type cannot be redefined"));
}

TEST_CASE("translation: bad port ranges are errors") {
  CHECK(errors("nat on em0 proto tcp from any to any -> 192.0.2.1 port 70000\n") ==
        one("test.conf:1:56: illegal port value 70000"));
  CHECK(errors("nat on em0 proto tcp from any to any -> 192.0.2.1 port 2000:1000\n") ==
        one("test.conf:1:56: invalid port range 2000:1000 (reversed)"));
  CHECK(errors("rdr on em0 proto tcp to port 60000:65000 -> 10.0.0.1 port 62000:*\n") ==
        one("test.conf:1:1: rdr port range 62000:67000 ends beyond 65535"));
  CHECK(errors("rdr on em0 proto tcp to port 90:80 -> 10.0.0.1 port 8080:*\n") ==
        one("test.conf:1:1: destination port range 90:80 is reversed"));
  CHECK(errors("nat on em0 proto tcp from any to any -> 192.0.2.1 port 0\n") ==
        one("test.conf:1:56: invalid translation port 0 (port 0)"));
  CHECK(errors("rdr on em0 proto tcp to port 80 -> 10.0.0.1 port 0:5\n") ==
        one("test.conf:1:50: invalid translation port 0:5 (port 0)"));
  CHECK(errors("rdr on em0 proto tcp to port 80 -> 10.0.0.1 port 8080:*\n") ==
        one("test.conf:1:1: 'port 8080:*' needs a destination port range (port a:b)"));
  CHECK(errors("nat on em0 proto tcp from any to any -> 192.0.2.1 port 1000:*\n") ==
        one("test.conf:1:56: 'port 1000:*' is only valid with rdr"));
  CHECK(errors("binat on em0 from 10.0.0.1 to any -> 192.0.2.1 port 80\n") ==
        one("test.conf:1:48: binat rules cannot translate ports"));
}

TEST_CASE("translation: nat-only pool options are refused elsewhere and with a port") {
  CHECK(errors("nat on em0 proto tcp from any to any -> 192.0.2.1 port 1000:2000 static-port\n") ==
        one("test.conf:1:66: the 'static-port' option can't be used when specifying a port "
            "range"));
  CHECK(errors("rdr on em0 proto tcp to port 80 -> 10.0.0.1 static-port\n") ==
        one("test.conf:1:45: the 'static-port' option is only valid with nat rules"));
  CHECK(errors("rdr on em0 proto tcp to port 80 -> 10.0.0.1 map-e-portset 6/8/0x34\n") ==
        one("test.conf:1:45: the 'map-e-portset' option is only valid with nat rules"));
  CHECK(errors("nat on em0 from any to any -> 192.0.2.1 map-e-portset 0/8/1\n") ==
        one("test.conf:1:41: invalid map-e-portset 0/8/1"));
  CHECK(errors("nat on em0 from any to any -> 192.0.2.0/28 source-hash 0x1234\n") ==
        one("test.conf:1:56: invalid source-hash key 0x1234 (needs 32 hex digits)"));
}

TEST_CASE("translation: the arrow is required, except on no rules where it is refused") {
  CHECK(errors("nat on em0 from any to any\n") ==
        one("test.conf:1:27: translation rule requires '-> address'"));
  CHECK(errors("no nat on em0 from any to any -> 192.0.2.1\n") ==
        one("test.conf:1:31: translation rule with 'no' does not need '->'"));
  CHECK(errors("no scrub on em0\n") == one("test.conf:1:1: 'no scrub' rules are not supported"));
  CHECK(errors("no pass on em0\n") ==
        one("test.conf:1:4: syntax error: expected nat, rdr or binat after 'no'"));
  CHECK(errors("block out nat-to 192.0.2.1\n") ==
        one("test.conf:1:11: 'nat-to' is only valid on pass and match rules"));
  CHECK(errors("pass out nat-to 192.0.2.1 nat-to 192.0.2.2\n") ==
        one("test.conf:1:27: nat-to or binat-to cannot be redefined"));
}

TEST_CASE("translation: af-to translates to the other family from its own pools") {
  Ruleset rs = parse_ok("pass in on em0 inet6 from any to 64:ff9b::/96 af-to inet from lo0\n");
  const Rule& r = rs.rules[0];
  CHECK(r.af == Af::kInet6);
  CHECK(r.af_to == Af::kInet);
  REQUIRE(r.nat_to.addrs.size() == 1);
  CHECK(format_address(r.nat_to.addrs[0]) == "127.0.0.1");
  CHECK(nvf("pass in on em0 inet6 from any to 64:ff9b::/96 af-to inet from 203.0.113.1 to "
            "203.0.113.2\n") ==
        "pass in on em0 inet6 from any to 64:ff9b::/96 flags S/SA keep state af-to inet from "
        "203.0.113.1 to 203.0.113.2\n");
}

TEST_CASE("translation: af-to needs a rule family other than its own") {
  CHECK(errors("pass in af-to inet6 from 2001:db8::1\n") ==
        one("test.conf:1:1: af-to needs the rule's address family (inet or inet6)"));
  CHECK(errors("pass in inet6 af-to inet6 from 2001:db8::1\n") ==
        one("test.conf:1:1: af-to must translate to the other address family"));
  CHECK(errors("pass in inet af-to inet6 from 192.0.2.1\n") ==
        one("test.conf:1:31: translation address 192.0.2.1 is inet but af-to is inet6"));
  CHECK(errors("pass in inet nat-to 192.0.2.1 af-to inet6 from 2001:db8::1\n") ==
        one("test.conf:1:31: af-to cannot be combined with nat-to, rdr-to, binat-to or another "
            "af-to"));
}

TEST_CASE("translation: nat-anchor, rdr-anchor, binat-anchor call an anchor from their ruleset") {
  Ruleset rs = parse_ok(
      "nat-anchor \"ftp-proxy/*\"\n"
      "rdr-anchor relayd on em0 inet proto tcp from any to 192.0.2.10 port 21\n"
      "binat-anchor \"b\"\n");
  REQUIRE(rs.translations.size() == 3);
  CHECK(rs.rules.empty());
  const Rule& nat = rs.translations[0];
  CHECK(nat.translation == TranslationKind::kNat);
  CHECK(nat.anchor == "ftp-proxy/*");
  CHECK_FALSE(nat.no_translation);
  CHECK(nat.nat_to.addrs.empty());
  CHECK(nat.rdr_to.addrs.empty());
  CHECK(nat.line == 1);
  CHECK(nat.col == 1);
  const Rule& rdr = rs.translations[1];
  CHECK(rdr.translation == TranslationKind::kRdr);
  CHECK(rdr.anchor == "relayd");
  CHECK(rdr.ifname == "em0");
  CHECK(rdr.af == Af::kInet);
  CHECK(rdr.dst.port == PortSpec{PortOp::kEq, 21, 0});
  CHECK(rs.translations[2].translation == TranslationKind::kBinat);
  CHECK(rs.translations[2].anchor == "b");
}

TEST_CASE("translation: anchor calls print as pfctl -nvf, among the rules of their kind") {
  CHECK(nvf("nat-anchor \"ftp-proxy/*\"\n"
            "rdr-anchor \"ftp-proxy/*\"\n"
            "nat on em0 from 10.0.0.0/8 to any -> 192.0.2.1\n"
            "rdr-anchor relayd on em0 inet proto tcp from any to 192.0.2.10 port 21\n"
            "binat-anchor \"b\" inet proto tcp all\n"
            "nat-anchor \"/x\" on ! em0 from 10.0.0.0/8 to ! 10.1.0.0/16\n"
            "pass all\n") ==
        "nat-anchor \"ftp-proxy/*\" all\n"
        "nat on em0 inet from 10.0.0.0/8 to any -> 192.0.2.1\n"
        "nat-anchor \"/x\" on ! em0 inet from 10.0.0.0/8 to ! 10.1.0.0/16\n"
        "rdr-anchor \"ftp-proxy/*\" all\n"
        "rdr-anchor \"relayd\" on em0 inet proto tcp from any to 192.0.2.10 port = ftp\n"
        "binat-anchor \"b\" inet proto tcp all\n"
        "pass all flags S/SA keep state\n");
}

TEST_CASE("translation: a binat-anchor's interface is dropped, as pfctl drops it") {
  CHECK(nvf("binat-anchor \"b\" on em0 inet\n") == "binat-anchor \"b\" inet all\n");
}

TEST_CASE("translation: printed anchor calls parse back to themselves") {
  const std::string printed =
      "nat-anchor \"ftp-proxy/*\" all\n"
      "nat-anchor \"n\" on em0 inet proto udp from 10.0.0.0/8 port = domain to any\n"
      "rdr-anchor \"ftp-proxy/*\" all\n"
      "rdr-anchor \"r\" on ! em0 inet proto tcp from ! 10.0.0.0/8 to any port = ssh\n"
      "binat-anchor \"b\" inet6 proto tcp all\n";
  CHECK(nvf(printed) == printed);
  Result again = parse_ruleset(printed, "test.conf", environment());
  REQUIRE(again.ok());
  Ruleset first = parse_ok(printed);
  REQUIRE(first.translations.size() == again.ruleset->translations.size());
  for (size_t i = 0; i < first.translations.size(); ++i)
    CHECK(first.translations[i] == again.ruleset->translations[i]);
}

TEST_CASE("translation: an anchor call without a name or with pf's forbidden names is an error") {
  CHECK(errors("nat-anchor\n") ==
        one("test.conf:1:11: syntax error: nat-anchor needs an anchor name"));
  CHECK(errors("rdr-anchor on em0\n") ==
        one("test.conf:1:12: syntax error: rdr-anchor needs an anchor name"));
  CHECK(errors("binat-anchor all\n") ==
        one("test.conf:1:14: syntax error: binat-anchor needs an anchor name"));
  CHECK(errors("nat-anchor \"\"\n") == one("test.conf:1:12: invalid anchor name \"\""));
  CHECK(errors("nat-anchor \"a/\"\n") == one("test.conf:1:12: invalid anchor name \"a/\""));
  CHECK(errors("nat-anchor \"_x\"\n") ==
        one("test.conf:1:12: anchor names beginning with '_' are reserved for internal use"));
  CHECK(errors("nat-anchor \"a/_x\"\n") ==
        one("test.conf:1:12: anchor names beginning with '_' are reserved for internal use"));
  CHECK(errors("nat-anchor \"a/" + std::string(64, 'x') + "\"\n") ==
        one("test.conf:1:12: anchor name component too long, max 63 chars"));
  CHECK(errors("nat-anchor \"" + std::string(1024, 'x') + "\"\n") ==
        one("test.conf:1:12: anchor name too long, max 1023 chars"));
}

TEST_CASE("translation: an anchor call takes none of a rule's other words") {
  CHECK(errors("nat-anchor \"x\" out on em0\n") == one("test.conf:1:16: syntax error near 'out'"));
  CHECK(errors("nat-anchor \"x\" pass\n") == one("test.conf:1:16: syntax error near 'pass'"));
  CHECK(errors("nat-anchor \"x\" all -> 192.0.2.1\n") ==
        one("test.conf:1:20: syntax error near '->'"));
  CHECK(errors("rdr-anchor \"x\" all tag t\n") == one("test.conf:1:20: syntax error near 'tag'"));
  CHECK(errors("nat-anchor \"x\" all rtable 1\n") ==
        one("test.conf:1:20: 'rtable' is not supported"));
}

TEST_CASE("translation: rdr-anchor and binat-anchor refuse what pfctl refuses in them") {
  CHECK(errors("rdr-anchor \"x\" proto tcp from any port 20 to any\n") ==
        one("test.conf:1:1: source port parameter not supported in rdr-anchor"));
  CHECK(errors("rdr-anchor \"x\" proto tcp to any port { 21 80 }\n") ==
        one("test.conf:1:1: destination port list expansion not supported in rdr-anchor"));
  CHECK(errors("rdr-anchor \"x\" proto tcp to any port 1000:2000\n") ==
        one("test.conf:1:1: destination port operators not supported in rdr-anchor"));
  CHECK(errors("binat-anchor \"x\" proto { tcp udp }\n") ==
        one("test.conf:1:1: proto list expansion not supported in binat-anchor"));
  CHECK(errors("binat-anchor \"x\" from 10.0.0.1 to any\n") ==
        one("test.conf:1:1: fromto parameter not supported in binat-anchor"));
  CHECK(nvf("binat-anchor \"x\" from any to any\n") == "binat-anchor \"x\" all\n");
}
