#include "dataplane/slowpath/rest_hooks.h"

#include <algorithm>
#include <chrono>

#include "control/log/log.h"
#include "dataplane/slowpath/carp_node.h"
#include "dataplane/slowpath/pf_load.h"
#include "dataplane/slowpath/pf_view.h"
#include "dataplane/slowpath/reload.h"

namespace dpf {
namespace {

// " over REST from 127.0.0.1 (token)": who made a change, for its log line.
std::string by(const rest::Client& c) {
  return " over REST from " + c.address + (c.token ? " (token)" : " (no token)");
}

log::Fields fields_of(const rest::Client& c, const char* action) {
  return {{"source", "rest"},
          {"client", c.address},
          {"port", c.port},
          {"token", c.token},
          {"action", action}};
}

// POST /api/v1/rules: body {"file": NAME, "text": RULESET} loads that text; an empty body
// reloads the cluster's rules file. {"loaded": true} or {"error": ..., "errors": [...]}.
nlohmann::json load_rules(Node& node, ConfigReload& reload, const std::string& body,
                          const rest::Client& client) {
  std::vector<std::string> errors;
  bool ok;
  std::string name = node.rules_path;
  if (body.empty()) {
    ok = pf_reload(node, &errors);
  } else {
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("text") || !j["text"].is_string())
      return {{"error", "the body must be {\"file\": NAME, \"text\": RULESET}"}};
    name = j.value("file", std::string("<request>"));
    ok = pf_load(node, name, j["text"].get<std::string>(), errors);
    pf_count_reload(*node.pf, ok);
  }
  log::Fields f = fields_of(client, body.empty() ? "reload" : "load");
  f["ruleset"] = name;
  if (!ok) {
    for (const auto& e : errors) log::warning(e, f);
    log::warning("ruleset " + name + by(client) + " rejected; the running ruleset stays", f);
    return {{"error", "the ruleset was rejected; the running one stays"}, {"errors", errors}};
  }
  if (body.empty()) {
    reload.loaded_from_file();
  } else {
    reload.loaded_over_rest(name, client.address);
  }
  log::notice("ruleset " + name + (body.empty() ? " reloaded" : " loaded") + by(client) + ": " +
                  ruleset_summary(node),
              f);
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

// DELETE /api/v1/states, logged with what was asked and how many states went.
nlohmann::json kill_states(Node& node, const Params& q, const rest::Client& client) {
  nlohmann::json r = pf_kill_states(node, q);
  if (r.contains("error")) return r;
  const uint64_t n = r.value("killed", uint64_t{0});
  const bool flush = q.count("all") != 0;
  std::string what;
  log::Fields f = fields_of(client, flush ? "flush" : "kill");
  log::Fields sel = log::Fields::object();
  for (const auto& [k, v] : q) {
    what += (what.empty() ? "" : " ") + k + "=" + v;
    sel[k] = v;
  }
  f["selector"] = sel;
  f["killed"] = n;
  log::notice(flush ? "flushed all states (" + std::to_string(n) + ")" + by(client)
                    : "killed " + std::to_string(n) + " state(s) matching " + what + by(client),
              f);
  return r;
}

// DELETE /api/v1/sources (pfctl -K), logged with what was asked and what went.
nlohmann::json kill_sources(Node& node, const Params& q, const rest::Client& client) {
  nlohmann::json r = pf_kill_sources(node, q);
  if (r.contains("error")) return r;
  std::string what;
  log::Fields f = fields_of(client, "kill-sources");
  log::Fields sel = log::Fields::object();
  for (const auto& [k, v] : q) {
    what += (what.empty() ? "" : " ") + k + "=" + v;
    sel[k] = v;
  }
  f["selector"] = sel;
  f["result"] = r;
  log::notice("killed source nodes matching " + what + " (" + r.dump() + ")" + by(client), f);
  return r;
}

// POST /api/v1/carp/demote, logged with the operator's demotion before and after.
nlohmann::json demote(CarpNode& carp, int value, NodeClock::TimePoint now,
                      const rest::Client& client) {
  const nlohmann::json before = carp.view(now);
  nlohmann::json r = carp.demote(value, now);
  if (r.contains("error")) return r;
  const int was = before["demotion_sources"].value("operator", 0);
  log::Fields f = fields_of(client, "demote");
  f["operator_demotion"] = value;
  f["was"] = was;
  f["demotion"] = r.value("demotion", 0);
  log::notice("carp: operator demotion set to " + std::to_string(value) + " (was " +
                  std::to_string(was) + "; the node's demotion is now " +
                  std::to_string(r.value("demotion", 0)) + ")" + by(client),
              f);
  return r;
}

}  // namespace

rest::Hooks rest_hooks(Node& node, SlowPath& slow, StateListReader& lister) {
  // Each task owns its inputs (copies of the request), so that one the control thread runs
  // after its caller gave up reads nothing of the HTTP thread's.
  rest::Hooks hooks;
  Node* n = &node;
  SlowPath* sp = &slow;
  hooks.states = [l = &lister](const Params& q) { return l->list(q); };
  hooks.kill_states = [n, sp](const Params& q, const rest::Client& c) {
    return sp->call([n, q, c] { return kill_states(*n, q, c); });
  };
  hooks.rules = [n, sp] { return sp->call([n] { return pf_rules(*n); }); };
  hooks.load_rules = [n, sp](const std::string& body, const rest::Client& c) {
    return sp->call([n, sp, body, c] { return load_rules(*n, sp->reload(), body, c); });
  };
  hooks.pf_info = [n, sp] { return sp->call([n] { return pf_info(*n); }); };
  // The source nodes are read on the control thread; the walk of the states for their traffic
  // on this one, as a listing of the states is.
  hooks.sources = [n, sp, l = &lister](const Params& q) {
    return l->sources(sp->call([n] { return pf_source_nodes(*n); }), q);
  };
  hooks.kill_sources = [n, sp](const Params& q, const rest::Client& c) {
    return sp->call([n, q, c] { return kill_sources(*n, q, c); });
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
  hooks.carp_demote = [n, sp](const nlohmann::json& body, const rest::Client& c) {
    return sp->call([n, sp, body, c]() -> nlohmann::json {
      CarpNode* carp = sp->carp();
      if (carp == nullptr) return {{"error", "this node runs no CARP (cluster.carp)"}};
      return demote(*carp, body.at("demotion").get<int>(), n->clock.now(), c);
    });
  };
  return hooks;
}

}  // namespace dpf
