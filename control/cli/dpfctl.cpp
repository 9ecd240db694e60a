// dpfctl: a pfctl-like client of a dpf node's REST API. pfctl's letters keep pfctl's meanings:
//   -s info|states|Sources|nat|rules|labels|timeouts|memory|Tables|all   as pfctl (-v: more)
//   -s sync|carp|interfaces|neighbors|routes                         dpf's own views
//   -k HOST|NET [-k HOST|NET] | -k id -k ID                     kill states
//   -K HOST|NET [-K HOST|NET]                                   kill source nodes
//   -F states                                                   flush states
//   -f FILE                                                     load rules (-n: parse only)
//   -nvf FILE                                                   print FILE as pfctl -nvf does
//   carp demote N                                               set the operator demotion
// The node: --api URL (default $DPF_API or http://127.0.0.1:9080) or --config FILE --node NAME;
// the token: --token-file FILE, $DPF_TOKEN_FILE, or the node's api token_file.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "control/cli/client.h"
#include "control/cli/pf_views.h"
#include "control/config/cluster.h"
#include "control/config/node_rules.h"
#include "control/pfconf/node_check.h"
#include "control/pfconf/nvf.h"
#include "control/pfconf/parser.h"
#include "control/pfconf/system_env.h"
#include "control/rest/token.h"

