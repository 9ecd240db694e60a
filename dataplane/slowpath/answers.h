// What the node answers itself, on the control thread: ARP for its addresses (and, as a CARP
// master, for its vhids' virtual addresses), ICMP echo to its addresses, ICMP errors for the
// packets the workers punted (time exceeded, unreachable, fragmentation needed; rate limited as
// BSD's icmplim) and `block return` answers (TCP RST or ICMP unreachable). Control thread only.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <optional>

#include "dataplane/net/drop.h"
#include "dataplane/node/clock.h"
#include "dataplane/slowpath/carp_node.h"
#include "dataplane/slowpath/control_tx.h"
#include "dataplane/slowpath/neighbors.h"
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

class Answers {
 public:
  // What was sent (its drops are counted in the control thread's LcoreCounters).
  struct Counters {
    uint64_t icmp_errors_sent = 0, icmp_errors_limited = 0;
    uint64_t arp_replies = 0, echo_replies = 0, rsts_sent = 0;
  };

  // `carp` (may be null) says which virtual addresses a master answers ARP for.
  Answers(ControlTx& tx, Neighbors& neighbors, const CarpNode* carp)
      : tx_(tx), neighbors_(neighbors), carp_(carp) {}

  // An ARP packet the worker punted: learned from, and answered when it asks for us.
  void arp(NodeClock::TimePoint now, rte_mbuf* m, uint16_t port);
  // A packet to one of our addresses: an echo request is answered, anything else dropped.
  void local(rte_mbuf* m, uint16_t port);
  // Sends an ICMP error about m out of in_port, then drops m counted under `why` (or frees it
  // uncounted when why is empty: a copy whose original was counted already, for a `block
  // return`, whose answer skips pf's rules).
  void icmp_error(NodeClock::TimePoint now, rte_mbuf* m, uint16_t in_port, uint8_t type,
                  uint8_t code, uint32_t rest, std::optional<net::DropReason> why);
  // A `block return` the worker punted (PuntKind::kBlockReturn).
  void block_return(NodeClock::TimePoint now, const PuntItem& item);

  const Counters& counters() const noexcept { return n_; }

 private:
  // Whether the loaded ruleset translates packets to `addr` arriving on `port` (ProxyArp).
  bool proxied(uint16_t port, uint32_t addr) const;
  std::optional<wire::MacAddr> proxy_mac(const Port& p) const;

  ControlTx& tx_;
  Neighbors& neighbors_;
  const CarpNode* carp_;
  RateLimit icmp_limit_{200};
  Counters n_;
};

}  // namespace dpf
