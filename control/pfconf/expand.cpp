// Expansion of a rule's lists into one Rule per combination, in pfctl's nesting order
// (interface, protocol, source host, destination host, source port, destination port, icmp
// type), skipping combinations whose address families disagree, and the label/tag macros
// ($if $proto $srcaddr $srcport $dstaddr $dstport $nr).
#include <initializer_list>

#include "control/pfconf/address.h"
#include "control/pfconf/names.h"
#include "control/pfconf/parser_impl.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::pfconf::detail {
namespace {

// Upper bound on the rules of one ruleset, to keep a hostile list product from exhausting memory.
constexpr size_t kMaxRules = 1'000'000;

template <typename T>
std::vector<T> or_default(const std::vector<T>& v) {
  return v.empty() ? std::vector<T>{T{}} : v;
}

std::string port_label(const PortSpec& p) {
  std::string lo = std::to_string(p.lo);
  std::string hi = std::to_string(p.hi);
  switch (p.op) {
    case PortOp::kNone:
      return "";
    case PortOp::kEq:
      return lo;
    case PortOp::kNe:
      return "!=" + lo;
    case PortOp::kLt:
      return "<" + lo;
    case PortOp::kLe:
      return "<=" + lo;
    case PortOp::kGt:
      return ">" + lo;
    case PortOp::kGe:
      return ">=" + lo;
    case PortOp::kRangeInclusive:
      return "";  // pfctl leaves `a:b` ranges empty
    case PortOp::kRangeExclusive:
      return lo + "><" + hi;
    case PortOp::kRangeOutside:
      return lo + "<>" + hi;
  }
  return "";
}

// The address as pfctl's label expansion writes it: dynamic addresses as `(if)` only, and
// ranges, which it has no text for, as `?`.
std::string addr_label(const Address& a) {
  std::string text;
  switch (a.kind) {
    case AddrKind::kDynamic:
      text = "(" + a.name + ")";
      break;
    case AddrKind::kRange:
      text = "?";
      break;
    default:
      text = format_address(a);
      break;
  }
  return (a.negated ? "! " : "") + text;
}

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

}  // namespace

std::string Parser::expand_label(const std::string& text, const Rule& r) const {
  if (text.find('$') == std::string::npos) return text;
  std::string s = text;
  std::string proto(protocol_name(r.proto));  // protocol 0 is "ip", as getprotobynumber(0)
  if (proto.empty()) proto = std::to_string(r.proto);
  replace_all(s, "$if", r.ifname.empty() ? "any" : r.ifname);
  replace_all(s, "$proto", proto);
  replace_all(s, "$srcaddr", addr_label(r.src.addr));
  replace_all(s, "$srcport", port_label(r.src.port));
  replace_all(s, "$dstaddr", addr_label(r.dst.addr));
  replace_all(s, "$dstport", port_label(r.dst.port));
  replace_all(s, "$nr", std::to_string(ruleset_.rules.size()));
  return s;
}

// Completes one combination; false if the combination is skipped (mixed address families).
bool Parser::expand_one(const RuleSpec& spec, Rule& r) {
  Af src = r.src.addr.af();
  Af dst = r.dst.addr.af();
  if (r.af != Af::kAny && ((src != Af::kAny && src != r.af) || (dst != Af::kAny && dst != r.af))) {
    return false;
  }
  if (src != Af::kAny && dst != Af::kAny && src != dst) return false;
  if (r.af == Af::kAny) r.af = src != Af::kAny ? src : dst;
  if (!r.nat_to.addrs.empty()) {
    bool binat = r.binat_to || r.translation == TranslationKind::kBinat;
    finish_pool(spec, r, r.nat_to, binat ? TranslationKind::kBinat : TranslationKind::kNat);
  }
  if (!r.rdr_to.addrs.empty()) finish_pool(spec, r, r.rdr_to, TranslationKind::kRdr);
  Token here{TokKind::kWord, "", r.line, spec.col, spec.file};
  if ((r.src.port.op != PortOp::kNone || r.dst.port.op != PortOp::kNone) &&
      r.proto != wire::kIpProtoTcp && r.proto != wire::kIpProtoUdp) {
    fail(here, "port only applies to tcp/udp");
  }
  if (r.icmp_type != 0) {
    if (spec.icmp6 && r.af == Af::kAny) r.af = Af::kInet6;
    uint8_t want = spec.icmp6 ? wire::kIpProtoIcmpv6 : wire::kIpProtoIcmp;
    if (r.proto != want) {
      fail(here, spec.icmp6 ? "icmp6-type only applies to proto ipv6-icmp"
                            : "icmp-type only applies to proto icmp");
    }
    if (r.af == (spec.icmp6 ? Af::kInet : Af::kInet6)) {
      fail(here, spec.icmp6 ? "icmp6-type cannot be used with inet"
                            : "icmp-type cannot be used with inet6");
    }
  }
  if (r.proto != 0 && r.proto != wire::kIpProtoTcp) {
    r.flags = 0;
    r.flagset = 0;
    if (r.state == StateMode::kModulate || r.state == StateMode::kSynproxy)
      r.state = StateMode::kKeep;
  }
  for (std::string& l : r.labels) l = expand_label(l, r);
  r.tag = expand_label(r.tag, r);
  r.tagged = expand_label(r.tagged, r);
  return true;
}

void Parser::expand_rule(const RuleSpec& spec) {
  // Bound the cross product before building it: a few long lists multiply quickly.
  double combinations = 1;
  for (size_t n :
       {spec.interfaces.size(), spec.protos.size(), spec.src_hosts.size(), spec.dst_hosts.size(),
        spec.src_ports.size(), spec.dst_ports.size(), spec.icmp.size()}) {
    combinations *= static_cast<double>(n == 0 ? 1 : n);
  }
  double existing = static_cast<double>(ruleset_.rules.size() + ruleset_.translations.size());
  if (combinations + existing > kMaxRules) {
    fail(Token{TokKind::kWord, "", spec.base.line, spec.col, spec.file},
         "rule expands to more than " + std::to_string(kMaxRules) + " rules");
  }
  size_t produced = 0;
  for (const InterfaceItem& ifc : or_default(spec.interfaces)) {
    for (uint8_t proto : or_default(spec.protos)) {
      for (const Address& sh : or_default(spec.src_hosts)) {
        for (const Address& dh : or_default(spec.dst_hosts)) {
          for (const PortSpec& sp : or_default(spec.src_ports)) {
            for (const PortSpec& dp : or_default(spec.dst_ports)) {
              for (const IcmpItem& icmp : or_default(spec.icmp)) {
                Rule r = spec.base;
                r.col = spec.col;
                r.file = files_[static_cast<size_t>(spec.file)];
                r.file_private = private_[static_cast<size_t>(spec.file)];
                r.ifname = ifc.name;
                r.ifnot = ifc.negated;
                r.proto = proto;
                r.icmp_type = icmp.type;
                r.icmp_code = icmp.code;
                r.src = Endpoint{sh, sp};
                r.dst = Endpoint{dh, dp};
                if (!expand_one(spec, r)) continue;
                (r.translation == TranslationKind::kNone ? ruleset_.rules : ruleset_.translations)
                    .push_back(std::move(r));
                ++produced;
              }
            }
          }
        }
      }
    }
  }
  if (produced == 0) {
    fail(Token{TokKind::kWord, "", spec.base.line, spec.col, spec.file},
         "rule expands to no valid combination");
  }
}

}  // namespace dpf::pfconf::detail
