// Tests of the whole-frame helpers: the advert frame we send, the parser, gratuitous ARP.
#include "control/carp/frame.h"

#include <catch2/catch.hpp>

#include "dataplane/net/wire/checksum.h"
#include "tests/unit/carp/golden.h"

namespace dpf::carp {
namespace {

const uint32_t kVips[] = {golden::kVip};

void set_be16(std::vector<std::byte>& f, size_t at, uint16_t v) {
  f[at] = std::byte{static_cast<uint8_t>(v >> 8)};
  f[at + 1] = std::byte{static_cast<uint8_t>(v)};
}

// Rewrites the IPv4 header checksum of an untagged frame after a test edited the header.
void fix_ip_checksum(std::vector<std::byte>& f) {
  set_be16(f, sizeof(wire::EtherHdr) + 10, 0);
  auto ip = std::span<const std::byte>(f).subspan(sizeof(wire::EtherHdr), wire::kIpv4MinHdr);
  set_be16(f, sizeof(wire::EtherHdr) + 10, wire::inet_checksum(ip));
}

DecodeError frame_error(const std::vector<std::byte>& f) {
  const VhidAuth known[] = {VhidAuth(golden::kVhid, golden::kPass, kVips)};
  return decode_advert_frame(f, known).error();
}

TEST_CASE("carp frame: the virtual MAC of vhid 7 is 00:00:5e:00:01:07") {
  CHECK(virtual_mac(7) == wire::MacAddr{0x00, 0x00, 0x5e, 0x00, 0x01, 0x07});
}

TEST_CASE("carp frame: our frame equals ucarp's captured one but for the virtual source MAC") {
  auto carp = golden::carp();
  auto built = build_advert_frame(std::span<const std::byte, kHeaderLen>(carp.data(), kHeaderLen),
                                  golden::kSource, golden::kIpId);
  auto want = golden::frame();
  // ucarp sends from 00:00:5e:00:00:<vhid>; BSD kernels and we from 00:00:5e:00:01:<vhid> (§1.1).
  want[10] = std::byte{0x01};
  CHECK(std::vector<std::byte>(built.begin(), built.end()) == want);
}

TEST_CASE("carp frame: the frame we build decodes back to the advert we encoded") {
  const VhidAuth known[] = {VhidAuth(200, "bar", kVips)};
  const Advert a{200, 3, 17, 0, 0x0102030405060708};
  auto carp = encode_advert(a, known[0]);
  auto frame = build_advert_frame(carp, 0xc0a80002, 1, 0xe0);
  auto r = decode_advert_frame(frame, known);
  REQUIRE(r.ok());
  CHECK(r.advert.advert == a);
  CHECK(r.frame.src_mac == virtual_mac(200));
  CHECK(r.frame.dst_mac == kGroupMac);
  CHECK(r.frame.src_ip == 0xc0a80002);
  CHECK(r.frame.dst_ip == kGroupV4);
  CHECK(r.frame.ttl == 255);
}

TEST_CASE("carp frame: the spec's frame parses to its addresses and a 36-byte payload") {
  auto f = golden::frame();
  auto p = parse_advert_frame(f);
  REQUIRE(p.ok());
  CHECK(p.src_mac ==
        wire::MacAddr{0x00, 0x00, 0x5e, 0x00, 0x00, 0x07});  // ucarp's source is accepted
  CHECK(p.src_ip == golden::kSource);
  CHECK(p.dst_ip == kGroupV4);
  CHECK(p.ttl == kTtl);
  CHECK(p.payload.size() == kHeaderLen);
  CHECK(frame_error(f) == DecodeError::kOk);
}

TEST_CASE("carp frame: Ethernet padding after the IP datagram is not part of the payload") {
  auto f = golden::frame();
  f.resize(f.size() + 6, std::byte{0xaa});
  auto p = parse_advert_frame(f);
  REQUIRE(p.ok());
  CHECK(p.payload.size() == kHeaderLen);
  CHECK(frame_error(f) == DecodeError::kOk);
}

TEST_CASE("carp frame: each malformed frame is rejected with its own reason") {
  auto f = golden::frame();
  SECTION("shorter than Ethernet + IPv4 is frame short") {
    f.resize(sizeof(wire::EtherHdr) + wire::kIpv4MinHdr - 1);
    CHECK(frame_error(f) == DecodeError::kFrameShort);
    f.resize(5);
    CHECK(frame_error(f) == DecodeError::kFrameShort);
  }
  SECTION("an ARP frame is not IPv4") {
    auto garp = build_garp_frame(7, golden::kVip);
    CHECK(frame_error({garp.begin(), garp.end()}) == DecodeError::kNotIpv4);
  }
  SECTION("IP version 6 is a bad IP header") {
    f[sizeof(wire::EtherHdr)] = std::byte{0x65};
    fix_ip_checksum(f);
    CHECK(frame_error(f) == DecodeError::kIpHeader);
  }
  SECTION("an IHL below 5 is a bad IP header") {
    f[sizeof(wire::EtherHdr)] = std::byte{0x44};
    CHECK(frame_error(f) == DecodeError::kIpHeader);
  }
  SECTION("a total length past the frame is a bad IP header") {
    set_be16(f, sizeof(wire::EtherHdr) + 2, 57);
    fix_ip_checksum(f);
    CHECK(frame_error(f) == DecodeError::kIpHeader);
  }
  SECTION("a first fragment (MF set) is a bad IP header") {
    set_be16(f, sizeof(wire::EtherHdr) + 6, 0x2000);
    fix_ip_checksum(f);
    CHECK(frame_error(f) == DecodeError::kIpHeader);
  }
  SECTION("a wrong IP header checksum is an IP checksum error") {
    f[sizeof(wire::EtherHdr) + 11] ^= std::byte{1};
    CHECK(frame_error(f) == DecodeError::kIpChecksum);
  }
  SECTION("UDP is not CARP") {
    f[sizeof(wire::EtherHdr) + 9] = std::byte{17};
    fix_ip_checksum(f);
    CHECK(frame_error(f) == DecodeError::kNotCarp);
  }
  SECTION("a datagram too short for CARP is short") {
    set_be16(f, sizeof(wire::EtherHdr) + 2, 55);
    fix_ip_checksum(f);
    CHECK(frame_error(f) == DecodeError::kShort);
  }
  SECTION("TTL 64 is bad ttl") {
    f[sizeof(wire::EtherHdr) + 8] = std::byte{64};
    fix_ip_checksum(f);
    CHECK(frame_error(f) == DecodeError::kBadTtl);
  }
}

TEST_CASE("carp frame: the gratuitous ARP announces the VIP at the virtual MAC") {
  // Layout of RFC 826 / RFC 5227 announcement, FreeBSD's arp_announce_ifaddr (§3.2).
  auto want = golden::from_hex(
      "ffffffffffff 00005e000107 0806"
      "0001 0800 06 04 0001"
      "00005e000107 0a630064"
      "000000000000 0a630064");
  auto garp = build_garp_frame(7, golden::kVip);
  CHECK(std::vector<std::byte>(garp.begin(), garp.end()) == want);
}

}  // namespace
}  // namespace dpf::carp
