// pfsync benchmark (not a test): one core runs two sync engines, A and B, joined in memory.
//   1. encode: N local TCP inserts on A, framed at MTU 1500 (1301 format): states/s, frames/s
//      and states per frame;
//   2. decode: the same frames applied on B (decode, import, insert): states/s;
//   3. sync lag: states created on A at 1 k, 10 k and 100 k per second for one second each,
//      each frame handed to B as soon as A sends it; lag = created on A -> inserted on B, the
//      protocol's batching (frames fill, or the 1 s flush) included.
// Usage: pfsync_bench [N] (default 200000). Single-threaded; allocates freely.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/pfsync/engine.h"
#include "tests/unit/pfsync/engine_test_util.h"

namespace {

using namespace dpf::pfsync;
namespace st = dpf::state;
using std::chrono::duration;
using std::chrono::steady_clock;

// States by (creator, id) and by wire key, both hashed. No bulk walk (next() ends at once).
class HashStore : public StateStore {
 public:
  std::function<void(const st::State&)> on_insert;

  st::State* find_by_id(uint64_t id, uint32_t creatorid) noexcept override {
    auto it = by_id_.find(id ^ (uint64_t{creatorid} << 40));
    return it == by_id_.end() ? nullptr : it->second.get();
  }
  st::State* find_by_key(const st::StateKey& key) noexcept override {
    auto it = by_key_.find(key_bytes(key));
    return it == by_key_.end() ? nullptr : it->second;
  }
  InsertResult insert(const st::State& s) noexcept override {
    if (find_by_id(s.id, s.creatorid)) return InsertResult::kIdExists;
    if (find_by_key(s.key.key[st::kSkWire])) return InsertResult::kKeyExists;
    auto p = std::make_unique<st::State>();
    assign_state(*p, s);
    by_key_[key_bytes(s.key.key[st::kSkWire])] = p.get();
    st::State& stored = *p;
    by_id_[s.id ^ (uint64_t{s.creatorid} << 40)] = std::move(p);
    if (on_insert) on_insert(stored);
    return InsertResult::kOk;
  }
  void remove(st::State& s) noexcept override {
    by_key_.erase(key_bytes(s.key.key[st::kSkWire]));
    by_id_.erase(s.id ^ (uint64_t{s.creatorid} << 40));
  }
  st::State* next(StoreCursor&) noexcept override { return nullptr; }
  size_t size() const noexcept override { return by_id_.size(); }
  st::State& add_local(uint64_t id, uint32_t creator, uint32_t uptime) {
    st::State s;
    dpf::pfsync::test::fill_tcp_state(s, id, creator, uptime);
    // Unique keys for any id below 2^32: the id spells the inside address and the port.
    auto& k = s.key.key[st::kSkWire];
    k.addr[1] = st::Addr::v4(10, static_cast<uint8_t>(id >> 16), static_cast<uint8_t>(id >> 8),
                             static_cast<uint8_t>(id));
    k.addr[0] = st::Addr::v4(198, 51, 100, static_cast<uint8_t>(id >> 24));
    k.port[0] = 40000;
    s.key.key[st::kSkStack] = k;
    insert(s);
    return *find_by_id(id, creator);
  }

