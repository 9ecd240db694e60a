// Run-time host entries: linear probing; a slot is claimed by compare-and-swap, its key written,
// then published by a release store of its tag, which readers load with acquire.
#include "dataplane/filter/host_set.h"

#include <algorithm>
#include <bit>

namespace dpf::filter {

HostSet::HostSet(uint32_t capacity)
    : capacity_(capacity),
      mask_(std::bit_ceil(std::max<uint32_t>(16, capacity * 2)) - 1),
      slots_(std::make_unique<Slot[]>(mask_ + 1)) {}

uint32_t HostSet::home(bool inet6, Addr128 a) const noexcept {
  uint64_t h = a.hi * 0x9e3779b97f4a7c15ULL ^ a.lo * 0xc2b2ae3d27d4eb4fULL ^ (inet6 ? 1 : 0);
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 32;
  return static_cast<uint32_t>(h) & mask_;
}

HostSet::Insert HostSet::insert(bool inet6, Addr128 a) noexcept {
  const uint32_t want = inet6 ? kInet6 : kInet;
  uint32_t i = home(inet6, a);
  for (uint32_t probe = 0; probe <= mask_; ++probe, i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    uint32_t tag = s.tag.load(std::memory_order_acquire);
    if (tag == kEmpty) {
      if (!s.tag.compare_exchange_strong(tag, kClaimed, std::memory_order_acquire)) {
        if (tag == kClaimed) continue;  // another writer took it: look further
      } else {
        if (size_.fetch_add(1, std::memory_order_relaxed) >= capacity_) {
          size_.fetch_sub(1, std::memory_order_relaxed);
          s.tag.store(kEmpty, std::memory_order_release);
          return Insert::kFull;
        }
        s.hi.store(a.hi, std::memory_order_relaxed);
        s.lo.store(a.lo, std::memory_order_relaxed);
        s.tag.store(want, std::memory_order_release);
        return Insert::kAdded;
      }
    }
    if (tag == want && s.hi.load(std::memory_order_relaxed) == a.hi &&
        s.lo.load(std::memory_order_relaxed) == a.lo)
      return Insert::kExists;
  }
  return Insert::kFull;
}

bool HostSet::contains(bool inet6, Addr128 a) const noexcept {
  const uint32_t want = inet6 ? kInet6 : kInet;
  uint32_t i = home(inet6, a);
  for (uint32_t probe = 0; probe <= mask_; ++probe, i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    const uint32_t tag = s.tag.load(std::memory_order_acquire);
    if (tag == kEmpty) return false;
    if (tag == want && s.hi.load(std::memory_order_relaxed) == a.hi &&
        s.lo.load(std::memory_order_relaxed) == a.lo)
      return true;
  }
  return false;
}

void HostSet::clear() noexcept {
  for (uint32_t i = 0; i <= mask_; ++i) slots_[i].tag.store(kEmpty, std::memory_order_release);
  size_.store(0, std::memory_order_relaxed);
}

std::vector<std::pair<bool, Addr128>> HostSet::entries() const {
  std::vector<std::pair<bool, Addr128>> out;
  for (uint32_t i = 0; i <= mask_; ++i) {
    const Slot& s = slots_[i];
    const uint32_t tag = s.tag.load(std::memory_order_acquire);
    if (tag != kInet && tag != kInet6) continue;
    out.emplace_back(tag == kInet6, Addr128{s.hi.load(std::memory_order_relaxed),
                                            s.lo.load(std::memory_order_relaxed)});
  }
  return out;
}

}  // namespace dpf::filter
