// Header and frame builders: byte-exact against the scapy-made golden frames of the net tests
// (tests/unit/net/golden.h, provenance there), and every checksum they leave verifies.
#include "dataplane/net/wire/build.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string_view>
#include <vector>

#include "dataplane/net/wire/checksum.h"
#include "tests/unit/net/golden.h"

using namespace dpf::wire;
namespace golden = dpf::net::golden;

namespace {

// The MACs of golden.h: R (the node) and A (host A).
constexpr MacAddr kR = {0x02, 0, 0, 0, 0, 0xfe};
constexpr MacAddr kA = {0x02, 0, 0, 0, 0, 0x01};
constexpr uint32_t kAIp = 0x0a000001;    // 10.0.0.1
constexpr uint32_t kRIp = 0x0a0000fe;    // 10.0.0.254
constexpr uint32_t kDstIp = 0xc0a80002;  // 192.168.0.2

template <size_t N>
std::vector<std::byte> frame_of(const std::array<unsigned char, N>& a) {
  std::vector<std::byte> v(N);
  for (size_t i = 0; i < N; ++i) v[i] = std::byte{a[i]};
  return v;
}

void put(std::span<std::byte> out, size_t off, std::string_view text) {
  std::memcpy(out.data() + off, text.data(), text.size());
}

}  // namespace

TEST_CASE("wire build: an ARP request matches scapy's bytes") {
  std::vector<std::byte> out(64);
  const size_t n = build_arp_frame(out, kArpOpRequest, kA, kAIp, kBroadcastMac, kZeroMac, kRIp);
  REQUIRE(n == kArpFrameLen);
  out.resize(n);
  CHECK(out == frame_of(golden::kArpRequest));
}

TEST_CASE("wire build: an ARP reply matches scapy's bytes") {
  std::vector<std::byte> out(kArpFrameLen);
  REQUIRE(build_arp_frame(out, kArpOpReply, kR, kRIp, kA, kA, kAIp) == kArpFrameLen);
  CHECK(out == frame_of(golden::kArpReply));
}

TEST_CASE("wire build: an ARP frame into a buffer one byte short builds nothing") {
  std::vector<std::byte> out(kArpFrameLen - 1, std::byte{0xaa});
  CHECK(build_arp_frame(out, kArpOpReply, kR, kRIp, kA, kA, kAIp) == 0);
  CHECK(out == std::vector<std::byte>(kArpFrameLen - 1, std::byte{0xaa}));
}

TEST_CASE("wire build: Ethernet + IPv4 + UDP match scapy's bytes and both checksums verify") {
  std::vector<std::byte> out(golden::kUdp.size());
  constexpr size_t kUdpLen = sizeof(UdpHdr) + 5;
  REQUIRE(build_ether_ipv4(out, kA, kR, {.src = kAIp, .dst = kDstIp, .proto = kIpProtoUdp, .id = 1},
                           kUdpLen) == kEtherIpv4Len);
  const auto l4 = std::span(out).subspan(kEtherIpv4Len);
  UdpHdr& udp = *header_at<UdpHdr>(l4, 0);
  write_udp(udp, 1234, 53, kUdpLen);
  put(out, kEtherIpv4Len + sizeof(UdpHdr), "hello");
  udp.check.set(l4_checksum_ipv4(kAIp, kDstIp, kIpProtoUdp, l4));
  CHECK(out == frame_of(golden::kUdp));
  CHECK(inet_checksum(std::span(out).subspan(sizeof(EtherHdr), sizeof(Ipv4Hdr))) == 0);
  CHECK(l4_checksum_ipv4(kAIp, kDstIp, kIpProtoUdp, l4) == 0);
}

TEST_CASE("wire build: a TCP PSH|ACK segment matches scapy's bytes") {
  std::vector<std::byte> out(golden::kTcpData.size());
  constexpr size_t kTcpLen = sizeof(TcpHdr) + 10;
  REQUIRE(build_ether_ipv4(out, kA, kR, {.src = kAIp, .dst = kDstIp, .proto = kIpProtoTcp, .id = 3},
                           kTcpLen) == kEtherIpv4Len);
  const auto l4 = std::span(out).subspan(kEtherIpv4Len);
  TcpHdr& tcp = *header_at<TcpHdr>(l4, 0);
  write_tcp(tcp, 40000, 80, 1001, 5001, kTcpPsh | kTcpAck, 502);
  put(out, kEtherIpv4Len + sizeof(TcpHdr), "0123456789");
  tcp.check.set(l4_checksum_ipv4(kAIp, kDstIp, kIpProtoTcp, l4));
  CHECK(out == frame_of(golden::kTcpData));
}

