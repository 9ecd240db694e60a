#include "dataplane/slowpath/reload.h"

#include "control/config/diff.h"
#include "dataplane/slowpath/pf_load.h"
#include "dataplane/worker/pf.h"

namespace dpf {

namespace {

const log::Fields kSighup = {{"source", "SIGHUP"}};

config::Node* node_named(config::Cluster& c, const std::string& name) {
  for (auto& n : c.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

}  // namespace

std::string ruleset_summary(const Node& node) {
  const PfRuleset* rs = node.pf ? node.pf->ruleset.load() : nullptr;
  if (rs == nullptr) return "no ruleset";
  return std::to_string(rs->compiled->rules.size()) + " rules, generation " +
         std::to_string(rs->generation);
}

ConfigReload::ConfigReload(Node& node) : node_(node), running_(*node.cluster) {
  origin_.name = node.rules_path;
  origin_.at = log::Clock::now();
}

void ConfigReload::loaded_from_file() {
  origin_ = RulesetOrigin{false, node_.rules_path, "", log::Clock::now()};
}

void ConfigReload::loaded_over_rest(std::string name, std::string client) {
  origin_ = RulesetOrigin{true, std::move(name), std::move(client), log::Clock::now()};
}

bool ConfigReload::reread() {
  const std::string& file = running_.file;
  const std::string& name = node_.cfg->name;
  auto loaded = config::load_cluster_file(file);
  if (!loaded.cluster) {
    for (const auto& e : loaded.errors) log::error(e.str(), kSighup);
    log::error("SIGHUP: " + file + " does not load; the running configuration stays", kSighup);
    return false;
  }
  const config::Node* now = loaded.cluster->node(name);
  config::Node* was = node_named(running_, name);
  if (now == nullptr || was == nullptr) {
    log::error("SIGHUP: " + file + " has no node " + name +
                   "; the running configuration stays (a restart would fail)",
               kSighup);
    return false;
  }
  const auto changes = config::diff_node(running_, *was, *loaded.cluster, *now);
  for (const auto& c : changes) {
    log::Fields f = {
        {"source", "SIGHUP"}, {"field", c.field}, {"change", c.detail}, {"restart", !c.applied}};
    if (c.applied) {
      log::notice(file + ": " + c.field + ": " + c.detail + "; applied", f);
    } else {
      log::warning(
          file + ": " + c.field + ": " + c.detail + "; needs a restart (SIGHUP does not apply it)",
          f);
    }
  }
  if (changes.empty()) log::info("SIGHUP: " + file + ": no change to node " + name, kSighup);
  // What SIGHUP applies: the log settings (after the lines above, written as they were
  // configured) and the ruleset file.
  log::logger().configure({now->log.level, now->log.format});
  was->log = now->log;
  if (running_.rules_path == loaded.cluster->rules_path) return false;
  running_.rules = loaded.cluster->rules;
  running_.rules_path = loaded.cluster->rules_path;
  node_.rules_path = running_.rules_path;
  return true;
}

void ConfigReload::reload_rules(bool rules_changed) {
  if (origin_.rest && !rules_changed) {
    log::notice("SIGHUP: ruleset " + origin_.name + " loaded over REST from " + origin_.client +
                    " at " + log::format_time(origin_.at) +
                    " is kept; dpfctl -f FILE, POST /api/v1/rules with an empty body (the "
                    "cluster file's rules) or a restart changes it",
                {{"source", "SIGHUP"},
                 {"ruleset", origin_.name},
                 {"loaded_by", origin_.client},
                 {"loaded_at", log::format_time(origin_.at)},
                 {"action", "kept"}});
    return;
  }
  if (node_.rules_path.empty()) {
    log::notice("SIGHUP: the cluster file names no ruleset (cluster.rules); the running one stays",
                kSighup);
    return;
  }
  std::vector<std::string> errors;
  const std::string& path = node_.rules_path;
  if (pf_reload(node_, &errors)) {
    loaded_from_file();
    log::notice("ruleset " + path + " reloaded (SIGHUP): " + ruleset_summary(node_),
                {{"source", "SIGHUP"}, {"ruleset", path}, {"action", "reloaded"}});
    return;
  }
  for (const auto& e : errors) log::warning(e, kSighup);
  log::warning("ruleset " + path + " rejected (SIGHUP); the running ruleset stays",
               {{"source", "SIGHUP"}, {"ruleset", path}, {"action", "rejected"}});
}

void ConfigReload::sighup() {
  log::notice("SIGHUP: re-reading " + running_.file, kSighup);
  reload_rules(reread());
}

}  // namespace dpf
