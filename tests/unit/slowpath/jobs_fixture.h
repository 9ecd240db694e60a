// Helpers shared by the tests of the control thread's jobs on a net_ring node
// (tests/unit/node/ring_node.h): the jobs wired as SlowPath wires them, the control thread's
// counters, and the addresses of the hosts the tests play on em0 (10.0.0.254/24, port 0) and em1
// (10.1.0.254/24, port 1). Main lcore.
#pragma once

#include <rte_hash.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "dataplane/net/drop.h"
#include "dataplane/net/wire/mac.h"
#include "dataplane/node/node.h"
#include "dataplane/slowpath/answers.h"
#include "dataplane/slowpath/control_tx.h"
#include "dataplane/slowpath/neighbors.h"

namespace dpf::test {

inline constexpr uint32_t kEm0Addr = 0x0a0000fe;  // 10.0.0.254
inline constexpr uint32_t kEm1Addr = 0x0a0100fe;  // 10.1.0.254
inline constexpr uint16_t kEm0 = 0, kEm1 = 1;

// Hosts: 10.0.0.h on em0, 10.1.0.h on em1, each with the MAC 02:00:00:00:<ip's last two bytes>.
// Each case talks from hosts of its own: the node's neighbour hash outlives the cases.
constexpr uint32_t host0(uint8_t h) {
  return 0x0a000000u | h;
}
constexpr uint32_t host1(uint8_t h) {
  return 0x0a010000u | h;
}
constexpr wire::MacAddr mac_of(uint32_t ip) {
  return {0x02, 0, 0, 0, static_cast<uint8_t>(ip >> 8), static_cast<uint8_t>(ip)};
}

// The control thread's jobs as SlowPath wires them, without CARP. Held packets are dropped
// when the jobs go, as SlowPath::shutdown drops them.
struct Jobs {
  explicit Jobs(Node& node) : tx(node), neighbors(tx), answers(tx, neighbors, nullptr) {}
  ~Jobs() { neighbors.flush(); }
  ControlTx tx;
  Neighbors neighbors;
  Answers answers;
};

// The control thread's counters: index n_workers.
inline LcoreCounters& control(Node& node) {
  return node.counters[node.n_workers];
}

// The drop counters that changed from `before` to `now`, as (reason, increase).
using Drops = std::vector<std::pair<net::DropReason, uint64_t>>;
inline Drops new_drops(const LcoreCounters& before, const LcoreCounters& now) {
  Drops out;
  for (size_t r = 0; r < now.drops.size(); ++r)
    if (now.drops[r] != before.drops[r])
      out.emplace_back(static_cast<net::DropReason>(r), now.drops[r] - before.drops[r]);
  return out;
}

// The MAC the workers' neighbour hash holds for ip, if a valid one.
inline std::optional<wire::MacAddr> published_mac(const Node& node, uint32_t ip) {
  void* data = nullptr;
  wire::MacAddr mac{};
  if (rte_hash_lookup_data(node.neighbors, &ip, &data) < 0 ||
      !neighbor_unpack(reinterpret_cast<uintptr_t>(data), mac))
    return std::nullopt;
  return mac;
}

}  // namespace dpf::test
