// Address parsing and printing; see address.h.
#include "control/pfconf/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace dpf::pfconf {

std::optional<IpAddr> parse_ipv4(std::string_view text, bool allow_short) {
  IpAddr out;
  out.af = Af::kInet;
  int parts = 0;
  size_t pos = 0;
  while (true) {
    if (parts == 4 || pos >= text.size()) return std::nullopt;
    unsigned value = 0;
    const char* first = text.data() + pos;
    const char* last = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr == first || value > 255 || ptr - first > 3) return std::nullopt;
    out.bytes[parts++] = static_cast<uint8_t>(value);
    pos = static_cast<size_t>(ptr - text.data());
    if (pos == text.size()) break;
    if (text[pos] != '.') return std::nullopt;
    ++pos;
  }
  if (parts != 4 && !allow_short) return std::nullopt;
  return out;
}

std::optional<IpAddr> parse_ipv6(std::string_view text) {
  if (text.empty() || text.size() >= 64 || text.find(':') == std::string_view::npos) {
    return std::nullopt;
  }
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddr out;
  out.af = Af::kInet6;
  if (inet_pton(AF_INET6, buf, out.bytes.data()) != 1) return std::nullopt;
  return out;
}

uint8_t max_prefix(Af af) {
  return af == Af::kInet ? 32 : 128;
}

IpAddr mask_address(const IpAddr& a, uint8_t prefix) {
  IpAddr out = a;
  size_t len = a.af == Af::kInet ? 4 : 16;
  for (size_t i = 0; i < len; ++i) {
    int bits = static_cast<int>(prefix) - static_cast<int>(i * 8);
    if (bits >= 8) continue;
    if (bits <= 0) {
      out.bytes[i] = 0;
    } else {
      out.bytes[i] &= static_cast<uint8_t>(0xff << (8 - bits));
    }
  }
  return out;
}

std::string format_ip(const IpAddr& a) {
  char buf[INET6_ADDRSTRLEN];
  int family = a.af == Af::kInet ? AF_INET : AF_INET6;
  if (inet_ntop(family, a.bytes.data(), buf, sizeof(buf)) == nullptr) return "?";
  return buf;
}

std::string format_prefix(const IpAddr& a, uint8_t prefix) {
  std::string s = format_ip(a);
  if (prefix != max_prefix(a.af)) s += "/" + std::to_string(prefix);
  return s;
}

namespace {

std::string format_dynamic(const Address& a) {
  std::string s = "(" + a.name;
  if (a.dyn_flags & kDynNetwork) s += ":network";
  if (a.dyn_flags & kDynBroadcast) s += ":broadcast";
  if (a.dyn_flags & kDynPeer) s += ":peer";
  if (a.dyn_flags & kDynNoAlias) s += ":0";
  s += ")";
  if (a.has_prefix) s += "/" + std::to_string(a.prefix);
  return s;
}

}  // namespace

std::string format_address(const Address& a) {
  switch (a.kind) {
    case AddrKind::kAny:
      return "any";
    case AddrKind::kHost:
      return format_prefix(a.addr, a.prefix);
    case AddrKind::kRange:
      return format_ip(a.addr) + " - " + format_ip(a.addr_end);
    case AddrKind::kTable:
      return "<" + a.name + ">";
    case AddrKind::kDynamic:
      return format_dynamic(a);
    case AddrKind::kSelf:
      return "self";
    case AddrKind::kIfNetwork:
      return a.name + ":network";
    case AddrKind::kNoRoute:
      return "no-route";
    case AddrKind::kUrpfFailed:
      return "urpf-failed";
  }
  return "?";
}

}  // namespace dpf::pfconf
