#include "control/rest/server.h"

#include <httplib.h>

#include <catch2/catch.hpp>

using dpf::rest::Hooks;
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

TEST_CASE("rest: a demotion body is an object whose demotion is an integer within -240..240") {
  using dpf::rest::parse_demotion;
  CHECK(parse_demotion(R"({"demotion": 240})")["demotion"] == 240);
  CHECK(parse_demotion(R"({"demotion": -240})")["demotion"] == -240);
  CHECK(parse_demotion(R"({"demotion": 0})")["demotion"] == 0);
  for (const char* bad : {"", "nope", "[1]", "{}", R"({"demotion": 241})", R"({"demotion": -241})",
                          R"({"demotion": 1.5})", R"({"demotion": "10"})", R"({"demotion": null})",
                          R"({"demotion": 18446744073709551615})"}) {
    INFO(bad);
    CHECK(parse_demotion(bad).contains("error"));
  }
}

namespace {

struct CarpServer {
  std::vector<nlohmann::json> demotes;  // bodies the demote hook was called with
  Server server;
  explicit CarpServer(bool with_hooks)
      : server([] { return dpf::rest::NodeStats{}; }, "s3cret", with_hooks ? hooks() : Hooks{}) {}
  Hooks hooks() {
    Hooks h;
    h.carp = [] { return nlohmann::json{{"preempt", true}, {"vhids", {{{"vhid", 1}}}}}; };
    h.carp_demote = [this](const nlohmann::json& body) {
      demotes.push_back(body);
      if (body["demotion"] == 99) return nlohmann::json{{"error", "refused by the node"}};
      return nlohmann::json{{"demotion", body["demotion"]}, {"vhids", nlohmann::json::array()}};
    };
    return h;
  }
};

httplib::Result post_demote(httplib::Client& cli, const std::string& body, const char* token) {
  httplib::Headers headers;
  if (token != nullptr) headers.emplace("Authorization", std::string("Bearer ") + token);
  return cli.Post("/api/v1/carp/demote", headers, body, "application/json");
}

}  // namespace

TEST_CASE("rest: GET /api/v1/carp answers the node's carp view, or 501 without the hook") {
  CarpServer with(true), without(false);
  std::string error;
  REQUIRE(with.server.start("127.0.0.1:0", error));
  REQUIRE(without.server.start("127.0.0.1:0", error));
  httplib::Client a("127.0.0.1", with.server.port()), b("127.0.0.1", without.server.port());
  auto view = a.Get("/api/v1/carp");
  REQUIRE(view);
  CHECK(view->status == 200);
  CHECK(nlohmann::json::parse(view->body)["vhids"][0]["vhid"] == 1);
  auto none = b.Get("/api/v1/carp");
  REQUIRE(none);
  CHECK(none->status == 501);
  auto demote = post_demote(b, R"({"demotion": 10})", "s3cret");
  REQUIRE(demote);
  CHECK(demote->status == 501);
}

TEST_CASE("rest: POST /api/v1/carp/demote without the token is refused with 401") {
  CarpServer s(true);
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", s.server.port());
  for (const char* token : {static_cast<const char*>(nullptr), "wrong"}) {
    auto res = post_demote(cli, R"({"demotion": 10})", token);
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(nlohmann::json::parse(res->body).contains("error"));
  }
  CHECK(s.demotes.empty());
}

TEST_CASE("rest: POST /api/v1/carp/demote with a bad body answers 400 and leaves the node alone") {
  CarpServer s(true);
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", s.server.port());
  for (const char* body : {"not json", R"({"demote": 10})", R"({"demotion": 500})"}) {
    INFO(body);
    auto res = post_demote(cli, body, "s3cret");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(nlohmann::json::parse(res->body)["error"].is_string());
  }
  CHECK(s.demotes.empty());
}

TEST_CASE("rest: POST /api/v1/carp/demote passes the demotion to the node and returns its view") {
  CarpServer s(true);
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", s.server.port());
  auto res = post_demote(cli, R"({"demotion": -20})", "s3cret");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(nlohmann::json::parse(res->body)["demotion"] == -20);
  REQUIRE(s.demotes.size() == 1);
  CHECK(s.demotes[0]["demotion"] == -20);
  // A node that refuses the change answers with an error object: the reply is 400.
  auto refused = post_demote(cli, R"({"demotion": 99})", "s3cret");
  REQUIRE(refused);
  CHECK(refused->status == 400);
  CHECK(nlohmann::json::parse(refused->body)["error"] == "refused by the node");
}
