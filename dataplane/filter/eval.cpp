// Rule evaluation: per-rule tests as pf_test_rule orders them, the last-match/quick walk over
// candidates, and the verdict (state options, block return) of the deciding rule.
#include "dataplane/filter/eval.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::filter {
namespace {

struct Keys {
  Addr128 src;
  Addr128 dst;
};

Keys packet_keys(const Packet& p) noexcept {
  bool v6 = p.af == Af::kInet6;
  return {addr_key(p.src, v6), addr_key(p.dst, v6)};
}

bool port_matches(const PortMatch& m, uint16_t port) noexcept {
  switch (m.op) {
    case PortOp::kNone:
      return true;
    case PortOp::kEq:
      return port == m.lo;
    case PortOp::kNe:
      return port != m.lo;
    case PortOp::kLt:
      return port < m.lo;
    case PortOp::kLe:
      return port <= m.lo;
    case PortOp::kGt:
      return port > m.lo;
    case PortOp::kGe:
      return port >= m.lo;
    case PortOp::kRangeIncl:
      return port >= m.lo && port <= m.hi;
    case PortOp::kRangeExcl:
      return port > m.lo && port < m.hi;
    case PortOp::kRangeOut:
      return port < m.lo || port > m.hi;
  }
  return false;
}

// pf's PF_MISMATCHAW inverted: the address test holds iff (address in spec) != negated.
bool addr_matches(const CompiledRuleset& rs, const AddrMatch& m, bool v6, Addr128 a) noexcept {
  bool in = true;
  switch (m.kind) {
    case AddrKind::kAny:
      in = true;
      break;
    case AddrKind::kPrefix:
      in = prefix_contains(m.a, m.b, a);
      break;
    case AddrKind::kRange:
      in = m.a <= a && a <= m.b;
      break;
    case AddrKind::kSet:
      in = rs.sets[m.set].contains(v6, a) || (m.hosts && rs.hosts[m.set]->contains(v6, a));
      break;
  }
  return in != m.neg;
}

bool port_in_mask(uint64_t mask, uint16_t port) noexcept {
  return port < kMaxPorts && ((mask >> port) & 1u) != 0;
}

bool matches(const CompiledRuleset& rs, const CompiledRule& r, const Packet& p, const Keys& k,
             uint16_t tag) noexcept {
  if (r.has_if && port_in_mask(r.if_mask, p.port) == r.ifnot) return false;
  if (r.dir != 0 && r.dir != static_cast<uint8_t>(p.dir)) return false;
  if (r.af != 0 && r.af != static_cast<uint8_t>(p.af)) return false;
  if (r.proto != 0 && r.proto != p.proto) return false;
  bool v6 = p.af == Af::kInet6;
  if (!addr_matches(rs, r.src, v6, k.src)) return false;
  if (!addr_matches(rs, r.dst, v6, k.dst)) return false;
  if (p.fragment) {
    // pf_test_fragment: rules that need the transport header never match a fragment.
    if (r.sport.op != PortOp::kNone || r.dport.op != PortOp::kNone) return false;
    if (p.proto == wire::kIpProtoTcp && r.flagset != 0) return false;
    if (r.icmp_type != 0 || r.icmp_code != 0) return false;
  } else {
    if (r.fragment) return false;
    switch (p.proto) {
      case wire::kIpProtoTcp:
        if ((r.flagset & p.tcp_flags) != r.flags) return false;
        [[fallthrough]];
      case wire::kIpProtoUdp:
        if (!port_matches(r.sport, p.sport) || !port_matches(r.dport, p.dport)) return false;
        break;
      case wire::kIpProtoIcmp:
      case wire::kIpProtoIcmpv6:
        if (r.icmp_type != 0 && r.icmp_type != p.icmp_type + 1) return false;
        if (r.icmp_code != 0 && r.icmp_code != p.icmp_code + 1) return false;
        break;
      default:
        break;
    }
  }
  if (r.tagged != 0 && (tag == r.tagged) == r.tagged_not) return false;
  if (r.has_rcv && !port_in_mask(r.rcv_mask, p.rcv_port)) return false;
  return true;
}

// The running result of a walk: pf's `*rm` plus what match rules contributed.
struct Walk {
  const CompiledRule* last = nullptr;
  uint32_t stop = kNoRule;
  uint16_t tag = 0;
  bool match_log = false;
  uint32_t nat = kNoRule;  // from match rules
  uint32_t rdr = kNoRule;
};

// Applies a matching rule; returns true when evaluation stops (quick).
inline bool take(Walk& w, const CompiledRule& r) noexcept {
  if (r.tag != 0) w.tag = r.tag;
  if (r.action == RuleAction::kMatch) {
    w.match_log = w.match_log || r.log;
    if (r.nat != kNoRule) w.nat = r.nat;
    if (r.rdr != kNoRule) w.rdr = r.rdr;
  } else {
    w.last = &r;
  }
  return r.quick;
}

void set_return(Verdict& v, const CompiledRule& r, const Packet& p) noexcept {
  if (r.ret == ReturnMode::kDrop || p.fragment) return;
  bool can_rst = r.ret == ReturnMode::kRet || r.ret == ReturnMode::kRst;
  bool can_icmp = r.ret == ReturnMode::kRet || r.ret == ReturnMode::kIcmp;
  if (p.proto == wire::kIpProtoTcp && can_rst && (p.tcp_flags & wire::kTcpRst) == 0) {
    v.ret = ReturnKind::kRst;
    v.rst_ttl = r.rst_ttl;
  } else if (can_icmp && p.af == Af::kInet && p.proto != wire::kIpProtoIcmp) {
    v.ret = ReturnKind::kIcmp;
    v.icmp_type = 3;  // ICMP_UNREACH
    v.icmp_code = r.icmp4_code;
  } else if (can_icmp && p.af == Af::kInet6 && p.proto != wire::kIpProtoIcmpv6) {
    v.ret = ReturnKind::kIcmp;
    v.icmp_type = 1;  // ICMP6_DST_UNREACH
    v.icmp_code = r.icmp6_code;
  }
}

Verdict finish(const CompiledRuleset& rs, const Walk& w, const Packet& p) noexcept {
  Verdict v;
  v.tag = w.tag;
  v.match_log = w.match_log;
  v.stop = w.stop;
  const CompiledRule* r = w.last;
  if (r == nullptr) {  // pf_default_rule: pass, no state, no options; match rules' translations
    v.nat = w.nat;
    v.rdr = w.rdr;
    return v;
  }
  v.rule = r;
  v.rule_nr = r->nr;
  v.quick = r->quick;
  v.log = r->log;
  v.log_flags = r->log_flags;
  if (r->action == RuleAction::kBlock) {
    v.action = Decision::kBlock;
    set_return(v, *r, p);
    return v;
  }
  v.allow_opts = r->allow_opts;
  v.nat = r->nat != kNoRule ? r->nat : w.nat;
  v.rdr = r->rdr != kNoRule ? r->rdr : w.rdr;
  // Fragments never create states (pf_test_fragment / PF_VPROTO_FRAGMENT).
  v.keep_state = r->state != StateMode::kNone && !p.fragment;
  v.state_mode = v.keep_state ? r->state : StateMode::kNone;
  if (v.keep_state) v.state = &rs.states[static_cast<size_t>(r - rs.rules.data())];
  return v;
}

// Merges up to five ascending lists of rule positions, visiting each position in order.
struct Merge {
  const uint32_t* cur[5];
  const uint32_t* end[5];
  int n = 0;

