#include "dataplane/node/assemble.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_random.h>

#include <cstdio>
#include <ctime>

#include "control/log/log.h"
#include "dataplane/net/build.h"
#include "dataplane/node/ports.h"
#include "dataplane/slowpath/pf_load.h"
#include "dataplane/worker/worker.h"

namespace dpf {
namespace {

bool build_tables(Node& node, std::string& error) {
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
    rte_ring* r = rte_ring_create_elem(name.c_str(), sizeof(PuntItem), 1024, socket,
                                       RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (r == nullptr) {
      error = "cannot create " + name + ": " + rte_strerror(rte_errno);
      return false;
    }
    node.punt.push_back(r);
  }
  return true;
}

// The state table is sized by the ruleset's `set limit states`: the ruleset is parsed before the
// table exists (and compiled once the ports are up).
bool build_pf(Node& node, uint32_t limit, std::string& error) {
  auto pf = std::make_unique<Pf>();
  pf->clock = node.clock;
  pf->lanes = node.n_workers + 1;
  state::StateTable::Config tc;
  tc.limit = limit;
  tc.creatorid = node.hostid;
  tc.socket = static_cast<int>(rte_socket_id());
  // Workers, the control thread, pfsync, the REST thread's states listing.
  tc.max_readers = node.n_workers + 3;
  pf->table = state::StateTable::create(tc, error);
  if (!pf->table) return false;
  node.pf = std::move(pf);
  return true;
}

bool build_routes(Node& node, std::string& error) {
  std::vector<route::InterfaceAddr> addrs;
  for (size_t i = 0; i < node.ports.size(); ++i) {
    addrs.push_back({static_cast<uint16_t>(i), node.ports[i]->addr, node.ports[i]->prefix_len});
  }
  std::vector<route::StaticRoute> statics;
  for (const auto& r : node.cfg->routes) statics.push_back({r.to.addr, r.to.len, r.via});
  auto table = route::RouteTable::build(addrs, statics, error);
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
      error = "cannot add route " + config::format_ipv4(e.prefix) + "/" + std::to_string(e.len);
      return false;
    }
  }
  node.next_hops = table->next_hops();
  node.routes = table->entries();
  return true;
}

// pfsync on the node's sync interface, polled by the control thread (see ARCHITECTURE.md).
bool build_sync(Node& node, std::string& error) {
  const auto& ps = *node.cfg->pfsync;
  for (size_t i = 0; i < node.ports.size(); ++i)
    if (node.ports[i]->name == ps.syncdev) node.sync_port = static_cast<int>(i);
  if (node.sync_port < 0) {
    error = "pfsync syncdev " + ps.syncdev + " is not an interface of this node";
    return false;
  }
  const Port& p = *node.ports[node.sync_port];
  const TxQueue q = node.tx_queue(p, node.n_workers);
  SyncPort sp;
  sp.port_id = p.port_id;
  sp.tx_queue = q.queue;
  sp.tx_lock = q.lock;
  sp.mac = p.mac;
  sp.addr = p.addr;
  SyncConfig sc;
  sc.engine.hostid = node.hostid;
  sc.engine.maxupd = static_cast<uint8_t>(ps.maxupd);
  sc.engine.defer = ps.defer;
  node.sync_defer = ps.defer;
  // A deferred packet that may go leaves on the control thread's TX queue (the sync work runs
  // there) with the egress port the worker stored in it.
  sc.packet_ctx = &node;
  sc.release_packet = [](void* ctx, rte_mbuf* m) noexcept {
    auto& n = *static_cast<Node*>(ctx);
    Port& out = *n.ports[m->port];
    send_burst(out, n.tx_queue(out, n.n_workers), &m, 1, n.counters[n.n_workers]);
  };
  sc.engine.format = ps.version == 1400 ? pfsync::StateFormat::k1400 : pfsync::StateFormat::k1301;
  sc.engine.mtu = p.mtu;
  sc.engine.state_limit = node.pf->table->limit();
  sc.pool = node.pool;
  sc.syncpeer = ps.syncpeer;  // 0: the group; the control thread resolves a unicast peer
  sc.neighbor_ctx = node.neighbors;
  sc.lookup_neighbor = [](void* ctx, uint32_t ip, wire::MacAddr& mac) noexcept {
    void* data = nullptr;
    if (rte_hash_lookup_data(static_cast<rte_hash*>(ctx), &ip, &data) < 0) return false;
    return neighbor_unpack(reinterpret_cast<uintptr_t>(data), mac);
  };
  if (!ps.mirror.empty()) {
    sc.mirror_port = ports_start_mirror(node, ps.mirror, error);
    if (sc.mirror_port < 0) return false;
  }
  sc.producers = node.n_workers + 1;
  sc.local_producer = static_cast<int>(node.n_workers);  // the control thread polls the sync side
  sc.reader_id = node.n_workers + 1;
  for (size_t i = 0; i < node.ports.size(); ++i)
    sc.interfaces.push_back({node.ports[i]->name, static_cast<uint16_t>(i)});
  sc.hooks.unbind = [](void*, const state::State& s) noexcept { pf_state_removed(s); };
  sc.clock = node.clock;
  node.sync = SyncChannel::create(*node.pf->table, sp, sc, error);
  if (!node.sync) return false;
  node.sync->request_bulk(node.sync->clock());
  return true;
}

}  // namespace

