// parse_frame: each good protocol fills PacketInfo as the golden frame says, and each malformed
// variant is refused with its DropReason. Golden frames: golden.h (scapy, see make_golden.py).
#include "dataplane/net/parse.h"

#include <catch2/catch.hpp>

#include "tests/unit/net/golden.h"
#include "tests/unit/net/test_util.h"

using namespace dpf::net;
using namespace dpf::wire;
using dpf::net::test::fix_ip_checksum;
using dpf::net::test::frame_of;
using dpf::net::test::ip_of;

namespace {

struct Result {
  bool ok;
  PacketInfo info;
  DropReason why;
};

Result parse(std::span<const std::byte> f) {
  Result r{};
  r.why = DropReason::kCount;
  r.ok = parse_frame(f, r.info, r.why);
  return r;
}

DropReason reason_of(std::span<const std::byte> f) {
  const Result r = parse(f);
  REQUIRE_FALSE(r.ok);
  return r.why;
}

constexpr uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d;
}

constexpr size_t kL4 = sizeof(EtherHdr) + sizeof(Ipv4Hdr);  // L4 offset of an option-less frame

}  // namespace

TEST_CASE("parse: a UDP datagram fills addresses, ports, lengths and offsets") {
  const auto f = frame_of(golden::kUdp);
  const Result r = parse(f);
  REQUIRE(r.ok);
  CHECK(r.info.l3 == L3Kind::kIpv4);
  CHECK(r.info.ethertype == kEtherTypeIpv4);
  CHECK(r.info.l3_off == 14);
  CHECK(r.info.l3_len == 20);
  CHECK(r.info.ip_total_len == 33);
  CHECK(r.info.l4_off == 34);
  CHECK(r.info.l4_len == 13);
  CHECK(r.info.proto == kIpProtoUdp);
  CHECK(r.info.ttl == 64);
  CHECK(r.info.tos == 0);
  CHECK(r.info.src == ip4(10, 0, 0, 1));
  CHECK(r.info.dst == ip4(192, 168, 0, 2));
  CHECK(r.info.sport == 1234);
  CHECK(r.info.dport == 53);
  CHECK(r.info.l4_valid);
  CHECK_FALSE(r.info.fragment);
  CHECK(r.info.first_fragment);
  CHECK_FALSE(r.info.has_vlan);
  CHECK_FALSE(r.info.l2_broadcast);
  CHECK_FALSE(r.info.l2_multicast);
}

TEST_CASE("parse: a TCP SYN fills flags, sequence, window and header length with options") {
  const Result r = parse(frame_of(golden::kTcpSyn));
  REQUIRE(r.ok);
  CHECK(r.info.proto == kIpProtoTcp);
  CHECK(r.info.ttl == 63);
  CHECK(r.info.tos == 0x10);
  CHECK(r.info.sport == 40000);
  CHECK(r.info.dport == 80);
  CHECK(r.info.tcp_flags == kTcpSyn);
  CHECK(r.info.tcp_seq == 1000);
  CHECK(r.info.tcp_ack == 0);
  CHECK(r.info.tcp_win == 64240);
  CHECK(r.info.tcp_hdr_len == 24);
  CHECK(r.info.l4_len == 24);
}

TEST_CASE("parse: a TCP data segment reports its acknowledgment and payload length") {
  const Result r = parse(frame_of(golden::kTcpData));
  REQUIRE(r.ok);
  CHECK(r.info.tcp_flags == (kTcpPsh | kTcpAck));
  CHECK(r.info.tcp_seq == 1001);
  CHECK(r.info.tcp_ack == 5001);
  CHECK(r.info.tcp_win == 502);
  CHECK(r.info.tcp_hdr_len == 20);
  CHECK(r.info.l4_len == 30);
}

TEST_CASE("parse: an ICMP echo request uses its identifier as both ports") {
  const Result r = parse(frame_of(golden::kEcho));
  REQUIRE(r.ok);
  CHECK(r.info.proto == kIpProtoIcmp);
  CHECK(r.info.icmp_type == kIcmpEcho);
  CHECK(r.info.icmp_code == 0);
  CHECK(r.info.sport == 0x1234);
  CHECK(r.info.dport == 0x1234);
  CHECK(r.info.l4_valid);
}

