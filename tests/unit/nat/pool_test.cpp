// Address selection from a NAT pool, for every pool type: none, bitmask, random, source-hash
// (and its SipHash-2-4 against the reference vectors) and round-robin with its cursor.
#include "dataplane/nat/pool.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <vector>

using namespace dpf::nat;
using dpf::state::Addr;

namespace {

Addr a4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return Addr::v4(a, b, c, d);
}

Pool pool_of(PoolType type, std::span<const PoolEntry> entries) {
  Pool p;
  p.type = type;
  p.entries = entries;
  return p;
}

SourceHashKey reference_key() {
  SourceHashKey k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i);
  return k;
}

}  // namespace

TEST_CASE("pool: SipHash-2-4 matches the reference implementation's test vectors") {
  // vectors.h of the SipHash reference code: key 00..0f, message 00..(len-1).
  std::vector<uint8_t> msg;
  CHECK(siphash24(reference_key(), msg) == 0x726fdb47dd0e0e31ull);
  for (uint8_t i = 0; i < 8; ++i) msg.push_back(i);
  CHECK(siphash24(reference_key(), msg) == 0x93f5f5799a932462ull);
  for (uint8_t i = 8; i < 15; ++i) msg.push_back(i);
  CHECK(siphash24(reference_key(), msg) == 0xa129ca6149be45e5ull);
}

TEST_CASE("pool: none gives the address as written") {
  const PoolEntry e[] = {{a4(203, 0, 113, 7), 24}};
  const PoolPick p = pool_select(pool_of(PoolType::kNone, e), a4(10, 0, 0, 5), 12345, nullptr);
  CHECK(p.status == PoolStatus::kOk);
  CHECK(p.addr == a4(203, 0, 113, 7));
}

TEST_CASE("pool: bitmask takes the network bits from the pool and the host bits from the source") {
  const PoolEntry e[] = {{a4(192, 0, 2, 0), 24}};
  const Pool pool = pool_of(PoolType::kBitmask, e);
  CHECK(pool_select(pool, a4(10, 1, 2, 3), 0, nullptr).addr == a4(192, 0, 2, 3));
  CHECK(pool_select(pool, a4(10, 9, 9, 200), 0, nullptr).addr == a4(192, 0, 2, 200));
  const PoolEntry e20[] = {{a4(198, 18, 0, 0), 15}};
  CHECK(pool_select(pool_of(PoolType::kBitmask, e20), a4(10, 1, 2, 3), 0, nullptr).addr ==
        a4(198, 19, 2, 3));
  const PoolEntry one[] = {{a4(198, 51, 100, 1), 32}};
  CHECK(pool_select(pool_of(PoolType::kBitmask, one), a4(10, 1, 2, 3), 0, nullptr).addr ==
        a4(198, 51, 100, 1));
}

TEST_CASE("pool: random stays inside the pool's network and uses the caller's number") {
  const PoolEntry e[] = {{a4(192, 0, 2, 0), 26}};
  const Pool pool = pool_of(PoolType::kRandom, e);
  CHECK(pool_select(pool, a4(10, 0, 0, 1), 0x0000002a, nullptr).addr == a4(192, 0, 2, 42));
  std::mt19937_64 rng(2);
  std::set<uint8_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const PoolPick p = pool_select(pool, a4(10, 0, 0, 1), rng(), nullptr);
    REQUIRE(p.status == PoolStatus::kOk);
    REQUIRE(p.addr.bytes[0] == 192);
    REQUIRE(p.addr.bytes[2] == 2);
    REQUIRE(p.addr.bytes[3] < 64);
    seen.insert(p.addr.bytes[3]);
  }
  CHECK(seen.size() == 64);
}

TEST_CASE("pool: source-hash maps one source to one address, spread over the network") {
  const PoolEntry e[] = {{a4(192, 0, 2, 0), 28}};
  Pool pool = pool_of(PoolType::kSourceHash, e);
  pool.key = reference_key();
  std::map<uint8_t, int> per_host;
  for (int i = 0; i < 1600; ++i) {
    const Addr src = a4(10, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i));
    const PoolPick p = pool_select(pool, src, static_cast<uint64_t>(i) * 77, nullptr);
    REQUIRE(p.status == PoolStatus::kOk);
    REQUIRE(p.addr.bytes[3] < 16);
    REQUIRE(pool_select(pool, src, 999, nullptr).addr == p.addr);  // not the random number
    ++per_host[p.addr.bytes[3]];
    const uint32_t h = static_cast<uint32_t>(siphash24(pool.key, std::span(src.bytes).first(4)));
    REQUIRE(p.addr.bytes[3] == (h & 0x0f));
  }
  CHECK(per_host.size() == 16);
  for (const auto& [host, n] : per_host) CHECK(n > 50);  // 100 each on average
}

