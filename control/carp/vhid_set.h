// The vhids a node runs on one interface (one Ethernet segment): their machines and keys, the
// decode-and-dispatch of received frames, and demotion applied to every vhid at once (FreeBSD's
// demotion is global). Pure, time passed in; control thread only. Allocates on add() and for
// the returned event lists.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "control/carp/codec.h"
#include "control/carp/frame.h"
#include "control/carp/machine.h"

namespace dpf::carp {

// What one vhid asks the glue to do (Actions of its machine). Event lists name only the vhids
// with something to send, publish or log; deadline() is the next time to call on_timer().
struct VhidEvent {
  uint8_t vhid = 0;
  Actions actions;
};

class VhidSet {
 public:
  // `local_ip` (host order) is this node's real address on the interface, the source of our
  // adverts: frames from it are our own, looped back, and are ignored (counted in own_frames).
  explicit VhidSet(uint32_t local_ip) : local_ip_(local_ip) {}

  // Adds a vhid with its password (first 19 bytes used). False if the vhid is already here.
  bool add(Config cfg, std::string_view pass);

  std::vector<VhidEvent> start(Time now);
  std::vector<VhidEvent> stop(Time now);
  // A frame punted from the interface: decoded, checked against our vhids, and handed to its
  // machine; a rejected frame is counted by reason and changes nothing.
  std::vector<VhidEvent> on_frame(Time now, std::span<const std::byte> frame);
  std::vector<VhidEvent> on_timer(Time now);
  std::vector<VhidEvent> interface_down(Time now);
  std::vector<VhidEvent> interface_up(Time now);
  std::vector<VhidEvent> raise_demotion(DemotionSource s, Time now);
  std::vector<VhidEvent> lower_demotion(DemotionSource s, Time now);
  std::vector<VhidEvent> set_demotion(int value, Time now);

  // The frame for an advert an event asked for, from our address, or nullopt for a vhid that
  // is not ours.
  std::optional<std::array<std::byte, kAdvertFrameLen>> advert_frame(const Advert& a,
                                                                     uint16_t ip_id) const;

  std::optional<Time> deadline() const;  // the earliest deadline of all vhids
  const CarpMachine* find(uint8_t vhid) const;
  std::span<const CarpMachine> machines() const { return machines_; }
  const RejectCounters& rejected() const { return rejected_; }  // every rejected frame
  uint64_t own_frames() const { return own_frames_; }           // our own adverts seen again

 private:
  template <typename F>
  std::vector<VhidEvent> each(F&& f);

  uint32_t local_ip_;
  std::vector<VhidAuth> auths_;  // parallel to machines_
  std::vector<CarpMachine> machines_;
  RejectCounters rejected_;
  uint64_t own_frames_ = 0;
};

}  // namespace dpf::carp
