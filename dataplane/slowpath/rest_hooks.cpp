#include "dataplane/slowpath/rest_hooks.h"

#include <algorithm>
#include <chrono>

#include "dataplane/slowpath/carp_node.h"
#include "dataplane/slowpath/pf_load.h"
#include "dataplane/slowpath/pf_view.h"

namespace dpf {
namespace {

// POST /api/v1/rules: body {"file": NAME, "text": RULESET} loads that text; an empty body
// reloads the cluster's rules file. {"loaded": true} or {"error": ..., "errors": [...]}.
nlohmann::json load_rules(Node& node, const std::string& body) {
  std::vector<std::string> errors;
  bool ok;
  if (body.empty()) {
    ok = pf_reload(node, &errors);
  } else {
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("text") || !j["text"].is_string())
      return {{"error", "the body must be {\"file\": NAME, \"text\": RULESET}"}};
    const std::string name = j.value("file", std::string("<request>"));
    ok = pf_load(node, name, j["text"].get<std::string>(), errors);
    pf_count_reload(*node.pf, ok);
  }
  if (!ok)
    return {{"error", "the ruleset was rejected; the running one stays"}, {"errors", errors}};
  const PfRuleset* rs = node.pf->ruleset.load();
  return {{"loaded", true}, {"generation", rs ? rs->generation : 0}};
}

// GET /api/v1/routes: the routes the node loaded (connected, then static), by destination.
// Built at assembly and immutable, so this reads them without the control thread.
nlohmann::json node_routes(const Node& node) {
  std::vector<route::RouteEntry> entries = node.routes;
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.prefix != b.prefix ? a.prefix < b.prefix : a.len < b.len;
  });
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : entries) {
    if (e.next_hop_id >= node.next_hops.size()) continue;
    const route::NextHop& nh = node.next_hops[e.next_hop_id];
    const bool connected = nh.gateway == 0;
    out.push_back({{"destination", route::format_ipv4(e.prefix) + "/" + std::to_string(e.len)},
                   {"gateway", connected ? nlohmann::json(nullptr)
                                         : nlohmann::json(route::format_ipv4(nh.gateway))},
                   {"interface", nh.port < node.ports.size() ? node.ports[nh.port]->name : "?"},
                   {"type", connected ? "connected" : "static"}});
  }
  return {{"routes", out}};
}

}  // namespace

rest::Hooks rest_hooks(Node& node, SlowPath& slow, StateListReader& lister) {
  // Each task owns its inputs (copies of the request), so that one the control thread runs
  // after its caller gave up reads nothing of the HTTP thread's.
  rest::Hooks hooks;
  Node* n = &node;
  SlowPath* sp = &slow;
  hooks.states = [l = &lister](const Params& q) { return l->list(q); };
  hooks.kill_states = [n, sp](const Params& q) {
    return sp->call([n, q] { return pf_kill_states(*n, q); });
  };
  hooks.rules = [n, sp] { return sp->call([n] { return pf_rules(*n); }); };
  hooks.load_rules = [n, sp](const std::string& body) {
    return sp->call([n, body] { return load_rules(*n, body); });
  };
  hooks.pf_info = [n, sp] { return sp->call([n] { return pf_info(*n); }); };
  // The source nodes are read on the control thread; the walk of the states for their traffic
  // on this one, as a listing of the states is.
  hooks.sources = [n, sp, l = &lister](const Params& q) {
    return l->sources(sp->call([n] { return pf_source_nodes(*n); }), q);
  };
  hooks.kill_sources = [n, sp](const Params& q) {
    return sp->call([n, q] { return pf_kill_sources(*n, q); });
  };
  hooks.tables = [n, sp](const Params& q) { return sp->call([n, q] { return pf_tables(*n, q); }); };
  hooks.routes = [n] { return node_routes(*n); };
  hooks.pfsync = [n, sp] { return sp->call([n] { return pfsync_info(*n); }); };
  hooks.carp = [n, sp] {
    return sp->call([n, sp]() -> nlohmann::json {
      if (CarpNode* c = sp->carp()) return c->view(n->clock.now());
      return {{"configured", false}, {"vhids", nlohmann::json::array()}};
    });
  };
  hooks.carp_demote = [n, sp](const nlohmann::json& body) {
    return sp->call([n, sp, body]() -> nlohmann::json {
      CarpNode* c = sp->carp();
      if (c == nullptr) return {{"error", "this node runs no CARP (cluster.carp)"}};
      return c->demote(body.at("demotion").get<int>(), n->clock.now());
    });
  };
  return hooks;
}

}  // namespace dpf
