#include "control/rest/params.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>

#include "control/pfconf/names.h"

namespace dpf::rest {

namespace {

bool all_of_digits(const std::string& v, size_t max, bool hex) {
  if (v.empty() || v.size() > max) return false;
  return std::all_of(v.begin(), v.end(), [hex](char c) {
    return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
  });
}

bool is_ipv4(const std::string& v) {
  in_addr a{};
  return inet_pton(AF_INET, v.c_str(), &a) == 1;
}

// A decimal integer 0..2^64-1, digits only: no sign, space or base prefix.
std::optional<uint64_t> count_of(const std::string& v) {
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || v[0] == '-' || ec != std::errc{} || end != v.data() + v.size())
    return std::nullopt;
  return n;
}

}  // namespace

std::string param_takes(const ParamSpec& spec) {
  switch (spec.kind) {
    case ParamKind::kCount:
      return spec.max == ParamSpec::kNoMax ? "a non-negative decimal integer"
                                           : "a decimal integer 0.." + std::to_string(spec.max);
    case ParamKind::kId:
      return "a state id of 1 to 16 hexadecimal digits";
    case ParamKind::kHex32:
      return "a creator id of 1 to 8 hexadecimal digits";
    case ParamKind::kIpv4:
      return "an IPv4 address (a.b.c.d)";
    case ParamKind::kIpv4Net:
      return "an IPv4 address or network (a.b.c.d or a.b.c.d/len)";
    case ParamKind::kProto:
      return "a protocol name (tcp, udp, icmp, carp, pfsync, ...) or number 0..255";
    case ParamKind::kIfName:
      return "an interface name of 1 to 15 characters";
    case ParamKind::kFlag:
      return "the value 1";
  }
  return "";
}

bool param_valid(const ParamSpec& spec, const std::string& v) {
  switch (spec.kind) {
    case ParamKind::kCount: {
      const auto n = count_of(v);
      return n && *n <= spec.max;
    }
    case ParamKind::kId:
      return all_of_digits(v, 16, true);
    case ParamKind::kHex32:
      return all_of_digits(v, 8, true);
    case ParamKind::kIpv4:
      return is_ipv4(v);
    case ParamKind::kIpv4Net: {
      const size_t slash = v.find('/');
      if (slash == std::string::npos) return is_ipv4(v);
      const std::string len = v.substr(slash + 1);
      return is_ipv4(v.substr(0, slash)) && all_of_digits(len, 2, false) && std::stoi(len) <= 32;
    }
    case ParamKind::kProto:
      if (pfconf::protocol_number(v)) return true;
      return all_of_digits(v, 3, false) && std::stoi(v) <= 255;
    case ParamKind::kIfName:
      return !v.empty() && v.size() <= 15 &&
             std::all_of(v.begin(), v.end(), [](char c) { return c > ' ' && c < 0x7f; });
    case ParamKind::kFlag:
      return v == "1";
  }
  return false;
}

nlohmann::json param_schema(const ParamSpec& spec) {
  switch (spec.kind) {
    case ParamKind::kCount: {
      nlohmann::json s = {{"type", "integer"}, {"minimum", 0}};
      if (spec.max != ParamSpec::kNoMax) s["maximum"] = spec.max;
      return s;
    }
    case ParamKind::kId:
      return {{"type", "string"}, {"pattern", "^[0-9a-fA-F]{1,16}$"}};
    case ParamKind::kHex32:
      return {{"type", "string"}, {"pattern", "^[0-9a-fA-F]{1,8}$"}};
    case ParamKind::kIpv4:
      return {{"type", "string"}, {"format", "ipv4"}};
    case ParamKind::kIpv4Net:
      return {{"type", "string"}, {"pattern", "^[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?$"}};
    case ParamKind::kProto:
      return {{"type", "string"}, {"pattern", "^([a-z][a-z0-9-]*|[0-9]{1,3})$"}};
    case ParamKind::kIfName:
      return {{"type", "string"}, {"minLength", 1}, {"maxLength", 15}};
    case ParamKind::kFlag:
      return {{"type", "string"}, {"enum", {"1"}}};
  }
  return nlohmann::json::object();
}

std::optional<nlohmann::json> check_params(const std::vector<ParamSpec>& specs,
                                           const Query& query) {
  auto refuse = [](const ParamSpec& spec, const std::string& why) {
    return nlohmann::json{{"error", why}, {"parameter", spec.name}, {"takes", param_takes(spec)}};
  };
  auto find = [&specs](const std::string& name) {
    const auto it = std::find_if(specs.begin(), specs.end(),
                                 [&name](const ParamSpec& s) { return s.name == name; });
    return it == specs.end() ? nullptr : &*it;
  };
  for (const auto& entry : query) {
    const std::string& name = entry.first;
    const std::string& value = entry.second;
    const ParamSpec* spec = find(name);
    if (spec == nullptr) {
      std::string known;
      for (const auto& s : specs) known += (known.empty() ? "" : ", ") + s.name;
      if (known.empty()) known = "no parameters";
      return nlohmann::json{
          {"error", "unknown parameter \"" + name + "\": this route takes " + known},
          {"parameter", name},
          {"takes", known}};
    }
    if (const size_t n = query.count(name); n > 1)
      return refuse(*spec, name + " is given " + std::to_string(n) + " times; it takes one value");
    if (!param_valid(*spec, value)) {
      const std::string shown = value.size() > 64 ? value.substr(0, 64) + "..." : value;
      return refuse(*spec, name + " takes " + param_takes(*spec) + ", not \"" + shown + "\"");
    }
  }
  // Combinations, in the route's order: what a parameter excludes, then what it needs.
  for (const auto& spec : specs) {
    if (!query.count(spec.name)) continue;
    for (const auto& other : spec.excludes) {
      if (!query.count(other)) continue;
      const ParamSpec* o = find(other);
      return refuse(o ? *o : spec, spec.name + " and " + other + " cannot be given together");
    }
  }
  for (const auto& spec : specs) {
    if (query.count(spec.name) && !spec.needs.empty() && !query.count(spec.needs))
      return refuse(spec, spec.name + " is taken only with " + spec.needs);
  }
  return std::nullopt;
}

}  // namespace dpf::rest
