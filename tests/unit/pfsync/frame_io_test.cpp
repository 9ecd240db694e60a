// Tests of pfsync's link and IP layer helpers: the headers in front of an outgoing payload and
// the checks on a received frame.
#include "dataplane/pfsync/frame_io.h"

#include <catch2/catch.hpp>
#include <cstddef>
#include <vector>

#include "dataplane/net/wire/checksum.h"

namespace dpf::pfsync {
namespace {

std::vector<std::byte> bytes(std::initializer_list<unsigned> v) {
  std::vector<std::byte> out;
  for (unsigned b : v) out.push_back(std::byte(b));
  return out;
}

constexpr wire::MacAddr kOurMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr uint32_t kOurAddr = 0xc0000201;  // 192.0.2.1

// A frame: headers for `payload_len` bytes of 0xab, then `pad` bytes of Ethernet padding.
std::vector<std::byte> frame_with(const FrameAddrs& a, size_t payload_len, size_t pad = 0) {
  std::vector<std::byte> f(wire::kEtherIpv4Len + payload_len + pad, std::byte(0xab));
  REQUIRE(build_frame_headers(f, a, payload_len, 7) == wire::kEtherIpv4Len);
  return f;
}

TEST_CASE("pfsync io: headers for the group match a hand-assembled frame byte for byte") {
  // Assembled by hand from RFC 791 and shared/specs/pfsync.md §2.1: Ethernet to 01:00:5e:00:00:f0
  // type 0x0800; IPv4 IHL 5, TOS 0x10 (IPTOS_LOWDELAY), total length 120 (20 + 100 bytes of
  // payload), id 0x1234, DF, TTL 255, proto 240, 192.0.2.1 -> 224.0.0.240. The checksum 0xc55f
  // was computed separately with Python's struct module (RFC 1071 sum of the ten 16-bit words).
  const auto expected =
      bytes({0x01, 0x00, 0x5e, 0x00, 0x00, 0xf0, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
             0x08, 0x00, 0x45, 0x10, 0x00, 0x78, 0x12, 0x34, 0x40, 0x00, 0xff, 0xf0,
             0xc5, 0x5f, 0xc0, 0x00, 0x02, 0x01, 0xe0, 0x00, 0x00, 0xf0});
  std::vector<std::byte> out(wire::kEtherIpv4Len);
  REQUIRE(build_frame_headers(out, frame_addrs(kOurMac, kOurAddr), 100, 0x1234) ==
          wire::kEtherIpv4Len);
  CHECK(out == expected);
}

TEST_CASE("pfsync io: a unicast syncpeer gets its own address and MAC") {
  const wire::MacAddr peer_mac = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
  const FrameAddrs a = frame_addrs(kOurMac, kOurAddr, 0xc0000202, peer_mac);
  const auto f = frame_with(a, 40);
  CHECK(std::vector<std::byte>(f.begin(), f.begin() + 6) ==
        bytes({0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}));
  CHECK(std::vector<std::byte>(f.begin() + 30, f.begin() + 34) == bytes({192, 0, 2, 2}));
  Stats st;
  const RxFrame r = parse_frame(f, st);
  REQUIRE(r.verdict == RxVerdict::kOk);
  CHECK(r.dst_addr == 0xc0000202);
  CHECK(r.src_addr == kOurAddr);
  CHECK(r.src_mac == kOurMac);
}

TEST_CASE("pfsync io: building refuses a buffer shorter than the headers") {
  std::vector<std::byte> out(wire::kEtherIpv4Len - 1);
  CHECK(build_frame_headers(out, FrameAddrs{}, 10, 0) == 0);
}

TEST_CASE("pfsync io: building refuses a payload that overflows the IP total length") {
  std::vector<std::byte> out(wire::kEtherIpv4Len);
  CHECK(build_frame_headers(out, FrameAddrs{}, wire::kIpv4MaxDatagram - wire::kIpv4MinHdr + 1, 0) ==
        0);
  CHECK(build_frame_headers(out, FrameAddrs{}, wire::kIpv4MaxDatagram - wire::kIpv4MinHdr, 0) ==
        wire::kEtherIpv4Len);
}

TEST_CASE("pfsync io: a received frame yields its payload without the Ethernet padding") {
  const auto f = frame_with(frame_addrs(kOurMac, kOurAddr), 12, 14);
  Stats st;
  const RxFrame r = parse_frame(f, st);
  REQUIRE(r.verdict == RxVerdict::kOk);
  CHECK(r.payload.size() == 12);
  CHECK(r.payload.data() == f.data() + wire::kEtherIpv4Len);
  CHECK(st.ipackets == 1);
  CHECK(st.badttl == 0);
}

TEST_CASE("pfsync io: a TTL other than 255 is counted as badttl and yields nothing") {
  auto f = frame_with(frame_addrs(kOurMac, kOurAddr), 20);
  f[sizeof(wire::EtherHdr) + 8] = std::byte(254);
  f[sizeof(wire::EtherHdr) + 10] = f[sizeof(wire::EtherHdr) + 11] = std::byte(0);
  const uint16_t ck = wire::inet_checksum({f.data() + sizeof(wire::EtherHdr), wire::kIpv4MinHdr});
  f[sizeof(wire::EtherHdr) + 10] = std::byte(ck >> 8);
  f[sizeof(wire::EtherHdr) + 11] = std::byte(ck & 0xff);
  Stats st;
  const RxFrame r = parse_frame(f, st);
  CHECK(r.verdict == RxVerdict::kBadTtl);
  CHECK(r.payload.empty());
  CHECK(st.ipackets == 1);
  CHECK(st.badttl == 1);
}

TEST_CASE("pfsync io: a frame with a wrong IP header checksum is refused before pfsync counts it") {
  auto f = frame_with(frame_addrs(kOurMac, kOurAddr), 20);
  f[sizeof(wire::EtherHdr) + 11] ^= std::byte(1);
  Stats st;
  CHECK(parse_frame(f, st).verdict == RxVerdict::kBadIpHeader);
  CHECK(st.ipackets == 0);
}

TEST_CASE("pfsync io: a total length beyond the frame is refused") {
  auto f = frame_with(frame_addrs(kOurMac, kOurAddr), 20);
  f.pop_back();
  Stats st;
  CHECK(parse_frame(f, st).verdict == RxVerdict::kBadIpHeader);
}

TEST_CASE("pfsync io: frames that are not IPv4 protocol 240 are told apart") {
  Stats st;
  auto arp = frame_with(frame_addrs(kOurMac, kOurAddr), 28);
  arp[12] = std::byte(0x08);
  arp[13] = std::byte(0x06);
  CHECK(parse_frame(arp, st).verdict == RxVerdict::kNotIpv4);
  CHECK(parse_frame(std::span(arp).first(13), st).verdict == RxVerdict::kNotIpv4);

  // CARP (112) with a correct checksum.
  auto carp = frame_with(frame_addrs(kOurMac, kOurAddr), 36);
  std::byte* ip = carp.data() + sizeof(wire::EtherHdr);
  ip[9] = std::byte(112);
  ip[10] = ip[11] = std::byte(0);
  const uint16_t ck = wire::inet_checksum({ip, wire::kIpv4MinHdr});
  ip[10] = std::byte(ck >> 8);
  ip[11] = std::byte(ck & 0xff);
  CHECK(parse_frame(carp, st).verdict == RxVerdict::kNotPfsync);
  CHECK(st.ipackets == 0);
}

TEST_CASE("pfsync io: fragments are refused") {
  auto f = frame_with(frame_addrs(kOurMac, kOurAddr), 24);
  std::byte* ip = f.data() + sizeof(wire::EtherHdr);
  ip[6] = std::byte(0x20);  // MF
  ip[7] = std::byte(0);
  ip[10] = ip[11] = std::byte(0);
  const uint16_t ck = wire::inet_checksum({ip, wire::kIpv4MinHdr});
  ip[10] = std::byte(ck >> 8);
  ip[11] = std::byte(ck & 0xff);
  Stats st;
  CHECK(parse_frame(f, st).verdict == RxVerdict::kFragment);
}

}  // namespace
}  // namespace dpf::pfsync
