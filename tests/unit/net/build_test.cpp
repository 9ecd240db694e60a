// Builders: byte-exact against scapy-made golden frames (golden.h), and everything they build
// parses back with checksums that verify.
#include "dataplane/net/build.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "dataplane/net/wire/checksum.h"
#include "tests/unit/net/golden.h"
#include "tests/unit/net/test_util.h"

using namespace dpf::net;
using namespace dpf::wire;
using dpf::net::test::fix_ip_checksum;
using dpf::net::test::frame_of;
using dpf::net::test::ip_of;

namespace {

constexpr MacAddr kHostA = {0x02, 0, 0, 0, 0, 0x01};
constexpr MacAddr kNode = {0x02, 0, 0, 0, 0, 0xfe};
constexpr uint32_t kHostAIp = 0x0a000001;  // 10.0.0.1
constexpr uint32_t kNodeIp = 0x0a0000fe;   // 10.0.0.254

PacketInfo parsed(std::span<const std::byte> f) {
  PacketInfo info{};
  DropReason why = DropReason::kCount;
  REQUIRE(parse_frame(f, info, why));
  return info;
}

// The ICMP or TCP checksum of a parsed frame verifies.
bool l4_verifies(std::span<const std::byte> f, const PacketInfo& info) {
  const auto l4 = f.subspan(info.l4_off, info.l4_len);
  if (info.proto == kIpProtoIcmp) return inet_checksum(l4) == 0;
  return l4_checksum_ipv4(info.src, info.dst, info.proto, l4) == 0;
}

}  // namespace

TEST_CASE("build: ICMP time exceeded for a small datagram quotes it whole, as scapy does") {
  const auto offending = frame_of(golden::kUdp);
  std::vector<std::byte> out(kIcmpErrorMaxFrameLen);
  const size_t n = build_icmp_error(out, kNode, kHostA, kNodeIp,
                                    std::span<const std::byte>(offending).subspan(14),
                                    kIcmpTimeExceeded, kIcmpTimeExceededTtl);
  REQUIRE(n == golden::kTimeExceeded.size());
  out.resize(n);
  CHECK(out == frame_of(golden::kTimeExceeded));
  const PacketInfo info = parsed(out);
  CHECK(info.icmp_type == kIcmpTimeExceeded);
  CHECK(l4_verifies(out, info));
}

TEST_CASE("build: an ICMP error about a large datagram is exactly 576 bytes of IP") {
  std::vector<std::byte> big(14 + 1500);
  for (size_t i = 0; i < big.size(); ++i) big[i] = std::byte{static_cast<uint8_t>(i * 7)};
  auto udp = frame_of(golden::kUdp);
  std::copy(udp.begin(), udp.begin() + 34, big.begin());
  ip_of(big).total_len.set(1500);
  fix_ip_checksum(big);
  std::vector<std::byte> out(2000);
  const size_t n =
      build_icmp_error(out, kNode, kHostA, kNodeIp, std::span<const std::byte>(big).subspan(14),
                       kIcmpUnreach, kIcmpUnreachNeedFrag, 1400);
  REQUIRE(n == 14 + 576);
  out.resize(n);
  const PacketInfo info = parsed(out);
  CHECK(info.ip_total_len == 576);
  CHECK(info.ttl == 64);
  CHECK(info.dst == kHostAIp);
  CHECK(info.src == kNodeIp);
  CHECK(l4_verifies(out, info));
  const IcmpHdr& icmp = *header_at<IcmpHdr>(std::span<const std::byte>(out), info.l4_off);
  CHECK(icmp.seq.get() == 1400);  // next-hop MTU in the low half of the rest of header
  CHECK(std::equal(out.begin() + 42, out.end(), big.begin() + 14));
}

