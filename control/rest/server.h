// The REST endpoint (cpp-httplib, its own thread): status, stats, neighbors, pf states, rules,
// source nodes and tables, routes, pfsync, CARP, Prometheus /metrics, the OpenAPI document and
// the status page (GET /, control/rest/status_page.h), from one route table (Route). Anything
// that changes state requires `Authorization: Bearer TOKEN`. A wrong method is answered 405 with
// Allow, a bad query 400 naming the parameter; a request body beyond the limit (1 MiB unless
// set) is answered 413 from its headers, before it is read. Pure: no DPDK. start() spawns the
// listening thread; stop() joins it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "control/rest/params.h"
#include "control/rest/view.h"

namespace httplib {
class Server;
struct Request;
}  // namespace httplib

namespace dpf::rest {

// GET /api/v1/states: the most states one page holds (limit=); a larger limit is answered 400.
// The node's lister (dataplane/slowpath/pf_view.cpp) caps a page at the same number.
inline constexpr uint64_t kStatesPageMax = 100000;
// GET /api/v1/sources: the most source nodes one reply holds (limit=), likewise.
inline constexpr uint64_t kSourcesPageMax = 100000;

// Who asked for a change: the peer's address and port, and whether a bearer token authorized
// the request (the node logs every change with them).
struct Client {
  std::string address;
  int port = 0;
  bool token = false;
};

// What the node answers beyond the stats snapshot. Each hook runs the request against the node
// (on its control thread) and returns the JSON reply; an unset hook answers 501. Query
// parameters arrive as a flat map. A hook may throw std::runtime_error: the reply is 503.
struct Hooks {
  using Params = std::map<std::string, std::string>;
  std::function<nlohmann::json(const Params&)> states;  // GET /api/v1/states
  std::function<nlohmann::json(const Params&, const Client&)>
      kill_states;                        // DELETE /api/v1/states (token)
  std::function<nlohmann::json()> rules;  // GET /api/v1/rules
  std::function<nlohmann::json(const std::string&, const Client&)>
      load_rules;                           // POST /api/v1/rules (token)
  std::function<nlohmann::json()> pf_info;  // GET /api/v1/pf: counters, timeouts, limits
  std::function<nlohmann::json(const Params&)> sources;  // GET /api/v1/sources: source nodes
  std::function<nlohmann::json(const Params&, const Client&)>
      kill_sources;                                     // DELETE /api/v1/sources (token)
  std::function<nlohmann::json(const Params&)> tables;  // GET /api/v1/tables: pf's tables
  std::function<nlohmann::json()> routes;               // GET /api/v1/routes: the routing table
  std::function<nlohmann::json()> pfsync;  // GET /api/v1/pfsync: statistics, bulk update
  std::function<nlohmann::json()> carp;    // GET /api/v1/carp: preempt, demotion, vhids
  // POST /api/v1/carp/demote (token): the body, checked to be {"demotion": N} with N an integer
  // in -240..240 (else 400 without calling the hook); the reply is the hook's carp view.
  std::function<nlohmann::json(const nlohmann::json&, const Client&)> carp_demote;
};

// One route the server answers: its method, its path, whether it needs the bearer token and
// the query parameters it takes (any other parameter, a repeated one, a malformed or out-of-range
// value, or a parameter without the one it needs or with one it excludes, is answered 400).
// The server registers exactly its table of these; a path asked with a method it does not take
// is answered 405 with an Allow header.
struct Route {
  std::string method;  // "GET", "POST" or "DELETE"
  std::string path;
  bool token = false;
  std::vector<ParamSpec> params;
};

// The OpenAPI 3 document of the API, served at GET /api/v1/openapi.json (control/rest/openapi.cpp).
const char* openapi_json();

class Server {
 public:
  using Provider = std::function<NodeStats()>;
  static constexpr size_t kDefaultMaxBody = size_t{1} << 20;  // bytes: the node's `api.max_body`
  Server(Provider provider, std::string token, Hooks hooks = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The largest request body accepted, in bytes; set before start().
  void set_max_body(size_t bytes) { max_body_ = bytes; }
  // Binds "HOST:PORT" and serves from a background thread. False with error if it cannot bind.
  bool start(const std::string& listen, std::string& error);
  void stop();
  int port() const { return port_; }
  // The routes start() registered, in registration order.
  const std::vector<Route>& registered() const { return routes_; }

  // True when the request carries "Authorization: Bearer <token>" and a token is configured.
  // The token is compared in constant time (tokens_equal).
  static bool authorized(const std::string& header, const std::string& token);

 private:
  void routes();
  void limit_bodies();
  Client client(const httplib::Request& req) const;
  // The methods path is registered with ("GET, POST"), or "" for a path that is not a route.
  std::string allowed_methods(const std::string& path) const;
  Provider provider_;
  std::string token_;
  Hooks hooks_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
  std::vector<Route> routes_;
  size_t max_body_ = kDefaultMaxBody;
};

// Checks a POST /api/v1/carp/demote body: a JSON object whose "demotion" is an integer in
// -240..240. Returns the parsed body, or an object {"error": why} for anything else.
nlohmann::json parse_demotion(const std::string& body);

// Splits "HOST:PORT" ("[::1]:80" for IPv6). False on a malformed value.
bool split_listen(const std::string& listen, std::string& host, int& port);

}  // namespace dpf::rest
