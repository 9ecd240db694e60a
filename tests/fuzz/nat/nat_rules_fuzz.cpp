// Fuzzes pf's translation from the ruleset to the rewritten bytes: a pf.conf text is parsed,
// compiled against two fixed interfaces, and a packet is evaluated against the nat/rdr/binat
// statements and the filter rules in both directions; every translation they name is chosen
// (filter::translate) and applied to a copy of the packet (filter::rewrite_tuple), as the worker
// does (dataplane/worker/pf.cpp). Input layout:
//   the pf.conf text, up to the first 0x00 byte; then
//   byte 0: bit 0 the packet's interface (em0 or em1), bit 1 recompute every checksum of the
//           packet before anything else, bits 2-3 the worker count - 1, bits 4-5 the worker index
//           (modulo the count)
//   bytes 1..4: which would-be keys are free (is_free: bit (port + 7 * id) % 32 of these)
//   bytes 5..12: the random number translate() is given
//   the rest: the packet, from its IPv4 header (behind a fixed Ethernet header).
// Whatever the bytes: nothing crashes; a verdict's translations index its ruleset's and are of
// the right side (nat: the source, rdr: the destination); a kOk translation of the source
// changes only source fields of the tuple and of the bytes, of the destination only destination
// fields; a chosen port or echo id is one is_free allowed, from the worker's share of the range,
// and binat and rdr never ask is_free; a packet the worker would translate is rewritten, and if
// its checksums verified before, they verify after by full recomputation.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "control/pfconf/parser.h"
#include "dataplane/filter/compile.h"
#include "dataplane/filter/eval.h"
#include "dataplane/filter/packet_info.h"
#include "dataplane/filter/translate.h"
#include "dataplane/net/parse.h"
#include "dataplane/net/wire/checksum.h"
#include "dataplane/state/icmp.h"
#include "tests/fuzz/nat/bytes.h"

namespace filter = dpf::filter;
namespace nat = dpf::nat;
namespace net = dpf::net;
namespace pfconf = dpf::pfconf;
namespace state = dpf::state;
namespace wire = dpf::wire;
using filter::Direction;
using namespace dpf::nat::fuzz;

// A broken property names itself before the abort that libFuzzer reports.
#define check(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "nat_rules_fuzz: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

namespace {

using Bytes = std::vector<std::byte>;

constexpr size_t kEthHdr = 14;
constexpr size_t kControl = 13;

pfconf::IpAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  pfconf::IpAddr x;
  x.af = pfconf::Af::kInet;
  x.bytes[0] = a;
  x.bytes[1] = b;
  x.bytes[2] = c;
  x.bytes[3] = d;
  return x;
}

// em0 (port 0, group egress): 192.0.2.1/24 and 2001:db8::1/64; em1 (port 1): 10.0.0.1/24.
const filter::InterfaceMap& interfaces() {
  static const filter::InterfaceMap m = [] {
    filter::InterfaceMap r;
    pfconf::IpAddr v6;
    v6.af = pfconf::Af::kInet6;
    v6.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    r.interfaces.push_back({"em0", 0, {{v4(192, 0, 2, 1), 24}, {v6, 64}}, {"egress"}});
    r.interfaces.push_back({"em1", 1, {{v4(10, 0, 0, 1), 24}}, {}});
    return r;
  }();
  return m;
}

// The datagram as this harness reads it (independently of the code under test): cut at its
// total length, with the L4 part behind the header. Only called on what parse_frame accepted.
struct Layout {
  size_t hl = 0;
  std::span<std::byte> datagram;
  std::span<std::byte> l4;
  uint8_t proto = 0;
  bool fragment = false;  // MF or an offset: the L4 checksum covers bytes not all here
};

Layout layout_of(std::span<std::byte> ip) {
  Layout l;
  l.hl = size_t{u8(ip, 0) & 0x0fu} * 4;
  l.datagram = ip.first(get16(ip, 2));
  l.l4 = l.datagram.subspan(l.hl);
  l.proto = u8(ip, 9);
  l.fragment = (get16(ip, 6) & (wire::kIpv4FlagMf | wire::kIpv4FragOffMask)) != 0;
  return l;
}

