// Unit tests of pf_test on a node without ports: UDP packets filtered on a worker lcore while the
// main lcore reloads the ruleset. EAL from eal_main.cpp (lcores 0 and 1).
#include "dataplane/worker/pf.h"

#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include <atomic>
#include <catch2/catch.hpp>

#include "dataplane/node/node.h"
#include "dataplane/worker/worker.h"
#include "tests/unit/worker/pf_fixture.h"

namespace dpf {
namespace {

using test::build;
using test::make_pf;

// The UDP packet 10.0.0.1:sport -> 192.168.1.1:53 as pf_test sees it (the frame is not read).
net::PacketInfo udp_info(uint16_t sport) {
  net::PacketInfo info{};
  info.l3 = net::L3Kind::kIpv4;
  info.ethertype = 0x0800;
  info.l3_off = 14;
  info.l3_len = 20;
  info.ip_total_len = 28;
  info.l4_off = 34;
  info.l4_len = 8;
  info.proto = wire::kIpProtoUdp;
  info.ttl = 64;
  info.first_fragment = true;
  info.src = 0x0a000001;
  info.dst = 0xc0a80101;
  info.sport = sport;
  info.dport = 53;
  info.l4_valid = true;
  return info;
}

struct Race {
  Node* node = nullptr;
  rte_mbuf* m = nullptr;
  std::atomic<unsigned> packets{0};
  std::atomic<unsigned> passed{0};
  std::atomic<unsigned> wrong_rule{0};  // states whose RuleRef is not their rule's
  std::atomic<bool> stop{false};
};

// The worker side until `stop`: each packet creates a state, which is checked and removed.
int filter_packets(void* arg) {
  Race& r = *static_cast<Race*>(arg);
  Pf& pf = *r.node->pf;
  WorkerContext w;
  w.node = r.node;
  w.index = 0;
  w.c = &r.node->counters[0];
  for (unsigned i = 0; !r.stop.load(std::memory_order_relaxed); ++i) {
    r.packets.fetch_add(1, std::memory_order_relaxed);
    net::PacketInfo info = udp_info(static_cast<uint16_t>(1024 + i % 60000));
    if (pf_test(w, state::Direction::kIn, 0, 0, r.m, info, 1)) r.passed.fetch_add(1);
    state::PacketTuple t;
    t.af = state::AddrFamily::kInet;
    t.proto = wire::kIpProtoUdp;
    t.src = state::Addr::v4(10, 0, 0, 1);
    t.dst = state::Addr::v4(192, 168, 1, 1);
    t.sport = info.sport;
    t.dport = 53;
    state::State* s =
        pf.table->lookup(state::make_lookup_key(t, state::Direction::kIn), state::Direction::kIn);
    if (s != nullptr) {
      const auto* ref = static_cast<const RuleRef*>(s->rule);
      if (ref == nullptr || ref->nr != s->rule_nr) r.wrong_rule.fetch_add(1);
      pf_remove_state(pf, s);
    }
    pf.table->quiescent(0);
  }
  return 0;
}

// The stateful rule is number 1 in one ruleset and 0 in the other; the rules beside it keep no
// state, so a RuleRef looked up in the wrong ruleset is nullptr or another rule's.
TEST_CASE("pf: a state gets the RuleRef of the ruleset that passed its packet, across reloads") {
  REQUIRE(rte_lcore_is_enabled(1));
  Node node;
  node.pf = make_pf(4096);
  node.n_workers = 1;
  node.counters.resize(2);
  rte_mempool* pool = rte_pktmbuf_pool_create("pf_race", 63, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(rte_socket_id()));
  REQUIRE(pool != nullptr);
  node.pool = pool;
  const char* rulesets[] = {
      "block all\npass in proto udp keep state\n",
      "pass in proto udp keep state\nblock in proto tcp\n",
  };
  pf_publish(*node.pf, build(*node.pf, rulesets[0]));
  node.pf->table->register_reader(0);

  Race race;
  race.node = &node;
  race.m = rte_pktmbuf_alloc(pool);
  REQUIRE(race.m != nullptr);
  REQUIRE(rte_eal_remote_launch(filter_packets, &race, 1) == 0);
  while (race.packets.load() == 0) rte_pause();
  for (unsigned i = 1; i <= 2000; ++i) {
    pf_publish(*node.pf, build(*node.pf, rulesets[i % 2]));
    pf_reclaim(*node.pf);
  }
  race.stop.store(true);
  rte_eal_wait_lcore(1);
  INFO(race.packets.load() << " packets");
  CHECK(race.passed.load() == race.packets.load());
  CHECK(race.wrong_rule.load() == 0);

  node.pf->table->unregister_reader(0);
  pf_reclaim(*node.pf);
  rte_pktmbuf_free(race.m);
  node.pf.reset();
  rte_mempool_free(pool);
}

// One packet through pf_test on lane 0, each in an mbuf of its own (a blocked one is freed).
bool filter_one(Node& node, rte_mempool* pool, wire::Direction dir, net::PacketInfo info) {
  WorkerContext w;
  w.node = &node;
  w.index = 0;
  w.c = &node.counters[0];
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  REQUIRE(m != nullptr);
  const bool passed = pf_test(w, dir, 0, 0, m, info, 7);
  if (passed) rte_pktmbuf_free(m);
  return passed;
}

net::PacketInfo udp_reply(uint16_t dport) {
  net::PacketInfo info = udp_info(53);
  std::swap(info.src, info.dst);
  info.sport = 53;
  info.dport = dport;
  return info;
}

// pf's counters (pfctl -vsr), evaluations as dpf counts them (rule_counters.h): every rule up to
// the quick rule that stopped the evaluation, or to the last.
TEST_CASE("pf: a rule counts evaluations, its packets, its states' packets and its states") {
  Node node;
  node.pf = make_pf(64);
  node.n_workers = 1;
  node.counters.resize(2);
  rte_mempool* pool = rte_pktmbuf_pool_create("pf_counters", 63, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(rte_socket_id()));
  REQUIRE(pool != nullptr);
  node.pool = pool;
  pf_publish(*node.pf, build(*node.pf,
                             "block in all\n"
                             "pass in quick proto udp to port 53 keep state\n"
                             "block in proto udp to port 53\n"));
  node.pf->table->register_reader(0);
  const PfRuleset* rs = node.pf->ruleset.load();

  CHECK(filter_one(node, pool, wire::Direction::kIn, udp_info(1000)));    // creates a state
  CHECK(filter_one(node, pool, wire::Direction::kIn, udp_info(1000)));    // on the state
  CHECK(filter_one(node, pool, wire::Direction::kOut, udp_reply(1000)));  // the reply, on it
  net::PacketInfo other = udp_info(1001);
  other.dport = 80;
  CHECK_FALSE(filter_one(node, pool, wire::Direction::kIn, other));  // blocked by rule 0

  auto t = rs->counters->sum();
  REQUIRE(t.size() == 3);
  // The first packet stopped at quick rule 1; the one to port 80 went through all three; packets
  // on the state evaluated nothing.
  CHECK(t[0].evaluations == 2);
  CHECK(t[1].evaluations == 2);
  CHECK(t[2].evaluations == 1);
  CHECK(t[0].packets[0] == 1);  // the block
  CHECK(t[0].bytes[0] == 28);
  CHECK(t[1].packets[0] == 2);  // the state's first packet and the one after it
  CHECK(t[1].packets[1] == 1);  // the reply
  CHECK(t[1].bytes[0] == 56);
  CHECK(t[1].bytes[1] == 28);
  CHECK(t[1].state_creations == 1);
  CHECK(rs->refs[1]->states.load() == 1);
  CHECK(t[1].active);
  CHECK(t[1].last_active == 7);
  CHECK(t[2].packets[0] + t[2].packets[1] == 0);
  CHECK_FALSE(t[2].active);

  // A reload starts from zero; the old rule's state still counts to the old rule only.
  pf_publish(*node.pf, build(*node.pf,
                             "block in all\n"
                             "pass in quick proto udp to port 53 keep state\n"
                             "block in proto udp to port 53\n"));
  const PfRuleset* fresh = node.pf->ruleset.load();
  CHECK(filter_one(node, pool, wire::Direction::kIn, udp_info(1000)));
  const auto after = fresh->counters->sum();
  for (const auto& r : after) {
    CHECK(r.evaluations == 0);
    CHECK(r.packets[0] == 0);
  }
  const auto* ref = static_cast<const RuleRef*>(node.pf->retired.front().refs->refs.front().get());
  CHECK(ref->counters->sum()[1].packets[0] == 3);

  node.pf->table->unregister_reader(0);
  state::PacketTuple tuple;
  tuple.af = state::AddrFamily::kInet;
  tuple.proto = wire::kIpProtoUdp;
  tuple.src = state::Addr::v4(10, 0, 0, 1);
  tuple.dst = state::Addr::v4(192, 168, 1, 1);
  tuple.sport = 1000;
  tuple.dport = 53;
  const auto dir = state::Direction::kIn;
  CHECK(pf_remove_state(*node.pf, node.pf->table->lookup(state::make_lookup_key(tuple, dir), dir)));
  pf_reclaim(*node.pf);
  node.pf.reset();
  rte_mempool_free(pool);
}

uint64_t limit_count(const LcoreCounters& c, LimitCounter which) {
  return c.limits[static_cast<size_t>(which)];
}

// pf_create_state's refusals: a rule's `max` counts LCNT_STATES, max-src-states LCNT_SRCSTATES,
// each on the lcore that refused, beside the packet's drop reason.
TEST_CASE("pf: a rule's max and max-src-states count their refusals as pf's limit counters") {
  Node node;
  node.pf = make_pf(64);
  node.n_workers = 1;
  node.counters.resize(2);
  rte_mempool* pool = rte_pktmbuf_pool_create("pf_limits", 63, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(rte_socket_id()));
  REQUIRE(pool != nullptr);
  node.pool = pool;
  pf_publish(*node.pf, build(*node.pf,
                             "pass in proto udp to port 53 keep state (max 2)\n"
                             "pass in proto udp to port 54 keep state (max-src-states 1)\n"));
  auto udp = [&](uint16_t sport, uint16_t dport) {
    net::PacketInfo info = udp_info(sport);
    info.dport = dport;
    return filter_one(node, pool, wire::Direction::kIn, info);
  };
  const LcoreCounters& c = node.counters[0];
  CHECK(udp(1000, 53));
  CHECK(udp(1001, 53));
  CHECK_FALSE(udp(1002, 53));
  CHECK(limit_count(c, LimitCounter::kStates) == 1);
  CHECK(c.drops[static_cast<size_t>(net::DropReason::kStateLimit)] == 1);
  CHECK(udp(2000, 54));
  CHECK_FALSE(udp(2001, 54));
  CHECK(limit_count(c, LimitCounter::kSrcStates) == 1);
  CHECK(c.drops[static_cast<size_t>(net::DropReason::kSrcLimit)] == 1);
  for (auto other : {LimitCounter::kSrcNodes, LimitCounter::kSrcConn, LimitCounter::kSrcConnRate,
                     LimitCounter::kOverloadTable, LimitCounter::kOverloadFlush})
    CHECK(limit_count(c, other) == 0);
  CHECK(limit_count(node.counters[1], LimitCounter::kStates) == 0);  // the control thread's

  node.pf.reset();
  rte_mempool_free(pool);
}

}  // namespace
}  // namespace dpf
