// A node assembled for a test, as main.cpp assembles one (node_init and node_assemble from a
// cluster file and its ruleset), on two net_ring ports whose RX and TX rings the test holds: it
// puts frames on the RX rings and reads what the node sent off the TX rings. Also the frames the
// tests send and helpers to move them. Main lcore, EAL tests only (eal_main.cpp); each test
// binary makes one node (ethdev and ring names cannot be reused in a process) and tears it down
// when the Catch run ends, before EAL is. Include it in one translation unit per binary: it
// registers the Catch listener that runs the teardown.
#pragma once

#define CATCH_CONFIG_EXTERNAL_INTERFACES  // the listener that tears the node down before EAL
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_log.h>
#include <rte_lpm.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "control/config/cluster.h"
#include "dataplane/net/drop.h"
#include "dataplane/net/wire/checksum.h"
#include "dataplane/net/wire/headers.h"
#include "dataplane/node/assemble.h"
#include "dataplane/node/node.h"
#include "tests/unit/net/test_util.h"

namespace dpf::test {

using Frame = std::vector<std::byte>;

// The node and the rings behind its two ports (port i is the net_ring device `<tag><i>`, which
// the cluster file names net_ring_<tag><i>).
struct RingNode {
  std::filesystem::path dir;  // the cluster file's directory: its ruleset is written there
  config::Cluster cluster;
  Node node;
  std::array<rte_ring*, 2> rx{}, tx{};
  bool ready = false;  // assembled
};

inline rte_ring* make_test_ring(const std::string& name) {
  rte_ring* r = rte_ring_create(name.c_str(), 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  REQUIRE(r != nullptr);
  return r;
}

// Assembles the node of `cluster_yaml`, whose two interfaces are net_ring_<tag>0 and
// net_ring_<tag>1; `rules` is written to `rules_file` next to the cluster file (the name its
// `rules:` gives; nothing is written when it is empty). The ports get the MACs 02:00:00:00:fe:0i.
inline void assemble_ring_node(RingNode& b, const std::string& tag, const char* cluster_yaml,
                               const std::string& rules_file, const char* rules) {
  b.dir = std::filesystem::temp_directory_path() / ("dpf-" + tag + "-" + std::to_string(getpid()));
  std::filesystem::create_directories(b.dir);
  if (!rules_file.empty()) std::ofstream(b.dir / rules_file) << rules;
  auto loaded = config::load_cluster_string(cluster_yaml, (b.dir / "cluster.yaml").string());
  INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().str()));
  REQUIRE(loaded.cluster);
  b.cluster = std::move(*loaded.cluster);
  // The ports the cluster file names: net_ring devices over rings the test holds, probed here,
  // configured and started by node_assemble like any other device.
  for (unsigned i = 0; i < 2; ++i) {
    const std::string name = tag + std::to_string(i);
    b.rx[i] = make_test_ring(name + "_rx");
    b.tx[i] = make_test_ring(name + "_tx");
    REQUIRE(rte_eth_from_rings(name.c_str(), &b.rx[i], 1, &b.tx[i], 1, 0) >= 0);
  }
  node_init(b.node, b.cluster, b.cluster.nodes.front());
  std::vector<std::string> errors;
  // The node probes each device, and EAL logs an error for one already probed (here, all of
  // them) before the node takes its port as it is: quiet while the node is assembled.
  const int eal_level = rte_log_get_level(RTE_LOGTYPE_EAL);
  rte_log_set_level(RTE_LOGTYPE_EAL, RTE_LOG_CRIT);
  const bool ok = node_assemble(b.node, errors);
  rte_log_set_level(RTE_LOGTYPE_EAL, static_cast<uint32_t>(eal_level));
  INFO((errors.empty() ? std::string() : errors.front()));
  REQUIRE(ok);
  REQUIRE(b.node.ports.size() == 2);
  // net_ring ports have no MAC address (all zero, and it cannot be set): the node's ports get
  // their own, as NICs would have given them, before any frame is handled.
  for (uint8_t i = 0; i < 2; ++i) b.node.ports[i]->mac = {0x02, 0, 0, 0, 0xfe, i};
}

// Frees what assemble_ring_node made (whatever part of it was made).
inline void teardown_ring_node(RingNode& b) {
  node_teardown(b.node);  // stops and closes the ports
  for (rte_ring* r : b.node.punt) rte_ring_free(r);
  rte_hash_free(b.node.neighbors);
  rte_lpm_free(b.node.lpm);
  rte_mempool_free(b.node.pool);
  for (unsigned i = 0; i < 2; ++i) {
    rte_ring_free(b.rx[i]);
    rte_ring_free(b.tx[i]);
  }
  std::error_code ec;
  std::filesystem::remove_all(b.dir, ec);
}

// What runs when the Catch run ends (set by ring_node_once).
inline std::function<void()>& at_run_end() {
  static std::function<void()> f;
  return f;
}

struct RingNodeTeardown : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testRunEnded(const Catch::TestRunStats&) override {
    if (auto& f = at_run_end()) {
      f();
      f = nullptr;
    }
  }
};
CATCH_REGISTER_LISTENER(RingNodeTeardown)