namespace {

constexpr const char* kUsage =
    "usage: dpfctl [--api URL | --config CLUSTER.yaml --node NAME] [--token-file FILE]\n"
    "              [-nv] [-o none] [-s modifier] [-k host|net|id] [-K host|net]\n"
    "              [-F states] [-f file]\n"
    "       dpfctl [--api URL | --config CLUSTER.yaml --node NAME] [--token-file FILE]\n"
    "              [-v] carp demote N\n"
    "       dpfctl --help | --version\n"
    "  --api URL           the node's REST API, http://HOST:PORT (default $DPF_API or\n"
    "                      http://127.0.0.1:9080, on the node's own loopback)\n"
    "  --config FILE       the cluster file; with --node NAME, talk to that node's API\n"
    "  --node NAME         the node of --config FILE\n"
    "  --token-file FILE   the bearer token for changes (default $DPF_TOKEN_FILE or the\n"
    "                      node's api.token_file)\n"
    "  -s info|states|Sources|nat|rules|labels|timeouts|memory|Tables|all\n"
    "                      show as pfctl does (Sources, Tables: S, T); nat: the nat, rdr\n"
    "                      and binat rules; all: every view\n"
    "  -s sync|carp|interfaces|neighbors|routes\n"
    "                      dpf's own views; routes: the node's routing table (connected\n"
    "                      networks and the cluster file's routes), a dpf extension\n"
    "  -k HOST [-k HOST]   kill states from the first host (to the second); each may be a\n"
    "                      network (-k 10.0.0.0/24); one alone matches either end\n"
    "  -k id -k ID         kill the state with this id (16 hex digits[/creatorid])\n"
    "  -K HOST [-K HOST]   kill the source nodes of the first host or network (the second\n"
    "                      must hold their translation address, 0.0.0.0 in dpf)\n"
    "  -F states           flush every state\n"
    "  -f FILE             load FILE as the ruleset (with -n: only check and print it;\n"
    "                      with --config and --node, as that node loads it)\n"
    "  -o none             accepted for pfctl's sake: dpf never optimizes rulesets\n"
    "  -v                  more detail (-vv: more still); -n parse only\n"
    "  -h, --help          print this help\n"
    "  --version           print dpfctl's version\n"
    "  carp demote N       set the operator's share of the node's CARP demotion to N\n"
    "                      (-240..240; 0 removes it) and print the carp view\n";

struct Args {
  dpf::cli::Endpoint ep;
  std::string api;  // --api URL as given; empty when absent
  std::string config, node, token_file, show, flush, file;
  std::string token_from;  // where token_file came from, for its errors: "--token-file", ...
  std::vector<std::string> kills;
  std::vector<std::string> src_kills;  // -K
  std::vector<std::string> words;      // a command: `carp demote N`
  int demotion = 0;                    // N of `carp demote N`
  int verbose = 0;                     // -v 1, -vv 2
  bool noaction = false;
  bool help = false, version = false;
};

int fail(const std::string& msg) {
  std::fprintf(stderr, "dpfctl: %s\n", msg.c_str());
  return 1;
}

std::string canonical_show(const std::string& s) {
  static const std::pair<const char*, const char*> kAliases[] = {
      {"i", "info"},    {"s", "states"},     {"r", "rules"}, {"t", "timeouts"},
      {"m", "memory"},  {"I", "interfaces"}, {"n", "nat"},   {"Interfaces", "interfaces"},
      {"S", "Sources"}, {"T", "Tables"},     {"a", "all"},   {"l", "labels"}};
  for (const auto& [a, b] : kAliases)
    if (s == a) return b;
  return s;
}

constexpr const char* kViews[] = {"info",   "states",   "Sources",    "nat",       "rules",
                                  "labels", "timeouts", "memory",     "Tables",    "all",
                                  "sync",   "carp",     "interfaces", "neighbors", "routes"};

bool known_show(const std::string& s) {
  for (const char* v : kViews)
    if (s == v) return true;
  return false;
}

// A value of -s, -o or -F outside its fixed set: the error names the option, the value and what
// the option takes; empty when valid.
std::string check_value(char c, const std::string& value) {
  const std::string head = std::string("-") + c + " " + value + ": ";
  if (c == 's' && !known_show(canonical_show(value))) {
    std::string views;
    for (const char* v : kViews) views += (views.empty() ? "" : ", ") + std::string(v);
    return head + "no such view (" + views + ")";
  }
  if (c == 'o' && value != "none") {
    if (value == "basic" || value == "profile")
      return head + "dpf does not optimize rulesets; only -o none is accepted";
    return head + "no such optimization level; dpf takes only -o none";
  }
  if (c == 'F' && value != "states" && value != "s")
    return head + "dpf flushes states only (-F states)";
  return "";
}

// `carp demote N`: N is a decimal integer within CARP's -240..240 (CARP_MAXSKEW either way).
bool parse_command(Args& a, std::string& error) {
  if (a.words.empty()) return true;
  if (a.words.size() < 2 || a.words[0] != "carp" || a.words[1] != "demote")
    return error = "unexpected argument " + a.words[0], false;
  if (a.words.size() != 3) return error = "carp demote needs one number N", false;
  const std::string& n = a.words[2];
  const size_t digits = n[0] == '-' || n[0] == '+' ? 1 : 0;
  long v = 0;
  bool ok = n.size() > digits && n.size() <= digits + 3;
  for (size_t i = digits; ok && i < n.size(); ++i) {
    ok = n[i] >= '0' && n[i] <= '9';
    v = v * 10 + (n[i] - '0');
  }
  if (!ok || v > 240) return error = "carp demote: N must be an integer in -240..240", false;
  a.demotion = static_cast<int>(n[0] == '-' ? -v : v);
  return true;
}

// The node's address: --api URL or --config FILE [--node NAME], not both; else $DPF_API or the
// default. Each URL is checked here, so a bad one is a usage error naming where it came from.
bool check_endpoint(Args& a, std::string& error) {
  if (!a.node.empty() && a.config.empty())
    return error = "--node " + a.node + ": needs --config FILE, the cluster file naming it", false;
  if (!a.api.empty() && !a.config.empty())
    return error = "--api and --config both name the node: give one of them", false;
  std::string why;
  if (!a.api.empty()) {
    if (!dpf::cli::parse_api_url(a.api, a.ep.base, why))
      return error = "--api " + a.api + ": " + why, false;
  } else if (const char* env = std::getenv("DPF_API"); env != nullptr && a.config.empty()) {
    if (!dpf::cli::parse_api_url(env, a.ep.base, why))
      return error = "$DPF_API " + std::string(env) + ": " + why, false;
  }
  return true;
}

// pfctl-style flags: letters may be combined (-nvf FILE); a letter that takes a value takes the
// rest of its word or the next word.
bool parse(int argc, char** argv, Args& a, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    if (arg == "--help") {
      a.help = true;
      continue;
    }
    if (arg == "--version") {
      a.version = true;
      continue;
    }
    if (arg.rfind("--", 0) == 0) {
      // --name VALUE or --name=VALUE.
      const auto eq = arg.find('=');
      const std::string name = arg.substr(0, eq);
      std::string* dst = name == "--api"          ? &a.api
                         : name == "--config"     ? &a.config
                         : name == "--node"       ? &a.node
                         : name == "--token-file" ? &a.token_file
                                                  : nullptr;
      if (dst == nullptr) return error = name + ": unknown option", false;
      if (eq != std::string::npos)
        *dst = arg.substr(eq + 1);
      else if (!next(*dst))
        dst->clear();
      if (dst->empty()) return error = name + " needs a value", false;
      if (dst == &a.token_file) a.token_from = "--token-file";
      continue;
    }
    // The words of a command; `carp demote -10` takes the negative number as its N.
    const bool demote_value = a.words.size() == 2 && a.words[0] == "carp";
    if (arg.size() < 2 || arg[0] != '-' || demote_value) {
      a.words.push_back(arg);
      continue;
    }
    for (size_t j = 1; j < arg.size(); ++j) {
      const char c = arg[j];
      if (c == 'v') {
        ++a.verbose;
      } else if (c == 'n') {
        a.noaction = true;
      } else if (c == 'h') {
        a.help = true;
      } else if (c == 's' || c == 'k' || c == 'K' || c == 'F' || c == 'f' || c == 'o') {
        std::string value = arg.substr(j + 1);
        if (value.empty() && !next(value))
          return error = std::string("-") + c + " needs a value", false;
        if (const std::string bad = check_value(c, value); !bad.empty()) return error = bad, false;
        if (c == 'k' && a.kills.size() == 2)
          return error = "-k: at most two -k options (source and destination, or `id` and an id)",
                 false;
        if (c == 'K' && a.src_kills.size() == 2)
          return error = "-K: at most two -K options (source and destination)", false;
        if (c == 'K') a.src_kills.push_back(value);
        if (c == 's') a.show = canonical_show(value);
        if (c == 'k') a.kills.push_back(value);
        if (c == 'F') a.flush = value;
        if (c == 'f') a.file = value;
        // -o none: the rule optimizer is never run, so there is nothing to turn off.
        break;
      } else {
        return error = std::string("-") + c + ": unknown option", false;
      }
    }
  }
  return a.help || a.version || check_endpoint(a, error);
}

