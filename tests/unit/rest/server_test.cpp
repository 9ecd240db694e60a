#include "control/rest/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "control/log/log.h"
#include "control/rest/status_page.h"

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
  std::vector<nlohmann::json> demotes;     // bodies the demote hook was called with
  std::vector<dpf::rest::Client> clients;  // who asked, for each
  Server server;
  explicit CarpServer(bool with_hooks)
      : server([] { return dpf::rest::NodeStats{}; }, "s3cret", with_hooks ? hooks() : Hooks{}) {}
  Hooks hooks() {
    Hooks h;
    h.carp = [] { return nlohmann::json{{"preempt", true}, {"vhids", {{{"vhid", 1}}}}}; };
    h.carp_demote = [this](const nlohmann::json& body, const dpf::rest::Client& c) {
      demotes.push_back(body);
      clients.push_back(c);
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

TEST_CASE("rest: a refused change is logged with the client and whether a token came") {
  std::vector<std::string> lines;
  dpf::log::logger().redirect([&](std::string_view l) { lines.emplace_back(l); },
                              [] { return dpf::log::Clock::time_point{}; });
  CarpServer s(true);
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", s.server.port());
  REQUIRE(post_demote(cli, R"({"demotion": 10})", nullptr));
  REQUIRE(post_demote(cli, R"({"demotion": 10})", "wrong"));
  s.server.stop();
  dpf::log::logger().redirect([](std::string_view) {}, [] { return dpf::log::Clock::now(); });
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] ==
        "1970-01-01T00:00:00.000Z dpf warning: REST POST /api/v1/carp/demote from 127.0.0.1 "
        "refused: no bearer token\n");
  CHECK(lines[1] ==
        "1970-01-01T00:00:00.000Z dpf warning: REST POST /api/v1/carp/demote from 127.0.0.1 "
        "refused: wrong bearer token\n");
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
  // The node logs the change with who asked: the client's address and port, and the token.
  REQUIRE(s.clients.size() == 1);
  CHECK(s.clients[0].address == "127.0.0.1");
  CHECK(s.clients[0].port > 0);
  CHECK(s.clients[0].token);
  // A node that refuses the change answers with an error object: the reply is 400.
  auto refused = post_demote(cli, R"({"demotion": 99})", "s3cret");
  REQUIRE(refused);
  CHECK(refused->status == 400);
  CHECK(nlohmann::json::parse(refused->body)["error"] == "refused by the node");
}

namespace {

// A server whose POST /api/v1/rules hook records the bodies it was given.
struct RulesServer {
  std::vector<size_t> loaded;
  Server server;
  explicit RulesServer(size_t max_body = Server::kDefaultMaxBody)
      : server([] { return dpf::rest::NodeStats{}; }, "s3cret", hooks()) {
    server.set_max_body(max_body);
  }
  Hooks hooks() {
    Hooks h;
    h.load_rules = [this](const std::string& body, const dpf::rest::Client&) {
      loaded.push_back(body.size());
      return nlohmann::json{{"loaded", true}};
    };
    return h;
  }
};

// Sends raw bytes on a new connection and returns what the server answers until it closes the
// connection or 10 s pass (the reply then ends with "<timeout>").
std::string raw_exchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0) out += "<timeout>";
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

std::string rules_headers(const std::string& extra) {
  return "POST /api/v1/rules HTTP/1.1\r\nHost: fw\r\nAuthorization: Bearer s3cret\r\n"
         "Content-Type: application/json\r\n" +
         extra + "\r\n";
}

nlohmann::json body_of(const std::string& reply) {
  const auto at = reply.find("\r\n\r\n");
  return at == std::string::npos ? nlohmann::json()
                                 : nlohmann::json::parse(reply.substr(at + 4), nullptr, false);
}

}  // namespace

