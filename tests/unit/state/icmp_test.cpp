// ICMP query keys, the ICMP direction check, and ICMP errors matched through the quoted packet
// to TCP, UDP and ICMP states, with pf's quoted-sequence check.
//
// Quoted packets are built byte by byte below as RFC 791 / RFC 8200 lay them out; each builder
// states what it produces.
#include <catch2/catch.hpp>

#include <vector>

#include "dataplane/net/wire/headers.h"
#include "dataplane/state/icmp.h"
#include "dataplane/state/key.h"
#include "dataplane/state/tcp_track.h"

using namespace dpf::state;
using namespace dpf::wire;

namespace {

const Addr kClient = Addr::v4(203, 0, 113, 7);
const Addr kServer = Addr::v4(10, 0, 0, 5);
constexpr uint16_t kClientPort = 40000;
constexpr uint16_t kServerPort = 80;

void put16(std::vector<std::byte>& b, size_t off, uint16_t v) {
  b[off] = std::byte(v >> 8);
  b[off + 1] = std::byte(v & 0xff);
}
void put32(std::vector<std::byte>& b, size_t off, uint32_t v) {
  put16(b, off, static_cast<uint16_t>(v >> 16));
  put16(b, off + 2, static_cast<uint16_t>(v));
}

// IPv4 header (IHL 5, no options) + 8 bytes of L4: ports and a 32-bit word (TCP seq / UDP
// length+checksum / ICMP id+seq).
std::vector<std::byte> quoted_v4(const Addr& src, const Addr& dst, uint8_t proto, uint16_t sport,
                                 uint16_t dport, uint32_t word, uint16_t frag_off = 0) {
  std::vector<std::byte> b(28);
  b[0] = std::byte{0x45};
  put16(b, 2, 40);
  put16(b, 6, frag_off);
  b[8] = std::byte{64};
  b[9] = std::byte{proto};
  for (int i = 0; i < 4; ++i) {
    b[12 + i] = std::byte{src.bytes[i]};
    b[16 + i] = std::byte{dst.bytes[i]};
  }
  put16(b, 20, sport);
  put16(b, 22, dport);
  put32(b, 24, word);
  return b;
}

// The state of a TCP connection from kClient to kServer created inbound, after the handshake.
struct TcpConn {
  StatePeers peers;
  StateKey key;
  TcpConn() {
    PacketTuple t{AddrFamily::kInet, kIpProtoTcp, kClient, kServer, kClientPort, kServerPort};
    key = make_lookup_key(t, Direction::kIn);
    TcpSegment syn;
    syn.dir = Direction::kIn;
    syn.flags = kTcpSyn;
    syn.seq = 1000;
    syn.win = 65535;
    peers = tcp_state_create(syn);
    TcpSegment synack;
    synack.dir = Direction::kOut;
    synack.flags = kTcpSyn | kTcpAck;
    synack.seq = 5000;
    synack.ack = 1001;
    synack.win = 65535;
    REQUIRE(tcp_track(peers, Direction::kIn, synack, false).action == TcpAction::kPass);
  }
};

}  // namespace

TEST_CASE("icmp: an echo request and its reply map onto one state key") {
  std::vector<std::byte> echo(8), reply(8);
  echo[0] = std::byte{icmp4::kEcho};
  reply[0] = std::byte{icmp4::kEchoReply};
  put16(echo, 4, 0x1234);
  put16(reply, 4, 0x1234);
  IcmpMapping req_m, rep_m;
  REQUIRE(icmp_mapping(AddrFamily::kInet, echo, &req_m) == IcmpStatus::kOk);
  REQUIRE(icmp_mapping(AddrFamily::kInet, reply, &rep_m) == IcmpStatus::kOk);
  CHECK(req_m.icmp_dir == Direction::kIn);
  CHECK(rep_m.icmp_dir == Direction::kOut);
  CHECK(req_m.virtual_id == 0x1234);
  CHECK(rep_m.virtual_type == icmp4::kEcho);

  // The request leaves (out) from the server, the reply comes back in on the same interface.
  const PacketTuple out_t{AddrFamily::kInet, kIpProtoIcmp, kServer, kClient, 0, 0};
  const PacketTuple in_t{AddrFamily::kInet, kIpProtoIcmp, kClient, kServer, 0, 0};
  const StateKey k_req = make_icmp_key(out_t, Direction::kOut, req_m);
  const StateKey k_rep = make_icmp_key(in_t, Direction::kIn, rep_m);
  CHECK(k_req == k_rep);
  // A different echo id is a different state.
  rep_m.virtual_id = 0x1235;
  CHECK_FALSE(k_req == make_icmp_key(in_t, Direction::kIn, rep_m));
}

