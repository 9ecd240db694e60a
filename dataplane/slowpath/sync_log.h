// pfsync's events in the log: a peer heard for the first time, the bulk update this node asked
// for (requested, re-sent, started, done or failed) and those it sends. The control thread calls
// poll() on the sync channel it drives; it compares with what it saw last and logs the
// difference. Allocates for log lines only.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/pfsync/sync_channel.h"

namespace dpf {

class SyncLog {
 public:
  void poll(const SyncChannel& sync);

 private:
  pfsync::BulkStatus bulk_;
  uint64_t sends_started_ = 0;
  uint64_t sends_finished_ = 0;
  uint64_t states_sent_ = 0;
  std::vector<uint32_t> peers_;  // addresses already logged
};

}  // namespace dpf
