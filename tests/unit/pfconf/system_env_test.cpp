// Host-backed resolvers: Linux's loopback interface `lo` carries 127.0.0.1/8.
#include "control/pfconf/system_env.h"

#include <catch2/catch.hpp>

#include "control/pfconf/address.h"

using namespace dpf::pfconf;

TEST_CASE("system env: the loopback interface resolves to 127.0.0.1/8, flagged loopback") {
  ParseOptions o = system_parse_options();
  auto addrs = o.interfaces("lo");
  REQUIRE(addrs.has_value());
  bool seen = false;
  for (const ResolvedAddress& r : *addrs) {
    if (r.addr == *parse_ipv4("127.0.0.1", false)) {
      seen = true;
      CHECK(r.prefix == 8);
      CHECK(r.loopback);
    }
  }
  CHECK(seen);
}

TEST_CASE("system env: an interface that does not exist resolves to nothing") {
  CHECK_FALSE(system_parse_options().interfaces("nosuchif0").has_value());
}

TEST_CASE("system env: a rule naming the loopback interface prints its address") {
  Result r = parse_ruleset("block inet from lo:network\n", "t.conf", system_parse_options());
  REQUIRE(r.ok());
  CHECK(format_address(r.ruleset->rules.at(0).src.addr) == "127.0.0.0/8");
}
