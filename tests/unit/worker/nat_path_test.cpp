// pf's translation on the worker's packet path (tests/unit/worker/worker_bench.h): nat and rdr
// statements and rdr-to rewrite packets with valid checksums, their replies and the ICMP errors
// about them are translated back, a translated state carries both keys, and an exhausted port
// range drops the packet with its own reason.
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <vector>

#include "dataplane/net/drop.h"
#include "dataplane/net/wire/checksum.h"
#include "dataplane/worker/pf.h"
#include "tests/unit/net/test_util.h"
#include "tests/unit/node/ring_node.h"
#include "tests/unit/worker/worker_bench.h"

namespace dpf {
namespace {

using net::DropReason;
using test::drops;
using test::echo_frame;
using test::Frame;
using test::inject;
using test::sent;
using test::udp_frame;
using wire::MacAddr;

// em0 (port 0, inside) is 10.0.0.254/24 with host A; em1 (port 1, outside) is 10.1.0.254/24
// with host B.
constexpr uint32_t kEm1Addr = 0x0a0100fe;  // 10.1.0.254
constexpr uint32_t kHostA = 0x0a00000a;    // 10.0.0.10
constexpr uint32_t kHostB = 0x0a010014;    // 10.1.0.20
constexpr uint32_t kHostD = 0x0a01001e;    // 10.1.0.30 (sticky-address)
constexpr uint32_t kHostE = 0x0a01001f;    // 10.1.0.31 (round-robin alone)
constexpr MacAddr kMacA = {0x02, 0, 0, 0, 0x00, 0x0a};
constexpr MacAddr kMacB = {0x02, 0, 0, 0, 0x01, 0x14};
constexpr uint16_t kEm0 = 0, kEm1 = 1;

constexpr const char* kCluster = R"(cluster:
  name: npath
  rules: nat_path.pf.conf
nodes:
  fw:
    hostid: 0x0a000001
    lcores: { workers: 1, idle: poll }
    interfaces:
      em0: { device: net_ring_npath0, address: 10.0.0.254/24 }
      em1: { device: net_ring_npath1, address: 10.1.0.254/24 }
)";

// Outbound UDP to B's port 53 gets the even ports of 50000:50003 (the worker is lane 0 of 2:
// the control thread is the other), so two flows to one destination fit and a third does not.
// Other outbound traffic uses pf's default range. UDP to em1's port 5353 goes to A's port 53;
// TCP to em1's port 8080 is redirected by the filter rule's rdr-to.
constexpr const char* kRules = R"(set limit states 1024
nat on em1 proto udp from 10.0.0.0/24 to 10.1.0.20 port 53 -> (em1) port 50000:50003
nat on em1 proto tcp from 10.0.0.0/24 to 10.1.0.30 -> { 10.1.0.251 10.1.0.252 } round-robin sticky-address
nat on em1 proto tcp from 10.0.0.0/24 to 10.1.0.31 -> { 10.1.0.251 10.1.0.252 } round-robin
nat on em1 from 10.0.0.0/24 to any -> (em1)
rdr on em1 proto udp from any to (em1) port 5353 -> 10.0.0.10 port 53
rdr on em1 proto tcp from any to (em1) port 8081 -> 10.0.0.10 port 81
block all
block return in on em1 proto tcp to 10.0.0.10 port 81
pass in on em0 from 10.0.0.0/24 keep state
pass out on em1 keep state
pass in on em1 proto udp to 10.0.0.10 port 53 keep state
pass out on em0 keep state
pass in on em1 proto tcp to (em1) port 8080 rdr-to 10.0.0.10 port 80 keep state
)";

using Bench = test::WorkerBench;
using test::run_pass;

