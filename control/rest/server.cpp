#include "control/rest/server.h"

#include <httplib.h>

#include <cstdint>

namespace dpf::rest {

Server::Server(Provider provider, std::string token, Hooks hooks)
    : provider_(std::move(provider)), token_(std::move(token)), hooks_(std::move(hooks)) {}

namespace {

Hooks::Params params_of(const httplib::Request& req) {
  Hooks::Params p;
  for (const auto& [k, v] : req.params) p[k] = v;
  return p;
}

void reply(httplib::Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.set_content(j.dump(2) + "\n", "application/json");
}

// Runs a hook, turning a missing hook into 501 and a node that cannot answer into 503.
template <class F>
void run_hook(httplib::Response& res, bool present, F&& f) {
  if (!present) {
    reply(res, 501, {{"error", "not available on this node"}});
    return;
  }
  try {
    nlohmann::json j = f();
    const int status = j.contains("error") ? 400 : 200;
    reply(res, status, j);
  } catch (const std::exception& e) {
    reply(res, 503, {{"error", e.what()}});
  }
}

}  // namespace

Server::~Server() {
  stop();
}

bool split_listen(const std::string& listen, std::string& host, int& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) return false;
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int p = 0;
  for (size_t i = colon + 1; i < listen.size(); ++i) {
    if (listen[i] < '0' || listen[i] > '9') return false;
    p = p * 10 + (listen[i] - '0');
    if (p > 65535) return false;
  }
  port = p;
  return true;
}

nlohmann::json parse_demotion(const std::string& body) {
  // The range is CARP_MAXSKEW either way: a demotion beyond it cannot change an advertisement.
  constexpr int64_t kMax = 240;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {{"error", "the body must be a JSON object"}};
  const auto it = j.find("demotion");
  if (it == j.end() || !it->is_number_integer())
    return {{"error", "\"demotion\" must be an integer"}};
  const bool in_range = it->is_number_unsigned()
                            ? it->get<uint64_t>() <= uint64_t{kMax}
                            : it->get<int64_t>() >= -kMax && it->get<int64_t>() <= kMax;
  if (!in_range) return {{"error", "\"demotion\" must be within -240..240"}};
  return j;
}

bool Server::authorized(const std::string& header, const std::string& token) {
  static const std::string kBearer = "Bearer ";
  return !token.empty() && header.size() == kBearer.size() + token.size() &&
         header.compare(0, kBearer.size(), kBearer) == 0 &&
         header.compare(kBearer.size(), std::string::npos, token) == 0;
}

void Server::routes() {
  auto json_reply = [](httplib::Response& res, const nlohmann::json& j) {
    res.set_content(j.dump(2) + "\n", "application/json");
  };
  http_->Get("/api/v1/status", [this, json_reply](const httplib::Request&, httplib::Response& res) {
    json_reply(res, status_json(provider_()));
  });
  http_->Get("/api/v1/stats", [this, json_reply](const httplib::Request&, httplib::Response& res) {
    json_reply(res, stats_json(provider_()));
  });
  http_->Get("/api/v1/neighbors",
             [this, json_reply](const httplib::Request&, httplib::Response& res) {
               json_reply(res, neighbors_json(provider_()));
             });
  // A state-changing request needs the node's bearer token; none configured refuses them all.
  auto allowed = [this](const httplib::Request& req, httplib::Response& res) {
    if (authorized(req.get_header_value("Authorization"), token_)) return true;
    reply(res, 401,
          {{"error", token_.empty() ? "this node has no api token_file: changes are refused"
                                    : "missing or wrong bearer token"}});
    return false;
  };
  http_->Get("/api/v1/states", [this](const httplib::Request& req, httplib::Response& res) {
    run_hook(res, bool(hooks_.states), [&] { return hooks_.states(params_of(req)); });
  });
  http_->Delete(
      "/api/v1/states", [this, allowed](const httplib::Request& req, httplib::Response& res) {
        if (!allowed(req, res)) return;
        run_hook(res, bool(hooks_.kill_states), [&] { return hooks_.kill_states(params_of(req)); });
      });
  http_->Get("/api/v1/rules", [this](const httplib::Request&, httplib::Response& res) {
    run_hook(res, bool(hooks_.rules), [&] { return hooks_.rules(); });
  });
  http_->Post("/api/v1/rules",
              [this, allowed](const httplib::Request& req, httplib::Response& res) {
                if (!allowed(req, res)) return;
                run_hook(res, bool(hooks_.load_rules), [&] { return hooks_.load_rules(req.body); });
              });
  http_->Get("/api/v1/pf", [this](const httplib::Request&, httplib::Response& res) {
    run_hook(res, bool(hooks_.pf_info), [&] { return hooks_.pf_info(); });
  });
  http_->Get("/api/v1/pfsync", [this](const httplib::Request&, httplib::Response& res) {
    run_hook(res, bool(hooks_.pfsync), [&] { return hooks_.pfsync(); });
  });
  http_->Get("/api/v1/carp", [this](const httplib::Request&, httplib::Response& res) {
    run_hook(res, bool(hooks_.carp), [&] { return hooks_.carp(); });
  });
  http_->Post("/api/v1/carp/demote",
              [this, allowed](const httplib::Request& req, httplib::Response& res) {
                if (!allowed(req, res)) return;
                run_hook(res, bool(hooks_.carp_demote), [&] {
                  const nlohmann::json body = parse_demotion(req.body);
                  return body.contains("error") ? body : hooks_.carp_demote(body);
                });
              });
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_text(provider_()), "text/plain; version=0.0.4");
  });
  http_->set_error_handler([json_reply](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler already explained the error
    const char* what = res.status == 404 ? "no such endpoint" : "request failed";
    json_reply(res, nlohmann::json{{"error", what}, {"status", res.status}});
  });
}

bool Server::start(const std::string& listen, std::string& error) {
  std::string host;
  int port = 0;
  if (!split_listen(listen, host, port)) {
    error = "api listen address \"" + listen + "\" is not HOST:PORT";
    return false;
  }
  http_ = std::make_unique<httplib::Server>();
  routes();
  if (port == 0) {
    port_ = http_->bind_to_any_port(host);
  } else {
    port_ = http_->bind_to_port(host, port) ? port : -1;
  }
  if (port_ < 0) {
    error = "cannot listen on " + listen;
    http_.reset();
    return false;
  }
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  return true;
}

void Server::stop() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
  http_.reset();
}

}  // namespace dpf::rest
