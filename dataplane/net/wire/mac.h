// The Ethernet (IEEE 802 MAC-48) address: one type for the node, pfsync and CARP, with the
// group/broadcast tests and a text form for logs and views. Any thread; nothing allocates but
// format_mac's returned string.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace dpf::wire {

using MacAddr = std::array<uint8_t, 6>;
inline constexpr MacAddr kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr MacAddr kZeroMac = {0, 0, 0, 0, 0, 0};

// Group (multicast or broadcast) bit of an Ethernet address: IEEE 802-2014 §8.2.
constexpr bool mac_is_group(const MacAddr& m) noexcept {
  return (m[0] & 0x01) != 0;
}
constexpr bool mac_is_broadcast(const MacAddr& m) noexcept {
  return m == kBroadcastMac;
}

// IPv4 multicast group to MAC (RFC 1112 §6.4): 01:00:5e + the low 23 bits. `group` host order.
constexpr MacAddr ipv4_multicast_mac(uint32_t group) noexcept {
  return {0x01,
          0x00,
          0x5e,
          static_cast<uint8_t>(group >> 16 & 0x7f),
          static_cast<uint8_t>(group >> 8),
          static_cast<uint8_t>(group)};
}

// "aa:bb:cc:dd:ee:ff", for logs and views (allocates).
std::string format_mac(const MacAddr& m);

}  // namespace dpf::wire