bool get_json(const dpf::cli::Endpoint& ep, const std::string& path, nlohmann::json& out,
              std::string& error) {
  std::string body;
  if (!dpf::cli::http_get(ep, path, body, error)) return false;
  out = nlohmann::json::parse(body, nullptr, false);
  if (out.is_discarded()) return error = ep.base + path + ": the reply is not JSON", false;
  return true;
}

// Sends a change and prints the node's answer; errors listed by the node are printed too.
int send(const dpf::cli::Endpoint& ep, const std::string& method, const std::string& path,
         const std::string& body, nlohmann::json& reply) {
  std::string text, error;
  const bool ok = dpf::cli::http_send(ep, method, path, body, text, error);
  reply = nlohmann::json::parse(text, nullptr, false);
  if (!ok) {
    if (!reply.is_discarded() && reply.is_object()) {
      for (const auto& e : reply.value("errors", nlohmann::json::array()))
        std::fprintf(stderr, "%s\n", e.get<std::string>().c_str());
    }
    return fail(error);
  }
  return 0;
}

std::string url_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == ':') {
      out += static_cast<char>(c);
    } else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}

// `-s nat`'s text from GET /api/v1/rules; false with error when the node cannot give the rules,
// `listed` false when its reply has no "translations" (a node that does not list them).
bool nat_text(const Args& a, std::string& out, bool& listed, std::string& error) {
  nlohmann::json j;
  if (!get_json(a.ep, "/api/v1/rules", j, error)) return false;
  listed = j.contains("translations");
  out = dpf::cli::render_nat(j, a.verbose);
  return true;
}