Bench& bench() {
  static bool neighbors = false;
  Bench& b = test::ring_node_once<Bench>(
      [](Bench& n) {
        test::assemble_worker_bench(n, "npath", kCluster, "nat_path.pf.conf", kRules);
      },
      test::teardown_worker_bench);
  if (!neighbors) {
    neighbors = true;
    test::learn_neighbor(b, kHostA, kMacA);
    test::learn_neighbor(b, kHostB, kMacB);
    test::learn_neighbor(b, kHostD, kMacB);
    test::learn_neighbor(b, kHostE, kMacB);
  }
  return b;
}

// --- Reading frames -----------------------------------------------------------------------------

constexpr size_t kL3 = sizeof(wire::EtherHdr);
constexpr size_t kL4 = kL3 + sizeof(wire::Ipv4Hdr);

uint32_t src_of(const Frame& f) {
  return wire::header_at<wire::Ipv4Hdr>(std::span<const std::byte>(f), kL3)->src.get();
}
uint32_t dst_of(const Frame& f) {
  return wire::header_at<wire::Ipv4Hdr>(std::span<const std::byte>(f), kL3)->dst.get();
}
uint16_t be16_at(const Frame& f, size_t off) {
  return static_cast<uint16_t>(std::to_integer<unsigned>(f[off]) << 8 |
                               std::to_integer<unsigned>(f[off + 1]));
}

// Every checksum of an IPv4 frame, recomputed in full: the IP header's, and the TCP/UDP one
// over its pseudo-header or the ICMP one (a UDP checksum of 0 means none).
void check_checksums(const Frame& f) {
  const auto ip = std::span<const std::byte>(f).subspan(kL3, sizeof(wire::Ipv4Hdr));
  CHECK(wire::inet_checksum(ip) == 0);
  const auto* h = wire::header_at<wire::Ipv4Hdr>(std::span<const std::byte>(f), kL3);
  const auto l4 = std::span<const std::byte>(f).subspan(kL4, h->total_len.get() - 20u);
  if (h->proto == wire::kIpProtoIcmp) {
    CHECK(wire::inet_checksum(l4) == 0);
  } else if (h->proto != wire::kIpProtoUdp || be16_at(f, kL4 + 6) != 0) {
    CHECK(wire::l4_checksum_ipv4(h->src.get(), h->dst.get(), h->proto, l4) == 0);
  }
}

// An ICMP port unreachable from `from` to `to` quoting the first 28 bytes of `quoted`'s IP
// datagram, as a router or host sends it.
Frame unreachable(const MacAddr& dst_mac, const MacAddr& src_mac, uint32_t from, uint32_t to,
                  const Frame& quoted) {
  Frame l4(sizeof(wire::IcmpHdr));
  l4.insert(l4.end(), quoted.begin() + kL3, quoted.begin() + kL4 + 8);
  auto* icmp = wire::header_at<wire::IcmpHdr>(std::span<std::byte>(l4), 0);
  icmp->type = wire::kIcmpUnreach;
  icmp->code = 3;
  icmp->check.set(0);
  icmp->check.set(wire::inet_checksum(l4));
  return test::ipv4_frame(dst_mac, src_mac, from, to, wire::kIpProtoIcmp, l4);
}

Frame tcp_syn(const MacAddr& dst_mac, const MacAddr& src_mac, uint32_t src, uint32_t dst,
              uint16_t sport, uint16_t dport) {
  Frame l4(sizeof(wire::TcpHdr));
  auto* tcp = wire::header_at<wire::TcpHdr>(std::span<std::byte>(l4), 0);
  tcp->sport.set(sport);
  tcp->dport.set(dport);
  tcp->seq.set(1000);
  tcp->data_off = 5 << 4;
  tcp->flags = wire::kTcpSyn;
  tcp->win.set(8192);
  tcp->check.set(wire::l4_checksum_ipv4(src, dst, wire::kIpProtoTcp, l4));
  return test::ipv4_frame(dst_mac, src_mac, src, dst, wire::kIpProtoTcp, l4);
}

// Sends `f` in on port `in` and returns the one frame the node sent out of port `out` for it.
Frame through(Bench& b, uint16_t in, const Frame& f, uint16_t out) {
  inject(b, in, f);
  run_pass(b);
  std::vector<Frame> frames = sent(b, out);
  REQUIRE(frames.size() == 1);
  return frames[0];
}

