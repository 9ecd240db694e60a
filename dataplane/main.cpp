// dpf: one firewall node. Usage: dpf [EAL options] -- -c CLUSTER.yaml [--node NAME] [--check]
// Arguments, EAL and launch: validates the cluster file before anything else (a bad file never
// starts a half-configured node), initialises EAL (from the node's `eal:` list when none are
// given), has the node assembled (node/assemble.h), starts the REST API, launches the workers and
// runs the control thread on the main lcore until SIGINT/SIGTERM.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_version.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "control/config/cluster.h"
#include "control/config/preflight.h"
#include "control/log/log.h"
#include "control/rest/server.h"
#include "control/rest/token.h"
#include "dataplane/node/assemble.h"
#include "dataplane/node/node.h"
#include "dataplane/slowpath/pf_load.h"
#include "dataplane/slowpath/pf_view.h"
#include "dataplane/slowpath/rest_hooks.h"
#include "dataplane/slowpath/slowpath.h"
#include "dataplane/worker/worker.h"

namespace {

constexpr const char* kUsage =
    "usage: dpf [EAL options] -- -c CLUSTER.yaml [--node NAME] [--check]\n"
    "       dpf --version | --help\n"
    "  -c, --config FILE   the cluster file (YAML)\n"
    "  --node NAME         the node to run (optional when the file has one node)\n"
    "  --check             check what start-up checks, then exit: the file, the nodes'\n"
    "                      agreements, and for the node (--node NAME) its lcores, api token\n"
    "                      file, devices and the ruleset as it loads it; without --node in a\n"
    "                      file of several nodes, every node but for its token file and the\n"
    "                      Linux interfaces and files its devices name\n"
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
    } else if (arg == "-V" || arg == "--version") {
      std::printf("dpf %s (%s)\n", DPF_VERSION, rte_version());
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

// --check: what start-up would refuse for the node of --node, or the only node, and the
// cluster's ruleset as that node loads it. In a cluster of several nodes without --node, every
// node is checked but for what depends on the machine it runs on (token file, the Linux
// interfaces and files its devices name). Exit 0 when all of it would start.
int check(const AppArgs& args, const dpf::config::Cluster& cluster) {
  std::vector<const dpf::config::Node*> nodes;
  const bool every = args.node.empty() && cluster.nodes.size() > 1;
  if (every) {
    for (const auto& n : cluster.nodes) nodes.push_back(&n);
  } else {
    std::string error;
    const dpf::config::Node* n = dpf::config::select_node(cluster, args.node, error);
    if (n == nullptr) {
      std::fprintf(stderr, "dpf: %s\n", error.c_str());
      return 1;
    }
    nodes.push_back(n);
  }
  bool ok = true;
  const auto* eal = args.eal_given ? &args.eal : nullptr;
  for (const auto* n : nodes) {
    for (const auto& e : dpf::config::check_node_start(cluster, *n, eal, !every)) {
      std::fprintf(stderr, "%s\n", e.str().c_str());
      ok = false;
    }
  }
  std::vector<std::string> errors;
  if (!dpf::pf_check_rules(cluster, nodes, errors)) ok = false;
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
  if (!ok) return 1;
  if (every) {
    std::printf(
        "%s: cluster %s, %zu nodes: OK (each node's token file and device interfaces "
        "are checked by --check --node NAME where it runs)\n",
        args.config.c_str(), cluster.name.c_str(), cluster.nodes.size());
  } else {
    std::printf("%s: cluster %s, node %s: OK\n", args.config.c_str(), cluster.name.c_str(),
                nodes.front()->name.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  AppArgs args;
  if (int rc = parse_args(argc, argv, args); rc != 0) return rc - 1;

  auto loaded = dpf::config::load_cluster_file(args.config);
  for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.str().c_str());
  if (!loaded.cluster) return 1;
  const dpf::config::Cluster& cluster = *loaded.cluster;
  if (args.check) return check(args, cluster);
  std::string error;
  const dpf::config::Node* cfg = dpf::config::select_node(cluster, args.node, error);
  if (cfg == nullptr) {
    std::fprintf(stderr, "dpf: %s\n", error.c_str());
    return 1;
  }
  // What --check refuses, start refuses before EAL, with the same text.
  const auto refused =
      dpf::config::check_node_start(cluster, *cfg, args.eal_given ? &args.eal : nullptr);
  for (const auto& e : refused) std::fprintf(stderr, "%s\n", e.str().c_str());
  if (!refused.empty()) return 1;
  std::string token;
  if (!read_token(cfg->api.token_path, token, error)) {
    std::fprintf(stderr, "dpf: node %s: %s\n", cfg->name.c_str(), error.c_str());
    return 1;
  }

  // From here on the node logs (cluster file `log:`); what came before is the command's own
  // output: usage, the cluster and token files' errors, --check.
  dpf::log::logger().set_node(cfg->name);
  dpf::log::logger().configure({cfg->log.level, cfg->log.format});

  std::vector<std::string> eal_args = args.eal_given ? args.eal : cfg->eal;
  std::vector<char*> eal_argv{argv[0]};
  for (auto& s : eal_args) eal_argv.push_back(s.data());
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
    dpf::log::error(std::string("EAL initialisation failed: ") + rte_strerror(rte_errno));
    return 1;
  }

  dpf::Node node;
  dpf::node_init(node, cluster, *cfg);

  int rc = 1;
  std::vector<dpf::WorkerContext> workers(node.n_workers);
  std::unique_ptr<dpf::SlowPath> slow;
  std::unique_ptr<dpf::rest::Server> rest;
  std::unique_ptr<dpf::StateListReader> lister;
  do {
    if (rte_lcore_count() < node.n_workers + 1) {
      dpf::log::error("the node wants " + std::to_string(node.n_workers) +
                      " worker lcore(s) plus the main lcore, EAL has " +
                      std::to_string(rte_lcore_count()) + " (give more with -l)");
      break;
    }
    std::vector<std::string> errors;
    if (!dpf::node_assemble(node, errors)) {
      for (const auto& e : errors) dpf::log::error(e);
      break;
    }
    try {
      slow = std::make_unique<dpf::SlowPath>(node);
    } catch (const std::runtime_error& e) {
      dpf::log::error(e.what());
      break;
    }
    lister = std::make_unique<dpf::StateListReader>(node, node.n_workers + 2);
    if (!lister->ok()) {
      dpf::log::error("no state table reader for the REST thread");
      break;
    }
    rest = std::make_unique<dpf::rest::Server>([&slow] { return slow->snapshot(); }, token,
                                               dpf::rest_hooks(node, *slow, *lister));
    rest->set_max_body(cfg->api.max_body);
    if (!rest->start(cfg->api.listen, error)) {
      dpf::log::error(error);
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
    dpf::node_print_banner(node, cfg->api.listen);
    slow->run();
    rte_eal_mp_wait_lcore();
    slow->shutdown();
    dpf::log::notice("node " + cfg->name + " stopped", {{"source", "stop"}});
    rc = 0;
  } while (false);

  node.stop = true;
  rte_eal_mp_wait_lcore();
  if (rest) rest->stop();
  // DPDK objects go before EAL does.
  lister.reset();
  slow.reset();
  dpf::node_stop(node);
  // pf's state table and the node's pools and tables are not freed one by one: DPDK would zero
  // each of their pages first (more than a second for a large table), and rte_eal_cleanup returns
  // all of that memory at once. pf must not outlive EAL either, so it is let go here.
  (void)node.pf.release();
  rte_eal_cleanup();
  return rc;
}
