// Host entries added to a table at run time: the addresses `overload <t>` puts into <t> (a /32
// or /128 each, pf_overload_task's pfr_insert_kentry). A fixed-size open-addressing set of
// 128-bit keys: insert() and contains() are lock-free and may run on any number of threads at
// once (workers insert and look up; nothing blocks); clear() and entries() are for the control
// thread. The constructor allocates all slots; nothing else allocates except entries().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "dataplane/filter/prefix_set.h"

namespace dpf::filter {

// Hosts one overload table holds at most (pf's table-entries limit is for all tables).
inline constexpr uint32_t kDefaultHostCapacity = 16384;

class HostSet {
 public:
  enum class Insert : uint8_t { kAdded, kExists, kFull };

  explicit HostSet(uint32_t capacity = kDefaultHostCapacity);
  HostSet(const HostSet&) = delete;
  HostSet& operator=(const HostSet&) = delete;

  // Adds one host. Two threads adding the same host at once may both report kAdded (the set
  // then holds it twice, which membership does not notice).
  Insert insert(bool inet6, Addr128 a) noexcept;
  bool contains(bool inet6, Addr128 a) const noexcept;
  // Empties the set (a reload that defines the table again). Lookups running meanwhile may
  // still see some old hosts.
  void clear() noexcept;
  uint32_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
  uint32_t capacity() const noexcept { return capacity_; }
  // The hosts: (inet6, address). Control thread.
  std::vector<std::pair<bool, Addr128>> entries() const;

 private:
  // kEmpty ends a probe; kClaimed is being written; kInet/kInet6 hold a published key.
  enum : uint32_t { kEmpty = 0, kClaimed = 1, kInet = 2, kInet6 = 3 };
  struct Slot {
    std::atomic<uint32_t> tag{kEmpty};
    std::atomic<uint64_t> hi{0};
    std::atomic<uint64_t> lo{0};
  };
  uint32_t home(bool inet6, Addr128 a) const noexcept;

  uint32_t capacity_;
  uint32_t mask_;  // slots - 1 (twice the capacity, a power of two)
  std::unique_ptr<Slot[]> slots_;
  std::atomic<uint32_t> size_{0};
};

}  // namespace dpf::filter
