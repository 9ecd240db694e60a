// Translation of ICMP errors quoting a translated packet: a router's time-exceeded about a NATed
// UDP or TCP packet, once translated back, must be byte for byte the error the router would have
// sent about the packet before translation, and every checksum must verify by recomputation.
#include <catch2/catch.hpp>
#include <random>

#include "dataplane/nat/rewrite.h"
#include "tests/unit/nat/packet_util.h"
#include "tests/unit/net/golden.h"
#include "tests/unit/net/test_util.h"

using namespace dpf::nat;
using namespace dpf::nat::test;
namespace wire = dpf::wire;

namespace {

constexpr uint32_t kInside = 0x0a000005;  // 10.0.0.5, behind the NAT
constexpr uint32_t kServer = 0x08080808;  // 8.8.8.8
constexpr uint32_t kPublic = 0xcb007101;  // 203.0.113.1, the NAT address
constexpr uint32_t kRouter = 0xc6336401;  // 198.51.100.1, a router on the way
constexpr uint16_t kInsidePort = 1234;
constexpr uint16_t kPublicPort = 50001;

// The outbound nat of kInside:kInsidePort to kPublic:kPublicPort, and the translation back of an
// error about it that the router sends to kPublic.
const IcmpErrorRewrite4 kBack{Side::kSource, {kInside, kInsidePort}, Side::kDestination, kInside};

// Every checksum of the ICMP error `e` verifies by full recomputation: outer header, ICMP
// message, quoted header.
void require_checksums_verify(std::span<const std::byte> e) {
  const size_t hl = ip_header_len(e);
  REQUIRE(wire::inet_checksum(e.first(hl)) == 0);
  REQUIRE(wire::inet_checksum(e.subspan(hl)) == 0);
  const std::span<const std::byte> quoted = e.subspan(hl + 8);
  REQUIRE(wire::inet_checksum(quoted.first(ip_header_len(quoted))) == 0);
}

// Builds the original packet, translates it as nat does, has the router quote `l4_bytes` of it in
// a time-exceeded, translates the error back and compares with the error about the original.
void check_round_trip(const Bytes& original, size_t l4_bytes, uint8_t type = 11) {
  Bytes translated = original;
  REQUIRE(rewrite_ipv4(translated, Side::kSource, {kPublic, kPublicPort}) == RewriteStatus::kOk);
  Bytes error = icmp_error(type, 0, kRouter, kPublic, translated, l4_bytes);
  const Bytes want = icmp_error(type, 0, kRouter, kInside, original, l4_bytes);
  require_checksums_verify(error);
  REQUIRE(rewrite_icmp_error_ipv4(error, kBack) == RewriteStatus::kOk);
  require_checksums_verify(error);
  REQUIRE(error == want);
}

}  // namespace

TEST_CASE("icmp error: a time exceeded quoting a NATed UDP packet translates back exactly") {
  std::mt19937 rng(11);
  const Bytes payload = random_bytes(rng, 64);
  const Bytes original =
      ipv4_packet(wire::kIpProtoUdp, kInside, kServer, udp_datagram(kInsidePort, 53, payload));
  SECTION("8 bytes quoted (RFC 792)") {
    check_round_trip(original, 8);
  }
  SECTION("the whole packet quoted (RFC 1812)") {
    check_round_trip(original, 72);
  }
}

