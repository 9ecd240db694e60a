// How the control thread sends: on its own TX queue of every port, and the node's own packets
// (echo replies, ICMP errors, ARP) through pf's `out` pass first, as pf filters a host's output.
// Control thread only.
#pragma once

#include <rte_mbuf.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/node/node.h"
#include "dataplane/worker/worker.h"

namespace dpf {

class ControlTx {
 public:
  explicit ControlTx(Node& node);

  Node& node() noexcept { return node_; }
  // The control thread's counters (its drops, its TX) and its lcore index (TX queue, RCU id).
  LcoreCounters& counters() noexcept { return c_; }
  unsigned index() const noexcept { return index_; }

  // Sends m on `port` as it is.
  void tx(uint16_t port, rte_mbuf* m);
  // Sends a packet the node originates: pf's `out` pass on `port`, then tx. ARP and other
  // non-IPv4 frames go straight out.
  void tx_local(uint16_t port, rte_mbuf* m);
  // Builds a frame into a new mbuf (build(span) returns its length, 0 = nothing to send) and
  // sends it with tx_local, or with tx when `pf_reply` (a `block return` answer, which pf sends
  // past its own rules). False when there was no mbuf or nothing was built.
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

 private:
  Node& node_;
  LcoreCounters& c_;
  unsigned index_;
  WorkerContext local_;  // pf_test's context for the node's own packets (no punt ring)
};

// The frame an mbuf holds (its first segment).
inline std::span<std::byte> frame_of(rte_mbuf* m) {
  return {rte_pktmbuf_mtod(m, std::byte*), rte_pktmbuf_data_len(m)};
}

}  // namespace dpf
