// Benchmark-only LD_PRELOAD shim: raises the size of every mbuf pool the process creates to
// DPF_BENCH_MBUFS (when that is larger). net_pcap's `infinite_rx=1` copies the whole capture
// into mbufs of the RX queue's pool at queue setup and keeps them for the life of the port, so
// replaying 100 000 flows needs a pool of more than 100 000 mbufs; dpf sizes its pool for its
// descriptor rings only. Nothing else is changed. Called wherever the process creates a pool
// (the EAL main thread at start-up); allocates nothing of its own.
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

// rte_mbuf.h's declaration, repeated so that the shim builds without DPDK's headers.
struct rte_mempool;

extern "C" rte_mempool* rte_pktmbuf_pool_create(const char* name, unsigned n, unsigned cache_size,
                                                uint16_t priv_size, uint16_t data_room_size,
                                                int socket_id) {
  using Create = rte_mempool* (*)(const char*, unsigned, unsigned, uint16_t, uint16_t, int);
  static const auto real = reinterpret_cast<Create>(dlsym(RTLD_NEXT, "rte_pktmbuf_pool_create"));
  if (real == nullptr) return nullptr;
  if (const char* want = std::getenv("DPF_BENCH_MBUFS")) {
    const unsigned long m = std::strtoul(want, nullptr, 10);
    if (m > n) {
      std::fprintf(stderr, "mbuf_pool_shim: pool %s: %u -> %lu mbufs\n", name, n, m);
      n = static_cast<unsigned>(m);
    }
  }
  return real(name, n, cache_size, priv_size, data_room_size, socket_id);
}
