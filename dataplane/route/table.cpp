#include "dataplane/route/table.h"

#include <algorithm>

namespace dpf::route {
namespace {

std::string format_prefix(uint32_t prefix, uint8_t len) {
  return format_ipv4(prefix) + "/" + std::to_string(len);
}

// Index of `hop` in `hops`, appending it when it is new (equal next hops share one id).
uint32_t intern(std::vector<NextHop>& hops, const NextHop& hop) {
  auto it = std::find(hops.begin(), hops.end(), hop);
  if (it != hops.end()) return static_cast<uint32_t>(it - hops.begin());
  hops.push_back(hop);
  return static_cast<uint32_t>(hops.size() - 1);
}

bool covers(uint32_t prefix, uint8_t len, uint32_t addr) {
  return (addr & prefix_mask(len)) == prefix;
}

// The interface whose connected network holds `addr`, longest prefix first; nullptr if none.
const InterfaceAddr* connected_for(std::span<const InterfaceAddr> ifs, uint32_t addr) {
  const InterfaceAddr* best = nullptr;
  for (const auto& i : ifs) {
    if (covers(i.addr & prefix_mask(i.len), i.len, addr) && (!best || i.len > best->len)) best = &i;
  }
  return best;
}

bool is_own_address(std::span<const InterfaceAddr> ifs, uint32_t addr) {
  return std::any_of(ifs.begin(), ifs.end(), [&](const auto& i) { return i.addr == addr; });
}

bool add_entry(std::vector<RouteEntry>& entries, RouteEntry e, const std::string& what,
               std::string& error) {
  for (const auto& x : entries) {
    if (x.prefix == e.prefix && x.len == e.len) {
      error = what + ": a route for " + format_prefix(e.prefix, e.len) + " already exists";
      return false;
    }
  }
  entries.push_back(e);
  return true;
}

}  // namespace

std::string format_ipv4(uint32_t addr) {
  return std::to_string(addr >> 24) + "." + std::to_string((addr >> 16) & 0xff) + "." +
         std::to_string((addr >> 8) & 0xff) + "." + std::to_string(addr & 0xff);
}

std::optional<RouteTable> RouteTable::build(std::span<const InterfaceAddr> interfaces,
                                            std::span<const StaticRoute> statics,
                                            std::string& error) {
  RouteTable t;
  for (const auto& i : interfaces) {
    const std::string what = "interface address " + format_ipv4(i.addr) + "/" +
                             std::to_string(i.len) + " on port " + std::to_string(i.port);
    if (i.len > 32) {
      error = what + ": prefix length above 32";
      return std::nullopt;
    }
    t.interfaces_.push_back(i);
    const RouteEntry e{i.addr & prefix_mask(i.len), i.len, intern(t.next_hops_, {i.port, 0})};
    // A second address in the same network on the same port adds no route.
    if (std::find(t.entries_.begin(), t.entries_.end(), e) != t.entries_.end()) continue;
    if (!add_entry(t.entries_, e, what, error)) return std::nullopt;
  }
  for (const auto& s : statics) {
    const std::string what =
        "route to " + format_prefix(s.prefix, s.len) + " via " + format_ipv4(s.via);
    if (s.len > 32) {
      error = what + ": prefix length above 32";
      return std::nullopt;
    }
    if ((s.prefix & ~prefix_mask(s.len)) != 0) {
      error = what + ": the prefix has host bits set";
      return std::nullopt;
    }
    if (is_own_address(interfaces, s.via)) {
      error = what + ": the next hop is one of our own addresses";
      return std::nullopt;
    }
    const InterfaceAddr* out = connected_for(interfaces, s.via);
    if (!out) {
      error = what + ": the next hop is not on a connected network";
      return std::nullopt;
    }
    const RouteEntry e{s.prefix, s.len, intern(t.next_hops_, {out->port, s.via})};
    if (!add_entry(t.entries_, e, what, error)) return std::nullopt;
  }
  std::sort(t.entries_.begin(), t.entries_.end(), [](const auto& a, const auto& b) {
    return a.len != b.len ? a.len > b.len : a.prefix < b.prefix;
  });
  return t;
}

std::optional<NextHop> RouteTable::lookup(uint32_t dst) const {
  // entries_ is ordered longest prefix first, so the first covering entry is the best one.
  for (const auto& e : entries_) {
    if (covers(e.prefix, e.len, dst)) return next_hops_[e.next_hop_id];
  }
  return std::nullopt;
}

bool RouteTable::is_local(uint32_t addr, uint16_t* port) const {
  for (const auto& i : interfaces_) {
    if (i.addr == addr) {
      if (port) *port = i.port;
      return true;
    }
  }
  return false;
}

}  // namespace dpf::route
