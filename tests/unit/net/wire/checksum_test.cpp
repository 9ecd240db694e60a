// Internet checksum (RFC 1071), incremental update (RFC 1624) and the TTL decrement, against
// hand-computed values and against full recomputation over random headers.
#include "dataplane/net/wire/checksum.h"

#include <catch2/catch.hpp>
#include <random>
#include <vector>

#include "tests/unit/net/golden.h"
#include "tests/unit/net/test_util.h"

using namespace dpf::net;
using namespace dpf::wire;
using dpf::net::test::frame_of;

namespace {

std::vector<std::byte> bytes(std::initializer_list<uint8_t> l) {
  std::vector<std::byte> v;
  for (uint8_t b : l) v.push_back(std::byte{b});
  return v;
}

// Straightforward reference: sum big-endian 16-bit words one by one, fold, complement.
uint16_t reference_checksum(std::span<const std::byte> b) {
  uint32_t s = 0;
  for (size_t i = 0; i < b.size(); i += 2) {
    uint32_t w = uint32_t{static_cast<uint8_t>(b[i])} << 8;
    if (i + 1 < b.size()) w |= static_cast<uint8_t>(b[i + 1]);
    s += w;
    s = (s & 0xffff) + (s >> 16);
  }
  return static_cast<uint16_t>(~s);
}

// A random IPv4 header of `ihl` words (any bytes, version 4) with a correct checksum.
std::vector<std::byte> random_header(std::mt19937& rng, size_t ihl) {
  std::vector<std::byte> h(ihl * 4);
  for (auto& b : h) b = std::byte{static_cast<uint8_t>(rng())};
  h[0] = std::byte{static_cast<uint8_t>(0x40 | ihl)};
  h[10] = h[11] = std::byte{0};
  const uint16_t c = inet_checksum(h);
  h[10] = std::byte{static_cast<uint8_t>(c >> 8)};
  h[11] = std::byte{static_cast<uint8_t>(c)};
  return h;
}

}  // namespace

TEST_CASE("checksum: the RFC 1071 section 3 example sums to 0xddf2") {
  // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 have the one's complement sum 0xddf2.
  const auto b = bytes({0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7});
  CHECK(inet_checksum(b) == static_cast<uint16_t>(~0xddf2));
}

TEST_CASE("checksum: an odd trailing byte is the high byte of a zero-padded word") {
  CHECK(inet_checksum(bytes({0x01})) == 0xfeff);
  CHECK(inet_checksum(bytes({0x00, 0x01, 0xf2})) == static_cast<uint16_t>(~0xf201));
  CHECK(inet_checksum(bytes({})) == 0xffff);
}

TEST_CASE("checksum: a textbook IPv4 header gets 0xb861 and then verifies to 0") {
  // 192.168.0.1 -> 192.168.0.199, UDP, TTL 64, DF, total length 0x73 (the widely used example;
  // checked by hand: the word sum is 0x2479c, folded 0x479e, complemented 0xb861).
  auto h = bytes({0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7});
  CHECK(inet_checksum(h) == 0xb861);
  h[10] = std::byte{0xb8};
  h[11] = std::byte{0x61};
  CHECK(inet_checksum(h) == 0);
}

TEST_CASE("checksum: the fast sum equals a word-by-word reference on random data of every length") {
  std::mt19937 rng(1071);
  for (size_t len = 0; len < 300; ++len) {
    std::vector<std::byte> b(len);
    for (auto& x : b) x = std::byte{static_cast<uint8_t>(rng())};
    CAPTURE(len);
    CHECK(inet_checksum(b) == reference_checksum(b));
  }
}

TEST_CASE("checksum: the initial partial sum is added as if its words preceded the data") {
  const auto data = bytes({0x12, 0x34, 0xab, 0xcd, 0x01});
  const auto with_prefix = bytes({0x8f, 0x00, 0x12, 0x34, 0xab, 0xcd, 0x01});
  CHECK(inet_checksum(data, 0x8f00) == inet_checksum(with_prefix));
  // A 32-bit initial value is folded first: 0x1_8f00 counts as 0x8f01.
  CHECK(inet_checksum(data, 0x18f00) == inet_checksum(data, 0x8f01));
}

