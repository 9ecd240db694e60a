// The IPv4 routing model: interface addresses, their connected routes and static routes, resolved
// to a deduplicated next-hop list that the node loads into rte_lpm. Built once on the control
// thread from the validated configuration and immutable afterwards, so any thread may read it.
// Allocates (vectors) only in build(). Pure: no DPDK. All addresses are IPv4 in host byte order.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dpf::route {

// Where a routed packet leaves: the egress port and the neighbour to resolve with ARP.
struct NextHop {
  uint16_t port;
  uint32_t gateway;  // 0 = the destination is on-link (resolve the destination itself)
  bool operator==(const NextHop&) const = default;
};

// One prefix for rte_lpm; next_hop_id indexes RouteTable::next_hops().
struct RouteEntry {
  uint32_t prefix;  // network address, host bits zero
  uint8_t len;      // 0..32
  uint32_t next_hop_id;
  bool operator==(const RouteEntry&) const = default;
};

// An address configured on a port; addr keeps its host bits (10.0.0.254/24).
struct InterfaceAddr {
  uint16_t port;
  uint32_t addr;
  uint8_t len;  // 0..32
};

// A configured static route `to: prefix/len, via: gateway`.
struct StaticRoute {
  uint32_t prefix;  // host bits must be zero
  uint8_t len;      // 0..32
  uint32_t via;     // must lie on a connected network and not be one of our addresses
};

class RouteTable {
 public:
  RouteTable() = default;  // no routes, no addresses

  // Connected routes for every interface network plus static routes resolved to the port whose
  // connected network holds `via` (longest connected prefix). Returns nullopt and sets `error`
  // for: a prefix length above 32, host bits in a static prefix, two routes for the same
  // prefix/len, a static next hop that is not on a connected network or is one of our addresses.
  static std::optional<RouteTable> build(std::span<const InterfaceAddr> interfaces,
                                         std::span<const StaticRoute> statics, std::string& error);

  // What goes into rte_lpm, ordered by length (longest first), then prefix.
  const std::vector<RouteEntry>& entries() const { return entries_; }
  // Indexed by RouteEntry::next_hop_id; equal next hops share one id.
  const std::vector<NextHop>& next_hops() const { return next_hops_; }
  const std::vector<InterfaceAddr>& interfaces() const { return interfaces_; }

  // Longest prefix match: the reference implementation (oracle for tests and the control path).
  std::optional<NextHop> lookup(uint32_t dst) const;
  // True when addr is one of our interface addresses; *port (if given) receives its port.
  bool is_local(uint32_t addr, uint16_t* port = nullptr) const;

 private:
  std::vector<RouteEntry> entries_;
  std::vector<NextHop> next_hops_;
  std::vector<InterfaceAddr> interfaces_;
};

// Network mask for a prefix length (0..32; larger lengths give /32).
constexpr uint32_t prefix_mask(uint8_t len) {
  return len == 0 ? 0u : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1u);
}

// Dotted quad ("10.0.0.1") of a host-order address; for messages and REST, not the fast path.
std::string format_ipv4(uint32_t addr);

}  // namespace dpf::route
