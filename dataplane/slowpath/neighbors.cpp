#include "dataplane/slowpath/neighbors.h"

#include <rte_hash.h>

#include "dataplane/net/wire/build.h"
#include "dataplane/node/node.h"

namespace dpf {

void Neighbors::learn(NodeClock::TimePoint now, uint16_t port, uint32_t ip,
                      const wire::MacAddr& mac, bool create) {
  table_.learn(now, port, ip, mac, create, acts_);
  apply();
}

void Neighbors::resolve(NodeClock::TimePoint now, uint16_t port, uint32_t next_hop, rte_mbuf* m) {
  table_.resolve(now, port, next_hop, reinterpret_cast<uintptr_t>(m), acts_);
  apply();
}

void Neighbors::poll(NodeClock::TimePoint now) {
  if (table_.next_deadline() > now) return;
  table_.on_timer(now, acts_);
  apply();
}

void Neighbors::flush() {
  table_.flush(acts_);
  apply();
}

void Neighbors::send_request(uint16_t port, uint32_t target) {
  const Port& p = *tx_.node().ports[port];
  if (tx_.send_new(port, [&](std::span<std::byte> out) {
        return wire::build_arp_frame(out, wire::kArpOpRequest, p.mac, p.addr, wire::kBroadcastMac,
                                     wire::kZeroMac, target);
      }))
    ++requests_sent_;
}

void Neighbors::apply() {
  Node& node = tx_.node();
  for (const auto& [port, ip] : acts_.send_requests) send_request(port, ip);
  for (const auto& [ip, mac] : acts_.publish) {
    rte_hash_add_key_data(node.neighbors, &ip, reinterpret_cast<void*>(neighbor_pack(mac)));
  }
  for (uint32_t ip : acts_.withdraw) rte_hash_add_key_data(node.neighbors, &ip, nullptr);
  for (const auto& [handle, mac] : acts_.transmit) {
    auto* m = reinterpret_cast<rte_mbuf*>(handle);
    auto* eth = rte_pktmbuf_mtod(m, wire::EtherHdr*);
    eth->dst = mac;
    eth->src = node.ports[m->port]->mac;
    ++tx_.counters().forwarded;
    tx_.tx(m->port, m);
  }
  for (auto handle : acts_.drop) {
    drop_packet(tx_.counters(), net::DropReason::kNeighborUnresolved,
                reinterpret_cast<rte_mbuf*>(handle));
  }
  acts_.clear();
}

}  // namespace dpf
