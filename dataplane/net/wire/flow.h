// The direction of a packet through an interface and the address family of a flow: the one
// definition shared by the state table, the rule evaluator and the worker that feeds both, so a
// packet's direction and family pass from one to the other unconverted.
// Plain enums; any thread; nothing allocates.
#pragma once

#include <cstdint>

namespace dpf::wire {

// pf's PF_IN / PF_OUT values (pfvar.h); pfsync carries them in `direction`, and a rule's
// `in`/`out` compiles to them.
enum class Direction : uint8_t { kIn = 1, kOut = 2 };

constexpr Direction reverse(Direction d) noexcept {
  return d == Direction::kIn ? Direction::kOut : Direction::kIn;
}

// Address family as FreeBSD numbers it (AF_INET 2, AF_INET6 28), pf's sa_family_t in state keys
// and rules. The pfsync codec maps to the peer's numbering where an OpenBSD box (AF_INET6 24) is
// on the other side.
enum class Af : uint8_t { kInet = 2, kInet6 = 28 };

}  // namespace dpf::wire