  void add(std::span<const uint32_t> s) noexcept {
    if (s.empty()) return;
    cur[n] = s.data();
    end[n] = s.data() + s.size();
    ++n;
  }
  // Next smallest position, or kNoRule when all lists are exhausted.
  uint32_t next() noexcept {
    int best = -1;
    uint32_t v = kNoRule;
    for (int i = 0; i < n; ++i) {
      if (cur[i] != end[i] && *cur[i] < v) {
        v = *cur[i];
        best = i;
      }
    }
    if (best >= 0) ++cur[best];
    return v;
  }
};

// The classifier's lists for the packet: the node's wildcard rules and one list per index.
void candidates(const CompiledRuleset& rs, const Packet& p, const Keys& k, Merge& m) noexcept {
  const ClassifierNode& node = rs.node(p.dir, p.af, p.proto);
  node.dport.prefetch(p.dport);
  node.dst.prefetch(k.dst);
  node.src.prefetch(k.src);
  m.add(node.wild);
  if (p.port < kMaxPorts && !node.if_offsets.empty()) {
    m.add({node.if_ids.data() + node.if_offsets[p.port],
           node.if_ids.data() + node.if_offsets[p.port + 1]});
  }
  if (!p.fragment) m.add(node.dport.lookup(p.dport));
  m.add(node.dst.lookup(k.dst));
  m.add(node.src.lookup(k.src));
}

}  // namespace

size_t candidate_count(const CompiledRuleset& rs, const Packet& p) noexcept {
  Merge m;
  candidates(rs, p, packet_keys(p), m);
  size_t n = 0;
  for (int i = 0; i < m.n; ++i) n += static_cast<size_t>(m.end[i] - m.cur[i]);
  return n;
}

bool rule_matches(const CompiledRuleset& rs, const CompiledRule& r, const Packet& p,
                  uint16_t tag) noexcept {
  return matches(rs, r, p, packet_keys(p), tag);
}

Verdict evaluate(const CompiledRuleset& rs, const Packet& p) noexcept {
  if (port_in_mask(rs.skip_mask, p.port)) [[unlikely]] {
    Verdict v;
    v.action = Decision::kSkip;
    return v;
  }
  const Keys k = packet_keys(p);
  Merge m;
  candidates(rs, p, k, m);
  for (int i = 0; i < m.n; ++i) {  // overlap the first rule loads of every list
    const char* r = reinterpret_cast<const char*>(&rs.rules[*m.cur[i]]);
    __builtin_prefetch(r);
    __builtin_prefetch(r + 64);
  }
  Walk w;
  w.tag = p.tag;
  for (uint32_t i = m.next(); i != kNoRule; i = m.next()) {
    const CompiledRule& r = rs.rules[i];
    if (matches(rs, r, p, k, w.tag) && take(w, r)) {
      w.stop = i;
      break;
    }
  }
  return finish(rs, w, p);
}

Verdict evaluate_linear(const CompiledRuleset& rs, const Packet& p) noexcept {
  if (port_in_mask(rs.skip_mask, p.port)) {
    Verdict v;
    v.action = Decision::kSkip;
    return v;
  }
  const Keys k = packet_keys(p);
  Walk w;
  w.tag = p.tag;
  for (uint32_t i = 0; i < rs.rules.size(); ++i) {
    const CompiledRule& r = rs.rules[i];
    if (matches(rs, r, p, k, w.tag) && take(w, r)) {
      w.stop = i;
      break;
    }
  }
  return finish(rs, w, p);
}

}  // namespace dpf::filter
