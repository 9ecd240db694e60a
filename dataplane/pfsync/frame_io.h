// pfsync's link and IP layer (shared/specs/pfsync.md §2.1): the Ethernet + IPv4 headers in front
// of an outgoing pfsync payload, and the checks a received frame passes before its payload goes
// to SyncEngine::on_frame. Pure (no DPDK); any thread may call these; nothing allocates.
// Addresses are host order; MACs and frames are network byte order as on the wire.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/wire/build.h"
#include "dataplane/net/wire/mac.h"
#include "dataplane/pfsync/codec.h"
#include "dataplane/pfsync/wire.h"

namespace dpf::pfsync {

// Where our frames go: the group 224.0.0.240 at 01:00:5e:00:00:f0 unless a unicast syncpeer is
// configured (its MAC resolved by the caller).
struct FrameAddrs {
  wire::MacAddr src_mac{};
  wire::MacAddr dst_mac = kGroupMac;
  uint32_t src_addr = 0;  // the sync port's address
  uint32_t dst_addr = kGroupAddr;
};

// The addresses for the group (syncpeer 0) or a unicast peer at `peer_mac`.
FrameAddrs frame_addrs(const wire::MacAddr& src_mac, uint32_t src_addr, uint32_t syncpeer = 0,
                       const wire::MacAddr& peer_mac = {}) noexcept;

// Writes the Ethernet and IPv4 headers (IHL 5, TOS IPTOS_LOWDELAY, DF, TTL 255, proto 240,
// header checksum) for a payload of `payload_len` bytes into the first wire::kEtherIpv4Len bytes
// of `out`. Returns wire::kEtherIpv4Len, or 0 if `out` is shorter or the datagram exceeds 65535
// bytes.
size_t build_frame_headers(std::span<std::byte> out, const FrameAddrs& addrs, size_t payload_len,
                           uint16_t ip_id) noexcept;

// Why a received frame did not yield a payload. Only kBadTtl reaches pfsync's statistics (with
// ipackets); the others are what ip_input drops before pfsync sees the packet.
enum class RxVerdict : uint8_t {
  kOk,
  kNotIpv4,      // shorter than an Ethernet header, or not ethertype IPv4
  kBadIpHeader,  // version, IHL, total length or header checksum wrong, or truncated
  kFragment,     // a fragment: pfsync datagrams fit the MTU and are never fragmented
  kNotPfsync,    // IP protocol is not 240
  kBadTtl,       // TTL is not 255 (counted as badttl)
};

struct RxFrame {
  RxVerdict verdict = RxVerdict::kNotIpv4;
  std::span<const std::byte> payload;  // the IP payload, without Ethernet padding
  uint32_t src_addr = 0;
  uint32_t dst_addr = 0;
  wire::MacAddr src_mac{};
};

// Checks an Ethernet + IPv4 frame received on the sync port. For a protocol-240 datagram it
// calls accept_ip (ipackets, badttl) and, if that passes, returns kOk with the payload.
RxFrame parse_frame(std::span<const std::byte> frame, Stats& stats) noexcept;

}  // namespace dpf::pfsync