TEST_CASE("parse: an ICMP error has no ports") {
  const Result r = parse(frame_of(golden::kTimeExceeded));
  REQUIRE(r.ok);
  CHECK(r.info.icmp_type == kIcmpTimeExceeded);
  CHECK(r.info.tos == 0xc0);
  CHECK(r.info.sport == 0);
  CHECK(r.info.dport == 0);
}

TEST_CASE("parse: an ARP request gives sender and target addresses and the L2 broadcast flag") {
  const Result r = parse(frame_of(golden::kArpRequest));
  REQUIRE(r.ok);
  CHECK(r.info.l3 == L3Kind::kArp);
  CHECK(r.info.ethertype == kEtherTypeArp);
  CHECK(r.info.l3_len == 28);
  CHECK(r.info.src == ip4(10, 0, 0, 1));
  CHECK(r.info.dst == ip4(10, 0, 0, 254));
  CHECK(r.info.l2_broadcast);
  CHECK_FALSE(r.info.l2_multicast);
}

TEST_CASE("parse: an ARP reply parses") {
  const Result r = parse(frame_of(golden::kArpReply));
  REQUIRE(r.ok);
  CHECK(r.info.l3 == L3Kind::kArp);
  CHECK(r.info.src == ip4(10, 0, 0, 254));
  CHECK_FALSE(r.info.l2_broadcast);
}

TEST_CASE("parse: an 802.1Q tag moves the IP header by 4 bytes and yields the VLAN ID") {
  const Result r = parse(frame_of(golden::kVlanUdp));
  REQUIRE(r.ok);
  CHECK(r.info.has_vlan);
  CHECK(r.info.vlan == 100);
  CHECK(r.info.ethertype == kEtherTypeIpv4);
  CHECK(r.info.l3_off == 18);
  CHECK(r.info.l4_off == 38);
  CHECK(r.info.sport == 5000);
  CHECK(r.info.dport == 6000);
}

TEST_CASE("parse: an IPv6 frame reports its fixed header") {
  const Result r = parse(frame_of(golden::kIpv6Udp));
  REQUIRE(r.ok);
  CHECK(r.info.l3 == L3Kind::kIpv6);
  CHECK(r.info.l3_len == 40);
  CHECK(r.info.ip_total_len == 51);
  CHECK(r.info.l4_off == 54);
  CHECK(r.info.l4_len == 11);
  CHECK(r.info.proto == kIpProtoUdp);
  CHECK(r.info.ttl == 64);
}

TEST_CASE("parse: IPv4 options are skipped and the L4 header found after them") {
  const Result r = parse(frame_of(golden::kIpOptionsUdp));
  REQUIRE(r.ok);
  CHECK(r.info.l3_len == 28);
  CHECK(r.info.l4_off == 42);
  CHECK(r.info.sport == 7);
  CHECK(r.info.dport == 9);
}

TEST_CASE("parse: a header with options says so, whatever the options are") {
  // pf drops on IHL > 5 alone (FreeBSD pf_test), so NOP or EOL padding counts as options too.
  CHECK(parse(frame_of(golden::kIpOptionsUdp)).info.ip_options);
  auto f = frame_of(golden::kIpOptionsUdp);
  for (size_t i = 34; i < 42; ++i) f[i] = std::byte{kIpOptNop};
  fix_ip_checksum(f);
  const Result nops = parse(f);
  REQUIRE(nops.ok);
  CHECK(nops.info.ip_options);
  for (size_t i = 34; i < 42; ++i) f[i] = std::byte{kIpOptEol};
  fix_ip_checksum(f);
  const Result eols = parse(f);
  REQUIRE(eols.ok);
  CHECK(eols.info.ip_options);
}

TEST_CASE("parse: a header without options says it has none") {
  const Result r = parse(frame_of(golden::kUdp));
  REQUIRE(r.ok);
  CHECK_FALSE(r.info.ip_options);
}

