// SIGHUP, and where the running ruleset came from. Control thread only; allocates.
// SIGHUP re-reads the cluster file. A file that does not load is logged with its errors and
// changes nothing. Otherwise each change to this node's settings is logged on a line of its own:
// SIGHUP applies cluster.rules (the ruleset file) and the node's log settings; every other field
// (interfaces, routes, lcores, eal, api, pfsync, carp, hostid) is read at start only and is
// logged as needing a restart (config/diff.h). Then the ruleset: as pf keeps what was loaded
// last, a ruleset loaded over REST with its text (dpfctl -f) is kept, and logged as kept; one that
// came from the rules file is reloaded from it, and so is a rules file whose path changed.
#pragma once

#include <string>

#include "control/config/cluster.h"
#include "control/log/log.h"
#include "dataplane/node/node.h"

namespace dpf {

struct RulesetOrigin {
  bool rest = false;   // loaded over REST with its text; false: from node.rules_path (or none)
  std::string name;    // the file, or the name the REST client gave it
  std::string client;  // rest: the client's address
  log::Clock::time_point at{};
};

class ConfigReload {
 public:
  // Copies the node's cluster file as the settings in force; the ruleset loaded at start (if
  // any) came from the rules file.
  explicit ConfigReload(Node& node);

  void sighup();
  // What the REST hooks loaded: the rules file (an empty POST /api/v1/rules), or a text.
  void loaded_from_file();
  void loaded_over_rest(std::string name, std::string client);
  const RulesetOrigin& origin() const { return origin_; }

 private:
  // Re-reads the cluster file: its errors, or its changes, are logged and what SIGHUP applies is
  // applied. True when it loaded and names another rules file than before.
  bool reread();
  void reload_rules(bool rules_changed);

  Node& node_;
  config::Cluster running_;  // the file at start, with what SIGHUP applied since
  RulesetOrigin origin_;
};

// "N rules, generation G" of the running ruleset.
std::string ruleset_summary(const Node& node);

}  // namespace dpf
