#include "dataplane/nat/pool.h"

#include <algorithm>
#include <bit>

namespace dpf::nat {

namespace {

uint32_t v4_of(const Addr& a) noexcept {
  return uint32_t{a.bytes[0]} << 24 | uint32_t{a.bytes[1]} << 16 | uint32_t{a.bytes[2]} << 8 |
         a.bytes[3];
}

Addr addr_of_v4(uint32_t v) noexcept {
  return Addr::v4(static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                  static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v));
}

constexpr uint32_t mask_of(uint8_t prefix_len) noexcept {
  return prefix_len == 0 ? 0u : ~0u << (32 - prefix_len);
}

// pf's PF_POOLMASK: network bits from `net`, host bits from `host`.
constexpr uint32_t pool_mask(uint32_t net, uint32_t host, uint32_t mask) noexcept {
  return (net & mask) | (host & ~mask);
}

PoolPick ok(uint32_t v) noexcept {
  return {PoolStatus::kOk, addr_of_v4(v)};
}

PoolPick round_robin(std::span<const PoolEntry> entries, RoundRobinCursor* c) noexcept {
  if (c->entry >= entries.size()) c->valid = false;
  if (c->valid) {
    // A cursor whose address left its entry (the pool changed) restarts that entry.
    const PoolEntry& e = entries[c->entry];
    const uint32_t m = mask_of(e.prefix_len);
    if ((v4_of(c->next) & m) != (v4_of(e.addr) & m)) c->valid = false;
  }
  if (!c->valid) {
    c->entry = 0;
    c->next = addr_of_v4(v4_of(entries[0].addr) & mask_of(entries[0].prefix_len));
    c->valid = true;
  }
  const uint32_t picked = v4_of(c->next);
  const PoolEntry& e = entries[c->entry];
  const uint32_t m = mask_of(e.prefix_len);
  const uint32_t after = picked + 1;
  if ((after & m) == (v4_of(e.addr) & m) && (after & ~m) != 0) {
    c->next = addr_of_v4(after);
  } else {
    c->entry = static_cast<uint32_t>((c->entry + 1) % entries.size());
    const PoolEntry& n = entries[c->entry];
    c->next = addr_of_v4(v4_of(n.addr) & mask_of(n.prefix_len));
  }
  return ok(picked);
}

}  // namespace

PoolPick pool_select(const Pool& pool, const Addr& src, uint64_t random,
                     RoundRobinCursor* cursor) noexcept {
  if (pool.entries.empty()) [[unlikely]]
    return {PoolStatus::kEmpty, {}};
  if (pool.af != AddrFamily::kInet) [[unlikely]]
    return {PoolStatus::kUnsupported, {}};
  for (const PoolEntry& e : pool.entries) {
    if (e.prefix_len > 32) [[unlikely]]
      return {PoolStatus::kUnsupported, {}};
  }
  if (pool.type == PoolType::kRoundRobin) {
    if (cursor == nullptr) [[unlikely]]
      return {PoolStatus::kUnsupported, {}};
    return round_robin(pool.entries, cursor);
  }
  if (pool.entries.size() != 1) [[unlikely]]
    return {PoolStatus::kUnsupported, {}};
  const uint32_t net = v4_of(pool.entries[0].addr);
  const uint32_t mask = mask_of(pool.entries[0].prefix_len);
  switch (pool.type) {
    case PoolType::kNone:
      return ok(net);
    case PoolType::kBitmask:
      return ok(pool_mask(net, v4_of(src), mask));
    case PoolType::kRandom:
      return ok(pool_mask(net, static_cast<uint32_t>(random), mask));
    case PoolType::kSourceHash: {
      const uint64_t h = siphash24(pool.key, std::span<const uint8_t>(src.bytes).first(4));
      return ok(pool_mask(net, static_cast<uint32_t>(h), mask));
    }
    case PoolType::kRoundRobin:
      break;
  }
  return {PoolStatus::kUnsupported, {}};
}

uint64_t pool_size(const Pool& pool) noexcept {
  uint64_t n = 0;
  for (const PoolEntry& e : pool.entries) {
    n += uint64_t{1} << (32 - std::min<uint8_t>(e.prefix_len, 32));
  }
  return std::min<uint64_t>(n, uint64_t{1} << 32);
}

namespace {

uint64_t load_le64(const uint8_t* p) noexcept {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

struct SipState {
  uint64_t v0, v1, v2, v3;
  void round() noexcept {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }
  void compress(uint64_t m) noexcept {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

}  // namespace

uint64_t siphash24(const SourceHashKey& key, std::span<const uint8_t> data) noexcept {
  const uint64_t k0 = load_le64(key.data());
  const uint64_t k1 = load_le64(key.data() + 8);
  SipState s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
             k1 ^ 0x7465646279746573ull};
  const size_t full = data.size() / 8 * 8;
  for (size_t i = 0; i < full; i += 8) s.compress(load_le64(data.data() + i));
  // The last block: the 0-7 bytes left, and the length's low byte on top.
  uint64_t last = static_cast<uint64_t>(data.size() & 0xff) << 56;
  for (size_t i = full; i < data.size(); ++i) last |= uint64_t{data[i]} << (8 * (i - full));
  s.compress(last);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace dpf::nat
