// Two nodes' pfsync glue back to back: each has its own state table and SyncChannel; their sync
// ports are net_ring devices whose rings cross (A's TX ring is B's RX ring and the other way),
// and a third net_ring port stands in for the mirror TAP. The tests move frames by hand with a
// fake clock: poll the sender, receive on the other port, hand the frames to on_rx_frame.
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/net/wire/checksum.h"
#include "dataplane/pfsync/frame_io.h"
#include "dataplane/pfsync/sync_channel.h"

namespace dpf {
namespace {

namespace st = dpf::state;
namespace ps = dpf::pfsync;
using namespace std::chrono_literals;

constexpr uint32_t kHostA = 0x0a0a0a0a;
constexpr uint32_t kHostB = 0x0b0b0b0b;
constexpr unsigned kSyncReader = 1;

// The three ports and their rings, made once per process (ethdev names cannot be reused).
struct Wires {
  rte_mempool* pool = nullptr;
  uint16_t a = 0, b = 0, mirror = 0;
  rte_ring* mirror_tx = nullptr;
  rte_ring* mirror_rx = nullptr;  // what the mirror "TAP" receives (the kernel's frames)
};

uint16_t ring_port(const char* name, rte_ring* rx, rte_ring* tx, rte_mempool* pool) {
  const int p = rte_eth_from_rings(name, &rx, 1, &tx, 1, 0);
  REQUIRE(p >= 0);
  const auto port = static_cast<uint16_t>(p);
  rte_eth_conf conf{};
  REQUIRE(rte_eth_dev_configure(port, 1, 1, &conf) == 0);
  REQUIRE(rte_eth_rx_queue_setup(port, 0, 64, 0, nullptr, pool) == 0);
  REQUIRE(rte_eth_tx_queue_setup(port, 0, 64, 0, nullptr) == 0);
  REQUIRE(rte_eth_dev_start(port) == 0);
  return port;
}

rte_ring* ring(const char* name) {
  rte_ring* r = rte_ring_create(name, 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  REQUIRE(r != nullptr);
  return r;
}

Wires& wires() {
  static Wires w = [] {
    Wires x;
    x.pool = rte_pktmbuf_pool_create("sync_test_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    REQUIRE(x.pool != nullptr);
    rte_ring* ab = ring("sync_t_ab");
    rte_ring* ba = ring("sync_t_ba");
    x.mirror_tx = ring("sync_t_m");
    x.a = ring_port("sync_a", ba, ab, x.pool);
    x.b = ring_port("sync_b", ab, ba, x.pool);
    x.mirror_rx = ring("sync_t_mrx");
    x.mirror = ring_port("sync_m", x.mirror_rx, x.mirror_tx, x.pool);
    return x;
  }();
  return w;
}

// Frames waiting on `port`'s RX queue, taken off it; each frame's bytes.
std::vector<rte_mbuf*> receive(uint16_t port) {
  std::vector<rte_mbuf*> out;
  rte_mbuf* b[32];
  uint16_t n;
  while ((n = rte_eth_rx_burst(port, 0, b, 32)) > 0) out.insert(out.end(), b, b + n);
  for (rte_mbuf* m : out) m->port = port;  // as a NIC stamps it; net_ring does not
  return out;
}

std::vector<std::byte> bytes_of(const rte_mbuf* m) {
  const auto* p = rte_pktmbuf_mtod(m, const std::byte*);
  return {p, p + rte_pktmbuf_data_len(m)};
}

void discard(uint16_t port) {
  for (rte_mbuf* m : receive(port)) rte_pktmbuf_free(m);
}

struct Peer {
  std::unique_ptr<st::StateTable> table;
  std::unique_ptr<SyncChannel> sync;
  uint16_t port = 0;
  ~Peer() {
    sync.reset();  // before its table: unregisters its reader
  }
};

// A node's neighbour table as the sync side sees it: the syncpeer's MAC once resolved.
struct FakeNeighbors {
  uint32_t ip = 0;
  std::optional<wire::MacAddr> mac;
  unsigned lookups = 0;
};

bool fake_lookup(void* ctx, uint32_t ip, wire::MacAddr& mac) noexcept {
  auto* n = static_cast<FakeNeighbors*>(ctx);
  ++n->lookups;
  if (ip != n->ip || !n->mac) return false;
  mac = *n->mac;
  return true;
}

struct Options {
  unsigned ring_size = 64;
  int mirror = -1;
  bool defer = false;
  uint32_t syncpeer = 0;               // unicast to this address (host order)
  FakeNeighbors* neighbors = nullptr;  // where its MAC is looked up
  int local_producer = -1;             // SyncConfig::local_producer
};

// The sync port's address and MAC of a test node.
uint32_t addr_of(uint32_t hostid) {
  return 0xc0000200 | (hostid & 0xff);
}
wire::MacAddr mac_of(uint32_t hostid) {
  return {0x02, 0, 0, 0, 0, static_cast<uint8_t>(hostid)};
}

// Deferred packets the sync side let go (SyncConfig::release_packet), in order.
std::vector<rte_mbuf*> released;

std::unique_ptr<Peer> make_peer(uint32_t hostid, uint16_t port, Options o = {}) {
  static unsigned serial = 0;
  const std::string tag = "sy" + std::to_string(serial++);
  auto p = std::make_unique<Peer>();
  p->port = port;
  st::StateTable::Config tc;
  tc.limit = 1024;
  tc.creatorid = hostid;
  tc.name = tag.c_str();
  std::string error;
  p->table = st::StateTable::create(tc, error);
  INFO(error);
  REQUIRE(p->table != nullptr);
  SyncPort sp;
  sp.port_id = port;
  sp.mac = mac_of(hostid);
  sp.addr = addr_of(hostid);
  SyncConfig c;
  c.engine.hostid = hostid;
  c.pool = wires().pool;
  c.producers = 2;
  c.ring_size = o.ring_size;
  c.local_ring_size = o.ring_size;
  c.reader_id = kSyncReader;
  c.interfaces = {{"sis1", 3}};
  c.name = tag;
  c.mirror_port = o.mirror;
  c.engine.defer = o.defer;
  c.syncpeer = o.syncpeer;
  c.local_producer = o.local_producer;
  if (o.neighbors != nullptr) {
    c.lookup_neighbor = fake_lookup;
    c.neighbor_ctx = o.neighbors;
  }
  c.release_packet = [](void*, rte_mbuf* m) noexcept { released.push_back(m); };
  p->sync = SyncChannel::create(*p->table, sp, c, error);
  INFO(error);
  REQUIRE(p->sync != nullptr);
  return p;
}

// Hands every frame waiting on `to`'s port to its sync side; returns how many.
size_t deliver(Peer& to, ps::TimePoint now) {
  const std::vector<rte_mbuf*> frames = receive(to.port);
  for (rte_mbuf* m : frames) to.sync->on_rx_frame(now, m);
  return frames.size();
}

struct Pair {
  Pair(Options oa = {}) {
    discard(wires().a);
    discard(wires().b);
    while (rte_ring_count(wires().mirror_tx) > 0) {
      void* m;
      if (rte_ring_dequeue(wires().mirror_tx, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    }
    a = make_peer(kHostA, wires().a, oa);
    b = make_peer(kHostB, wires().b);
  }
  uint32_t uptime() const { return ps::uptime_seconds(now); }
  // Polls A, then (a second later) again, so its 1 s flush has run; B receives what A sent.
  size_t a_to_b() {
    a->sync->poll(now);
    now += 1100ms;
    a->sync->poll(now);
    const size_t n = deliver(*b, now);
    b->sync->poll(now);
    return n;
  }

  ps::TimePoint now = ps::TimePoint{} + std::chrono::seconds(100000);
  std::unique_ptr<Peer> a;
  std::unique_ptr<Peer> b;
};

// An established TCP state 10.0.0.<host>:40000+host -> 192.0.2.80:443, inserted into `t`
// (which gives it its id and creator).
st::State* local_tcp_state(st::StateTable& t, uint8_t host, uint32_t uptime,
                           const char* ifname = "") {
  st::State* s = t.alloc();
  REQUIRE(s != nullptr);
  st::StateKey k;
  k.af = st::AddrFamily::kInet;
  k.proto = wire::kIpProtoTcp;
  k.addr[0] = st::Addr::v4(10, 0, 0, host);
  k.addr[1] = st::Addr::v4(192, 0, 2, 80);
  k.port[0] = static_cast<uint16_t>(40000 + host);
  k.port[1] = 443;
  s->key.key[st::kSkWire] = k;
  s->key.key[st::kSkStack] = k;
  s->direction = st::Direction::kIn;
  s->af = k.af;
  s->proto = k.proto;
  s->peers.src.seqlo = 1000;
  s->peers.src.seqhi = 66000;
  s->peers.src.max_win = 65535;
  s->peers.src.state = st::tcps::kEstablished;
  s->peers.dst.seqlo = 7000;
  s->peers.dst.seqhi = 72000;
  s->peers.dst.max_win = 29200;
  s->peers.dst.state = st::tcps::kEstablished;
  s->timeout = st::Timeout::kTcpEstablished;
  s->creation = uptime - 5;
  s->expire = uptime;
  s->rule_nr = 4;
  std::strncpy(s->ifname.data(), ifname, s->ifname.size() - 1);
  REQUIRE(t.insert(s) == st::StateTable::InsertResult::kOk);
  return s;
}

TEST_CASE("sync lcore: a state inserted on A appears on B with its id, creator and peers") {
  Pair p;
  st::State* s = local_tcp_state(*p.a->table, 1, p.uptime(), "sis1");
  REQUIRE(p.a->sync->change(0, *s, ps::ChangeKind::kInsert));
  CHECK(p.a_to_b() == 1);
  st::State* learned = p.b->table->find_by_id(s->id, kHostA);
  REQUIRE(learned != nullptr);
  CHECK(learned->creatorid == kHostA);
  CHECK(learned->peers == s->peers);
  CHECK(learned->key.key[st::kSkWire] == s->key.key[st::kSkWire]);
  CHECK(learned->origin == st::StateOrigin::kPfsync);
  CHECK(learned->if_index == 3);  // bound by name through B's interface map
  CHECK(learned->rule_nr == 4);
  CHECK(p.b->sync->stats().ipackets == 1);
  CHECK(p.a->sync->stats().opackets == 1);
  CHECK(p.a->sync->io_counters().tx_frames == 1);
}

TEST_CASE("sync lcore: an update of A's state reaches B's copy") {
  Pair p;
  st::State* s = local_tcp_state(*p.a->table, 2, p.uptime());
  REQUIRE(p.a->sync->change(0, *s, ps::ChangeKind::kInsert));
  REQUIRE(p.a_to_b() == 1);
  {
    std::lock_guard<st::StateLock> g(s->lock);
    s->peers.src.seqlo += 5000;
    s->peers.src.seqhi += 5000;
    s->peers.dst.seqlo += 300;
    s->peers.dst.seqhi += 300;
    s->expire = p.uptime();
  }
  REQUIRE(p.a->sync->change(1, *s, ps::ChangeKind::kUpdate));
  CHECK(p.a_to_b() == 1);
  st::State* learned = p.b->table->find_by_id(s->id, kHostA);
  REQUIRE(learned != nullptr);
  CHECK(learned->peers.src.seqlo == 6000);
  CHECK(learned->peers.dst.seqlo == 7300);
  CHECK(learned->peers == s->peers);
}

TEST_CASE("sync lcore: a state removed on A is removed on B") {
  Pair p;
  st::State* s = local_tcp_state(*p.a->table, 3, p.uptime());
  const uint64_t id = s->id;
  REQUIRE(p.a->sync->change(0, *s, ps::ChangeKind::kInsert));
  REQUIRE(p.a_to_b() == 1);
  REQUIRE(p.b->table->find_by_id(id, kHostA) != nullptr);
  REQUIRE(p.a->table->remove(s));
  REQUIRE(p.a->sync->change(0, *s, ps::ChangeKind::kDelete));
  CHECK(p.a_to_b() == 1);
  CHECK(p.b->table->find_by_id(id, kHostA) == nullptr);
  CHECK(p.b->table->count() == 0);
  CHECK(p.b->sync->store_counters().removed == 1);
}

TEST_CASE("sync lcore: states B learned from A are not sent back") {
  Pair p;
  st::State* s = local_tcp_state(*p.a->table, 4, p.uptime());
  REQUIRE(p.a->sync->change(0, *s, ps::ChangeKind::kInsert));
  REQUIRE(p.a_to_b() == 1);
  st::State* learned = p.b->table->find_by_id(s->id, kHostA);
  REQUIRE(learned != nullptr);
  // A worker on B reporting the learned state's insert changes nothing.
  REQUIRE(p.b->sync->change(0, *learned, ps::ChangeKind::kInsert));
  for (int i = 0; i < 4; ++i) {
    p.b->sync->poll(p.now);
    p.now += 1s;
  }
  CHECK(receive(p.a->port).empty());
  CHECK(p.b->sync->stats().opackets == 0);
  CHECK(p.b->sync->engine_stats().learned_insert_ignored == 1);
}

TEST_CASE("sync lcore: a state arriving within the 1 s flush travels in one frame with others") {
  Pair p;
  for (uint8_t h = 10; h < 15; ++h) {
    st::State* s = local_tcp_state(*p.a->table, h, p.uptime());
    REQUIRE(p.a->sync->change(h % 2, *s, ps::ChangeKind::kInsert));
  }
  CHECK(p.a_to_b() == 1);
  CHECK(p.b->table->count() == 5);
}

TEST_CASE("sync lcore: a learned state on an interface B lacks is skipped and counted") {
  Pair p;
  st::State* s = local_tcp_state(*p.a->table, 5, p.uptime(), "em9");
  REQUIRE(p.a->sync->change(0, *s, ps::ChangeKind::kInsert));
  REQUIRE(p.a_to_b() == 1);
  CHECK(p.b->table->count() == 0);
  CHECK(p.b->sync->store_counters().unknown_ifname == 1);
}

TEST_CASE("sync lcore: a bulk update gives B the states A had before B asked") {
  Pair p;
  std::vector<uint64_t> ids;
  for (uint8_t h = 30; h < 37; ++h) ids.push_back(local_tcp_state(*p.a->table, h, p.uptime())->id);
  p.b->sync->request_bulk(p.now);
  // Frames go both ways until B's bulk update completes (bounded: pacing is 1 ms per tick).
  for (int round = 0; round < 200 && !p.b->sync->bulk_status().done; ++round) {
    p.b->sync->poll(p.now);
    deliver(*p.a, p.now);
    p.a->sync->poll(p.now);
    deliver(*p.b, p.now);
    p.now += 10ms;
  }
  CHECK(p.b->sync->bulk_status().done);
  CHECK(p.b->sync->sync_ok());
  CHECK(p.a->sync->engine_stats().bulk_states_sent == ids.size());
  for (uint64_t id : ids) CHECK(p.b->table->find_by_id(id, kHostA) != nullptr);
  CHECK(p.b->table->count() == ids.size());
}

TEST_CASE("sync lcore: with defer, a new state's first packet waits for B's INS_ACK") {
  Pair p(Options{.defer = true});
  released.clear();
  st::State* s = local_tcp_state(*p.a->table, 40, p.uptime());
  rte_mbuf* first = rte_pktmbuf_alloc(wires().pool);
  REQUIRE(first != nullptr);
  REQUIRE(p.a->sync->change(0, *s, ps::ChangeKind::kInsert, first));
  p.a->sync->poll(p.now);  // the INS leaves at once, carrying PFSTATE_ACK
  CHECK(released.empty());
  CHECK(p.a->sync->engine_stats().deferred == 1);
  REQUIRE(deliver(*p.b, p.now) == 1);  // B inserts and answers with INS_ACK
  REQUIRE(deliver(*p.a, p.now) == 1);
  REQUIRE(released.size() == 1);
  CHECK(released[0] == first);
  CHECK(p.a->sync->engine_stats().defer_acked == 1);
  rte_pktmbuf_free(first);
}

// Takes the one frame A sent to B off B's port (A polled twice across its flush).
rte_mbuf* frame_from_a(Pair& p, uint8_t host) {
  st::State* s = local_tcp_state(*p.a->table, host, p.uptime());
  REQUIRE(p.a->sync->change(0, *s, ps::ChangeKind::kInsert));
  p.a->sync->poll(p.now);
  p.now += 1100ms;
  p.a->sync->poll(p.now);
  std::vector<rte_mbuf*> f = receive(p.b->port);
  REQUIRE(f.size() == 1);
  return f[0];
}

TEST_CASE("sync lcore: frames on the wire go to the pfsync group with TTL 255") {
  Pair p;
  rte_mbuf* m = frame_from_a(p, 6);
  const std::vector<std::byte> f = bytes_of(m);
  rte_pktmbuf_free(m);
  REQUIRE(f.size() > wire::kEtherIpv4Len);
  CHECK(std::memcmp(f.data(), ps::kGroupMac.data(), 6) == 0);
  ps::Stats stats;
  const ps::RxFrame r = ps::parse_frame(f, stats);
  CHECK(r.verdict == ps::RxVerdict::kOk);
  CHECK(r.dst_addr == ps::kGroupAddr);
  CHECK(r.src_addr == addr_of(kHostA));
}

TEST_CASE("sync lcore: a frame with TTL 254 is counted as badttl and not applied") {
  Pair p;
  rte_mbuf* m = frame_from_a(p, 7);
  auto* ip = rte_pktmbuf_mtod_offset(m, std::byte*, sizeof(wire::EtherHdr));
  ip[8] = std::byte(254);
  ip[10] = ip[11] = std::byte(0);
  const uint16_t ck = wire::inet_checksum({ip, wire::kIpv4MinHdr});
  ip[10] = std::byte(ck >> 8);
  ip[11] = std::byte(ck & 0xff);
  p.b->sync->on_rx_frame(p.now, m);
  CHECK(p.b->sync->stats().badttl == 1);
  CHECK(p.b->table->count() == 0);
}

TEST_CASE("sync lcore: a pfsync frame that arrived on another port is counted as badif") {
  Pair p;
  rte_mbuf* m = frame_from_a(p, 8);
  m->port = wires().mirror;
  p.b->sync->on_rx_frame(p.now, m);
  CHECK(p.b->sync->stats().badif == 1);
  CHECK(p.b->table->count() == 0);
}

TEST_CASE("sync lcore: handed-over frames are applied on the next poll") {
  Pair p;
  rte_mbuf* m = frame_from_a(p, 9);
  REQUIRE(p.b->sync->hand_over(m));
  CHECK(p.b->table->count() == 0);
  p.b->sync->poll(p.now);
  CHECK(p.b->table->count() == 1);
}

TEST_CASE("sync lcore: a full change ring refuses the record and counts it") {
  Pair p(Options{.ring_size = 4});
  st::State* s = local_tcp_state(*p.a->table, 20, p.uptime());
  // A ring of 4 slots holds 3 records.
  for (int i = 0; i < 3; ++i) REQUIRE(p.a->sync->change(0, *s, ps::ChangeKind::kUpdate));
  CHECK_FALSE(p.a->sync->change(0, *s, ps::ChangeKind::kUpdate));
  CHECK(p.a->sync->change(1, *s, ps::ChangeKind::kUpdate));  // another producer's ring
  CHECK(p.a->sync->io_counters().ring_full == 1);
  p.a->sync->poll(p.now);
  CHECK(p.a->sync->io_counters().changes == 4);
}

TEST_CASE("sync lcore: the local producer's records beyond its full ring wait and all leave") {
  // Producer 1 is the thread that polls the sync side (the control thread flushing states).
  Pair p(Options{.ring_size = 4, .local_producer = 1});
  std::vector<st::State*> states;
  for (uint8_t h = 1; h <= 40; ++h) {
    states.push_back(local_tcp_state(*p.a->table, h, p.uptime()));
    REQUIRE(p.a->sync->change(1, *states.back(), ps::ChangeKind::kInsert));
  }
  CHECK(p.a->sync->io_counters().spilled == 37);  // a ring of 4 slots holds 3
  while (p.a_to_b() > 0) {
  }
  CHECK(p.b->table->count() == 40);
  for (st::State* s : states) {
    REQUIRE(p.a->table->remove(s));
    REQUIRE(p.a->sync->change(1, *s, ps::ChangeKind::kDelete));
  }
  while (p.a_to_b() > 0) {
  }
  CHECK(p.b->table->count() == 0);
  CHECK(p.a->sync->io_counters().ring_full == 0);
  CHECK(p.a->sync->io_counters().changes == 80);
  // Another producer's full ring still refuses (a worker cannot wait for the control thread).
  st::State* s = local_tcp_state(*p.a->table, 50, p.uptime());
  for (int i = 0; i < 3; ++i) REQUIRE(p.a->sync->change(0, *s, ps::ChangeKind::kUpdate));
  CHECK_FALSE(p.a->sync->change(0, *s, ps::ChangeKind::kUpdate));
}

TEST_CASE("sync lcore: one poll takes at most kRxPerPoll received frames and says more wait") {
  Pair p;
  rte_mbuf* m = frame_from_a(p, 7);
  const unsigned n = SyncChannel::kRxPerPoll + 44;
  for (unsigned i = 0; i < n; ++i) {
    rte_mbuf* c = rte_pktmbuf_copy(m, wires().pool, 0, UINT32_MAX);
    REQUIRE(c != nullptr);
    c->port = m->port;
    REQUIRE(p.b->sync->hand_over(c));
  }
  rte_pktmbuf_free(m);
  CHECK(p.b->sync->poll(p.now));
  CHECK(p.b->sync->io_counters().rx_frames == SyncChannel::kRxPerPoll);
  CHECK_FALSE(p.b->sync->poll(p.now));
  CHECK(p.b->sync->io_counters().rx_frames == n);
  CHECK(p.b->table->count() == 1);
}

// Takes the one frame waiting on the mirror port's TX ring.
rte_mbuf* mirrored_frame() {
  REQUIRE(rte_ring_count(wires().mirror_tx) == 1);
  void* copy = nullptr;
  REQUIRE(rte_ring_dequeue(wires().mirror_tx, &copy) == 0);
  return static_cast<rte_mbuf*>(copy);
}

TEST_CASE("sync lcore: the mirror port gets a copy of every frame sent and received") {
  Pair p(Options{.mirror = wires().mirror});
  rte_mbuf* sent = frame_from_a(p, 21);
  rte_mbuf* copy = mirrored_frame();
  CHECK(bytes_of(copy) == bytes_of(sent));
  rte_pktmbuf_free(copy);
  rte_pktmbuf_free(sent);

  // B announces a state of its own; A receives the frame and mirrors it as well.
  st::State* s = local_tcp_state(*p.b->table, 22, p.uptime());
  REQUIRE(p.b->sync->change(0, *s, ps::ChangeKind::kInsert));
  p.b->sync->poll(p.now);
  p.now += 1100ms;
  p.b->sync->poll(p.now);
  std::vector<rte_mbuf*> received = receive(p.a->port);
  REQUIRE(received.size() == 1);
  const std::vector<std::byte> wire = bytes_of(received[0]);
  p.a->sync->on_rx_frame(p.now, received[0]);
  CHECK(p.a->table->find_by_id(s->id, kHostB) != nullptr);
  copy = mirrored_frame();
  CHECK(bytes_of(copy) == wire);
  rte_pktmbuf_free(copy);
  CHECK(p.a->sync->io_counters().mirrored == 2);
}

}  // namespace
}  // namespace dpf

namespace dpf {
namespace {

// Takes every frame waiting on the mirror port's TX ring, returning their bytes.
std::vector<std::vector<std::byte>> mirrored_frames() {
  std::vector<std::vector<std::byte>> out;
  void* m = nullptr;
  while (rte_ring_dequeue(wires().mirror_tx, &m) == 0) {
    out.push_back(bytes_of(static_cast<rte_mbuf*>(m)));
    rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  }
  return out;
}

// A inserts a state and polls across its 1 s flush: one frame leaves (or waits).
void a_sends_state(Pair& p, uint8_t host) {
  st::State* s = local_tcp_state(*p.a->table, host, p.uptime());
  REQUIRE(p.a->sync->change(0, *s, ps::ChangeKind::kInsert));
  p.a->sync->poll(p.now);
  p.now += 1100ms;
  p.a->sync->poll(p.now);
}

TEST_CASE("sync lcore: with a unicast syncpeer, frames go to its address and resolved MAC") {
  FakeNeighbors n{.ip = addr_of(kHostB), .mac = mac_of(kHostB)};
  Pair p(Options{.syncpeer = addr_of(kHostB), .neighbors = &n});
  rte_mbuf* m = frame_from_a(p, 50);
  const std::vector<std::byte> f = bytes_of(m);
  REQUIRE(f.size() > wire::kEtherIpv4Len);
  CHECK(std::memcmp(f.data(), mac_of(kHostB).data(), 6) == 0);
  CHECK(std::memcmp(f.data() + 6, mac_of(kHostA).data(), 6) == 0);
  ps::Stats stats;
  const ps::RxFrame r = ps::parse_frame(f, stats);
  CHECK(r.verdict == ps::RxVerdict::kOk);  // TTL 255, protocol 240
  CHECK(r.dst_addr == addr_of(kHostB));
  CHECK(r.src_addr == addr_of(kHostA));
  // B accepts a frame addressed to its own sync address.
  p.b->sync->on_rx_frame(p.now, m);
  CHECK(p.b->table->count() == 1);
  CHECK_FALSE(p.a->sync->wants_resolve().has_value());
  CHECK(p.a->sync->io_counters().tx_held == 0);
  CHECK(n.lookups > 0);
}

TEST_CASE("sync lcore: frames wait while the syncpeer's MAC is unknown and leave when resolved") {
  FakeNeighbors n{.ip = addr_of(kHostB), .mac = std::nullopt};
  Pair p(Options{.mirror = wires().mirror, .syncpeer = addr_of(kHostB), .neighbors = &n});
  CHECK(p.a->sync->wants_resolve() == addr_of(kHostB));  // asked for from the start
  a_sends_state(p, 51);
  CHECK(receive(p.b->port).empty());
  CHECK(mirrored_frames().empty());  // the mirror shows frames as they leave
  CHECK(p.a->sync->io_counters().tx_held == 1);
  CHECK(p.a->sync->wants_resolve() == addr_of(kHostB));

  n.mac = mac_of(kHostB);  // the control thread's ARP request was answered
  p.a->sync->poll(p.now);
  std::vector<rte_mbuf*> f = receive(p.b->port);
  REQUIRE(f.size() == 1);
  const std::vector<std::byte> wire = bytes_of(f[0]);
  CHECK(std::memcmp(wire.data(), mac_of(kHostB).data(), 6) == 0);
  const std::vector<std::vector<std::byte>> copies = mirrored_frames();
  REQUIRE(copies.size() == 1);
  CHECK(copies[0] == wire);
  p.b->sync->on_rx_frame(p.now, f[0]);
  CHECK(p.b->table->count() == 1);
  CHECK_FALSE(p.a->sync->wants_resolve().has_value());
  CHECK(p.a->sync->io_counters().tx_frames == 1);
  CHECK(p.a->sync->io_counters().tx_unresolved == 0);
}

TEST_CASE("sync lcore: beyond the hold limit the oldest waiting frame is dropped and counted") {
  FakeNeighbors n{.ip = addr_of(kHostB), .mac = std::nullopt};
  Pair p(Options{.syncpeer = addr_of(kHostB), .neighbors = &n});
  constexpr unsigned kExtra = 3;
  for (unsigned i = 0; i < SyncChannel::kHeldFrames + kExtra; ++i) p.a->sync->clear(p.now, "");
  CHECK(p.a->sync->io_counters().tx_held == SyncChannel::kHeldFrames + kExtra);
  CHECK(p.a->sync->io_counters().tx_unresolved == kExtra);
  CHECK(receive(p.b->port).empty());
  n.mac = mac_of(kHostB);
  p.a->sync->poll(p.now);
  const std::vector<rte_mbuf*> f = receive(p.b->port);
  CHECK(f.size() == SyncChannel::kHeldFrames);
  for (rte_mbuf* m : f) rte_pktmbuf_free(m);
}

TEST_CASE("sync lcore: a syncpeer MAC gone from the neighbour table is used while re-resolved") {
  FakeNeighbors n{.ip = addr_of(kHostB), .mac = mac_of(kHostB)};
  Pair p(Options{.syncpeer = addr_of(kHostB), .neighbors = &n});
  a_sends_state(p, 52);
  REQUIRE(receive(p.b->port).size() == 1);  // freed below with the second
  n.mac.reset();                            // the entry aged out of the fast path
  a_sends_state(p, 53);
  std::vector<rte_mbuf*> f = receive(p.b->port);
  REQUIRE(f.size() == 1);
  CHECK(std::memcmp(rte_pktmbuf_mtod(f[0], const void*), mac_of(kHostB).data(), 6) == 0);
  rte_pktmbuf_free(f[0]);
  CHECK(p.a->sync->wants_resolve() == addr_of(kHostB));
  CHECK(p.a->sync->io_counters().tx_held == 0);
}

TEST_CASE("sync lcore: frames the mirror port receives are discarded and counted") {
  Pair p(Options{.mirror = wires().mirror});
  rte_mbuf* m = rte_pktmbuf_alloc(wires().pool);
  REQUIRE(m != nullptr);
  REQUIRE(rte_pktmbuf_append(m, 60) != nullptr);
  REQUIRE(rte_ring_enqueue(wires().mirror_rx, m) == 0);
  p.a->sync->poll(p.now);
  CHECK(rte_ring_count(wires().mirror_rx) == 0);
  CHECK(p.a->sync->io_counters().mirror_rx_discarded == 1);
  CHECK(p.a->table->count() == 0);
}

}  // namespace
}  // namespace dpf
