#include "dataplane/route/table.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace dpf::route;

namespace {

constexpr uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d;
}

// The issue 2 example node: sis0 (port 0) 10.0.0.254/24, sis1 (port 1) 192.168.0.254/24.
const std::vector<InterfaceAddr> kTwoPorts = {{0, ip(10, 0, 0, 254), 24},
                                              {1, ip(192, 168, 0, 254), 24}};

RouteTable must_build(std::span<const InterfaceAddr> ifs, std::span<const StaticRoute> routes) {
  std::string error;
  auto t = RouteTable::build(ifs, routes, error);
  INFO(error);
  REQUIRE(t.has_value());
  return *t;
}

std::string build_error(std::span<const InterfaceAddr> ifs, std::span<const StaticRoute> routes) {
  std::string error;
  auto t = RouteTable::build(ifs, routes, error);
  REQUIRE_FALSE(t.has_value());
  return error;
}

}  // namespace

TEST_CASE("route: each interface network becomes a connected route with an on-link next hop") {
  const RouteTable t = must_build(kTwoPorts, {});
  REQUIRE(t.entries().size() == 2);
  REQUIRE(t.lookup(ip(10, 0, 0, 7)) == NextHop{0, 0});
  REQUIRE(t.lookup(ip(192, 168, 0, 1)) == NextHop{1, 0});
  REQUIRE(t.entries()[0].prefix == ip(10, 0, 0, 0));  // host bits of the address cleared
  REQUIRE(t.entries()[0].len == 24);
}

TEST_CASE("route: an address outside every route has no next hop") {
  const RouteTable t = must_build(kTwoPorts, {});
  REQUIRE_FALSE(t.lookup(ip(8, 8, 8, 8)).has_value());
  REQUIRE_FALSE(t.lookup(ip(10, 0, 1, 1)).has_value());
}

TEST_CASE("route: a default route catches every address no longer prefix holds") {
  const std::vector<StaticRoute> routes = {{0, 0, ip(10, 0, 0, 2)}};
  const RouteTable t = must_build(kTwoPorts, routes);
  REQUIRE(t.lookup(ip(8, 8, 8, 8)) == NextHop{0, ip(10, 0, 0, 2)});
  REQUIRE(t.lookup(ip(255, 255, 255, 255)) == NextHop{0, ip(10, 0, 0, 2)});
  REQUIRE(t.lookup(ip(192, 168, 0, 9)) == NextHop{1, 0});  // connected is longer than /0
}

TEST_CASE("route: the longest matching prefix wins whatever the configuration order") {
  const std::vector<StaticRoute> routes = {{ip(172, 16, 0, 0), 12, ip(10, 0, 0, 2)},
                                           {ip(172, 16, 5, 0), 24, ip(192, 168, 0, 3)},
                                           {ip(172, 16, 0, 0), 16, ip(10, 0, 0, 4)}};
  const RouteTable t = must_build(kTwoPorts, routes);
  REQUIRE(t.lookup(ip(172, 16, 5, 1)) == NextHop{1, ip(192, 168, 0, 3)});
  REQUIRE(t.lookup(ip(172, 16, 6, 1)) == NextHop{0, ip(10, 0, 0, 4)});
  REQUIRE(t.lookup(ip(172, 17, 0, 1)) == NextHop{0, ip(10, 0, 0, 2)});
}

TEST_CASE("route: a /32 host route beats the connected network that holds it") {
  const std::vector<StaticRoute> routes = {{ip(10, 0, 0, 9), 32, ip(192, 168, 0, 1)}};
  const RouteTable t = must_build(kTwoPorts, routes);
  REQUIRE(t.lookup(ip(10, 0, 0, 9)) == NextHop{1, ip(192, 168, 0, 1)});
  REQUIRE(t.lookup(ip(10, 0, 0, 8)) == NextHop{0, 0});
}

TEST_CASE("route: a static route goes out of the port whose connected network holds its gateway") {
  const std::vector<StaticRoute> routes = {{ip(203, 0, 113, 0), 24, ip(192, 168, 0, 77)}};
  const RouteTable t = must_build(kTwoPorts, routes);
  REQUIRE(t.lookup(ip(203, 0, 113, 5)) == NextHop{1, ip(192, 168, 0, 77)});
}

