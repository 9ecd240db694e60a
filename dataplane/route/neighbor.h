// The ARP neighbour resolver (RFC 826): which MAC each next hop has, a small hold queue of packets
// per unresolved neighbour, probe retransmission and ageing. Owned and called by the control
// thread only; time is an argument and every call returns actions in NeighborActions (the caller
// sends ARP requests, transmits or frees held mbufs, updates the fast-path table). Never sleeps
// and does no I/O. Allocates (entries, hold queues, action vectors) on the control thread.
// Neighbours are keyed by (port, address): what is heard on one port never changes another's.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dataplane/net/wire/mac.h"

namespace dpf::route {

using Clock = std::chrono::steady_clock;
using PacketHandle = uintptr_t;  // opaque: the caller's mbuf pointer

struct NeighborConfig {
  size_t hold_per_neighbor = 16;  // packets held per unresolved neighbour; 0 holds none
  size_t max_entries = 4096;      // a full table refuses new neighbours
  std::chrono::milliseconds retransmit{1000};  // interval between ARP requests
  unsigned max_probes = 3;                     // requests sent before giving up
  std::chrono::seconds reachable{300};         // a confirmed MAC is trusted this long
  std::chrono::seconds stale_gc{600};          // an unused stale entry is removed after this
};

// What the caller must do after a call. Each call clears it first. The fast-path table is keyed
// by address alone: the caller keeps each address on one port by learning only senders inside
// the receiving interface's subnet (arp_check), interface subnets being disjoint.
struct NeighborActions {
  std::vector<std::pair<uint16_t, uint32_t>> send_requests;  // (port, target ip): ARP request
  std::vector<std::pair<PacketHandle, wire::MacAddr>>
      transmit;                    // held packets resolved: send to MAC
  std::vector<PacketHandle> drop;  // held packets given up (count as neighbor-unresolved)
  std::vector<std::pair<uint32_t, wire::MacAddr>> publish;  // (re)install in the fast-path table
  std::vector<uint32_t> withdraw;                           // remove from the fast-path table

  void clear();
  bool empty() const;
};

// Entry life cycle (one handler per event, see neighbor.cpp):
//   resolve() of an unknown ip  -> kIncomplete, request sent, packet held.
//   kIncomplete: a request every `retransmit`; after max_probes unanswered requests the held
//     packets are dropped and the entry removed (the next packet starts over).
//   learn()                     -> kReachable, published, held packets transmitted in order.
//   kReachable for `reachable`  -> kStale and withdrawn from the fast path, so that its next use
//     comes back through resolve() (re-probe on next use, not proactively).
//   resolve() of a kStale entry -> the packet is sent to the stale MAC at once, the entry is
//     published again and probed; an answer makes it kReachable, max_probes unanswered requests
//     withdraw and remove it. A stale entry unused for `stale_gc` is removed.
class NeighborTable {
 public:
  explicit NeighborTable(NeighborConfig config = {});

  // A packet needs `ip` on `port` and the fast path had no entry: hold it and probe if needed.
  void resolve(Clock::time_point now, uint16_t port, uint32_t ip, PacketHandle pkt,
               NeighborActions& out);
  // An ARP request or reply from `ip` with `mac` was received on `port` (RFC 826 merge: the
  // entry (port, ip) is always updated; one is created only when `create`, i.e. the packet was
  // addressed to us or answers our request). Zero and group MACs and sender 0.0.0.0 are ignored.
  // The entries of `ip` on other ports are left alone.
  void learn(Clock::time_point now, uint16_t port, uint32_t ip, const wire::MacAddr& mac,
             bool create, NeighborActions& out);
  // Retransmits probes, gives up on unanswered ones, ages kReachable to kStale, collects old
  // stale entries. Does nothing before next_deadline().
  void on_timer(Clock::time_point now, NeighborActions& out);
  // The earliest time on_timer has work; Clock::time_point::max() when there is none.
  Clock::time_point next_deadline() const;

  // The known MAC (kReachable or kStale) of `ip` on `port`.
  std::optional<wire::MacAddr> lookup(uint16_t port, uint32_t ip) const;
  size_t size() const { return entries_.size(); }

  struct Entry {
    enum class State { kIncomplete, kReachable, kStale };
    uint32_t ip;
    uint16_t port;
    wire::MacAddr mac;  // all zero while kIncomplete
    State state;
    Clock::time_point updated;  // last state change or confirmation
    size_t held;                // packets in the hold queue
  };
  std::vector<Entry> snapshot() const;  // for REST, ordered by ip then port

  // Drops every held packet and forgets unresolved (kIncomplete) entries (shutdown).
  void flush(NeighborActions& out);

 private:
  // (port << 32) | ip: one entry per address per port.
  using Key = uint64_t;
  static Key key_of(uint16_t port, uint32_t ip) { return uint64_t{port} << 32 | ip; }
  static uint32_t ip_of(Key k) { return static_cast<uint32_t>(k); }
  static uint16_t port_of(Key k) { return static_cast<uint16_t>(k >> 32); }

  struct Slot {
    Entry::State state = Entry::State::kIncomplete;
    wire::MacAddr mac{};
    Clock::time_point updated{};
    Clock::time_point deadline = Clock::time_point::max();
    unsigned probes = 0;     // requests sent in the current probe cycle; 0 = not probing
    bool published = false;  // the fast path has this entry
    std::deque<PacketHandle> held;
  };

  void set_deadline(Key k, Slot& s, Clock::time_point t);
  void erase(Key k, Slot& s, NeighborActions& out);
  void probe(Clock::time_point now, Key k, Slot& s, NeighborActions& out);
  void hold(Slot& s, PacketHandle pkt, NeighborActions& out);
  void confirm(Clock::time_point now, Key k, Slot& s, const wire::MacAddr& mac,
               NeighborActions& out);
  void expire(Clock::time_point now, Key k, Slot& s, NeighborActions& out);

  NeighborConfig config_;
  std::unordered_map<Key, Slot> entries_;
  std::set<std::pair<Clock::time_point, Key>> deadlines_;  // (deadline, key) of every entry
};

std::string_view neighbor_state_name(NeighborTable::Entry::State state);

// Whether the sender of an ARP packet received on an interface may be heard at all (before the
// RFC 826 merge): kVlan for a frame with an 802.1Q tag (the node's interfaces are untagged),
// kForeign for a sender address outside the interface's subnet (a host on one link must not
// claim the address of a host on another), else kAccept. Sender 0.0.0.0, an address probe
// (RFC 5227 2.1.1), is accepted: it is answered but never learned.
enum class ArpCheck { kAccept, kForeign, kVlan };
ArpCheck arp_check(uint32_t if_addr, uint8_t if_prefix_len, bool tagged, uint32_t sender);

}  // namespace dpf::route
