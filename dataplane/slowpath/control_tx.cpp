#include "dataplane/slowpath/control_tx.h"

#include "dataplane/net/parse.h"
#include "dataplane/worker/pf.h"

namespace dpf {

ControlTx::ControlTx(Node& node)
    : node_(node), c_(node.counters[node.n_workers]), index_(node.n_workers) {
  local_.node = &node_;
  local_.index = index_;
  local_.c = &c_;
}

void ControlTx::tx(uint16_t port, rte_mbuf* m) {
  Port& p = *node_.ports[port];
  send_burst(p, node_.tx_queue(p, index_), &m, 1, c_);
}

void ControlTx::tx_local(uint16_t port, rte_mbuf* m) {
  net::PacketInfo info;
  net::DropReason why;
  if (net::parse_frame(frame_of(m), info, why) && info.l3 == net::L3Kind::kIpv4) {
    local_.now = pf_now(*node_.pf);
    const bool pass = pf_test(local_, state::Direction::kOut, port, port, m, info, local_.now);
    if (local_.deferred) {  // pfsync defer holds forwarded packets only
      pf_sync_change(node_, index_, *local_.deferred, pfsync::ChangeKind::kInsert);
      local_.deferred = nullptr;
    }
    if (!pass) return;  // dropped and counted by pf_test
  }
  tx(port, m);
}

}  // namespace dpf