TEST_CASE("icmp: an unsolicited echo reply flows the wrong way for an echo state") {
  // State created by an outbound echo request.
  CHECK(icmp_direction_ok(Direction::kOut, Direction::kOut, Direction::kIn, false));
  CHECK(icmp_direction_ok(Direction::kOut, Direction::kIn, Direction::kOut, false));
  // A reply in the request's own direction, or a request against it, is refused.
  CHECK_FALSE(icmp_direction_ok(Direction::kOut, Direction::kOut, Direction::kOut, false));
  CHECK_FALSE(icmp_direction_ok(Direction::kOut, Direction::kIn, Direction::kIn, false));
  // Quoted inside an error, the roles swap.
  CHECK(icmp_direction_ok(Direction::kOut, Direction::kIn, Direction::kIn, true));
}

TEST_CASE("icmp: errors, unknown types and router messages are classified as pf does") {
  std::vector<std::byte> m(8);
  IcmpMapping r;
  m[0] = std::byte{icmp4::kUnreach};
  REQUIRE(icmp_mapping(AddrFamily::kInet, m, &r) == IcmpStatus::kOk);
  CHECK(r.is_error);
  m[0] = std::byte{icmp4::kRouterAdvert};
  REQUIRE(icmp_mapping(AddrFamily::kInet, m, &r) == IcmpStatus::kOk);
  CHECK_FALSE(r.is_error);
  CHECK(r.virtual_type == icmp4::kRouterSolicit);
  CHECK(r.icmp_dir == Direction::kOut);
  CHECK(r.virtual_id == 0);
  m[0] = std::byte{42};
  REQUIRE(icmp_mapping(AddrFamily::kInet, m, &r) == IcmpStatus::kOk);
  CHECK(r.virtual_type == 42);
  CHECK(r.icmp_dir == Direction::kIn);
  m[0] = std::byte{icmp6::kPacketTooBig};
  REQUIRE(icmp_mapping(AddrFamily::kInet6, m, &r) == IcmpStatus::kOk);
  CHECK(r.is_error);
  CHECK(icmp_mapping(AddrFamily::kInet, std::span<const std::byte>(m.data(), 7), &r) ==
        IcmpStatus::kShort);
}

