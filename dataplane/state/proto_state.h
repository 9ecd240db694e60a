// State progression for UDP, ICMP queries and other protocols (pf_create_state and
// pf_test_state for non-TCP; shared/specs/pf-semantics.md §2.9). Pure functions over the state's
// peers; any thread (under the state's lock, like tcp_track); nothing allocates.
#pragma once

#include <cstdint>

#include "dataplane/net/wire/headers.h"
#include "dataplane/state/key.h"
#include "dataplane/state/tcp_track.h"
#include "dataplane/state/timeouts.h"

namespace dpf::state {

// PFUDPS_* and PFOTHERS_* (same numbers), kept in StatePeer::state.
namespace pfudps {
inline constexpr uint8_t kNoTraffic = 0;
inline constexpr uint8_t kSingle = 1;
inline constexpr uint8_t kMultiple = 2;
}  // namespace pfudps

// pfctl's names for the UDP/other peer states ("NO_TRAFFIC", "SINGLE", "MULTIPLE").
const char* udp_state_name(uint8_t state) noexcept;

// Which timeout family a protocol uses.
enum class ProtoClass : uint8_t { kTcp, kUdp, kIcmp, kOther };
constexpr ProtoClass proto_class(uint8_t proto) noexcept {
  switch (proto) {
    case wire::kIpProtoTcp:
      return ProtoClass::kTcp;
    case wire::kIpProtoUdp:
      return ProtoClass::kUdp;
    case wire::kIpProtoIcmp:
    case wire::kIpProtoIcmpv6:
      return ProtoClass::kIcmp;
    default:
      return ProtoClass::kOther;
  }
}

struct ProtoResult {
  Timeout timeout;  // the state's timeout class from now on; last activity becomes `now`
};

// A new UDP / other state: src SINGLE, dst NO_TRAFFIC, timeout udp.first / other.first.
// An ICMP state keeps both peers at 0 and starts at icmp.first.
// (TCP states are created by tcp_state_create.)
StatePeers proto_state_create(ProtoClass c, Timeout* initial_timeout) noexcept;

// A packet matched a UDP or other-protocol state created in `state_dir`, travelling in
// `pkt_dir`: the sender becomes at least SINGLE, a SINGLE receiver becomes MULTIPLE; the timeout
// is *.multiple once both are MULTIPLE, else *.single.
ProtoResult udp_track(StatePeers& peers, Direction state_dir, Direction pkt_dir) noexcept;
ProtoResult other_track(StatePeers& peers, Direction state_dir, Direction pkt_dir) noexcept;

// An ICMP query or reply matched an ICMP state: the timeout becomes icmp.error.
constexpr ProtoResult icmp_query_track() noexcept {
  return {Timeout::kIcmpErrorReply};
}

}  // namespace dpf::state
