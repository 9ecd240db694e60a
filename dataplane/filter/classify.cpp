// Builds the classifier of a compiled ruleset (see compile.h for the scheme and its cost).
#include <algorithm>
#include <array>
#include <bit>
#include <unordered_map>

#include "dataplane/filter/compile.h"
#include "dataplane/filter/eval.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::filter::detail {
namespace {

constexpr int kDims = 4;  // dport, dst, src, interface
enum Dim : int { kDport = 0, kDst = 1, kSrc = 2, kIf = 3, kWild = 4 };
constexpr int kMaxIfFanout = 4;  // a rule on a group of more ports stays out of the if index

using PortIv = std::pair<uint32_t, uint32_t>;
using AddrIv = std::pair<Addr128, Addr128>;

inline uint32_t key_next(uint32_t k) {
  return k + 1;
}
inline Addr128 key_next(Addr128 k) {
  return addr_next(k);
}

// The ports a PortMatch accepts, as inclusive intervals.
std::vector<PortIv> port_intervals(const PortMatch& m) {
  uint32_t lo = m.lo;
  uint32_t hi = m.hi;
  std::vector<PortIv> v;
  auto add = [&v](uint32_t a, uint32_t b) {
    if (a <= b) v.emplace_back(a, b);
  };
  switch (m.op) {
    case PortOp::kNone:
      add(0, 0xffff);
      break;
    case PortOp::kEq:
      add(lo, lo);
      break;
    case PortOp::kNe:
      if (lo > 0) add(0, lo - 1);
      add(lo + 1, 0xffff);
      break;
    case PortOp::kLt:
      if (lo > 0) add(0, lo - 1);
      break;
    case PortOp::kLe:
      add(0, lo);
      break;
    case PortOp::kGt:
      add(lo + 1, 0xffff);
      break;
    case PortOp::kGe:
      add(lo, 0xffff);
      break;
    case PortOp::kRangeIncl:
      add(lo, hi);
      break;
    case PortOp::kRangeExcl:
      if (hi > 0) add(lo + 1, hi - 1);
      break;
    case PortOp::kRangeOut:
      if (lo > 0) add(0, lo - 1);
      add(hi + 1, 0xffff);
      break;
  }
  return v;
}

std::vector<AddrIv> addr_intervals(const CompiledRuleset& rs, const AddrMatch& m, bool v6) {
  std::vector<AddrIv> v;
  switch (m.kind) {
    case AddrKind::kAny:
      v.emplace_back(Addr128{}, kAddrMax);
      break;
    case AddrKind::kPrefix:
      v.emplace_back(m.a, Addr128{m.a.hi | ~m.b.hi, m.a.lo | ~m.b.lo});
      break;
    case AddrKind::kRange:
      if (m.a <= m.b) v.emplace_back(m.a, m.b);
      break;
    case AddrKind::kSet:
      for (const AddrInterval& iv : rs.sets[m.set].intervals(v6)) v.emplace_back(iv.first, iv.last);
      break;
  }
  return v;
}

uint64_t mix(uint64_t h, uint64_t x) {
  h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

// A rule of one node with the keys it could be indexed by.
struct Placement {
  uint32_t pos = 0;
  std::vector<PortIv> dport;
  std::vector<AddrIv> dst;
  std::vector<AddrIv> src;
  std::vector<PortIv> ifs;  // ports as one-element intervals
  std::array<uint64_t, kDims> hash{};
  std::array<bool, kDims> can{};
  std::array<int, kDims + 1> order{};  // dims by preference, ending with kWild
  int at = 0;                          // index into order
  int dim() const { return order[static_cast<size_t>(at)]; }
};

template <typename Key>
size_t piece_of(const std::vector<Key>& starts, Key k) {
  return static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), k) - starts.begin()) -
         1;
}

