// Host-backed resolvers, checked against Linux's loopback interface `lo` (127.0.0.1/8). In a
// network namespace where lo has no address yet, the lo checks are reported and skipped.
#include "control/pfconf/system_env.h"

#include <catch2/catch.hpp>

#include "control/pfconf/address.h"

using namespace dpf::pfconf;

namespace {

bool lo_has_ipv4(const ParseOptions& o) {
  auto addrs = o.interfaces("lo");
  if (!addrs) return false;
  for (const ResolvedAddress& r : *addrs) {
    if (r.addr.af == Af::kInet) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("system env: the loopback interface resolves to 127.0.0.1/8, flagged loopback") {
  ParseOptions o = system_parse_options();
  if (!lo_has_ipv4(o)) {
    WARN("lo has no IPv4 address here; loopback resolution not checked");
    return;
  }
  bool seen = false;
  auto addrs = o.interfaces("lo");
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

TEST_CASE("system env: a rule naming the loopback network prints its address") {
  ParseOptions o = system_parse_options();
  if (!lo_has_ipv4(o)) {
    WARN("lo has no IPv4 address here; lo:network not checked");
    return;
  }
  Result r = parse_ruleset("block inet from lo:network\n", "t.conf", o);
  REQUIRE(r.ok());
  CHECK(format_address(r.ruleset->rules.at(0).src.addr) == "127.0.0.0/8");
}

TEST_CASE("system env: numeric hosts parse without a lookup") {
  Result r = parse_ruleset("block from 192.0.2.1\n", "t.conf", system_parse_options());
  REQUIRE(r.ok());
  CHECK(format_address(r.ruleset->rules.at(0).src.addr) == "192.0.2.1");
}
