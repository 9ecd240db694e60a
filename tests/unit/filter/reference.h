// A reference evaluator for tests, written from pf.conf(5) and pf_test_rule independently of
// the compiled structures: it walks the parsed pfconf::Rules directly, brute-forces table
// lookups (longest prefix, negation) and interface addresses. Slow; test code only.
#pragma once

#include <cstring>
#include <optional>

#include "control/pfconf/ruleset.h"
#include "dataplane/filter/compile.h"
#include "dataplane/filter/eval.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::filter::testing {

struct RefVerdict {
  Decision action = Decision::kPass;
  int64_t rule = -1;  // -1: default rule
  std::string tag;    // empty: none
};

class Reference {
 public:
  Reference(const pfconf::Ruleset& rs, const InterfaceMap& ifs) : rs_(rs), ifs_(ifs) {}

  RefVerdict evaluate(const Packet& p, const std::string& tag_in) const {
    RefVerdict v;
    for (const std::string& s : rs_.options.skip) {
      if (on_interface(s, p.port)) {
        v.action = Decision::kSkip;
        return v;
      }
    }
    std::string tag = tag_in;
    for (size_t i = 0; i < rs_.rules.size(); ++i) {
      const pfconf::Rule& r = rs_.rules[i];
      if (!matches(r, p, tag)) continue;
      if (!r.tag.empty()) tag = r.tag;
      if (r.action != pfconf::Action::kMatch) {
        v.rule = static_cast<int64_t>(i);
        v.action = r.action == pfconf::Action::kBlock ? Decision::kBlock : Decision::kPass;
      }
      if (r.quick) break;
    }
    v.tag = tag;
    return v;
  }

 private:
  bool on_interface(const std::string& name, uint16_t port) const {
    for (const Interface& i : ifs_.interfaces) {
      if (i.port != port) continue;
      if (i.name == name) return true;
      for (const std::string& g : i.groups) {
        if (g == name) return true;
      }
    }
    return false;
  }

  static size_t len(Af af) { return af == Af::kInet6 ? 16 : 4; }
  static bool same_af(const pfconf::IpAddr& a, Af af) {
    return (a.af == pfconf::Af::kInet6) == (af == Af::kInet6);
  }
  // The first `bits` bits of x and y are equal.
  static bool prefix_eq(const uint8_t* x, const uint8_t* y, unsigned bits) {
    for (unsigned i = 0; i < bits; ++i) {
      if (((x[i / 8] >> (7 - i % 8)) & 1) != ((y[i / 8] >> (7 - i % 8)) & 1)) return false;
    }
    return true;
  }

  bool in_table(const std::string& name, Af af, const uint8_t* a) const {
    for (const pfconf::Table& t : rs_.tables) {
      if (t.name != name) continue;
      int best = -1;
      bool in = false;
      for (const pfconf::TableEntry& e : t.entries) {
        if (!same_af(e.addr.addr, af) || !prefix_eq(e.addr.addr.bytes.data(), a, e.addr.prefix))
          continue;
        if (e.addr.prefix >= best) {
          best = e.addr.prefix;
          in = !e.addr.negated;
        }
      }
      return in;
    }
    return false;
  }

  bool in_interface(const pfconf::Address& x, Af af, const uint8_t* a) const {
    bool network = x.kind == pfconf::AddrKind::kIfNetwork || (x.dyn_flags & pfconf::kDynNetwork);
    for (const Interface& i : ifs_.interfaces) {
      if (x.kind != pfconf::AddrKind::kSelf && !on_interface(x.name, i.port)) continue;
      bool first4 = true;
      bool first6 = true;
      for (const InterfaceAddress& ia : i.addresses) {
        bool six = ia.addr.af == pfconf::Af::kInet6;
        bool ll = six && ia.addr.bytes[0] == 0xfe && (ia.addr.bytes[1] & 0xc0) == 0x80;
        bool first = six ? (first6 && !ll) : first4;
        if (six && !ll) first6 = false;
        if (!six) first4 = false;
        if ((x.dyn_flags & pfconf::kDynNoAlias) && !first) continue;
        if (!same_af(ia.addr, af)) continue;
        unsigned bits = network ? ia.prefix : (six ? 128 : 32);
        if (x.has_prefix) bits = x.prefix;
        if (prefix_eq(ia.addr.bytes.data(), a, bits)) return true;
      }
    }
    return false;
  }