template <typename Key>
std::vector<Key> piece_starts(const std::vector<const std::vector<std::pair<Key, Key>>*>& lists,
                              Key max) {
  std::vector<Key> s{Key{}};
  for (const auto* l : lists) {
    for (const auto& [first, last] : *l) {
      s.push_back(first);
      if (last != max) s.push_back(key_next(last));
    }
  }
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

template <typename Key>
size_t pieces(const std::vector<Key>& starts, const std::vector<std::pair<Key, Key>>& ivs) {
  size_t n = 0;
  for (const auto& [first, last] : ivs) n += piece_of(starts, last) - piece_of(starts, first) + 1;
  return n;
}

template <typename Key>
const std::vector<std::pair<Key, Key>>& keys_of(const Placement& p, int dim);
template <>
const std::vector<PortIv>& keys_of<uint32_t>(const Placement& p, int dim) {
  return dim == kDport ? p.dport : p.ifs;
}
template <>
const std::vector<AddrIv>& keys_of<Addr128>(const Placement& p, int dim) {
  return dim == kDst ? p.dst : p.src;
}

// Rules placed in `dim` whose ranges would be cut into too many pieces; true if any.
template <typename Key>
bool reject_wide(std::vector<Placement>& ps, int dim, Key max, bool last_round) {
  std::vector<const std::vector<std::pair<Key, Key>>*> lists;
  for (const Placement& p : ps) {
    if (p.dim() == dim) lists.push_back(&keys_of<Key>(p, dim));
  }
  if (lists.empty()) return false;
  std::vector<Key> starts = piece_starts(lists, max);
  bool moved = false;
  for (Placement& p : ps) {
    if (p.dim() != dim) continue;
    const auto& ivs = keys_of<Key>(p, dim);
    if (pieces(starts, ivs) <= kMaxPiecesPerRange * ivs.size()) continue;
    if (last_round) {
      p.at = kDims;  // order[kDims] is always kWild
    } else {
      ++p.at;
    }
    moved = true;
  }
  return moved;
}

// About one bucket per boundary (at most 2^16), spread over the bits below the boundaries'
// common prefix. Any nondecreasing bucket function keeps lookup exact (see IntervalIndex).
template <typename Key>
void build_buckets(IntervalIndex<Key>& idx, const std::vector<Key>& starts) {
  const size_t n = starts.size();
  uint32_t bits = 0;
  while (bits < 16 && (size_t{1} << bits) < n) ++bits;
  const uint64_t nb = uint64_t{1} << bits;
  idx.base = n > 1 ? index_proj(starts[1]) : 0;
  const uint64_t span = index_proj(starts[n - 1]) - idx.base;
  const uint32_t width = static_cast<uint32_t>(std::bit_width(span));
  idx.shift = width > bits ? width - bits : 0;
  idx.bucket.assign(nb + 1, static_cast<uint32_t>(n));
  for (size_t i = n; i-- > 0;) {
    uint64_t p = index_proj(starts[i]);
    uint64_t b = p < idx.base ? 0 : (p - idx.base) >> idx.shift;
    if (b >= nb) b = nb - 1;
    idx.bucket[b] = static_cast<uint32_t>(i);
  }
  for (uint64_t b = nb; b-- > 0;) idx.bucket[b] = std::min(idx.bucket[b], idx.bucket[b + 1]);
}

template <typename Key>
IntervalIndex<Key> build_index(const std::vector<Placement>& ps, int dim, Key max) {
  std::vector<const std::vector<std::pair<Key, Key>>*> lists;
  for (const Placement& p : ps) {
    if (p.dim() == dim) lists.push_back(&keys_of<Key>(p, dim));
  }
  IntervalIndex<Key> idx;
  if (lists.empty()) return idx;
  std::vector<Key> starts = piece_starts(lists, max);
  std::vector<std::vector<uint32_t>> per(starts.size());
  for (const Placement& p : ps) {  // ascending rule positions
    if (p.dim() != dim) continue;
    for (const auto& [first, last] : keys_of<Key>(p, dim)) {
      size_t b = piece_of(starts, first);
      size_t e = piece_of(starts, last);
      for (size_t i = b; i <= e; ++i) per[i].push_back(p.pos);
    }
  }
  for (size_t i = 0; i < starts.size(); ++i) {
    idx.pieces.push_back({starts[i], static_cast<uint32_t>(idx.ids.size())});
    idx.ids.insert(idx.ids.end(), per[i].begin(), per[i].end());
  }
  idx.pieces.push_back({max, static_cast<uint32_t>(idx.ids.size())});  // sentinel
  build_buckets(idx, starts);
  return idx;
}

template <typename Iv>
uint64_t hash_ivs(int dim, const std::vector<Iv>& ivs) {
  uint64_t h = mix(0, static_cast<uint64_t>(dim));
  for (const auto& [a, b] : ivs) {
    if constexpr (std::is_same_v<Iv, AddrIv>) {
      h = mix(mix(mix(mix(h, a.hi), a.lo), b.hi), b.lo);
    } else {
      h = mix(mix(h, a), b);
    }
  }
  return h;
}

// The keys of rule `pos` in a node; false if the rule can never match there.
bool describe(const CompiledRuleset& rs, uint32_t pos, bool v6, bool ports, Placement& p) {
  const CompiledRule& r = rs.rules[pos];
  p.pos = pos;
  if (ports && r.dport.op != PortOp::kNone) {
    p.dport = port_intervals(r.dport);
    if (p.dport.empty()) return false;
    p.can[kDport] = true;
  }
  // A table that grows at run time cannot be cut into fixed intervals: never index by it.
  if (!r.dst.neg && r.dst.kind != AddrKind::kAny && !r.dst.hosts) {
    p.dst = addr_intervals(rs, r.dst, v6);
    if (p.dst.empty()) return false;
    p.can[kDst] = true;
  }
  if (!r.src.neg && r.src.kind != AddrKind::kAny && !r.src.hosts) {
    p.src = addr_intervals(rs, r.src, v6);
    if (p.src.empty()) return false;
    p.can[kSrc] = true;
  }
  if (r.has_if && !r.ifnot) {
    if (r.if_mask == 0) return false;
    if (std::popcount(r.if_mask) <= kMaxIfFanout) {
      for (uint32_t port = 0; port < kMaxPorts; ++port) {
        if ((r.if_mask >> port) & 1u) p.ifs.emplace_back(port, port);
      }
      p.can[kIf] = true;
    }
  }
  p.hash[kDport] = hash_ivs(kDport, p.dport);
  p.hash[kDst] = hash_ivs(kDst, p.dst);
  p.hash[kSrc] = hash_ivs(kSrc, p.src);
  p.hash[kIf] = hash_ivs(kIf, p.ifs);
  return true;
}

// Prefers the dimension whose key the fewest other rules of the node share.
void rank(std::vector<Placement>& ps) {
  std::unordered_map<uint64_t, uint32_t> count;
  for (const Placement& p : ps) {
    for (int d = 0; d < kDims; ++d) {
      if (p.can[static_cast<size_t>(d)]) ++count[p.hash[static_cast<size_t>(d)]];
    }
  }
  for (Placement& p : ps) {
    std::vector<std::pair<uint32_t, int>> dims;
    for (int d = 0; d < kDims; ++d) {
      if (p.can[static_cast<size_t>(d)])
        dims.emplace_back(count[p.hash[static_cast<size_t>(d)]], d);
    }
    std::sort(dims.begin(), dims.end());
    size_t i = 0;
    for (const auto& [c, d] : dims) p.order[i++] = d;
    while (i <= kDims) p.order[i++] = kWild;
    p.at = 0;
  }
}

void build_node(const CompiledRuleset& rs, const std::vector<uint32_t>& members, bool v6,
                bool ports, ClassifierNode& node) {
  std::vector<Placement> ps;
  ps.reserve(members.size());
  for (uint32_t pos : members) {
    Placement p;
    if (describe(rs, pos, v6, ports, p)) ps.push_back(std::move(p));
  }
  rank(ps);
  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    bool last = round == kRounds - 1;
    bool moved = reject_wide<uint32_t>(ps, kDport, 0xffff, last);
    moved = reject_wide<Addr128>(ps, kDst, kAddrMax, last) || moved;
    moved = reject_wide<Addr128>(ps, kSrc, kAddrMax, last) || moved;
    if (!moved) break;
  }
  node.dport = build_index<uint32_t>(ps, kDport, 0xffff);
  node.dst = build_index<Addr128>(ps, kDst, kAddrMax);
  node.src = build_index<Addr128>(ps, kSrc, kAddrMax);
  std::vector<std::vector<uint32_t>> per_port(kMaxPorts);
  for (const Placement& p : ps) {
    if (p.dim() == kIf) {
      for (const auto& iv : p.ifs) per_port[iv.first].push_back(p.pos);
    } else if (p.dim() == kWild) {
      node.wild.push_back(p.pos);
    }
  }
  node.if_offsets.push_back(0);
  for (const auto& l : per_port) {
    node.if_ids.insert(node.if_ids.end(), l.begin(), l.end());
    node.if_offsets.push_back(static_cast<uint32_t>(node.if_ids.size()));
  }
}

}  // namespace

