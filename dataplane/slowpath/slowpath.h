// The control thread (the EAL main lcore). Its loop runs the node's slow jobs, each in its own
// file: answers (ARP, echo, ICMP errors, `block return`), neighbours (next-hop resolution),
// expiry (the state sweeper), CARP (carp_node), pfsync (the sync channel), reloads (pf_load),
// the command queue the REST thread posts to, and the stats snapshot it reads. It never spins:
// idle, it sleeps up to kSleepMaxUs.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>

#include "control/rest/view.h"
#include "dataplane/node/node.h"
#include "dataplane/slowpath/answers.h"
#include "dataplane/slowpath/carp_node.h"
#include "dataplane/slowpath/command_queue.h"
#include "dataplane/slowpath/control_tx.h"
#include "dataplane/slowpath/expiry.h"
#include "dataplane/slowpath/neighbors.h"
#include "dataplane/slowpath/reload.h"
#include "dataplane/slowpath/stats.h"
#include "dataplane/slowpath/sync_log.h"
#include "dataplane/worker/worker.h"

namespace dpf {

class SlowPath {
 public:
  // Throws std::runtime_error when the cluster's CARP groups do not fit the node.
  explicit SlowPath(Node& node);
  // Runs until node.stop is set.
  void run();
  // Thread-safe copy of the latest counters, refreshed by run() every 200 ms.
  rest::NodeStats snapshot() const { return board_.latest(); }
  // Masters bow out, then every held packet is dropped (called after the loop exits).
  void shutdown();
  // CARP, when the cluster has vhids (else nullptr); control thread only (use call()).
  CarpNode* carp() { return carp_.get(); }
  // SIGHUP and the ruleset's origin; control thread only (use call()).
  ConfigReload& reload() { return reload_; }

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
  static constexpr unsigned kSleepMaxUs = 5000;

 private:
  unsigned drain(NodeClock::TimePoint now);
  void handle(NodeClock::TimePoint now, const PuntItem& item);
  void poll_links();
  void poll_sync(NodeClock::TimePoint now, bool& busy);
  void refresh_snapshot();

  Node& node_;
  ControlTx tx_;
  Neighbors neighbors_;
  std::unique_ptr<CarpNode> carp_;
  Answers answers_;
  Expiry expiry_;
  CommandQueue cmds_;
  StatsBoard board_;
  ConfigReload reload_;
  SyncLog sync_log_;
  NodeClock::TimePoint next_sync_arp_{};  // next ARP request for pfsync's unresolved syncpeer
};

}  // namespace dpf
