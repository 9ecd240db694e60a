// dpf: one firewall node. Usage: dpf [EAL options] -- -c CLUSTER.yaml [--node NAME] [--check]
// Validates the cluster file before anything else (a bad file never starts a half-configured
// node), initialises EAL (from the node's `eal:` list when none are given), brings up the ports,
// launches the workers and runs the control thread on the main lcore until SIGINT/SIGTERM.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_random.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "control/config/cluster.h"
#include "control/pfconf/parser.h"
#include "control/rest/server.h"
#include "control/rest/token.h"
#include "dataplane/net/build.h"
#include "dataplane/node/node.h"
#include "dataplane/slowpath/pf_load.h"
#include "dataplane/slowpath/pf_view.h"
#include "dataplane/node/ports.h"
#include "dataplane/slowpath/slowpath.h"
#include "dataplane/worker/worker.h"

namespace {

constexpr const char* kUsage =
    "usage: dpf [EAL options] -- -c CLUSTER.yaml [--node NAME] [--check]\n"
    "  -c, --config FILE   the cluster file (YAML)\n"
    "  --node NAME         the node to run (optional when the file has one node)\n"
    "  --check             validate the file, every node and their agreements, then exit\n"
    "With no EAL options on the command line they come from the node's `eal:` list.\n";

struct AppArgs {
  std::vector<std::string> eal;  // given before "--"
  bool eal_given = false;
  std::string config;
  std::string node;
  bool check = false;
};

std::atomic<bool>* g_stop = nullptr;
std::atomic<bool>* g_reload = nullptr;

void on_signal(int sig) {
  if (sig == SIGHUP) {
    if (g_reload) g_reload->store(true);
  } else if (g_stop) {
    g_stop->store(true);
  }
}

// Returns 0 to continue, otherwise an exit code + 1.
int parse_args(int argc, char** argv, AppArgs& a) {
  int i = 1;
  int dashdash = -1;
  for (int k = 1; k < argc; ++k) {
    if (std::strcmp(argv[k], "--") == 0) {
      dashdash = k;
      break;
    }
  }
  if (dashdash > 0) {
    for (; i < dashdash; ++i) a.eal.emplace_back(argv[i]);
    a.eal_given = !a.eal.empty();
    i = dashdash + 1;
  }
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "dpf: %s needs a value\n%s", arg.c_str(), kUsage);
        return false;
      }
      out = argv[++i];
      return true;
    };
    if (arg == "-c" || arg == "--config") {
      if (!value(a.config)) return 3;
    } else if (arg == "--node") {
      if (!value(a.node)) return 3;
    } else if (arg == "--check") {
      a.check = true;
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 1;
    } else {
      std::fprintf(stderr, "dpf: unknown option %s (EAL options go before --)\n%s", arg.c_str(),
                   kUsage);
      return 3;
    }
  }
  if (a.config.empty()) {
    std::fprintf(stderr, "dpf: no cluster file (-c FILE)\n%s", kUsage);
    return 3;
  }
  return 0;
}

// The node refuses a token file that group or others may read (the error says chmod 600).
bool read_token(const std::string& path, std::string& token, std::string& error) {
  return path.empty() || dpf::rest::read_token_file(path, true, token, error);
}

bool build_routes(dpf::Node& node, std::string& error) {
  std::vector<dpf::route::InterfaceAddr> addrs;
  for (size_t i = 0; i < node.ports.size(); ++i) {
    addrs.push_back({static_cast<uint16_t>(i), node.ports[i]->addr, node.ports[i]->prefix_len});
  }
  std::vector<dpf::route::StaticRoute> statics;
  for (const auto& r : node.cfg->routes) statics.push_back({r.to.addr, r.to.len, r.via});
  auto table = dpf::route::RouteTable::build(addrs, statics, error);
  if (!table) return false;
  rte_lpm_config lc{};
  lc.max_rules = 1024;
  lc.number_tbl8s = 256;
  node.lpm = rte_lpm_create("dpf_routes", static_cast<int>(rte_socket_id()), &lc);
  if (node.lpm == nullptr) {
    error = std::string("cannot create the route table: ") + rte_strerror(rte_errno);
    return false;
  }
  for (const auto& e : table->entries()) {
    if (rte_lpm_add(node.lpm, e.prefix, e.len, e.next_hop_id) != 0) {
      error =
          "cannot add route " + dpf::config::format_ipv4(e.prefix) + "/" + std::to_string(e.len);
      return false;
    }
  }
  node.next_hops = table->next_hops();
  return true;
}