// The node's state of `key` looked up in `dir` (wire keys inbound, stack keys outbound).
const state::State* find(Bench& b, const state::PacketTuple& t, wire::Direction dir) {
  return b.node.pf->table->lookup(state::make_lookup_key(t, dir), dir);
}

state::Addr addr(uint32_t a) {
  return state::Addr::v4(a >> 24, a >> 16 & 0xff, a >> 8 & 0xff, a & 0xff);
}

state::PacketTuple udp_tuple(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport) {
  state::PacketTuple t;
  t.proto = wire::kIpProtoUdp;
  t.src = addr(src);
  t.dst = addr(dst);
  t.sport = sport;
  t.dport = dport;
  return t;
}

// --- Cases --------------------------------------------------------------------------------------

TEST_CASE("nat: outbound UDP leaves from the node's address and a port of the range, and back") {
  Bench& b = bench();
  const Port& em0 = *b.node.ports[kEm0];
  const Port& em1 = *b.node.ports[kEm1];

  const Frame out = through(b, kEm0, udp_frame(em0.mac, kMacA, kHostA, kHostB, 41000, 53), kEm1);
  CHECK(src_of(out) == kEm1Addr);
  CHECK(dst_of(out) == kHostB);
  const uint16_t port = be16_at(out, kL4);
  CHECK((port == 50000 || port == 50002));
  CHECK(be16_at(out, kL4 + 2) == 53);
  check_checksums(out);

  // The out state on em1 has both keys: the stack key is the packet as A sent it, the wire key
  // as it left.
  const state::State* s = find(b, udp_tuple(kHostA, 41000, kHostB, 53), wire::Direction::kOut);
  REQUIRE(s != nullptr);
  REQUIRE(s->key.translated());
  const state::StateKey& wire_key = s->key.key[state::kSkWire];
  CHECK(wire_key.addr[1] == addr(kEm1Addr));  // an outbound state's source slot
  CHECK(wire_key.port[1] == port);
  CHECK(find(b, udp_tuple(kHostB, 53, kEm1Addr, port), wire::Direction::kIn) == s);

  // B's answer goes back to A's own address and port.
  const Frame back = through(b, kEm1, udp_frame(em1.mac, kMacB, kHostB, kEm1Addr, 53, port), kEm0);
  CHECK(src_of(back) == kHostB);
  CHECK(dst_of(back) == kHostA);
  CHECK(be16_at(back, kL4) == 53);
  CHECK(be16_at(back, kL4 + 2) == 41000);
  check_checksums(back);

  // B's port unreachable about the translated datagram reaches A about A's own datagram.
  const LcoreCounters before = b.node.counters[0];
  const Frame err = through(b, kEm1, unreachable(em1.mac, kMacB, kHostB, kEm1Addr, out), kEm0);
  CHECK(dst_of(err) == kHostA);
  check_checksums(err);
  const size_t inner = kL4 + sizeof(wire::IcmpHdr);
  const auto quoted_ip = std::span<const std::byte>(err).subspan(inner, 20);
  CHECK(wire::inet_checksum(quoted_ip) == 0);
  CHECK(be16_at(err, inner + 12) == (kHostA >> 16));  // quoted source 10.0.0.10
  CHECK(be16_at(err, inner + 14) == (kHostA & 0xffff));
  CHECK(be16_at(err, inner + 20) == 41000);  // quoted source port
  CHECK(drops(b.node.counters[0], DropReason::kPfBlock) == drops(before, DropReason::kPfBlock));
  test::check_no_mbuf_left(b);
}

