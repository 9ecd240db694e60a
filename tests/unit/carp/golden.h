// Golden CARP data shared by the codec and frame tests, and a hex helper.
// Provenance: the known-answer frame of shared/specs/carp.md §1.2 and §2.2, i.e. the first
// advert of fixtures/carp/ucarp-vhid7-pass-secret.pcap: Debian 12 ucarp, vhid 7, pass "secret",
// VIP 10.99.0.100, source 10.99.0.1, advbase 1, advskew 0. The checksum folds to 0xffff and
// Python's hmac.new(b"secret", 02 01 07 0a630064 9d72502b9a27443e, sha1) gives the HMAC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace dpf::carp::golden {

inline std::vector<std::byte> from_hex(std::string_view s) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::vector<std::byte> out;
  int hi = -1;
  for (char c : s) {
    int n = nibble(c);
    if (n < 0) continue;  // spaces and separators
    if (hi < 0) {
      hi = n;
    } else {
      out.push_back(std::byte(static_cast<uint8_t>(hi << 4 | n)));
      hi = -1;
    }
  }
  if (hi >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

inline constexpr std::string_view kFrameHex =
    "01005e000012 00005e000007 0800"
    "4510 0038 baf0 4000 ff70 d5de 0a630001 e0000012"
    "21 07 00 07 00 01 5635"
    "9d72502b9a27443e"
    "c18a02f2be50879f108b4d31c7a4df4340016da4";

inline constexpr size_t kCarpOffset = 34;  // Ethernet 14 + IPv4 20
inline constexpr uint8_t kVhid = 7;
inline constexpr std::string_view kPass = "secret";
inline constexpr uint32_t kVip = 0x0a630064;     // 10.99.0.100
inline constexpr uint32_t kSource = 0x0a630001;  // 10.99.0.1
inline constexpr uint16_t kIpId = 0xbaf0;
inline constexpr uint64_t kCounter = 11345218559499781182ull;  // 0x9d72502b9a27443e
inline constexpr std::string_view kHmacHex = "c18a02f2be50879f108b4d31c7a4df4340016da4";

inline std::vector<std::byte> frame() {
  return from_hex(kFrameHex);
}
inline std::vector<std::byte> carp() {
  auto f = frame();
  return {f.begin() + kCarpOffset, f.end()};
}

}  // namespace dpf::carp::golden
