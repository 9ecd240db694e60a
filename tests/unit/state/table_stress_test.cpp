// Concurrency test of the state table: two worker lcores track one TCP state from both
// directions under State::lock while the main lcore inserts and removes other states and every
// lookup is checked against the key it asked for. Bounded by iteration counts, not time.
// Needs the three lcores eal_main.cpp starts.
#include <rte_launch.h>
#include <rte_lcore.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <vector>

#include "dataplane/state/table.h"
#include "dataplane/state/tcp_track.h"
#include "tests/unit/state/table_fixture.h"

namespace dpf::state {
namespace {

constexpr unsigned kIterations = 2000000;  // per worker (about 1 s on an idle machine)
constexpr unsigned kChurnKeys = 256;
constexpr uint32_t kPayload = 100;
constexpr uint32_t kIsnClient = 1000;
constexpr uint32_t kIsnServer = 500000;

struct WorkerResult {
  uint64_t not_our_flow = 0;   // the flow's lookup returned something else
  uint64_t drops = 0;          // tcp_track refused a segment (a lost window update)
  uint64_t seq_went_back = 0;  // a peer's seqlo moved backwards between two of our packets
  uint64_t churn_hits = 0;
  uint64_t wrong_key = 0;  // a lookup returned a state whose key is not the one asked for
};

struct Shared {
  StateTable* table = nullptr;
  State* flow = nullptr;
  PacketTuple client;  // client -> server, filtered inbound; the replies leave outbound
  std::array<StateKey, kChurnKeys> churn{};
  std::atomic<unsigned> next_side{0};
  std::atomic<unsigned> done{0};
  std::array<WorkerResult, 2> result{};
  // Packets of both sides, read before and written after tcp_track under the state's lock: a
  // lost update here means two lcores were inside the lock at once.
  uint64_t locked_packets = 0;
};

// One side of the flow: side 0 is the client (packets in), side 1 the server (replies out).
int track_one_side(void* arg) {
  Shared& sh = *static_cast<Shared*>(arg);
  const unsigned side = sh.next_side.fetch_add(1);
  const unsigned rid = rte_lcore_id();
  StateTable& t = *sh.table;
  t.register_reader(rid);
  const Direction dir = side == 0 ? Direction::kIn : Direction::kOut;
  const StateKey key = make_lookup_key(side == 0 ? sh.client : test::reply_of(sh.client), dir);
  WorkerResult r;
  uint32_t last_own = 0, last_other = 0;
  for (unsigned i = 0; i < kIterations; ++i) {
    State* s = t.lookup(key, dir);
    if (s != sh.flow) {
      ++r.not_our_flow;
      continue;
    }
    s->lock.lock();
    StatePeer& own = side == 0 ? s->peers.src : s->peers.dst;
    StatePeer& other = side == 0 ? s->peers.dst : s->peers.src;
    if (i > 0 && (seq_lt(own.seqlo, last_own) || seq_lt(other.seqlo, last_other))) {
      ++r.seq_went_back;
    }
    TcpSegment seg;
    seg.dir = dir;
    seg.flags = wire::kTcpAck | wire::kTcpPsh;
    seg.seq = own.seqlo;
    seg.ack = other.seqlo;
    seg.win = 65535;
    seg.payload_len = kPayload;
    const uint64_t before = sh.locked_packets;
    if (tcp_track(s->peers, s->direction, seg, false).action != TcpAction::kPass) ++r.drops;
    sh.locked_packets = before + 1;
    ++s->packets[side];
    s->bytes[side] += kPayload;
    last_own = own.seqlo;
    last_other = other.seqlo;
    s->lock.unlock();

    const StateKey& k = sh.churn[(i * 7 + side) % kChurnKeys];
    if (State* c = t.lookup(k, Direction::kIn)) {
      ++r.churn_hits;
      if (!(c->key.key[kSkWire] == k)) ++r.wrong_key;
    }
    t.quiescent(rid);
  }
  t.unregister_reader(rid);
  sh.result[side] = r;
  sh.done.fetch_add(1);
  return 0;
}

// An established flow with window scaling (shift 14 both ways), so that neither side can run
// out of window however the two lcores interleave.
State* established_flow(StateTable& t, const PacketTuple& p) {
  State* s = test::new_state(t, p, Direction::kIn);
  s->proto = wire::kIpProtoTcp;
  s->timeout = Timeout::kTcpEstablished;
  for (StatePeer* peer : {&s->peers.src, &s->peers.dst}) {
    peer->state = tcps::kEstablished;
    peer->max_win = 65535;
    peer->wscale = 14 | kWscaleFlag;
  }
  s->peers.src.seqlo = kIsnClient;
  s->peers.src.seqhi = kIsnClient + (65535u << 14);
  s->peers.dst.seqlo = kIsnServer;
  s->peers.dst.seqhi = kIsnServer + (65535u << 14);
  return s;
}

TEST_CASE(
    "state table: two lcores tracking one flow from both sides while states churn lose nothing") {
  REQUIRE(rte_lcore_count() >= 3);
  auto t = test::make_table(4096);
  Shared sh;
  sh.table = t.get();
  sh.client = test::udp_tuple(30, 40000);
  sh.client.proto = wire::kIpProtoTcp;
  sh.client.dport = 22;
  sh.flow = established_flow(*t, sh.client);
  REQUIRE(t->insert(sh.flow) == StateTable::InsertResult::kOk);
  for (unsigned j = 0; j < kChurnKeys; ++j) {
    sh.churn[j] = make_lookup_key(test::udp_tuple(31, static_cast<uint16_t>(j)), Direction::kIn);
  }

  unsigned launched = 0;
  unsigned lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    if (launched == 2) break;
    REQUIRE(rte_eal_remote_launch(track_one_side, &sh, lcore) == 0);
    ++launched;
  }
  REQUIRE(launched == 2);

