// What the control thread answers itself (answers.cpp), on a node assembled on two net_ring ports
// (tests/unit/node/ring_node.h): ARP for the port's address, ICMP echo, ICMP errors for punted
// packets with their rate limit, and `block return` answers. Each case calls the job as the
// control thread's dispatch does, with the mbuf a worker would have punted, and reads the TX
// rings and the control thread's counters. Main lcore; a fake time point drives the rate limit
// and the neighbour table.
#include "dataplane/slowpath/answers.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <span>
#include <vector>

#include "dataplane/net/build.h"
#include "dataplane/net/drop.h"
#include "dataplane/net/wire/build.h"
#include "dataplane/net/wire/checksum.h"
#include "dataplane/node/node.h"
#include "tests/unit/net/test_util.h"
#include "tests/unit/node/ring_node.h"
#include "tests/unit/slowpath/jobs_fixture.h"

namespace dpf {
namespace {

using net::DropReason;
using test::control;
using test::Drops;
using test::Frame;
using test::host0;
using test::host1;
using test::Jobs;
using test::kEm0;
using test::kEm0Addr;
using test::kEm1;
using test::kEm1Addr;
using test::mac_of;
using test::mbuf_of;
using test::new_drops;
using test::sent;
using wire::MacAddr;
using namespace std::chrono_literals;

constexpr const char* kCluster = R"(cluster:
  name: spans
  rules: answers.pf.conf
nodes:
  fw:
    hostid: 0x0a000002
    lcores: { workers: 1, idle: poll }
    interfaces:
      em0: { device: net_ring_spans0, address: 10.0.0.254/24 }
      em1: { device: net_ring_spans1, address: 10.1.0.254/24 }
)";

// The node may send ICMP out of em0 only: what it sends out of em1 through pf is blocked.
// binat and rdr take packets for 10.1.0.5 and 10.1.0.7 on em1, which the node answers ARP for;
// the rdr-anchor call names 10.1.0.9 but translates nothing (its anchor is empty).
constexpr const char* kRules = R"(set limit states 1024
binat on em1 from 10.0.0.5 to any -> 10.1.0.5
rdr on em1 proto tcp from any to 10.1.0.7 port 80 -> 10.0.0.10
rdr-anchor "relayd" on em1 proto tcp to 10.1.0.9 port 80
block all
pass out on em0 inet proto icmp from 10.0.0.254 to 10.0.0.0/24 keep state
)";

void assemble(test::RingNode& b) {
  test::assemble_ring_node(b, "spans", kCluster, "answers.pf.conf", kRules);
}

test::RingNode& bench() {
  return test::ring_node_once<test::RingNode>(assemble, test::teardown_ring_node);
}

const auto kT0 = NodeClock::TimePoint{} + 100s;

Frame arp_request(const MacAddr& sha, uint32_t spa, uint32_t tpa) {
  Frame f(wire::kArpFrameLen);
  REQUIRE(wire::build_arp_frame(f, wire::kArpOpRequest, sha, spa, wire::kBroadcastMac,
                                wire::kZeroMac, tpa) == wire::kArpFrameLen);
  return f;
}

// A TCP SYN (seq 1000, no options, checksum filled).
Frame tcp_syn(const MacAddr& dst_mac, const MacAddr& src_mac, uint32_t src, uint32_t dst) {
  Frame l4(sizeof(wire::TcpHdr));
  auto* tcp = wire::header_at<wire::TcpHdr>(std::span<std::byte>(l4), 0);
  tcp->sport.set(40000);
  tcp->dport.set(22);
  tcp->seq.set(1000);
  tcp->data_off = 5 << 4;
  tcp->flags = wire::kTcpSyn;
  tcp->win.set(8192);
  tcp->check.set(wire::l4_checksum_ipv4(src, dst, wire::kIpProtoTcp, l4));
  return test::ipv4_frame(dst_mac, src_mac, src, dst, wire::kIpProtoTcp, l4);
}

std::span<const std::byte> ip_header(const Frame& f) {
  return std::span<const std::byte>(f).subspan(sizeof(wire::EtherHdr), sizeof(wire::Ipv4Hdr));
}
std::span<const std::byte> l4_of(const Frame& f) {
  return std::span<const std::byte>(f).subspan(sizeof(wire::EtherHdr) + sizeof(wire::Ipv4Hdr));
}
const wire::EtherHdr& eth_of(const Frame& f) {
  return *wire::header_at<wire::EtherHdr>(std::span<const std::byte>(f), 0);
}
const wire::Ipv4Hdr& ip_of(const Frame& f) {
  return *wire::header_at<wire::Ipv4Hdr>(std::span<const std::byte>(f), sizeof(wire::EtherHdr));
}
const wire::IcmpHdr& icmp_of(const Frame& f) {
  return *wire::header_at<wire::IcmpHdr>(l4_of(f), 0);
}