TEST_CASE("rest: a body over the limit is answered 413 from its headers, before it is sent") {
  RulesServer s;
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  // Only the headers go out: a server that waited for the 2 MiB body would time out.
  const auto start = std::chrono::steady_clock::now();
  const std::string reply =
      raw_exchange(s.server.port(), rules_headers("Content-Length: 2097152\r\n"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(reply.rfind("HTTP/1.1 413 ", 0) == 0);
  CHECK(body_of(reply)["error"] ==
        "the request body is 2097152 bytes; this node accepts at most 1048576 (api.max_body)");
  CHECK(s.loaded.empty());
}

TEST_CASE("rest: the unread body of a refused request is never taken for another request") {
  RulesServer s(1024);
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  // What follows the headers is the refused body, though it reads like a request.
  const std::string reply =
      raw_exchange(s.server.port(), rules_headers("Content-Length: 4096\r\n") +
                                        "GET /api/v1/status HTTP/1.1\r\nHost: fw\r\n\r\n");
  CHECK(reply.rfind("HTTP/1.1 413 ", 0) == 0);
  CHECK(reply.find("HTTP/1.1", 1) == std::string::npos);
  CHECK(reply.find("<timeout>") == std::string::npos);
}

TEST_CASE("rest: a client that waits for 100 Continue gets the 413 instead") {
  RulesServer s(1024);
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  const std::string reply = raw_exchange(
      s.server.port(), rules_headers("Content-Length: 1025\r\nExpect: 100-continue\r\n"));
  CHECK(reply.rfind("HTTP/1.1 413 ", 0) == 0);
  CHECK(body_of(reply)["error"] ==
        "the request body is 1025 bytes; this node accepts at most 1024 (api.max_body)");
  CHECK(s.loaded.empty());
}

TEST_CASE("rest: a chunked body, whose size is unknown until read, is refused with 411") {
  RulesServer s;
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  const std::string reply = raw_exchange(
      s.server.port(), rules_headers("Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n");
  CHECK(reply.rfind("HTTP/1.1 411 ", 0) == 0);
  CHECK(body_of(reply)["error"] ==
        "a request body needs a Content-Length (Transfer-Encoding is not accepted)");
  CHECK(s.loaded.empty());
}

TEST_CASE("rest: a body up to the limit reaches the node whole") {
  RulesServer s(4096);
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", s.server.port());
  httplib::Headers headers{{"Authorization", "Bearer s3cret"}};
  auto res = cli.Post("/api/v1/rules", headers, std::string(4096, 'x'), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(s.loaded == std::vector<size_t>{4096});
  // A GET or DELETE without a body is not affected.
  auto get = cli.Get("/api/v1/status");
  REQUIRE(get);
  CHECK(get->status == 200);
}

namespace {

// A server whose states hooks record the queries they were given.
struct StatesServer {
  std::vector<Hooks::Params> listed, killed;
  Server server;
  StatesServer() : server([] { return dpf::rest::NodeStats{}; }, "s3cret", hooks()) {}
  Hooks hooks() {
    Hooks h;
    h.states = [this](const Hooks::Params& q) {
      listed.push_back(q);
      return nlohmann::json{{"total", 0}, {"states", nlohmann::json::array()}};
    };
    h.kill_states = [this](const Hooks::Params& q, const dpf::rest::Client&) {
      killed.push_back(q);
      return nlohmann::json{{"killed", 0}};
    };
    h.rules = [] { return nlohmann::json{{"rules", nlohmann::json::array()}}; };
    return h;
  }
};

}  // namespace

TEST_CASE("rest: a route asked with a method it does not take answers 405 with Allow") {
  StatesServer s;
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", s.server.port());
  httplib::Headers auth{{"Authorization", "Bearer s3cret"}};

  auto put = cli.Put("/api/v1/states", auth, "", "application/json");
  REQUIRE(put);
  CHECK(put->status == 405);
  CHECK(put->get_header_value("Allow") == "GET, HEAD, DELETE");
  CHECK(nlohmann::json::parse(put->body)["error"] ==
        "PUT is not allowed on /api/v1/states; it takes GET, HEAD, DELETE");

  auto post = cli.Post("/api/v1/status", auth, "", "application/json");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(post->get_header_value("Allow") == "GET, HEAD");
  CHECK(nlohmann::json::parse(post->body)["error"] ==
        "POST is not allowed on /api/v1/status; it takes GET, HEAD");

  auto get = cli.Get("/api/v1/carp/demote");
  REQUIRE(get);
  CHECK(get->status == 405);
  CHECK(get->get_header_value("Allow") == "POST");

  auto del = cli.Delete("/api/v1/rules", auth);
  REQUIRE(del);
  CHECK(del->status == 405);
  CHECK(del->get_header_value("Allow") == "GET, HEAD, POST");
  CHECK(nlohmann::json::parse(del->body)["error"] ==
        "DELETE is not allowed on /api/v1/rules; it takes GET, HEAD, POST");
  CHECK(s.killed.empty());

  // HEAD is answered from GET; a path that is no route stays 404.
  auto head = cli.Head("/api/v1/states");
  REQUIRE(head);
  CHECK(head->status == 200);
  auto nope = cli.Put("/api/v1/nope", "", "application/json");
  REQUIRE(nope);
  CHECK(nope->status == 404);
  CHECK(nlohmann::json::parse(nope->body)["error"] == "no such endpoint");
}

TEST_CASE("rest: bad query values on GET /api/v1/states answer 400 naming the parameter") {
  StatesServer s;
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", s.server.port());
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"limit=abc", "limit", "limit takes a decimal integer 0..100000, not \"abc\""},
      {"limit=-1", "limit", "limit takes a decimal integer 0..100000, not \"-1\""},
      {"limit=100001", "limit", "limit takes a decimal integer 0..100000, not \"100001\""},
      {"limit=", "limit", "limit takes a decimal integer 0..100000, not \"\""},
      {"limit=10&limit=20", "limit", "limit is given 2 times; it takes one value"},
      {"offset=-1", "offset", "offset takes a non-negative decimal integer, not \"-1\""},
      {"id=xyz", "id", "id takes a state id of 1 to 16 hexadecimal digits, not \"xyz\""},
      {"if=eth%200", "if", "if takes an interface name of 1 to 15 characters, not \"eth 0\""},
      {"proto=bogus", "proto",
       "proto takes a protocol name (tcp, udp, icmp, carp, pfsync, ...) or number 0..255, not "
       "\"bogus\""},
      {"host=10.0.0.256", "host", "host takes an IPv4 address (a.b.c.d), not \"10.0.0.256\""},
      {"creatorid=xyz", "creatorid",
       "creatorid takes a creator id of 1 to 8 hexadecimal digits, not \"xyz\""},
      {"limit=10&lmit=5", "lmit",
       "unknown parameter \"lmit\": this route takes host, id, creatorid, proto, if, offset, "
       "limit"}};
  for (const auto& [query, param, why] : cases) {
    INFO(query);
    auto res = cli.Get(("/api/v1/states?" + query).c_str());
    REQUIRE(res);
    CHECK(res->status == 400);
    const auto body = nlohmann::json::parse(res->body);
    CHECK(body["parameter"] == param);
    CHECK(body["error"] == why);
  }
  CHECK(s.listed.empty());
  auto good = cli.Get("/api/v1/states?limit=10&offset=0&proto=tcp&id=1f&if=eth0");
  REQUIRE(good);
  CHECK(good->status == 200);
  REQUIRE(s.listed.size() == 1);
  CHECK(s.listed[0].at("limit") == "10");
  // The largest page, and a creator id alone (every state that node created).
  auto most = cli.Get("/api/v1/states?limit=100000&creatorid=0a000001");
  REQUIRE(most);
  CHECK(most->status == 200);
  REQUIRE(s.listed.size() == 2);
  CHECK(s.listed[1].at("limit") == "100000");
}

TEST_CASE("rest: bad query values on the other routes answer 400 before the node is asked") {
  StatesServer s;
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", s.server.port());
  httplib::Headers auth{{"Authorization", "Bearer s3cret"}};
  auto all = cli.Delete("/api/v1/states?all=yes", auth);
  REQUIRE(all);
  CHECK(all->status == 400);
  CHECK(nlohmann::json::parse(all->body)["error"] == "all takes the value 1, not \"yes\"");
  auto host2 = cli.Delete("/api/v1/states?host=10.0.0.1&host2=nope", auth);
  REQUIRE(host2);
  CHECK(host2->status == 400);
  CHECK(nlohmann::json::parse(host2->body)["error"] ==
        "host2 takes an IPv4 address or network (a.b.c.d or a.b.c.d/len), not \"nope\"");
  CHECK(s.killed.empty());
  // Without the token, the query is not even looked at.
  auto noauth = cli.Delete("/api/v1/states?all=yes");
  REQUIRE(noauth);
  CHECK(noauth->status == 401);
  auto ok = cli.Delete("/api/v1/states?all=1", auth);
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(s.killed.size() == 1);
  // Routes that take no parameters refuse any.
  auto rules = cli.Get("/api/v1/rules?verbose=1");
  REQUIRE(rules);
  CHECK(rules->status == 400);
  CHECK(nlohmann::json::parse(rules->body)["error"] ==
        "unknown parameter \"verbose\": this route takes no parameters");
  auto metrics = cli.Get("/metrics?x=1");
  REQUIRE(metrics);
  CHECK(metrics->status == 400);
}

TEST_CASE("rest: GET /api/v1/sources checks limit as /api/v1/states does, then asks the node") {
  std::vector<Hooks::Params> asked;
  Hooks h;
  h.sources = [&asked](const Hooks::Params& q) {
    asked.push_back(q);
    return nlohmann::json{{"total", 0}, {"sources", nlohmann::json::array()}};
  };
  Server server([] { return dpf::rest::NodeStats{}; }, "", h);
  std::string error;
  REQUIRE(server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", server.port());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"limit=abc", "limit takes a decimal integer 0..100000, not \"abc\""},
      {"limit=-1", "limit takes a decimal integer 0..100000, not \"-1\""},
      {"limit=100001", "limit takes a decimal integer 0..100000, not \"100001\""},
      {"limit=1&limit=2", "limit is given 2 times; it takes one value"},
      {"offset=1", "unknown parameter \"offset\": this route takes limit"}};
  for (const auto& [query, why] : cases) {
    INFO(query);
    auto res = cli.Get(("/api/v1/sources?" + query).c_str());
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(nlohmann::json::parse(res->body)["error"] == why);
  }
  CHECK(asked.empty());
  auto good = cli.Get("/api/v1/sources?limit=100000");
  REQUIRE(good);
  CHECK(good->status == 200);
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].at("limit") == "100000");
  server.stop();
}

