// The query parameters a REST route takes, and the one check every request's query goes through
// before a handler sees it: an unknown parameter or a value of the wrong form is answered 400
// with the parameter named and what it takes. Pure, any thread; allocates only its error reply.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dpf::rest {

enum class ParamKind {
  kCount,    // a decimal integer 0..2^64-1 (offset, limit)
  kId,       // a state id: 1 to 16 hexadecimal digits
  kHex32,    // a creator id: 1 to 8 hexadecimal digits
  kIpv4,     // a dotted-quad IPv4 address
  kIpv4Net,  // an IPv4 address or network (a.b.c.d/len), as pfctl -k takes
  kProto,    // a protocol name as pf.conf names it (FreeBSD's /etc/protocols) or number 0..255
  kIfName,   // an interface name: 1 to 15 characters, no spaces or controls
  kFlag,     // the value 1
};

struct ParamSpec {
  std::string name;
  ParamKind kind;
  std::string description;  // what the parameter does, for the OpenAPI document
};

// What a parameter of this kind takes, as the error reply and the OpenAPI document say it.
const char* param_takes(ParamKind kind);

// Whether value has the form kind takes.
bool param_valid(ParamKind kind, const std::string& value);

// Checks a request's query against the parameters its route takes. nullopt when every
// parameter is known and well formed; otherwise the 400 reply: {"error": why, "parameter": name,
// "takes": what} (for an unknown parameter, "takes" lists the route's parameters).
std::optional<nlohmann::json> check_params(const std::vector<ParamSpec>& specs,
                                           const std::map<std::string, std::string>& query);

}  // namespace dpf::rest
