// The vhids of one interface: dispatch of received adverts and node-wide inputs.
#include "control/carp/vhid_set.h"

#include <algorithm>

namespace dpf::carp {

namespace {

// Whether an Actions carries anything for the glue beyond its deadline.
bool worth_reporting(const Actions& a) {
  return a.advert || a.send_garp || a.transition || !a.log.empty();
}

}  // namespace

bool VhidSet::add(Config cfg, std::string_view pass) {
  if (find(cfg.vhid)) return false;
  auths_.emplace_back(cfg.vhid, pass, cfg.addresses);
  machines_.emplace_back(std::move(cfg));
  return true;
}

template <typename F>
std::vector<VhidEvent> VhidSet::each(F&& f) {
  std::vector<VhidEvent> out;
  for (auto& m : machines_) {
    Actions a = f(m);
    if (worth_reporting(a)) out.push_back({m.config().vhid, std::move(a)});
  }
  return out;
}

std::vector<VhidEvent> VhidSet::start(Time now) {
  return each([&](CarpMachine& m) { return m.start(now); });
}

std::vector<VhidEvent> VhidSet::stop(Time now) {
  return each([&](CarpMachine& m) { return m.stop(now); });
}

std::vector<VhidEvent> VhidSet::on_timer(Time now) {
  return each([&](CarpMachine& m) { return m.on_timer(now); });
}

std::vector<VhidEvent> VhidSet::interface_down(Time now) {
  return each([&](CarpMachine& m) { return m.interface_down(now); });
}

std::vector<VhidEvent> VhidSet::interface_up(Time now) {
  return each([&](CarpMachine& m) { return m.interface_up(now); });
}

std::vector<VhidEvent> VhidSet::raise_demotion(DemotionSource s, Time now) {
  return each([&](CarpMachine& m) { return m.raise_demotion(s, now); });
}

std::vector<VhidEvent> VhidSet::lower_demotion(DemotionSource s, Time now) {
  return each([&](CarpMachine& m) { return m.lower_demotion(s, now); });
}

std::vector<VhidEvent> VhidSet::set_demotion(int value, Time now) {
  return each([&](CarpMachine& m) { return m.set_demotion(value, now); });
}

std::vector<VhidEvent> VhidSet::on_frame(Time now, std::span<const std::byte> frame) {
  std::vector<VhidEvent> out;
  auto r = decode_advert_frame(frame, auths_);
  if (r.frame.ok() && r.frame.src_ip == local_ip_) {
    ++own_frames_;
    return out;
  }
  if (!r.ok()) {
    rejected_.count(r.error());
    if (r.advert.auth)
      machines_[static_cast<size_t>(r.advert.auth - auths_.data())].on_rejected(r.error());
    return out;
  }
  auto& m = machines_[static_cast<size_t>(r.advert.auth - auths_.data())];
  Actions a = m.on_advert(now, r.advert.advert);
  if (worth_reporting(a)) out.push_back({m.config().vhid, std::move(a)});
  return out;
}

std::optional<std::array<std::byte, kAdvertFrameLen>> VhidSet::advert_frame(const Advert& a,
                                                                            uint16_t ip_id) const {
  for (const auto& auth : auths_) {
    if (auth.vhid() == a.vhid) return build_advert_frame(encode_advert(a, auth), local_ip_, ip_id);
  }
  return std::nullopt;
}

std::optional<Time> VhidSet::deadline() const {
  std::optional<Time> best;
  for (const auto& m : machines_) {
    auto d = m.deadline();
    if (d && (!best || *d < *best)) best = d;
  }
  return best;
}

const CarpMachine* VhidSet::find(uint8_t vhid) const {
  auto it = std::find_if(machines_.begin(), machines_.end(),
                         [&](const CarpMachine& m) { return m.config().vhid == vhid; });
  return it == machines_.end() ? nullptr : &*it;
}

}  // namespace dpf::carp