TEST_CASE("rest: DELETE /api/v1/sources needs the token, and host2 only with host") {
  std::vector<Hooks::Params> asked;
  Hooks h;
  h.kill_sources = [&asked](const Hooks::Params& q, const dpf::rest::Client&) {
    asked.push_back(q);
    return nlohmann::json{{"killed", 1}};
  };
  Server server([] { return dpf::rest::NodeStats{}; }, "s3cret", h);
  std::string error;
  REQUIRE(server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", server.port());
  httplib::Headers auth{{"Authorization", "Bearer s3cret"}};
  auto noauth = cli.Delete("/api/v1/sources?host=10.0.0.3");
  REQUIRE(noauth);
  CHECK(noauth->status == 401);
  auto alone = cli.Delete("/api/v1/sources?host2=0.0.0.0", auth);
  REQUIRE(alone);
  CHECK(alone->status == 400);
  CHECK(nlohmann::json::parse(alone->body)["parameter"] == "host2");
  auto bad = cli.Delete("/api/v1/sources?host=10.0.0.300", auth);
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(nlohmann::json::parse(bad->body)["error"] ==
        "host takes an IPv4 address or network (a.b.c.d or a.b.c.d/len), not \"10.0.0.300\"");
  CHECK(asked.empty());
  auto ok = cli.Delete("/api/v1/sources?host=10.0.0.0/24&host2=0.0.0.0", auth);
  REQUIRE(ok);
  CHECK(ok->status == 200);
  REQUIRE(asked.size() == 1);
  CHECK(asked[0] == Hooks::Params{{"host", "10.0.0.0/24"}, {"host2", "0.0.0.0"}});
  server.stop();
}

TEST_CASE("rest: GET /api/v1/tables takes entries=1 only; /api/v1/routes takes nothing") {
  std::vector<Hooks::Params> asked;
  Hooks h;
  h.tables = [&asked](const Hooks::Params& q) {
    asked.push_back(q);
    return nlohmann::json{{"tables", nlohmann::json::array()}};
  };
  h.routes = [] { return nlohmann::json{{"routes", nlohmann::json::array()}}; };
  Server server([] { return dpf::rest::NodeStats{}; }, "", h);
  std::string error;
  REQUIRE(server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", server.port());
  auto bad = cli.Get("/api/v1/tables?entries=yes");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(nlohmann::json::parse(bad->body)["error"] == "entries takes the value 1, not \"yes\"");
  CHECK(asked.empty());
  auto good = cli.Get("/api/v1/tables?entries=1");
  REQUIRE(good);
  CHECK(good->status == 200);
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].at("entries") == "1");
  auto routes = cli.Get("/api/v1/routes?all=1");
  REQUIRE(routes);
  CHECK(routes->status == 400);
  CHECK(nlohmann::json::parse(routes->body)["error"] ==
        "unknown parameter \"all\": this route takes no parameters");
  auto listed = cli.Get("/api/v1/routes");
  REQUIRE(listed);
  CHECK(listed->status == 200);
  CHECK(nlohmann::json::parse(listed->body)["routes"].empty());
  server.stop();
}