TEST_CASE("icmp error: a time exceeded quoting a NATed TCP packet translates back exactly") {
  std::mt19937 rng(12);
  const Bytes payload = random_bytes(rng, 33);
  const Bytes original =
      ipv4_packet(wire::kIpProtoTcp, kInside, kServer, tcp_segment(kInsidePort, 443, payload), 2);
  SECTION("8 bytes quoted: the TCP checksum is not in the quote") {
    check_round_trip(original, 8);
  }
  SECTION("17 bytes quoted: the TCP checksum is cut in half and left alone") {
    Bytes translated = original;
    REQUIRE(rewrite_ipv4(translated, Side::kSource, {kPublic, kPublicPort}) == RewriteStatus::kOk);
    Bytes error = icmp_error(11, 0, kRouter, kPublic, translated, 17);
    const uint8_t half = std::to_integer<uint8_t>(error.back());
    REQUIRE(rewrite_icmp_error_ipv4(error, kBack) == RewriteStatus::kOk);
    require_checksums_verify(error);
    CHECK(std::to_integer<uint8_t>(error.back()) == half);
    Bytes want = icmp_error(11, 0, kRouter, kInside, original, 17);
    want.back() = std::byte{half};
    fix_checksums(want);
    CHECK(error == want);
  }
  SECTION("the whole segment quoted: its checksum is translated back too") {
    check_round_trip(original, 53);
  }
}

TEST_CASE("icmp error: a quoted UDP checksum of zero stays zero") {
  const Bytes original = ipv4_packet(wire::kIpProtoUdp, kInside, kServer,
                                     udp_datagram(kInsidePort, 53, {}), 0, /*udp_none=*/true);
  check_round_trip(original, 8);
}

TEST_CASE("icmp error: a quoted echo request gets its id and checksum translated back") {
  std::mt19937 rng(8);
  const Bytes original =
      ipv4_packet(wire::kIpProtoIcmp, kInside, kServer,
                  icmp_message(wire::kIcmpEcho, 0, kInsidePort, 7, random_bytes(rng, 56)));
  check_round_trip(original, 8);
  check_round_trip(original, 64);
}

TEST_CASE("icmp error: every error type is translated, with random quotes") {
  std::mt19937 rng(1812);
  for (const uint8_t type : {3, 4, 5, 11, 12}) {
    for (int n = 0; n < 200; ++n) {
      const uint8_t proto = std::array<uint8_t, 3>{6, 17, 1}[rng() % 3];
      const Bytes payload = random_bytes(rng, rng() % 80);
      Bytes l4 = proto == 6    ? tcp_segment(kInsidePort, static_cast<uint16_t>(rng()), payload)
                 : proto == 17 ? udp_datagram(kInsidePort, static_cast<uint16_t>(rng()), payload)
                               : icmp_message(wire::kIcmpEcho, 0, kInsidePort, 1, payload);
      const Bytes original = ipv4_packet(proto, kInside, kServer, l4, rng() % 11, rng() % 4 == 0);
      CAPTURE(type, n, proto);
      size_t quoted = 8 + rng() % 100;
      if (quoted == 17) quoted = 18;  // a half-quoted TCP checksum has its own case above
      check_round_trip(original, quoted, type);
    }
  }
}

TEST_CASE(
    "icmp error: an error about a packet towards a redirected server translates its "
    "destination and the error's source") {
  // rdr 203.0.113.1:80 -> 10.0.0.5:8080: the server answers a client's packet with a port
  // unreachable; on its way out the quoted destination and the error's source become public.
  const uint32_t client = 0xc0000201;  // 192.0.2.1
  const Bytes seen_by_server = ipv4_packet(wire::kIpProtoUdp, client, kInside,
                                           udp_datagram(40000, 8080, Bytes(10, std::byte{1})));
  Bytes sent_by_client = seen_by_server;
  REQUIRE(rewrite_ipv4(sent_by_client, Side::kDestination, {kPublic, 80}) == RewriteStatus::kOk);
  Bytes error = icmp_error(3, 3, kInside, client, seen_by_server, 8);
  const Bytes want = icmp_error(3, 3, kPublic, client, sent_by_client, 8);
  const IcmpErrorRewrite4 out{Side::kDestination, {kPublic, 80}, Side::kSource, kPublic};
  REQUIRE(rewrite_icmp_error_ipv4(error, out) == RewriteStatus::kOk);
  require_checksums_verify(error);
  CHECK(error == want);
}