TEST_CASE("parse: Ethernet padding past the IP total length is ignored") {
  const Result r = parse(frame_of(golden::kPaddedUdp));
  REQUIRE(r.ok);
  CHECK(r.info.ip_total_len == 29);
  CHECK(r.info.l4_len == 9);
  CHECK(r.info.dport == 9);
}

TEST_CASE("parse: a first fragment carries its ports, a later one does not") {
  const Result first = parse(frame_of(golden::kFirstFragment));
  REQUIRE(first.ok);
  CHECK(first.info.fragment);
  CHECK(first.info.first_fragment);
  CHECK(first.info.l4_valid);
  CHECK(first.info.sport == 7);
  const Result later = parse(frame_of(golden::kLaterFragment));
  REQUIRE(later.ok);
  CHECK(later.info.fragment);
  CHECK_FALSE(later.info.first_fragment);
  CHECK_FALSE(later.info.l4_valid);
  CHECK(later.info.sport == 0);
  CHECK(later.info.l4_len == 24);
}

TEST_CASE("parse: an unknown EtherType parses as kOther") {
  auto f = frame_of(golden::kUdp);
  f[12] = std::byte{0x88};
  f[13] = std::byte{0xcc};  // LLDP
  const Result r = parse(f);
  REQUIRE(r.ok);
  CHECK(r.info.l3 == L3Kind::kOther);
  CHECK(r.info.ethertype == 0x88cc);
}

TEST_CASE("parse: limited broadcast and multicast destinations parse, flagged at L2") {
  auto f = frame_of(golden::kUdp);
  ip_of(f).dst.set(kIpv4Broadcast);
  fix_ip_checksum(f);
  CHECK(parse(f).ok);
  ip_of(f).dst.set(ip4(224, 0, 0, 18));
  fix_ip_checksum(f);
  f[0] = std::byte{0x01};  // 01:00:00:... is a group address
  const Result r = parse(f);
  REQUIRE(r.ok);
  CHECK(r.info.dst == ip4(224, 0, 0, 18));
  CHECK(r.info.l2_multicast);
  CHECK_FALSE(r.info.l2_broadcast);
}

TEST_CASE("parse: a frame shorter than Ethernet or its VLAN tag is eth-short") {
  const auto f = frame_of(golden::kVlanUdp);
  const std::span<const std::byte> s(f);
  CHECK(reason_of(s.first(0)) == DropReason::kEthShort);
  CHECK(reason_of(s.first(13)) == DropReason::kEthShort);
  CHECK(reason_of(s.first(16)) == DropReason::kEthShort);
}

TEST_CASE("parse: fewer than 20 bytes of IPv4 is ip-short") {
  const auto f = frame_of(golden::kUdp);
  CHECK(reason_of(std::span<const std::byte>(f).first(14 + 19)) == DropReason::kIpShort);
}

TEST_CASE("parse: an IHL larger than the bytes present is ip-short") {
  auto f = frame_of(golden::kUdp);
  f.resize(14 + 40);
  ip_of(f).ver_ihl = 0x4f;  // 60-byte header, 40 bytes present
  CHECK(reason_of(f) == DropReason::kIpShort);
}

TEST_CASE("parse: IP version 5 is ip-version") {
  auto f = frame_of(golden::kUdp);
  ip_of(f).ver_ihl = 0x55;
  fix_ip_checksum(f);
  CHECK(reason_of(f) == DropReason::kIpVersion);
}

TEST_CASE("parse: IHL below 5 is ip-ihl") {
  auto f = frame_of(golden::kUdp);
  ip_of(f).ver_ihl = 0x44;
  fix_ip_checksum(f);
  CHECK(reason_of(f) == DropReason::kIpIhl);
}

TEST_CASE("parse: a total length beyond the frame or below the header is ip-total-length") {
  auto f = frame_of(golden::kUdp);
  ip_of(f).total_len.set(34);  // one byte more than present
  fix_ip_checksum(f);
  CHECK(reason_of(f) == DropReason::kIpTotalLength);
  ip_of(f).total_len.set(19);
  fix_ip_checksum(f);
  CHECK(reason_of(f) == DropReason::kIpTotalLength);
}

