// Taking apart received Ethernet + IPv4 frames: each structural fault has its own error, and the
// checksum and fragment findings are reported beside a good structure.
#include "dataplane/net/wire/parse.h"

#include <catch2/catch.hpp>
#include <vector>

#include "dataplane/net/wire/build.h"
#include "dataplane/net/wire/checksum.h"

using namespace dpf::wire;

namespace {

constexpr MacAddr kSrc = {0x02, 0, 0, 0, 0, 0x01};
constexpr MacAddr kDst = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x12};

// Ethernet + IPv4 (built by build_ether_ipv4) + `payload` bytes of 0xab + `pad` bytes of 0.
std::vector<std::byte> frame(size_t payload, size_t pad = 0, uint16_t frag_off = 0) {
  std::vector<std::byte> f(kEtherIpv4Len + payload, std::byte{0xab});
  f.resize(f.size() + pad, std::byte{0});
  const Ipv4Params p{.src = 0xc0000201,
                     .dst = 0xe0000012,
                     .proto = kIpProtoCarp,
                     .ttl = 255,
                     .frag_off = frag_off};
  REQUIRE(build_ether_ipv4(f, kSrc, kDst, p, payload) == kEtherIpv4Len);
  return f;
}

// Rewrites the IPv4 header checksum after a test changed a header byte.
void fix_checksum(std::vector<std::byte>& f) {
  Ipv4Hdr* ip = header_at<Ipv4Hdr>(std::span(f), sizeof(EtherHdr));
  ip->check.set(0);
  ip->check.set(inet_checksum(std::span(f).subspan(sizeof(EtherHdr), ip->header_len())));
}

}  // namespace

TEST_CASE("wire parse: a good frame yields its headers and exactly the IP payload") {
  const auto f = frame(36, 8);
  const Ipv4Frame r = parse_ether_ipv4(f);
  REQUIRE(r.ok());
  CHECK(r.eth->src == kSrc);
  CHECK(r.ip->proto == kIpProtoCarp);
  CHECK(r.ip->src.get() == 0xc0000201);
  CHECK(r.checksum_ok);
  CHECK_FALSE(r.fragment);
  CHECK(r.payload.data() == f.data() + kEtherIpv4Len);
  CHECK(r.payload.size() == 36);  // the 8 bytes of Ethernet padding are not payload
}

TEST_CASE("wire parse: short frames and other EtherTypes stop before the IPv4 header") {
  auto f = frame(0);
  CHECK(parse_ether_ipv4(std::span(f).first(13)).error == Ipv4Frame::Error::kShortEther);
  CHECK(parse_ether_ipv4(std::span(f).first(33)).error == Ipv4Frame::Error::kShortIp);
  f[12] = std::byte{0x86};
  f[13] = std::byte{0xdd};
  const Ipv4Frame r = parse_ether_ipv4(f);
  CHECK(r.error == Ipv4Frame::Error::kNotIpv4);
  CHECK(r.eth != nullptr);
  CHECK(r.ip == nullptr);
}

TEST_CASE("wire parse: version, IHL and total length must describe bytes that are there") {
  auto f = frame(10);
  const size_t ver_ihl = sizeof(EtherHdr);
  const size_t total_len = sizeof(EtherHdr) + 3;
  f[ver_ihl] = std::byte{0x65};  // version 6
  CHECK(parse_ether_ipv4(f).error == Ipv4Frame::Error::kBadHeader);
  f[ver_ihl] = std::byte{0x44};  // IHL 4
  CHECK(parse_ether_ipv4(f).error == Ipv4Frame::Error::kBadHeader);
  f[ver_ihl] = std::byte{0x45};
  f[total_len] = std::byte{31};  // one byte more than the frame holds
  CHECK(parse_ether_ipv4(f).error == Ipv4Frame::Error::kBadHeader);
  f[total_len] = std::byte{19};  // shorter than the header
  CHECK(parse_ether_ipv4(f).error == Ipv4Frame::Error::kBadHeader);
}

TEST_CASE("wire parse: a bad checksum and a fragment are reported on a good structure") {
  auto f = frame(8);
  f[sizeof(EtherHdr) + 11] ^= std::byte{1};
  Ipv4Frame r = parse_ether_ipv4(f);
  CHECK(r.ok());
  CHECK_FALSE(r.checksum_ok);
  for (uint16_t frag : {kIpv4FlagMf, uint16_t{1}, uint16_t(kIpv4FlagDf | 0x10)}) {
    auto g = frame(8, 0, frag);
    r = parse_ether_ipv4(g);
    CHECK(r.ok());
    CHECK(r.checksum_ok);
    CHECK(r.fragment);
  }
  auto df = frame(8, 0, kIpv4FlagDf);
  CHECK_FALSE(parse_ether_ipv4(df).fragment);
}

TEST_CASE("wire parse: IPv4 options are covered by the checksum and skipped for the payload") {
  auto f = frame(8);
  // Grow the header to IHL 6 with one 4-byte word of NOP options before the payload.
  f.insert(f.begin() + kEtherIpv4Len, 4, std::byte{kIpOptNop});
  Ipv4Hdr* ip = header_at<Ipv4Hdr>(std::span(f), sizeof(EtherHdr));
  ip->ver_ihl = 0x46;
  ip->total_len.set(24 + 8);
  fix_checksum(f);
  const Ipv4Frame r = parse_ether_ipv4(f);
  REQUIRE(r.ok());
  CHECK(r.checksum_ok);
  CHECK(r.payload.data() == f.data() + kEtherIpv4Len + 4);
  CHECK(r.payload.size() == 8);
}
