#include "dataplane/route/neighbor.h"

#include <algorithm>

namespace dpf::route {

using State = NeighborTable::Entry::State;

void NeighborActions::clear() {
  send_requests.clear();
  transmit.clear();
  drop.clear();
  publish.clear();
  withdraw.clear();
}

bool NeighborActions::empty() const {
  return send_requests.empty() && transmit.empty() && drop.empty() && publish.empty() &&
         withdraw.empty();
}

std::string_view neighbor_state_name(State state) {
  switch (state) {
    case State::kIncomplete:
      return "incomplete";
    case State::kReachable:
      return "reachable";
    case State::kStale:
      return "stale";
  }
  return "unknown";
}

NeighborTable::NeighborTable(NeighborConfig config) : config_(config) {
  // At least the first request is always sent.
  config_.max_probes = std::max(config_.max_probes, 1u);
}

void NeighborTable::resolve(Clock::time_point now, uint16_t port, uint32_t ip, PacketHandle pkt,
                            NeighborActions& out) {
  out.clear();
  const Key k = key_of(port, ip);
  auto it = entries_.find(k);
  if (it == entries_.end()) {
    if (entries_.size() >= config_.max_entries) {
      out.drop.push_back(pkt);
      return;
    }
    Slot& s = entries_[k];
    s.updated = now;
    hold(s, pkt, out);
    probe(now, k, s, out);
    return;
  }
  Slot& s = it->second;
  switch (s.state) {
    case State::kIncomplete:
      hold(s, pkt, out);  // retransmissions are paced by on_timer
      return;
    case State::kReachable:
      // The fast path has not applied our publish yet; the MAC is good.
      out.transmit.emplace_back(pkt, s.mac);
      return;
    case State::kStale:
      // Use the stale MAC at once and confirm it; publish again so the fast path keeps
      // forwarding while the probe is out (withdrawn if nobody answers).
      out.transmit.emplace_back(pkt, s.mac);
      if (s.probes == 0) {
        s.published = true;
        out.publish.emplace_back(ip, s.mac);
        probe(now, k, s, out);
      }
      return;
  }
}

void NeighborTable::learn(Clock::time_point now, uint16_t port, uint32_t ip,
                          const wire::MacAddr& mac, bool create, NeighborActions& out) {
  out.clear();
  // A zero or group sender MAC is never a neighbour's address (RFC 1812 3.3.2).
  if (mac == wire::kZeroMac || wire::mac_is_group(mac)) return;
  // Sender 0.0.0.0 is an address probe (RFC 5227 2.1.1), not a neighbour announcing itself.
  if (ip == 0) return;
  const Key k = key_of(port, ip);
  auto it = entries_.find(k);
  if (it == entries_.end()) {
    if (!create || entries_.size() >= config_.max_entries) return;
    confirm(now, k, entries_[k], mac, out);
    return;
  }
  confirm(now, k, it->second, mac, out);
}

void NeighborTable::on_timer(Clock::time_point now, NeighborActions& out) {
  out.clear();
  // Collect first: each due entry is handled once per call even if its new deadline is due too.
  std::vector<Key> due;
  for (const auto& [deadline, k] : deadlines_) {
    if (deadline > now) break;
    due.push_back(k);
  }
  for (Key k : due) expire(now, k, entries_.at(k), out);
}

Clock::time_point NeighborTable::next_deadline() const {
  return deadlines_.empty() ? Clock::time_point::max() : deadlines_.begin()->first;
}

std::optional<wire::MacAddr> NeighborTable::lookup(uint16_t port, uint32_t ip) const {
  auto it = entries_.find(key_of(port, ip));
  if (it == entries_.end() || it->second.state == State::kIncomplete) return std::nullopt;
  return it->second.mac;
}

std::vector<NeighborTable::Entry> NeighborTable::snapshot() const {
  std::vector<Entry> v;
  v.reserve(entries_.size());
  for (const auto& [k, s] : entries_) {
    v.push_back(Entry{ip_of(k), port_of(k), s.mac, s.state, s.updated, s.held.size()});
  }
  std::sort(v.begin(), v.end(), [](const Entry& a, const Entry& b) {
    return a.ip != b.ip ? a.ip < b.ip : a.port < b.port;
  });
  return v;
}

void NeighborTable::flush(NeighborActions& out) {
  out.clear();
  std::vector<Key> incomplete;
  for (auto& [k, s] : entries_) {
    for (PacketHandle p : s.held) out.drop.push_back(p);
    s.held.clear();
    if (s.state == State::kIncomplete) incomplete.push_back(k);
  }
  for (Key k : incomplete) erase(k, entries_.at(k), out);
}

void NeighborTable::set_deadline(Key k, Slot& s, Clock::time_point t) {
  deadlines_.erase({s.deadline, k});
  s.deadline = t;
  deadlines_.emplace(t, k);
}

// Removes the entry; held packets are dropped and a published entry is withdrawn.
void NeighborTable::erase(Key k, Slot& s, NeighborActions& out) {
  for (PacketHandle p : s.held) out.drop.push_back(p);
  if (s.published) out.withdraw.push_back(ip_of(k));
  deadlines_.erase({s.deadline, k});
  entries_.erase(k);  // s dangles from here on
}

void NeighborTable::probe(Clock::time_point now, Key k, Slot& s, NeighborActions& out) {
  out.send_requests.emplace_back(port_of(k), ip_of(k));
  ++s.probes;
  set_deadline(k, s, now + config_.retransmit);
}

// Queues pkt; a full queue gives up its oldest packet.
void NeighborTable::hold(Slot& s, PacketHandle pkt, NeighborActions& out) {
  if (config_.hold_per_neighbor == 0) {
    out.drop.push_back(pkt);
    return;
  }
  if (s.held.size() >= config_.hold_per_neighbor) {
    out.drop.push_back(s.held.front());
    s.held.pop_front();
  }
  s.held.push_back(pkt);
}

// The neighbour answered (or spoke): trust `mac` for `reachable`, release held packets in order.
void NeighborTable::confirm(Clock::time_point now, Key k, Slot& s, const wire::MacAddr& mac,
                            NeighborActions& out) {
  if (!s.published || s.mac != mac) out.publish.emplace_back(ip_of(k), mac);
  s.published = true;
  s.mac = mac;
  s.state = State::kReachable;
  s.updated = now;
  s.probes = 0;
  for (PacketHandle p : s.held) out.transmit.emplace_back(p, mac);
  s.held.clear();
  set_deadline(k, s, now + config_.reachable);
}

// The entry's deadline passed: next probe, give up, age to stale, or collect.
void NeighborTable::expire(Clock::time_point now, Key k, Slot& s, NeighborActions& out) {
  if (s.probes > 0) {
    if (s.probes < config_.max_probes) {
      probe(now, k, s, out);
    } else {
      erase(k, s, out);  // unanswered: drop held packets, withdraw a re-published stale MAC
    }
    return;
  }
  if (s.state == State::kReachable) {
    s.state = State::kStale;
    s.updated = now;
    if (s.published) out.withdraw.push_back(ip_of(k));
    s.published = false;
    set_deadline(k, s, now + config_.stale_gc);
    return;
  }
  erase(k, s, out);  // stale and unused for stale_gc
}

ArpCheck arp_check(uint32_t if_addr, uint8_t if_prefix_len, bool tagged, uint32_t sender) {
  if (tagged) return ArpCheck::kVlan;
  if (sender == 0) return ArpCheck::kAccept;
  const uint32_t mask =
      if_prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - std::min<unsigned>(if_prefix_len, 32));
  return (sender & mask) == (if_addr & mask) ? ArpCheck::kAccept : ArpCheck::kForeign;
}

}  // namespace dpf::route
