// TCP/UDP checksums left for offload (dataplane/net/offload.h): found where a Linux sender's
// CHECKSUM_PARTIAL leaves the pseudo-header sum, finished to the checksum the golden frame carries,
// and never reported for a complete packet.
#include <catch2/catch.hpp>

#include <cstddef>
#include <vector>

#include "dataplane/net/offload.h"
#include "dataplane/net/parse.h"
#include "tests/unit/net/golden.h"
#include "tests/unit/net/test_util.h"

namespace dpf::net {
namespace {

using Frame = std::vector<std::byte>;

PacketInfo parsed(const Frame& f) {
  PacketInfo info{};
  DropReason why{};
  REQUIRE(parse_frame(f, info, why));
  return info;
}

void put16(Frame& f, size_t at, uint16_t v) {
  f[at] = std::byte(v >> 8);
  f[at + 1] = std::byte(v & 0xff);
}

uint16_t get16(const Frame& f, size_t at) {
  return static_cast<uint16_t>(std::to_integer<unsigned>(f[at]) << 8 |
                               std::to_integer<unsigned>(f[at + 1]));
}

// The pseudo-header sums a Linux sender leaves in the field, worked by hand from the golden
// frames' headers (10.0.0.1 -> 192.168.0.2): 0x0a00 + 0x0001 + 0xc0a8 + 0x0002 = 0xcaab, plus
// the protocol and the L4 length.
constexpr uint16_t kTcpDataPartial = 0xcaab + 6 + 30;  // 0xcacf: TCP, 20 + 10 bytes
constexpr uint16_t kUdpPartial = 0xcaab + 17 + 13;     // 0xcac9: UDP, 8 + 5 bytes
constexpr size_t kTcpCheckAt = 14 + 20 + 16;
constexpr size_t kUdpCheckAt = 14 + 20 + 6;

TEST_CASE("offload: a complete TCP or UDP checksum is not reported", "[net][offload]") {
  for (const Frame& f : {test::frame_of(golden::kTcpData), test::frame_of(golden::kTcpSyn),
                         test::frame_of(golden::kUdp), test::frame_of(golden::kEcho)}) {
    CHECK_FALSE(l4_checksum_left_for_offload(f, parsed(f)));
  }
}

TEST_CASE("offload: the pseudo-header sum in the field is found and finished", "[net][offload]") {
  struct Case {
    Frame golden;
    size_t at;
    uint16_t partial;
  };
  for (Case c : {Case{test::frame_of(golden::kTcpData), kTcpCheckAt, kTcpDataPartial},
                 Case{test::frame_of(golden::kUdp), kUdpCheckAt, kUdpPartial}}) {
    Frame f = c.golden;
    put16(f, c.at, c.partial);
    const PacketInfo info = parsed(f);
    REQUIRE(l4_checksum_left_for_offload(f, info));
    finish_l4_checksum(f, info);
    CHECK(get16(f, c.at) == get16(c.golden, c.at));
    CHECK(f == c.golden);
    CHECK_FALSE(l4_checksum_left_for_offload(f, parsed(f)));
  }
}

TEST_CASE("offload: other wrong checksums, UDP without one, fragments are not reported",
          "[net][offload]") {
  Frame f = test::frame_of(golden::kTcpData);
  put16(f, kTcpCheckAt, kTcpDataPartial + 1);  // just wrong: not this module's business
  CHECK_FALSE(l4_checksum_left_for_offload(f, parsed(f)));

  Frame u = test::frame_of(golden::kUdp);
  put16(u, kUdpCheckAt, 0);  // RFC 768: no checksum
  CHECK_FALSE(l4_checksum_left_for_offload(u, parsed(u)));

  Frame g = test::frame_of(golden::kTcpData);
  put16(g, kTcpCheckAt, kTcpDataPartial);
  PacketInfo info = parsed(g);
  info.fragment = true;  // a fragment's checksum covers the whole datagram
  CHECK_FALSE(l4_checksum_left_for_offload(g, info));
  finish_l4_checksum(g, info);
  CHECK(get16(g, kTcpCheckAt) == kTcpDataPartial);  // left alone
}

}  // namespace
}  // namespace dpf::net
