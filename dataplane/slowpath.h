// The control thread's packet work (it runs on the EAL main lcore): drains the workers' punt
// rings and answers ARP and ICMP echo for our addresses, resolves next hops (holding packets in
// the neighbour table), sends ICMP errors (time exceeded, unreachable, fragmentation needed,
// rate limited), tracks link state and publishes a stats snapshot for the REST thread.
// Allocates on the heap only when the neighbour table grows.
#pragma once

#include <chrono>
#include <mutex>

#include "control/rest/view.h"
#include "dataplane/node.h"
#include "dataplane/route/neighbor.h"

namespace dpf {

// Token bucket for ICMP errors (as BSD's icmplim): at most `rate` per second, bursts of `rate`.
class RateLimit {
 public:
  explicit RateLimit(unsigned rate) : rate_(rate), tokens_(rate) {}
  bool allow(std::chrono::steady_clock::time_point now) noexcept;

 private:
  unsigned rate_;
  double tokens_;
  std::chrono::steady_clock::time_point last_{};
};

class SlowPath {
 public:
  explicit SlowPath(Node& node);
  // Runs until node.stop is set.
  void run();
  // Thread-safe copy of the latest counters, refreshed by run() every 200 ms.
  rest::NodeStats snapshot() const;
  // Drops every held packet (called after the loop exits).
  void shutdown();

 private:
  using Clock = std::chrono::steady_clock;
  unsigned drain(Clock::time_point now);
  void handle(Clock::time_point now, const PuntItem& item);
  void handle_arp(Clock::time_point now, rte_mbuf* m, uint16_t port);
  void handle_local(rte_mbuf* m, uint16_t port);
  void send_icmp_error(Clock::time_point now, rte_mbuf* m, uint16_t in_port, uint8_t type,
                       uint8_t code, uint32_t rest, net::DropReason why);
  void apply(route::NeighborActions& acts);
  void send_arp_request(uint16_t port, uint32_t target);
  void tx(uint16_t port, rte_mbuf* m);
  void refresh_snapshot();

  Node& node_;
  LcoreCounters& c_;
  unsigned index_;  // TX queue index of the control thread
  route::NeighborTable neighbors_;
  route::NeighborActions acts_;
  RateLimit icmp_limit_{200};
  // Control-thread counters that are not drops (its drops are in c_).
  struct {
    uint64_t icmp_errors_sent = 0, icmp_errors_limited = 0;
    uint64_t arp_replies = 0, arp_requests = 0, echo_replies = 0;
  } slow_;
  mutable std::mutex snap_mu_;
  rest::NodeStats snap_;
};

}  // namespace dpf
