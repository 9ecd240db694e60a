#include "dataplane/filter/translate.h"

#include "dataplane/nat/pool.h"
#include "dataplane/nat/rewrite.h"

namespace dpf::filter {
namespace {

uint32_t v4_of(const state::Addr& a) noexcept {
  return (uint32_t{a.bytes[0]} << 24) | (uint32_t{a.bytes[1]} << 16) | (uint32_t{a.bytes[2]} << 8) |
         a.bytes[3];
}

// The n-th address of a pool (n < pool size): its entries' addresses in order.
state::Addr nth_address(std::span<const nat::PoolEntry> entries, uint64_t n) noexcept {
  for (const nat::PoolEntry& e : entries) {
    const uint64_t size = e.prefix_len >= 32 ? 1 : uint64_t{1} << (32 - e.prefix_len);
    if (n < size) {
      const uint32_t mask = e.prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - e.prefix_len);
      const uint32_t a = (v4_of(e.addr) & mask) + static_cast<uint32_t>(n);
      return state::Addr::v4(a >> 24, a >> 16 & 0xff, a >> 8 & 0xff, a & 0xff);
    }
    n -= size;
  }
  return entries.empty() ? state::Addr{} : entries.front().addr;
}

}  // namespace

bool translation_address(const CompiledRuleset& rs, uint32_t index, const state::PacketTuple& from,
                         uint64_t random, state::Addr* out) noexcept {
  const Translation& t = rs.translations[index];
  const nat::Pool pool{state::AddrFamily::kInet, t.type, t.entries, t.key};
  if (t.type == nat::PoolType::kRoundRobin) {
    // One shared counter walks the pool's addresses: each new translation takes the next.
    const uint64_t size = nat::pool_size(pool);
    if (size == 0) return false;
    const uint64_t n = rs.round_robin[index].fetch_add(1, std::memory_order_relaxed);
    *out = nth_address(t.entries, n % size);
    return true;
  }
  // binat's inbound leg keeps the host bits of the destination it maps back; everything else
  // masks or hashes the source, as pf_map_addr does.
  const bool binat_in = t.kind == Translation::Kind::kBinat && !t.source;
  const nat::PoolPick pick =
      nat::pool_select(pool, binat_in ? from.dst : from.src, random, nullptr);
  if (pick.status != nat::PoolStatus::kOk) return false;
  *out = pick.addr;
  return true;
}

uint16_t rdr_port(const Translation& t, uint16_t dport) noexcept {
  if (t.port_lo == 0) return dport;
  const int span = int{t.port_hi >= t.port_lo ? t.port_hi : t.port_lo} - t.port_lo + 1;
  const int off = ((int{dport} - t.dst_port_lo) % span + span) % span;
  return static_cast<uint16_t>(t.port_lo + off);
}

bool rewrite_tuple(std::span<std::byte> ip, const state::PacketTuple& from,
                   const state::PacketTuple& to, bool icmp_query, uint16_t old_id,
                   uint16_t id) noexcept {
  bool src = !(from.src == to.src) || (!icmp_query && from.sport != to.sport);
  const bool dst = !(from.dst == to.dst) || (!icmp_query && from.dport != to.dport);
  // An echo's id is written with either address; a new id alone goes with the source.
  if (icmp_query && id != old_id && !dst) src = true;
  for (const bool source : {true, false}) {
    if (!(source ? src : dst)) continue;
    const nat::Endpoint4 e{v4_of(source ? to.src : to.dst),
                           icmp_query ? id : (source ? to.sport : to.dport)};
    const auto r = nat::rewrite_ipv4(ip, source ? nat::Side::kSource : nat::Side::kDestination, e);
    if (r != nat::RewriteStatus::kOk && r != nat::RewriteStatus::kAddressOnly) return false;
  }
  return true;
}

}  // namespace dpf::filter
