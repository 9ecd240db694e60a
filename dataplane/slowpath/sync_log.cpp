#include "dataplane/slowpath/sync_log.h"

#include <algorithm>
#include <chrono>

#include "control/config/cluster.h"
#include "control/log/log.h"
#include "dataplane/net/wire/mac.h"

namespace dpf {

void SyncLog::poll(const SyncChannel& sync) {
  for (const SyncPeerSeen& p : sync.peers_seen()) {
    if (std::find(peers_.begin(), peers_.end(), p.addr) != peers_.end()) continue;
    peers_.push_back(p.addr);
    const std::string addr = config::format_ipv4(p.addr);
    log::notice("pfsync: peer " + addr + " (" + wire::format_mac(p.mac) + ") heard",
                {{"source", "pfsync"}, {"peer", addr}, {"event", "peer"}});
  }
  const pfsync::BulkStatus& b = sync.bulk_status();
  if (b.requested && (!bulk_.requested || b.started_at != bulk_.started_at)) {
    log::notice(std::string("pfsync: bulk update requested from the peers") +
                    (b.resync ? " (the sync link is back up)" : ""),
                {{"source", "pfsync"}, {"event", "bulk-requested"}});
  } else if (b.requested && b.tries > bulk_.tries) {
    log::info("pfsync: bulk update request re-sent (try " + std::to_string(b.tries + 1) + ")",
              {{"source", "pfsync"}, {"event", "bulk-retry"}, {"tries", b.tries}});
  }
  if (b.in_progress && !bulk_.in_progress)
    log::info("pfsync: a peer started the bulk update",
              {{"source", "pfsync"}, {"event", "bulk-start"}});
  if (b.done && (!bulk_.done || b.finished_at != bulk_.finished_at)) {
    std::string took;
    if (b.started_at && b.finished_at) {
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(*b.finished_at - *b.started_at);
      took = " in " + std::to_string(ms.count()) + " ms";
    }
    log::notice("pfsync: bulk update done: " + std::to_string(b.states_received) +
                    " states received" + took,
                {{"source", "pfsync"}, {"event", "bulk-done"}, {"states", b.states_received}});
  }
  if (b.failed && !bulk_.failed)
    log::warning("pfsync: bulk update failed after " + std::to_string(b.tries) +
                     " retries; pf carries on with the states it has",
                 {{"source", "pfsync"}, {"event", "bulk-failed"}, {"tries", b.tries}});
  bulk_ = b;
  const pfsync::EngineStats& e = sync.engine_stats();
  if (e.bulk_sends_started > sends_started_)
    log::info("pfsync: sending a bulk update to the peers",
              {{"source", "pfsync"}, {"event", "bulk-send"}});
  if (e.bulk_sends_finished > sends_finished_)
    log::info("pfsync: bulk update sent: " + std::to_string(e.bulk_states_sent - states_sent_) +
                  " states",
              {{"source", "pfsync"},
               {"event", "bulk-sent"},
               {"states", e.bulk_states_sent - states_sent_}});
  if (e.bulk_sends_finished > sends_finished_) states_sent_ = e.bulk_states_sent;
  sends_started_ = e.bulk_sends_started;
  sends_finished_ = e.bulk_sends_finished;
}

}  // namespace dpf
