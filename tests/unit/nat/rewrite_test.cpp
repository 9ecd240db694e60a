// Address and port rewrite of IPv4 TCP, UDP and ICMP echo packets: every incremental checksum
// update is compared with a full recomputation over random packets (fixed seeds), and packets
// too short for the header being rewritten are left untouched.
#include "dataplane/nat/rewrite.h"

#include <catch2/catch.hpp>
#include <random>

#include "tests/unit/nat/packet_util.h"
#include "tests/unit/net/golden.h"
#include "tests/unit/net/test_util.h"

using namespace dpf::nat;
using namespace dpf::nat::test;
namespace wire = dpf::wire;

namespace {

constexpr uint32_t kInside = 0x0a000005;  // 10.0.0.5
constexpr uint32_t kServer = 0x08080808;  // 8.8.8.8
constexpr uint32_t kPublic = 0xcb007101;  // 203.0.113.1

// A random packet of protocol `proto` with random addresses, ports, options and payload.
Bytes random_packet(std::mt19937& rng, uint8_t proto, bool udp_none = false) {
  const Bytes payload = random_bytes(rng, rng() % 120);
  const auto port = [&] { return static_cast<uint16_t>(rng()); };
  Bytes l4;
  if (proto == wire::kIpProtoTcp) {
    l4 = tcp_segment(port(), port(), payload);
  } else if (proto == wire::kIpProtoUdp) {
    l4 = udp_datagram(port(), port(), payload);
  } else {
    const uint8_t type = rng() % 2 ? wire::kIcmpEcho : wire::kIcmpEchoReply;
    l4 = icmp_message(type, 0, port(), port(), payload);
  }
  return ipv4_packet(proto, static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()), l4,
                     rng() % 11, udp_none);
}

// What the rewrite must produce: the fields set directly and every checksum recomputed in full.
Bytes expected_rewrite(Bytes p, Side side, Endpoint4 to, bool udp_none = false) {
  const std::span<std::byte> s(p);
  const size_t hl = ip_header_len(s);
  const uint8_t proto = std::to_integer<uint8_t>(p[9]);
  put32(s, side == Side::kSource ? 12 : 16, to.addr);
  if (proto == wire::kIpProtoIcmp) {
    put16(s, hl + 4, to.port);
  } else {
    put16(s, hl + (side == Side::kSource ? 0 : 2), to.port);
  }
  fix_checksums(p, udp_none);
  return p;
}

Endpoint4 random_endpoint(std::mt19937& rng) {
  return {static_cast<uint32_t>(rng()), static_cast<uint16_t>(rng())};
}

}  // namespace

TEST_CASE("rewrite: address and port (TCP, UDP) or echo id (ICMP) equal a full recomputation") {
  // One fixed seed per protocol: 3000 random packets each, both sides.
  const auto [proto, seed] = GENERATE(table<uint8_t, uint32_t>(
      {{wire::kIpProtoTcp, 793}, {wire::kIpProtoUdp, 768}, {wire::kIpProtoIcmp, 792}}));
  CAPTURE(proto);
  std::mt19937 rng(seed);
  for (int n = 0; n < 3000; ++n) {
    Bytes p = random_packet(rng, proto);
    const Side side = rng() % 2 ? Side::kSource : Side::kDestination;
    const Endpoint4 to = random_endpoint(rng);
    const Bytes want = expected_rewrite(p, side, to);
    CAPTURE(n);
    REQUIRE(rewrite_ipv4(p, side, to) == RewriteStatus::kOk);
    REQUIRE(p == want);
  }
}

TEST_CASE("rewrite: a UDP checksum of zero stays zero") {
  std::mt19937 rng(0);
  for (int n = 0; n < 200; ++n) {
    Bytes p = random_packet(rng, wire::kIpProtoUdp, /*udp_none=*/true);
    const Endpoint4 to = random_endpoint(rng);
    const Bytes want = expected_rewrite(p, Side::kSource, to, /*udp_none=*/true);
    REQUIRE(rewrite_ipv4(p, Side::kSource, to) == RewriteStatus::kOk);
    REQUIRE(get16(p, ip_header_len(p) + 6) == 0);
    REQUIRE(p == want);
  }
}