void build_classifier(CompiledRuleset& rs) {
  std::vector<uint8_t> protos;
  for (const CompiledRule& r : rs.rules) {
    if (r.proto != 0) protos.push_back(r.proto);
  }
  std::sort(protos.begin(), protos.end());
  protos.erase(std::unique(protos.begin(), protos.end()), protos.end());
  rs.proto_class.fill(0);
  for (size_t i = 0; i < protos.size(); ++i)
    rs.proto_class[protos[i]] = static_cast<uint8_t>(i + 1);
  rs.proto_classes = static_cast<uint32_t>(protos.size() + 1);
  rs.nodes.assign(4 * rs.proto_classes, ClassifierNode{});
  for (uint8_t dir = 1; dir <= 2; ++dir) {
    for (Af af : {Af::kInet, Af::kInet6}) {
      const bool v6 = af == Af::kInet6;
      for (uint32_t cls = 0; cls < rs.proto_classes; ++cls) {
        uint8_t proto = cls == 0 ? 0 : protos[cls - 1];
        std::vector<uint32_t> members;
        for (uint32_t i = 0; i < rs.rules.size(); ++i) {
          const CompiledRule& r = rs.rules[i];
          if (r.dir != 0 && r.dir != dir) continue;
          if (r.af != 0 && r.af != static_cast<uint8_t>(af)) continue;
          if (r.proto != 0 && r.proto != proto) continue;
          members.push_back(i);
        }
        size_t n = ((dir - 1u) * 2u + (v6 ? 1u : 0u)) * rs.proto_classes + cls;
        bool ports = proto == wire::kIpProtoTcp || proto == wire::kIpProtoUdp;
        build_node(rs, members, v6, ports, rs.nodes[n]);
      }
    }
  }
}

}  // namespace dpf::filter::detail