TEST_CASE("icmp error: a quote cut short is refused and the error left untouched") {
  const Bytes original =
      ipv4_packet(wire::kIpProtoUdp, kInside, kServer, udp_datagram(kInsidePort, 53, {}), 1);
  const Bytes error = icmp_error(11, 0, kRouter, kPublic, original, 8);
  // Outer header 20 + ICMP 8 + quoted header 24 + quoted UDP 8.
  for (size_t len = 0; len < error.size(); ++len) {
    Bytes cut(error.begin(), error.begin() + static_cast<ptrdiff_t>(len));
    const Bytes before = cut;
    CAPTURE(len);
    REQUIRE(rewrite_icmp_error_ipv4(cut, kBack) == RewriteStatus::kShort);
    REQUIRE(cut == before);
  }
  Bytes whole = error;
  CHECK(rewrite_icmp_error_ipv4(whole, kBack) == RewriteStatus::kOk);
}

TEST_CASE("icmp error: queries, non-ICMP packets and quoted later fragments are refused") {
  const Bytes echo =
      ipv4_packet(wire::kIpProtoIcmp, kInside, kServer, icmp_message(wire::kIcmpEcho, 0, 1, 1, {}));
  Bytes e = echo;
  CHECK(rewrite_icmp_error_ipv4(e, kBack) == RewriteStatus::kNotIcmpError);
  Bytes udp = ipv4_packet(wire::kIpProtoUdp, kInside, kServer, udp_datagram(1, 2, {}));
  CHECK(rewrite_icmp_error_ipv4(udp, kBack) == RewriteStatus::kNotIcmpError);

  Bytes frag = ipv4_packet(wire::kIpProtoUdp, kInside, kServer, Bytes(16, std::byte{0}));
  put16(frag, 6, 10);
  fix_checksums(frag, true);
  Bytes error = icmp_error(11, 1, kRouter, kPublic, frag, 8);
  const Bytes before = error;
  CHECK(rewrite_icmp_error_ipv4(error, kBack) == RewriteStatus::kFragment);
  CHECK(error == before);

  Bytes bad_inner = icmp_error(11, 0, kRouter, kPublic, udp, 8);
  bad_inner[28] = std::byte{0x65};  // quoted version 6
  CHECK(rewrite_icmp_error_ipv4(bad_inner, kBack) == RewriteStatus::kBadHeader);
}

TEST_CASE("icmp error: scapy's time exceeded quoting a whole UDP datagram translates and back") {
  // tests/unit/net/golden.h kTimeExceeded (scapy 2.5): 10.0.0.254 -> 10.0.0.1, quoting the whole
  // of kUdp (10.0.0.1:1234 -> 192.168.0.2:53). Taken as an error about a NATed packet whose
  // inside end was 172.16.0.9:4321.
  const Bytes f = dpf::net::test::frame_of(dpf::net::golden::kTimeExceeded);
  const Bytes original(f.begin() + 14, f.end());
  const uint32_t host = 0xac100009;
  Bytes e = original;
  REQUIRE(rewrite_icmp_error_ipv4(e, {Side::kSource, {host, 4321}, Side::kDestination, host}) ==
          RewriteStatus::kOk);
  require_checksums_verify(e);
  CHECK(get32(e, 16) == host);
  CHECK(get32(e, 28 + 12) == host);
  CHECK(get16(e, 48) == 4321);
  // The whole datagram is quoted: its UDP checksum verifies by recomputation too.
  const std::span<const std::byte> udp = std::span<const std::byte>(e).subspan(48);
  CHECK(wire::l4_checksum_ipv4(host, get32(e, 28 + 16), wire::kIpProtoUdp, udp) == 0);
  REQUIRE(rewrite_icmp_error_ipv4(
              e, {Side::kSource, {0x0a000001, 1234}, Side::kDestination, 0x0a000001}) ==
          RewriteStatus::kOk);
  CHECK(e == original);
}
