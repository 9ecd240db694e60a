#include "control/rest/params.h"

#include <algorithm>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

using dpf::rest::check_params;
using dpf::rest::ParamKind;
using dpf::rest::ParamSpec;

namespace {

const std::vector<ParamSpec> kSpecs = {
    {"limit", ParamKind::kCount, ""},     {"id", ParamKind::kId, ""},
    {"creatorid", ParamKind::kHex32, ""}, {"host", ParamKind::kIpv4, ""},
    {"proto", ParamKind::kProto, ""},     {"if", ParamKind::kIfName, ""},
    {"all", ParamKind::kFlag, ""},        {"net", ParamKind::kIpv4Net, ""}};

}  // namespace

TEST_CASE("rest params: well-formed values of every kind pass") {
  CHECK_FALSE(check_params(kSpecs, {}));
  CHECK_FALSE(check_params(kSpecs, {{"limit", "0"},
                                    {"id", "00000000DeadBeef"},
                                    {"creatorid", "1a2b3c4d"},
                                    {"host", "10.0.0.1"},
                                    {"proto", "tcp"},
                                    {"if", "eth0"},
                                    {"all", "1"}}));
  CHECK_FALSE(check_params(kSpecs, {{"limit", "18446744073709551615"}, {"proto", "255"}}));
  CHECK_FALSE(check_params(kSpecs, {{"proto", "ipv6-icmp"}}));
}

TEST_CASE("rest params: a malformed value names the parameter and what it takes") {
  auto bad = check_params(kSpecs, {{"limit", "abc"}});
  REQUIRE(bad);
  CHECK((*bad)["error"] == "limit takes a non-negative decimal integer, not \"abc\"");
  CHECK((*bad)["parameter"] == "limit");
  CHECK((*bad)["takes"] == "a non-negative decimal integer");

  bad = check_params(kSpecs, {{"id", "xyz"}});
  REQUIRE(bad);
  CHECK((*bad)["error"] == "id takes a state id of 1 to 16 hexadecimal digits, not \"xyz\"");

  bad = check_params(kSpecs, {{"proto", "bogus"}});
  REQUIRE(bad);
  CHECK((*bad)["error"] ==
        "proto takes a protocol name (tcp, udp, icmp, carp, pfsync, ...) or number 0..255, not "
        "\"bogus\"");

  bad = check_params(kSpecs, {{"host", "10.0.0"}});
  REQUIRE(bad);
  CHECK((*bad)["error"] == "host takes an IPv4 address (a.b.c.d), not \"10.0.0\"");
}

TEST_CASE("rest params: counts refuse signs, garbage after digits, empty values and overflow") {
  for (const char* v : {"-1", "+1", "1x", "", " 1", "18446744073709551616", "1.5", "0x10"}) {
    INFO(v);
    auto bad = check_params(kSpecs, {{"limit", v}});
    REQUIRE(bad);
    CHECK((*bad)["parameter"] == "limit");
  }
}

TEST_CASE("rest params: ids, protocols, interfaces and flags refuse what they cannot mean") {
  const std::vector<std::pair<std::string, std::string>> bad = {{"id", ""},
                                                                {"id", "12345678901234567"},
                                                                {"id", "-1"},
                                                                {"creatorid", "123456789"},
                                                                {"creatorid", "g"},
                                                                {"proto", "256"},
                                                                {"proto", "-6"},
                                                                {"proto", "TCP"},
                                                                {"proto", ""},
                                                                {"if", ""},
                                                                {"if", "a very long ifname"},
                                                                {"if", "eth 0"},
                                                                {"all", "yes"},
                                                                {"all", ""},
                                                                {"host", "::1"}};
  for (const auto& entry : bad) {
    const std::string& name = entry.first;
    const std::string& value = entry.second;
    INFO(name << "=" << value);
    auto err = check_params(kSpecs, {{name, value}});
    REQUIRE(err);
    CHECK((*err)["parameter"] == name);
    CHECK((*err)["takes"] ==
          dpf::rest::param_takes(*std::find_if(kSpecs.begin(), kSpecs.end(),
                                               [&](const auto& s) { return s.name == name; })));
  }
}