// One view's text, as `-s VIEW` prints it; false with error when the node cannot give it.
bool view_text(const Args& a, const std::string& view, std::string& out, std::string& error) {
  nlohmann::json j, k;
  const auto& ep = a.ep;
  if (view == "info") {
    if (!get_json(ep, "/api/v1/status", j, error) || !get_json(ep, "/api/v1/stats", k, error))
      return false;
    const double up = j.value("uptime", 0.0);
    out = dpf::cli::render_info(j, k);
    nlohmann::json pf;
    if (get_json(ep, "/api/v1/pf", pf, error)) {
      // pfctl -vsi: the source tracking table follows the state table, the limit counters the
      // counters.
      const auto pos = out.find("Packets");
      out.insert(pos, dpf::cli::render_state_table(pf, up) +
                          (a.verbose ? dpf::cli::render_src_table(pf, up) : ""));
      if (a.verbose) out += dpf::cli::render_limit_counters(pf, up);
    }
    error.clear();
  } else if (view == "states") {
    if (!get_json(ep, "/api/v1/states?limit=100000", j, error)) return false;
    out = dpf::cli::render_states(j, a.verbose);
  } else if (view == "Sources") {
    if (!get_json(ep, "/api/v1/sources?limit=100000", j, error)) return false;
    out = dpf::cli::render_sources(j, a.verbose);
  } else if (view == "nat") {
    bool listed = false;
    if (!nat_text(a, out, listed, error)) return false;
    if (!listed)
      return error = ep.base + "/api/v1/rules: the node does not list its translation rules", false;
  } else if (view == "rules") {
    if (!get_json(ep, "/api/v1/rules", j, error)) return false;
    out = dpf::cli::render_rules(j, a.verbose);
  } else if (view == "labels") {
    if (!get_json(ep, "/api/v1/rules", j, error)) return false;
    out = dpf::cli::render_labels(j);
  } else if (view == "timeouts" || view == "memory") {
    if (!get_json(ep, "/api/v1/pf", j, error)) return false;
    out = view == "timeouts" ? dpf::cli::render_timeouts(j) : dpf::cli::render_memory(j);
  } else if (view == "Tables") {
    if (!get_json(ep, "/api/v1/tables", j, error)) return false;
    out = dpf::cli::render_tables(j, a.verbose);
  } else if (view == "sync") {
    if (!get_json(ep, "/api/v1/pfsync", j, error)) return false;
    out = dpf::cli::render_sync(j);
  } else if (view == "carp") {
    if (!get_json(ep, "/api/v1/carp", j, error)) return false;
    out = dpf::cli::render_carp(j, a.verbose);
  } else if (view == "interfaces") {
    if (!get_json(ep, "/api/v1/status", j, error)) return false;
    out = dpf::cli::render_interfaces(j);
  } else if (view == "neighbors") {
    if (!get_json(ep, "/api/v1/neighbors", j, error)) return false;
    out = dpf::cli::render_neighbors(j);
  } else if (view == "routes") {
    if (!get_json(ep, "/api/v1/routes", j, error)) return false;
    out = dpf::cli::render_routes(j);
  }
  return true;
}

