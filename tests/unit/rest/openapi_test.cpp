#include <httplib.h>

#include <cctype>
#include <set>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "control/rest/server.h"

using dpf::rest::Server;

namespace {

// "#/components/parameters/host" -> the object it names.
const nlohmann::json& resolve(const nlohmann::json& doc, const nlohmann::json& j) {
  if (!j.contains("$ref")) return j;
  const std::string ref = j["$ref"].get<std::string>();
  REQUIRE(ref.rfind("#/", 0) == 0);
  return doc.at(nlohmann::json::json_pointer(ref.substr(1)));
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEST_CASE("openapi: the document is valid OpenAPI 3 JSON") {
  const auto doc = nlohmann::json::parse(dpf::rest::openapi_json(), nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  CHECK(doc["openapi"].get<std::string>().rfind("3.", 0) == 0);
  CHECK(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
  CHECK(doc["paths"].is_object());
}

TEST_CASE("openapi: every registered route is documented, and every documented one registered") {
  Server server([] { return dpf::rest::NodeStats{}; }, "");
  std::string error;
  REQUIRE(server.start("127.0.0.1:0", error));
  const auto doc = nlohmann::json::parse(dpf::rest::openapi_json());
  REQUIRE_FALSE(server.registered().empty());

  std::set<std::pair<std::string, std::string>> registered, documented;
  for (const auto& r : server.registered()) registered.emplace(r.path, lower(r.method));
  for (const auto& [path, item] : doc["paths"].items())
    for (const auto& [method, op] : item.items()) documented.emplace(path, method);
  CHECK(registered == documented);

  for (const auto& r : server.registered()) {
    INFO(r.method << " " << r.path);
    const auto path = doc["paths"].find(r.path);
    if (path == doc["paths"].end()) continue;  // reported above
    const auto op = path->find(lower(r.method));
    if (op == path->end()) continue;
    // The same query parameters, by name.
    std::set<std::string> taken, described;
    for (const auto& p : r.params) taken.insert(p.name);
    for (const auto& p : op->value("parameters", nlohmann::json::array())) {
      const auto& param = resolve(doc, p);
      CHECK(param["in"] == "query");
      described.insert(param["name"].get<std::string>());
    }
    CHECK(taken == described);
    // A route that needs the token says so; one that does not, does not.
    CHECK(op->contains("security") == r.token);
    // Every documented response is a status code with a description.
    REQUIRE(op->contains("responses"));
    for (const auto& [code, response] : (*op)["responses"].items()) {
      INFO(code);
      CHECK(resolve(doc, response).contains("description"));
    }
    if (r.token) CHECK((*op)["responses"].contains("401"));
  }
  server.stop();
}

TEST_CASE("openapi: the server serves the document at GET /api/v1/openapi.json") {
  Server server([] { return dpf::rest::NodeStats{}; }, "");
  std::string error;
  REQUIRE(server.start("127.0.0.1:0", error));
  httplib::Client cli("127.0.0.1", server.port());
  auto res = cli.Get("/api/v1/openapi.json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  CHECK(nlohmann::json::parse(res->body) == nlohmann::json::parse(dpf::rest::openapi_json()));
  server.stop();
}