TEST_CASE("rest: a server stopped right after it started stops") {
  for (int i = 0; i < 50; ++i) {
    Server server([] { return dpf::rest::NodeStats{}; }, "");
    std::string error;
    REQUIRE(server.start("127.0.0.1:0", error));
    server.stop();
  }
}

TEST_CASE("rest: a JSON body sent as a form (curl -d) is not taken for query parameters") {
  CarpServer s(true);
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", s.server.port());
  httplib::Headers auth{{"Authorization", "Bearer s3cret"}};
  auto res = cli.Post("/api/v1/carp/demote", auth, R"({"demotion": 10})",
                      "application/x-www-form-urlencoded");
  REQUIRE(res);
  CHECK(res->status == 200);
  REQUIRE(s.demotes.size() == 1);
  CHECK(s.demotes[0]["demotion"] == 10);
  // The URL's query is still checked.
  auto bad = cli.Post("/api/v1/carp/demote?x=1", auth, R"({"demotion": 10})",
                      "application/x-www-form-urlencoded");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(nlohmann::json::parse(bad->body)["error"] ==
        "unknown parameter \"x\": this route takes no parameters");
}

TEST_CASE("rest: DELETE /api/v1/states takes one selector, and refinements only with theirs") {
  StatesServer s;
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", s.server.port());
  httplib::Headers auth{{"Authorization", "Bearer s3cret"}};
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"all=1&host=10.0.0.1", "host", "all and host cannot be given together"},
      {"all=1&id=1f", "id", "all and id cannot be given together"},
      {"all=1&proto=tcp", "proto", "all and proto cannot be given together"},
      {"host=10.0.0.1&id=1f", "host", "id and host cannot be given together"},
      {"host2=10.0.0.1", "host2", "host2 is taken only with host"},
      {"creatorid=0a000001", "creatorid", "creatorid is taken only with id"},
      {"host=10.0.0.0/24&proto=tcp", "proto", "proto is taken only with id"},
      {"host=10.0.0.0/24&if=eth0", "if", "if is taken only with id"},
      {"host=10.0.0.1&host=10.0.0.2", "host", "host is given 2 times; it takes one value"}};
  for (const auto& [query, param, why] : cases) {
    INFO(query);
    auto res = cli.Delete(("/api/v1/states?" + query).c_str(), auth);
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    const auto body = nlohmann::json::parse(res->body);
    CHECK(body["parameter"] == param);
    CHECK(body["error"] == why);
  }
  CHECK(s.killed.empty());
  // What dpfctl sends: -k HOST [-k HOST], -k id -k ID[/CREATORID], -F states.
  for (const char* query : {"host=10.0.0.0/24&host2=192.168.0.0/16", "host=10.0.0.1",
                            "id=1f&creatorid=0a000001", "id=1f&proto=tcp&if=eth0", "all=1"}) {
    INFO(query);
    auto res = cli.Delete((std::string("/api/v1/states?") + query).c_str(), auth);
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  CHECK(s.killed.size() == 5);
  CHECK(s.killed[3].at("proto") == "tcp");
}

