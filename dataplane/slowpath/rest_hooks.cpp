#include "dataplane/slowpath/rest_hooks.h"

#include <chrono>

#include "dataplane/slowpath/carp_node.h"
#include "dataplane/slowpath/pf_load.h"

namespace dpf {

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
    return sp->call([n, sp, body] { return pf_load_rules(*n, *sp, body); });
  };
  hooks.pf_info = [n, sp] { return sp->call([n] { return pf_info(*n); }); };
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