 private:
  static std::string key_bytes(const st::StateKey& k) {
    return std::string(reinterpret_cast<const char*>(&k), sizeof k);
  }
  std::unordered_map<uint64_t, std::unique_ptr<st::State>> by_id_;
  std::unordered_map<std::string, st::State*> by_key_;
};

class ForwardSink : public SyncSink {
 public:
  std::function<void(std::span<const std::byte>)> deliver;
  size_t frames = 0;
  bool send_frame(std::span<const std::byte> frame) noexcept override {
    ++frames;
    if (deliver) deliver(frame);
    return true;
  }
  void release_packet(PacketHandle) noexcept override {}
  void drop_packet(PacketHandle) noexcept override {}
};

constexpr uint32_t kA = 0x0a0a0a0a;
constexpr uint32_t kB = 0x0b0b0b0b;

EngineConfig config(uint32_t hostid) {
  EngineConfig c;
  c.hostid = hostid;
  c.mtu = 1500;
  c.format = StateFormat::k1301;
  return c;
}

double seconds_since(steady_clock::time_point t0) {
  return duration<double>(steady_clock::now() - t0).count();
}

void throughput(uint64_t n) {
  HashStore store_a, store_b;
  ForwardSink sink_a, sink_b;
  std::vector<std::vector<std::byte>> frames;
  sink_a.deliver = [&](std::span<const std::byte> f) { frames.emplace_back(f.begin(), f.end()); };
  SyncEngine a(config(kA), store_a, sink_a);
  SyncEngine b(config(kB), store_b, sink_b);
  const auto now = steady_clock::now();
  const uint32_t up = uptime_seconds(now);
  std::vector<st::State*> states;
  states.reserve(n);
  for (uint64_t i = 1; i <= n; ++i) states.push_back(&store_a.add_local(i, kA, up));

  auto t0 = steady_clock::now();
  for (st::State* s : states) a.on_local_change(now, *s, ChangeKind::kInsert);
  a.on_timer(now + std::chrono::seconds(2));  // the last partial frame
  const double enc = seconds_since(t0);

  t0 = steady_clock::now();
  for (const auto& f : frames) b.on_frame(now, f);
  const double dec = seconds_since(t0);

  std::printf(
      "encode: %llu states in %.3f s: %.0f states/s, %.0f frames/s, %.2f states/frame "
      "(MTU 1500, 1301 format)\n",
      static_cast<unsigned long long>(n), enc, n / enc, frames.size() / enc,
      static_cast<double>(n) / static_cast<double>(frames.size()));
  std::printf("decode: %zu frames in %.3f s: %.0f states/s inserted on B (%zu of %llu)\n",
              frames.size(), dec, store_b.size() / dec, store_b.size(),
              static_cast<unsigned long long>(n));
}

void lag(unsigned rate) {
  HashStore store_a, store_b;
  ForwardSink sink_a, sink_b;
  SyncEngine a(config(kA), store_a, sink_a);
  SyncEngine b(config(kB), store_b, sink_b);
  std::vector<steady_clock::time_point> created(rate + 1);
  std::vector<double> lags;
  lags.reserve(rate);
  store_b.on_insert = [&](const st::State& s) {
    if (s.id < created.size())
      lags.push_back(duration<double, std::milli>(steady_clock::now() - created[s.id]).count());
  };
  sink_a.deliver = [&](std::span<const std::byte> f) { b.on_frame(steady_clock::now(), f); };
  const auto start = steady_clock::now();
  const uint32_t up = uptime_seconds(start);
  for (unsigned i = 1; i <= rate; ++i) {
    const auto due = start + std::chrono::nanoseconds(1'000'000'000ull * (i - 1) / rate);
    steady_clock::time_point now;
    while ((now = steady_clock::now()) < due) {
      if (auto d = a.next_deadline(); d && *d <= now) a.on_timer(now);
    }
    created[i] = now;
    a.on_local_change(now, store_a.add_local(i, kA, up), ChangeKind::kInsert);
  }
  // Run the clock until every state reached B (the last partial frame leaves within 1 s).
  const auto give_up = steady_clock::now() + std::chrono::seconds(3);
  while (lags.size() < rate && steady_clock::now() < give_up) {
    const auto now = steady_clock::now();
    if (auto d = a.next_deadline(); d && *d <= now) a.on_timer(now);
  }
  std::sort(lags.begin(), lags.end());
  auto pct = [&](double p) {
    return lags.empty() ? 0.0
                        : lags[std::min(lags.size() - 1, static_cast<size_t>(p * lags.size()))];
  };
  double sum = 0;
  for (double l : lags) sum += l;
  std::printf(
      "sync lag at %6u new states/s: %zu/%u states on B, mean %.2f ms, p50 %.2f ms, "
      "p99 %.2f ms, max %.2f ms, %zu frames\n",
      rate, lags.size(), rate, lags.empty() ? 0.0 : sum / lags.size(), pct(0.5), pct(0.99),
      lags.empty() ? 0.0 : lags.back(), sink_a.frames);
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  throughput(n);
  for (unsigned rate : {1000u, 10000u, 100000u}) lag(rate);
  return 0;
}