TEST_CASE("parse: a header checksum that does not verify is ip-checksum") {
  auto f = frame_of(golden::kUdp);
  f[24] ^= std::byte{0x01};
  CHECK(reason_of(f) == DropReason::kIpChecksum);
  auto g = frame_of(golden::kUdp);
  ip_of(g).ttl = 63;  // a changed field without a checksum update
  CHECK(reason_of(g) == DropReason::kIpChecksum);
}

TEST_CASE("parse: martian sources are ip-bad-source") {
  for (const uint32_t src : {ip4(0, 0, 0, 0), ip4(0, 1, 2, 3), ip4(127, 0, 0, 1), ip4(224, 0, 0, 1),
                             ip4(239, 255, 255, 250), ip4(240, 0, 0, 1), ip4(255, 255, 255, 255)}) {
    CAPTURE(src);
    auto f = frame_of(golden::kUdp);
    ip_of(f).src.set(src);
    fix_ip_checksum(f);
    CHECK(reason_of(f) == DropReason::kIpBadSource);
  }
}

TEST_CASE("parse: martian destinations are ip-bad-dest") {
  for (const uint32_t dst : {ip4(0, 0, 0, 0), ip4(0, 1, 2, 3), ip4(127, 0, 0, 1), ip4(240, 0, 0, 1),
                             ip4(255, 255, 255, 254)}) {
    CAPTURE(dst);
    auto f = frame_of(golden::kUdp);
    ip_of(f).dst.set(dst);
    fix_ip_checksum(f);
    CHECK(reason_of(f) == DropReason::kIpBadDest);
  }
}

TEST_CASE("parse: a fragment ending past 65535 bytes is ip-fragment, one ending at 65533 is not") {
  auto f = frame_of(golden::kUdp);  // 13 bytes of L4
  ip_of(f).frag_off.set(8190);      // 65520 + 13 = 65533
  fix_ip_checksum(f);
  REQUIRE(parse(f).ok);
  ip_of(f).frag_off.set(8191);  // 65528 + 13 = 65541
  fix_ip_checksum(f);
  CHECK(reason_of(f) == DropReason::kIpFragment);
}

TEST_CASE("parse: a TCP fragment at offset 8 is ip-fragment (RFC 1858 overlap)") {
  auto f = frame_of(golden::kTcpData);
  ip_of(f).frag_off.set(1);
  fix_ip_checksum(f);
  CHECK(reason_of(f) == DropReason::kIpFragment);
  ip_of(f).frag_off.set(2);
  fix_ip_checksum(f);
  CHECK(parse(f).ok);
}

TEST_CASE("parse: a first fragment too short for its TCP header is ip-fragment") {
  auto f = frame_of(golden::kFirstFragment);  // 16 bytes of L4, MF set
  ip_of(f).proto = kIpProtoTcp;
  fix_ip_checksum(f);
  CHECK(reason_of(f) == DropReason::kIpFragment);
  auto g = frame_of(golden::kFirstFragment);
  ip_of(g).total_len.set(20 + 4);  // UDP header cut in half
  fix_ip_checksum(g);
  CHECK(reason_of(g) == DropReason::kIpFragment);
}

TEST_CASE("parse: an unfragmented datagram too short for its L4 header is l4-short") {
  for (const uint8_t proto : {kIpProtoTcp, kIpProtoUdp, kIpProtoIcmp}) {
    CAPTURE(proto);
    auto f = frame_of(golden::kUdp);
    ip_of(f).proto = proto;
    ip_of(f).total_len.set(20 + 4);
    fix_ip_checksum(f);
    CHECK(reason_of(f) == DropReason::kL4Short);
  }
}

TEST_CASE("parse: a TCP data offset below 5 or past the segment is l4-short") {
  auto f = frame_of(golden::kTcpData);
  f[kL4 + 12] = std::byte{0x40};
  CHECK(reason_of(f) == DropReason::kL4Short);
  f[kL4 + 12] = std::byte{0xf0};  // 60 bytes of header in a 30-byte segment
  CHECK(reason_of(f) == DropReason::kL4Short);
}