  // Main lcore: insert and remove states on the churn keys until both workers are done.
  std::array<State*, kChurnKeys> live{};
  uint64_t ops = 0;
  while (sh.done.load() < 2) {
    const unsigned j = static_cast<unsigned>(ops++ % kChurnKeys);
    if (live[j] != nullptr) {
      CHECK(t->remove(live[j]));
      live[j] = nullptr;
      continue;
    }
    State* s = t->alloc();
    if (s == nullptr) {
      t->reclaim();
      continue;
    }
    s->key.key[kSkWire] = sh.churn[j];
    s->key.key[kSkStack] = sh.churn[j];
    s->direction = Direction::kIn;
    if (t->insert(s) == StateTable::InsertResult::kOk) {
      live[j] = s;
    } else {
      t->free_unlinked(s);
    }
  }
  rte_eal_mp_wait_lcore();

  uint64_t hits = 0;
  for (unsigned side = 0; side < 2; ++side) {
    INFO("side " << side);
    const WorkerResult& r = sh.result[side];
    CHECK(r.not_our_flow == 0);
    CHECK(r.drops == 0);
    CHECK(r.seq_went_back == 0);
    CHECK(r.wrong_key == 0);
    CHECK(sh.flow->packets[side] == kIterations);
    CHECK(sh.flow->bytes[side] == uint64_t{kIterations} * kPayload);
    hits += r.churn_hits;
  }
  CHECK(sh.locked_packets == 2 * uint64_t{kIterations});
  CHECK(sh.flow->peers.src.seqlo == kIsnClient + kIterations * kPayload);
  CHECK(sh.flow->peers.dst.seqlo == kIsnServer + kIterations * kPayload);
  CHECK(ops >= 1000);
  CHECK(hits > 0);
  CHECK(t->count() == 1 + static_cast<size_t>(std::count_if(
                              live.begin(), live.end(), [](State* s) { return s != nullptr; })));
}

}  // namespace
}  // namespace dpf::state