// --- ARP ----------------------------------------------------------------------------------------

TEST_CASE(
    "answers: an ARP request for the port's address gets one reply there; the asker is "
    "learned") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const Port& em0 = *b.node.ports[kEm0];
  const uint32_t asker = host0(10);
  const MacAddr asker_mac = mac_of(asker);
  const LcoreCounters before = control(b.node);

  j.answers.arp(kT0, mbuf_of(b, arp_request(asker_mac, asker, kEm0Addr)), kEm0);

  const std::vector<Frame> out = sent(b, kEm0);
  REQUIRE(out.size() == 1);
  Frame expected(wire::kArpFrameLen);
  REQUIRE(wire::build_arp_frame(expected, wire::kArpOpReply, em0.mac, kEm0Addr, asker_mac,
                                asker_mac, asker) == wire::kArpFrameLen);
  CHECK(out[0] == expected);
  // The same, field by field.
  const auto* arp =
      wire::header_at<wire::ArpHdr>(std::span<const std::byte>(out[0]), sizeof(wire::EtherHdr));
  CHECK(eth_of(out[0]).dst == asker_mac);
  CHECK(eth_of(out[0]).src == em0.mac);
  CHECK(eth_of(out[0]).type.get() == wire::kEtherTypeArp);
  CHECK(arp->op.get() == wire::kArpOpReply);
  CHECK(arp->sha == em0.mac);
  CHECK(arp->spa.get() == kEm0Addr);
  CHECK(arp->tha == asker_mac);
  CHECK(arp->tpa.get() == asker);
  CHECK(sent(b, kEm1).empty());
  CHECK(j.answers.counters().arp_replies == 1);
  CHECK(control(b.node).tx_packets - before.tx_packets == 1);
  CHECK(control(b.node).drops == before.drops);

  // The asker is learned (RFC 826 merge: it talked to us) and published for the workers.
  const auto table = j.neighbors.snapshot();
  REQUIRE(table.size() == 1);
  CHECK(table[0].ip == asker);
  CHECK(table[0].port == kEm0);
  CHECK(table[0].mac == asker_mac);
  CHECK(table[0].state == route::NeighborTable::Entry::State::kReachable);
  CHECK(test::published_mac(b.node, asker) == asker_mac);
  test::check_no_mbuf_left(b);
}

TEST_CASE("answers: ARP from a sender outside the port's subnet is dropped as arp-foreign") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  // A host of em1's network claims its address on em0.
  const uint32_t foreign = host1(99);
  const LcoreCounters before = control(b.node);

  j.answers.arp(kT0, mbuf_of(b, arp_request(mac_of(foreign), foreign, kEm0Addr)), kEm0);

  CHECK(sent(b, kEm0).empty());
  CHECK(sent(b, kEm1).empty());
  CHECK(new_drops(before, control(b.node)) == Drops{{DropReason::kArpForeign, 1}});
  CHECK(j.answers.counters().arp_replies == 0);
  CHECK(j.neighbors.snapshot().empty());
  CHECK_FALSE(test::published_mac(b.node, foreign));
  CHECK(net::drop_reason_name(DropReason::kArpForeign) == "arp-foreign");
  test::check_no_mbuf_left(b);
}

TEST_CASE("answers: the node answers ARP for binat's and rdr's addresses on their interface") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const Port& em1 = *b.node.ports[kEm1];
  const uint32_t asker = host1(20);
  const MacAddr asker_mac = mac_of(asker);
  for (const uint32_t target : {host1(5), host1(7)}) {
    const uint64_t replies = j.answers.counters().arp_replies;
    j.answers.arp(kT0, mbuf_of(b, arp_request(asker_mac, asker, target)), kEm1);
    const std::vector<Frame> out = sent(b, kEm1);
    REQUIRE(out.size() == 1);
    Frame expected(wire::kArpFrameLen);
    REQUIRE(wire::build_arp_frame(expected, wire::kArpOpReply, em1.mac, target, asker_mac,
                                  asker_mac, asker) == wire::kArpFrameLen);
    CHECK(out[0] == expected);
    CHECK(j.answers.counters().arp_replies == replies + 1);
  }
  // Not for an address no translation takes (10.1.0.9: an empty anchor's), nor on another
  // interface.
  const LcoreCounters before = control(b.node);
  j.answers.arp(kT0, mbuf_of(b, arp_request(asker_mac, asker, host1(9))), kEm1);
  j.answers.arp(kT0, mbuf_of(b, arp_request(mac_of(host0(20)), host0(20), host0(5))), kEm0);
  CHECK(sent(b, kEm0).empty());
  CHECK(sent(b, kEm1).empty());
  CHECK(new_drops(before, control(b.node)) == Drops{{DropReason::kArpNotForUs, 2}});
  test::check_no_mbuf_left(b);
}

