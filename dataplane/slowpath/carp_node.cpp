#include "dataplane/slowpath/carp_node.h"
#include "control/config/cluster.h"

#include <rte_random.h>

#include <algorithm>

#include "control/carp/wire.h"
#include "control/log/log.h"
#include "dataplane/net/build.h"

namespace dpf {
namespace {

using carp::DemotionSource;

const char* source_key(DemotionSource s) {
  switch (s) {
    case DemotionSource::kPfsyncBulk:
      return "pfsync-bulk";
    case DemotionSource::kInterfaceDown:
      return "interface-down";
    default:
      return "operator";
  }
}

}  // namespace

std::unique_ptr<CarpNode> CarpNode::create(Node& node, Send send, std::string& error) {
  error.clear();
  const auto& cluster = *node.cluster;
  if (!cluster.carp || cluster.carp->vhids.empty()) return nullptr;
  std::unique_ptr<CarpNode> cn(new CarpNode(node, std::move(send)));
  cn->preempt_ = cluster.carp->preempt;
  for (const auto& v : cluster.carp->vhids) {
    int port = -1;
    for (size_t i = 0; i < node.ports.size(); ++i)
      if (node.ports[i]->name == v.interface) port = static_cast<int>(i);
    if (port < 0) {
      error = "carp vhid " + std::to_string(v.vhid) + ": " + v.interface +
              " is not an interface of this node";
      return nullptr;
    }
    Port& p = *node.ports[static_cast<size_t>(port)];
    if (p.n_carp == kMaxVhidsPerPort || v.addresses.size() > kMaxVipsPerVhid) {
      error = "carp vhid " + std::to_string(v.vhid) + ": at most " +
              std::to_string(kMaxVhidsPerPort) + " vhids per interface and " +
              std::to_string(kMaxVipsPerVhid) + " addresses per vhid";
      return nullptr;
    }
    CarpRole& r = p.carp[p.n_carp++];
    r.vhid = v.vhid;
    r.mac = carp::virtual_mac(v.vhid);
    carp::Config c;
    c.vhid = v.vhid;
    c.advbase = v.advbase;
    c.advskew = node.cfg->advskew(v.vhid, v.interface).value_or(0);
    c.preempt = cluster.carp->preempt;
    c.initial_counter = rte_rand();
    for (const auto& a : v.addresses) {
      r.vips[r.n_vips++] = a.addr;
      c.addresses.push_back(a.addr);
    }
    auto g = std::find_if(cn->groups_.begin(), cn->groups_.end(),
                          [&](const Group& x) { return x.port == port; });
    if (g == cn->groups_.end()) {
      cn->groups_.push_back({static_cast<uint16_t>(port), carp::VhidSet(p.addr), false});
      g = cn->groups_.end() - 1;
    }
    if (!g->set.add(std::move(c), v.pass)) {
      error = "carp vhid " + std::to_string(v.vhid) + " appears twice on " + v.interface;
      return nullptr;
    }
  }
  return cn;
}

CarpRole* CarpNode::role(uint16_t port, uint8_t vhid) {
  Port& p = *node_.ports[port];
  for (unsigned i = 0; i < p.n_carp; ++i)
    if (p.carp[i].vhid == vhid) return &p.carp[i];
  return nullptr;
}

void CarpNode::apply(Group& g, std::vector<carp::VhidEvent> events) {
  const Port& p = *node_.ports[g.port];
  for (auto& e : events) {
    carp::Actions& a = e.actions;
    if (a.advert) {
      if (auto f = g.set.advert_frame(*a.advert, ip_id_++)) send_(g.port, *f);
    }
    CarpRole* r = role(g.port, e.vhid);
    // The role is published before the gratuitous ARP so that the traffic it attracts is taken.
    if (a.transition && r) r->master.store(a.transition->to == carp::State::kMaster);
    if (a.send_garp && r) {
      for (unsigned i = 0; i < r->n_vips; ++i)
        send_(g.port, carp::build_garp_frame(e.vhid, r->vips[i]));
    }
    for (const auto& line : a.log)
      log::notice("carp " + p.name + ": " + line,
                  {{"source", "carp"}, {"interface", p.name}, {"vhid", e.vhid}});
  }
}

void CarpNode::start(NodeClock::TimePoint now) {
  for (auto& g : groups_) {
    g.link_down = !node_.ports[g.port]->link_up.load();
    if (g.link_down) apply(g, g.set.interface_down(now));
  }
  each_group([&](carp::VhidSet& s) { return s.start(now); });
  // pfsync: hold the node demoted until its bulk update is done (or the machine's timeout).
  if (node_.sync) {
    bulk_held_ = true;
    each_group(
        [&](carp::VhidSet& s) { return s.raise_demotion(DemotionSource::kPfsyncBulk, now); });
  }
  for (auto& g : groups_)
    if (g.link_down)
      each_group(
          [&](carp::VhidSet& s) { return s.raise_demotion(DemotionSource::kInterfaceDown, now); });
}

void CarpNode::stop(NodeClock::TimePoint now) {
  each_group([&](carp::VhidSet& s) { return s.stop(now); });
}

void CarpNode::on_frame(NodeClock::TimePoint now, uint16_t port, std::span<const std::byte> frame) {
  for (auto& g : groups_) {
    if (g.port == port) {
      apply(g, g.set.on_frame(now, frame));
      return;
    }
  }
}

void CarpNode::poll(NodeClock::TimePoint now) {
  for (size_t i = 0; i < groups_.size(); ++i) {
    Group& g = groups_[i];
    const bool down = !node_.ports[g.port]->link_up.load(std::memory_order_relaxed);
    if (down == g.link_down) continue;
    g.link_down = down;
    apply(g, down ? g.set.interface_down(now) : g.set.interface_up(now));
    // FreeBSD's demotion is node-wide: every vhid advertises worse while an interface is down.
    each_group([&](carp::VhidSet& s) {
      return down ? s.raise_demotion(DemotionSource::kInterfaceDown, now)
                  : s.lower_demotion(DemotionSource::kInterfaceDown, now);
    });
  }
  if (node_.sync) {
    const bool pending = node_.sync->holds_carp();
    if (bulk_held_ != pending) {
      bulk_held_ = pending;
      each_group([&](carp::VhidSet& s) {
        return pending ? s.raise_demotion(DemotionSource::kPfsyncBulk, now)
                       : s.lower_demotion(DemotionSource::kPfsyncBulk, now);
      });
    }
  }
  for (auto& g : groups_) {
    const auto d = g.set.deadline();
    if (d && *d <= now) apply(g, g.set.on_timer(now));
  }
}

std::optional<wire::MacAddr> CarpNode::arp_owner(uint16_t port, uint32_t addr) const {
  if (const CarpRole* r = node_.ports[port]->carp_master_of(addr)) return r->mac;
  return std::nullopt;
}

namespace {

nlohmann::json rejected_json(const carp::RejectCounters& r) {
  nlohmann::json out = nlohmann::json::object();
  for (size_t i = 1; i < carp::kDecodeErrorNames.size(); ++i)
    out[std::string(carp::kDecodeErrorNames[i])] = r.by_reason[i];
  return out;
}

// One vhid of GET /api/v1/carp.
nlohmann::json vhid_json(const carp::CarpMachine& m, const std::string& ifname,
                         const config::Carp& carp, NodeClock::TimePoint now) {
  const auto& c = m.config();
  nlohmann::json addrs = nlohmann::json::array();
  for (const auto& vc : carp.vhids) {
    if (vc.vhid != c.vhid || vc.interface != ifname) continue;
    for (const auto& a : vc.addresses)
      addrs.push_back(config::format_ipv4(a.addr) + "/" + std::to_string(a.len));
  }
  nlohmann::json last = nullptr;
  if (!m.history().empty()) {
    const carp::Transition& t = m.history().back();
    last = {{"from", carp::state_name(t.from)},
            {"to", carp::state_name(t.to)},
            {"reason", carp::reason_name(t.reason)},
            {"age_s", std::chrono::duration<double>(now - t.at).count()}};
  }
  const auto& st = m.stats();
  return {{"vhid", c.vhid},
          {"interface", ifname},
          {"state", carp::state_name(m.state())},
          {"advbase", c.advbase},
          {"advskew", c.advskew},
          {"demotion", m.demotion()},
          {"effective_skew", m.effective_skew()},
          {"mac", wire::format_mac(carp::virtual_mac(c.vhid))},
          {"addresses", addrs},
          {"last_transition", last},
          {"adverts_sent", st.adverts_sent},
          {"adverts_received", st.adverts_received},
          {"adverts_ignored", st.adverts_ignored},
          {"garps", st.garps},
          {"to_master", st.to_master},
          {"to_backup", st.to_backup},
          {"to_init", st.to_init},
          {"rejected", rejected_json(st.rejected)}};
}

}  // namespace

nlohmann::json CarpNode::view(NodeClock::TimePoint now) const {
  nlohmann::json vhids = nlohmann::json::array();
  carp::RejectCounters rejected;
  uint64_t own = 0;
  for (const auto& g : groups_) {
    for (const carp::CarpMachine& m : g.set.machines())
      vhids.push_back(vhid_json(m, node_.ports[g.port]->name, *node_.cluster->carp, now));
    for (size_t i = 0; i < rejected.by_reason.size(); ++i)
      rejected.by_reason[i] += g.set.rejected().by_reason[i];
    own += g.set.own_frames();
  }
  // Demotion is node-wide: every machine holds the same sources.
  nlohmann::json sources = nlohmann::json::object();
  int total = 0;
  if (!groups_.empty() && !groups_[0].set.machines().empty()) {
    const carp::CarpMachine& m = groups_[0].set.machines()[0];
    for (auto s :
         {DemotionSource::kPfsyncBulk, DemotionSource::kInterfaceDown, DemotionSource::kOperator})
      sources[source_key(s)] = m.demotion(s);
    total = m.demotion();
  }
  return {{"preempt", preempt_},
          {"demotion", total},
          {"demotion_sources", sources},
          {"vhids", vhids},
          {"rejected", rejected_json(rejected)},
          {"own_frames", own}};
}

nlohmann::json CarpNode::demote(int value, NodeClock::TimePoint now) {
  if (value < -carp::kMaxSkew || value > carp::kMaxSkew)
    return {{"error", "demotion must be between -240 and 240"}};
  each_group([&](carp::VhidSet& s) { return s.set_demotion(value, now); });
  return view(now);
}

void CarpNode::fill(std::vector<rest::CarpVhidStats>& out) const {
  for (const auto& g : groups_) {
    for (const carp::CarpMachine& m : g.set.machines()) {
      rest::CarpVhidStats s;
      s.vhid = m.config().vhid;
      s.interface = node_.ports[g.port]->name;
      s.state = std::string(carp::state_name(m.state()));
      s.advbase = m.config().advbase;
      s.advskew = m.config().advskew;
      s.demotion = m.demotion();
      const auto& st = m.stats();
      s.adverts_sent = st.adverts_sent;
      s.adverts_received = st.adverts_received;
      s.garps = st.garps;
      s.to_master = st.to_master;
      s.to_backup = st.to_backup;
      s.to_init = st.to_init;
      for (size_t i = 1; i < carp::kDecodeErrorNames.size(); ++i)
        s.rejected.emplace_back(std::string(carp::kDecodeErrorNames[i]), st.rejected.by_reason[i]);
      out.push_back(std::move(s));
    }
  }
}

}  // namespace dpf