TEST_CASE("build: an ICMP error may be built over the offending frame itself") {
  const auto offending = frame_of(golden::kUdp);
  std::vector<std::byte> separate(kIcmpErrorMaxFrameLen);
  const size_t n =
      build_icmp_error(separate, kNode, kHostA, kNodeIp,
                       std::span<const std::byte>(offending).subspan(14), kIcmpTimeExceeded, 0);
  std::vector<std::byte> inplace = offending;
  inplace.resize(kIcmpErrorMaxFrameLen);
  const std::span<std::byte> buf(inplace);
  REQUIRE(build_icmp_error(buf, kNode, kHostA, kNodeIp, buf.subspan(14, offending.size() - 14),
                           kIcmpTimeExceeded, 0) == n);
  CHECK(std::equal(separate.begin(), separate.begin() + n, inplace.begin()));
}

TEST_CASE("build: an ICMP error refuses a short buffer or a datagram that is not IPv4") {
  const auto offending = frame_of(golden::kUdp);
  const auto dgram = std::span<const std::byte>(offending).subspan(14);
  std::vector<std::byte> small(golden::kTimeExceeded.size() - 1);
  CHECK(build_icmp_error(small, kNode, kHostA, kNodeIp, dgram, kIcmpTimeExceeded, 0) == 0);
  std::vector<std::byte> out(kIcmpErrorMaxFrameLen);
  CHECK(build_icmp_error(out, kNode, kHostA, kNodeIp, dgram.first(19), kIcmpTimeExceeded, 0) == 0);
  auto v6 = frame_of(golden::kIpv6Udp);
  CHECK(build_icmp_error(out, kNode, kHostA, kNodeIp, std::span<const std::byte>(v6).subspan(14),
                         kIcmpTimeExceeded, 0) == 0);
}

TEST_CASE("build: ICMP errors are allowed for unicast datagrams and ICMP queries only") {
  CHECK(icmp_error_allowed(parsed(frame_of(golden::kUdp))));
  CHECK(icmp_error_allowed(parsed(frame_of(golden::kEcho))));
  CHECK(icmp_error_allowed(parsed(frame_of(golden::kFirstFragment))));
  CHECK_FALSE(icmp_error_allowed(parsed(frame_of(golden::kTimeExceeded))));  // an ICMP error
  CHECK_FALSE(icmp_error_allowed(parsed(frame_of(golden::kLaterFragment))));
  CHECK_FALSE(icmp_error_allowed(parsed(frame_of(golden::kArpRequest))));
  CHECK_FALSE(icmp_error_allowed(parsed(frame_of(golden::kIpv6Udp))));

  auto l2_bcast = frame_of(golden::kUdp);
  std::fill(l2_bcast.begin(), l2_bcast.begin() + 6, std::byte{0xff});
  CHECK_FALSE(icmp_error_allowed(parsed(l2_bcast)));
  for (const uint32_t dst : {kIpv4Broadcast, 0xe0000001u}) {
    auto f = frame_of(golden::kUdp);
    ip_of(f).dst.set(dst);
    fix_ip_checksum(f);
    CHECK_FALSE(icmp_error_allowed(parsed(f)));
  }
  auto unknown_icmp = frame_of(golden::kEcho);
  unknown_icmp[34] = std::byte{42};
  CHECK_FALSE(icmp_error_allowed(parsed(unknown_icmp)));
}

TEST_CASE("build: an echo request becomes scapy's echo reply in place") {
  auto f = frame_of(golden::kEcho);
  const PacketInfo info = parsed(f);
  REQUIRE(make_echo_reply_in_place(f, info));
  CHECK(f == frame_of(golden::kEchoReply));
}

TEST_CASE("build: an echo request with TTL 1 gets a reply with TTL 64 that verifies") {
  // kEcho with TTL 1: the reply has TTL 64 and a fresh header checksum.
  auto f = frame_of(golden::kEcho);
  ip_of(f).ttl = 1;
  fix_ip_checksum(f);
  const PacketInfo info = parsed(f);
  REQUIRE(make_echo_reply_in_place(f, info));
  const PacketInfo reply = parsed(f);
  CHECK(reply.ttl == 64);
  CHECK(reply.icmp_type == kIcmpEchoReply);
  CHECK(reply.src == kNodeIp);
  CHECK(l4_verifies(f, reply));
}

