#include "control/rest/server.h"

#include <httplib.h>

namespace dpf::rest {

Server::Server(Provider provider, std::string token)
    : provider_(std::move(provider)), token_(std::move(token)) {}

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
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_text(provider_()), "text/plain; version=0.0.4");
  });
  http_->set_error_handler([json_reply](const httplib::Request&, httplib::Response& res) {
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
