// The REST endpoint (cpp-httplib, its own thread): GET /api/v1/status, /api/v1/stats,
// /api/v1/neighbors and Prometheus /metrics, rendered from the snapshot the control thread
// publishes. Anything that changes state will require `Authorization: Bearer TOKEN`.
// Pure: no DPDK. start() spawns the listening thread; stop() joins it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "control/rest/view.h"

namespace httplib {
class Server;
}

namespace dpf::rest {

class Server {
 public:
  using Provider = std::function<NodeStats()>;
  Server(Provider provider, std::string token);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds "HOST:PORT" and serves from a background thread. False with error if it cannot bind.
  bool start(const std::string& listen, std::string& error);
  void stop();
  int port() const { return port_; }

  // True when the request carries "Authorization: Bearer <token>" and a token is configured.
  static bool authorized(const std::string& header, const std::string& token);

 private:
  void routes();
  Provider provider_;
  std::string token_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

// Splits "HOST:PORT" ("[::1]:80" for IPv6). False on a malformed value.
bool split_listen(const std::string& listen, std::string& host, int& port);

}  // namespace dpf::rest
