// Test helpers for the filter area: the node's interfaces, pf.conf text → CompiledRuleset
// through the real parser, and packet builders. Test code only; allocates freely.
#pragma once

#include <arpa/inet.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "control/pfconf/parser.h"
#include "dataplane/filter/compile.h"
#include "dataplane/filter/eval.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::filter::testing {

inline pfconf::IpAddr ip(const char* text) {
  pfconf::IpAddr a;
  if (std::strchr(text, ':') != nullptr) {
    a.af = pfconf::Af::kInet6;
    if (inet_pton(AF_INET6, text, a.bytes.data()) != 1) throw std::invalid_argument(text);
  } else {
    a.af = pfconf::Af::kInet;
    if (inet_pton(AF_INET, text, a.bytes.data()) != 1) throw std::invalid_argument(text);
  }
  return a;
}

// em0 (port 0, group egress): 192.0.2.1/24, 2001:db8::1/64, fe80::1/64
// em1 (port 1): 10.0.0.1/24 and the alias 10.0.1.1/24
// lo0 (port 2, group lo): 127.0.0.1/8, ::1/128
inline InterfaceMap test_interfaces() {
  InterfaceMap m;
  m.interfaces.push_back({"em0",
                          0,
                          {{ip("192.0.2.1"), 24}, {ip("fe80::1"), 64}, {ip("2001:db8::1"), 64}},
                          {"em", "egress"}});
  m.interfaces.push_back({"em1", 1, {{ip("10.0.0.1"), 24}, {ip("10.0.1.1"), 24}}, {"em"}});
  m.interfaces.push_back({"lo0", 2, {{ip("127.0.0.1"), 8}, {ip("::1"), 128}}, {"lo"}});
  return m;
}

inline std::unique_ptr<const CompiledRuleset> compile_text(const std::string& text,
                                                           const InterfaceMap& ifs,
                                                           std::string* parse_errors = nullptr) {
  pfconf::Result res = pfconf::parse_ruleset(text, "test.conf", pfconf::ParseOptions{});
  if (!res.ok()) {
    std::string all;
    for (const auto& e : res.errors) all += e.to_string() + "\n";
    if (parse_errors != nullptr) *parse_errors = all;
    return nullptr;
  }
  std::string error;
  auto rs = compile(*res.ruleset, ifs, error);
  if (!rs && parse_errors != nullptr) *parse_errors = error;
  return rs;
}

inline std::unique_ptr<const CompiledRuleset> compile_text(const std::string& text) {
  return compile_text(text, test_interfaces());
}

inline void set_addr(uint8_t* out, const char* text) {
  pfconf::IpAddr a = ip(text);
  std::memcpy(out, a.bytes.data(), 16);
}

// A packet on `port` in direction `dir`; the family follows the source address.
inline Packet packet(Direction dir, uint16_t port, uint8_t proto, const char* src, uint16_t sport,
                     const char* dst, uint16_t dport) {
  Packet p;
  p.af = std::strchr(src, ':') != nullptr ? Af::kInet6 : Af::kInet;
  p.dir = dir;
  p.port = port;
  p.rcv_port = port;
  p.proto = proto;
  p.sport = sport;
  p.dport = dport;
  if (proto == wire::kIpProtoTcp) p.tcp_flags = wire::kTcpSyn;
  set_addr(p.src, src);
  set_addr(p.dst, dst);
  return p;
}

inline Packet tcp(Direction dir, uint16_t port, const char* src, uint16_t sport, const char* dst,
                  uint16_t dport, uint8_t flags = wire::kTcpSyn) {
  Packet p = packet(dir, port, wire::kIpProtoTcp, src, sport, dst, dport);
  p.tcp_flags = flags;
  return p;
}

inline Packet udp(Direction dir, uint16_t port, const char* src, uint16_t sport, const char* dst,
                  uint16_t dport) {
  return packet(dir, port, wire::kIpProtoUdp, src, sport, dst, dport);
}

inline Packet icmp(Direction dir, uint16_t port, const char* src, const char* dst, uint8_t type,
                   uint8_t code) {
  bool v6 = std::strchr(src, ':') != nullptr;
  Packet p = packet(dir, port, v6 ? wire::kIpProtoIcmpv6 : wire::kIpProtoIcmp, src, 0, dst, 0);
  p.icmp_type = type;
  p.icmp_code = code;
  return p;
}

}  // namespace dpf::filter::testing