TEST_CASE("checksum: golden IPv4 headers and TCP/UDP/ICMP segments verify to 0") {
  const auto udp = frame_of(golden::kUdp);
  const std::span<const std::byte> u(udp);
  CHECK(inet_checksum(u.subspan(14, 20)) == 0);
  CHECK(l4_checksum_ipv4(0x0a000001, 0xc0a80002, kIpProtoUdp, u.subspan(34)) == 0);
  const auto tcp = frame_of(golden::kTcpData);
  const std::span<const std::byte> t(tcp);
  CHECK(l4_checksum_ipv4(0x0a000001, 0xc0a80002, kIpProtoTcp, t.subspan(34)) == 0);
  const auto echo = frame_of(golden::kEcho);
  CHECK(inet_checksum(std::span<const std::byte>(echo).subspan(34)) == 0);
}

TEST_CASE("checksum: the L4 checksum over a zeroed field reproduces the stored one") {
  auto tcp = frame_of(golden::kTcpSyn);
  const uint16_t stored = static_cast<uint16_t>(static_cast<uint8_t>(tcp[34 + 16]) << 8 |
                                                static_cast<uint8_t>(tcp[34 + 17]));
  tcp[34 + 16] = tcp[34 + 17] = std::byte{0};
  CHECK(l4_checksum_ipv4(0x0a000001, 0xc0a80002, kIpProtoTcp,
                         std::span<const std::byte>(tcp).subspan(34)) == stored);
  CHECK(stored == 0x3212);  // as scapy computed it
}

TEST_CASE("checksum: RFC 1624 section 4 example gives 0x0000, not eqn 2's 0xffff") {
  // RFC 1624 §4: HC = 0xdd2f, m = 0x5555, m' = 0x3285.
  CHECK(checksum_adjust16(0xdd2f, 0x5555, 0x3285) == 0x0000);
}

TEST_CASE("checksum: a 32-bit adjustment equals recomputation after changing an address") {
  auto f = frame_of(golden::kUdp);
  Ipv4Hdr& ip = *header_at<Ipv4Hdr>(std::span<std::byte>(f), 14);
  const uint16_t old_ck = ip.check.get();
  const uint32_t old_src = ip.src.get();
  ip.src.set(0xc6336401);  // 198.51.100.1
  const uint16_t incremental = checksum_adjust32(old_ck, old_src, 0xc6336401);
  ip.check.set(0);
  CHECK(incremental == inet_checksum(std::span<const std::byte>(f).subspan(14, 20)));
}

TEST_CASE("checksum: an incremental TTL decrement equals recomputation for every TTL") {
  std::mt19937 rng(1624);
  for (int n = 0; n < 200; ++n) {
    const size_t ihl = 5 + rng() % 11;
    auto h = random_header(rng, ihl);
    for (int ttl = 255; ttl >= 1; --ttl) {
      h[8] = std::byte{static_cast<uint8_t>(ttl)};
      h[10] = h[11] = std::byte{0};
      const uint16_t c = inet_checksum(h);
      h[10] = std::byte{static_cast<uint8_t>(c >> 8)};
      h[11] = std::byte{static_cast<uint8_t>(c)};

      auto dec = h;
      ipv4_decrement_ttl(dec);
      auto expect = h;
      expect[8] = std::byte{static_cast<uint8_t>(ttl - 1)};
      expect[10] = expect[11] = std::byte{0};
      const uint16_t ec = inet_checksum(expect);
      expect[10] = std::byte{static_cast<uint8_t>(ec >> 8)};
      expect[11] = std::byte{static_cast<uint8_t>(ec)};
      CAPTURE(n, ttl);
      REQUIRE(dec == expect);
    }
  }
}

TEST_CASE("checksum: TTL decrement on a golden frame leaves a header that verifies") {
  auto f = frame_of(golden::kTcpSyn);  // TTL 63
  const std::span<std::byte> ip = std::span<std::byte>(f).subspan(14, 20);
  ipv4_decrement_ttl(ip);
  CHECK(static_cast<uint8_t>(f[14 + 8]) == 62);
  CHECK(inet_checksum(ip) == 0);
}

TEST_CASE("checksum: TTL decrement leaves a zero TTL and a short span untouched") {
  auto f = frame_of(golden::kUdp);
  f[14 + 8] = std::byte{0};
  const auto before = f;
  ipv4_decrement_ttl(std::span<std::byte>(f).subspan(14, 20));
  CHECK(f == before);
  auto g = frame_of(golden::kUdp);
  const auto g_before = g;
  ipv4_decrement_ttl(std::span<std::byte>(g).subspan(14, 19));
  CHECK(g == g_before);
}