TEST_CASE("rest params: an unknown parameter is refused with the ones the route takes") {
  auto bad = check_params(kSpecs, {{"limt", "10"}});
  REQUIRE(bad);
  CHECK((*bad)["error"] ==
        "unknown parameter \"limt\": this route takes limit, id, creatorid, host, proto, if, all, "
        "net");
  CHECK((*bad)["parameter"] == "limt");
  bad = check_params({}, {{"x", "1"}});
  REQUIRE(bad);
  CHECK((*bad)["error"] == "unknown parameter \"x\": this route takes no parameters");
}

TEST_CASE("rest params: a network takes an address or a.b.c.d/len, len 0..32") {
  for (const char* v : {"10.0.0.1", "10.0.0.0/24", "0.0.0.0/0", "192.168.1.1/32"}) {
    INFO(v);
    CHECK_FALSE(check_params(kSpecs, {{"net", v}}));
  }
  for (const char* v : {"10.0.0.0/33", "10.0.0.0/", "10.0.0/24", "10.0.0.0/2x", "/24"}) {
    INFO(v);
    const auto bad = check_params(kSpecs, {{"net", v}});
    REQUIRE(bad);
    CHECK((*bad)["error"] == std::string("net takes an IPv4 address or network (a.b.c.d or "
                                         "a.b.c.d/len), not \"") +
                                 v + "\"");
  }
}

TEST_CASE("rest params: protocols are named as pf.conf names them") {
  for (const char* v : {"carp", "pfsync", "gre", "tcp", "112"}) {
    INFO(v);
    CHECK_FALSE(check_params(kSpecs, {{"proto", v}}));
  }
  CHECK(check_params(kSpecs, {{"proto", "256"}}));
}

TEST_CASE("rest params: a count with a maximum refuses larger values and says its range") {
  const std::vector<ParamSpec> specs = {ParamSpec{"limit", ParamKind::kCount, ""}.up_to(100000)};
  CHECK_FALSE(check_params(specs, {{"limit", "0"}}));
  CHECK_FALSE(check_params(specs, {{"limit", "100000"}}));
  for (const char* v : {"100001", "18446744073709551615", "18446744073709551616", "-5", "abc"}) {
    INFO(v);
    const auto bad = check_params(specs, {{"limit", v}});
    REQUIRE(bad);
    CHECK((*bad)["error"] ==
          std::string("limit takes a decimal integer 0..100000, not \"") + v + "\"");
    CHECK((*bad)["takes"] == "a decimal integer 0..100000");
  }
}

TEST_CASE("rest params: a parameter given twice is refused, whatever its values") {
  auto bad = check_params(kSpecs, {{"limit", "1"}, {"limit", "2"}});
  REQUIRE(bad);
  CHECK((*bad)["error"] == "limit is given 2 times; it takes one value");
  CHECK((*bad)["parameter"] == "limit");
  bad = check_params(kSpecs, {{"all", "1"}, {"all", "1"}, {"all", "1"}});
  REQUIRE(bad);
  CHECK((*bad)["error"] == "all is given 3 times; it takes one value");
}

