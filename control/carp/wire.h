// CARP on the wire: constants and the pinned layout of the 36-byte advertisement header
// (shared/specs/carp.md §1). Pure: no DPDK, no I/O, no allocation; callable from any thread.
// Everything else in control/carp/ takes its offsets and lengths from here; big-endian fields,
// MACs, the IP protocol number (wire::kIpProtoCarp) and the Ethernet/IPv4/ARP layouts come from
// dataplane/net/wire/.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "dataplane/net/wire/be.h"
#include "dataplane/net/wire/build.h"
#include "dataplane/net/wire/headers.h"
#include "dataplane/net/wire/mac.h"

namespace dpf::carp {

// §1.2, network byte order:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version| Type  |     VHID      |    AdvSkew    |    AuthLen    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |    Demote     |    AdvBase    |           Checksum            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                 Counter (64 bits, high word first)            |
//  |                                                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                 HMAC-SHA1 (160 bits, §2)                      |
//  ~                                                               ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Byte 4 is "reserved, zero" on FreeBSD/ucarp and the demotion indicator on OpenBSD (§1.2);
// we send 0 and report what we receive without acting on it.
struct Header {
  uint8_t version_type;  // version << 4 | type
  uint8_t vhid;
  uint8_t advskew;
  uint8_t authlen;  // counter + HMAC in 32-bit words: always 7
  uint8_t demote;
  uint8_t advbase;      // seconds
  wire::be16 checksum;  // RFC 1071 over the whole CARP payload, no pseudo-header
  wire::be32 counter_hi;
  wire::be32 counter_lo;
  std::array<uint8_t, 20> hmac;
};
static_assert(sizeof(Header) == 36);
static_assert(offsetof(Header, vhid) == 1);
static_assert(offsetof(Header, advskew) == 2);
static_assert(offsetof(Header, authlen) == 3);
static_assert(offsetof(Header, demote) == 4);
static_assert(offsetof(Header, advbase) == 5);
static_assert(offsetof(Header, checksum) == 6);
static_assert(offsetof(Header, counter_hi) == 8);
static_assert(offsetof(Header, counter_lo) == 12);
static_assert(offsetof(Header, hmac) == 16);

inline constexpr size_t kHeaderLen = sizeof(Header);
inline constexpr size_t kChecksumOffset = offsetof(Header, checksum);
inline constexpr size_t kHmacLen = 20;
inline constexpr uint8_t kVersion = 2;            // §1.2 CARP_VERSION
inline constexpr uint8_t kTypeAdvertisement = 1;  // §1.2 CARP_ADVERTISEMENT
inline constexpr uint8_t kAuthLen = 7;            // §1.2: (8 + 20) / 4
static_assert(kAuthLen * 4 == sizeof(Header::counter_hi) * 2 + kHmacLen);

// §2.1: the key is the password bytes, at most 19 of them (strlcpy into 20 bytes).
inline constexpr size_t kKeyBufLen = 20;
inline constexpr size_t kMaxPassLen = kKeyBufLen - 1;

// §3.5: CARP_MAXSKEW, the ceiling of advskew + demotion.
inline constexpr int kMaxSkew = 240;
// §1.2: advbase 255 with advskew 255 announces that a master is leaving ("bow out").
inline constexpr uint8_t kBowOut = 255;

// §1.1 encapsulation.
inline constexpr uint8_t kTtl = 255;              // sent, and required on receive
inline constexpr uint32_t kGroupV4 = 0xe0000012;  // 224.0.0.18, host order
inline constexpr wire::MacAddr kGroupMac = wire::ipv4_multicast_mac(kGroupV4);
inline constexpr uint8_t kTosLowDelay = 0x10;  // IPTOS_LOWDELAY as OpenBSD/ucarp send

// §1.1: 00:00:5e:00:01:<vhid>, the source of adverts and the address the master owns.
constexpr wire::MacAddr virtual_mac(uint8_t vhid) {
  return {0x00, 0x00, 0x5e, 0x00, 0x01, vhid};
}

// Frame sizes of the frame helpers (frame.h): untagged Ethernet + option-less IPv4 + the header,
// and the gratuitous ARP.
inline constexpr size_t kAdvertFrameLen = wire::kEtherIpv4Len + kHeaderLen;
inline constexpr size_t kGarpFrameLen = wire::kArpFrameLen;
static_assert(kAdvertFrameLen == 70);  // §1.2 "Ethernet frame 70 bytes"

}  // namespace dpf::carp
