#include "dataplane/state/icmp.h"
#include "dataplane/net/wire/headers.h"

#include <algorithm>

namespace dpf::state {

namespace {

uint8_t u8(std::span<const std::byte> b, size_t off) noexcept {
  return std::to_integer<uint8_t>(b[off]);
}
uint16_t be16(std::span<const std::byte> b, size_t off) noexcept {
  return static_cast<uint16_t>((u8(b, off) << 8) | u8(b, off + 1));
}
uint32_t be32(std::span<const std::byte> b, size_t off) noexcept {
  return (static_cast<uint32_t>(be16(b, off)) << 16) | be16(b, off + 2);
}

// OpenBSD's fake id for ND and MLD messages: the four 32-bit words of the address XORed and
// folded to 16 bits.
uint16_t fold_address(std::span<const std::byte> b, size_t off) noexcept {
  const uint32_t h = be32(b, off) ^ be32(b, off + 4) ^ be32(b, off + 8) ^ be32(b, off + 12);
  return static_cast<uint16_t>((h >> 16) ^ (h & 0xffff));
}

// Request/reply pairs that share a state: {request, reply, uses the echo id}.
struct QueryPair {
  uint8_t request;
  uint8_t reply;
  bool has_id;
};
constexpr QueryPair kIcmp4Pairs[] = {
    {icmp4::kEcho, icmp4::kEchoReply, true},
    {icmp4::kTimestamp, icmp4::kTimestampReply, true},
    {icmp4::kInfoRequest, icmp4::kInfoReply, true},
    {icmp4::kMaskRequest, icmp4::kMaskReply, true},
    {icmp4::kIpv6WhereAreYou, icmp4::kIpv6IAmHere, false},
    {icmp4::kMobileRegRequest, icmp4::kMobileRegReply, false},
    {icmp4::kRouterSolicit, icmp4::kRouterAdvert, false},
};
constexpr QueryPair kIcmp6Pairs[] = {
    {icmp6::kEchoRequest, icmp6::kEchoReply, true},
    {icmp6::kWruRequest, icmp6::kWruReply, false},
    {icmp6::kMtrace, icmp6::kMtraceResp, false},
    {icmp6::kRouterSolicit, icmp6::kRouterAdvert, false},
};

bool is_error_type(AddrFamily af, uint8_t type) noexcept {
  if (af == AddrFamily::kInet) {
    return type == icmp4::kUnreach || type == icmp4::kSourceQuench || type == icmp4::kRedirect ||
           type == icmp4::kTimeExceeded || type == icmp4::kParamProb;
  }
  return type == icmp6::kDstUnreach || type == icmp6::kPacketTooBig ||
         type == icmp6::kTimeExceeded || type == icmp6::kParamProb;
}

// ND solicitation/advertisement and MLD query/report carry an address instead of an id.
IcmpStatus map_icmp6_address(uint8_t type, std::span<const std::byte> icmp,
                             IcmpMapping* m) noexcept {
  if (icmp.size() < kIcmp6TargetOffset + 16) return IcmpStatus::kShort;
  m->virtual_id = fold_address(icmp, kIcmp6TargetOffset);
  if (type == icmp6::kMldQuery || type == icmp6::kMldReport) {
    // Reports are sent without a query and to other addresses: both are one-way "requests".
    m->icmp_dir = Direction::kIn;
    m->virtual_type = icmp6::kMldQuery;
  } else {
    m->icmp_dir = type == icmp6::kNeighborSolicit ? Direction::kIn : Direction::kOut;
    m->virtual_type = icmp6::kNeighborSolicit;
    m->may_create = type == icmp6::kNeighborSolicit;
  }
  return IcmpStatus::kOk;
}

}  // namespace

IcmpStatus icmp_mapping(AddrFamily af, std::span<const std::byte> icmp, IcmpMapping* out) noexcept {
  if (icmp.size() < kIcmpHeaderLen) [[unlikely]]
    return IcmpStatus::kShort;
  const uint8_t type = u8(icmp, 0);
  IcmpMapping m;
  if (is_error_type(af, type)) {
    m.is_error = true;
    m.may_create = false;
    m.virtual_type = type;
    *out = m;
    return IcmpStatus::kOk;
  }
  if (af == AddrFamily::kInet6 &&
      (type == icmp6::kMldQuery || type == icmp6::kMldReport || type == icmp6::kNeighborSolicit ||
       type == icmp6::kNeighborAdvert)) {
    const IcmpStatus s = map_icmp6_address(type, icmp, &m);
    if (s == IcmpStatus::kOk) *out = m;
    return s;
  }
  // Every other type gets a one-way state of its own (id 0, its own type).
  m.icmp_dir = Direction::kIn;
  m.virtual_type = type;
  const std::span<const QueryPair> pairs = af == AddrFamily::kInet
                                               ? std::span<const QueryPair>(kIcmp4Pairs)
                                               : std::span<const QueryPair>(kIcmp6Pairs);
  for (const QueryPair& p : pairs) {
    if (type != p.request && type != p.reply) continue;
    m.icmp_dir = type == p.request ? Direction::kIn : Direction::kOut;
    m.virtual_type = p.request;
    m.virtual_id = p.has_id ? be16(icmp, kIcmpIdOffset) : 0;
    break;
  }
  *out = m;
  return IcmpStatus::kOk;
}

StateKey make_icmp_key(const PacketTuple& t, Direction dir, const IcmpMapping& m) noexcept {
  StateKey k;
  const unsigned s = source_index(dir);
  const unsigned d = dest_index(dir);
  k.af = t.af;
  k.proto = t.proto;
  k.addr[s] = t.src;
  k.addr[d] = t.dst;
  const bool request = m.icmp_dir == Direction::kIn;
  k.port[s] = request ? m.virtual_id : m.virtual_type;
  k.port[d] = request ? m.virtual_type : m.virtual_id;
  return k;
}

namespace {

// IPv4: header (20..60 bytes), non-first fragments refused.
IcmpStatus quoted_ip4(std::span<const std::byte> q, PacketTuple* t, size_t* l4_off) noexcept {
  constexpr size_t kMin = 20;
  if (q.size() < kMin) return IcmpStatus::kShort;
  const uint8_t vihl = u8(q, 0);
  const size_t ihl = static_cast<size_t>(vihl & 0x0f) * 4;
  if ((vihl >> 4) != 4 || ihl < kMin) return IcmpStatus::kBadHeader;
  if (q.size() < ihl) return IcmpStatus::kShort;
  constexpr uint16_t kOffsetMask = 0x1fff;
  if (be16(q, 6) & kOffsetMask) return IcmpStatus::kFragment;
  t->af = AddrFamily::kInet;
  t->proto = u8(q, 9);
  t->src = Addr::from_wire(q.data() + 12, AddrFamily::kInet);
  t->dst = Addr::from_wire(q.data() + 16, AddrFamily::kInet);
  *l4_off = ihl;
  return IcmpStatus::kOk;
}

// IPv6: fixed header, then extension headers up to the transport header. A fragment header
// means the error may not refer to a first fragment; pf refuses it.
IcmpStatus quoted_ip6(std::span<const std::byte> q, PacketTuple* t, size_t* l4_off) noexcept {
  constexpr size_t kFixed = 40;
  constexpr uint8_t kHopOpts = 0, kRouting = 43, kFragmentHdr = 44, kAh = 51, kDstOpts = 60;
  if (q.size() < kFixed) return IcmpStatus::kShort;
  if ((u8(q, 0) >> 4) != 6) return IcmpStatus::kBadHeader;
  t->af = AddrFamily::kInet6;
  t->src = Addr::from_wire(q.data() + 8, AddrFamily::kInet6);
  t->dst = Addr::from_wire(q.data() + 24, AddrFamily::kInet6);
  uint8_t next = u8(q, 6);
  size_t off = kFixed;
  for (;;) {
    if (next == kFragmentHdr) return IcmpStatus::kFragment;
    if (next != kHopOpts && next != kRouting && next != kAh && next != kDstOpts) break;
    if (q.size() < off + 2) return IcmpStatus::kShort;
    const size_t len = u8(q, off + 1);
    const size_t hdr = next == kAh ? (len + 2) * 4 : (len + 1) * 8;
    next = u8(q, off);
    off += hdr;
  }
  t->proto = next;
  *l4_off = off;
  return IcmpStatus::kOk;
}

}  // namespace

IcmpStatus icmp_error_inner(AddrFamily af, std::span<const std::byte> quoted, Direction dir,
                            const Addr& outer_dst, IcmpErrorInner* out) noexcept {
  IcmpErrorInner r;
  size_t l4 = 0;
  IcmpStatus s = af == AddrFamily::kInet ? quoted_ip4(quoted, &r.tuple, &l4)
                                         : quoted_ip6(quoted, &r.tuple, &l4);
  if (s != IcmpStatus::kOk) return s;
  if (!(r.tuple.src == outer_dst)) return IcmpStatus::kBadAddress;

  // The quoted packet travelled the other way: build its key for the reverse direction.
  const Direction inner_dir = reverse(dir);
  const uint8_t proto = r.tuple.proto;
  const bool icmp = (af == AddrFamily::kInet && proto == wire::kIpProtoIcmp) ||
                    (af == AddrFamily::kInet6 && proto == wire::kIpProtoIcmpv6);
  if (proto == wire::kIpProtoTcp || proto == wire::kIpProtoUdp || icmp) {
    if (l4 > quoted.size() || quoted.size() - l4 < kQuotedL4Len) return IcmpStatus::kShort;
  }
  const std::span<const std::byte> l4b = quoted.subspan(std::min(l4, quoted.size()));
  if (proto == wire::kIpProtoTcp || proto == wire::kIpProtoUdp) {
    r.tuple.sport = be16(l4b, 0);
    r.tuple.dport = be16(l4b, 2);
    if (proto == wire::kIpProtoTcp) r.tcp_seq = be32(l4b, 4);
    r.key = make_lookup_key(r.tuple, inner_dir);
  } else if (icmp) {
    s = icmp_mapping(af, l4b, &r.inner_icmp);
    if (s != IcmpStatus::kOk) return s;
    r.key = make_icmp_key(r.tuple, inner_dir, r.inner_icmp);
  } else {
    r.key = make_lookup_key(r.tuple, inner_dir);
  }
  *out = r;
  return IcmpStatus::kOk;
}

bool icmp_inner_tcp_seq_ok(const StatePeers& peers, Direction state_dir, Direction pkt_dir,
                           uint32_t inner_seq, bool sloppy) noexcept {
  if (sloppy) return true;
  // The quoted segment was sent against the error's direction.
  const bool error_forward = pkt_dir == state_dir;
  const StatePeer& src = error_forward ? peers.dst : peers.src;
  const StatePeer& dst = error_forward ? peers.src : peers.dst;
  const uint8_t dws = (src.wscale && dst.wscale) ? wscale_shift(dst.wscale) : 0;
  const uint32_t seq = inner_seq - src.seqdiff;
  const uint32_t window = static_cast<uint32_t>(dst.max_win) << dws;
  return seq_geq(src.seqhi, seq) && seq_geq(seq, src.seqlo - window);
}

}  // namespace dpf::state