TEST_CASE("nat: when the worker's ports of the range are taken, the packet is nat-exhausted") {
  Bench& b = bench();
  const Port& em0 = *b.node.ports[kEm0];
  const LcoreCounters before = b.node.counters[0];
  // The first case may have taken one of the two ports: fill the range, then one more.
  std::vector<uint16_t> ports;
  for (uint16_t sport = 42000; sport < 42003; ++sport) {
    inject(b, kEm0, udp_frame(em0.mac, kMacA, kHostA, kHostB, sport, 53));
    run_pass(b);
    for (const Frame& f : sent(b, kEm1)) ports.push_back(be16_at(f, kL4));
  }
  const uint64_t exhausted = drops(b.node.counters[0], DropReason::kNatExhausted) -
                             drops(before, DropReason::kNatExhausted);
  CHECK(ports.size() + exhausted == 3);
  CHECK(exhausted >= 1);
  for (uint16_t p : ports) CHECK((p == 50000 || p == 50002));
  if (ports.size() == 2) CHECK(ports[0] != ports[1]);
  CHECK(net::drop_reason_name(DropReason::kNatExhausted) == "nat-exhausted");
  test::check_no_mbuf_left(b);
}

TEST_CASE("nat: a ping leaves with the node's address and a new id, its reply returns with A's") {
  Bench& b = bench();
  const Port& em0 = *b.node.ports[kEm0];
  const Port& em1 = *b.node.ports[kEm1];
  const Frame out = through(b, kEm0, echo_frame(em0.mac, kMacA, kHostA, kHostB), kEm1);
  CHECK(src_of(out) == kEm1Addr);
  check_checksums(out);
  const uint16_t id = be16_at(out, kL4 + 4);
  CHECK(id % 2 == 0);  // the worker's share of the id space

  // The echo reply to the node's id comes back to A with A's id 0x4242.
  Frame reply = out;
  auto* ip = wire::header_at<wire::Ipv4Hdr>(std::span<std::byte>(reply), kL3);
  ip->src.set(kHostB);
  ip->dst.set(kEm1Addr);
  ip->ttl = 64;
  net::test::fix_ip_checksum(reply);
  auto* icmp = wire::header_at<wire::IcmpHdr>(std::span<std::byte>(reply), kL4);
  icmp->type = wire::kIcmpEchoReply;
  icmp->check.set(0);
  icmp->check.set(wire::inet_checksum(std::span<const std::byte>(reply).subspan(kL4)));
  auto* eth = wire::header_at<wire::EtherHdr>(std::span<std::byte>(reply), 0);
  eth->dst = em1.mac;
  eth->src = kMacB;
  const Frame back = through(b, kEm1, reply, kEm0);
  CHECK(dst_of(back) == kHostA);
  CHECK(be16_at(back, kL4 + 4) == 0x4242);
  check_checksums(back);
  test::check_no_mbuf_left(b);
}

TEST_CASE("rdr: a datagram to the node's port goes to the inside server, its answer comes back") {
  Bench& b = bench();
  const Port& em0 = *b.node.ports[kEm0];
  const Port& em1 = *b.node.ports[kEm1];
  const Frame in = through(b, kEm1, udp_frame(em1.mac, kMacB, kHostB, kEm1Addr, 7000, 5353), kEm0);
  CHECK(src_of(in) == kHostB);
  CHECK(dst_of(in) == kHostA);
  CHECK(be16_at(in, kL4 + 2) == 53);
  check_checksums(in);
  // The in state on em1: wire key as B sent it, stack key as A receives it.
  const state::State* s = find(b, udp_tuple(kHostB, 7000, kEm1Addr, 5353), wire::Direction::kIn);
  REQUIRE(s != nullptr);
  CHECK(s->key.translated());

  const Frame out = through(b, kEm0, udp_frame(em0.mac, kMacA, kHostA, kHostB, 53, 7000), kEm1);
  CHECK(src_of(out) == kEm1Addr);
  CHECK(be16_at(out, kL4) == 5353);
  CHECK(be16_at(out, kL4 + 2) == 7000);
  check_checksums(out);
  test::check_no_mbuf_left(b);
}

