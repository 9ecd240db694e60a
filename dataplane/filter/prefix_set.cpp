// Prefix sets: a laminar sweep turns nested, possibly negated prefixes into a step function.
#include "dataplane/filter/prefix_set.h"

#include <algorithm>

namespace dpf::filter {

Addr128 addr_key(const uint8_t* b, bool inet6) noexcept {
  uint64_t hi = 0;
  uint64_t lo = 0;
  if (inet6) {
    for (int i = 0; i < 8; ++i) hi = (hi << 8) | b[i];
    for (int i = 8; i < 16; ++i) lo = (lo << 8) | b[i];
  } else {
    hi = (uint64_t{b[0]} << 56) | (uint64_t{b[1]} << 48) | (uint64_t{b[2]} << 40) |
         (uint64_t{b[3]} << 32);
  }
  return {hi, lo};
}

Addr128 prefix_mask(unsigned bits) noexcept {
  if (bits == 0) return {};
  if (bits <= 64) return {~uint64_t{0} << (64 - bits), 0};
  if (bits >= 128) return kAddrMax;
  return {~uint64_t{0}, ~uint64_t{0} << (128 - bits)};
}

Addr128 prefix_last(Addr128 net, unsigned bits) noexcept {
  Addr128 m = prefix_mask(bits);
  return {net.hi | ~m.hi, net.lo | ~m.lo};
}

Addr128 addr_next(Addr128 a) noexcept {
  Addr128 r = a;
  if (++r.lo == 0) ++r.hi;
  return r;
}

PrefixSet PrefixSet::build(std::vector<PrefixEntry> inet, std::vector<PrefixEntry> inet6) {
  PrefixSet s;
  s.inet_ = sweep(std::move(inet));
  s.inet6_ = sweep(std::move(inet6));
  return s;
}

// Prefixes are either nested or disjoint, so sorted by (start, length) they form a forest that
// a stack walks in address order; each open prefix owns the addresses not claimed by a longer one.
PrefixSet::Steps PrefixSet::sweep(std::vector<PrefixEntry> entries) {
  for (PrefixEntry& e : entries) {
    Addr128 m = prefix_mask(e.bits);
    e.net = {e.net.hi & m.hi, e.net.lo & m.lo};
  }
  std::stable_sort(entries.begin(), entries.end(), [](const PrefixEntry& a, const PrefixEntry& b) {
    return a.net != b.net ? a.net < b.net : a.bits < b.bits;
  });
  // Of duplicates keep the last (stable sort keeps source order among equals).
  std::vector<PrefixEntry> uniq;
  for (const PrefixEntry& e : entries) {
    if (!uniq.empty() && uniq.back().net == e.net && uniq.back().bits == e.bits) {
      uniq.back() = e;
    } else {
      uniq.push_back(e);
    }
  }
  struct Open {
    Addr128 last;
    bool in;
  };
  std::vector<Open> open;
  std::vector<std::pair<Addr128, bool>> out;
  auto emit = [&out](Addr128 at, bool in) {
    if (!out.empty() && out.back().first == at) {
      out.back().second = in;
    } else {
      out.emplace_back(at, in);
    }
  };
  auto close_one = [&]() {
    Open t = open.back();
    open.pop_back();
    if (t.last != kAddrMax) emit(addr_next(t.last), !open.empty() && open.back().in);
  };
  for (const PrefixEntry& e : uniq) {
    while (!open.empty() && open.back().last < e.net) close_one();
    emit(e.net, !e.negated);
    open.push_back({prefix_last(e.net, e.bits), !e.negated});
  }
  while (!open.empty()) close_one();

  Steps st;
  bool current = false;
  for (const auto& [at, in] : out) {
    if (in == current) continue;
    st.starts.push_back(at);
    st.in_set.push_back(in ? 1 : 0);
    current = in;
  }
  return st;
}

bool PrefixSet::contains(bool inet6, Addr128 a) const noexcept {
  const Steps& st = steps(inet6);
  auto it = std::upper_bound(st.starts.begin(), st.starts.end(), a);
  if (it == st.starts.begin()) return false;
  return st.in_set[static_cast<size_t>(it - st.starts.begin()) - 1] != 0;
}

std::vector<AddrInterval> PrefixSet::intervals(bool inet6) const {
  const Steps& st = steps(inet6);
  std::vector<AddrInterval> out;
  for (size_t i = 0; i < st.starts.size(); ++i) {
    if (!st.in_set[i]) continue;
    Addr128 last = kAddrMax;
    if (i + 1 < st.starts.size()) {
      Addr128 n = st.starts[i + 1];
      last = n.lo == 0 ? Addr128{n.hi - 1, ~uint64_t{0}} : Addr128{n.hi, n.lo - 1};
    }
    out.push_back({st.starts[i], last});
  }
  return out;
}

}  // namespace dpf::filter