namespace {

// An echo request from 10.0.0.1 to the node whose ICMP message is type 8 and zeros apart from
// the checksum field, which is `check`; the first data word is chosen so that it verifies.
std::vector<std::byte> echo_with_checksum(uint16_t check) {
  auto f = frame_of(golden::kEcho);
  const PacketInfo info = parsed(f);
  auto icmp = std::span<std::byte>(f).subspan(info.l4_off, info.l4_len);
  std::fill(icmp.begin() + 1, icmp.end(), std::byte{0});
  // One's complement sum of the type word and `check`; the data word is its complement, so that
  // the message sums to 0xffff (-0) and verifies.
  uint32_t s = uint32_t{kIcmpEcho} << 8;
  s += check;
  s = (s & 0xffffu) + (s >> 16);
  const auto data = static_cast<uint16_t>(~s);
  header_at<IcmpHdr>(icmp, 0)->check.set(check);
  icmp[8] = std::byte{static_cast<uint8_t>(data >> 8)};
  icmp[9] = std::byte{static_cast<uint8_t>(data)};
  return f;
}

}  // namespace

TEST_CASE("build: the echo reply's checksum equals a full recomputation for all 65536 values") {
  unsigned mismatches = 0;
  for (uint32_t c = 0; c <= 0xffff; ++c) {
    auto f = echo_with_checksum(static_cast<uint16_t>(c));
    const PacketInfo info = parsed(f);
    if (!make_echo_reply_in_place(f, info)) FAIL("no reply to the request with checksum " << c);
    auto icmp = std::span<std::byte>(f).subspan(info.l4_off, info.l4_len);
    const uint16_t got = header_at<IcmpHdr>(icmp, 0)->check.get();
    header_at<IcmpHdr>(icmp, 0)->check.set(0);
    const uint16_t full = inet_checksum(icmp);
    if (got != full) {
      ++mismatches;
      UNSCOPED_INFO("request checksum " << c << ": reply " << got << ", full " << full);
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("build: an echo request whose reply is all zeros gets checksum 0xffff (fuzzer find)") {
  // Found by the parse_frame fuzzer (tests/fuzz/net/corpus/net_parse_frame/echo_zero_reply.bin):
  // 10.0.0.1 -> 10.0.0.254, ICMP 08 00 f7 ff and 12 zero bytes; the reply sums to +0.
  const std::vector<uint8_t> raw = {
      0x02, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
      0x00, 0x00, 0x24, 0x00, 0x04, 0x00, 0x00, 0x40, 0x01, 0x65, 0xd7, 0x0a, 0x00, 0x00, 0x01,
      0x0a, 0x00, 0x00, 0xfe, 0x08, 0x00, 0xf7, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x54, 0x35, 0x12, 0x34,
      0x00, 0x01, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68};
  std::vector<std::byte> f(raw.size());
  std::transform(raw.begin(), raw.end(), f.begin(), [](uint8_t b) { return std::byte{b}; });
  const PacketInfo info = parsed(f);
  REQUIRE(make_echo_reply_in_place(f, info));
  const PacketInfo reply = parsed(f);
  CHECK(reply.icmp_type == kIcmpEchoReply);
  CHECK(l4_verifies(f, reply));
}

TEST_CASE("build: no echo reply for a bad ICMP checksum, a non-echo or a broadcast request") {
  auto bad = frame_of(golden::kEcho);
  bad.back() ^= std::byte{0x01};
  const auto bad_before = bad;
  CHECK_FALSE(make_echo_reply_in_place(bad, parsed(bad)));
  CHECK(bad == bad_before);

  auto udp = frame_of(golden::kUdp);
  CHECK_FALSE(make_echo_reply_in_place(udp, parsed(udp)));

  auto bcast = frame_of(golden::kEcho);
  std::fill(bcast.begin(), bcast.begin() + 6, std::byte{0xff});
  CHECK_FALSE(make_echo_reply_in_place(bcast, parsed(bcast)));

  auto ip_bcast = frame_of(golden::kEcho);
  ip_of(ip_bcast).dst.set(kIpv4Broadcast);
  fix_ip_checksum(ip_bcast);
  CHECK_FALSE(make_echo_reply_in_place(ip_bcast, parsed(ip_bcast)));
}

TEST_CASE("build: the RST for a segment with ACK takes its sequence from that ACK") {
  const PacketInfo info = parsed(frame_of(golden::kTcpData));
  std::vector<std::byte> out(128);
  const size_t n = build_tcp_rst(out, kNode, kHostA, info);
  REQUIRE(n == kTcpRstFrameLen);
  out.resize(n);
  CHECK(out == frame_of(golden::kRstForData));
  const PacketInfo rst = parsed(out);
  CHECK(rst.tcp_flags == kTcpRst);
  CHECK(rst.tcp_seq == 5001);
  CHECK(l4_verifies(out, rst));
}

TEST_CASE("build: the RST for a SYN acknowledges the SYN") {
  const PacketInfo info = parsed(frame_of(golden::kTcpSyn));
  std::vector<std::byte> out(kTcpRstFrameLen);
  REQUIRE(build_tcp_rst(out, kNode, kHostA, info) == kTcpRstFrameLen);
  CHECK(out == frame_of(golden::kRstForSyn));
  const PacketInfo rst = parsed(out);
  CHECK(rst.tcp_flags == (kTcpRst | kTcpAck));
  CHECK(rst.tcp_seq == 0);
  CHECK(rst.tcp_ack == 1001);
}

TEST_CASE("build: the RST for a FIN without ACK counts payload and FIN") {
  PacketInfo info = parsed(frame_of(golden::kTcpData));  // 10 bytes of payload
  info.tcp_flags = kTcpFin | kTcpPsh;
  std::vector<std::byte> out(kTcpRstFrameLen);
  REQUIRE(build_tcp_rst(out, kNode, kHostA, info) == kTcpRstFrameLen);
  CHECK(parsed(out).tcp_ack == 1001 + 10 + 1);
}

TEST_CASE("build: no RST for a RST, a non-TCP packet, a fragment or a short buffer") {
  PacketInfo rst = parsed(frame_of(golden::kTcpData));
  rst.tcp_flags = kTcpRst | kTcpAck;
  std::vector<std::byte> out(kTcpRstFrameLen);
  CHECK(build_tcp_rst(out, kNode, kHostA, rst) == 0);
  CHECK(build_tcp_rst(out, kNode, kHostA, parsed(frame_of(golden::kUdp))) == 0);
  PacketInfo frag = parsed(frame_of(golden::kTcpData));
  frag.fragment = true;
  CHECK(build_tcp_rst(out, kNode, kHostA, frag) == 0);
  std::vector<std::byte> small(kTcpRstFrameLen - 1);
  CHECK(build_tcp_rst(small, kNode, kHostA, parsed(frame_of(golden::kTcpData))) == 0);
}

TEST_CASE("build: an echo reply to a VLAN-tagged request keeps the tag") {
  // kEcho with an 802.1Q tag (VLAN 100) inserted after the MAC addresses.
  const std::array<std::byte, 4> tag = {std::byte{0x81}, std::byte{0x00}, std::byte{0x00},
                                        std::byte{0x64}};
  auto f = frame_of(golden::kEcho);
  f.insert(f.begin() + 12, tag.begin(), tag.end());
  auto expect = frame_of(golden::kEchoReply);
  expect.insert(expect.begin() + 12, tag.begin(), tag.end());
  const PacketInfo info = parsed(f);
  REQUIRE(info.has_vlan);
  REQUIRE(make_echo_reply_in_place(f, info));
  CHECK(f == expect);
}
