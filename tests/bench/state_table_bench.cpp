// State table microbenchmark (not a test): fills a table with 1 M states on one lcore and
// reports inserts/s, bulk lookups/s (creating side, replies, a 50/50 mix) and single lookups/s.
// Starts its own EAL without hugepages; run it alone on an idle machine:
//   build/bench/state_table_bench [states]
// EAL's --no-huge memory is faulted in on first touch, so the table is filled and emptied once
// before the timed fill (a node reaches that steady state after its first minutes); the first
// fill is reported too.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_version.h>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "dataplane/net/wire/headers.h"
#include "dataplane/state/table.h"

using namespace dpf::state;
using namespace dpf::wire;

namespace {

constexpr unsigned kBurst = 32;
constexpr unsigned kLookupRounds = 4;  // lookups per state in each lookup run

PacketTuple flow(uint32_t i) {
  PacketTuple p;
  p.af = AddrFamily::kInet;
  p.proto = kIpProtoTcp;
  p.src = Addr::v4(10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8),
                   static_cast<uint8_t>(i));
  p.dst = Addr::v4(192, 168, static_cast<uint8_t>(i >> 20), static_cast<uint8_t>(i % 251));
  p.sport = static_cast<uint16_t>(1024 + i % 60000);
  p.dport = 443;
  return p;
}

PacketTuple reply(const PacketTuple& p) {
  PacketTuple r = p;
  r.src = p.dst;
  r.dst = p.src;
  r.sport = p.dport;
  r.dport = p.sport;
  return r;
}

// Wall time and this thread's CPU time: on a shared machine the CPU-time rate is the per-core
// figure, the wall-time rate what this run got.
struct Clock {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = cpu_now();
  static double cpu_now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
};

struct Rate {
  double per_wall_s;
  double per_cpu_s;
};

Rate rate(size_t ops, const Clock& c) {
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - c.wall).count();
  return Rate{static_cast<double>(ops) / wall,
              static_cast<double>(ops) / (Clock::cpu_now() - c.cpu)};
}

// Lookups as packets bring them: keys one after the other in arrival order (a random order of
// the states), looked up in bursts of kBurst. Counts misses.
Rate bulk_rate(StateTable& t, const std::vector<StateKey>& keys, const std::vector<Direction>& dirs,
               unsigned& misses) {
  const StateKey* kp[kBurst];
  State* out[kBurst];
  misses = 0;
  const size_t n = keys.size() / kBurst * kBurst;
  Clock c;
  for (size_t base = 0; base < n; base += kBurst) {
    for (unsigned i = 0; i < kBurst; ++i) kp[i] = &keys[base + i];
    misses += kBurst - t.lookup_bulk(kp, &dirs[base], kBurst, out);
    t.quiescent(0);
  }
  return rate(n, c);
}

void print(const char* what, Rate r) {
  std::printf("  %-34s %7.2f M/s per CPU second  (%6.2f M/s wall)\n", what, r.per_cpu_s / 1e6,
              r.per_wall_s / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const uint32_t n = argc > 1 ? static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 1000000;
  const std::string prefix = "dpf-table-bench-" + std::to_string(getpid());
  std::vector<std::string> args = {argv[0], "--no-huge",   "--no-pci",      "-m",
                                   "1536",  "--no-shconf", "--file-prefix", prefix,
                                   "-l",    "0",           "--log-level",   "*:error"};
  std::vector<char*> av;
  for (std::string& a : args) av.push_back(a.data());
  if (rte_eal_init(static_cast<int>(av.size()), av.data()) < 0) {
    std::fprintf(stderr, "state_table_bench: EAL init failed: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  StateTable::Config c;
  c.limit = n;
  c.creatorid = 1;
  c.name = "bench";
  std::string error;
  auto t = StateTable::create(c, error);
  if (!t) {
    std::fprintf(stderr, "state_table_bench: %s\n", error.c_str());
    return 1;
  }
  t->register_reader(0);

  // Keys of the creating side (inbound) and of the replies (outbound), built up front.
  std::vector<StateKey> fwd(n), rep(n), mixed(n);
  std::vector<Direction> fwd_dir(n, Direction::kIn), rep_dir(n, Direction::kOut), mixed_dir(n);
  for (uint32_t i = 0; i < n; ++i) {
    fwd[i] = make_lookup_key(flow(i), Direction::kIn);
    rep[i] = make_lookup_key(reply(flow(i)), Direction::kOut);
    mixed[i] = i % 2 ? rep[i] : fwd[i];
    mixed_dir[i] = i % 2 ? Direction::kOut : Direction::kIn;
  }

  std::vector<State*> states(n);
  auto fill = [&]() -> bool {
    for (uint32_t i = 0; i < n; ++i) {
      State* s = t->alloc();
      if (s == nullptr) return std::fprintf(stderr, "alloc failed at %u\n", i), false;
      s->key.key[kSkWire] = fwd[i];
      s->key.key[kSkStack] = fwd[i];
      s->direction = Direction::kIn;
      if (t->insert(s) != StateTable::InsertResult::kOk) {
        return std::fprintf(stderr, "insert failed at %u\n", i), false;
      }
      states[i] = s;
    }
    return true;
  };
  Clock c0;
  if (!fill()) return 1;
  const Rate first_fill = rate(n, c0);
  Clock c2;
  for (State* s : states) t->remove(s);
  const Rate removals = rate(n, c2);
  t->quiescent(0);
  while (t->pending_free() != 0) t->reclaim();
  Clock c3;
  if (!fill()) return 1;
  const Rate inserts = rate(n, c3);

  // Arrival order: every state kLookupRounds times, shuffled; the streams hold the keys
  // themselves, as packets would.
  std::vector<uint32_t> order;
  order.reserve(size_t{n} * kLookupRounds);
  for (unsigned r = 0; r < kLookupRounds; ++r) {
    for (uint32_t i = 0; i < n; ++i) order.push_back(i);
  }
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  unsigned misses = 0, m = 0;
  std::vector<StateKey> stream(order.size());
  std::vector<Direction> dirs(order.size());
  const std::vector<StateKey>* src[] = {&fwd, &rep, &mixed};
  const std::vector<Direction>* src_dir[] = {&fwd_dir, &rep_dir, &mixed_dir};
  Rate bulk[3];
  for (int k = 0; k < 3; ++k) {
    for (size_t i = 0; i < order.size(); ++i) {
      stream[i] = (*src[k])[order[i]];
      dirs[i] = (*src_dir[k])[order[i]];
    }
    bulk[k] = bulk_rate(*t, stream, dirs, m);
    misses += m;
  }
  Clock c1;
  for (size_t i = 0; i < stream.size(); ++i) misses += t->lookup(stream[i], dirs[i]) == nullptr;
  const Rate single = rate(stream.size(), c1);

  std::printf("state table bench: %u states, one lcore, %s, --no-huge (4 KiB pages)\n", n,
              rte_version());
  print("inserts, first fill (page faults)", first_fill);
  print("removals", removals);
  print("inserts (alloc + insert)", inserts);
  print("bulk lookups, creating side", bulk[0]);
  print("bulk lookups, replies (2 probes)", bulk[1]);
  print("bulk lookups, 50/50 mix", bulk[2]);
  print("single lookups, 50/50 mix", single);
  if (misses != 0) {
    std::fprintf(stderr, "state_table_bench: %u lookups missed\n", misses);
    return 1;
  }
  t->unregister_reader(0);
  t.reset();
  rte_eal_cleanup();
  return 0;
}