// --- ICMP echo ----------------------------------------------------------------------------------

TEST_CASE("answers: an ICMP echo request to the node gets an echo reply with valid checksums") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const Port& em0 = *b.node.ports[kEm0];
  const uint32_t asker = host0(11);
  const Frame request = test::echo_frame(em0.mac, mac_of(asker), asker, kEm0Addr);
  const LcoreCounters before = control(b.node);

  j.answers.local(mbuf_of(b, request), kEm0);

  const std::vector<Frame> out = sent(b, kEm0);
  REQUIRE(out.size() == 1);
  const Frame& f = out[0];
  REQUIRE(f.size() == request.size());
  CHECK(eth_of(f).dst == mac_of(asker));
  CHECK(eth_of(f).src == em0.mac);
  CHECK(ip_of(f).src.get() == kEm0Addr);
  CHECK(ip_of(f).dst.get() == asker);
  CHECK(ip_of(f).proto == wire::kIpProtoIcmp);
  CHECK(wire::inet_checksum(ip_header(f)) == 0);
  CHECK(icmp_of(f).type == wire::kIcmpEchoReply);
  CHECK(icmp_of(f).code == 0);
  CHECK(icmp_of(f).id.get() == 0x4242);
  CHECK(icmp_of(f).seq.get() == 1);
  CHECK(wire::inet_checksum(l4_of(f)) == 0);
  // The echoed data is the request's.
  const auto data = l4_of(f).subspan(sizeof(wire::IcmpHdr));
  const auto asked = l4_of(request).subspan(sizeof(wire::IcmpHdr));
  CHECK(std::equal(data.begin(), data.end(), asked.begin(), asked.end()));
  CHECK(sent(b, kEm1).empty());
  CHECK(j.answers.counters().echo_replies == 1);
  // It left through pf's out pass, whose `keep state` rule made its state.
  CHECK(control(b.node).states_created - before.states_created == 1);
  CHECK(control(b.node).drops == before.drops);
  test::check_no_mbuf_left(b);
}

TEST_CASE("answers: an echo reply goes through pf's out pass: one the rules block is not sent") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const Port& em1 = *b.node.ports[kEm1];
  const uint32_t asker = host1(12);
  const LcoreCounters before = control(b.node);

  j.answers.local(mbuf_of(b, test::echo_frame(em1.mac, mac_of(asker), asker, kEm1Addr)), kEm1);

  CHECK(sent(b, kEm0).empty());
  CHECK(sent(b, kEm1).empty());
  CHECK(new_drops(before, control(b.node)) == Drops{{DropReason::kPfBlock, 1}});
  test::check_no_mbuf_left(b);
}

TEST_CASE("answers: a packet to the node that is not an echo request is dropped as unhandled") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const Port& em0 = *b.node.ports[kEm0];
  const uint32_t asker = host0(13);
  const LcoreCounters before = control(b.node);

  j.answers.local(mbuf_of(b, test::udp_frame(em0.mac, mac_of(asker), asker, kEm0Addr, 5000, 53)),
                  kEm0);

  CHECK(sent(b, kEm0).empty());
  CHECK(new_drops(before, control(b.node)) == Drops{{DropReason::kLocalUnhandled, 1}});
  CHECK(j.answers.counters().echo_replies == 0);
  test::check_no_mbuf_left(b);
}

// --- ICMP errors --------------------------------------------------------------------------------