TEST_CASE("route: routes sharing port and gateway share one next-hop id") {
  const std::vector<InterfaceAddr> ifs = {
      {0, ip(10, 0, 0, 254), 24}, {0, ip(10, 1, 0, 254), 24}, {1, ip(192, 168, 0, 254), 24}};
  const std::vector<StaticRoute> routes = {{ip(172, 16, 0, 0), 16, ip(10, 0, 0, 2)},
                                           {ip(172, 17, 0, 0), 16, ip(10, 0, 0, 2)},
                                           {ip(172, 18, 0, 0), 16, ip(10, 0, 0, 3)}};
  const RouteTable t = must_build(ifs, routes);
  // {0, on-link}, {1, on-link}, {0, 10.0.0.2}, {0, 10.0.0.3}
  REQUIRE(t.next_hops().size() == 4);
  REQUIRE(t.entries().size() == 6);
  auto id_of = [&](uint32_t prefix) {
    for (const auto& e : t.entries())
      if (e.prefix == prefix) return e.next_hop_id;
    FAIL("no entry");
    return 0u;
  };
  REQUIRE(id_of(ip(10, 0, 0, 0)) == id_of(ip(10, 1, 0, 0)));
  REQUIRE(id_of(ip(172, 16, 0, 0)) == id_of(ip(172, 17, 0, 0)));
  REQUIRE(id_of(ip(172, 16, 0, 0)) != id_of(ip(172, 18, 0, 0)));
  for (const auto& e : t.entries()) REQUIRE(e.next_hop_id < t.next_hops().size());
}

TEST_CASE("route: entries are listed longest prefix first") {
  const std::vector<StaticRoute> routes = {{0, 0, ip(10, 0, 0, 2)},
                                           {ip(10, 0, 0, 9), 32, ip(192, 168, 0, 1)}};
  const RouteTable t = must_build(kTwoPorts, routes);
  REQUIRE(t.entries().size() == 4);
  REQUIRE(t.entries().front().len == 32);
  REQUIRE(t.entries().back().len == 0);
}

TEST_CASE("route: a static route whose gateway is on no connected network is rejected") {
  const std::vector<StaticRoute> routes = {{0, 0, ip(10, 0, 1, 2)}};
  REQUIRE(build_error(kTwoPorts, routes) ==
          "route to 0.0.0.0/0 via 10.0.1.2: the next hop is not on a connected network");
}

TEST_CASE("route: a static route whose gateway is our own address is rejected") {
  const std::vector<StaticRoute> routes = {{0, 0, ip(10, 0, 0, 254)}};
  REQUIRE(build_error(kTwoPorts, routes) ==
          "route to 0.0.0.0/0 via 10.0.0.254: the next hop is one of our own addresses");
}

TEST_CASE("route: a static prefix with host bits set is rejected") {
  const std::vector<StaticRoute> routes = {{ip(172, 16, 0, 1), 16, ip(10, 0, 0, 2)}};
  REQUIRE(build_error(kTwoPorts, routes) ==
          "route to 172.16.0.1/16 via 10.0.0.2: the prefix has host bits set");
}

TEST_CASE("route: a prefix length above 32 is rejected") {
  const std::vector<StaticRoute> routes = {{ip(172, 16, 0, 0), 33, ip(10, 0, 0, 2)}};
  REQUIRE(build_error(kTwoPorts, routes).ends_with(": prefix length above 32"));
  const std::vector<InterfaceAddr> ifs = {{0, ip(10, 0, 0, 1), 40}};
  REQUIRE(build_error(ifs, {}).ends_with(": prefix length above 32"));
}

TEST_CASE("route: two routes for the same prefix are rejected") {
  const std::vector<StaticRoute> twice = {{ip(172, 16, 0, 0), 16, ip(10, 0, 0, 2)},
                                          {ip(172, 16, 0, 0), 16, ip(192, 168, 0, 2)}};
  REQUIRE(build_error(kTwoPorts, twice) ==
          "route to 172.16.0.0/16 via 192.168.0.2: a route for 172.16.0.0/16 already exists");
  const std::vector<StaticRoute> over_connected = {{ip(10, 0, 0, 0), 24, ip(192, 168, 0, 2)}};
  REQUIRE(
      build_error(kTwoPorts, over_connected).ends_with("a route for 10.0.0.0/24 already exists"));
}

