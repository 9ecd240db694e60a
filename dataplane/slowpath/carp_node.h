// CARP on the node: one VhidSet per port that carries vhids, fed with the advertisements the
// workers punt, the ports' link state and pfsync's bulk-update progress; its actions become
// frames (adverts, gratuitous ARP) on the control thread's TX queue and roles the workers read
// (CarpRole::master). Control thread only; allocates at setup and for views and log lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/carp/vhid_set.h"
#include "control/rest/view.h"
#include "dataplane/node/node.h"

namespace dpf {

class CarpNode {
 public:
  // Sends one frame on a port (the control thread's TX queue).
  using Send = std::function<void(uint16_t port, std::span<const std::byte> frame)>;

  // Sets up the ports' CarpRole tables from the cluster's vhids and this node's skews. Nullptr
  // with `error` when the cluster has no carp section (error empty) or a vhid does not fit.
  static std::unique_ptr<CarpNode> create(Node& node, Send send, std::string& error);

  void start(NodeClock::TimePoint now);
  // Masters bow out (one advert with advbase and advskew 255) so that a backup takes over now.
  void stop(NodeClock::TimePoint now);
  // An advertisement punted from `port`.
  void on_frame(NodeClock::TimePoint now, uint16_t port, std::span<const std::byte> frame);
  // Timers, link changes and pfsync's bulk update; cheap when nothing is due.
  void poll(NodeClock::TimePoint now);

  // The virtual MAC to answer an ARP request for `addr` on `port` with: set only while this
  // node is master of a vhid that owns the address.
  std::optional<wire::MacAddr> arp_owner(uint16_t port, uint32_t addr) const;

  // GET /api/v1/carp.
  nlohmann::json view(NodeClock::TimePoint now) const;
  // POST /api/v1/carp/demote: the operator's share of the demotion, -240..240 (0 lifts it).
  nlohmann::json demote(int value, NodeClock::TimePoint now);
  void fill(std::vector<rest::CarpVhidStats>& out) const;

 private:
  struct Group {
    uint16_t port = 0;
    carp::VhidSet set;
    bool link_down = false;  // as last seen; drives interface-down demotion
  };
  CarpNode(Node& node, Send send) : node_(node), send_(std::move(send)) {}
  void apply(Group& g, std::vector<carp::VhidEvent> events);
  template <class F>
  void each_group(F&& f) {
    for (auto& g : groups_) apply(g, f(g.set));
  }
  CarpRole* role(uint16_t port, uint8_t vhid);

  Node& node_;
  Send send_;
  std::vector<Group> groups_;
  bool preempt_ = false;
  bool bulk_held_ = false;  // the pfsync-bulk demotion is raised
  uint16_t ip_id_ = 0;
};

}  // namespace dpf
