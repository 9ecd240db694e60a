// What a worker (and the control thread, which keeps the same counters) counts, and the one way
// a packet is dropped; and why a frame goes from a worker to the control thread.
#pragma once

#include <rte_mbuf.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataplane/net/drop.h"

namespace dpf {

// pf's limit counters (pf_status.lcounters, LCNT_* of FreeBSD's pfvar.h): why a state was refused
// or a source punished, in pfctl -vsi's order. dpf has no syncookies: those stay 0.
enum class LimitCounter : uint8_t {
  kStates,           // a rule's `max` refused a state (LCNT_STATES)
  kSrcStates,        // max-src-states refused a state (LCNT_SRCSTATES)
  kSrcNodes,         // max-src-nodes refused a new source (LCNT_SRCNODES)
  kSrcConn,          // an established connection passed max-src-conn (LCNT_SRCCONN)
  kSrcConnRate,      // an established connection passed max-src-conn-rate (LCNT_SRCCONNRATE)
  kOverloadTable,    // a source put into its rule's overload table (LCNT_OVERLOAD_TABLE)
  kOverloadFlush,    // an overload `flush` run by the control thread (LCNT_OVERLOAD_FLUSH)
  kSynfloods,        // LCNT_SYNFLOODS
  kSyncookiesSent,   // LCNT_SYNCOOKIES_SENT
  kSyncookiesValid,  // LCNT_SYNCOOKIES_VALID
  kCount,
};

// pfctl's names (LCNT_NAMES), by LimitCounter.
inline constexpr std::array<std::string_view, static_cast<size_t>(LimitCounter::kCount)>
    kLimitCounterNames = {"max states per rule",   "max-src-states",     "max-src-nodes",
                          "max-src-conn",          "max-src-conn-rate",  "overload table insertion",
                          "overload flush states", "synfloods detected", "syncookies sent",
                          "syncookies validated"};

// Counters of one lcore, written only by that lcore, read (relaxed) by the control thread.
struct alignas(64) LcoreCounters {
  uint64_t rx_packets = 0;      // frames taken from RX queues
  uint64_t forwarded = 0;       // IPv4 packets routed and handed to a TX queue
  uint64_t punted = 0;          // frames queued to the control thread
  uint64_t tx_packets = 0;      // frames accepted by a TX queue
  uint64_t ipv6_seen = 0;       // IPv6 frames parsed (and counted as dropped: not forwarded yet)
  uint64_t states_created = 0;  // pf states inserted by this lcore
  uint64_t state_matches = 0;   // packets that passed on an existing state
  std::array<uint64_t, static_cast<size_t>(net::DropReason::kCount)> drops{};
  std::array<uint64_t, static_cast<size_t>(LimitCounter::kCount)> limits{};
  uint64_t overload_full = 0;  // sources an overload table refused: its hosts are full
  uint64_t flush_lost = 0;     // overload flush requests lost to a full queue
};

inline void count_limit(LcoreCounters& c, LimitCounter which) noexcept {
  ++c.limits[static_cast<size_t>(which)];
}

// The one way a packet is dropped: counted by reason, then freed.
inline void drop_packet(LcoreCounters& c, net::DropReason why, rte_mbuf* m) noexcept {
  ++c.drops[static_cast<size_t>(why)];
  rte_pktmbuf_free(m);
}

// Why a frame goes to the control thread.
enum class PuntKind : uint8_t {
  kArp,          // ARP request or reply
  kLocal,        // IPv4 addressed to one of our addresses
  kTtlExceeded,  // forwarding would take TTL to 0: send ICMP time exceeded
  kNoRoute,      // no route: send ICMP destination unreachable (net)
  kResolve,      // next hop has no neighbour entry: hold and resolve
  kFragNeeded,   // larger than the egress MTU with DF set: ICMP fragmentation needed
  kBlockReturn,  // a copy of a packet a `block return` rule dropped: send the RST / ICMP
  kCarp,         // a CARP advertisement on a port that runs vhids
};

struct PuntItem {
  rte_mbuf* m;
  // kResolve: the address to resolve (host order); kFragNeeded: the egress MTU;
  // kBlockReturn: (1 << 24 | rst ttl) for a TCP RST, (2 << 24 | type << 8 | code) for ICMP.
  uint32_t next_hop;
  uint16_t port;  // kResolve: egress port; otherwise the ingress port
  PuntKind kind;
  uint8_t pad = 0;
};
static_assert(sizeof(PuntItem) == 16);

}  // namespace dpf