TEST_CASE("pool: source-hash depends on the key") {
  const PoolEntry e[] = {{a4(192, 0, 2, 0), 24}};
  Pool a = pool_of(PoolType::kSourceHash, e);
  Pool b = a;
  b.key[0] = 1;
  int differ = 0;
  for (uint8_t i = 0; i < 100; ++i) {
    const Addr src = a4(10, 0, 0, i);
    differ += pool_select(a, src, 0, nullptr).addr == pool_select(b, src, 0, nullptr).addr ? 0 : 1;
  }
  CHECK(differ > 90);
}

TEST_CASE("pool: round-robin walks every address of every entry, then wraps") {
  const PoolEntry e[] = {
      {a4(192, 0, 2, 4), 30}, {a4(198, 51, 100, 9), 32}, {a4(203, 0, 113, 0), 31}};
  const Pool pool = pool_of(PoolType::kRoundRobin, e);
  RoundRobinCursor c;
  const std::vector<Addr> want = {a4(192, 0, 2, 4),  a4(192, 0, 2, 5),    a4(192, 0, 2, 6),
                                  a4(192, 0, 2, 7),  a4(198, 51, 100, 9), a4(203, 0, 113, 0),
                                  a4(203, 0, 113, 1)};
  for (int lap = 0; lap < 3; ++lap) {
    for (const Addr& w : want) {
      const PoolPick p = pool_select(pool, a4(10, 0, 0, 1), 0, &c);
      REQUIRE(p.status == PoolStatus::kOk);
      REQUIRE(p.addr == w);
    }
  }
  CHECK(pool_size(pool) == 7);
}

TEST_CASE("pool: a round-robin cursor left outside a smaller pool starts again") {
  const PoolEntry big[] = {{a4(192, 0, 2, 0), 32}, {a4(192, 0, 2, 1), 32}, {a4(192, 0, 2, 2), 32}};
  RoundRobinCursor c;
  pool_select(pool_of(PoolType::kRoundRobin, big), {}, 0, &c);
  pool_select(pool_of(PoolType::kRoundRobin, big), {}, 0, &c);
  REQUIRE(c.entry == 2);
  const PoolEntry small[] = {{a4(198, 51, 100, 0), 31}};
  CHECK(pool_select(pool_of(PoolType::kRoundRobin, small), {}, 0, &c).addr == a4(198, 51, 100, 0));
  CHECK(pool_select(pool_of(PoolType::kRoundRobin, small), {}, 0, &c).addr == a4(198, 51, 100, 1));
  // Same size, different addresses: the cursor's address is not in the entry any more.
  const PoolEntry moved[] = {{a4(203, 0, 113, 8), 31}};
  CHECK(pool_select(pool_of(PoolType::kRoundRobin, moved), {}, 0, &c).addr == a4(203, 0, 113, 8));
}

TEST_CASE("pool: empty, IPv6, several entries without round-robin and bad prefixes are refused") {
  CHECK(pool_select(pool_of(PoolType::kNone, {}), {}, 0, nullptr).status == PoolStatus::kEmpty);
  const PoolEntry one[] = {{a4(192, 0, 2, 1), 32}};
  Pool v6 = pool_of(PoolType::kNone, one);
  v6.af = AddrFamily::kInet6;
  CHECK(pool_select(v6, {}, 0, nullptr).status == PoolStatus::kUnsupported);
  const PoolEntry two[] = {{a4(192, 0, 2, 1), 32}, {a4(192, 0, 2, 2), 32}};
  for (PoolType t :
       {PoolType::kNone, PoolType::kBitmask, PoolType::kRandom, PoolType::kSourceHash}) {
    CHECK(pool_select(pool_of(t, two), {}, 0, nullptr).status == PoolStatus::kUnsupported);
  }
  CHECK(pool_select(pool_of(PoolType::kRoundRobin, two), {}, 0, nullptr).status ==
        PoolStatus::kUnsupported);  // no cursor
  const PoolEntry bad[] = {{a4(192, 0, 2, 1), 33}};
  CHECK(pool_select(pool_of(PoolType::kRandom, bad), {}, 0, nullptr).status ==
        PoolStatus::kUnsupported);
}

TEST_CASE("pool: the size counts every address of every prefix") {
  const PoolEntry e[] = {{a4(10, 0, 0, 0), 8}, {a4(192, 0, 2, 0), 24}};
  CHECK(pool_size(pool_of(PoolType::kRoundRobin, e)) == (1u << 24) + 256);
  const PoolEntry all[] = {{a4(0, 0, 0, 0), 0}, {a4(0, 0, 0, 0), 0}};
  CHECK(pool_size(pool_of(PoolType::kRoundRobin, all)) == uint64_t{1} << 32);
}
