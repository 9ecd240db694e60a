// The node's one clock: TSC ticks since the node started, given as a steady_clock time point (the
// type the CARP machine, the pfsync engine and the neighbour table take, so that they stay pure
// and tests drive them with a fake clock). pf's uptime (a state's creation and expiry, in whole
// seconds) is the same clock. Any thread may read it; a read is one rdtsc, no system call.
#pragma once

#include <rte_cycles.h>

#include <chrono>
#include <cstdint>

namespace dpf {

class NodeClock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // The clock starts at zero now.
  static NodeClock start() noexcept { return NodeClock(rte_get_tsc_hz(), rte_get_tsc_cycles()); }
  NodeClock() = default;
  NodeClock(uint64_t hz, uint64_t start_tsc) noexcept : hz_(hz), start_(start_tsc) {}

  TimePoint now() const noexcept {
    if (hz_ == 0) return TimePoint{};
    const uint64_t ticks = rte_get_tsc_cycles() - start_;
    const auto ns =
        static_cast<int64_t>(static_cast<unsigned __int128>(ticks) * 1'000'000'000u / hz_);
    return TimePoint{} + std::chrono::nanoseconds(ns);
  }
  // Whole seconds since the start: pf's uptime.
  uint32_t seconds() const noexcept {
    return hz_ == 0 ? 0 : static_cast<uint32_t>((rte_get_tsc_cycles() - start_) / hz_);
  }

 private:
  uint64_t hz_ = 0;
  uint64_t start_ = 0;
};

}  // namespace dpf