TEST_CASE("answers: a punted TTL=1 packet gets an ICMP time exceeded quoting it, and is counted") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const Port& em0 = *b.node.ports[kEm0];
  const uint32_t sender = host0(14);
  const Frame in = test::udp_frame(em0.mac, mac_of(sender), sender, host1(14), 40000, 53, 1);
  const LcoreCounters before = control(b.node);

  j.answers.icmp_error(kT0, mbuf_of(b, in), kEm0, wire::kIcmpTimeExceeded,
                       wire::kIcmpTimeExceededTtl, 0, DropReason::kTtlExceeded);

  const std::vector<Frame> out = sent(b, kEm0);
  REQUIRE(out.size() == 1);
  const Frame& f = out[0];
  const auto original = std::span<const std::byte>(in).subspan(sizeof(wire::EtherHdr));
  // Ethernet, IPv4, the ICMP header, then the whole offending datagram (it is under 548 bytes).
  REQUIRE(f.size() ==
          sizeof(wire::EtherHdr) + sizeof(wire::Ipv4Hdr) + sizeof(wire::IcmpHdr) + original.size());
  CHECK(eth_of(f).dst == mac_of(sender));
  CHECK(eth_of(f).src == em0.mac);
  CHECK(ip_of(f).src.get() == kEm0Addr);
  CHECK(ip_of(f).dst.get() == sender);
  CHECK(ip_of(f).proto == wire::kIpProtoIcmp);
  CHECK(ip_of(f).total_len.get() == f.size() - sizeof(wire::EtherHdr));
  CHECK(wire::inet_checksum(ip_header(f)) == 0);
  CHECK(icmp_of(f).type == wire::kIcmpTimeExceeded);
  CHECK(icmp_of(f).code == wire::kIcmpTimeExceededTtl);
  CHECK(wire::inet_checksum(l4_of(f)) == 0);
  const auto quoted = l4_of(f).subspan(sizeof(wire::IcmpHdr));
  CHECK(std::equal(quoted.begin(), quoted.end(), original.begin(), original.end()));
  CHECK(sent(b, kEm1).empty());
  CHECK(j.answers.counters().icmp_errors_sent == 1);
  CHECK(j.answers.counters().icmp_errors_limited == 0);
  CHECK(new_drops(before, control(b.node)) == Drops{{DropReason::kTtlExceeded, 1}});
  test::check_no_mbuf_left(b);
}

TEST_CASE("answers: of a burst of 300 ICMP errors 200 are sent and 100 counted as limited") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const Port& em0 = *b.node.ports[kEm0];
  const uint32_t sender = host0(15);
  const Frame in = test::udp_frame(em0.mac, mac_of(sender), sender, 0x0b000001, 40000, 53);
  const LcoreCounters before = control(b.node);

  // All at one instant, as a burst the workers punted: the bucket holds 200.
  size_t out = 0;
  for (int i = 0; i < 300; ++i) {
    j.answers.icmp_error(kT0, mbuf_of(b, in), kEm0, wire::kIcmpUnreach, wire::kIcmpUnreachNet, 0,
                         DropReason::kNoRoute);
    if (i % 100 == 99) out += sent(b, kEm0).size();  // the TX ring holds 255
  }
  CHECK(out == 200);
  CHECK(j.answers.counters().icmp_errors_sent == 200);
  CHECK(j.answers.counters().icmp_errors_limited == 100);
  // Every original is counted, answered or not.
  CHECK(new_drops(before, control(b.node)) == Drops{{DropReason::kNoRoute, 300}});

  // 12 ms later the bucket has refilled 2.4 tokens: two more are sent, the third is limited.
  for (int i = 0; i < 3; ++i)
    j.answers.icmp_error(kT0 + 12ms, mbuf_of(b, in), kEm0, wire::kIcmpUnreach,
                         wire::kIcmpUnreachNet, 0, DropReason::kNoRoute);
  CHECK(sent(b, kEm0).size() == 2);
  CHECK(j.answers.counters().icmp_errors_sent == 202);
  CHECK(j.answers.counters().icmp_errors_limited == 101);
  CHECK(sent(b, kEm1).empty());
  test::check_no_mbuf_left(b);
}

// --- block return -------------------------------------------------------------------------------