TEST_CASE("rewrite: a UDP checksum that updates to zero is written 0xffff") {
  const Bytes payload{std::byte{0x12}, std::byte{0x34}, std::byte{0x56}};
  Bytes p = ipv4_packet(wire::kIpProtoUdp, kInside, kServer, udp_datagram(1234, 53, payload));
  // The port for which the full sum comes out 0xffff, i.e. a computed checksum of 0.
  uint16_t zero_port = 0;
  bool found = false;
  for (uint32_t port = 0; port <= 0xffff && !found; ++port) {
    Bytes q = p;
    put16(q, 20, static_cast<uint16_t>(port));
    put32(q, 12, kPublic);
    put16(q, 26, 0);
    if (wire::l4_checksum_ipv4(kPublic, kServer, wire::kIpProtoUdp,
                               std::span<const std::byte>(q).subspan(20)) == 0) {
      zero_port = static_cast<uint16_t>(port);
      found = true;
    }
  }
  REQUIRE(found);
  REQUIRE(rewrite_ipv4(p, Side::kSource, {kPublic, zero_port}) == RewriteStatus::kOk);
  CHECK(get16(p, 26) == 0xffff);
  CHECK(wire::l4_checksum_ipv4(kPublic, kServer, wire::kIpProtoUdp,
                               std::span<const std::byte>(p).subspan(20)) == 0);
}

TEST_CASE("rewrite: a packet cut inside the IP or L4 header is refused and left untouched") {
  std::mt19937 rng(1);
  for (const uint8_t proto : {wire::kIpProtoTcp, wire::kIpProtoUdp, wire::kIpProtoIcmp}) {
    const Bytes full = random_packet(rng, proto);
    const size_t hl = ip_header_len(full);
    const size_t need = hl + (proto == wire::kIpProtoTcp ? 20 : 8);
    for (size_t len = 0; len < need; ++len) {
      // A buffer of exactly `len` bytes, so that a sanitizer build catches any read past it.
      Bytes cut(full.begin(), full.begin() + static_cast<ptrdiff_t>(len));
      const Bytes before = cut;
      CAPTURE(proto, len);
      REQUIRE(rewrite_ipv4(cut, Side::kSource, {kPublic, 50001}) == RewriteStatus::kShort);
      REQUIRE(cut == before);
    }
  }
}

TEST_CASE("rewrite: a total length that ends inside the L4 header is refused") {
  Bytes p = ipv4_packet(wire::kIpProtoTcp, kInside, kServer, tcp_segment(1234, 80, {}));
  put16(p, 2, 30);  // the IP header and 10 bytes of TCP
  const Bytes before = p;
  CHECK(rewrite_ipv4(p, Side::kSource, {kPublic, 50001}) == RewriteStatus::kShort);
  CHECK(p == before);
}

TEST_CASE("rewrite: bytes past the total length (Ethernet padding) are not touched") {
  Bytes p = ipv4_packet(wire::kIpProtoUdp, kInside, kServer, udp_datagram(1234, 53, {}));
  const Bytes want_body = expected_rewrite(p, Side::kSource, {kPublic, 50001});
  p.resize(60, std::byte{0xee});
  REQUIRE(rewrite_ipv4(p, Side::kSource, {kPublic, 50001}) == RewriteStatus::kOk);
  CHECK(Bytes(p.begin(), p.begin() + 28) == want_body);
  CHECK(std::all_of(p.begin() + 28, p.end(), [](std::byte b) { return b == std::byte{0xee}; }));
}

TEST_CASE("rewrite: a header that is not IPv4 or is shorter than 20 bytes is refused") {
  const Bytes good = ipv4_packet(wire::kIpProtoUdp, kInside, kServer, udp_datagram(1, 2, {}));
  Bytes v6 = good;
  v6[0] = std::byte{0x65};
  CHECK(rewrite_ipv4(v6, Side::kSource, {kPublic, 1}) == RewriteStatus::kBadHeader);
  Bytes ihl4 = good;
  ihl4[0] = std::byte{0x44};
  CHECK(rewrite_ipv4(ihl4, Side::kSource, {kPublic, 1}) == RewriteStatus::kBadHeader);
  Bytes total = good;
  put16(total, 2, 19);
  CHECK(rewrite_ipv4(total, Side::kSource, {kPublic, 1}) == RewriteStatus::kBadHeader);
}

