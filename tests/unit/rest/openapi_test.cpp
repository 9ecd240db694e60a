#include <httplib.h>

#include <algorithm>
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

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
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
    // The same query parameters, by name, each with the schema of what the check takes
    // (param_schema; the document may add a default), and a refinement saying what it needs.
    std::set<std::string> taken, described;
    for (const auto& p : r.params) taken.insert(p.name);
    for (const auto& p : op->value("parameters", nlohmann::json::array())) {
      const auto& param = resolve(doc, p);
      const std::string name = param["name"].get<std::string>();
      INFO("parameter " << name);
      CHECK(param["in"] == "query");
      CHECK(param.value("required", false) == false);
      CHECK_FALSE(param.value("description", "").empty());
      described.insert(name);
      const auto spec = std::find_if(r.params.begin(), r.params.end(),
                                     [&name](const auto& s) { return s.name == name; });
      if (spec == r.params.end()) continue;  // reported below
      auto schema = param["schema"];
      schema.erase("default");
      CHECK(schema == dpf::rest::param_schema(*spec));
      if (!spec->needs.empty())
        CHECK(param["description"].get<std::string>().rfind("With " + spec->needs + ":", 0) == 0);
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
    // The errors every route can answer: a bad query (400), a path that is no route (404), a
    // method the path does not take (405); 401 exactly where the token is needed.
    for (const char* code : {"400", "404", "405"}) {
      INFO(code);
      CHECK((*op)["responses"].contains(code));
    }
    CHECK((*op)["responses"].contains("401") == r.token);
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

TEST_CASE("openapi: each path's Allow header lists the methods the document gives the path") {
  Server server([] { return dpf::rest::NodeStats{}; }, "");
  std::string error;
  REQUIRE(server.start("127.0.0.1:0", error));
  const auto doc = nlohmann::json::parse(dpf::rest::openapi_json());
  httplib::Client cli("127.0.0.1", server.port());
  const auto& answer = resolve(doc, {{"$ref", "#/components/responses/MethodNotAllowed"}});
  CHECK(answer["headers"].contains("Allow"));
  for (const auto& [path, item] : doc["paths"].items()) {
    INFO(path);
    std::set<std::string> documented;
    for (const auto& [method, op] : item.items()) {
      documented.insert(upper(method));
      if (method == "get") documented.insert("HEAD");  // HEAD is answered from GET
    }
    // No route takes PUT: every path answers it 405, naming its methods.
    auto res = cli.Put(path.c_str(), "", "application/json");
    REQUIRE(res);
    CHECK(res->status == 405);
    std::set<std::string> allowed;
    const std::string allow = res->get_header_value("Allow");
    for (size_t at = 0; at < allow.size();) {
      const size_t comma = std::min(allow.find(", ", at), allow.size());
      allowed.insert(allow.substr(at, comma - at));
      at = comma + 2;
    }
    CHECK(allowed == documented);
  }
  server.stop();
}

TEST_CASE("openapi: the status page at / is documented as HTML with its security policy") {
  const auto doc = nlohmann::json::parse(dpf::rest::openapi_json());
  const auto& ok = doc["paths"]["/"]["get"]["responses"]["200"];
  CHECK(ok["content"].contains("text/html"));
  CHECK_FALSE(ok["content"].contains("application/json"));
  CHECK(ok["headers"].contains("Content-Security-Policy"));
  CHECK(doc["paths"]["/"].size() == 1);  // GET only: the page changes nothing
}

TEST_CASE("openapi: POST /api/v1/rules documents its body and the node's answers") {
  const auto doc = nlohmann::json::parse(dpf::rest::openapi_json());
  const auto& post = doc["paths"]["/api/v1/rules"]["post"];
  // {"file": NAME, "text": RULESET}, or no body at all to reload the cluster's rules file.
  const auto& body = post["requestBody"];
  CHECK(body["required"] == false);
  CHECK(body["description"].get<std::string>().find("reloads") != std::string::npos);
  const auto& schema = body["content"]["application/json"]["schema"];
  CHECK(schema["type"] == "object");
  CHECK(schema["required"] == nlohmann::json{"text"});
  CHECK(schema["properties"]["text"]["type"] == "string");
  CHECK(schema["properties"]["file"]["type"] == "string");
  CHECK(schema["properties"]["file"]["default"] == "<request>");
  // Loaded: {"loaded": true, "generation": N}, as dataplane/slowpath/rest_hooks.cpp answers.
  const auto& loaded =
      resolve(doc, post["responses"]["200"]["content"]["application/json"]["schema"]);
  CHECK(loaded["required"] == nlohmann::json{"loaded", "generation"});
  CHECK(loaded["properties"]["loaded"]["type"] == "boolean");
  CHECK(loaded["properties"]["generation"]["type"] == "integer");
  // Rejected: {"error": ..., "errors": ["FILE:LINE:COL: message", ...]}, or a plain error.
  const auto& one_of = post["responses"]["400"]["content"]["application/json"]["schema"]["oneOf"];
  REQUIRE(one_of.size() == 2);
  const auto& rejected = resolve(doc, one_of[0]);
  CHECK(rejected["required"] == nlohmann::json{"error", "errors"});
  CHECK(rejected["properties"]["error"]["enum"] ==
        nlohmann::json{"the ruleset was rejected; the running one stays"});
  CHECK(rejected["properties"]["errors"]["items"]["type"] == "string");
  CHECK(resolve(doc, one_of[1]) == doc["components"]["schemas"]["Error"]);
  CHECK(post["responses"]["400"]["description"].get<std::string>().find(
            R"(the body is not {"file": NAME, "text": RULESET})") != std::string::npos);
}

TEST_CASE("openapi: GET /api/v1/rules documents each rule's counters as pfctl -vsr has them") {
  const auto doc = nlohmann::json::parse(dpf::rest::openapi_json());
  const auto& get = doc["paths"]["/api/v1/rules"]["get"];
  const auto& rules =
      resolve(doc, get["responses"]["200"]["content"]["application/json"]["schema"]);
  CHECK(rules["required"] == nlohmann::json{"file", "rules", "text"});
  CHECK(rules["properties"]["inserted"]["required"] == nlohmann::json{"uid", "pid"});
  const auto& rule = resolve(doc, rules["properties"]["rules"]["items"]);
  // As dataplane/slowpath/pf_view.cpp's pf_rules answers.
  CHECK(rule["required"] == nlohmann::json{"nr", "text", "labels", "evaluations", "packets",
                                           "bytes", "states", "state_creations", "last_active"});
  for (const char* n : {"nr", "evaluations", "states", "state_creations"})
    CHECK(rule["properties"][n]["type"] == "integer");
  CHECK(rule["properties"]["labels"]["items"]["type"] == "string");
  CHECK(rule["properties"]["last_active"]["nullable"] == true);
  for (const char* n : {"packets", "bytes"}) {
    const auto& in_out = resolve(doc, rule["properties"][n]);
    CHECK(in_out["required"] == nlohmann::json{"in", "out"});
    CHECK(in_out["properties"]["in"]["type"] == "integer");
  }
}

TEST_CASE(
    "openapi: GET /api/v1/rules documents the translation rules as translations_json has them") {
  const auto doc = nlohmann::json::parse(dpf::rest::openapi_json());
  const auto& get = doc["paths"]["/api/v1/rules"]["get"];
  const auto& rules =
      resolve(doc, get["responses"]["200"]["content"]["application/json"]["schema"]);
  const auto& t = resolve(doc, rules["properties"]["translations"]["items"]);
  CHECK(t["required"] == nlohmann::json{"kind", "nr", "text"});
  CHECK(t["properties"]["kind"]["enum"] == nlohmann::json{"nat", "rdr", "binat"});
  CHECK(t["properties"]["nr"]["type"] == "integer");
  CHECK(t["properties"]["text"]["type"] == "string");
  // No counters: dpf does not count translation rules.
  CHECK_FALSE(t["properties"].contains("evaluations"));
}