  bool in_address(const pfconf::Address& x, Af af, const uint8_t* a) const {
    switch (x.kind) {
      case pfconf::AddrKind::kAny:
        return true;
      case pfconf::AddrKind::kHost:
        return same_af(x.addr, af) && prefix_eq(x.addr.bytes.data(), a, x.prefix);
      case pfconf::AddrKind::kRange:
        return same_af(x.addr, af) && std::memcmp(x.addr.bytes.data(), a, len(af)) <= 0 &&
               std::memcmp(a, x.addr_end.bytes.data(), len(af)) <= 0;
      case pfconf::AddrKind::kTable:
        return in_table(x.name, af, a);
      default:
        return in_interface(x, af, a);
    }
  }

  static bool port_ok(const pfconf::PortSpec& s, uint16_t p) {
    switch (s.op) {
      case pfconf::PortOp::kNone:
        return true;
      case pfconf::PortOp::kEq:
        return p == s.lo;
      case pfconf::PortOp::kNe:
        return p != s.lo;
      case pfconf::PortOp::kLt:
        return p < s.lo;
      case pfconf::PortOp::kLe:
        return p <= s.lo;
      case pfconf::PortOp::kGt:
        return p > s.lo;
      case pfconf::PortOp::kGe:
        return p >= s.lo;
      case pfconf::PortOp::kRangeInclusive:
        return s.lo <= p && p <= s.hi;
      case pfconf::PortOp::kRangeExclusive:
        return s.lo < p && p < s.hi;
      case pfconf::PortOp::kRangeOutside:
        return p < s.lo || p > s.hi;
    }
    return false;
  }

  bool matches(const pfconf::Rule& r, const Packet& p, const std::string& tag) const {
    if (!r.ifname.empty() && on_interface(r.ifname, p.port) == r.ifnot) return false;
    if (r.dir == pfconf::Direction::kIn && p.dir != Direction::kIn) return false;
    if (r.dir == pfconf::Direction::kOut && p.dir != Direction::kOut) return false;
    if (r.af != pfconf::Af::kAny && (r.af == pfconf::Af::kInet6) != (p.af == Af::kInet6))
      return false;
    if (r.proto != 0 && r.proto != p.proto) return false;
    if (in_address(r.src.addr, p.af, p.src) == r.src.addr.negated) return false;
    if (in_address(r.dst.addr, p.af, p.dst) == r.dst.addr.negated) return false;
    bool has_ports =
        r.src.port.op != pfconf::PortOp::kNone || r.dst.port.op != pfconf::PortOp::kNone;
    if (p.fragment) {
      if (has_ports || (p.proto == wire::kIpProtoTcp && r.flagset) || r.icmp_type || r.icmp_code)
        return false;
    } else {
      if (r.fragment) return false;
      if (p.proto == wire::kIpProtoTcp && (p.tcp_flags & r.flagset) != r.flags) return false;
      if ((p.proto == wire::kIpProtoTcp || p.proto == wire::kIpProtoUdp) &&
          (!port_ok(r.src.port, p.sport) || !port_ok(r.dst.port, p.dport)))
        return false;
      if (p.proto == wire::kIpProtoIcmp || p.proto == wire::kIpProtoIcmpv6) {
        if (r.icmp_type && r.icmp_type != p.icmp_type + 1) return false;
        if (r.icmp_code && r.icmp_code != p.icmp_code + 1) return false;
      }
    }
    if (!r.tagged.empty() && (tag == r.tagged) == r.tagged_not) return false;
    if (!r.received_on.empty() && !on_interface(r.received_on, p.rcv_port)) return false;
    return true;
  }

  const pfconf::Ruleset& rs_;
  const InterfaceMap& ifs_;
};

}  // namespace dpf::filter::testing
