#include "control/rest/server.h"

#include <httplib.h>

#include <catch2/catch.hpp>

using dpf::rest::Server;

TEST_CASE("rest: listen addresses split into host and port, malformed ones are refused") {
  std::string host;
  int port = 0;
  REQUIRE(dpf::rest::split_listen("127.0.0.1:9080", host, port));
  CHECK(host == "127.0.0.1");
  CHECK(port == 9080);
  REQUIRE(dpf::rest::split_listen("[::1]:80", host, port));
  CHECK(host == "::1");
  CHECK_FALSE(dpf::rest::split_listen("127.0.0.1", host, port));
  CHECK_FALSE(dpf::rest::split_listen("127.0.0.1:", host, port));
  CHECK_FALSE(dpf::rest::split_listen("127.0.0.1:99999", host, port));
  CHECK_FALSE(dpf::rest::split_listen("127.0.0.1:80x", host, port));
}

TEST_CASE("rest: a bearer token authorizes only when it matches exactly") {
  CHECK(Server::authorized("Bearer s3cret", "s3cret"));
  CHECK_FALSE(Server::authorized("Bearer s3cre", "s3cret"));
  CHECK_FALSE(Server::authorized("Bearer s3cretX", "s3cret"));
  CHECK_FALSE(Server::authorized("Basic s3cret", "s3cret"));
  CHECK_FALSE(Server::authorized("Bearer ", ""));  // no token configured: nothing is authorized
}

TEST_CASE("rest: the server answers status, stats and metrics on loopback from the snapshot") {
  int calls = 0;
  Server server(
      [&calls] {
        ++calls;
        dpf::rest::NodeStats s;
        s.node = "fw-test";
        s.drops = {{"ip-ihl", 3}};
        return s;
      },
      "");
  std::string error;
  REQUIRE(server.start("127.0.0.1:0", error));
  REQUIRE(server.port() > 0);
  httplib::Client cli("127.0.0.1", server.port());
  auto status = cli.Get("/api/v1/status");
  REQUIRE(status);
  CHECK(status->status == 200);
  CHECK(nlohmann::json::parse(status->body)["node"] == "fw-test");
  auto stats = cli.Get("/api/v1/stats");
  REQUIRE(stats);
  CHECK(nlohmann::json::parse(stats->body)["drops"]["ip-ihl"] == 3);
  auto metrics = cli.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->get_header_value("Content-Type").rfind("text/plain", 0) == 0);
  auto missing = cli.Get("/api/v1/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(nlohmann::json::parse(missing->body)["status"] == 404);
  CHECK(calls == 3);
  server.stop();
}

TEST_CASE("rest: a listen address that is not HOST:PORT fails start with a message") {
  Server server([] { return dpf::rest::NodeStats{}; }, "");
  std::string error;
  CHECK_FALSE(server.start("localhost", error));
  CHECK(error.find("localhost") != std::string::npos);
}