TEST_CASE("icmp: neighbour solicitation and advertisement share a key from the target") {
  std::vector<std::byte> ns(24), na(24);
  ns[0] = std::byte{icmp6::kNeighborSolicit};
  na[0] = std::byte{icmp6::kNeighborAdvert};
  // Target 2001:db8::1 -> words 0x20010db8 ^ 0 ^ 0 ^ 1 = 0x20010db9, fold 0x2001 ^ 0x0db9.
  const uint8_t target[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  for (int i = 0; i < 16; ++i) ns[8 + i] = na[8 + i] = std::byte{target[i]};
  IcmpMapping s, a;
  REQUIRE(icmp_mapping(AddrFamily::kInet6, ns, &s) == IcmpStatus::kOk);
  REQUIRE(icmp_mapping(AddrFamily::kInet6, na, &a) == IcmpStatus::kOk);
  CHECK(s.virtual_id == (0x2001 ^ 0x0db9));
  CHECK(a.virtual_id == s.virtual_id);
  CHECK(a.virtual_type == icmp6::kNeighborSolicit);
  CHECK(s.may_create);
  CHECK_FALSE(a.may_create);
  CHECK(icmp_mapping(AddrFamily::kInet6, std::span<const std::byte>(ns.data(), 20), &s) ==
        IcmpStatus::kShort);
}

TEST_CASE("icmp error: an unreachable quoting the server's segment finds the TCP state") {
  TcpConn c;
  // The server's segment went out towards the client; a router returns an error that pf
  // filters inbound, addressed to the server.
  const auto q = quoted_v4(kServer, kClient, kIpProtoTcp, kServerPort, kClientPort, 5001);
  IcmpErrorInner inner;
  REQUIRE(icmp_error_inner(AddrFamily::kInet, q, Direction::kIn, kServer, &inner) ==
          IcmpStatus::kOk);
  CHECK(inner.key == c.key);
  CHECK(inner.tcp_seq == 5001);
  CHECK(icmp_inner_tcp_seq_ok(c.peers, Direction::kIn, Direction::kIn, inner.tcp_seq, false));
}

TEST_CASE("icmp error: a quoted TCP sequence outside the state's window is state-mismatch") {
  TcpConn c;
  // The server may send up to seqhi (its first packet opened 1 + 65535 bytes).
  const uint32_t seqhi = c.peers.dst.seqhi;
  CHECK(icmp_inner_tcp_seq_ok(c.peers, Direction::kIn, Direction::kIn, seqhi, false));
  CHECK_FALSE(icmp_inner_tcp_seq_ok(c.peers, Direction::kIn, Direction::kIn, seqhi + 1, false));
  CHECK_FALSE(icmp_inner_tcp_seq_ok(c.peers, Direction::kIn, Direction::kIn, 5000 - 70000, false));
  // Sloppy states take any sequence number.
  CHECK(icmp_inner_tcp_seq_ok(c.peers, Direction::kIn, Direction::kIn, seqhi + 1, true));
}

TEST_CASE("icmp error: an error about the client's segment checks the client's window") {
  TcpConn c;
  // The client's segment came in; an error about it leaves outbound towards the client.
  const auto q = quoted_v4(kClient, kServer, kIpProtoTcp, kClientPort, kServerPort, 1001);
  IcmpErrorInner inner;
  REQUIRE(icmp_error_inner(AddrFamily::kInet, q, Direction::kOut, kClient, &inner) ==
          IcmpStatus::kOk);
  CHECK(inner.key == c.key);
  CHECK(icmp_inner_tcp_seq_ok(c.peers, Direction::kIn, Direction::kOut, 1001, false));
  CHECK_FALSE(
      icmp_inner_tcp_seq_ok(c.peers, Direction::kIn, Direction::kOut, 1001 + 200000, false));
}

TEST_CASE("icmp error: a port unreachable for a UDP query finds the UDP state") {
  // State: DNS query from the server out to 198.51.100.53:53.
  const Addr resolver = Addr::v4(198, 51, 100, 53);
  const PacketTuple query{AddrFamily::kInet, kIpProtoUdp, kServer, resolver, 53000, 53};
  const StateKey state_key = make_lookup_key(query, Direction::kOut);
  const auto q = quoted_v4(kServer, resolver, kIpProtoUdp, 53000, 53, 0x0020abcd);
  IcmpErrorInner inner;
  REQUIRE(icmp_error_inner(AddrFamily::kInet, q, Direction::kIn, kServer, &inner) ==
          IcmpStatus::kOk);
  CHECK(inner.key == state_key);
  CHECK(inner.tuple.dport == 53);
}

TEST_CASE("icmp error: a time-exceeded quoting an echo request finds the echo state") {
  const Addr target = Addr::v4(8, 8, 8, 8);
  std::vector<std::byte> echo(8);
  echo[0] = std::byte{icmp4::kEcho};
  put16(echo, 4, 77);
  IcmpMapping m;
  REQUIRE(icmp_mapping(AddrFamily::kInet, echo, &m) == IcmpStatus::kOk);
  const PacketTuple ping{AddrFamily::kInet, kIpProtoIcmp, kServer, target, 0, 0};
  const StateKey state_key = make_icmp_key(ping, Direction::kOut, m);

  // Quoted: the echo request (type 8, code 0, checksum, id 77, seq 1).
  const auto q = quoted_v4(kServer, target, kIpProtoIcmp, 0x0800, 0x0000, (77u << 16) | 1);
  IcmpErrorInner inner;
  REQUIRE(icmp_error_inner(AddrFamily::kInet, q, Direction::kIn, kServer, &inner) ==
          IcmpStatus::kOk);
  CHECK(inner.key == state_key);
  CHECK(icmp_direction_ok(Direction::kOut, Direction::kIn, inner.inner_icmp.icmp_dir, true));
}

TEST_CASE("icmp error: bad quoted packets are refused with the status saying why") {
  IcmpErrorInner inner;
  auto q = quoted_v4(kServer, kClient, kIpProtoTcp, kServerPort, kClientPort, 1);
  CHECK(icmp_error_inner(AddrFamily::kInet, std::span<const std::byte>(q.data(), 19),
                         Direction::kIn, kServer, &inner) == IcmpStatus::kShort);
  CHECK(icmp_error_inner(AddrFamily::kInet, std::span<const std::byte>(q.data(), 27),
                         Direction::kIn, kServer, &inner) == IcmpStatus::kShort);
  const auto frag = quoted_v4(kServer, kClient, kIpProtoTcp, kServerPort, kClientPort, 1, 185);
  CHECK(icmp_error_inner(AddrFamily::kInet, frag, Direction::kIn, kServer, &inner) ==
        IcmpStatus::kFragment);
  // The error must be addressed to the quoted packet's source.
  CHECK(icmp_error_inner(AddrFamily::kInet, q, Direction::kIn, kClient, &inner) ==
        IcmpStatus::kBadAddress);
  q[0] = std::byte{0x65};
  CHECK(icmp_error_inner(AddrFamily::kInet, q, Direction::kIn, kServer, &inner) ==
        IcmpStatus::kBadHeader);
}

TEST_CASE("icmp6 error: the quoted packet's extension headers are skipped to the TCP ports") {
  // IPv6 header (next header 0 = hop-by-hop), an 8-byte hop-by-hop header (next 6 = TCP),
  // then 8 bytes of TCP.
  std::vector<std::byte> q(40 + 8 + 8);
  q[0] = std::byte{0x60};
  q[6] = std::byte{0};
  q[7] = std::byte{64};
  Addr src, dst;
  src.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
  dst.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
  for (int i = 0; i < 16; ++i) {
    q[8 + i] = std::byte{src.bytes[i]};
    q[24 + i] = std::byte{dst.bytes[i]};
  }
  q[40] = std::byte{kIpProtoTcp};
  q[41] = std::byte{0};  // length 0: 8 bytes
  put16(q, 48, 443);
  put16(q, 50, 50000);
  put32(q, 52, 0xdeadbeef);
  IcmpErrorInner inner;
  REQUIRE(icmp_error_inner(AddrFamily::kInet6, q, Direction::kIn, src, &inner) == IcmpStatus::kOk);
  CHECK(inner.tuple.proto == kIpProtoTcp);
  CHECK(inner.tuple.sport == 443);
  CHECK(inner.tcp_seq == 0xdeadbeef);
  const PacketTuple t{AddrFamily::kInet6, kIpProtoTcp, src, dst, 443, 50000};
  CHECK(inner.key == make_lookup_key(t, Direction::kOut));

  q[40] = std::byte{44};  // a fragment header instead
  q[6] = std::byte{44};
  CHECK(icmp_error_inner(AddrFamily::kInet6, q, Direction::kIn, src, &inner) ==
        IcmpStatus::kFragment);
  q[6] = std::byte{60};  // destination options whose length runs past the quote
  q[40] = std::byte{kIpProtoTcp};
  q[41] = std::byte{5};
  CHECK(icmp_error_inner(AddrFamily::kInet6, q, Direction::kIn, src, &inner) == IcmpStatus::kShort);
}