TEST_CASE("rewrite: a non-first fragment gets its address only") {
  const Bytes payload(40, std::byte{0x5a});
  Bytes p = ipv4_packet(wire::kIpProtoUdp, kInside, kServer, payload);  // no UDP header in it
  put16(p, 6, 185);                                                     // offset 1480 bytes
  fix_checksums(p, true);
  Bytes want = p;
  put32(want, 12, kPublic);
  fix_checksums(want, true);
  REQUIRE(rewrite_ipv4(p, Side::kSource, {kPublic, 50001}) == RewriteStatus::kAddressOnly);
  CHECK(p == want);
}

TEST_CASE("rewrite: other protocols and ICMP other than echo get their address only") {
  std::mt19937 rng(47);
  const Bytes gre = random_bytes(rng, 24);
  Bytes p = ipv4_packet(47, kInside, kServer, gre);
  Bytes want = p;
  put32(want, 16, kPublic);
  fix_checksums(want);
  REQUIRE(rewrite_ipv4(p, Side::kDestination, {kPublic, 8080}) == RewriteStatus::kAddressOnly);
  CHECK(p == want);

  Bytes ts = ipv4_packet(wire::kIpProtoIcmp, kInside, kServer,
                         icmp_message(wire::kIcmpTimestamp, 0, 77, 1, random_bytes(rng, 12)));
  Bytes want_ts = ts;
  put32(want_ts, 12, kPublic);
  fix_checksums(want_ts);
  REQUIRE(rewrite_ipv4(ts, Side::kSource, {kPublic, 8080}) == RewriteStatus::kAddressOnly);
  CHECK(ts == want_ts);
}

TEST_CASE("rewrite: a first fragment's L4 checksum is updated for the whole datagram") {
  // The checksum covers the reassembled datagram; an incremental update stays right for it.
  std::mt19937 rng(3);
  const Bytes payload = random_bytes(rng, 100);
  Bytes whole = ipv4_packet(wire::kIpProtoUdp, kInside, kServer, udp_datagram(1234, 53, payload));
  Bytes first(whole.begin(), whole.begin() + 20 + 48);
  put16(first, 2, 68);
  put16(first, 6, wire::kIpv4FlagMf);
  put16(first, 10, 0);
  put16(first, 10, wire::inet_checksum(std::span<const std::byte>(first).first(20)));
  REQUIRE(rewrite_ipv4(first, Side::kSource, {kPublic, 50001}) == RewriteStatus::kOk);
  const Bytes want = expected_rewrite(whole, Side::kSource, {kPublic, 50001});
  CHECK(get16(first, 26) == get16(want, 26));
  CHECK(wire::inet_checksum(std::span<const std::byte>(first).first(20)) == 0);
}

TEST_CASE(
    "rewrite: scapy-made packets translate as recomputation says, and back to scapy's bytes") {
  // tests/unit/net/golden.h (scapy 2.5): UDP, TCP SYN with MSS, TCP data, ICMP echo, UDP with a
  // record-route option. The Ethernet header is dropped.
  const std::vector<Bytes> frames = {
      dpf::net::test::frame_of(dpf::net::golden::kUdp),
      dpf::net::test::frame_of(dpf::net::golden::kTcpSyn),
      dpf::net::test::frame_of(dpf::net::golden::kTcpData),
      dpf::net::test::frame_of(dpf::net::golden::kEcho),
      dpf::net::test::frame_of(dpf::net::golden::kIpOptionsUdp),
  };
  for (const Bytes& f : frames) {
    const Bytes original(f.begin() + 14, f.end());
    const size_t hl = ip_header_len(original);
    const bool icmp = std::to_integer<uint8_t>(original[9]) == wire::kIpProtoIcmp;
    for (const Side side : {Side::kSource, Side::kDestination}) {
      const size_t addr_off = side == Side::kSource ? 12 : 16;
      const size_t port_off = hl + (icmp ? 4 : side == Side::kSource ? 0 : 2);
      const Endpoint4 back{get32(original, addr_off), get16(original, port_off)};
      Bytes p = original;
      REQUIRE(rewrite_ipv4(p, side, {kPublic, 50001}) == RewriteStatus::kOk);
      REQUIRE(p == expected_rewrite(original, side, {kPublic, 50001}));
      REQUIRE(rewrite_ipv4(p, side, back) == RewriteStatus::kOk);
      REQUIRE(p == original);
    }
  }
}
