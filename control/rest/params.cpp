#include "control/rest/params.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdint>

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

bool is_count(const std::string& v) {
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return !v.empty() && v[0] != '-' && ec == std::errc{} && end == v.data() + v.size();
}

}  // namespace

const char* param_takes(ParamKind kind) {
  switch (kind) {
    case ParamKind::kCount:
      return "a non-negative decimal integer";
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

bool param_valid(ParamKind kind, const std::string& v) {
  switch (kind) {
    case ParamKind::kCount:
      return is_count(v);
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

std::optional<nlohmann::json> check_params(const std::vector<ParamSpec>& specs,
                                           const std::map<std::string, std::string>& query) {
  for (const auto& entry : query) {
    const std::string& name = entry.first;
    const std::string& value = entry.second;
    const auto spec = std::find_if(specs.begin(), specs.end(),
                                   [&name](const ParamSpec& s) { return s.name == name; });
    if (spec == specs.end()) {
      std::string known;
      for (const auto& s : specs) known += (known.empty() ? "" : ", ") + s.name;
      if (known.empty()) known = "no parameters";
      return nlohmann::json{
          {"error", "unknown parameter \"" + name + "\": this route takes " + known},
          {"parameter", name},
          {"takes", known}};
    }
    if (!param_valid(spec->kind, value)) {
      const std::string shown = value.size() > 64 ? value.substr(0, 64) + "..." : value;
      return nlohmann::json{
          {"error", name + " takes " + param_takes(spec->kind) + ", not \"" + shown + "\""},
          {"parameter", name},
          {"takes", param_takes(spec->kind)}};
    }
  }
  return std::nullopt;
}

}  // namespace dpf::rest
