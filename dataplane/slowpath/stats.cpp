#include "dataplane/slowpath/stats.h"

#include <rte_ethdev.h>
#include <rte_version.h>

#include <array>
#include <chrono>

#include "control/config/cluster.h"
#include "dataplane/pfsync/sync_channel.h"

namespace dpf {

using net::DropReason;

namespace {

// "22.11.1" from rte_version()'s "DPDK 22.11.1".
std::string dpdk_version() {
  std::string v = rte_version();
  if (v.rfind("DPDK ", 0) == 0) v.erase(0, 5);
  return v;
}

}  // namespace

rest::NodeStats collect_stats(Node& node, const Neighbors& neighbors,
                              const Answers::Counters& answers, const CarpNode* carp) {
  rest::NodeStats s;
  s.node = node.cfg->name;
  s.cluster = node.cluster->name;
  s.version = DPF_VERSION;
  s.dpdk = dpdk_version();
  s.hostid = node.hostid;
  s.workers = node.n_workers;
  s.idle = node.idle == IdleMode::kPoll ? "poll" : "adaptive";
  s.uptime_s = std::chrono::duration<double>(node.clock.now().time_since_epoch()).count();
  for (const auto& p : node.ports) {
    rest::InterfaceStats i;
    i.name = p->name;
    i.device = p->device;
    i.mac = wire::format_mac(p->mac);
    i.address = config::format_ipv4(p->addr) + "/" + std::to_string(p->prefix_len);
    i.port_id = p->port_id;
    i.mtu = p->mtu;
    i.link_up = p->link_up;
    i.link_speed = p->link_speed;
    i.link_changes = p->link_changes;
    rte_eth_stats st{};
    if (rte_eth_stats_get(p->port_id, &st) == 0) {
      i.rx_packets = st.ipackets;
      i.rx_bytes = st.ibytes;
      i.tx_packets = st.opackets;
      i.tx_bytes = st.obytes;
      i.rx_missed = st.imissed;
      i.rx_errors = st.ierrors;
      i.tx_errors = st.oerrors;
      i.rx_nombuf = st.rx_nombuf;
    }
    s.interfaces.push_back(std::move(i));
  }
  std::array<uint64_t, static_cast<size_t>(DropReason::kCount)> drops{};
  for (const LcoreCounters& c : node.counters) {
    // Workers write their own counters; a relaxed read of an aligned 64-bit word is whole.
    s.rx_packets += __atomic_load_n(&c.rx_packets, __ATOMIC_RELAXED);
    s.forwarded += __atomic_load_n(&c.forwarded, __ATOMIC_RELAXED);
    s.punted += __atomic_load_n(&c.punted, __ATOMIC_RELAXED);
    s.tx_packets += __atomic_load_n(&c.tx_packets, __ATOMIC_RELAXED);
    s.ipv6 += __atomic_load_n(&c.ipv6_seen, __ATOMIC_RELAXED);
    for (size_t r = 0; r < drops.size(); ++r)
      drops[r] += __atomic_load_n(&c.drops[r], __ATOMIC_RELAXED);
  }
  for (size_t r = 0; r < drops.size(); ++r)
    s.drops.emplace_back(std::string(net::kDropReasonNames[r]), drops[r]);
  s.icmp_errors_sent = answers.icmp_errors_sent;
  s.icmp_errors_limited = answers.icmp_errors_limited;
  s.arp_replies_sent = answers.arp_replies;
  s.arp_requests_sent = neighbors.requests_sent();
  s.echo_replies_sent = answers.echo_replies;
  for (const auto& e : neighbors.snapshot()) {
    s.neighbors.push_back({config::format_ipv4(e.ip), node.ports[e.port]->name,
                           wire::format_mac(e.mac),
                           std::string(route::neighbor_state_name(e.state)), e.held});
  }
  s.states = node.pf->table->count();
  s.state_limit = node.pf->table->limit();
  if (carp) carp->fill(s.carp);
  if (node.sync) {
    s.pfsync = true;
    s.pfsync_bulk_done = node.sync->bulk_status().done;
    const auto st = node.sync->stats();
    for (const auto& f : pfsync::kStatFields) s.pfsync_stats.emplace_back(f.name, st.*f.field);
    for (const SyncPeerSeen& p : node.sync->peers_seen())
      s.pfsync_peers.emplace_back(config::format_ipv4(p.addr), p.frames);
  }
  return s;
}

}  // namespace dpf
