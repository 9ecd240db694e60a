// The node's counters gathered into one rest::NodeStats on the control thread (every 200 ms and
// on a link change), and the board the REST thread reads the latest copy from.
#pragma once

#include <mutex>

#include "control/rest/view.h"
#include "dataplane/node/node.h"
#include "dataplane/slowpath/answers.h"
#include "dataplane/slowpath/carp_node.h"
#include "dataplane/slowpath/neighbors.h"

namespace dpf {

// Sums every lcore's counters and reads the ports, the neighbour table, pf, CARP (`carp` may be
// null) and pfsync. Control thread.
rest::NodeStats collect_stats(Node& node, const Neighbors& neighbors,
                              const Answers::Counters& answers, const CarpNode* carp);

// One snapshot, written by the control thread and copied out by any thread.
class StatsBoard {
 public:
  void publish(rest::NodeStats s) {
    std::lock_guard lock(mu_);
    latest_ = std::move(s);
  }
  rest::NodeStats latest() const {
    std::lock_guard lock(mu_);
    return latest_;
  }

 private:
  mutable std::mutex mu_;
  rest::NodeStats latest_;
};

}  // namespace dpf
