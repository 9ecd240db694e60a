// Whole CARP frames: Ethernet + IPv4 + advertisement, and the gratuitous ARP a new master sends
// (shared/specs/carp.md §1.1, §3.2). Pure builders and a bounds-checked parser for the control
// thread's I/O glue; they return fixed-size arrays or views into the input and never allocate.
// Untagged Ethernet only: VLAN tags are stripped by whoever hands the frame in.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "control/carp/codec.h"
#include "control/carp/wire.h"

namespace dpf::carp {

// The advertisement `carp` (from encode_advert) as the 70-byte frame we send: Ethernet source the
// virtual MAC of the vhid in carp[1], destination 01:00:5e:00:00:12; IPv4 with DF, TTL 255,
// protocol 112, `src_ip` (host order, a real address of the interface, §1.1) to 224.0.0.18,
// identification `ip_id`, type of service `tos`, header checksum filled in.
std::array<std::byte, kAdvertFrameLen> build_advert_frame(
    std::span<const std::byte, kHeaderLen> carp, uint32_t src_ip, uint16_t ip_id,
    uint8_t tos = kTosLowDelay) noexcept;

// A received frame taken apart down to the CARP payload; the payload views the input.
struct ParsedFrame {
  DecodeError error = DecodeError::kOk;  // only frame-level reasons (kFrameShort .. kNotCarp)
  wire::MacAddr dst_mac{};
  wire::MacAddr src_mac{};
  uint32_t src_ip = 0;  // host order
  uint32_t dst_ip = 0;  // host order
  uint8_t ttl = 0;
  std::span<const std::byte> payload;  // exactly the IP payload (Ethernet padding excluded)
  bool ok() const { return error == DecodeError::kOk; }
};

// Checks Ethernet type, IPv4 version/IHL/total length/checksum, that the datagram is not a
// fragment, and protocol 112. The destination is reported, not checked (unicast peers exist).
// The source MAC is not checked either: ucarp sends from 00:00:5e:00:00:<vhid> (§1.1).
ParsedFrame parse_advert_frame(std::span<const std::byte> frame) noexcept;

struct FrameDecodeResult {
  ParsedFrame frame;
  DecodeResult advert;  // error kOk only if both the frame and the advert are good
  DecodeError error() const { return frame.ok() ? advert.error : frame.error; }
  bool ok() const { return error() == DecodeError::kOk; }
};

// parse_advert_frame then decode_advert with the frame's TTL.
FrameDecodeResult decode_advert_frame(std::span<const std::byte> frame,
                                      std::span<const VhidAuth> known) noexcept;

// A gratuitous ARP announcing `vip` (host order) at the virtual MAC of `vhid`: an ARP request
// from the virtual MAC to ff:ff:ff:ff:ff:ff with sender and target protocol address the VIP and
// a zero target hardware address (FreeBSD's arp_announce_ifaddr, §3.2). 42 bytes; the NIC pads.
std::array<std::byte, kGarpFrameLen> build_garp_frame(uint8_t vhid, uint32_t vip) noexcept;

}  // namespace dpf::carp