TEST_CASE("answers: `block return` answers a TCP SYN with a RST that skips pf's out rules") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const Port& em0 = *b.node.ports[kEm0];
  const uint32_t client = host0(16);
  const Frame syn = tcp_syn(em0.mac, mac_of(client), client, host1(16));
  const LcoreCounters before = control(b.node);

  // The worker's copy of the blocked packet: (1 << 24 | rst ttl), ingress port.
  const PuntItem item{mbuf_of(b, syn), uint32_t{1} << 24 | 64, kEm0, PuntKind::kBlockReturn};
  j.answers.block_return(kT0, item);

  // The rules pass no TCP out of em0: the RST is pf's own reply and goes out all the same.
  const std::vector<Frame> out = sent(b, kEm0);
  REQUIRE(out.size() == 1);
  const Frame& f = out[0];
  REQUIRE(f.size() == net::kTcpRstFrameLen);
  CHECK(eth_of(f).dst == mac_of(client));
  CHECK(eth_of(f).src == em0.mac);
  CHECK(ip_of(f).src.get() == host1(16));
  CHECK(ip_of(f).dst.get() == client);
  CHECK(wire::inet_checksum(ip_header(f)) == 0);
  const auto* tcp = wire::header_at<wire::TcpHdr>(l4_of(f), 0);
  CHECK(tcp->sport.get() == 22);
  CHECK(tcp->dport.get() == 40000);
  CHECK(tcp->flags == (wire::kTcpRst | wire::kTcpAck));
  CHECK(tcp->seq.get() == 0);
  CHECK(tcp->ack.get() == 1001);  // the SYN's seq + 1
  CHECK(wire::l4_checksum_ipv4(host1(16), client, wire::kIpProtoTcp, l4_of(f)) == 0);
  CHECK(j.answers.counters().rsts_sent == 1);
  // The copy is freed uncounted: the worker counted the original as pf-block.
  CHECK(control(b.node).drops == before.drops);
  test::check_no_mbuf_left(b);
}

TEST_CASE("answers: `block return` answers with an ICMP unreachable that skips pf's out rules") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const Port& em1 = *b.node.ports[kEm1];
  const uint32_t client = host1(17);
  const Frame in = test::udp_frame(em1.mac, mac_of(client), client, host0(17), 40000, 53);
  const LcoreCounters before = control(b.node);

  // (2 << 24 | type << 8 | code): port unreachable, out of em1, where pf passes no ICMP out.
  const PuntItem item{
      mbuf_of(b, in),
      uint32_t{2} << 24 | uint32_t{wire::kIcmpUnreach} << 8 | wire::kIcmpUnreachPort, kEm1,
      PuntKind::kBlockReturn};
  j.answers.block_return(kT0, item);

  const std::vector<Frame> out = sent(b, kEm1);
  REQUIRE(out.size() == 1);
  CHECK(eth_of(out[0]).dst == mac_of(client));
  CHECK(ip_of(out[0]).src.get() == kEm1Addr);
  CHECK(ip_of(out[0]).dst.get() == client);
  CHECK(icmp_of(out[0]).type == wire::kIcmpUnreach);
  CHECK(icmp_of(out[0]).code == wire::kIcmpUnreachPort);
  CHECK(wire::inet_checksum(l4_of(out[0])) == 0);
  CHECK(sent(b, kEm0).empty());
  CHECK(j.answers.counters().icmp_errors_sent == 1);
  CHECK(control(b.node).drops == before.drops);
  test::check_no_mbuf_left(b);
}

// A PMD may place a frame past the default headroom (AF_XDP's zero-copy mode does): the reply,
// built in the request's mbuf, must be what is sent.
TEST_CASE(
    "answers: an ARP reply is sent as built when the request's data starts past the "
    "default headroom",
    "[slowpath][answers]") {
  test::RingNode& b = bench();
  Jobs j(b.node);
  const Port& em0 = *b.node.ports[kEm0];
  const uint32_t asker = host0(50);
  const Frame req = arp_request(mac_of(asker), asker, kEm0Addr);
  rte_mbuf* m = rte_pktmbuf_alloc(b.node.pool);
  REQUIRE(m != nullptr);
  REQUIRE(rte_pktmbuf_append(m, static_cast<uint16_t>(req.size() + 64)) != nullptr);
  REQUIRE(rte_pktmbuf_adj(m, 64) != nullptr);  // the PMD put the frame 64 bytes further in
  std::memcpy(rte_pktmbuf_mtod(m, void*), req.data(), req.size());
  j.answers.arp(kT0, m, kEm0);
  const std::vector<Frame> out = sent(b, kEm0);
  REQUIRE(out.size() == 1);
  Frame expected(wire::kArpFrameLen);
  REQUIRE(wire::build_arp_frame(expected, wire::kArpOpReply, em0.mac, kEm0Addr, mac_of(asker),
                                mac_of(asker), asker) == wire::kArpFrameLen);
  CHECK(out[0] == expected);
}

}  // namespace
}  // namespace dpf
