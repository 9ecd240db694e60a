// dpfctl: a pfctl-like client of a dpf node's REST API.
//   dpfctl [--api URL | --config CLUSTER.yaml --node NAME] [--token-file F] -s
//   info|interfaces|neighbors
// The node is found with --api (default $DPF_API, else http://127.0.0.1:9080) or from the node's
// `api: listen` in a cluster file; the token from --token-file, $DPF_TOKEN_FILE or the node's
// `api: token_file`.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "control/cli/client.h"
#include "control/config/cluster.h"

namespace {

constexpr const char* kUsage =
    "usage: dpfctl [--api URL | --config CLUSTER.yaml --node NAME] [--token-file FILE]\n"
    "              -s info | interfaces | neighbors\n"
    "  -s info         node status and counters, as pfctl -s info\n"
    "  -s interfaces   interfaces with link state and counters\n"
    "  -s neighbors    the ARP neighbour table\n"
    "  --api URL       the node's REST API (default $DPF_API or http://127.0.0.1:9080)\n";

int fail(const std::string& msg) {
  std::fprintf(stderr, "dpfctl: %s\n", msg.c_str());
  return 1;
}

bool get_json(const dpf::cli::Endpoint& ep, const std::string& path, nlohmann::json& out,
              std::string& error) {
  std::string body;
  if (!dpf::cli::http_get(ep, path, body, error)) return false;
  out = nlohmann::json::parse(body, nullptr, false);
  if (out.is_discarded()) {
    error = ep.base + path + ": the reply is not JSON";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  dpf::cli::Endpoint ep;
  if (const char* env = std::getenv("DPF_API")) ep.base = env;
  std::string config, node, token_file, show;
  if (const char* env = std::getenv("DPF_TOKEN_FILE")) token_file = env;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    bool ok = true;
    if (a == "--api") {
      ok = value(ep.base);
    } else if (a == "--config") {
      ok = value(config);
    } else if (a == "--node") {
      ok = value(node);
    } else if (a == "--token-file") {
      ok = value(token_file);
    } else if (a == "-s") {
      ok = value(show);
    } else if (a.rfind("-s", 0) == 0 && a.size() > 2) {
      show = a.substr(2);
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "dpfctl: unknown option %s\n%s", a.c_str(), kUsage);
      return 2;
    }
    if (!ok) return fail(a + " needs a value");
  }
  if (!config.empty()) {
    auto loaded = dpf::config::load_cluster_file(config);
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.str().c_str());
    if (!loaded.cluster) return 1;
    std::string error;
    const auto* n = dpf::config::select_node(*loaded.cluster, node, error);
    if (n == nullptr) return fail(error);
    ep.base = "http://" + n->api.listen;
    if (token_file.empty()) token_file = n->api.token_path;
  }
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) return fail("cannot read token file " + token_file);
    std::getline(in, ep.token);
  }
  std::string error;
  nlohmann::json status, other;
  if (show == "info" || show == "i") {
    if (!get_json(ep, "/api/v1/status", status, error) ||
        !get_json(ep, "/api/v1/stats", other, error))
      return fail(error);
    std::fputs(dpf::cli::render_info(status, other).c_str(), stdout);
  } else if (show == "interfaces" || show == "I") {
    if (!get_json(ep, "/api/v1/status", status, error)) return fail(error);
    std::fputs(dpf::cli::render_interfaces(status).c_str(), stdout);
  } else if (show == "neighbors") {
    if (!get_json(ep, "/api/v1/neighbors", other, error)) return fail(error);
    std::fputs(dpf::cli::render_neighbors(other).c_str(), stdout);
  } else {
    std::fprintf(stderr, "dpfctl: nothing to do%s%s\n%s", show.empty() ? "" : ": unknown view ",
                 show.c_str(), kUsage);
    return 2;
  }
  return 0;
}
