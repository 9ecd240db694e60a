// See system_env.h.
#include "control/pfconf/system_env.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace dpf::pfconf {
namespace {

uint8_t prefix_of(const uint8_t* mask, size_t len) {
  uint8_t bits = 0;
  for (size_t i = 0; i < len; ++i) {
    for (int b = 7; b >= 0; --b) {
      if (!(mask[i] & (1u << b))) return bits;
      ++bits;
    }
  }
  return bits;
}

bool to_resolved(const sockaddr* sa, const sockaddr* mask, ResolvedAddress& out) {
  if (sa == nullptr) return false;
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    out.addr.af = Af::kInet;
    std::memcpy(out.addr.bytes.data(), &in->sin_addr, 4);
    out.prefix = 32;
    if (mask) {
      const auto* m = reinterpret_cast<const sockaddr_in*>(mask);
      out.prefix = prefix_of(reinterpret_cast<const uint8_t*>(&m->sin_addr), 4);
    }
    return true;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    out.addr.af = Af::kInet6;
    std::memcpy(out.addr.bytes.data(), &in6->sin6_addr, 16);
    out.prefix = 128;
    if (mask) {
      const auto* m = reinterpret_cast<const sockaddr_in6*>(mask);
      out.prefix = prefix_of(reinterpret_cast<const uint8_t*>(&m->sin6_addr), 16);
    }
    return true;
  }
  return false;
}

std::optional<std::vector<ResolvedAddress>> interface_addresses(const std::string& name) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return std::nullopt;
  bool found = false;
  std::vector<ResolvedAddress> out;
  for (ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
    if (name != "self" && name != ifa->ifa_name) continue;
    found = true;
    ResolvedAddress r;
    if (!to_resolved(ifa->ifa_addr, ifa->ifa_netmask, r)) continue;
    r.loopback = (ifa->ifa_flags & IFF_LOOPBACK) != 0;
    out.push_back(r);
  }
  freeifaddrs(list);
  if (!found) return std::nullopt;
  return out;
}

std::optional<std::vector<ResolvedAddress>> host_addresses(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0) return std::nullopt;
  std::vector<ResolvedAddress> out;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    ResolvedAddress r;
    if (to_resolved(ai->ai_addr, nullptr, r)) out.push_back(r);
  }
  freeaddrinfo(res);
  return out;
}

}  // namespace

ParseOptions system_parse_options() {
  ParseOptions o;
  o.interfaces = interface_addresses;
  o.hosts = host_addresses;
  return o;
}

}  // namespace dpf::pfconf
