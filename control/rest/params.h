// The query parameters a REST route takes, and the one check every request's query goes through
// before a handler sees it: an unknown, repeated or misplaced parameter, or a value of the wrong
// form or out of range, is answered 400 with the parameter named and what it takes. Each route
// declares its parameters once (Route::params); the check and the OpenAPI schema both come from
// that declaration. Pure, any thread; allocates only its error reply.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace dpf::rest {

enum class ParamKind {
  kCount,    // a decimal integer 0..ParamSpec::max (offset, limit)
  kId,       // a state id: 1 to 16 hexadecimal digits
  kHex32,    // a creator id: 1 to 8 hexadecimal digits
  kIpv4,     // a dotted-quad IPv4 address
  kIpv4Net,  // an IPv4 address or network (a.b.c.d/len), as pfctl -k takes
  kProto,    // a protocol name as pf.conf names it (FreeBSD's /etc/protocols) or number 0..255
  kIfName,   // an interface name: 1 to 15 characters, no spaces or controls
  kFlag,     // the value 1
};

// One parameter of a route. Built as ParamSpec{name, kind, description}, then refined:
// ParamSpec{"limit", ParamKind::kCount, "..."}.up_to(100000),
// ParamSpec{"host2", ...}.needing("host"), ParamSpec{"all", ...}.excluding({"host", "id"}).
struct ParamSpec {
  static constexpr uint64_t kNoMax = std::numeric_limits<uint64_t>::max();
  std::string name;
  ParamKind kind;
  std::string description;            // what the parameter does, for the OpenAPI document
  uint64_t max = kNoMax;              // kCount: the largest value taken
  std::string needs;                  // taken only together with this parameter ("": alone too)
  std::vector<std::string> excludes;  // parameters that cannot be given with this one

  ParamSpec(std::string n, ParamKind k, std::string d)
      : name(std::move(n)), kind(k), description(std::move(d)) {}
  ParamSpec up_to(uint64_t m) const {
    ParamSpec p = *this;
    p.max = m;
    return p;
  }
  ParamSpec needing(std::string other) const {
    ParamSpec p = *this;
    p.needs = std::move(other);
    return p;
  }
  ParamSpec excluding(std::vector<std::string> others) const {
    ParamSpec p = *this;
    p.excludes = std::move(others);
    return p;
  }
};

// The query as it came, a name once per occurrence (a repeated name is refused).
using Query = std::multimap<std::string, std::string>;

// What a parameter takes, as the error reply and the OpenAPI document say it.
std::string param_takes(const ParamSpec& spec);

// Whether value has the form spec takes, and is within its range.
bool param_valid(const ParamSpec& spec, const std::string& value);

// The OpenAPI 3 schema of the values spec takes (type, pattern, range or enum): what
// check_params accepts, as the document must declare it.
nlohmann::json param_schema(const ParamSpec& spec);

// Checks a request's query against the parameters its route takes. nullopt when every
// parameter is known, given once, well formed, and given with what it needs and without what it
// excludes; otherwise the 400 reply: {"error": why, "parameter": name, "takes": what} (for an
// unknown parameter, "takes" lists the route's parameters).
std::optional<nlohmann::json> check_params(const std::vector<ParamSpec>& specs, const Query& query);

}  // namespace dpf::rest
