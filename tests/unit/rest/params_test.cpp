#include "control/rest/params.h"

#include <algorithm>

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
          dpf::rest::param_takes(std::find_if(kSpecs.begin(), kSpecs.end(), [&](const auto& s) {
                                   return s.name == name;
                                 })->kind));
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