TEST_CASE("rest: 405 comes before the token and the query, for any method the path does not take") {
  StatesServer s;
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", s.server.port());
  // No token and a bad query: the method is what is wrong first.
  auto put = cli.Put("/api/v1/states?limit=abc", "", "application/json");
  REQUIRE(put);
  CHECK(put->status == 405);
  CHECK(put->get_header_value("Allow") == "GET, HEAD, DELETE");
  CHECK(put->get_header_value("Content-Type") == "application/json");
  CHECK(nlohmann::json::parse(put->body)["error"] ==
        "PUT is not allowed on /api/v1/states; it takes GET, HEAD, DELETE");
  // HEAD is GET without the body: a path without GET refuses it too.
  auto head = cli.Head("/api/v1/carp/demote");
  REQUIRE(head);
  CHECK(head->status == 405);
  CHECK(head->get_header_value("Allow") == "POST");
  auto options = cli.Options("/metrics");
  REQUIRE(options);
  CHECK(options->status == 405);
  CHECK(options->get_header_value("Allow") == "GET, HEAD");
  auto patch = cli.Patch("/api/v1/rules", "{}", "application/json");
  REQUIRE(patch);
  CHECK(patch->status == 405);
  CHECK(patch->get_header_value("Allow") == "GET, HEAD, POST");
  CHECK(nlohmann::json::parse(patch->body)["error"] ==
        "PATCH is not allowed on /api/v1/rules; it takes GET, HEAD, POST");
  CHECK(s.listed.empty());
}