TEST_CASE("parse: a UDP length beyond the datagram or below 8 is l4-short") {
  auto f = frame_of(golden::kUdp);
  f[kL4 + 5] = std::byte{14};  // length 14, 13 bytes present
  CHECK(reason_of(f) == DropReason::kL4Short);
  f[kL4 + 5] = std::byte{7};
  CHECK(reason_of(f) == DropReason::kL4Short);
}

TEST_CASE("parse: options of length 0 or 1, past the header, or missing are ip-options-malformed") {
  // kIpOptionsUdp: option bytes at 34..41 are 07 07 04 01 02 03 04 00 (RR, len 7, ptr 4, ...).
  for (const uint8_t bad_len : {0, 1, 9}) {
    CAPTURE(bad_len);
    auto f = frame_of(golden::kIpOptionsUdp);
    f[34 + 1] = std::byte{bad_len};
    fix_ip_checksum(f);
    CHECK(reason_of(f) == DropReason::kIpOptionsMalformed);
  }
  auto f = frame_of(golden::kIpOptionsUdp);
  for (size_t i = 34; i < 41; ++i) f[i] = std::byte{kIpOptNop};
  f[41] = std::byte{0x07};  // a kind with a length byte, as the last byte of the header
  fix_ip_checksum(f);
  CHECK(reason_of(f) == DropReason::kIpOptionsMalformed);
  f[41] = std::byte{kIpOptNop};  // all NOPs are fine
  fix_ip_checksum(f);
  CHECK(parse(f).ok);
}

TEST_CASE("parse: a truncated or non-Ethernet/IPv4 ARP is arp-malformed") {
  const auto good = frame_of(golden::kArpRequest);
  CHECK(reason_of(std::span<const std::byte>(good).first(41)) == DropReason::kArpMalformed);
  struct Mutation {
    size_t off;
    uint8_t value;
  };
  for (const Mutation m : {Mutation{14 + 1, 6},     // hardware type 6 (IEEE 802)
                           Mutation{14 + 2, 0x86},  // protocol type 0x8600
                           Mutation{14 + 4, 8},     // hardware length 8
                           Mutation{14 + 5, 16},    // protocol length 16
                           Mutation{14 + 7, 3}}) {  // operation 3 (RARP request)
    CAPTURE(m.off, m.value);
    auto f = good;
    f[m.off] = std::byte{m.value};
    CHECK(reason_of(f) == DropReason::kArpMalformed);
  }
}

TEST_CASE("parse: a truncated IPv6 header, wrong version or long payload length are refused") {
  const auto good = frame_of(golden::kIpv6Udp);
  CHECK(reason_of(std::span<const std::byte>(good).first(14 + 39)) == DropReason::kIpShort);
  auto f = good;
  f[14] = std::byte{0x40};
  CHECK(reason_of(f) == DropReason::kIpVersion);
  auto g = good;
  g[14 + 5] = std::byte{12};  // payload length 12, 11 present
  CHECK(reason_of(g) == DropReason::kIpTotalLength);
}

TEST_CASE("parse: every prefix of every golden frame is either refused or parsed within bounds") {
  const std::vector<std::vector<std::byte>> frames = {
      frame_of(golden::kUdp),          frame_of(golden::kTcpSyn),       frame_of(golden::kEcho),
      frame_of(golden::kArpReply),     frame_of(golden::kVlanUdp),      frame_of(golden::kIpv6Udp),
      frame_of(golden::kIpOptionsUdp), frame_of(golden::kFirstFragment)};
  for (const auto& f : frames) {
    for (size_t n = 0; n < f.size(); ++n) {
      PacketInfo info{};
      DropReason why = DropReason::kCount;
      if (parse_frame(std::span<const std::byte>(f).first(n), info, why)) {
        CHECK(size_t{info.l4_off} + info.l4_len <= n);
      } else {
        CHECK(why != DropReason::kCount);
      }
    }
  }
}
