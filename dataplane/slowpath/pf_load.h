// Loading rulesets into a node (control thread; allocates): parse with the node's interfaces,
// compile, publish. A ruleset with any error is rejected whole and the running one stays.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/config/cluster.h"
#include "control/pfconf/parser.h"
#include "dataplane/node/node.h"
#include "dataplane/worker/pf.h"

namespace dpf {

// Builds a PfRuleset from a parsed ruleset for this node's interfaces. Refuses what
// pfconf::check_unsupported refuses, with its first error.
std::unique_ptr<PfRuleset> pf_build_ruleset(Pf& pf, pfconf::Ruleset rs,
                                            const filter::InterfaceMap& ifs, std::string& error);
filter::InterfaceMap pf_interfaces(const config::Node& node);
// `dpf --check`: parses the cluster's ruleset as each of `nodes` loads it (config/node_rules.h)
// and compiles it for them. False with every error (the same error once, compile errors per node).
bool pf_check_rules(const config::Cluster& cluster, const std::vector<const config::Node*>& nodes,
                    std::vector<std::string>& errors);
// Reads and parses the ruleset file at `path` for node `cfg` of `cluster` (not compiled: that is
// pf_load_parsed). Nothing, with every error, if it cannot be read or has any error.
std::optional<pfconf::Ruleset> pf_parse_file(const config::Cluster& cluster,
                                             const config::Node& cfg, const std::string& path,
                                             std::vector<std::string>& errors);
// Compiles and publishes a parsed ruleset (named `path`). False with every error.
bool pf_load_parsed(Node& node, const std::string& path, pfconf::Ruleset ruleset,
                    std::vector<std::string>& errors);
// Parses, compiles and publishes `text` (named `path` in errors). False with every error.
bool pf_load(Node& node, const std::string& path, std::string_view text,
             std::vector<std::string>& errors);
bool pf_load_file(Node& node, const std::string& path, std::vector<std::string>& errors);
// Counts a reload's outcome (Pf::reloads, dpf_ruleset_reloads_total): pf_reload counts its own;
// a ruleset loaded from a REST request's text is counted by its caller.
void pf_count_reload(Pf& pf, bool ok);
// Reloads the cluster's ruleset file, node.rules_path (SIGHUP, an empty POST /api/v1/rules); the
// caller logs the outcome with its source. States survive a reload; a rejected ruleset leaves
// the running one in place.
bool pf_reload(Node& node, std::vector<std::string>* errors = nullptr);

// Makes `rs` the ruleset the workers evaluate and retires the one it replaces (Pf::retired).
// Never waits for readers, so it may be called on a thread that is itself a reader under
// several ids (the control thread also runs pfsync's reader). Control thread.
void pf_publish(Pf& pf, std::unique_ptr<PfRuleset> rs);
// Frees what retired rulesets left that no reader can reach any more (see Pf::retired); never
// waits. pf_housekeeping (slowpath/pf_housekeeping.h) calls it. Returns how many retired entries
// remain.
size_t pf_reclaim(Pf& pf) noexcept;
// RuleRef sets alive: the loaded ruleset's and those retired ones still keep.
size_t pf_rule_ref_sets(const Pf& pf) noexcept;

}  // namespace dpf
