// Rule-match microbenchmark (not a test): nanoseconds per evaluate() for a new flow at 10 and
// 10 000 rules. Rules are random but realistic — quick pass/block rules on different
// destination hosts, networks and ports, some by source address — followed by a catch-all
// `block in all`; half of the packets hit a random rule, half miss everything but the
// catch-all. Prints the classifier's cost and, for contrast, the linear walk's, in CPU time
// of the benchmark thread, best of five rounds.
// Run: build-DIR/bench/filter_bench [iterations [--no-linear]]
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "dataplane/net/wire/headers.h"
#include "tests/unit/filter/filter_test_util.h"

namespace {

using namespace dpf::filter;
using namespace dpf::wire;
using dpf::filter::testing::set_addr;

volatile uint64_t g_sink = 0;  // keeps the evaluations from being optimised away

struct Workload {
  std::string text;
  std::vector<Packet> packets;
};

std::string dotted(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

Packet make(Direction dir, uint16_t port, uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst,
            uint16_t dport) {
  Packet p =
      testing::packet(dir, port, proto, dotted(src).c_str(), sport, dotted(dst).c_str(), dport);
  return p;
}

// One random rule and a packet that it matches.
std::pair<std::string, Packet> random_rule(std::mt19937& rng) {
  auto u = [&rng](uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng);
  };
  uint32_t client = 0xc6336400u + u(0, 255);  // 198.51.100.x
  uint16_t sport = static_cast<uint16_t>(u(1024, 65535));
  uint16_t port = static_cast<uint16_t>(u(1, 65000));
  uint32_t kind = u(0, 19);
  if (kind < 10) {
    uint32_t host = 0x0a000000u + u(0, 0xffffff);  // 10/8
    return {"pass in quick on em0 proto tcp from any to " + dotted(host) + " port " +
                std::to_string(port) + "\n",
            make(Direction::kIn, 0, kIpProtoTcp, client, sport, host, port)};
  }
  if (kind < 14) {
    uint32_t net = 0xc0a80000u + (u(0, 255) << 8);  // 192.168.x.0/24
    uint32_t host = 0xac100000u + u(0, 0xfffff);    // 172.16/12
    return {"pass in quick on em1 proto udp from " + dotted(net) + "/24 to " + dotted(host) +
                " port " + std::to_string(port) + "\n",
            make(Direction::kIn, 1, kIpProtoUdp, net + 7, sport, host, port)};
  }
  if (kind < 17) {
    uint32_t bad = 0xcb007100u + u(0, 0xffff) * 256 + u(0, 255);  // anywhere above 203.0.113.0
    return {"block in quick proto tcp from " + dotted(bad) + " to any\n",
            make(Direction::kIn, 0, kIpProtoTcp, bad, sport, 0x0a000001u, 80)};
  }
  uint32_t net = 0x64400000u + (u(0, 0x3fff) << 8);  // 100.64/10 in /24s
  return {"pass out quick on em0 proto tcp to " + dotted(net) + "/24 port " + std::to_string(port) +
              ":" + std::to_string(port + 10) + "\n",
          make(Direction::kOut, 0, kIpProtoTcp, 0xc0000201u, sport, net + 9, port + 3)};
}

Workload workload(size_t rules, uint32_t seed) {
  std::mt19937 rng(seed);
  Workload w;
  std::vector<Packet> hits;
  for (size_t i = 0; i + 1 < rules; ++i) {
    auto [text, p] = random_rule(rng);
    w.text += text;
    hits.push_back(p);
  }
  w.text += "block in all\n";
  for (int i = 0; i < 4096; ++i) {
    if (i % 2 == 0) {
      w.packets.push_back(hits[std::uniform_int_distribution<size_t>(0, hits.size() - 1)(rng)]);
    } else {
      uint32_t src = rng();
      uint32_t dst = rng();
      w.packets.push_back(make(i % 4 == 1 ? Direction::kIn : Direction::kOut,
                               static_cast<uint16_t>(rng() % 2),
                               i % 8 < 4 ? kIpProtoTcp : kIpProtoUdp, src,
                               static_cast<uint16_t>(rng()), dst, static_cast<uint16_t>(rng())));
    }
  }
  return w;
}

// CPU time of this thread (the machine may be shared: wall time would count other work).
double thread_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// The best of five rounds, each over `iterations` passes of the packet set.
template <typename F>
double ns_per_eval(const std::vector<Packet>& packets, long iterations, F&& eval) {
  uint64_t sink = 0;
  for (const Packet& p : packets) sink += eval(p).rule_nr;  // warm up
  double best = 0;
  for (int round = 0; round < 5; ++round) {
    double t0 = thread_ns();
    for (long it = 0; it < iterations; ++it) {
      for (const Packet& p : packets) sink += eval(p).rule_nr;
    }
    double ns =
        (thread_ns() - t0) / static_cast<double>(iterations * static_cast<long>(packets.size()));
    if (round == 0 || ns < best) best = ns;
  }
  g_sink = g_sink + sink;
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = argc > 1 ? std::atol(argv[1]) : 200;
  bool linear = !(argc > 2 && std::string(argv[2]) == "--no-linear");
  std::printf("%8s %18s %16s %14s\n", "rules", "classifier ns/eval", "linear ns/eval",
              "max candidates");
  double base = 0;
  for (size_t n : {size_t{10}, size_t{10000}}) {
    Workload w = workload(n, 42);
    std::string err;
    auto rs = testing::compile_text(w.text, testing::test_interfaces(), &err);
    if (!rs) {
      std::fprintf(stderr, "compile failed: %s\n", err.c_str());
      return 1;
    }
    for (const Packet& p : w.packets) {
      if (evaluate(*rs, p).rule_nr != evaluate_linear(*rs, p).rule_nr) {
        std::fprintf(stderr, "classifier and linear walk disagree\n");
        return 1;
      }
    }
    size_t max_cand = 0;
    for (const Packet& p : w.packets) max_cand = std::max(max_cand, candidate_count(*rs, p));
    double c =
        ns_per_eval(w.packets, iterations, [&](const Packet& p) { return evaluate(*rs, p); });
    long lin_iters = n > 1000 ? std::max(1L, iterations / 100) : iterations;
    double l = 0;
    if (linear) {
      l = ns_per_eval(w.packets, lin_iters,
                      [&](const Packet& p) { return evaluate_linear(*rs, p); });
    }
    std::printf("%8zu %18.1f %16.1f %14zu\n", rs->rules.size(), c, l, max_cand);
    if (base == 0) {
      base = c;
    } else {
      std::printf("ratio 10000/10 rules (classifier): %.2f (target <= 2)\n", c / base);
    }
  }
  return 0;
}
