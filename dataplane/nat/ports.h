// pf's choice of a translated source port (pf_get_sport): from a starting point in the proxy port
// range [low, high] (pf's default 50001:65535), the first port whose would-be state key is free,
// wrapping round once. The caller supplies the starting point (pf: a random number) and the
// predicate, which looks the would-be key up in the state table: that is how pf avoids
// collisions, and since pfsync imports the peer's states into the table, a backup also avoids
// the ports its master handed out.
// Workers allocate concurrently: worker i of n only hands out ports p with p % n == i, so between
// one worker's free-check and its state insert no other worker of this node can pick that port.
// The peer node's workers can still race for it until pfsync brings the state over, as with pf.
// Any thread; bounded work (at most one predicate call per port of the worker's share); no
// allocation.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

namespace dpf::nat {

// Host order, both ends included.
struct PortRange {
  uint16_t low = 0;
  uint16_t high = 0;
};
// pf's PF_NAT_PROXY_PORT_LOW / PF_NAT_PROXY_PORT_HIGH.
inline constexpr PortRange kDefaultProxyPorts{50001, 65535};

// This worker's share: index `index` of `count` workers (count >= 1, index < count).
struct WorkerPartition {
  uint16_t index = 0;
  uint16_t count = 1;
};

enum class PortStatus : uint8_t {
  kOk,
  kExhausted,    // every port of the share was tried (or the probe budget ran out) and none is free
  kBadArgument,  // low > high, count 0 or index >= count
};

constexpr std::string_view port_status_name(PortStatus s) noexcept {
  switch (s) {
    case PortStatus::kOk:
      return "ok";
    case PortStatus::kExhausted:
      return "exhausted";
    case PortStatus::kBadArgument:
      return "bad-argument";
  }
  return "?";
}

struct PortPick {
  PortStatus status = PortStatus::kExhausted;
  uint16_t port = 0;    // valid when status == kOk
  uint32_t probes = 0;  // predicate calls made
};

// The ports of `range` that belong to `part`: first, first + n, ..., `size` of them (0: none).
struct PortShare {
  uint16_t first = 0;
  uint16_t stride = 1;
  uint32_t size = 0;
};

// The share of `range` that worker `part` hands out; false on a bad argument.
bool port_share(PortRange range, WorkerPartition part, PortShare* out) noexcept;

// Picks a port of `part`'s share of `range`, starting at the share's (start % size)-th port and
// going up, wrapping once: the first port for which `is_free(port)` is true. `is_free` must check
// the full would-be state key (translated address and port, the other side's address and port,
// protocol), so one port serves many destinations as in pf. At most `max_probes` calls.
template <class IsFree>
PortPick pick_port(PortRange range, WorkerPartition part, uint32_t start, IsFree&& is_free,
                   uint32_t max_probes = std::numeric_limits<uint32_t>::max()) noexcept {
  PortShare share;
  if (!port_share(range, part, &share)) [[unlikely]]
    return {PortStatus::kBadArgument, 0, 0};
  PortPick r;
  const uint32_t tries = share.size < max_probes ? share.size : max_probes;
  uint32_t slot = share.size != 0 ? start % share.size : 0;
  for (uint32_t k = 0; k < tries; ++k) {
    const auto port = static_cast<uint16_t>(share.first + slot * share.stride);
    ++r.probes;
    if (is_free(port)) {
      r.status = PortStatus::kOk;
      r.port = port;
      return r;
    }
    if (++slot == share.size) slot = 0;
  }
  return r;
}

// static-port: the packet's own port, if its key is free; there is nothing else to try. Such a
// port is outside any worker share: two flows with the same port from different inside hosts
// can race for it, and the state insert is what settles the race.
template <class IsFree>
PortPick keep_port(uint16_t port, IsFree&& is_free) noexcept {
  if (is_free(port)) return {PortStatus::kOk, port, 1};
  return {PortStatus::kExhausted, 0, 1};
}

}  // namespace dpf::nat