TEST_CASE("route: the same network on two ports is rejected") {
  const std::vector<InterfaceAddr> ifs = {{0, ip(10, 0, 0, 1), 24}, {1, ip(10, 0, 0, 2), 24}};
  REQUIRE(build_error(ifs, {}) ==
          "interface address 10.0.0.2/24 on port 1: a route for 10.0.0.0/24 already exists");
}

TEST_CASE("route: our interface addresses are local and name their port") {
  const RouteTable t = must_build(kTwoPorts, {});
  uint16_t port = 99;
  REQUIRE(t.is_local(ip(192, 168, 0, 254), &port));
  REQUIRE(port == 1);
  REQUIRE(t.is_local(ip(10, 0, 0, 254)));
  REQUIRE_FALSE(t.is_local(ip(10, 0, 0, 253), &port));
  REQUIRE(port == 1);  // untouched on a miss
}

TEST_CASE("route: an empty table routes nothing and owns no address") {
  const RouteTable t;
  REQUIRE_FALSE(t.lookup(ip(10, 0, 0, 1)).has_value());
  REQUIRE_FALSE(t.is_local(ip(10, 0, 0, 1)));
  REQUIRE(t.entries().empty());
}

TEST_CASE("route: addresses and masks print as dotted quads") {
  REQUIRE(format_ipv4(ip(192, 168, 0, 254)) == "192.168.0.254");
  REQUIRE(format_ipv4(0) == "0.0.0.0");
  REQUIRE(prefix_mask(0) == 0);
  REQUIRE(prefix_mask(24) == 0xffffff00u);
  REQUIRE(prefix_mask(32) == 0xffffffffu);
}

TEST_CASE("route: a gateway in nested connected networks uses the port of the longer one") {
  const std::vector<InterfaceAddr> ifs = {{1, ip(10, 0, 5, 1), 24}, {0, ip(10, 0, 0, 1), 16}};
  const std::vector<StaticRoute> routes = {{0, 0, ip(10, 0, 5, 9)}};
  const RouteTable t = must_build(ifs, routes);
  REQUIRE(t.lookup(ip(8, 8, 8, 8)) == NextHop{1, ip(10, 0, 5, 9)});
}

TEST_CASE("route: lookup agrees with a brute-force longest match over random routes") {
  // Fixed seed: reproducible. The oracle scans the configured routes, not the built table.
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245u + 12345u; };
  const std::vector<InterfaceAddr> ifs = {{0, ip(10, 0, 0, 1), 8}, {1, ip(192, 168, 0, 1), 16}};
  std::vector<StaticRoute> routes;
  for (int i = 0; i < 200; ++i) {
    const uint8_t len = static_cast<uint8_t>(next() % 33);
    const uint32_t prefix = next() & prefix_mask(len);
    bool dup = false;
    for (const auto& r : routes) dup |= r.prefix == prefix && r.len == len;
    if (dup || (len == 8 && prefix == ip(10, 0, 0, 0)) ||
        (len == 16 && prefix == ip(192, 168, 0, 0)))
      continue;
    const uint32_t via = (next() & 1) ? ip(10, 1, 2, 3) : ip(192, 168, 7, 7);
    routes.push_back({prefix, len, via});
  }
  const RouteTable t = must_build(ifs, routes);
  for (int i = 0; i < 5000; ++i) {
    const uint32_t dst = i % 2 ? next() : (routes[next() % routes.size()].prefix | (next() & 0xff));
    int best_len = -1;
    std::optional<NextHop> want;
    for (const auto& f : ifs) {
      if ((dst & prefix_mask(f.len)) == (f.addr & prefix_mask(f.len)) && f.len > best_len) {
        best_len = f.len;
        want = NextHop{f.port, 0};
      }
    }
    for (const auto& r : routes) {
      if ((dst & prefix_mask(r.len)) == r.prefix && r.len > best_len) {
        best_len = r.len;
        want = NextHop{static_cast<uint16_t>((r.via >> 24) == 10 ? 0 : 1), r.via};
      }
    }
    INFO(format_ipv4(dst));
    REQUIRE(t.lookup(dst) == want);
  }
}