// Where the L4 checksum sits, or 0 when the packet has none that covers the whole datagram.
size_t l4_check_off(const Layout& l) {
  if (l.fragment) return 0;
  if (l.proto == wire::kIpProtoTcp && l.l4.size() >= 20) return 16;
  if (l.proto == wire::kIpProtoUdp && l.l4.size() >= 8) return 6;
  if (l.proto == wire::kIpProtoIcmp && l.l4.size() >= 8) return 2;
  return 0;
}

uint16_t l4_sum(const Layout& l) {
  const std::span<std::byte> ip = l.datagram;
  if (l.proto == wire::kIpProtoIcmp) return wire::inet_checksum(l.l4);
  return wire::l4_checksum_ipv4(get32(ip, 12), get32(ip, 16), l.proto, l.l4);
}

bool ip_ok(const Layout& l) {
  return wire::inet_checksum(l.datagram.first(l.hl)) == 0;
}
// A UDP checksum of 0 means none and is fine.
bool l4_ok(const Layout& l) {
  const size_t off = l4_check_off(l);
  if (off == 0) return true;
  if (l.proto == wire::kIpProtoUdp && get16(l.l4, 6) == 0) return true;
  return l4_sum(l) == 0;
}

void fix_checksums(std::span<std::byte> ip) {
  if (ip.size() < 20) return;
  const size_t hl = size_t{u8(ip, 0) & 0x0fu} * 4;
  const size_t total = get16(ip, 2);
  if (hl < 20 || total < hl || total > ip.size()) return;
  const Layout l = layout_of(ip);
  put16(ip, 10, 0);
  put16(ip, 10, wire::inet_checksum(ip.first(hl)));
  const size_t off = l4_check_off(l);
  if (off == 0 || (l.proto == wire::kIpProtoUdp && get16(l.l4, 6) == 0)) return;
  put16(l.l4, off, 0);
  const uint16_t c = l4_sum(l);
  put16(l.l4, off, c == 0 && l.proto == wire::kIpProtoUdp ? 0xffff : c);
}

state::Addr addr_of(uint32_t a) {
  return state::Addr::v4(static_cast<uint8_t>(a >> 24), static_cast<uint8_t>(a >> 16),
                         static_cast<uint8_t>(a >> 8), static_cast<uint8_t>(a));
}

// The worker's view of the packet (filter::packet_of); the other port is the one it came in on.
filter::Packet filter_packet(const net::PacketInfo& info, Direction dir, uint16_t port) {
  return filter::packet_of(info, dir, port,
                           dir == Direction::kIn ? port : static_cast<uint16_t>(port ^ 1));
}

struct Case {
  Bytes ip;  // the packet from its IPv4 header, exactly as many bytes as given
  net::PacketInfo info{};
  filter::TranslateInput in;
  nat::WorkerPartition part;
  uint32_t free_mask = 0;
  uint64_t random = 0;
};

