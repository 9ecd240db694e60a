// Fuzzes the NAT rewrite (rewrite_ipv4) and the ICMP error translation (rewrite_icmp_error_ipv4)
// with arbitrary bytes. Input layout:
//   byte 0: bit 0 side, bit 1 the ICMP error's outer side, bit 2 recompute every checksum in full
//           before translating (then each must verify to 0 afterwards)
//   bytes 1..4 the new address, 5..6 the new port or echo id (big-endian)
//   the rest: the packet, from its IPv4 header, in a buffer of exactly its size (ASan catches a
//   read or write past it).
// Whatever the bytes, a translation that reports success must leave every checksum it claims to
// maintain summing to what it summed to before (RFC 1624: a wrong checksum stays wrong by the
// same amount, a right one stays right), change no byte outside the fields it translates, and a
// refused translation must change nothing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "dataplane/nat/rewrite.h"
#include "dataplane/net/wire/checksum.h"
#include "tests/fuzz/nat/bytes.h"

using namespace dpf::nat;
using namespace dpf::nat::fuzz;
namespace wire = dpf::wire;

// A broken property names itself before the abort that libFuzzer reports.
#define check(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "nat_rewrite_fuzz: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                              \
    }                                                                            \
  } while (0)

namespace {

using Bytes = std::vector<std::byte>;

// 0 and 0xffff are the two zeros of one's complement: a sum's residual is compared up to them.
uint16_t norm(uint16_t c) {
  return c == 0xffff ? 0 : c;
}

// The parts of an IPv4 packet whose checksums the translation maintains, as this harness reads
// them (independently of the code under test). Empty spans where there is no such part.
struct Layout {
  size_t hl = 0;
  std::span<std::byte> datagram;  // cut at the total length
  std::span<std::byte> l4;        // behind the header, when the header is all there
  uint8_t proto = 0;
  bool later_fragment = false;
};

bool layout_of(std::span<std::byte> p, Layout* l) {
  if (p.size() < 20) return false;
  l->hl = size_t{u8(p, 0) & 0x0fu} * 4;
  const size_t total = get16(p, 2);
  if ((u8(p, 0) >> 4) != 4 || l->hl < 20 || total < l->hl || p.size() < l->hl) return false;
  l->datagram = p.first(std::min(p.size(), total));
  l->l4 = l->datagram.subspan(l->hl);
  l->proto = u8(p, 9);
  l->later_fragment = (get16(p, 6) & wire::kIpv4FragOffMask) != 0;
  return true;
}

// A quoted header: its total length is the original datagram's, not the quote's, and is not used.
bool quote_layout_of(std::span<std::byte> q, Layout* l) {
  if (q.size() < 20) return false;
  l->hl = size_t{u8(q, 0) & 0x0fu} * 4;
  if ((u8(q, 0) >> 4) != 4 || l->hl < 20 || q.size() < l->hl) return false;
  l->datagram = q;
  l->l4 = q.subspan(l->hl);
  l->proto = u8(q, 9);
  l->later_fragment = (get16(q, 6) & wire::kIpv4FragOffMask) != 0;
  return true;
}

// Residuals: what each maintained checksum sums to (0 when right).
struct Residuals {
  uint16_t ip = 0;
  uint16_t l4 = 0;
  bool has_l4 = false;
  bool udp_none = false;
};

Residuals residuals(std::span<std::byte> p, const Layout& l) {
  Residuals r;
  r.ip = norm(wire::inet_checksum(p.first(l.hl)));
  if (l.later_fragment) return r;
  const uint32_t src = get32(p, 12), dst = get32(p, 16);
  if (l.proto == wire::kIpProtoTcp && l.l4.size() >= 20) {
    r.has_l4 = true;
    r.l4 = norm(wire::l4_checksum_ipv4(src, dst, l.proto, l.l4));
  } else if (l.proto == wire::kIpProtoUdp && l.l4.size() >= 8) {
    r.has_l4 = true;
    r.udp_none = get16(l.l4, 6) == 0;
    r.l4 = norm(wire::l4_checksum_ipv4(src, dst, l.proto, l.l4));
  } else if (l.proto == wire::kIpProtoIcmp && l.l4.size() >= 8) {
    r.has_l4 = true;
    r.l4 = norm(wire::inet_checksum(l.l4));
  }
  return r;
}

void fix(std::span<std::byte> p, const Layout& l) {
  put16(p, 10, 0);
  put16(p, 10, wire::inet_checksum(p.first(l.hl)));
  if (l.later_fragment) return;
  const uint32_t src = get32(p, 12), dst = get32(p, 16);
  if (l.proto == wire::kIpProtoTcp && l.l4.size() >= 20) {
    put16(l.l4, 16, 0);
    put16(l.l4, 16, wire::l4_checksum_ipv4(src, dst, l.proto, l.l4));
  } else if (l.proto == wire::kIpProtoUdp && l.l4.size() >= 8 && get16(l.l4, 6) != 0) {
    put16(l.l4, 6, 0);
    const uint16_t c = wire::l4_checksum_ipv4(src, dst, l.proto, l.l4);
    put16(l.l4, 6, c == 0 ? 0xffff : c);
  } else if (l.proto == wire::kIpProtoIcmp && l.l4.size() >= 8) {
    put16(l.l4, 2, 0);
    put16(l.l4, 2, wire::inet_checksum(l.l4));
  }
}

void fuzz_rewrite(const Bytes& input, Side side, Endpoint4 to, bool fix_first) {
  Bytes p = input;
  Layout l;
  const bool parsed = layout_of(p, &l);
  if (parsed && fix_first) fix(p, l);
  const Bytes before = p;
  const Residuals r0 = parsed ? residuals(p, l) : Residuals{};
  const RewriteStatus s = rewrite_ipv4(p, side, to);
  if (s != RewriteStatus::kOk && s != RewriteStatus::kAddressOnly) {
    check(p == before);
    return;
  }
  check(parsed);
  const Residuals r1 = residuals(p, l);
  check(r1.ip == r0.ip);
  check(get32(p, side == Side::kSource ? 12 : 16) == to.addr);
  if (s == RewriteStatus::kOk) {
    check(r0.has_l4 && r1.has_l4);
    check(r1.udp_none == r0.udp_none);
    if (!r0.udp_none) check(r1.l4 == r0.l4);
  }
  if (fix_first) check(r1.ip == 0 && (!r1.has_l4 || r1.udp_none || r1.l4 == 0));
  const size_t h = l.hl;
  const size_t port = h + (l.proto == wire::kIpProtoIcmp ? 4 : side == Side::kSource ? 0 : 2);
  const size_t l4ck = h + (l.proto == wire::kIpProtoTcp   ? 16
                           : l.proto == wire::kIpProtoUdp ? 6
                                                          : 2);
  const Field allowed[] = {{10, 2}, {side == Side::kSource ? 12u : 16u, 4}, {port, 2}, {l4ck, 2}};
  check(only_fields_changed(before, p,
                            s == RewriteStatus::kOk ? std::span<const Field>(allowed)
                                                    : std::span<const Field>(allowed).first(2)));
}

void fuzz_icmp_error(const Bytes& input, Side side, Side outer_side, Endpoint4 to, bool fix_first) {
  Bytes p = input;
  Layout outer;
  Layout inner;
  const bool parsed =
      layout_of(p, &outer) && outer.l4.size() >= 8 && quote_layout_of(outer.l4.subspan(8), &inner);
  std::span<std::byte> quote = parsed ? outer.l4.subspan(8) : std::span<std::byte>{};
  if (parsed && fix_first) {
    put16(quote, 10, 0);
    put16(quote, 10, wire::inet_checksum(quote.first(inner.hl)));
    fix(p, outer);  // outer header and ICMP checksum, over the fixed quote
  }
  const Bytes before = p;
  const IcmpErrorRewrite4 r{side, to, outer_side, to.addr ^ 0x5a5a5a5au};
  const RewriteStatus s = rewrite_icmp_error_ipv4(p, r);
  if (s != RewriteStatus::kOk) {
    check(p == before);
    return;
  }
  check(parsed);
  Bytes b = before;
  const std::span<std::byte> bq =
      std::span<std::byte>(b).subspan(static_cast<size_t>(quote.data() - p.data()), quote.size());
  check(norm(wire::inet_checksum(std::span<std::byte>(p).first(outer.hl))) ==
        norm(wire::inet_checksum(std::span<std::byte>(b).first(outer.hl))));
  check(norm(wire::inet_checksum(outer.l4)) ==
        norm(wire::inet_checksum(std::span<std::byte>(b).subspan(outer.hl, outer.l4.size()))));
  check(norm(wire::inet_checksum(quote.first(inner.hl))) ==
        norm(wire::inet_checksum(bq.first(inner.hl))));
  if (fix_first) {
    check(wire::inet_checksum(std::span<std::byte>(p).first(outer.hl)) == 0);
    check(wire::inet_checksum(outer.l4) == 0);
    check(wire::inet_checksum(quote.first(inner.hl)) == 0);
  }
  // The quoted TCP/UDP checksum, when translated, keeps its residual over the quoted bytes.
  const std::span<std::byte> ql4 = quote.subspan(inner.hl);
  if ((inner.proto == wire::kIpProtoUdp && get16(bq.subspan(inner.hl), 6) != 0) ||
      (inner.proto == wire::kIpProtoTcp && ql4.size() >= 18)) {
    const auto sum = [&](std::span<std::byte> q) {
      return norm(
          wire::l4_checksum_ipv4(get32(q, 12), get32(q, 16), inner.proto, q.subspan(inner.hl)));
    };
    check(sum(quote) == sum(bq));
  }
  check(get32(p, outer_side == Side::kSource ? 12 : 16) == r.outer_addr);
  check(get32(quote, side == Side::kSource ? 12 : 16) == to.addr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 7) return 0;
  const uint8_t mode = data[0];
  const Endpoint4 to{
      uint32_t{data[1]} << 24 | uint32_t{data[2]} << 16 | uint32_t{data[3]} << 8 | data[4],
      static_cast<uint16_t>(data[5] << 8 | data[6])};
  const Side side = (mode & 1) ? Side::kDestination : Side::kSource;
  const Side outer_side = (mode & 2) ? Side::kSource : Side::kDestination;
  const bool fix_first = (mode & 4) != 0;
  Bytes packet(size - 7);
  if (!packet.empty()) std::memcpy(packet.data(), data + 7, packet.size());
  fuzz_rewrite(packet, side, to, fix_first);
  fuzz_icmp_error(packet, side, outer_side, to, fix_first);
  return 0;
}
