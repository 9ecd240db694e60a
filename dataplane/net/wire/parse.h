// Taking apart a received untagged Ethernet + IPv4 frame, as pfsync and CARP receive theirs: the
// structural checks every receiver makes (Ethernet and IPv4 header present, version 4, IHL and
// total length within the bytes), with the header checksum and the fragment bits reported apart
// so each protocol orders and counts its own drops. Any thread; no allocation, no exceptions;
// the views point into the caller's frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/wire/headers.h"

namespace dpf::wire {

struct Ipv4Frame {
  enum class Error : uint8_t {
    kOk,
    kShortEther,  // shorter than an Ethernet header
    kNotIpv4,     // EtherType is not IPv4
    kShortIp,     // shorter than a 20-byte IPv4 header after the Ethernet header
    kBadHeader,   // version not 4, IHL < 5, total length below the header or beyond the bytes
  };
  Error error = Error::kShortEther;
  const EtherHdr* eth = nullptr;       // set from kNotIpv4 on
  const Ipv4Hdr* ip = nullptr;         // set from kBadHeader on
  bool checksum_ok = false;            // the header checksum (options included) verifies; kOk only
  bool fragment = false;               // MF set or a non-zero offset (RFC 791 §3.1); kOk only
  std::span<const std::byte> payload;  // exactly the IP payload, Ethernet padding excluded; kOk
  bool ok() const noexcept { return error == Error::kOk; }
};

Ipv4Frame parse_ether_ipv4(std::span<const std::byte> frame) noexcept;

}  // namespace dpf::wire