void node_init(Node& node, const config::Cluster& cluster, const config::Node& cfg) {
  node.cluster = &cluster;
  node.cfg = &cfg;
  node.rules_path = cluster.rules_path;
  node.hostid = cfg.hostid ? *cfg.hostid : static_cast<uint32_t>(rte_rand() | 1);
  node.n_workers = cfg.lcores.workers;
  node.idle = cfg.lcores.idle == config::IdleMode::poll ? IdleMode::kPoll : IdleMode::kAdaptive;
  node.idle_sleep_max_us = cfg.lcores.idle_sleep_max_us;
  node.counters.resize(node.n_workers + 1);
  node.clock = NodeClock::start();
}

bool node_assemble(Node& node, std::vector<std::string>& errors) {
  const config::Cluster& cluster = *node.cluster;
  std::string error;
  auto fail = [&] {
    errors.push_back(error);
    return false;
  };
  std::optional<pfconf::Ruleset> ruleset;
  uint32_t limit = state::kDefaultStateLimit;
  if (!cluster.rules_path.empty()) {
    ruleset = pf_parse_file(cluster, *node.cfg, cluster.rules_path, errors);
    if (!ruleset) {
      errors.push_back("the ruleset " + cluster.rules_path + " was not loaded");
      return false;
    }
    for (const auto& l : ruleset->options.limits)
      if (l.name == "states") limit = l.value;
  }
  if (!build_tables(node, error) || !build_pf(node, limit, error) || !ports_start(node, error) ||
      !build_routes(node, error))
    return fail();
  if (node.cfg->pfsync && !build_sync(node, error)) return fail();
  if (ruleset && !pf_load_parsed(node, cluster.rules_path, std::move(*ruleset), errors)) {
    errors.push_back("the ruleset " + cluster.rules_path + " was not loaded");
    return false;
  }
  return true;
}

void node_print_banner(const Node& node, const std::string& listen) {
  char head[160];
  std::snprintf(head, sizeof head, "node %s of cluster %s, hostid %08x, %u worker(s), idle %s",
                node.cfg->name.c_str(), node.cluster->name.c_str(), node.hostid, node.n_workers,
                node.idle == IdleMode::kPoll ? "poll" : "adaptive");
  log::notice(head, {{"source", "start"}});
  for (const auto& p : node.ports) {
    char line[200];
    std::snprintf(line, sizeof line, "  %s: port %u, %s, %s/%u, %u rxq %u txq%s", p->name.c_str(),
                  p->port_id, wire::format_mac(p->mac).c_str(),
                  config::format_ipv4(p->addr).c_str(), p->prefix_len, p->n_rxq, p->n_txq,
                  p->tx_lock ? " (shared)" : "");
    log::info(line, {{"source", "start"}, {"interface", p->name}});
  }
  if (const auto* rs = node.pf->ruleset.load()) {
    log::notice("ruleset " + rs->file +
                    " loaded (start): " + std::to_string(rs->compiled->rules.size()) +
                    " rules, state limit " + std::to_string(node.pf->table->limit()),
                {{"source", "start"}, {"ruleset", rs->file}});
  } else {
    log::notice("no ruleset: every packet passes without state", {{"source", "start"}});
  }
  log::notice("REST API on http://" + listen, {{"source", "start"}});
}

void node_stop(Node& node) {
  node.sync.reset();
  ports_stop(node);
}

void node_teardown(Node& node) {
  node_stop(node);
  node.pf.reset();
  for (rte_ring* r : node.punt) rte_ring_free(r);
  node.punt.clear();
  rte_hash_free(node.neighbors);
  node.neighbors = nullptr;
  rte_lpm_free(node.lpm);
  node.lpm = nullptr;
  rte_mempool_free(node.pool);  // after the ports, whose queues held its mbufs
  node.pool = nullptr;
}

}  // namespace dpf