TEST_CASE("wire build: an ICMP echo request matches scapy's bytes") {
  std::vector<std::byte> out(golden::kEcho.size());
  constexpr size_t kIcmpLen = sizeof(IcmpHdr) + 8;
  REQUIRE(build_ether_ipv4(out, kA, kR, {.src = kAIp, .dst = kRIp, .proto = kIpProtoIcmp, .id = 4},
                           kIcmpLen) == kEtherIpv4Len);
  const auto l4 = std::span(out).subspan(kEtherIpv4Len);
  IcmpHdr& icmp = *header_at<IcmpHdr>(l4, 0);
  write_icmp(icmp, kIcmpEcho, 0, 0x1234 << 16 | 1);
  put(out, kEtherIpv4Len + sizeof(IcmpHdr), "abcdefgh");
  icmp.check.set(inet_checksum(l4));
  CHECK(out == frame_of(golden::kEcho));
}

TEST_CASE("wire build: a VLAN-tagged UDP datagram matches scapy's bytes") {
  std::vector<std::byte> out(golden::kVlanUdp.size());
  constexpr size_t kIpOff = sizeof(EtherHdr) + sizeof(VlanHdr);
  constexpr size_t kL4Off = kIpOff + sizeof(Ipv4Hdr);
  constexpr size_t kUdpLen = sizeof(UdpHdr) + 1;
  write_ether(*header_at<EtherHdr>(std::span<std::byte>(out), 0), kA, kR, kEtherTypeVlan);
  write_vlan(*header_at<VlanHdr>(std::span<std::byte>(out), sizeof(EtherHdr)), 3 << 13 | 100,
             kEtherTypeIpv4);
  write_ipv4(*header_at<Ipv4Hdr>(std::span<std::byte>(out), kIpOff),
             {.src = kAIp, .dst = kDstIp, .proto = kIpProtoUdp, .id = 5}, kUdpLen);
  const auto l4 = std::span(out).subspan(kL4Off);
  UdpHdr& udp = *header_at<UdpHdr>(l4, 0);
  write_udp(udp, 5000, 6000, kUdpLen);
  put(out, kL4Off + sizeof(UdpHdr), "v");
  udp.check.set(l4_checksum_ipv4(kAIp, kDstIp, kIpProtoUdp, l4));
  CHECK(out == frame_of(golden::kVlanUdp));
}

TEST_CASE("wire build: IPv6 + UDP match scapy's bytes and the IPv6 pseudo-header sum verifies") {
  std::vector<std::byte> out(golden::kIpv6Udp.size());
  constexpr size_t kL4Off = sizeof(EtherHdr) + sizeof(Ipv6Hdr);
  constexpr size_t kUdpLen = sizeof(UdpHdr) + 3;
  const std::array<uint8_t, 16> src = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const std::array<uint8_t, 16> dst = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  write_ether(*header_at<EtherHdr>(std::span<std::byte>(out), 0), kA, kR, kEtherTypeIpv6);
  write_ipv6(*header_at<Ipv6Hdr>(std::span<std::byte>(out), sizeof(EtherHdr)), src, dst,
             kIpProtoUdp, kUdpLen, 64);
  const auto l4 = std::span(out).subspan(kL4Off);
  UdpHdr& udp = *header_at<UdpHdr>(l4, 0);
  write_udp(udp, 1, 2, kUdpLen);
  put(out, kL4Off + sizeof(UdpHdr), "six");
  udp.check.set(l4_checksum_ipv6(src, dst, kIpProtoUdp, l4));
  CHECK(out == frame_of(golden::kIpv6Udp));
  CHECK(l4_checksum_ipv6(src, dst, kIpProtoUdp, l4) == 0);
}

TEST_CASE("wire build: an ICMPv6 echo request's checksum covers the IPv6 pseudo-header") {
  // Hand-checked: echo request id 1 seq 1, no data, ::1 -> ::1. Pseudo-header sum: 1 + 1 (the
  // addresses) + 8 (length) + 58 (next header) = 0x44; ICMP words: 0x8000 + 1 + 1 = 0x8002.
  // ~(0x44 + 0x8002) = ~0x8046 = 0x7fb9.
  std::array<std::byte, sizeof(Icmpv6Hdr)> b{};
  std::array<uint8_t, 16> lo{};
  lo[15] = 1;
  Icmpv6Hdr& icmp = *header_at<Icmpv6Hdr>(std::span<std::byte>(b), 0);
  write_icmpv6(icmp, kIcmpv6EchoRequest, 0, 1 << 16 | 1);
  icmp.check.set(l4_checksum_ipv6(lo, lo, kIpProtoIcmpv6, b));
  CHECK(icmp.check.get() == 0x7fb9);
  CHECK(l4_checksum_ipv6(lo, lo, kIpProtoIcmpv6, b) == 0);
}

TEST_CASE("wire build: Ethernet + IPv4 refuses a short buffer and an oversized payload") {
  std::vector<std::byte> out(kEtherIpv4Len);
  CHECK(build_ether_ipv4(out, kA, kR, {}, kIpv4MaxDatagram - sizeof(Ipv4Hdr) + 1) == 0);
  CHECK(build_ether_ipv4(out, kA, kR, {}, kIpv4MaxDatagram - sizeof(Ipv4Hdr)) == kEtherIpv4Len);
  std::vector<std::byte> small(kEtherIpv4Len - 1);
  CHECK(build_ether_ipv4(small, kA, kR, {}, 0) == 0);
}