TEST_CASE("rdr-to: a pass rule redirects a TCP SYN after the rules saw the original address") {
  Bench& b = bench();
  const Port& em1 = *b.node.ports[kEm1];
  const Frame in = through(b, kEm1, tcp_syn(em1.mac, kMacB, kHostB, kEm1Addr, 7100, 8080), kEm0);
  CHECK(dst_of(in) == kHostA);
  CHECK(be16_at(in, kL4 + 2) == 80);
  check_checksums(in);
  // A SYN to port 8080 of an inside address matches no pass rule: rdr-to is no rdr statement.
  const LcoreCounters before = b.node.counters[0];
  inject(b, kEm1, tcp_syn(em1.mac, kMacB, kHostB, kHostA, 7101, 80));
  run_pass(b);
  CHECK(sent(b, kEm0).empty());
  CHECK(drops(b.node.counters[0], DropReason::kPfBlock) - drops(before, DropReason::kPfBlock) == 1);
  test::check_no_mbuf_left(b);
}

TEST_CASE("nat: round-robin hands out the pool's addresses in turn; sticky-address keeps one") {
  Bench& b = bench();
  const Port& em0 = *b.node.ports[kEm0];
  // The addresses the pool gave four connections from A to `to`.
  auto sources = [&](uint32_t to, uint16_t first_port) {
    std::vector<uint32_t> out;
    for (uint16_t p = first_port; p < first_port + 4; ++p) {
      const Frame f = through(b, kEm0, tcp_syn(em0.mac, kMacA, kHostA, to, p, 80), kEm1);
      check_checksums(f);
      out.push_back(src_of(f));
    }
    return out;
  };
  const std::vector<uint32_t> rr = sources(kHostE, 43000);
  for (size_t i = 1; i < rr.size(); ++i) CHECK(rr[i] != rr[i - 1]);
  const size_t nodes = b.node.pf->src_nodes ? b.node.pf->src_nodes->count() : 0;
  const std::vector<uint32_t> sticky = sources(kHostD, 44000);
  CHECK((sticky[0] == 0x0a0100fb || sticky[0] == 0x0a0100fc));
  for (uint32_t a : sticky) CHECK(a == sticky[0]);
  // One source node remembers A's address; it counts A's four states.
  REQUIRE(b.node.pf->src_nodes != nullptr);
  CHECK(b.node.pf->src_nodes->count() == nodes + 1);
  const auto snap = b.node.pf->src_nodes->snapshot();
  const auto it = std::find_if(snap.begin(), snap.end(), [](const state::SrcNodeInfo& n) {
    return n.key.addr == addr(kHostA) && n.node->sticky;
  });
  REQUIRE(it != snap.end());
  CHECK(it->states == 4);
  CHECK(it->sticky);
  CHECK(it->raddr == addr(sticky[0]));
  test::check_no_mbuf_left(b);
}

TEST_CASE("rdr: a `block return` answers the packet as it came, not as rdr made it") {
  Bench& b = bench();
  const Port& em1 = *b.node.ports[kEm1];
  const LcoreCounters before = b.node.counters[0];
  inject(b, kEm1, tcp_syn(em1.mac, kMacB, kHostB, kEm1Addr, 7200, 8081));
  run_pass(b);
  CHECK(sent(b, kEm0).empty());
  CHECK(drops(b.node.counters[0], DropReason::kPfBlock) - drops(before, DropReason::kPfBlock) == 1);
  // The copy the control thread answers with a RST: to em1's address and port 8081 again.
  const std::vector<test::Punted> p = test::punted(b);
  REQUIRE(p.size() == 1);
  CHECK(p[0].kind == PuntKind::kBlockReturn);
  CHECK(src_of(p[0].frame) == kHostB);
  CHECK(dst_of(p[0].frame) == kEm1Addr);
  CHECK(be16_at(p[0].frame, kL4 + 2) == 8081);
  check_checksums(p[0].frame);
  test::check_no_mbuf_left(b);
}

}  // namespace
}  // namespace dpf
