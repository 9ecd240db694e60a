// Unit tests of StateTable: keying by key and direction, collisions, ids, the state limit, RCU
// reclamation and iteration. Main lcore only; EAL is started by eal_main.cpp.
#include "dataplane/state/table.h"

#include <rte_mempool.h>

#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "tests/unit/state/table_fixture.h"

namespace dpf::state {
namespace {

using test::make_table;
using test::new_state;
using test::reply_of;
using test::udp_tuple;
using IR = StateTable::InsertResult;

TEST_CASE(
    "state table: an inbound state is found by its packets inbound and its replies outbound") {
  auto t = make_table(16);
  const PacketTuple p = udp_tuple(1, 1000);
  State* s = new_state(*t, p, Direction::kIn);
  REQUIRE(t->insert(s) == IR::kOk);
  CHECK(t->count() == 1);
  CHECK(t->lookup(make_lookup_key(p, Direction::kIn), Direction::kIn) == s);
  CHECK(t->lookup(make_lookup_key(reply_of(p), Direction::kOut), Direction::kOut) == s);
  // The same packet leaving through another interface builds the mirror key: a new state.
  CHECK(t->lookup(make_lookup_key(p, Direction::kOut), Direction::kOut) == nullptr);
  CHECK(t->counters().searches == 3);
}

TEST_CASE(
    "state table: an outbound state is found by its packets outbound and its replies inbound") {
  auto t = make_table(16);
  const PacketTuple p = udp_tuple(2, 2000);
  State* s = new_state(*t, p, Direction::kOut);
  REQUIRE(t->insert(s) == IR::kOk);
  CHECK(t->lookup(make_lookup_key(p, Direction::kOut), Direction::kOut) == s);
  CHECK(t->lookup(make_lookup_key(reply_of(p), Direction::kIn), Direction::kIn) == s);
  CHECK(t->lookup(make_lookup_key(p, Direction::kIn), Direction::kIn) == nullptr);
}

TEST_CASE("state table: a second state with the same key and direction is refused as kExists") {
  auto t = make_table(16);
  const PacketTuple p = udp_tuple(3, 3000);
  State* s1 = new_state(*t, p, Direction::kIn);
  REQUIRE(t->insert(s1) == IR::kOk);
  State* s2 = new_state(*t, p, Direction::kIn);
  State* existing = nullptr;
  CHECK(t->insert(s2, &existing) == IR::kExists);
  CHECK(existing == s1);
  CHECK(t->count() == 1);
  CHECK(s2->id == 0);  // the caller still owns the refused state, unchanged
  CHECK(t->allocated() == 2);
  t->free_unlinked(s2);
  CHECK(t->allocated() == 1);
  CHECK(t->counters().insert_exists == 1);
  CHECK(t->counters().inserts == 1);
}

TEST_CASE("state table: the same key created in the other direction is a distinct state") {
  auto t = make_table(16);
  const PacketTuple p = udp_tuple(4, 4000);
  State* in = new_state(*t, p, Direction::kIn);
  REQUIRE(t->insert(in) == IR::kOk);
  // A packet leaving with the reply's addresses builds the same key in direction out.
  State* out = new_state(*t, reply_of(p), Direction::kOut);
  REQUIRE(out->key.key[kSkWire] == in->key.key[kSkWire]);
  REQUIRE(t->insert(out) == IR::kOk);
  CHECK(t->count() == 2);
  const StateKey k = in->key.key[kSkWire];
  CHECK(t->lookup(k, Direction::kIn) == in);  // the packet's own direction first
  CHECK(t->lookup(k, Direction::kOut) == out);
  REQUIRE(t->remove(out));
  CHECK(t->lookup(k, Direction::kOut) == in);  // then the state of the other direction
}

TEST_CASE("state table: a removed state is not found and cannot be removed twice") {
  auto t = make_table(16);
  const PacketTuple p = udp_tuple(5, 5000);
  State* s = new_state(*t, p, Direction::kIn);
  REQUIRE(t->insert(s) == IR::kOk);
  const uint64_t id = s->id;
  CHECK(t->remove(s));
  CHECK_FALSE(t->remove(s));
  CHECK(t->lookup(make_lookup_key(p, Direction::kIn), Direction::kIn) == nullptr);
  CHECK(t->find_by_id(id, t->creatorid()) == nullptr);
  CHECK(t->count() == 0);
  CHECK(t->counters().removals == 1);
}

TEST_CASE("state table: local states get distinct ids under the node's creatorid") {
  auto t = make_table(16, 0x11223344);
  State* a = new_state(*t, udp_tuple(6, 1), Direction::kIn);
  State* b = new_state(*t, udp_tuple(6, 2), Direction::kIn);
  REQUIRE(t->insert(a) == IR::kOk);
  REQUIRE(t->insert(b) == IR::kOk);
  CHECK(a->creatorid == 0x11223344);
  CHECK(b->creatorid == 0x11223344);
  CHECK(a->id != 0);
  CHECK(b->id != a->id);
  CHECK(t->find_by_id(a->id, 0x11223344) == a);
  CHECK(t->find_by_id(b->id, 0x11223344) == b);
  CHECK(t->find_by_id(a->id, 0x55555555) == nullptr);
}

TEST_CASE("state table: an imported state keeps its id and creatorid; a repeated id is refused") {
  auto t = make_table(16, 0x11223344);
  State* imp = new_state(*t, udp_tuple(7, 1), Direction::kIn);
  imp->id = 0x0123456789abcdefULL;
  imp->creatorid = 0x99;
  imp->origin = StateOrigin::kPfsync;
  REQUIRE(t->insert(imp) == IR::kOk);
  CHECK(imp->id == 0x0123456789abcdefULL);
  CHECK(imp->creatorid == 0x99);
  CHECK(t->find_by_id(0x0123456789abcdefULL, 0x99) == imp);
  CHECK(t->find_by_id(0x0123456789abcdefULL, 0x11223344) == nullptr);

  State* again = new_state(*t, udp_tuple(7, 2), Direction::kIn);  // another key, same identity
  again->id = 0x0123456789abcdefULL;
  again->creatorid = 0x99;
  CHECK(t->insert(again) == IR::kIdExists);
  t->free_unlinked(again);
  CHECK(t->counters().insert_id_exists == 1);
  CHECK(t->lookup(make_lookup_key(udp_tuple(7, 2), Direction::kIn), Direction::kIn) == nullptr);
}

TEST_CASE("state table: one of our own ids coming back from a peer moves local ids past it") {
  auto t = make_table(16, 0x11223344);
  State* a = new_state(*t, udp_tuple(14, 1), Direction::kIn);
  REQUIRE(t->insert(a) == IR::kOk);
  State* back = new_state(*t, udp_tuple(14, 2), Direction::kIn);
  back->id = a->id + 100;
  back->creatorid = 0x11223344;
  REQUIRE(t->insert(back) == IR::kOk);
  State* b = new_state(*t, udp_tuple(14, 3), Direction::kIn);
  REQUIRE(t->insert(b) == IR::kOk);
  CHECK(b->id > back->id);
  CHECK(t->find_by_id(back->id, 0x11223344) == back);
  CHECK(t->find_by_id(b->id, 0x11223344) == b);
}

TEST_CASE("state table: our creatorid with id UINT64_MAX is refused and local ids stay unique") {
  auto t = make_table(16, 0x11223344);
  State* a = new_state(*t, udp_tuple(15, 1), Direction::kIn);
  REQUIRE(t->insert(a) == IR::kOk);
  for (const uint64_t hostile : {UINT64_MAX, UINT64_MAX - 1, kMaxOwnStateId + 1}) {
    CAPTURE(hostile);
    State* h = new_state(*t, udp_tuple(15, 2), Direction::kIn);
    h->id = hostile;
    h->creatorid = 0x11223344;
    CHECK(t->insert(h) == IR::kBadId);
    t->free_unlinked(h);
  }
  CHECK(t->counters().insert_bad_id == 3);
  CHECK(t->count() == 1);
  // The counter did not move (nor wrap): the next local ids follow a's, all distinct.
  std::set<uint64_t> ids{a->id};
  for (uint16_t p = 3; p < 9; ++p) {
    State* s = new_state(*t, udp_tuple(15, p), Direction::kIn);
    REQUIRE(t->insert(s) == IR::kOk);
    CHECK(s->id > a->id);
    CHECK(s->id < a->id + 100);
    CHECK(ids.insert(s->id).second);
  }
}

TEST_CASE("state table: our largest acceptable id coming back leaves room and never wraps") {
  auto t = make_table(16, 0x11223344);
  State* back = new_state(*t, udp_tuple(16, 1), Direction::kIn);
  back->id = kMaxOwnStateId;
  back->creatorid = 0x11223344;
  REQUIRE(t->insert(back) == IR::kOk);
  State* b = new_state(*t, udp_tuple(16, 2), Direction::kIn);
  REQUIRE(t->insert(b) == IR::kOk);
  CHECK(b->id == kMaxOwnStateId + 1);
  CHECK(b->id != 0);
  // Another node's id near the top is its own business: it does not touch our counter.
  State* peer = new_state(*t, udp_tuple(16, 3), Direction::kIn);
  peer->id = UINT64_MAX;
  peer->creatorid = 0x99;
  REQUIRE(t->insert(peer) == IR::kOk);
  State* c = new_state(*t, udp_tuple(16, 4), Direction::kIn);
  REQUIRE(t->insert(c) == IR::kOk);
  CHECK(c->id == kMaxOwnStateId + 2);
}

TEST_CASE("state table: a thread without an lcore id can look up but not insert or remove") {
  auto t = make_table(16);
  const PacketTuple p = udp_tuple(15, 1);
  State* in_table = new_state(*t, p, Direction::kIn);
  REQUIRE(t->insert(in_table) == IR::kOk);
  State* other = new_state(*t, udp_tuple(15, 2), Direction::kIn);
  IR r = IR::kOk;
  bool removed = true;
  State* found = nullptr;
  std::thread([&] {
    r = t->insert(other);
    removed = t->remove(in_table);
    found = t->lookup(make_lookup_key(p, Direction::kIn), Direction::kIn);
  }).join();
  CHECK(r == IR::kNotLcore);
  CHECK_FALSE(removed);
  CHECK(found == in_table);
  CHECK(t->count() == 1);
  t->free_unlinked(other);
}

TEST_CASE("state table: allocations beyond set limit states fail and are counted") {
  auto t = make_table(3);
  CHECK(t->limit() == 3);
  std::vector<State*> v;
  for (uint16_t i = 0; i < 3; ++i) {
    v.push_back(new_state(*t, udp_tuple(8, i), Direction::kIn));
    REQUIRE(t->insert(v.back()) == IR::kOk);
  }
  CHECK(t->alloc() == nullptr);
  CHECK(t->alloc() == nullptr);
  CHECK(t->counters().state_limit == 2);
  REQUIRE(t->remove(v[0]));
  CHECK(t->alloc() == nullptr);  // still counted until RCU frees it
  CHECK(t->reclaim() == 1);      // no reader registered: the grace period is over
  State* s = t->alloc();
  CHECK(s != nullptr);
  t->free_unlinked(s);
  CHECK(t->allocated() == 2);
}

TEST_CASE("state table: a reload's lower limit is in force at once, up to the table's capacity") {
  auto t = make_table(4);
  REQUIRE(t->set_limit(2));
  CHECK(t->limit() == 2);
  CHECK(t->capacity() == 4);
  State* a = t->alloc();
  State* b = t->alloc();
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(t->alloc() == nullptr);
  CHECK(t->counters().state_limit == 1);
  CHECK_FALSE(t->set_limit(5));  // the pool holds 4
  CHECK(t->limit() == 2);
  REQUIRE(t->set_limit(4));
  State* c = t->alloc();
  REQUIRE(c != nullptr);
  for (State* s : {a, b, c}) t->free_unlinked(s);
}

TEST_CASE("state table: a removed state returns to the pool only after every reader is quiescent") {
  auto t = make_table(16);
  REQUIRE(t->register_reader(5));
  REQUIRE(t->register_reader(6));
  State* s = new_state(*t, udp_tuple(9, 1), Direction::kIn);
  REQUIRE(t->insert(s) == IR::kOk);
  const unsigned avail = rte_mempool_avail_count(t->pool());

  REQUIRE(t->remove(s));
  CHECK(t->reclaim() == 0);
  CHECK(t->pending_free() == 1);
  CHECK(rte_mempool_avail_count(t->pool()) == avail);

  t->quiescent(5);  // reader 6 may still hold the pointer
  CHECK(t->reclaim() == 0);
  CHECK(rte_mempool_avail_count(t->pool()) == avail);

  t->offline(6);  // a sleeping reader holds no pointers
  CHECK(t->reclaim() == 1);
  CHECK(t->pending_free() == 0);
  CHECK(t->allocated() == 0);
  CHECK(rte_mempool_avail_count(t->pool()) == avail + 1);
  t->unregister_reader(5);
  t->unregister_reader(6);
}

TEST_CASE("state table: for_each visits every linked state exactly once") {
  auto t = make_table(256);
  std::vector<State*> v;
  for (uint16_t i = 0; i < 100; ++i) {
    v.push_back(new_state(*t, udp_tuple(10, i), i % 2 ? Direction::kIn : Direction::kOut));
    REQUIRE(t->insert(v.back()) == IR::kOk);
  }
  std::set<uint64_t> removed;
  for (size_t i = 0; i < 100; i += 10) {
    removed.insert(v[i]->id);
    REQUIRE(t->remove(v[i]));
  }
  std::multiset<uint64_t> seen;
  t->for_each([&](State& s) { seen.insert(s.id); });
  CHECK(seen.size() == 90);
  for (State* s : v) {
    CHECK(seen.count(s->id) == (removed.count(s->id) ? 0u : 1u));
  }
}

TEST_CASE("state table: a translated state answers inbound lookups by its wire key only") {
  auto t = make_table(16);
  const PacketTuple p = udp_tuple(11, 1111);
  State* s = new_state(*t, p, Direction::kOut);
  // As a nat rule would leave it: the stack key has the inside source port, the wire key the
  // translated one.
  s->key.key[kSkWire].port[1] = 60000;
  const StateKey wire = s->key.key[kSkWire];
  const StateKey stack = s->key.key[kSkStack];
  REQUIRE(t->insert(s) == IR::kOk);
  CHECK(t->lookup(wire, Direction::kIn) == s);
  CHECK(t->lookup(wire, Direction::kOut) == nullptr);
  CHECK(t->lookup(stack, Direction::kOut) == s);
  CHECK(t->lookup(stack, Direction::kIn) == nullptr);
  REQUIRE(t->remove(s));
  CHECK(t->lookup(wire, Direction::kIn) == nullptr);
  CHECK(t->lookup(stack, Direction::kOut) == nullptr);
}

TEST_CASE("state table: bulk lookup agrees with single lookups on hits, replies and misses") {
  auto t = make_table(512);
  std::vector<StateKey> keys;
  std::vector<Direction> dirs;
  for (uint16_t i = 0; i < 100; ++i) {
    const Direction d = i % 2 ? Direction::kIn : Direction::kOut;
    const PacketTuple p = udp_tuple(12, i);
    REQUIRE(t->insert(new_state(*t, p, d)) == IR::kOk);
    keys.push_back(make_lookup_key(p, d));  // the creating side
    dirs.push_back(d);
    keys.push_back(make_lookup_key(reply_of(p), reverse(d)));  // the reply
    dirs.push_back(reverse(d));
    keys.push_back(make_lookup_key(udp_tuple(13, i), d));  // no state
    dirs.push_back(d);
  }
  std::vector<const StateKey*> kp;
  for (const StateKey& k : keys) kp.push_back(&k);
  std::vector<State*> out(keys.size(), nullptr);
  CHECK(t->lookup_bulk(kp.data(), dirs.data(), static_cast<unsigned>(keys.size()), out.data()) ==
        200);
  for (size_t i = 0; i < keys.size(); ++i) {
    INFO("key " << i);
    CHECK(out[i] == t->lookup(keys[i], dirs[i]));
    CHECK((out[i] != nullptr) == (i % 3 != 2));
  }
}

TEST_CASE("state table: an uncounted bulk lookup leaves the searches counter to the caller") {
  auto t = make_table(16);
  const PacketTuple p = udp_tuple(14, 1400);
  State* s = new_state(*t, p, Direction::kIn);
  REQUIRE(t->insert(s) == IR::kOk);
  const StateKey keys[2] = {make_lookup_key(p, Direction::kIn),
                            make_lookup_key(udp_tuple(15, 1500), Direction::kIn)};
  const StateKey* kp[2] = {&keys[0], &keys[1]};
  const Direction dirs[2] = {Direction::kIn, Direction::kIn};
  State* out[2] = {nullptr, nullptr};
  CHECK(t->lookup_bulk(kp, dirs, 2, out, false) == 1);
  CHECK(out[0] == s);
  CHECK(out[1] == nullptr);
  CHECK(t->counters().searches == 0);
  t->count_searches(2);
  CHECK(t->counters().searches == 2);
  CHECK(t->lookup_bulk(kp, dirs, 2, out) == 1);
  CHECK(t->counters().searches == 4);
}

}  // namespace
}  // namespace dpf::state