// The binary's node of type T (a RingNode, or a struct that extends one): made by `make` for the
// first case that asks, torn down by `teardown` when the run ends. When `make` failed, every
// later case fails here too.
template <class T>
T& ring_node_once(void (*make)(T&), void (*teardown)(T&)) {
  static std::unique_ptr<T> node;
  static bool tried = false;
  if (!tried) {
    tried = true;
    node = std::make_unique<T>();
    at_run_end() = [teardown] {
      teardown(*node);
      node.reset();
    };
    make(*node);
    node->ready = true;
  }
  REQUIRE(node->ready);  // the node of the first case could not be assembled
  return *node;
}

// --- Frames -------------------------------------------------------------------------------------

// Ethernet + a 20-byte IPv4 header (DF, checksum filled) + `l4` as given.
inline Frame ipv4_frame(const wire::MacAddr& dst_mac, const wire::MacAddr& src_mac, uint32_t src,
                        uint32_t dst, uint8_t proto, const Frame& l4, uint8_t ttl = 64) {
  Frame f(sizeof(wire::EtherHdr) + sizeof(wire::Ipv4Hdr) + l4.size());
  auto* eth = wire::header_at<wire::EtherHdr>(std::span<std::byte>(f), 0);
  eth->dst = dst_mac;
  eth->src = src_mac;
  eth->type.set(wire::kEtherTypeIpv4);
  wire::Ipv4Hdr& ip = net::test::ip_of(f);
  ip.ver_ihl = 0x45;
  ip.total_len.set(static_cast<uint16_t>(sizeof(wire::Ipv4Hdr) + l4.size()));
  ip.id.set(0x1234);
  ip.frag_off.set(wire::kIpv4FlagDf);
  ip.ttl = ttl;
  ip.proto = proto;
  ip.src.set(src);
  ip.dst.set(dst);
  std::memcpy(f.data() + sizeof(wire::EtherHdr) + sizeof(wire::Ipv4Hdr), l4.data(), l4.size());
  net::test::fix_ip_checksum(f);
  return f;
}

// A UDP datagram with a 4-byte payload and its checksum.
inline Frame udp_frame(const wire::MacAddr& dst_mac, const wire::MacAddr& src_mac, uint32_t src,
                       uint32_t dst, uint16_t sport, uint16_t dport, uint8_t ttl = 64) {
  Frame l4(sizeof(wire::UdpHdr) + 4);
  auto* udp = wire::header_at<wire::UdpHdr>(std::span<std::byte>(l4), 0);
  udp->sport.set(sport);
  udp->dport.set(dport);
  udp->len.set(static_cast<uint16_t>(l4.size()));
  for (size_t i = sizeof(wire::UdpHdr); i < l4.size(); ++i) l4[i] = std::byte{0xd0};
  const uint16_t sum = wire::l4_checksum_ipv4(src, dst, wire::kIpProtoUdp, l4);
  udp->check.set(sum == 0 ? 0xffff : sum);
  return ipv4_frame(dst_mac, src_mac, src, dst, wire::kIpProtoUdp, l4, ttl);
}

// An ICMP echo request (id 0x4242, seq 1, 8 bytes of data).
inline Frame echo_frame(const wire::MacAddr& dst_mac, const wire::MacAddr& src_mac, uint32_t src,
                        uint32_t dst) {
  Frame l4(sizeof(wire::IcmpHdr) + 8, std::byte{0x5a});
  auto* icmp = wire::header_at<wire::IcmpHdr>(std::span<std::byte>(l4), 0);
  icmp->type = wire::kIcmpEcho;
  icmp->code = 0;
  icmp->check.set(0);
  icmp->id.set(0x4242);
  icmp->seq.set(1);
  icmp->check.set(wire::inet_checksum(l4));
  return ipv4_frame(dst_mac, src_mac, src, dst, wire::kIpProtoIcmp, l4);
}

// --- Moving frames ------------------------------------------------------------------------------

// A new mbuf from the node's pool holding a copy of f.
inline rte_mbuf* mbuf_of(RingNode& b, const Frame& f) {
  rte_mbuf* m = rte_pktmbuf_alloc(b.node.pool);
  REQUIRE(m != nullptr);
  auto* data = rte_pktmbuf_append(m, static_cast<uint16_t>(f.size()));
  REQUIRE(data != nullptr);
  std::memcpy(data, f.data(), f.size());
  return m;
}

// Puts a frame on a port's RX ring, as the wire would.
inline void inject(RingNode& b, uint16_t port, const Frame& f) {
  REQUIRE(rte_ring_sp_enqueue(b.rx[port], mbuf_of(b, f)) == 0);
}

inline Frame bytes_of(const rte_mbuf* m) {
  const auto* p = rte_pktmbuf_mtod(m, const std::byte*);
  return {p, p + rte_pktmbuf_data_len(m)};
}

// What the node sent on a port, taken off its TX ring.
inline std::vector<Frame> sent(RingNode& b, uint16_t port) {
  std::vector<Frame> out;
  void* m = nullptr;
  while (rte_ring_sc_dequeue(b.tx[port], &m) == 0) {
    out.push_back(bytes_of(static_cast<rte_mbuf*>(m)));
    rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  }
  return out;
}

inline uint64_t drops(const LcoreCounters& c, net::DropReason why) {
  return c.drops[static_cast<size_t>(why)];
}

// Every mbuf the node took went out (and was read off the TX rings) or back to the pool.
inline void check_no_mbuf_left(RingNode& b) {
  CHECK(rte_ring_count(b.rx[0]) == 0);
  CHECK(rte_ring_count(b.rx[1]) == 0);
  CHECK(rte_mempool_in_use_count(b.node.pool) == 0);
}

}  // namespace dpf::test
