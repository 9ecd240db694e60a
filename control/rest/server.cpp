#include "control/rest/server.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "control/rest/token.h"

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

// Why a request's body is refused from its headers alone (status and error), or status 0. A
// body must announce its length and stay within max: a chunked body, whose length is known only
// once read, is refused with 411.
int body_refusal(const httplib::Request& req, size_t max, std::string& why) {
  if (req.has_header("Transfer-Encoding")) {
    why = "a request body needs a Content-Length (Transfer-Encoding is not accepted)";
    return 411;
  }
  if (!req.has_header("Content-Length")) return 0;
  const std::string v = req.get_header_value("Content-Length");
  uint64_t len = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), len);
  if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) {
    why = "Content-Length \"" + v.substr(0, 32) + "\" is not a byte count";
    return 400;
  }
  if (len <= max) return 0;
  why = "the request body is " + std::to_string(len) + " bytes; this node accepts at most " +
        std::to_string(max) + " (api.max_body)";
  return 413;
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
  static constexpr std::string_view kBearer = "Bearer ";
  const std::string_view h = header;
  return !token.empty() && h.substr(0, kBearer.size()) == kBearer &&
         tokens_equal(h.substr(std::min(kBearer.size(), h.size())), token);
}

// Refuses an oversized or unannounced body from the request's headers, before cpp-httplib reads
// it: both when the client waits for "100 Continue" and when it sends the body at once (the
// pre-routing handler runs before the body is read; the connection then closes, as the unread
// body cannot be told from a next request). cpp-httplib's own limit stays as a backstop.
void Server::limit_bodies() {
  const size_t max = max_body_;
  http_->set_payload_max_length(max);
  // One request per connection: a refused body stays unread, and must not be taken for the next
  // request. The API's clients (dpfctl, curl) open a connection per call anyway.
  http_->set_keep_alive_max_count(1);
  http_->set_expect_100_continue_handler(
      [max](const httplib::Request& req, httplib::Response& res) {
        std::string why;
        const int status = body_refusal(req, max, why);
        if (status == 0) return 100;
        reply(res, status, {{"error", why}});
        return status;
      });
  http_->set_pre_routing_handler([max](const httplib::Request& req, httplib::Response& res) {
    std::string why;
    const int status = body_refusal(req, max, why);
    if (status == 0) return httplib::Server::HandlerResponse::Unhandled;
    reply(res, status, {{"error", why}});
    return httplib::Server::HandlerResponse::Handled;
  });
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
  limit_bodies();
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
