#include "dataplane/slowpath/stats.h"

#include <rte_ethdev.h>
#include <rte_version.h>

#include <array>
#include <chrono>

#include "control/config/cluster.h"
#include "control/pfconf/ruleset.h"
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

// pf's figures: state table operations, the loaded ruleset's rule counters, reloads.
void collect_pf(Pf& pf, rest::NodeStats& s) {
  const auto c = pf.table->counters();
  s.state_ops.searches = c.searches;
  s.state_ops.inserts = c.inserts;
  s.state_ops.removals = c.removals;
  s.state_ops.insert_failures = {{"state-limit", c.state_limit}, {"memory", c.memory},
                                 {"exists", c.insert_exists},    {"id-exists", c.insert_id_exists},
                                 {"full", c.insert_full},        {"bad-id", c.insert_bad_id}};
  s.reloads = {pf.reloads.ok, pf.reloads.failed, pf.reloads.last_time, pf.reloads.last_ok};
  const PfRuleset* rs = pf.ruleset.load(std::memory_order_acquire);
  if (rs == nullptr || rs->counters == nullptr) return;
  const auto totals = rs->counters->sum();
  s.rules.reserve(totals.size());
  for (size_t i = 0; i < totals.size(); ++i) {
    rest::RuleStats r;
    r.nr = rs->compiled->rules[i].nr;
    if (i < rs->source->rules.size()) {
      for (const auto& l : rs->source->rules[i].labels) r.label += (r.label.empty() ? "" : " ") + l;
    }
    r.evaluations = totals[i].evaluations;
    for (int d = 0; d < 2; ++d) {
      r.packets[d] = totals[i].packets[d];
      r.bytes[d] = totals[i].bytes[d];
    }
    r.states = rs->refs[i] ? rs->refs[i]->states.load(std::memory_order_relaxed) : 0;
    r.state_creations = totals[i].state_creations;
    s.rules.push_back(std::move(r));
  }
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
  collect_pf(*node.pf, s);
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
