#include "control/rest/server.h"

#include <httplib.h>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "control/log/log.h"
#include "control/rest/status_page.h"
#include "control/rest/token.h"

namespace dpf::rest {

Server::Server(Provider provider, std::string token, Hooks hooks)
    : provider_(std::move(provider)), token_(std::move(token)), hooks_(std::move(hooks)) {}

namespace {

// The request's URL query only, a name once per occurrence: cpp-httplib also adds to req.params
// those of a form-encoded body, which is what curl -d announces for a JSON body.
Query query_of(const httplib::Request& req) {
  httplib::Params parsed;
  if (const auto q = req.target.find('?'); q != std::string::npos)
    httplib::detail::parse_query_text(req.target.substr(q + 1), parsed);
  return Query(parsed.begin(), parsed.end());
}

// The query as a hook takes it, once check_params has refused repeated names.
Hooks::Params params_of(const httplib::Request& req) {
  const Query q = query_of(req);
  return Hooks::Params(q.begin(), q.end());
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

Client Server::client(const httplib::Request& req) const {
  return {req.remote_addr, req.remote_port,
          authorized(req.get_header_value("Authorization"), token_)};
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
  http_->set_pre_routing_handler([this, max](const httplib::Request& req, httplib::Response& res) {
    // A route asked with a method it does not take: 405 naming the methods it does take.
    if (const std::string allow = allowed_methods(req.path); !allow.empty()) {
      const std::string m = req.method == "HEAD" ? "GET" : req.method;
      if ((", " + allow + ", ").find(", " + m + ", ") == std::string::npos) {
        res.set_header("Allow", allow);
        reply(res, 405,
              {{"error", req.method + " is not allowed on " + req.path + "; it takes " + allow}});
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    std::string why;
    const int status = body_refusal(req, max, why);
    if (status == 0) return httplib::Server::HandlerResponse::Unhandled;
    reply(res, status, {{"error", why}});
    return httplib::Server::HandlerResponse::Handled;
  });
}

std::string Server::allowed_methods(const std::string& path) const {
  std::string allow;
  for (const Route& r : routes_) {
    if (r.path != path) continue;
    allow += (allow.empty() ? "" : ", ") + r.method;
    if (r.method == "GET") allow += ", HEAD";  // cpp-httplib answers HEAD from the GET handler
  }
  return allow;
}

void Server::routes() {
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  // A state-changing request needs the node's bearer token; none configured refuses them all.
  auto allowed = [this](const httplib::Request& req, httplib::Response& res) {
    if (authorized(req.get_header_value("Authorization"), token_)) return true;
    // A refused change is logged too: who tried, and whether a token came with it.
    log::warning("REST " + req.method + " " + req.path + " from " + req.remote_addr + " refused: " +
                     (token_.empty()                    ? "the node has no api token_file"
                      : req.has_header("Authorization") ? "wrong bearer token"
                                                        : "no bearer token"),
                 {{"source", "rest"},
                  {"client", req.remote_addr},
                  {"method", req.method},
                  {"path", req.path},
                  {"token", req.has_header("Authorization")}});
    reply(res, 401,
          {{"error", token_.empty() ? "this node has no api token_file: changes are refused"
                                    : "missing or wrong bearer token"}});
    return false;
  };
  // Registers one route: the token and the query are checked here, for every route alike.
  auto add = [this, allowed](Route route, Handler h) {
    Handler checked = [allowed, token = route.token, params = route.params, h = std::move(h)](
                          const httplib::Request& req, httplib::Response& res) {
      if (token && !allowed(req, res)) return;
      if (auto bad = check_params(params, query_of(req))) {
        reply(res, 400, *bad);
        return;
      }
      h(req, res);
    };
    if (route.method == "GET") http_->Get(route.path, std::move(checked));
    if (route.method == "POST") http_->Post(route.path, std::move(checked));
    if (route.method == "DELETE") http_->Delete(route.path, std::move(checked));
    routes_.push_back(std::move(route));
  };
  auto json_reply = [](httplib::Response& res, const nlohmann::json& j) {
    res.set_content(j.dump(2) + "\n", "application/json");
  };
  add({"GET", "/api/v1/status", false, {}},
      [this, json_reply](const httplib::Request&, httplib::Response& res) {
        json_reply(res, status_json(provider_()));
      });
  add({"GET", "/api/v1/stats", false, {}},
      [this, json_reply](const httplib::Request&, httplib::Response& res) {
        json_reply(res, stats_json(provider_()));
      });
  add({"GET", "/api/v1/neighbors", false, {}},
      [this, json_reply](const httplib::Request&, httplib::Response& res) {
        json_reply(res, neighbors_json(provider_()));
      });
  using P = ParamKind;
  add({"GET",
       "/api/v1/states",
       false,
       {{"host", P::kIpv4, "states with this address at either end"},
        {"id", P::kId, "the state with this id"},
        {"creatorid", P::kHex32, "states created by the node with this creator id"},
        {"proto", P::kProto, "states of this protocol"},
        {"if", P::kIfName, "states on this interface (all: floating states)"},
        {"offset", P::kCount, "matching states to skip (default 0)"},
        ParamSpec{"limit", P::kCount, "states to return at most (default 1000)"}.up_to(
            kStatesPageMax)}},
      [this](const httplib::Request& req, httplib::Response& res) {
        run_hook(res, bool(hooks_.states), [&] { return hooks_.states(params_of(req)); });
      });
  // The node kills by one selector (all, id or host); the others refine it.
  add({"DELETE",
       "/api/v1/states",
       true,
       {ParamSpec{"all", P::kFlag, "flush every state (pfctl -F states)"}.excluding(
            {"host", "host2", "id", "creatorid", "proto", "if"}),
        {"host", P::kIpv4Net, "kill states from this address or network (pfctl -k)"},
        ParamSpec{"host2", P::kIpv4Net,
                  "with host: only states from host to this address or network"}
            .needing("host"),
        ParamSpec{"id", P::kId, "kill the state with this id"}.excluding({"host", "host2"}),
        ParamSpec{"creatorid", P::kHex32, "with id: the state's creator id"}.needing("id"),
        ParamSpec{"proto", P::kProto, "with id: only if the state is of this protocol"}.needing(
            "id"),
        ParamSpec{"if", P::kIfName, "with id: only if the state is on this interface"}.needing(
            "id")}},
      [this](const httplib::Request& req, httplib::Response& res) {
        run_hook(res, bool(hooks_.kill_states),
                 [&] { return hooks_.kill_states(params_of(req), client(req)); });
      });
  add({"GET", "/api/v1/rules", false, {}}, [this](const httplib::Request&, httplib::Response& res) {
    run_hook(res, bool(hooks_.rules), [&] { return hooks_.rules(); });
  });
  add({"POST", "/api/v1/rules", true, {}},
      [this](const httplib::Request& req, httplib::Response& res) {
        run_hook(res, bool(hooks_.load_rules),
                 [&] { return hooks_.load_rules(req.body, client(req)); });
      });
  add({"GET", "/api/v1/pf", false, {}}, [this](const httplib::Request&, httplib::Response& res) {
    run_hook(res, bool(hooks_.pf_info), [&] { return hooks_.pf_info(); });
  });
  add({"GET",
       "/api/v1/sources",
       false,
       {ParamSpec{"limit", P::kCount, "source nodes to return at most (default 1000)"}.up_to(
           kSourcesPageMax)}},
      [this](const httplib::Request& req, httplib::Response& res) {
        run_hook(res, bool(hooks_.sources), [&] { return hooks_.sources(params_of(req)); });
      });
  add({"DELETE",
       "/api/v1/sources",
       true,
       {{"host", P::kIpv4Net, "kill the source nodes of this address or network (pfctl -K)"},
        ParamSpec{"host2", P::kIpv4Net,
                  "with host: only the nodes whose raddr is this address or in this network"}
            .needing("host")}},
      [this](const httplib::Request& req, httplib::Response& res) {
        run_hook(res, bool(hooks_.kill_sources),
                 [&] { return hooks_.kill_sources(params_of(req), client(req)); });
      });
  add({"GET", "/api/v1/tables", false, {{"entries", P::kFlag, "list each table's entries too"}}},
      [this](const httplib::Request& req, httplib::Response& res) {
        run_hook(res, bool(hooks_.tables), [&] { return hooks_.tables(params_of(req)); });
      });
  add({"GET", "/api/v1/routes", false, {}},
      [this](const httplib::Request&, httplib::Response& res) {
        run_hook(res, bool(hooks_.routes), [&] { return hooks_.routes(); });
      });
  add({"GET", "/api/v1/pfsync", false, {}},
      [this](const httplib::Request&, httplib::Response& res) {
        run_hook(res, bool(hooks_.pfsync), [&] { return hooks_.pfsync(); });
      });
  add({"GET", "/api/v1/carp", false, {}}, [this](const httplib::Request&, httplib::Response& res) {
    run_hook(res, bool(hooks_.carp), [&] { return hooks_.carp(); });
  });
  add({"POST", "/api/v1/carp/demote", true, {}},
      [this](const httplib::Request& req, httplib::Response& res) {
        run_hook(res, bool(hooks_.carp_demote), [&] {
          const nlohmann::json body = parse_demotion(req.body);
          return body.contains("error") ? body : hooks_.carp_demote(body, client(req));
        });
      });
  add({"GET", "/api/v1/openapi.json", false, {}},
      [](const httplib::Request&, httplib::Response& res) {
        res.set_content(openapi_json(), "application/json");
      });
  // The status page: read-only, it fetches the GET routes above from this same origin.
  add({"GET", "/", false, {}}, [](const httplib::Request&, httplib::Response& res) {
    const StatusPage& page = status_page();
    res.set_header("Content-Security-Policy", page.csp);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cache-Control", "no-cache");
    res.set_content(page.html, "text/html; charset=utf-8");
  });
  add({"GET", "/metrics", false, {}}, [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_text(provider_()), "text/plain; version=0.0.4");
  });
  http_->set_error_handler([json_reply](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler already explained the error
    const char* what = res.status == 404 ? "no such endpoint" : "request failed";
    json_reply(res, nlohmann::json{{"error", what}, {"status", res.status}});
  });
}

namespace {

// Why binding host:port fails, found by trying it as the server does (cpp-httplib does not keep
// the errno): "Address already in use", "cannot resolve HOST", ...
std::string bind_problem(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  const std::string h =
      host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  if (int rc = ::getaddrinfo(h.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0)
    return "cannot resolve " + host + ": " + ::gai_strerror(rc);
  std::string why = "unknown error";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    const bool bound = ::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    why = bound ? "unknown error" : std::strerror(errno);
    ::close(fd);
    if (!bound) break;
  }
  ::freeaddrinfo(res);
  return why;
}

}  // namespace

bool Server::start(const std::string& listen, std::string& error) {
  std::string host;
  int port = 0;
  if (!split_listen(listen, host, port)) {
    error = "api listen address \"" + listen + "\" is not HOST:PORT";
    return false;
  }
  http_ = std::make_unique<httplib::Server>();
  routes_.clear();
  limit_bodies();
  routes();
  // cpp-httplib sets SO_REUSEPORT by default, which lets a second node bind a port the first
  // listens on and share its connections; SO_REUSEADDR alone still allows a quick restart.
  http_->set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  if (port == 0) {
    port_ = http_->bind_to_any_port(host);
  } else {
    port_ = http_->bind_to_port(host, port) ? port : -1;
  }
  if (port_ < 0) {
    error = "cannot listen on " + listen + " (api.listen): " + bind_problem(host, port);
    http_.reset();
    return false;
  }
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  // cpp-httplib's stop() only stops a server that already runs its accept loop: wait for it, so
  // that a stop() right after start() cannot miss it and leave join() waiting forever.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!http_->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return true;
}

void Server::stop() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
  http_.reset();
}

}  // namespace dpf::rest
