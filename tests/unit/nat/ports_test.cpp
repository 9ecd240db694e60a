// The translated source port allocator: ports come from the range and the worker's share only,
// used ports are skipped, exhaustion is reported after bounded work, static-port keeps the port,
// and concurrent workers never hand out the same port.
#include "dataplane/nat/ports.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

using namespace dpf::nat;

namespace {

const auto kAllFree = [](uint16_t) { return true; };

}  // namespace

TEST_CASE("ports: a pick starts at the caller's starting point and stays in the range") {
  const PortPick p = pick_port(kDefaultProxyPorts, {}, 0, kAllFree);
  CHECK(p.status == PortStatus::kOk);
  CHECK(p.port == 50001);
  CHECK(p.probes == 1);
  CHECK(pick_port(kDefaultProxyPorts, {}, 10, kAllFree).port == 50011);
  // start wraps modulo the range size (15535 ports).
  CHECK(pick_port(kDefaultProxyPorts, {}, 15535, kAllFree).port == 50001);
  CHECK(pick_port(kDefaultProxyPorts, {}, 15534, kAllFree).port == 65535);
  for (uint32_t s = 0; s < 100000; s += 97) {
    const PortPick q = pick_port(kDefaultProxyPorts, {}, s * 2654435761u, kAllFree);
    REQUIRE(q.status == PortStatus::kOk);
    REQUIRE(q.port >= 50001);
  }
}

TEST_CASE("ports: used ports are skipped, going up and wrapping round once") {
  const PortRange r{1000, 1009};
  std::set<uint16_t> used{1007, 1008, 1009, 1000};
  const auto is_free = [&](uint16_t p) { return used.count(p) == 0; };
  const PortPick p = pick_port(r, {}, 7, is_free);
  CHECK(p.status == PortStatus::kOk);
  CHECK(p.port == 1001);
  CHECK(p.probes == 5);  // 1007 1008 1009 1000 1001
}

TEST_CASE("ports: a full range is exhausted after one predicate call per port") {
  const PortRange r{40000, 40099};
  uint32_t calls = 0;
  const PortPick p = pick_port(r, {}, 12345, [&](uint16_t port) {
    ++calls;
    CHECK(port >= 40000);
    CHECK(port <= 40099);
    return false;
  });
  CHECK(p.status == PortStatus::kExhausted);
  CHECK(calls == 100);
  CHECK(p.probes == 100);
  // Even the whole port space is bounded work.
  uint32_t all = 0;
  CHECK(pick_port({0, 65535}, {}, 0, [&](uint16_t) { return ++all, false; }).status ==
        PortStatus::kExhausted);
  CHECK(all == 65536);
}

TEST_CASE("ports: the probe budget bounds the work too") {
  uint32_t calls = 0;
  const PortPick p = pick_port(
      kDefaultProxyPorts, {}, 0, [&](uint16_t) { return ++calls, false; },
      /*max_probes=*/64);
  CHECK(p.status == PortStatus::kExhausted);
  CHECK(calls == 64);
}

TEST_CASE("ports: allocating until exhausted hands out every port of the range once") {
  const PortRange r{60000, 60999};
  std::set<uint16_t> used;
  for (uint32_t i = 0;; ++i) {
    const PortPick p =
        pick_port(r, {}, i * 7919u, [&](uint16_t port) { return used.count(port) == 0; });
    if (p.status == PortStatus::kExhausted) break;
    REQUIRE(p.status == PortStatus::kOk);
    REQUIRE(used.insert(p.port).second);
  }
  CHECK(used.size() == 1000);
  CHECK(*used.begin() == 60000);
  CHECK(*used.rbegin() == 60999);
}

TEST_CASE("ports: a single-port range gives that port or nothing") {
  CHECK(pick_port({5000, 5000}, {}, 99, kAllFree).port == 5000);
  CHECK(pick_port({5000, 5000}, {}, 99, [](uint16_t) { return false; }).status ==
        PortStatus::kExhausted);
}

TEST_CASE("ports: static-port keeps the packet's port when its key is free") {
  const PortPick p = keep_port(1234, kAllFree);
  CHECK(p.status == PortStatus::kOk);
  CHECK(p.port == 1234);
  CHECK(keep_port(1234, [](uint16_t port) { return port != 1234; }).status ==
        PortStatus::kExhausted);
}

TEST_CASE("ports: bad ranges and partitions are refused") {
  CHECK(pick_port({2000, 1000}, {}, 0, kAllFree).status == PortStatus::kBadArgument);
  CHECK(pick_port(kDefaultProxyPorts, {0, 0}, 0, kAllFree).status == PortStatus::kBadArgument);
  CHECK(pick_port(kDefaultProxyPorts, {4, 4}, 0, kAllFree).status == PortStatus::kBadArgument);
}

TEST_CASE("ports: a worker only hands out ports of its share, and the shares cover the range") {
  for (uint16_t n : {1, 2, 3, 4, 7, 16, 64}) {
    const PortRange r{50001, 65535};
    std::vector<int> owner(65536, -1);
    for (uint16_t i = 0; i < n; ++i) {
      PortShare s;
      REQUIRE(port_share(r, {i, n}, &s));
      std::set<uint16_t> got;
      for (uint32_t k = 0;; ++k) {
        const PortPick p =
            pick_port(r, {i, n}, k, [&](uint16_t port) { return got.count(port) == 0; });
        if (p.status != PortStatus::kOk) break;
        REQUIRE(p.port % n == i);
        REQUIRE(owner[p.port] == -1);
        owner[p.port] = i;
        got.insert(p.port);
      }
      CHECK(got.size() == s.size);
    }
    for (uint32_t p = 50001; p <= 65535; ++p) REQUIRE(owner[p] != -1);
  }
}

TEST_CASE("ports: a share can be empty when workers outnumber the ports") {
  PortShare s;
  REQUIRE(port_share({100, 101}, {3, 4}, &s));  // 100 % 4 == 0, 101 % 4 == 1
  CHECK(s.size == 0);
  CHECK(pick_port({100, 101}, {3, 4}, 0, kAllFree).status == PortStatus::kExhausted);
  CHECK(pick_port({100, 101}, {1, 4}, 0, kAllFree).port == 101);
}

TEST_CASE("ports: workers allocating at once from one range never hand out the same port") {
  // The table is checked, then written, with no lock between: as a worker checks the state table
  // and inserts later. The shares alone keep the workers apart.
  constexpr uint16_t kWorkers = 4;
  const PortRange r{50001, 65535};
  std::vector<std::atomic<uint8_t>> table(65536);
  std::vector<std::atomic<uint32_t>> handed(65536);
  std::vector<std::thread> threads;
  for (uint16_t w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      uint32_t start = 0x9e3779b9u * (w + 1);
      for (;;) {
        const PortPick p = pick_port(r, {w, kWorkers}, start, [&](uint16_t port) {
          return table[port].load(std::memory_order_relaxed) == 0;
        });
        if (p.status != PortStatus::kOk) break;
        handed[p.port].fetch_add(1, std::memory_order_relaxed);
        table[p.port].store(1, std::memory_order_relaxed);
        start = start * 1664525u + 1013904223u;
      }
    });
  }
  for (auto& t : threads) t.join();
  uint32_t total = 0;
  for (uint32_t p = 0; p < 65536; ++p) {
    REQUIRE(handed[p].load() <= 1);
    total += handed[p].load();
  }
  CHECK(total == 65535 - 50001 + 1);
}