// translate() then rewrite_tuple() for translation `x` of `rs`, with every property checked.
// Returns 1 (one translation tried).
int apply(const filter::CompiledRuleset& rs, uint32_t x, const Case& c) {
  check(x < rs.translations.size());
  const filter::Translation& t = rs.translations[x];
  const filter::TranslateInput& in = c.in;
  const uint8_t proto = in.from.proto;
  const bool ports = proto == wire::kIpProtoTcp || proto == wire::kIpProtoUdp;
  int asked = 0;
  bool granted = false;
  state::PacketTuple granted_tuple;
  uint16_t granted_id = 0;
  auto is_free = [&](const state::PacketTuple& k, uint16_t id) {
    ++asked;
    const bool free = (c.free_mask >> ((k.sport + 7u * id) % 32)) & 1;
    if (free) {
      granted = true;
      granted_tuple = k;
      granted_id = id;
    }
    return free;
  };
  const filter::Translated r = filter::translate(rs, x, in, c.part, c.random, is_free);
  if (!t.source || t.kind == filter::Translation::Kind::kBinat) check(asked == 0);
  if (r.status != filter::Translated::Status::kOk) return 1;
  check(r.to.af == in.from.af && r.to.proto == proto);
  if (t.source) {
    check(r.to.dst == in.from.dst && r.to.dport == in.from.dport);
    if (!ports) check(r.to.sport == in.from.sport);
    if (!in.echo) check(r.id == in.id);
    if (asked > 0) {
      // The key chosen is the last one is_free allowed.
      check(granted && granted_tuple.src == r.to.src && granted_tuple.sport == r.to.sport);
      check(granted_id == (in.echo ? r.id : in.id));
      const uint16_t chosen = ports ? r.to.sport : r.id;
      if (!t.static_port) {
        check(chosen % c.part.count == c.part.index);
        if (ports) check(chosen >= t.port_lo && chosen <= t.port_hi);
        if (!ports) check(chosen >= 1);
      } else {
        check(chosen == (ports ? in.from.sport : in.id));
      }
    }
  } else {
    check(r.to.src == in.from.src && r.to.sport == in.from.sport && r.id == in.id);
    if (!ports) check(r.to.dport == in.from.dport);
  }

  Bytes p = c.ip;
  const Layout l0 = layout_of(p);
  const bool ip_valid = ip_ok(l0);
  const bool l4_valid = l4_ok(l0);
  const bool udp_none =
      l0.proto == wire::kIpProtoUdp && l4_check_off(l0) != 0 && get16(l0.l4, 6) == 0;
  const bool ok = filter::rewrite_tuple(p, in.from, r.to, in.icmp_query, in.id, r.id);
  // parse_frame accepted the packet, so its header and (first fragment) its L4 header are there.
  check(ok);
  const Layout l1 = layout_of(p);
  if (ip_valid) check(ip_ok(l1));
  if (l4_valid) check(l4_ok(l1));
  if (udp_none) check(get16(l1.l4, 6) == 0);
  const size_t h = l0.hl;
  const bool icmp = proto == wire::kIpProtoIcmp;
  const size_t port = h + (icmp ? 4 : t.source ? 0 : 2);
  const size_t l4ck = h + (proto == wire::kIpProtoTcp ? 16 : proto == wire::kIpProtoUdp ? 6 : 2);
  const Field allowed[] = {{10, 2}, {t.source ? 12u : 16u, 4}, {port, 2}, {l4ck, 2}};
  const bool has_l4 = ports || icmp;
  check(only_fields_changed(c.ip, p, std::span<const Field>(allowed).first(has_l4 ? 4 : 2)));
  const state::Addr& written = t.source ? r.to.src : r.to.dst;
  check(std::memcmp(p.data() + (t.source ? 12 : 16), written.bytes.data(), 4) == 0);
  if (ports) check(get16(p, h + (t.source ? 0 : 2)) == (t.source ? r.to.sport : r.to.dport));
  if (icmp && in.icmp_query && l0.l4.size() >= 8 &&
      (u8(p, h) == wire::kIcmpEcho || u8(p, h) == wire::kIcmpEchoReply))
    check(get16(p, h + 4) == r.id);
  return 1;
}

// The translation a verdict names for `dir`, as the worker's verdict_translation.
uint32_t verdict_translation(const filter::Verdict& v, Direction dir) {
  if (dir == Direction::kOut) return v.nat != filter::kNoRule ? v.nat : v.rdr;
  return v.rdr != filter::kNoRule ? v.rdr : v.nat;
}

void check_sides(const filter::CompiledRuleset& rs, const filter::Verdict& v) {
  if (v.nat != filter::kNoRule)
    check(v.nat < rs.translations.size() && rs.translations[v.nat].source);
  if (v.rdr != filter::kNoRule)
    check(v.rdr < rs.translations.size() && !rs.translations[v.rdr].source);
}

