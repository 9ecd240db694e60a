// pf's choice of a translation address from a rule's pool (pf_map_addr): none (the address as
// written), bitmask (network bits from the pool, host bits from the source), random, source-hash
// and round-robin. Randomness, the hash key and the round-robin cursor belong to the caller, so
// selection is a pure function: the caller keeps the cursor with the rule's pool and passes a
// random number drawn per call.
// sticky-address is the caller's: it looks the source up in its source nodes
// (dataplane/state/src_nodes.h) first, uses the remembered address on a hit, and calls
// pool_select and records the result on a miss.
// When no port is left on the chosen address (ports.h), pf moves on to the pool's next address
// for round-robin only; pool_size bounds that loop.
// IPv4 only for now: the types are pf_addr-sized (state::Addr) so IPv6 can follow; an IPv6 pool
// is refused. Any thread (the cursor is the caller's to guard); no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/state/key.h"

namespace dpf::nat {

using state::Addr;
using state::AddrFamily;

// pf's PF_POOL_* values (pfvar.h).
enum class PoolType : uint8_t {
  kNone = 0,
  kBitmask = 1,
  kRandom = 2,
  kSourceHash = 3,
  kRoundRobin = 4,
};

// One address or network of the pool, as written in the rule: `addr/prefix_len`.
struct PoolEntry {
  Addr addr;
  uint8_t prefix_len = 32;
};

// The source-hash key: pf.conf's `source-hash 0x<32 hex digits>` (or a string pfctl hashes to
// 128 bits), as 16 bytes in the order written.
using SourceHashKey = std::array<uint8_t, 16>;

struct Pool {
  AddrFamily af = AddrFamily::kInet;
  PoolType type = PoolType::kNone;
  std::span<const PoolEntry> entries;  // one entry for all types but round-robin (as pfctl checks)
  SourceHashKey key{};                 // source-hash only
};

// Where round-robin continues: the entry and the address it hands out next. A default cursor
// (or one left pointing outside a pool that was reloaded smaller) starts at the first entry's
// network address.
struct RoundRobinCursor {
  uint32_t entry = 0;
  Addr next;
  bool valid = false;
};

enum class PoolStatus : uint8_t {
  kOk,
  kEmpty,        // the pool has no entry
  kUnsupported,  // IPv6, a prefix longer than the family's, or several entries for a type
                 // other than round-robin
};

constexpr std::string_view pool_status_name(PoolStatus s) noexcept {
  switch (s) {
    case PoolStatus::kOk:
      return "ok";
    case PoolStatus::kEmpty:
      return "empty";
    case PoolStatus::kUnsupported:
      return "unsupported";
  }
  return "?";
}

struct PoolPick {
  PoolStatus status = PoolStatus::kEmpty;
  Addr addr;
};

// The translation address for a packet from `src`:
//   kNone        the entry's address as written;
//   kBitmask     (entry & mask) | (src & ~mask);
//   kRandom      (entry & mask) | (random & ~mask), `random` drawn by the caller;
//   kSourceHash  (entry & mask) | (H & ~mask), H the low 32 bits of
//                SipHash-2-4(pool.key, the 4 address bytes of src): the same source always gets
//                the same address for one key (pf hashes with its own keyed mix; the mapping
//                differs from pf's but has the same properties);
//   kRoundRobin  the cursor's address, then the cursor moves to the next address of the entry,
//                or to the next entry's network address (wrapping to the first entry).
// `cursor` is used by round-robin only and may be null for the other types.
PoolPick pool_select(const Pool& pool, const Addr& src, uint64_t random,
                     RoundRobinCursor* cursor) noexcept;

// How many addresses the pool holds (every address of every entry's prefix), saturated at
// 2^32: the bound on a caller's walk over the pool.
uint64_t pool_size(const Pool& pool) noexcept;

// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012) of `data` under
// `key`, whose first 8 bytes are k0 and last 8 bytes k1, both little-endian as the reference
// implementation reads them.
uint64_t siphash24(const SourceHashKey& key, std::span<const uint8_t> data) noexcept;

}  // namespace dpf::nat
