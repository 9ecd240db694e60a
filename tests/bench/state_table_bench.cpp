// State table microbenchmark (not a test): fills a table with 1 M states on one lcore and
// reports inserts/s, bulk lookups/s (creating side, replies, a 50/50 mix) and single lookups/s.
// Starts its own EAL without hugepages; run it alone on an idle machine:
//   build/bench/state_table_bench [states]
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_version.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "dataplane/state/table.h"

using namespace dpf::state;

namespace {

constexpr unsigned kBurst = 32;
constexpr unsigned kLookupRounds = 4;  // lookups per state in each lookup run

PacketTuple flow(uint32_t i) {
  PacketTuple p;
  p.af = AddrFamily::kInet;
  p.proto = kProtoTcp;
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

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Bulk lookups of `keys` in a random order, in bursts of kBurst; returns lookups per second.
double bulk_rate(StateTable& t, const std::vector<StateKey>& keys,
                 const std::vector<Direction>& dirs, const std::vector<uint32_t>& order,
                 unsigned& misses) {
  const StateKey* kp[kBurst];
  Direction d[kBurst];
  State* out[kBurst];
  misses = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (size_t base = 0; base + kBurst <= order.size(); base += kBurst) {
    for (unsigned i = 0; i < kBurst; ++i) {
      kp[i] = &keys[order[base + i]];
      d[i] = dirs[order[base + i]];
    }
    misses += kBurst - t.lookup_bulk(kp, d, kBurst, out);
    t.quiescent(0);
  }
  return static_cast<double>(order.size() / kBurst * kBurst) / seconds_since(t0);
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

  auto t0 = std::chrono::steady_clock::now();
  for (uint32_t i = 0; i < n; ++i) {
    State* s = t->alloc();
    if (s == nullptr) return std::fprintf(stderr, "alloc failed at %u\n", i), 1;
    s->key.key[kSkWire] = fwd[i];
    s->key.key[kSkStack] = fwd[i];
    s->direction = Direction::kIn;
    if (t->insert(s) != StateTable::InsertResult::kOk) {
      return std::fprintf(stderr, "insert failed at %u\n", i), 1;
    }
  }
  const double insert_rate = n / seconds_since(t0);

  std::vector<uint32_t> order;
  order.reserve(size_t{n} * kLookupRounds);
  for (unsigned r = 0; r < kLookupRounds; ++r) {
    for (uint32_t i = 0; i < n; ++i) order.push_back(i);
  }
  std::shuffle(order.begin(), order.end(), std::mt19937(42));

  unsigned m1, m2, m3;
  const double fwd_rate = bulk_rate(*t, fwd, fwd_dir, order, m1);
  const double rep_rate = bulk_rate(*t, rep, rep_dir, order, m2);
  const double mix_rate = bulk_rate(*t, mixed, mixed_dir, order, m3);

  t0 = std::chrono::steady_clock::now();
  unsigned single_miss = 0;
  for (uint32_t i : order) single_miss += t->lookup(mixed[i], mixed_dir[i]) == nullptr;
  const double single_rate = order.size() / seconds_since(t0);

  std::printf("state table bench: %u states, one lcore, DPDK %s, --no-huge\n", n, rte_version());
  std::printf("  inserts (alloc + insert)           %7.2f M/s\n", insert_rate / 1e6);
  std::printf("  bulk lookups, creating side        %7.2f M/s\n", fwd_rate / 1e6);
  std::printf("  bulk lookups, replies (2 probes)   %7.2f M/s\n", rep_rate / 1e6);
  std::printf("  bulk lookups, 50/50 mix            %7.2f M/s\n", mix_rate / 1e6);
  std::printf("  single lookups, 50/50 mix          %7.2f M/s\n", single_rate / 1e6);
  if (m1 + m2 + m3 + single_miss != 0) {
    std::fprintf(stderr, "state_table_bench: %u lookups missed\n", m1 + m2 + m3 + single_miss);
    return 1;
  }
  t->unregister_reader(0);
  t.reset();
  rte_eal_cleanup();
  return 0;
}