// How many translations were tried.
int run(const filter::CompiledRuleset& rs, const Case& c, uint16_t port) {
  int n = 0;
  for (const Direction dir : {Direction::kIn, Direction::kOut}) {
    const filter::Packet fp = filter_packet(c.info, dir, port);
    if (rs.statements) {
      const filter::CompiledRuleset& st = *rs.statements;
      const filter::Verdict tv = filter::evaluate(st, fp);
      check(tv.action == filter::Decision::kPass);
      check_sides(st, tv);
      // nat and binat's outbound leg translate outbound packets, rdr and binat's inbound leg
      // inbound ones.
      check((dir == Direction::kOut ? tv.rdr : tv.nat) == filter::kNoRule);
      const uint32_t x = tv.rule != nullptr ? verdict_translation(tv, dir) : filter::kNoRule;
      if (x != filter::kNoRule) n += apply(st, x, c);
    }
    const filter::Verdict v = filter::evaluate(rs, fp);
    check_sides(rs, v);
    if (v.action != filter::Decision::kPass) continue;
    // Each translation the verdict names, though the worker applies only one per direction.
    if (v.nat != filter::kNoRule) n += apply(rs, v.nat, c);
    if (v.rdr != filter::kNoRule) n += apply(rs, v.rdr, c);
  }
  return n;
}

// The packet as the worker sees it: false when the worker would not translate it (not IPv4,
// dropped by parse_frame, a later fragment, an ICMP error or an ICMP message pf cannot map).
bool packet_of(std::span<const uint8_t> control, std::span<const uint8_t> bytes, Case* c) {
  c->ip.resize(bytes.size());
  if (!bytes.empty()) std::memcpy(c->ip.data(), bytes.data(), bytes.size());
  if (control[0] & 2) fix_checksums(c->ip);
  Bytes frame(kEthHdr + c->ip.size());
  static constexpr uint8_t kEth[kEthHdr] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00};
  std::memcpy(frame.data(), kEth, kEthHdr);
  std::copy(c->ip.begin(), c->ip.end(), frame.begin() + kEthHdr);
  net::DropReason why;
  if (!net::parse_frame(frame, c->info, why) || c->info.l3 != net::L3Kind::kIpv4) return false;
  if (c->info.fragment && !c->info.first_fragment) return false;
  filter::TranslateInput& in = c->in;
  in.from.af = wire::Af::kInet;
  in.from.proto = c->info.proto;
  in.from.src = addr_of(c->info.src);
  in.from.dst = addr_of(c->info.dst);
  in.from.sport = c->info.sport;
  in.from.dport = c->info.dport;
  if (c->info.proto == wire::kIpProtoIcmp) {
    state::IcmpMapping map;
    const std::span<const std::byte> l4(frame.data() + c->info.l4_off, c->info.l4_len);
    if (state::icmp_mapping(wire::Af::kInet, l4, &map) != state::IcmpStatus::kOk) return false;
    if (map.is_error) return false;
    in.icmp_query = true;
    in.echo = map.virtual_type == wire::kIcmpEcho;
    in.id = c->info.sport;
  }
  const uint16_t count = static_cast<uint16_t>(((control[0] >> 2) & 3) + 1);
  c->part = {static_cast<uint16_t>(((control[0] >> 4) & 3) % count), count};
  c->free_mask = uint32_t{control[1]} << 24 | uint32_t{control[2]} << 16 |
                 uint32_t{control[3]} << 8 | control[4];
  for (int i = 0; i < 8; ++i) c->random = c->random << 8 | control[5 + i];
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  if (nul == nullptr) return -1;
  const size_t text_len = static_cast<size_t>(nul - data);
  const std::string text(reinterpret_cast<const char*>(data), text_len);
  const std::span<const uint8_t> rest(nul + 1, size - text_len - 1);
  if (rest.size() < kControl) return -1;
  // Inputs that translate nothing return -1, which a libFuzzer that honours it keeps out of the
  // corpus: the parser and the evaluation have their own targets.
  pfconf::Result parsed = pfconf::parse_ruleset(text, "fuzz.conf", pfconf::ParseOptions{});
  if (!parsed.ok()) return -1;
  std::string error;
  const auto rs = filter::compile(*parsed.ruleset, interfaces(), error);
  if (!rs) return -1;
  Case c;
  if (!packet_of(rest.first(kControl), rest.subspan(kControl), &c)) return -1;
  return run(*rs, c, rest[0] & 1) > 0 ? 0 : -1;
}
