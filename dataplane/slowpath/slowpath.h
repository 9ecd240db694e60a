// The control thread's packet work (it runs on the EAL main lcore): drains the workers' punt
// rings and answers ARP and ICMP echo for our addresses, resolves next hops (holding packets in
// the neighbour table), sends ICMP errors (time exceeded, unreachable, fragmentation needed,
// rate limited), tracks link state and publishes a stats snapshot for the REST thread.
// Allocates on the heap only when the neighbour table grows.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

#include "control/rest/view.h"
#include "dataplane/node/node.h"
#include "dataplane/route/neighbor.h"
#include "dataplane/slowpath/carp_node.h"
#include "dataplane/slowpath/command_queue.h"
#include "dataplane/state/sweeper.h"
#include "dataplane/worker/worker.h"

namespace dpf {

// Token bucket for ICMP errors (as BSD's icmplim): at most `rate` per second, bursts of `rate`.
class RateLimit {
 public:
  explicit RateLimit(unsigned rate) : rate_(rate), tokens_(rate) {}
  bool allow(NodeClock::TimePoint now) noexcept;

 private:
  unsigned rate_;
  double tokens_;
  NodeClock::TimePoint last_{};
};

class SlowPath {
 public:
  // Throws std::runtime_error when the cluster's CARP groups do not fit the node.
  explicit SlowPath(Node& node);
  // Runs until node.stop is set.
  void run();
  // Thread-safe copy of the latest counters, refreshed by run() every 200 ms.
  rest::NodeStats snapshot() const;
  // Masters bow out, then every held packet is dropped (called after the loop exits).
  void shutdown();
  // CARP, when the cluster has vhids (else nullptr); control thread only (use call()).
  CarpNode* carp() { return carp_.get(); }

  // Runs f on the control thread (between bursts) and returns its result; for the REST thread,
  // whose requests read or change state the control thread owns. f is moved into the task and
  // must own what it reads (capture by value): a task still queued when the wait ends is
  // cancelled, one already running finishes on its own copies. Throws std::runtime_error when
  // the node is stopping or does not answer in time.
  template <class F>
  auto call(F f) -> decltype(f()) {
    if (node_.stop.load()) throw std::runtime_error("the node is stopping");
    return cmds_.call(std::move(f), kCallTimeout);
  }
  static constexpr std::chrono::seconds kCallTimeout{10};

 private:
  unsigned drain(NodeClock::TimePoint now);
  void handle(NodeClock::TimePoint now, const PuntItem& item);
  void handle_arp(NodeClock::TimePoint now, rte_mbuf* m, uint16_t port);
  void handle_local(rte_mbuf* m, uint16_t port);
  // Sends an ICMP error about m out of in_port, then drops m counted under `why` (or frees it
  // uncounted when why is empty: a copy whose original was counted already, for a `block
  // return`, whose answer skips pf's rules).
  void send_icmp_error(NodeClock::TimePoint now, rte_mbuf* m, uint16_t in_port, uint8_t type,
                       uint8_t code, uint32_t rest, std::optional<net::DropReason> why);
  void send_block_return(NodeClock::TimePoint now, const PuntItem& item);
  void run_commands();

 public:
  // Reloads the cluster's rules file (SIGHUP, dpfctl -f). States survive a reload.
  bool reload_rules(std::vector<std::string>* errors = nullptr);

 private:
  void housekeeping(NodeClock::TimePoint now);
  void apply(route::NeighborActions& acts);
  void send_arp_request(uint16_t port, uint32_t target);
  void tx(uint16_t port, rte_mbuf* m);
  // A packet the node sends itself: pf's `out` pass on `port` first (as pf filters a host's own
  // output), then tx. ARP and other non-IPv4 frames go straight out.
  void tx_local(uint16_t port, rte_mbuf* m);
  // Builds a frame into a new mbuf (build(span) returns its length, 0 = nothing to send) and
  // sends it on `port`, through pf's `out` pass unless `pf_reply` (a `block return` answer,
  // which pf sends past its own rules). False when there was no mbuf or nothing was built.
  template <class Build>
  bool send_new(uint16_t port, Build&& build, bool pf_reply = false) {
    rte_mbuf* e = rte_pktmbuf_alloc(node_.pool);
    if (e == nullptr) return false;
    const size_t len =
        build(std::span<std::byte>(rte_pktmbuf_mtod(e, std::byte*), rte_pktmbuf_tailroom(e)));
    if (len == 0) {
      rte_pktmbuf_free(e);
      return false;
    }
    rte_pktmbuf_append(e, static_cast<uint16_t>(len));
    if (pf_reply) {
      tx(port, e);
    } else {
      tx_local(port, e);
    }
    return true;
  }
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
    uint64_t arp_replies = 0, arp_requests = 0, echo_replies = 0, rsts_sent = 0;
  } slow_;
  mutable std::mutex snap_mu_;
  rest::NodeStats snap_;
  CommandQueue cmds_;
  state::Sweeper sweeper_;
  WorkerContext local_;  // pf_test's context for the node's own packets (no punt ring)
  std::unique_ptr<CarpNode> carp_;
  NodeClock::TimePoint next_sweep_{};
  NodeClock::TimePoint next_sync_arp_{};  // next ARP request for pfsync's unresolved syncpeer
};

}  // namespace dpf
