// What no dpf node loads, checked on the parsed ruleset (control/pfconf/node_check.h).
#include "control/pfconf/node_check.h"

#include <catch2/catch.hpp>

using namespace dpf::pfconf;

namespace {

std::vector<std::string> refused(const std::string& text) {
  auto r = parse_ruleset(text, "r.conf", ParseOptions{});
  REQUIRE(r.ok());
  std::vector<std::string> out;
  for (const auto& e : check_unsupported(*r.ruleset)) out.push_back(e.to_string());
  return out;
}

}  // namespace

TEST_CASE("node check: each feature dpf refuses is reported at its rule") {
  CHECK(refused("pass all\n"
                "pass in proto tcp from any to any port 22 modulate state\n"
                "pass in proto tcp synproxy state\n"
                "pass in proto udp modulate state\n"  // pf keeps state for non-TCP: accepted
                "pass in probability 50%\n"
                "pass in from no-route to any\n") ==
        std::vector<std::string>{
            "r.conf:2:1: modulate state is not supported by dpf yet; use keep state",
            "r.conf:3:1: synproxy state is not supported by dpf yet; use keep state",
            "r.conf:5:1: probability is not supported by dpf",
            "r.conf:6:1: no-route is not supported by dpf"});
}

TEST_CASE("node check: translation rules load; what the data path cannot translate is refused") {
  CHECK(refused("nat on em0 from 10.0.0.0/8 to any -> 192.0.2.1\n"
                "rdr on em0 proto tcp to port { 80 443 } -> 10.0.0.1\n"
                "no nat on em0 from 10.1.0.0/16 to any\n"
                "binat on em0 from 10.0.0.5 to any -> 192.0.2.5\n"
                "pass out on em0 nat-to { 192.0.2.1 192.0.2.2 } round-robin sticky-address\n"
                "match in on em0 proto tcp to port 22 rdr-to 10.0.0.2\n")
            .empty());
  CHECK(
      refused("pass in on em0 inet af-to inet6 from 2001:db8::1\n"
              "nat on em0 from 10.0.0.0/8 to any -> 192.0.2.1 endpoint-independent\n"
              "pass out on em0 from 10.0.0.5 binat-to 192.0.2.5\n"
              "nat on em0 inet6 from 2001:db8::/64 to any -> 2001:db8:1::1\n") ==
      std::vector<std::string>{"r.conf:1:1: af-to is not supported by dpf yet (it needs IPv6)",
                               "r.conf:2:1: endpoint-independent is not supported by dpf yet",
                               "r.conf:3:1: binat-to is not supported by dpf yet; use a binat rule",
                               "r.conf:4:1: IPv6 translation is not supported by dpf yet"});
}

TEST_CASE("node check: a translation pool from a table without an address is refused") {
  CHECK(refused("table <pool> { 192.0.2.1 192.0.2.2 }\n"
                "table <empty> persist\n"
                "nat on em0 from 10.0.0.0/8 to any -> <pool> round-robin\n"
                "nat on em0 from 10.1.0.0/16 to any -> <empty> round-robin\n"
                "pass in on em0 proto tcp to port 80 rdr-to <nowhere> round-robin\n") ==
        std::vector<std::string>{"r.conf:4:1: translation table <empty> has no IPv4 address",
                                 "r.conf:5:1: translation table <nowhere> has no IPv4 address"});
}

TEST_CASE("node check: a rule expanded from lists is reported once") {
  CHECK(refused("pass in proto tcp to port { 22 80 443 } modulate state\n") ==
        std::vector<std::string>{
            "r.conf:1:1: modulate state is not supported by dpf yet; use keep state"});
}

TEST_CASE("node check: a rule in an included file is reported in that file") {
  ParseOptions o;
  o.read_file = [](const std::string&, std::string*) -> std::optional<std::string> {
    return std::string("\n  pass in proto tcp synproxy state\n");
  };
  auto r = parse_ruleset("block all\ninclude \"inc.conf\"\n", "r.conf", o);
  REQUIRE(r.ok());
  const auto e = check_unsupported(*r.ruleset);
  REQUIRE(e.size() == 1);
  CHECK(e[0].to_string() ==
        "inc.conf:2:3: synproxy state is not supported by dpf yet; use keep state");
}

TEST_CASE("node check: unknown interfaces name the node's and its groups") {
  NodeInterfaces ifs{"fw-a", {"sis0"}, {"all"}};
  auto r = parse_ruleset("pass on sis0\npass on all\npass on lo0\n", "r.conf", ParseOptions{});
  REQUIRE(r.ok());
  const auto e = check_interfaces(*r.ruleset, ifs);
  REQUIRE(e.size() == 1);
  CHECK(e[0].to_string() ==
        "r.conf:3:1: interface lo0 does not exist on node fw-a (it has sis0 and the group all)");
}

TEST_CASE("node check: nat-anchor, rdr-anchor and binat-anchor calls load as empty anchors") {
  // inet6 is refused on translation rules, but an anchor call translates nothing.
  CHECK(refused("nat-anchor \"ftp-proxy/*\"\n"
                "rdr-anchor \"ftp-proxy/*\"\n"
                "binat-anchor \"b\"\n"
                "nat-anchor \"n\" on em0 inet6 from 2001:db8::/64 to any\n"
                "rdr-anchor \"r\" on em0 proto tcp to any port 21\n"
                "nat on em0 from 10.0.0.0/8 to any -> 192.0.2.1\n")
            .empty());
}