// The state table is sized by the ruleset's `set limit states`, so the ruleset is parsed (not yet
// compiled: that needs the ports) before the table exists.
bool build_pf(dpf::Node& node, std::string& error) {
  auto pf = std::make_unique<dpf::Pf>();
  pf->tsc_hz = rte_get_tsc_hz();
  pf->start_tsc = rte_get_tsc_cycles();
  uint32_t limit = dpf::state::kDefaultStateLimit;
  if (!node.cluster->rules_path.empty()) {
    // A file that cannot be read or parsed leaves the default: loading it fails with the reason.
    std::string why;
    const auto text = dpf::pfconf::read_ruleset_text(node.cluster->rules_path, &why);
    auto parsed = dpf::pfconf::parse_ruleset(text.value_or(""), node.cluster->rules_path, {});
    if (text && parsed.ok()) {
      for (const auto& l : parsed.ruleset->options.limits)
        if (l.name == "states") limit = l.value;
    }
  }
  dpf::state::StateTable::Config tc;
  tc.limit = limit;
  tc.creatorid = node.hostid;
  tc.socket = static_cast<int>(rte_socket_id());
  // Workers, the control thread, pfsync, the REST thread's states listing.
  tc.max_readers = node.n_workers + 3;
  pf->table = dpf::state::StateTable::create(tc, error);
  if (!pf->table) return false;
  node.pf = std::move(pf);
  return true;
}

