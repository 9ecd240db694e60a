// pf's state key: address family, protocol, two 16-byte addresses and two ports (or the ICMP
// virtual id/type), ordered by the interface direction exactly as pf orders them
// (shared/specs/pf-semantics.md §1.1–1.3). Pure value types and constexpr helpers; any thread may
// call them; nothing allocates.
// The key is stored in host byte order; the pfsync codec converts ports to network order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "dataplane/net/wire/flow.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::state {

// A packet's direction and address family are wire's (dataplane/net/wire/flow.h), shared with the
// filter.
using wire::Direction;
using wire::reverse;
using AddrFamily = wire::Af;

// pf_addr: 16 bytes in network order; IPv4 uses the first 4 bytes, the rest stay zero so that
// keys compare and hash as plain bytes.
struct Addr {
  std::array<uint8_t, 16> bytes{};

  static constexpr Addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) noexcept {
    Addr r;
    r.bytes[0] = a;
    r.bytes[1] = b;
    r.bytes[2] = c;
    r.bytes[3] = d;
    return r;
  }
  // From 4 (IPv4) or 16 (IPv6) bytes as they appear on the wire.
  static Addr from_wire(const std::byte* p, AddrFamily af) noexcept {
    Addr r;
    std::memcpy(r.bytes.data(), p, af == AddrFamily::kInet ? 4 : 16);
    return r;
  }
  friend constexpr bool operator==(const Addr&, const Addr&) = default;
};
static_assert(sizeof(Addr) == 16);

// Index of the key roles a state points at (pf's PF_SK_WIRE / PF_SK_STACK).
enum KeyRole : uint8_t { kSkWire = 0, kSkStack = 1 };

// The comparable part of pf's state key (FreeBSD's pf_state_key_cmp: addr[2], port[2], af,
// proto, pad[2] = 40 bytes). Padding is explicit and always zero, so the 40 bytes can be hashed
// and compared with memcmp.
struct StateKey {
  Addr addr[2];
  uint16_t port[2] = {0, 0};  // host order; ICMP: virtual id / virtual type (see icmp.h)
  AddrFamily af = AddrFamily::kInet;
  uint8_t proto = 0;
  uint8_t pad[2] = {0, 0};

  friend bool operator==(const StateKey& a, const StateKey& b) noexcept {
    return std::memcmp(&a, &b, sizeof(StateKey)) == 0;
  }
};
static_assert(sizeof(StateKey) == 40);
static_assert(offsetof(StateKey, addr) == 0);
static_assert(offsetof(StateKey, port) == 32);
static_assert(offsetof(StateKey, af) == 36);
static_assert(offsetof(StateKey, proto) == 37);
static_assert(std::is_trivially_copyable_v<StateKey>);  // hashed and copied as 40 bytes

// The two keys of a state. Without translation both are equal (pf points both roles at one
// key object; we keep two copies so a later NAT change touches no reader of this type).
struct StateKeyPair {
  StateKey key[2];
  bool translated() const noexcept { return !(key[kSkWire] == key[kSkStack]); }
};

// The addresses and ports of a parsed packet, as seen on the wire.
struct PacketTuple {
  AddrFamily af = AddrFamily::kInet;
  uint8_t proto = 0;
  Addr src;
  Addr dst;
  uint16_t sport = 0;  // host order; 0 for protocols without ports
  uint16_t dport = 0;
};

// pf's sidx/didx: an inbound packet's source goes into slot 0, an outbound packet's into slot 1,
// so a packet and its reply through one interface build the same key (§1.2).
constexpr unsigned source_index(Direction d) noexcept {
  return d == Direction::kIn ? 0 : 1;
}
constexpr unsigned dest_index(Direction d) noexcept {
  return 1 - source_index(d);
}

// The key pf looks up for this packet in direction `dir` (pf_test_state_tcp/udp/other).
// Protocols other than TCP and UDP carry no ports in the key; ICMP keys carry the virtual id and
// type instead and are built by make_icmp_key (icmp.h).
inline StateKey make_lookup_key(const PacketTuple& p, Direction dir) noexcept {
  StateKey k;
  const unsigned s = source_index(dir);
  const unsigned d = dest_index(dir);
  k.af = p.af;
  k.proto = p.proto;
  k.addr[s] = p.src;
  k.addr[d] = p.dst;
  const bool ports = p.proto == wire::kIpProtoTcp || p.proto == wire::kIpProtoUdp;
  k.port[s] = ports ? p.sport : 0;
  k.port[d] = ports ? p.dport : 0;
  return k;
}

// Both keys of a state created by this packet. Without NAT the wire and stack keys are equal
// (pf_state_key_setup allocates a second key only when a translation differs).
inline StateKeyPair make_state_keys(const PacketTuple& p, Direction dir) noexcept {
  StateKeyPair kp;
  kp.key[kSkWire] = make_lookup_key(p, dir);
  kp.key[kSkStack] = kp.key[kSkWire];
  return kp;
}

// Which key role a lookup in direction `dir` searches: inbound packets match the wire key,
// outbound packets the stack key (pf_find_state).
constexpr KeyRole lookup_role(Direction dir) noexcept {
  return dir == Direction::kIn ? kSkWire : kSkStack;
}

}  // namespace dpf::state
