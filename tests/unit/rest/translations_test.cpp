// GET /api/v1/rules's "translations" (control/rest/translations.h): the nat, rdr and binat rules
// of a parsed ruleset in pfctl's load order, numbered within their kind, printed as pfctl -s nat.
#include "control/rest/translations.h"

#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "control/pfconf/address.h"
#include "control/pfconf/parser.h"

using nlohmann::json;

namespace {

// em0 has one IPv4 address.
dpf::pfconf::Ruleset parse_ok(const std::string& text) {
  dpf::pfconf::ParseOptions o;
  o.interfaces =
      [](const std::string& name) -> std::optional<std::vector<dpf::pfconf::ResolvedAddress>> {
    if (name != "em0") return std::nullopt;
    return std::vector<dpf::pfconf::ResolvedAddress>{
        {*dpf::pfconf::parse_ipv4("192.0.2.10", false), 24}};
  };
  dpf::pfconf::Result r = dpf::pfconf::parse_ruleset(text, "test.conf", o);
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.ok());
  return *r.ruleset;
}

}  // namespace

TEST_CASE("rest translations: nat, then rdr, then binat, each numbered from 0 within its kind") {
  const json j = dpf::rest::translations_json(
      parse_ok("pass all\n"
               "binat on em0 from 192.168.0.5 to any -> 192.0.2.5\n"
               "rdr on em0 proto tcp to port 80 -> 192.168.0.10 port 8080\n"
               "nat on em0 from 192.168.0.0/24 to any -> (em0)\n"
               "no nat on em0 from 192.168.0.1 to any\n"));
  CHECK(j ==
        json{{{"kind", "nat"},
              {"nr", 0},
              {"text", "nat on em0 inet from 192.168.0.0/24 to any -> (em0) round-robin"}},
             {{"kind", "nat"}, {"nr", 1}, {"text", "no nat on em0 inet from 192.168.0.1 to any"}},
             {{"kind", "rdr"},
              {"nr", 0},
              {"text",
               "rdr on em0 inet proto tcp from any to any port = http -> 192.168.0.10 port 8080"}},
             {{"kind", "binat"},
              {"nr", 0},
              {"text", "binat on em0 inet from 192.168.0.5 to any -> 192.0.2.5"}}});
}

TEST_CASE("rest translations: a ruleset without translation rules lists none, filter rules aside") {
  const json j = dpf::rest::translations_json(parse_ok("pass all nat-to 192.0.2.1\nblock in\n"));
  CHECK(j == json::array());
}

TEST_CASE("rest translations: anchor calls are listed in their kind as pfctl -s nat prints them") {
  const json j = dpf::rest::translations_json(
      parse_ok("nat-anchor \"ftp-proxy/*\"\n"
               "rdr-anchor \"ftp-proxy/*\"\n"
               "nat on em0 from 192.168.0.0/24 to any -> 192.0.2.5\n"));
  CHECK(j == json{{{"kind", "nat"}, {"nr", 0}, {"text", "nat-anchor \"ftp-proxy/*\" all"}},
                  {{"kind", "nat"},
                   {"nr", 1},
                   {"text", "nat on em0 inet from 192.168.0.0/24 to any -> 192.0.2.5"}},
                  {{"kind", "rdr"}, {"nr", 0}, {"text", "rdr-anchor \"ftp-proxy/*\" all"}}});
}