TEST_CASE(
    "rest params: a parameter without the one it needs, or with one it excludes, is refused") {
  const std::vector<ParamSpec> specs = {
      ParamSpec{"all", ParamKind::kFlag, ""}.excluding({"host", "host2", "id"}),
      {"host", ParamKind::kIpv4Net, ""},
      ParamSpec{"host2", ParamKind::kIpv4Net, ""}.needing("host"),
      ParamSpec{"id", ParamKind::kId, ""}.excluding({"host"}),
      ParamSpec{"creatorid", ParamKind::kHex32, ""}.needing("id")};
  CHECK_FALSE(check_params(specs, {{"all", "1"}}));
  CHECK_FALSE(check_params(specs, {{"host", "10.0.0.0/8"}, {"host2", "10.1.0.0/16"}}));
  CHECK_FALSE(check_params(specs, {{"id", "1f"}, {"creatorid", "0a000001"}}));

  auto bad = check_params(specs, {{"host2", "10.0.0.1"}});
  REQUIRE(bad);
  CHECK((*bad)["error"] == "host2 is taken only with host");
  CHECK((*bad)["parameter"] == "host2");
  bad = check_params(specs, {{"creatorid", "0a000001"}});
  REQUIRE(bad);
  CHECK((*bad)["error"] == "creatorid is taken only with id");

  bad = check_params(specs, {{"all", "1"}, {"host", "10.0.0.1"}});
  REQUIRE(bad);
  CHECK((*bad)["error"] == "all and host cannot be given together");
  CHECK((*bad)["parameter"] == "host");
  bad = check_params(specs, {{"host", "10.0.0.1"}, {"id", "1f"}});
  REQUIRE(bad);
  CHECK((*bad)["error"] == "id and host cannot be given together");
  // A malformed value is reported before a combination.
  bad = check_params(specs, {{"all", "1"}, {"host", "nope"}});
  REQUIRE(bad);
  CHECK((*bad)["parameter"] == "host");
  CHECK((*bad)["error"] ==
        "host takes an IPv4 address or network (a.b.c.d or a.b.c.d/len), not \"nope\"");
}

TEST_CASE("rest params: the OpenAPI schema of each kind takes the values the check takes") {
  // Each kind, with values the check takes and values it refuses: a string schema's pattern,
  // length or enum, and an integer schema's range, must agree on each.
  struct Case {
    ParamSpec spec;
    std::vector<std::string> good, bad;
  };
  const std::vector<Case> cases = {
      {ParamSpec{"n", ParamKind::kCount, ""}.up_to(100), {"0", "100"}, {"101"}},
      {{"n", ParamKind::kId, ""}, {"1", "00000000DeadBeef"}, {"", "12345678901234567", "x"}},
      {{"n", ParamKind::kHex32, ""}, {"0a000001", "F"}, {"", "123456789", "-1"}},
      {{"n", ParamKind::kIpv4Net, ""}, {"10.0.0.1", "10.0.0.0/24"}, {"10.0.0", "10.0.0.0/"}},
      {{"n", ParamKind::kProto, ""}, {"tcp", "ipv6-icmp", "pfsync", "112"}, {"TCP", "", "1234"}},
      {{"n", ParamKind::kIfName, ""}, {"eth0", "a"}, {"", "0123456789abcdef"}},
      {{"n", ParamKind::kFlag, ""}, {"1"}, {"0", "yes"}}};
  auto schema_takes = [](const nlohmann::json& s, const std::string& v) {
    if (s["type"] == "integer") {
      const uint64_t n = std::stoull(v);
      return n >= s["minimum"].get<uint64_t>() &&
             (!s.contains("maximum") || n <= s["maximum"].get<uint64_t>());
    }
    if (s.contains("pattern") && !std::regex_search(v, std::regex(s["pattern"].get<std::string>())))
      return false;
    if (s.contains("minLength") && v.size() < s["minLength"].get<size_t>()) return false;
    if (s.contains("maxLength") && v.size() > s["maxLength"].get<size_t>()) return false;
    if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end())
      return false;
    return true;
  };
  for (const auto& c : cases) {
    const auto schema = dpf::rest::param_schema(c.spec);
    INFO(schema.dump());
    for (const auto& v : c.good) {
      INFO(v);
      CHECK(dpf::rest::param_valid(c.spec, v));
      CHECK(schema_takes(schema, v));
    }
    for (const auto& v : c.bad) {
      INFO(v);
      CHECK_FALSE(dpf::rest::param_valid(c.spec, v));
      CHECK_FALSE(schema_takes(schema, v));
    }
  }
  CHECK(dpf::rest::param_schema({"n", ParamKind::kIpv4, ""})["format"] == "ipv4");
  CHECK_FALSE(dpf::rest::param_schema({"n", ParamKind::kCount, ""}).contains("maximum"));
}
