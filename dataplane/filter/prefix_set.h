// Address keys and prefix sets for rule evaluation: a 128-bit ordered key for IPv4 and IPv6
// addresses, and an immutable set of prefixes with pf's table semantics (longest prefix wins,
// a negated entry excludes). Built on the control thread (allocates); `contains` is the fast
// path's lookup: noexcept, no allocation, O(log n) over a sorted step function.
// shared/specs/pf-semantics.md §3.4.
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace dpf::filter {

// An address as a 128-bit big-endian number. IPv4 addresses occupy the top 32 bits (the rest
// is zero), so an IPv4 /n prefix is the top n bits, exactly as for IPv6.
struct Addr128 {
  uint64_t hi = 0;
  uint64_t lo = 0;
  friend constexpr auto operator<=>(const Addr128&, const Addr128&) = default;
};

inline constexpr Addr128 kAddrMax{~uint64_t{0}, ~uint64_t{0}};

// The key of 16 address bytes in network order; for IPv4 only bytes 0..3 are read.
Addr128 addr_key(const uint8_t* bytes, bool inet6) noexcept;
// The mask of the top `bits` bits (0..128).
Addr128 prefix_mask(unsigned bits) noexcept;
// The last address of the prefix `net`/`bits`.
Addr128 prefix_last(Addr128 net, unsigned bits) noexcept;
// a + 1 (wrapping); callers never pass kAddrMax.
Addr128 addr_next(Addr128 a) noexcept;
inline bool prefix_contains(Addr128 net, Addr128 mask, Addr128 a) noexcept {
  return ((a.hi ^ net.hi) & mask.hi) == 0 && ((a.lo ^ net.lo) & mask.lo) == 0;
}

// One table entry; `bits` counts from the top of the 128-bit key for both families.
struct PrefixEntry {
  Addr128 net;
  uint8_t bits = 0;
  bool negated = false;
};

// An inclusive address interval.
struct AddrInterval {
  Addr128 first;
  Addr128 last;
};

// A set of prefixes per family. Membership is pf's pfr_match_addr: the longest prefix that
// contains the address decides, and the address is in the set unless that entry is negated.
class PrefixSet {
 public:
  PrefixSet() = default;
  // Entries may be in any order; of two entries with the same prefix the later one wins.
  static PrefixSet build(std::vector<PrefixEntry> inet, std::vector<PrefixEntry> inet6);

  bool contains(bool inet6, Addr128 a) const noexcept;
  // The maximal intervals of keys in the set, ascending (for the classifier); for IPv4 an
  // interval's end includes the unused low 96 bits.
  std::vector<AddrInterval> intervals(bool inet6) const;
  bool empty(bool inet6) const noexcept { return steps(inet6).starts.empty(); }

 private:
  // A step function: starts[i] begins a run of addresses whose membership is in_set[i],
  // lasting until starts[i + 1]; addresses below starts[0] are not in the set.
  struct Steps {
    std::vector<Addr128> starts;
    std::vector<uint8_t> in_set;
  };
  static Steps sweep(std::vector<PrefixEntry> entries);
  const Steps& steps(bool inet6) const noexcept { return inet6 ? inet6_ : inet_; }

  Steps inet_;
  Steps inet6_;
};

}  // namespace dpf::filter