// `-s all`: pfctl -sa's views in its order (pfctl.c, case 'a'), each under pfctl's title, the
// ones that list things only when they list something; then dpf's own views. A view the node
// cannot give ends the listing there with its error (a node that cannot answer one view
// mostly cannot answer the next ones either). pfctl_show_nat comes first; a node that does not
// list its translation rules shows the other views without them.
int show_all(const Args& a) {
  struct Section {
    const char* view;
    const char* title;
    bool only_if_any;  // pfctl prints the title only above at least one line
  };
  static constexpr Section kSections[] = {
      {"rules", "FILTER RULES:", true},
      {"states", "STATES:", true},
      {"Sources", "SOURCE TRACKING NODES:", true},
      {"info", "INFO:", false},
      {"labels", "LABEL COUNTERS:", true},
      {"timeouts", "TIMEOUTS:", false},
      {"memory", "LIMITS:", false},
      {"Tables", "TABLES:", true},
      // dpf's own views, after pf's.
      {"sync", "PFSYNC:", false},
      {"carp", "CARP:", false},
      {"interfaces", "INTERFACES:", false},
      {"routes", "ROUTES:", false},
  };
  std::string out, nat, error;
  bool first = true, listed = false;
  if (!nat_text(a, nat, listed, error)) return fail(error);
  if (!nat.empty()) {
    dpf::cli::append_title(out, first, "TRANSLATION RULES:");
    out += nat;
  }
  for (const auto& s : kSections) {
    std::string text;
    if (!view_text(a, s.view, text, error)) {
      std::fputs(out.c_str(), stdout);
      return fail(error);
    }
    if (s.only_if_any && text.empty()) continue;
    dpf::cli::append_title(out, first, s.title);
    out += text;
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

int show(const Args& a) {
  if (a.show == "all") return show_all(a);
  std::string out, error;
  if (!view_text(a, a.show, out, error)) return fail(error);
  std::fputs(out.c_str(), stdout);
  return 0;
}

int kill_states(const Args& a) {
  std::string query;
  if (a.kills.size() == 2 && a.kills[0] == "id") {
    std::string id = a.kills[1], creator;
    if (auto slash = id.find('/'); slash != std::string::npos) {
      creator = id.substr(slash + 1);
      id = id.substr(0, slash);
    }
    query = "id=" + url_escape(id) + (creator.empty() ? "" : "&creatorid=" + url_escape(creator));
  } else {
    query = "host=" + url_escape(a.kills[0]);
    if (a.kills.size() == 2) query += "&host2=" + url_escape(a.kills[1]);
  }
  nlohmann::json reply;
  if (int rc = send(a.ep, "DELETE", "/api/v1/states?" + query, "", reply)) return rc;
  std::fprintf(stderr, "killed %zu states\n", reply.value("killed", size_t{0}));
  return 0;
}

// pfctl -K: DELETE /api/v1/sources; says what pfctl_kill_src_nodes says (each host given as an
// address or network counts as one source or destination).
int kill_sources(const Args& a) {
  std::string query = "host=" + url_escape(a.src_kills[0]);
  if (a.src_kills.size() == 2) query += "&host2=" + url_escape(a.src_kills[1]);
  nlohmann::json reply;
  if (int rc = send(a.ep, "DELETE", "/api/v1/sources?" + query, "", reply)) return rc;
  std::fprintf(stderr, "killed %zu src nodes from 1 sources and %zu destinations\n",
               reply.value("killed", size_t{0}), a.src_kills.size() - 1);
  return 0;
}

// POST /api/v1/carp/demote and print the node's carp view as it is after the change.
int carp_demote(const Args& a) {
  nlohmann::json reply;
  if (int rc = send(a.ep, "POST", "/api/v1/carp/demote",
                    nlohmann::json{{"demotion", a.demotion}}.dump(), reply))
    return rc;
  if (reply.is_discarded() || !reply.is_object()) return fail("the node's reply is not JSON");
  std::fputs(dpf::cli::render_carp(reply, a.verbose).c_str(), stdout);
  return 0;
}

// -n: parse FILE here and print it as pfctl -nvf does; load nothing. With --config and --node
// the file is read as that node loads it (its interfaces, config/node_rules.h); without, with
// this host's interfaces and names, as pfctl. Either way what no dpf node loads is refused.
int check_rules(const Args& a) {
  dpf::pfconf::Result result;
  if (!a.config.empty()) {
    auto loaded = dpf::config::load_cluster_file(a.config);
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.str().c_str());
    if (!loaded.cluster) return 1;
    std::string error;
    const auto* n = dpf::config::select_node(*loaded.cluster, a.node, error);
    if (n == nullptr) return fail(error);
    result = dpf::config::parse_file_for_node(*loaded.cluster, *n, a.file);
  } else {
    result = dpf::pfconf::parse_ruleset_file(a.file, dpf::pfconf::system_parse_options());
    if (result.ruleset) {
      result.errors = dpf::pfconf::check_unsupported(*result.ruleset);
      if (!result.errors.empty()) result.ruleset.reset();
    }
  }
  dpf::pfconf::PrintOptions po;
  po.definitions = a.verbose;
  const auto out = dpf::pfconf::render_nvf(result, po);
  // render_nvf speaks as pfctl (the conformance corpus compares with it); dpfctl's own lines
  // carry its own name.
  std::string text = out.text;
  if (const auto pos = text.rfind("pfctl: ");
      pos != std::string::npos && (pos == 0 || text[pos - 1] == '\n'))
    text.insert(pos, "d");
  std::fputs(text.c_str(), stdout);
  return out.exit_status;
}

int load_rules(const Args& a) {
  std::ifstream in(a.file);
  if (!in) return fail("cannot read " + a.file);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json reply;
  return send(a.ep, "POST", "/api/v1/rules",
              nlohmann::json{{"file", a.file}, {"text", text.str()}}.dump(), reply);
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (const char* env = std::getenv("DPF_TOKEN_FILE"); env != nullptr && *env != '\0') {
    a.token_file = env;
    a.token_from = "$DPF_TOKEN_FILE";
  }
  std::string error;
  // As pfctl: a usage error prints what is wrong, then the usage, and exits 1.
  if (!parse(argc, argv, a, error) || !parse_command(a, error)) {
    std::fprintf(stderr, "dpfctl: %s\n%s", error.c_str(), kUsage);
    return 1;
  }
  if (a.help) return std::fputs(kUsage, stdout), 0;
  if (a.version) return std::printf("dpfctl %s\n", DPF_VERSION), 0;
  if (a.noaction && !a.file.empty()) return check_rules(a);  // talks to no node
  if (!a.config.empty()) {
    auto loaded = dpf::config::load_cluster_file(a.config);
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.str().c_str());
    if (!loaded.cluster) return 1;
    const auto* n = dpf::config::select_node(*loaded.cluster, a.node, error);
    if (n == nullptr) return fail(error);
    a.ep.base = "http://" + n->api.listen;
    if (a.token_file.empty()) {
      a.token_file = n->api.token_path;
      a.token_from = "api.token_file of node " + n->name + " in " + a.config;
    }
  }
  // The node's reading of the file (CRLF, trailing blanks), without its permission check. Only
  // changes carry the token: views work for whoever may not read the file.
  const bool changes = !a.words.empty() || !a.kills.empty() || !a.src_kills.empty() ||
                       !a.flush.empty() || !a.file.empty();
  if (changes && !a.token_file.empty() &&
      !dpf::rest::read_token_file(a.token_file, false, a.ep.token, error))
    return fail(error + " (from " + a.token_from + ")");
  if (!a.words.empty()) return carp_demote(a);
  if (!a.kills.empty()) return kill_states(a);
  if (!a.src_kills.empty()) return kill_sources(a);
  if (!a.flush.empty()) {
    nlohmann::json reply;
    if (int rc = send(a.ep, "DELETE", "/api/v1/states?all=1", "", reply)) return rc;
    std::fprintf(stderr, "%zu states cleared\n", reply.value("killed", size_t{0}));
    return 0;
  }
  if (!a.file.empty()) return load_rules(a);
  if (!a.show.empty()) return show(a);
  std::fputs(kUsage, stderr);
  return 1;
}
