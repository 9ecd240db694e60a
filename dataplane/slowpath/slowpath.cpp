#include "dataplane/slowpath/slowpath.h"

#include "control/log/log.h"
#include "dataplane/node/ports.h"
#include "dataplane/slowpath/pf_load.h"

namespace dpf {
namespace {

constexpr auto kSnapshotEvery = std::chrono::milliseconds(200);
constexpr auto kLinkPollEvery = std::chrono::milliseconds(500);

// CARP sends its adverts and gratuitous ARP through the control thread's TX.
std::unique_ptr<CarpNode> make_carp(Node& node, ControlTx& tx) {
  std::string error;
  auto carp = CarpNode::create(
      node,
      [&tx](uint16_t port, std::span<const std::byte> frame) {
        tx.send_new(port, [&](std::span<std::byte> out) {
          if (out.size() < frame.size()) return size_t{0};
          std::copy(frame.begin(), frame.end(), out.begin());
          return frame.size();
        });
      },
      error);
  if (!error.empty()) throw std::runtime_error(error);
  return carp;
}

}  // namespace

SlowPath::SlowPath(Node& node)
    : node_(node),
      tx_(node),
      neighbors_(tx_),
      carp_(make_carp(node, tx_)),
      answers_(tx_, neighbors_, carp_.get()),
      expiry_(node),
      reload_(node) {
  node_.pf->control_reader = tx_.index();
  node_.pf->table->register_reader(tx_.index());
  if (carp_) carp_->start(node_.clock.now());
  refresh_snapshot();
}

void SlowPath::handle(NodeClock::TimePoint now, const PuntItem& it) {
  using net::DropReason;
  switch (it.kind) {
    case PuntKind::kArp:
      answers_.arp(now, it.m, it.port);
      break;
    case PuntKind::kLocal:
      answers_.local(it.m, it.port);
      break;
    case PuntKind::kTtlExceeded:
      answers_.icmp_error(now, it.m, it.port, wire::kIcmpTimeExceeded, 0, 0,
                          DropReason::kTtlExceeded);
      break;
    case PuntKind::kNoRoute:
      answers_.icmp_error(now, it.m, it.port, wire::kIcmpUnreach, 0, 0, DropReason::kNoRoute);
      break;
    case PuntKind::kFragNeeded:
      // RFC 1191: code 4 carries the next-hop MTU (the worker punts only DF packets).
      answers_.icmp_error(now, it.m, it.port, wire::kIcmpUnreach, 4, it.next_hop & 0xffff,
                          DropReason::kMtuExceeded);
      break;
    case PuntKind::kBlockReturn:
      answers_.block_return(now, it);
      break;
    case PuntKind::kCarp:
      if (carp_) carp_->on_frame(now, it.port, frame_of(it.m));
      rte_pktmbuf_free(it.m);
      break;
    case PuntKind::kResolve:
      neighbors_.resolve(now, it.port, it.next_hop, it.m);
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

void SlowPath::poll_links() {
  for (auto& p : node_.ports) {
    if (p->csum_warned || !p->csum_offload_seen.load(std::memory_order_relaxed)) continue;
    p->csum_warned = true;
    log::warning("interface " + p->name +
                     ": TCP/UDP packets arrive with checksums their sender left for offload; they "
                     "are dropped (l4-checksum-offloaded). Turn the offloads off on the Linux "
                     "interface that sends into " +
                     p->name +
                     " (on veth, the other end: `ethtool -K IFACE tx off tso off gso off gro "
                     "off`), or set `fix_offloaded_checksums: true` on " +
                     p->name,
                 {{"source", "interface"}, {"interface", p->name}});
  }
  if (node_.sync) sync_log_.poll(*node_.sync);
  if (ports_poll_link(node_) == 0) return;
  for (const auto& p : node_.ports)
    log::notice("interface " + p->name + " link " + (p->link_up ? "up" : "down"),
                {{"source", "interface"}, {"interface", p->name}, {"link", p->link_up.load()}});
  refresh_snapshot();
  // A sync link that returns brings a bulk update request.
  if (node_.sync) node_.sync->on_link(node_.ports[node_.sync_port]->link_up.load());
}

void SlowPath::poll_sync(NodeClock::TimePoint now, bool& busy) {
  if (!node_.sync) return;
  busy = node_.sync->poll();
  // pfsync's unicast peer without a MAC: ask for it once a second until it answers.
  if (now >= next_sync_arp_) {
    if (const auto peer = node_.sync->wants_resolve())
      neighbors_.send_request(static_cast<uint16_t>(node_.sync_port), *peer);
    next_sync_arp_ = now + std::chrono::seconds(1);
  }
}

void SlowPath::run() {
  IdleBackoff idle;
  state::StateTable& table = *node_.pf->table;
  const unsigned self = tx_.index();
  auto next_snap = node_.clock.now();
  auto next_link = node_.clock.now();
  if (node_.sync) node_.sync->on_link(node_.ports[node_.sync_port]->link_up.load());
  while (!node_.stop.load(std::memory_order_relaxed)) {
    const auto now = node_.clock.now();
    const unsigned got = drain(now);
    neighbors_.poll(now);
    if (now >= next_link) {
      poll_links();
      next_link = now + kLinkPollEvery;
    }
    if (now >= next_snap) {
      refresh_snapshot();
      next_snap = now + kSnapshotEvery;
    }
    cmds_.run_pending();
    bool busy = false;  // work left for the next round: no sleep
    poll_sync(now, busy);
    if (carp_) carp_->poll(now);
    if (node_.reload.exchange(false)) reload_.sighup();
    expiry_.poll(now);
    table.quiescent(self);
    // The control thread never spins: it backs off to kSleepMaxUs when idle, even in poll mode;
    // that bounds the extra latency of ARP, ICMP and neighbour resolution.
    if (unsigned us = idle.next_sleep(got + (busy ? 1 : 0), IdleMode::kAdaptive, kSleepMaxUs)) {
      table.offline(self);
      rte_delay_us_sleep(us);
      table.online(self);
    }
  }
}

void SlowPath::refresh_snapshot() {
  board_.publish(collect_stats(node_, neighbors_, answers_.counters(), carp_.get()));
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
  neighbors_.flush();
}

}  // namespace dpf
