// CARP advertisement codec: encodes and decodes the 36-byte header with its RFC 1071 checksum
// and HMAC-SHA1 (shared/specs/carp.md §1.2, §2). Pure and re-entrant; any thread may call it.
// VhidAuth allocates once when built (the sorted address list); encode/decode allocate only
// inside OpenSSL's HMAC, plus one buffer for a vhid with more than about 250 addresses.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "control/carp/wire.h"

namespace dpf::carp {

// Why an advertisement (or the frame around it) was rejected. kOk is not a rejection.
// Names are stable API for counters (REST, /metrics, dpfctl).
enum class DecodeError : uint8_t {
  kOk,
  kFrameShort,   // frame shorter than Ethernet + IPv4 header
  kNotIpv4,      // EtherType is not IPv4
  kIpHeader,     // IP version/IHL/total length/fragment do not describe a whole CARP datagram
  kIpChecksum,   // IPv4 header checksum does not verify
  kNotCarp,      // IP protocol is not 112
  kShort,        // CARP payload shorter than 36 bytes (carps_badlen)
  kBadTtl,       // IP TTL is not 255 (carps_badttl)
  kBadChecksum,  // CARP checksum does not verify (carps_badsum)
  kBadVersion,   // version nibble is not 2 (carps_badver; VRRPv3 lands here)
  kBadType,      // type nibble is not 1 (advertisement)
  kBadVhid,      // no configured vhid matches (carps_badvhid)
  kBadAuth,      // HMAC does not match our password and addresses (carps_badauth)
  kCount
};

inline constexpr std::array<std::string_view, static_cast<size_t>(DecodeError::kCount)>
    kDecodeErrorNames = {"ok",       "frame-short", "not-ipv4", "ip-header",    "ip-checksum",
                         "not-carp", "short",       "bad-ttl",  "bad-checksum", "bad-version",
                         "bad-type", "bad-vhid",    "bad-auth"};

constexpr std::string_view decode_error_name(DecodeError e) {
  return kDecodeErrorNames[static_cast<size_t>(e)];
}

// The fields of one advertisement, host order.
struct Advert {
  uint8_t vhid = 0;
  uint8_t advbase = 1;
  uint8_t advskew = 0;
  uint8_t demote = 0;  // byte 4: OpenBSD's demotion indicator, 0 from FreeBSD/ucarp/us
  uint64_t counter = 0;
  friend bool operator==(const Advert&, const Advert&) = default;
};

using Hmac = std::array<uint8_t, kHmacLen>;
using Ipv6Addr = std::array<uint8_t, 16>;

// What authenticates one vhid: its number, the key (the password's first 19 bytes, §2.1) and
// its virtual addresses, kept sorted as the HMAC needs them (§2.2 item 4). Built at setup.
class VhidAuth {
 public:
  // v4 addresses in host order, any order; v6 link-local addresses have their scope word zeroed.
  VhidAuth(uint8_t vhid, std::string_view pass, std::span<const uint32_t> v4,
           std::span<const Ipv6Addr> v6 = {});

  uint8_t vhid() const { return vhid_; }
  // HMAC-SHA1 over version, type, `vhid`, the sorted addresses and the counter (§2.2).
  Hmac hmac(uint8_t vhid, uint64_t counter) const noexcept;

 private:
  uint8_t vhid_;
  std::array<uint8_t, kKeyBufLen> key_{};
  size_t key_len_ = 0;
  std::vector<uint8_t> addresses_;  // sorted v4 (4 bytes each) then sorted v6 (16 each)
};

// The 36 bytes of an advertisement for `a`, authenticated with `auth` (which must know the
// addresses of a.vhid), checksum filled in, authlen 7.
std::array<std::byte, kHeaderLen> encode_advert(const Advert& a, const VhidAuth& auth) noexcept;

struct DecodeResult {
  DecodeError error = DecodeError::kOk;
  Advert advert;                   // fields read so far (vhid valid from kBadVhid on)
  const VhidAuth* auth = nullptr;  // the matching entry of `known` once the vhid is known
  bool ok() const { return error == DecodeError::kOk; }
};

// Checks an IP payload received with IP TTL `ip_ttl` against the vhids we run. Checks in the
// kernel's order: TTL, length, checksum (over the whole payload), version, type, vhid, HMAC.
// Authlen and byte 4 are not checked (FreeBSD and ucarp ignore them).
DecodeResult decode_advert(std::span<const std::byte> payload, uint8_t ip_ttl,
                           std::span<const VhidAuth> known) noexcept;

}  // namespace dpf::carp
