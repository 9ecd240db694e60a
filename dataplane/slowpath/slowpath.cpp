#include "dataplane/slowpath/slowpath.h"
#include "control/config/cluster.h"

#include <rte_ethdev.h>

#include <cstdio>
#include <cstring>

#include "dataplane/net/build.h"
#include "dataplane/net/parse.h"
#include "dataplane/node/ports.h"
#include "dataplane/slowpath/pf_load.h"
#include "dataplane/worker/pf.h"
#include "dataplane/worker/worker.h"
#include "wire/build.h"

namespace dpf {
namespace {

using net::DropReason;

constexpr auto kSnapshotEvery = std::chrono::milliseconds(200);
constexpr auto kLinkPollEvery = std::chrono::milliseconds(500);
constexpr unsigned kControlSleepMaxUs = 5000;
// The expiry sweeper visits at most kSweepBudget states every kSweepEvery: a full pass over a
// million states takes 25 s, well inside the granularity of pf's `interval` (10 s) for the
// common case of a few thousand states.
constexpr auto kSweepEvery = std::chrono::milliseconds(100);
constexpr unsigned kSweepBudget = 4096;

std::span<std::byte> frame_of(rte_mbuf* m) {
  return {rte_pktmbuf_mtod(m, std::byte*), rte_pktmbuf_data_len(m)};
}

}  // namespace

bool RateLimit::allow(NodeClock::TimePoint now) noexcept {
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min<double>(rate_, tokens_ + elapsed * rate_);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

SlowPath::SlowPath(Node& node)
    : node_(node),
      c_(node.counters[node.n_workers]),
      index_(node.n_workers),
      sweeper_(*node.pf->table) {
  local_.node = &node_;
  local_.index = index_;
  local_.c = &c_;
  node_.pf->control_reader = index_;
  node_.pf->table->register_reader(index_);
  sweeper_.set_rule_resolver(
      [](const state::State& s, void*) {
        const auto* r = static_cast<const RuleRef*>(s.rule);
        state::Sweeper::RuleView v;
        if (r != nullptr) {
          v.timeouts = r->has_timeouts ? &r->timeouts : nullptr;
          v.states = r->states.load(std::memory_order_relaxed);
        }
        return v;
      },
      nullptr);
  sweeper_.on_remove(
      [](state::State& s, void* ctx) {
        Node& node = *static_cast<Node*>(ctx);
        pf_state_removed(s);
        pf_sync_change(node, node.n_workers, s, pfsync::ChangeKind::kDelete);
      },
      &node_);
  std::string error;
  carp_ = CarpNode::create(
      node_,
      [this](uint16_t port, std::span<const std::byte> frame) {
        send_new(port, [&](std::span<std::byte> out) {
          if (out.size() < frame.size()) return size_t{0};
          std::copy(frame.begin(), frame.end(), out.begin());
          return frame.size();
        });
      },
      error);
  if (!error.empty()) throw std::runtime_error(error);
  if (carp_) carp_->start(node_.clock.now());
  refresh_snapshot();
}

void SlowPath::tx(uint16_t port, rte_mbuf* m) {
  Port& p = *node_.ports[port];
  send_burst(p, node_.tx_queue(p, index_), &m, 1, c_);
}

void SlowPath::tx_local(uint16_t port, rte_mbuf* m) {
  net::PacketInfo info;
  DropReason why;
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

void SlowPath::send_arp_request(uint16_t port, uint32_t target) {
  const Port& p = *node_.ports[port];
  if (send_new(port, [&](std::span<std::byte> out) {
        return wire::build_arp_frame(out, wire::kArpOpRequest, p.mac, p.addr, wire::kBroadcastMac,
                                     wire::kZeroMac, target);
      }))
    ++slow_.arp_requests;
}

void SlowPath::apply(route::NeighborActions& acts) {
  for (const auto& [port, ip] : acts.send_requests) send_arp_request(port, ip);
  for (const auto& [ip, mac] : acts.publish) {
    rte_hash_add_key_data(node_.neighbors, &ip, reinterpret_cast<void*>(neighbor_pack(mac)));
  }
  for (uint32_t ip : acts.withdraw) rte_hash_add_key_data(node_.neighbors, &ip, nullptr);
  for (const auto& [handle, mac] : acts.transmit) {
    auto* m = reinterpret_cast<rte_mbuf*>(handle);
    auto* eth = rte_pktmbuf_mtod(m, wire::EtherHdr*);
    eth->dst = mac;
    eth->src = node_.ports[m->port]->mac;
    ++c_.forwarded;
    tx(m->port, m);
  }
  for (auto handle : acts.drop) {
    drop_packet(c_, DropReason::kNeighborUnresolved, reinterpret_cast<rte_mbuf*>(handle));
  }
  acts.clear();
}

void SlowPath::handle_arp(NodeClock::TimePoint now, rte_mbuf* m, uint16_t port) {
  const Port& p = *node_.ports[port];
  const auto frame = frame_of(m);
  if (frame.size() < wire::kArpFrameLen) {
    drop_packet(c_, DropReason::kArpMalformed, m);
    return;
  }
  // The parser accepted the frame as ARP; skip an optional 802.1Q tag the same way.
  net::PacketInfo info;
  DropReason why;
  if (!net::parse_frame(frame, info, why)) {
    drop_packet(c_, why, m);
    return;
  }
  const auto* arp = reinterpret_cast<const wire::ArpHdr*>(frame.data() + info.l3_off);
  const uint32_t spa = arp->spa.get(), tpa = arp->tpa.get();
  // Only a sender on this link, untagged, is heard: learned, refreshed or answered.
  switch (route::arp_check(p.addr, p.prefix_len, info.has_vlan, spa)) {
    case route::ArpCheck::kVlan:
      drop_packet(c_, DropReason::kArpVlan, m);
      return;
    case route::ArpCheck::kForeign:
      drop_packet(c_, DropReason::kArpForeign, m);
      return;
    case route::ArpCheck::kAccept:
      break;
  }
  // A CARP master answers for the virtual addresses of its vhids with their virtual MAC.
  const std::optional<wire::MacAddr> vmac = carp_ ? carp_->arp_owner(port, tpa) : std::nullopt;
  const bool for_us = tpa == p.addr || vmac.has_value();
  // RFC 826 merge: refresh a known sender always; learn a new one only when it talks to us.
  if (spa != 0 && spa != p.addr) {
    neighbors_.learn(now, port, spa, arp->sha, for_us, acts_);
    apply(acts_);
  }
  if (!for_us) {
    drop_packet(c_, DropReason::kArpNotForUs, m);
    return;
  }
  if (arp->op.get() != wire::kArpOpRequest) {
    rte_pktmbuf_free(m);
    return;
  }
  const wire::MacAddr sha = arp->sha;
  const size_t len = wire::build_arp_frame(
      {rte_pktmbuf_mtod(m, std::byte*), size_t{rte_pktmbuf_data_len(m)} + rte_pktmbuf_tailroom(m)},
      wire::kArpOpReply, vmac.value_or(p.mac), tpa, sha, sha, spa);
  rte_pktmbuf_reset(m);
  rte_pktmbuf_append(m, static_cast<uint16_t>(len));
  ++slow_.arp_replies;
  tx(port, m);
}

void SlowPath::handle_local(rte_mbuf* m, uint16_t port) {
  const auto frame = frame_of(m);
  net::PacketInfo info;
  DropReason why;
  if (!net::parse_frame(frame, info, why)) {
    drop_packet(c_, why, m);
    return;
  }
  if (info.proto == wire::kIpProtoIcmp && info.l4_valid && !info.fragment &&
      info.icmp_type == wire::kIcmpEcho && net::make_echo_reply_in_place(frame, info)) {
    ++slow_.echo_replies;
    tx_local(port, m);
    return;
  }
  drop_packet(c_, DropReason::kLocalUnhandled, m);
}

void SlowPath::send_icmp_error(NodeClock::TimePoint now, rte_mbuf* m, uint16_t in_port,
                               uint8_t type, uint8_t code, uint32_t rest,
                               std::optional<DropReason> why) {
  const auto frame = frame_of(m);
  net::PacketInfo info;
  DropReason bad;
  if (!net::parse_frame(frame, info, bad)) {
    drop_packet(c_, bad, m);
    return;
  }
  const Port& p = *node_.ports[in_port];
  if (net::icmp_error_allowed(info)) {
    if (!icmp_limit_.allow(now)) {
      ++slow_.icmp_errors_limited;
    } else {
      const auto* eth = reinterpret_cast<const wire::EtherHdr*>(frame.data());
      if (send_new(
              in_port,
              [&](std::span<std::byte> out) {
                return net::build_icmp_error(out, p.mac, eth->src, p.addr,
                                             frame.subspan(info.l3_off, info.ip_total_len), type,
                                             code, rest);
              },
              !why.has_value()))
        ++slow_.icmp_errors_sent;
    }
  }
  if (why) {
    drop_packet(c_, *why, m);
  } else {
    rte_pktmbuf_free(m);
  }
}

void SlowPath::send_block_return(NodeClock::TimePoint now, const PuntItem& it) {
  const uint32_t kind = it.next_hop >> 24;
  if (kind == 2) {
    send_icmp_error(now, it.m, it.port, static_cast<uint8_t>(it.next_hop >> 8),
                    static_cast<uint8_t>(it.next_hop), 0, std::nullopt);
    return;
  }
  const auto frame = frame_of(it.m);
  net::PacketInfo info;
  DropReason bad;
  if (net::parse_frame(frame, info, bad) && info.proto == wire::kIpProtoTcp) {
    const auto* eth = reinterpret_cast<const wire::EtherHdr*>(frame.data());
    if (send_new(
            it.port,
            [&](std::span<std::byte> out) {
              return net::build_tcp_rst(out, node_.ports[it.port]->mac, eth->src, info);
            },
            true))
      ++slow_.rsts_sent;
  }
  rte_pktmbuf_free(it.m);
}

void SlowPath::handle(NodeClock::TimePoint now, const PuntItem& it) {
  switch (it.kind) {
    case PuntKind::kArp:
      handle_arp(now, it.m, it.port);
      break;
    case PuntKind::kLocal:
      handle_local(it.m, it.port);
      break;
    case PuntKind::kTtlExceeded:
      send_icmp_error(now, it.m, it.port, wire::kIcmpTimeExceeded, 0, 0, DropReason::kTtlExceeded);
      break;
    case PuntKind::kNoRoute:
      send_icmp_error(now, it.m, it.port, wire::kIcmpUnreach, 0, 0, DropReason::kNoRoute);
      break;
    case PuntKind::kFragNeeded: {
      // RFC 1191: code 4 carries the next-hop MTU (the worker punts only DF packets).
      send_icmp_error(now, it.m, it.port, wire::kIcmpUnreach, 4, it.next_hop & 0xffff,
                      DropReason::kMtuExceeded);
      break;
    }
    case PuntKind::kBlockReturn:
      send_block_return(now, it);
      break;
    case PuntKind::kCarp:
      if (carp_) carp_->on_frame(now, it.port, frame_of(it.m));
      rte_pktmbuf_free(it.m);
      break;
    case PuntKind::kResolve:
      neighbors_.resolve(now, it.port, it.next_hop, reinterpret_cast<uintptr_t>(it.m), acts_);
      apply(acts_);
      break;
  }
}

unsigned SlowPath::drain(NodeClock::TimePoint now) {
  unsigned total = 0;
  std::array<PuntItem, kBurst> items;
  for (rte_ring* r : node_.punt) {
    const unsigned n =
        rte_ring_sc_dequeue_burst_elem(r, items.data(), sizeof(PuntItem), kBurst, nullptr);
    for (unsigned i = 0; i < n; ++i) handle(now, items[i]);
    total += n;
  }
  return total;
}

bool SlowPath::reload_rules(std::vector<std::string>* errors_out) {
  std::vector<std::string> errors;
  const std::string& path = node_.cluster->rules_path;
  bool ok = !path.empty() && pf_load_file(node_, path, errors);
  if (path.empty()) errors.push_back("the cluster file names no ruleset (cluster.rules)");
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
  std::fprintf(stderr, "dpf: ruleset %s %s\n", path.c_str(),
               ok ? "reloaded" : "rejected; the running ruleset stays");
  if (errors_out) *errors_out = std::move(errors);
  return ok;
}

void SlowPath::run_commands() {
  cmds_.run_pending();
}

void SlowPath::housekeeping(NodeClock::TimePoint now) {
  if (now < next_sweep_) return;
  next_sweep_ = now + kSweepEvery;
  Pf& pf = *node_.pf;
  const PfRuleset* rs = pf.ruleset.load(std::memory_order_acquire);
  static const state::TimeoutTable kDefaults = state::TimeoutTable::defaults();
  sweeper_.sweep(pf_now(pf), kSweepBudget, rs ? rs->timeouts : kDefaults);
  pf.table->reclaim();
}

void SlowPath::run() {
  IdleBackoff idle;
  state::StateTable& table = *node_.pf->table;
  auto next_snap = node_.clock.now();
  auto next_link = node_.clock.now();
  if (node_.sync) node_.sync->on_link(node_.ports[node_.sync_port]->link_up.load());
  while (!node_.stop.load(std::memory_order_relaxed)) {
    const auto now = node_.clock.now();
    const unsigned got = drain(now);
    if (neighbors_.next_deadline() <= now) {
      neighbors_.on_timer(now, acts_);
      apply(acts_);
    }
    if (now >= next_link) {
      if (ports_poll_link(node_) != 0) {
        for (const auto& p : node_.ports)
          std::fprintf(stderr, "dpf: interface %s link %s\n", p->name.c_str(),
                       p->link_up ? "up" : "down");
        refresh_snapshot();
        // pfsync runs on this thread: a sync link that returns brings a bulk update request.
        if (node_.sync) node_.sync->on_link(node_.ports[node_.sync_port]->link_up.load());
      }
      next_link = now + kLinkPollEvery;
    }
    if (now >= next_snap) {
      refresh_snapshot();
      next_snap = now + kSnapshotEvery;
    }
    run_commands();
    bool busy = false;  // work left for the next round: no sleep
    if (node_.sync) {
      busy = node_.sync->poll();
      // pfsync's unicast peer without a MAC: ask for it once a second until it answers.
      if (now >= next_sync_arp_) {
        if (const auto peer = node_.sync->wants_resolve())
          send_arp_request(static_cast<uint16_t>(node_.sync_port), *peer);
        next_sync_arp_ = now + std::chrono::seconds(1);
      }
    }
    if (carp_) carp_->poll(now);
    if (node_.reload.exchange(false)) reload_rules();
    housekeeping(now);
    table.quiescent(index_);
    // The control thread never spins: it backs off to kControlSleepMaxUs when idle, even in
    // poll mode; that bounds the extra latency of ARP, ICMP and neighbour resolution.
    if (unsigned us =
            idle.next_sleep(got + (busy ? 1 : 0), IdleMode::kAdaptive, kControlSleepMaxUs)) {
      table.offline(index_);
      rte_delay_us_sleep(us);
      table.online(index_);
    }
  }
}

void SlowPath::refresh_snapshot() {
  rest::NodeStats s;
  s.node = node_.cfg->name;
  s.cluster = node_.cluster->name;
  s.hostid = node_.hostid;
  s.workers = node_.n_workers;
  s.idle = node_.idle == IdleMode::kPoll ? "poll" : "adaptive";
  s.uptime_s = std::chrono::duration<double>(node_.clock.now().time_since_epoch()).count();
  for (const auto& p : node_.ports) {
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
  for (const LcoreCounters& c : node_.counters) {
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
  s.icmp_errors_sent = slow_.icmp_errors_sent;
  s.icmp_errors_limited = slow_.icmp_errors_limited;
  s.arp_replies_sent = slow_.arp_replies;
  s.arp_requests_sent = slow_.arp_requests;
  s.echo_replies_sent = slow_.echo_replies;
  for (const auto& e : neighbors_.snapshot()) {
    s.neighbors.push_back({config::format_ipv4(e.ip), node_.ports[e.port]->name,
                           wire::format_mac(e.mac),
                           std::string(route::neighbor_state_name(e.state)), e.held});
  }
  s.states = node_.pf->table->count();
  s.state_limit = node_.pf->table->limit();
  if (carp_) carp_->fill(s.carp);
  if (node_.sync) {
    s.pfsync = true;
    s.pfsync_bulk_done = node_.sync->bulk_status().done;
    const auto st = node_.sync->stats();
    for (const auto& f : pfsync::kStatFields) s.pfsync_stats.emplace_back(f.name, st.*f.field);
    for (const SyncPeerSeen& p : node_.sync->peers_seen())
      s.pfsync_peers.emplace_back(config::format_ipv4(p.addr), p.frames);
  }
  std::lock_guard lock(snap_mu_);
  snap_ = std::move(s);
}

rest::NodeStats SlowPath::snapshot() const {
  std::lock_guard lock(snap_mu_);
  return snap_;
}

void SlowPath::shutdown() {
  if (carp_) carp_->stop(node_.clock.now());
  cmds_.close();
  cmds_.run_pending();
  // Packets still waiting in the punt rings and in hold queues are freed, not leaked.
  std::array<PuntItem, kBurst> items;
  for (rte_ring* r : node_.punt) {
    unsigned n;
    while ((n = rte_ring_sc_dequeue_burst_elem(r, items.data(), sizeof(PuntItem), kBurst,
                                               nullptr)) != 0) {
      for (unsigned i = 0; i < n; ++i) rte_pktmbuf_free(items[i].m);
    }
  }
  neighbors_.flush(acts_);
  apply(acts_);
}

}  // namespace dpf
