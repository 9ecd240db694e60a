// Next-hop resolution on the control thread: the ARP side of the neighbour table. It learns from
// ARP, asks for unresolved next hops while holding their packets, publishes resolved MACs to the
// workers' lookup hash and sends the held packets once an answer comes. Control thread only.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <vector>

#include "dataplane/net/wire/mac.h"
#include "dataplane/node/clock.h"
#include "dataplane/route/neighbor.h"
#include "dataplane/slowpath/control_tx.h"

namespace dpf {

class Neighbors {
 public:
  explicit Neighbors(ControlTx& tx) : tx_(tx) {}

  // An ARP packet from `ip` with `mac` on `port`; `create` when it talks to us (RFC 826 merge).
  void learn(NodeClock::TimePoint now, uint16_t port, uint32_t ip, const wire::MacAddr& mac,
             bool create);
  // A worker could not find `next_hop`'s MAC: m waits (a few per neighbour) while we ask.
  void resolve(NodeClock::TimePoint now, uint16_t port, uint32_t next_hop, rte_mbuf* m);
  // Retries, timeouts and aging, when due.
  void poll(NodeClock::TimePoint now);
  // Sends an ARP request for `target` from `port`'s address.
  void send_request(uint16_t port, uint32_t target);
  // Drops every held packet (shutdown).
  void flush();

  std::vector<route::NeighborTable::Entry> snapshot() const { return table_.snapshot(); }
  uint64_t requests_sent() const noexcept { return requests_sent_; }

 private:
  void apply();

  ControlTx& tx_;
  route::NeighborTable table_;
  route::NeighborActions acts_;
  uint64_t requests_sent_ = 0;
};

}  // namespace dpf