bool build_tables(dpf::Node& node, std::string& error) {
  const int socket = static_cast<int>(rte_socket_id());
  size_t mbufs = 8191;
  for (const auto& p : node.ports) mbufs += (p->n_rxq + p->n_txq) * 1024u;
  node.pool = rte_pktmbuf_pool_create("dpf_mbufs", static_cast<unsigned>(mbufs), 256, 0,
                                      RTE_MBUF_DEFAULT_BUF_SIZE, socket);
  if (node.pool == nullptr) {
    error = std::string("cannot create the mbuf pool: ") + rte_strerror(rte_errno);
    return false;
  }
  rte_hash_parameters hp{};
  hp.name = "dpf_neighbors";
  hp.entries = 4096;
  hp.key_len = sizeof(uint32_t);
  hp.hash_func = rte_jhash;
  hp.socket_id = socket;
  hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
  node.neighbors = rte_hash_create(&hp);
  if (node.neighbors == nullptr) {
    error = std::string("cannot create the neighbour table: ") + rte_strerror(rte_errno);
    return false;
  }
  for (unsigned w = 0; w < node.n_workers; ++w) {
    const std::string name = "dpf_punt" + std::to_string(w);
    rte_ring* r = rte_ring_create_elem(name.c_str(), sizeof(dpf::PuntItem), 1024, socket,
                                       RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (r == nullptr) {
      error = "cannot create " + name + ": " + rte_strerror(rte_errno);
      return false;
    }
    node.punt.push_back(r);
  }
  return true;
}

// pfsync on the node's sync interface, driven from the control thread (ARCHITECTURE.md puts it on
// a sync lcore; on a 2-core machine the control thread has the spare cycles).
bool build_sync(dpf::Node& node, std::string& error) {
  const auto& ps = *node.cfg->pfsync;
  for (size_t i = 0; i < node.ports.size(); ++i)
    if (node.ports[i]->name == ps.syncdev) node.sync_port = static_cast<int>(i);
  if (node.sync_port < 0) {
    error = "pfsync syncdev " + ps.syncdev + " is not an interface of this node";
    return false;
  }
  const dpf::Port& p = *node.ports[node.sync_port];
  const dpf::TxQueue q = node.tx_queue(p, node.n_workers);
  dpf::SyncPort sp;
  sp.port_id = p.port_id;
  sp.tx_queue = q.queue;
  sp.tx_lock = q.lock;
  sp.mac = p.mac;
  sp.addr = p.addr;
  dpf::SyncConfig sc;
  sc.engine.hostid = node.hostid;
  sc.engine.maxupd = static_cast<uint8_t>(ps.maxupd);
  sc.engine.defer = ps.defer;
  node.sync_defer = ps.defer;
  // A deferred packet that may go leaves on the control thread's TX queue (the sync work runs
  // there) with the egress port the worker stored in it.
  sc.packet_ctx = &node;
  sc.release_packet = [](void* ctx, rte_mbuf* m) noexcept {
    auto& n = *static_cast<dpf::Node*>(ctx);
    dpf::Port& out = *n.ports[m->port];
    dpf::send_burst(out, n.tx_queue(out, n.n_workers), &m, 1, n.counters[n.n_workers]);
  };
  sc.engine.format =
      ps.version == 1400 ? dpf::pfsync::StateFormat::k1400 : dpf::pfsync::StateFormat::k1301;
  sc.engine.mtu = p.mtu;
  sc.engine.state_limit = node.pf->table->limit();
  sc.pool = node.pool;
  sc.syncpeer = ps.syncpeer;  // 0: the group; the control thread resolves a unicast peer
  sc.neighbor_ctx = node.neighbors;
  sc.lookup_neighbor = [](void* ctx, uint32_t ip, dpf::pfsync::MacAddr& mac) noexcept {
    void* data = nullptr;
    if (rte_hash_lookup_data(static_cast<rte_hash*>(ctx), &ip, &data) < 0) return false;
    return dpf::neighbor_unpack(reinterpret_cast<uintptr_t>(data), mac);
  };
  if (!ps.mirror.empty()) {
    sc.mirror_port = dpf::ports_start_mirror(node, ps.mirror, error);
    if (sc.mirror_port < 0) return false;
  }
  sc.producers = node.n_workers + 1;
  sc.local_producer = static_cast<int>(node.n_workers);  // the control thread polls the sync side
  sc.reader_id = node.n_workers + 1;
  for (size_t i = 0; i < node.ports.size(); ++i)
    sc.interfaces.push_back({node.ports[i]->name, static_cast<uint16_t>(i)});
  sc.hooks.unbind = [](void*, const dpf::state::State& s) noexcept { dpf::pf_state_removed(s); };
  sc.tsc_hz = node.pf->tsc_hz;
  sc.start_tsc = node.pf->start_tsc;
  node.sync = dpf::SyncChannel::create(*node.pf->table, sp, sc, error);
  if (!node.sync) return false;
  node.sync->request_bulk(node.sync->clock());
  return true;
}

void print_banner(const dpf::Node& node, const std::string& listen) {
  std::printf("dpf: node %s of cluster %s, hostid %08x, %u worker(s), idle %s\n",
              node.cfg->name.c_str(), node.cluster->name.c_str(), node.hostid, node.n_workers,
              node.idle == dpf::config::IdleMode::poll ? "poll" : "adaptive");
  for (const auto& p : node.ports) {
    std::printf("dpf:   %s: port %u, %s, %s/%u, %u rxq %u txq%s\n", p->name.c_str(), p->port_id,
                dpf::net::format_mac(p->mac).c_str(), dpf::config::format_ipv4(p->addr).c_str(),
                p->prefix_len, p->n_rxq, p->n_txq, p->tx_lock ? " (shared)" : "");
  }
  if (const auto* rs = node.pf->ruleset.load()) {
    std::printf("dpf: ruleset %s: %zu rules, state limit %u\n", rs->file.c_str(),
                rs->compiled->rules.size(), node.pf->table->limit());
  } else {
    std::printf("dpf: no ruleset: every packet passes without state\n");
  }
  std::printf("dpf: REST API on http://%s\n", listen.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  AppArgs args;
  if (int rc = parse_args(argc, argv, args); rc != 0) return rc - 1;

  auto loaded = dpf::config::load_cluster_file(args.config);
  for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.str().c_str());
  if (!loaded.cluster) return 1;
  const dpf::config::Cluster& cluster = *loaded.cluster;
  if (args.check) {
    std::vector<std::string> errors;
    if (!dpf::pf_check_rules(cluster, errors)) {
      for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
      return 1;
    }
    std::printf("%s: cluster %s, %zu node(s): OK\n", args.config.c_str(), cluster.name.c_str(),
                cluster.nodes.size());
    return 0;
  }
  std::string error;
  const dpf::config::Node* cfg = dpf::config::select_node(cluster, args.node, error);
  if (cfg == nullptr) {
    std::fprintf(stderr, "dpf: %s\n", error.c_str());
    return 1;
  }
  std::string token;
  if (!read_token(cfg->api.token_path, token, error)) {
    std::fprintf(stderr, "dpf: node %s: %s\n", cfg->name.c_str(), error.c_str());
    return 1;
  }

  std::vector<std::string> eal_args = args.eal_given ? args.eal : cfg->eal;
  std::vector<char*> eal_argv{argv[0]};
  for (auto& s : eal_args) eal_argv.push_back(s.data());
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
    std::fprintf(stderr, "dpf: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
    return 1;
  }

  dpf::Node node;
  node.cluster = &cluster;
  node.cfg = cfg;
  node.hostid = cfg->hostid ? *cfg->hostid : static_cast<uint32_t>(rte_rand() | 1);
  node.n_workers = cfg->lcores.workers;
  node.idle = cfg->lcores.idle;
  node.idle_sleep_max_us = cfg->lcores.idle_sleep_max_us;
  node.counters.resize(node.n_workers + 1);
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  node.start_ns = ts.tv_sec * 1'000'000'000ull + ts.tv_nsec;

  int rc = 1;
  std::vector<dpf::WorkerContext> workers(node.n_workers);
  std::unique_ptr<dpf::SlowPath> slow;
  std::unique_ptr<dpf::rest::Server> rest;
  std::unique_ptr<dpf::StateListReader> lister;
  do {
    if (rte_lcore_count() < node.n_workers + 1) {
      std::fprintf(stderr,
                   "dpf: node %s wants %u worker lcore(s) plus the main lcore, EAL has %u "
                   "(give more with -l)\n",
                   cfg->name.c_str(), node.n_workers, rte_lcore_count());
      break;
    }
    if (!build_tables(node, error) || !build_pf(node, error) || !dpf::ports_start(node, error) ||
        !build_routes(node, error)) {
      std::fprintf(stderr, "dpf: node %s: %s\n", cfg->name.c_str(), error.c_str());
      break;
    }
    if (cfg->pfsync && !build_sync(node, error)) {
      std::fprintf(stderr, "dpf: node %s: %s\n", cfg->name.c_str(), error.c_str());
      break;
    }
    if (!cluster.rules_path.empty()) {
      std::vector<std::string> errors;
      if (!dpf::pf_load_file(node, cluster.rules_path, errors)) {
        for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
        std::fprintf(stderr, "dpf: node %s: the ruleset %s was not loaded\n", cfg->name.c_str(),
                     cluster.rules_path.c_str());
        break;
      }
    }
    try {
      slow = std::make_unique<dpf::SlowPath>(node);
    } catch (const std::runtime_error& e) {
      std::fprintf(stderr, "dpf: node %s: %s\n", cfg->name.c_str(), e.what());
      break;
    }
    // Each task owns its inputs (copies of the request), so that one the control thread runs
    // after its caller gave up reads nothing of the HTTP thread's. node and slow outlive the
    // REST server.
    dpf::rest::Hooks hooks;
    dpf::Node* n = &node;
    dpf::SlowPath* sp = slow.get();
    // The states listing is read on the REST thread itself, never on the control thread (it
    // builds up to 100 000 objects).
    lister = std::make_unique<dpf::StateListReader>(node, node.n_workers + 2);
    if (!lister->ok()) {
      std::fprintf(stderr, "dpf: node %s: no state table reader for the REST thread\n",
                   cfg->name.c_str());
      break;
    }
    hooks.states = [l = lister.get()](const dpf::Params& q) { return l->list(q); };
    hooks.kill_states = [n, sp](const dpf::Params& q) {
      return sp->call([n, q] { return dpf::pf_kill_states(*n, q); });
    };
    hooks.rules = [n, sp] { return sp->call([n] { return dpf::pf_rules(*n); }); };
    hooks.load_rules = [n, sp](const std::string& body) {
      return sp->call([n, sp, body] { return dpf::pf_load_rules(*n, *sp, body); });
    };
    hooks.pf_info = [n, sp] { return sp->call([n] { return dpf::pf_info(*n); }); };
    hooks.pfsync = [n, sp] { return sp->call([n] { return dpf::pfsync_info(*n); }); };
    hooks.carp = [sp] {
      return sp->call([sp]() -> nlohmann::json {
        if (dpf::CarpNode* c = sp->carp()) return c->view(std::chrono::steady_clock::now());
        return {{"configured", false}, {"vhids", nlohmann::json::array()}};
      });
    };
    hooks.carp_demote = [sp](const nlohmann::json& body) {
      return sp->call([sp, body]() -> nlohmann::json {
        dpf::CarpNode* c = sp->carp();
        if (c == nullptr) return {{"error", "this node runs no CARP (cluster.carp)"}};
        return c->demote(body.at("demotion").get<int>(), std::chrono::steady_clock::now());
      });
    };
    rest = std::make_unique<dpf::rest::Server>([&slow] { return slow->snapshot(); }, token,
                                               std::move(hooks));
    rest->set_max_body(cfg->api.max_body);
    if (!rest->start(cfg->api.listen, error)) {
      std::fprintf(stderr, "dpf: node %s: %s\n", cfg->name.c_str(), error.c_str());
      break;
    }
    g_stop = &node.stop;
    g_reload = &node.reload;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGHUP, on_signal);
    unsigned w = 0;
    unsigned lcore;
    RTE_LCORE_FOREACH_WORKER(lcore) {
      if (w == node.n_workers) break;
      dpf::WorkerContext& ctx = workers[w];
      ctx.node = &node;
      ctx.index = w;
      ctx.c = &node.counters[w];
      ctx.punt = node.punt[w];
      // Worker w polls RX queues w, w + n_workers, ... of every port.
      for (size_t i = 0; i < node.ports.size(); ++i) {
        const dpf::Port& p = *node.ports[i];
        for (unsigned q = w; q < p.n_rxq; q += node.n_workers)
          ctx.rx.push_back({static_cast<uint16_t>(i), p.port_id, static_cast<uint16_t>(q)});
      }
      rte_eal_remote_launch(dpf::worker_main, &ctx, lcore);
      ++w;
    }
    print_banner(node, cfg->api.listen);
    slow->run();
    rte_eal_mp_wait_lcore();
    slow->shutdown();
    std::printf("dpf: node %s stopped\n", cfg->name.c_str());
    std::fflush(stdout);
    rc = 0;
  } while (false);

  node.stop = true;
  rte_eal_mp_wait_lcore();
  if (rest) rest->stop();
  // DPDK objects go before EAL does.
  lister.reset();
  slow.reset();
  node.sync.reset();
  node.pf.reset();
  dpf::ports_stop(node);
  rte_eal_cleanup();
  return rc;
}