TEST_CASE("rest: a path that is no route answers 404 whatever the method, and no Allow") {
  StatesServer s;
  std::string error;
  REQUIRE(s.server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", s.server.port());
  for (const char* path : {"/api/v1/state", "/api/v1/states/", "/api/v2/states", "/api"}) {
    INFO(path);
    httplib::Result results[] = {cli.Get(path), cli.Delete(path),
                                 cli.Post(path, "", "application/json")};
    for (const auto& res : results) {
      REQUIRE(res);
      CHECK(res->status == 404);
      CHECK_FALSE(res->has_header("Allow"));
      CHECK(nlohmann::json::parse(res->body) ==
            nlohmann::json{{"error", "no such endpoint"}, {"status", 404}});
    }
  }
}

namespace {

// The text between the first open and the next close tag of an element, and how many there are.
std::string element_text(const std::string& html, const std::string& tag, size_t& count) {
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  count = 0;
  std::string first;
  for (size_t at = html.find(open); at != std::string::npos; at = html.find(open, at + 1)) {
    const size_t end = html.find(close, at);
    REQUIRE(end != std::string::npos);
    if (count++ == 0) first = html.substr(at + open.size(), end - at - open.size());
  }
  return first;
}

}  // namespace

TEST_CASE("rest: GET / serves the status page as UTF-8 HTML under a policy allowing only itself") {
  Server server([] { return dpf::rest::NodeStats{}; }, "");
  std::string error;
  REQUIRE(server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", server.port());
  auto res = cli.Get("/");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
  CHECK(res->body.rfind("<!doctype html>", 0) == 0);
  CHECK(res->body.find("<meta charset=\"utf-8\">") != std::string::npos);
  CHECK(res->body == dpf::rest::status_page().html);

  // One inline style and one inline script, each allowed by its own hash and nothing else: no
  // 'unsafe-inline', no script or style from elsewhere, requests only to this node.
  const std::string csp = res->get_header_value("Content-Security-Policy");
  size_t scripts = 0, styles = 0;
  const std::string script = element_text(res->body, "script", scripts);
  const std::string style = element_text(res->body, "style", styles);
  CHECK(scripts == 1);
  CHECK(styles == 1);
  CHECK(res->body.find("<script ") == std::string::npos);  // no external or attributed script
  CHECK(res->body.find("<link") == std::string::npos);     // no external style or font
  CHECK(res->body.find(" style=") == std::string::npos);   // no inline style attribute
  CHECK(csp == "default-src 'none'; script-src '" + dpf::rest::csp_hash(script) + "'; style-src '" +
                   dpf::rest::csp_hash(style) +
                   "'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                   "frame-ancestors 'none'");

  // The page reads, and only what needs no token: each endpoint it polls is a GET route.
  CHECK(res->body.find("<form") == std::string::npos);
  CHECK(res->body.find("method") == std::string::npos);  // fetch() without one is a GET
  const std::string list = "const ENDPOINTS = [";
  const size_t at = script.find(list);
  REQUIRE(at != std::string::npos);
  const std::string names =
      script.substr(at + list.size(), script.find(']', at) - at - list.size());
  size_t polled = 0;
  for (size_t q = names.find('\''); q != std::string::npos; q = names.find('\'', q + 1)) {
    const size_t end = names.find('\'', q + 1);
    const std::string path = "/api/v1/" + names.substr(q + 1, end - q - 1);
    INFO(path);
    const auto& routes = server.registered();
    CHECK(std::any_of(routes.begin(), routes.end(), [&path](const dpf::rest::Route& r) {
      return r.path == path && r.method == "GET" && !r.token;
    }));
    ++polled;
    q = end;
  }
  CHECK(polled == 5);
  server.stop();
}

TEST_CASE("rest: / takes GET and HEAD only; POST answers 405 with Allow, a query 400") {
  Server server([] { return dpf::rest::NodeStats{}; }, "s3cret");
  std::string error;
  REQUIRE(server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", server.port());
  httplib::Headers auth{{"Authorization", "Bearer s3cret"}};
  auto post = cli.Post("/", auth, "", "application/json");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(post->get_header_value("Allow") == "GET, HEAD");
  CHECK(nlohmann::json::parse(post->body)["error"] ==
        "POST is not allowed on /; it takes GET, HEAD");
  auto del = cli.Delete("/", auth);
  REQUIRE(del);
  CHECK(del->status == 405);
  auto head = cli.Head("/");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(head->body.empty());
  auto query = cli.Get("/?refresh=5");
  REQUIRE(query);
  CHECK(query->status == 400);
  CHECK(nlohmann::json::parse(query->body)["error"] ==
        "unknown parameter \"refresh\": this route takes no parameters");
  auto other = cli.Get("/index.html");
  REQUIRE(other);
  CHECK(other->status == 404);
  server.stop();
}

TEST_CASE("rest: a port another server listens on is refused with the cause, never shared") {
  CarpServer first(false), second(false);
  std::string error;
  REQUIRE(first.server.start("127.0.0.1:0", error));
  const std::string listen = "127.0.0.1:" + std::to_string(first.server.port());
  CHECK_FALSE(second.server.start(listen, error));
  CHECK(error == "cannot listen on " + listen + " (api.listen): Address already in use");
}
