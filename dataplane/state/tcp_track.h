// pf's TCP state tracking: the peer struct, state creation from the first packet, full window
// tracking (pf_tcp_track_full), sloppy tracking, and the SYN-on-existing-state rules of
// pf_test_state (shared/specs/pf-semantics.md §2). Pure functions over (peers, segment); any
// thread may call them; nothing allocates, nothing throws.
// See tcp_track() for concurrency and the BSD differences followed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "dataplane/net/wire/headers.h"
#include "dataplane/state/key.h"
#include "dataplane/state/tcp_options.h"
#include "dataplane/state/timeouts.h"

namespace dpf::state {

// Peer states: BSD tcp_fsm.h TCPS_* numbering, as pfsync carries it. pf only ever uses
// CLOSED, SYN_SENT, ESTABLISHED, CLOSING, FIN_WAIT_2 and TIME_WAIT, and only moves them up.
namespace tcps {
inline constexpr uint8_t kClosed = 0;
inline constexpr uint8_t kListen = 1;
inline constexpr uint8_t kSynSent = 2;
inline constexpr uint8_t kSynReceived = 3;
inline constexpr uint8_t kEstablished = 4;
inline constexpr uint8_t kCloseWait = 5;
inline constexpr uint8_t kFinWait1 = 6;
inline constexpr uint8_t kClosing = 7;
inline constexpr uint8_t kLastAck = 8;
inline constexpr uint8_t kFinWait2 = 9;
inline constexpr uint8_t kTimeWait = 10;
inline constexpr uint8_t kProxySrc = 11;  // synproxy (the node refuses synproxy rules for now)
inline constexpr uint8_t kProxyDst = 12;
}  // namespace tcps

// The name pfctl prints for a TCP peer state ("ESTABLISHED", "FIN_WAIT_2", ...).
const char* tcp_state_name(uint8_t state) noexcept;

// pf_state_peer without the scrub pointer. UDP and other protocols use the same struct with
// the PFUDPS_* / PFOTHERS_* values in `state` (see proto_state.h).
struct StatePeer {
  uint32_t seqlo = 0;    // highest sequence number sent (end of data, incl. SYN/FIN)
  uint32_t seqhi = 0;    // highest sequence number the other side allows this peer to send
  uint32_t seqdiff = 0;  // modulation offset; 0 unless `modulate state` (or pfsync) set it
  uint16_t max_win = 0;  // largest unscaled window advertised (>= 1 once seen)
  uint16_t mss = 0;
  uint8_t state = 0;   // tcps::* for TCP
  uint8_t wscale = 0;  // shift | kWscaleFlag (tcp_options.h)
  uint8_t pad[2] = {0, 0};
  friend bool operator==(const StatePeer&, const StatePeer&) = default;
};
static_assert(sizeof(StatePeer) == 20);
static_assert(std::is_trivially_copyable_v<StatePeer>);

// src is the peer that sent the state's first packet, dst the other one.
struct StatePeers {
  StatePeer src;
  StatePeer dst;
  friend bool operator==(const StatePeers&, const StatePeers&) = default;
};

// One TCP segment as the tracker sees it. Numbers in host order.
struct TcpSegment {
  Direction dir = Direction::kIn;  // direction the packet is being filtered in
  uint8_t flags = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t win = 0;                   // window field as on the wire (unscaled)
  uint32_t payload_len = 0;           // TCP payload bytes (pd->p_len)
  std::span<const std::byte> header;  // the TCP header with options; read only on SYNs
};

enum class TcpAction : uint8_t {
  kPass,
  kDrop,  // drop the packet, keep the state (pf counts it as "state-mismatch")
  // Port reuse: the state is closed on both sides and a new SYN arrived. Mark the state kPurge,
  // then evaluate the packet against the rules as if no state existed (OpenBSD pf_test); the
  // rule may create the new connection's state.
  kPurgeAndEvaluate,
};

enum class TcpMatch : uint8_t {
  kNone,    // not tracked (dropped before or by the window check)
  kFull,    // passed every window check: state refreshed
  kLoose,   // accepted by pf's loose match (handshake / after close): expiry not refreshed
  kSloppy,  // sloppy tracker
};

// A segment pf would send back to the packet's sender (addresses and ports swapped).
struct TcpReply {
  enum class Kind : uint8_t { kNone, kRst, kChallengeAck };
  Kind kind = Kind::kNone;
  uint8_t flags = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
};

struct TcpResult {
  TcpAction action = TcpAction::kPass;
  TcpMatch match = TcpMatch::kNone;
  bool refresh = false;  // set the state's last activity to now and its timeout to `timeout`
  Timeout timeout = Timeout::kTcpFirstPacket;
  TcpReply reply;
  // The ACK that moved the other peer from SYN_SENT to ESTABLISHED while this one was
  // ESTABLISHED: where pf counts max-src-conn / max-src-conn-rate (pf_src_connlimit).
  bool conn_established = false;
  // Sequence modulation: the packet's seq/ack must be rewritten to these values.
  bool rewrite = false;
  uint32_t out_seq = 0;
  uint32_t out_ack = 0;
};

// pf_create_state for TCP: the peers of a new state created by `seg` (normally a SYN). The
// state's timeout starts at Timeout::kTcpFirstPacket.
StatePeers tcp_state_create(const TcpSegment& seg) noexcept;

// Concurrency: both directions of one flow may run on two lcores. tcp_track() reads and writes
// only the StatePeers it is given, so the table wraps it in the state's lock (copy in, track,
// copy out, or track in place under the lock); it keeps no other state.
// Where the BSDs differ we follow OpenBSD, which the regress cases test: RSTs must be
// exact or RFC 5961-style perfect-ack RST|ACKs; a SYN on an established state draws a challenge
// ACK; a SYN on a closed state is re-evaluated by the rules instead of only being dropped.
//
// pf_test_state for a TCP packet matching a state created in direction `state_dir`: the
// pure-SYN checks (port reuse after both sides closed, challenge ACK on an established state),
// then sloppy or full tracking. Updates `peers` in place.
// Sequence modulation: existing seqdiff values (from pfsync) are honoured; a responder's
// modulator is not generated here (`modulate state` is refused by the parser until it is).
TcpResult tcp_track(StatePeers& peers, Direction state_dir, const TcpSegment& seg,
                    bool sloppy) noexcept;

// The timeout class pf picks after an accepted packet (§2.6).
Timeout tcp_timeout_for(const StatePeer& a, const StatePeer& b) noexcept;

// Sequence-space comparisons (RFC 1982 serial arithmetic, BSD SEQ_*).
constexpr bool seq_lt(uint32_t a, uint32_t b) noexcept {
  return static_cast<int32_t>(a - b) < 0;
}
constexpr bool seq_leq(uint32_t a, uint32_t b) noexcept {
  return static_cast<int32_t>(a - b) <= 0;
}
constexpr bool seq_gt(uint32_t a, uint32_t b) noexcept {
  return static_cast<int32_t>(a - b) > 0;
}
constexpr bool seq_geq(uint32_t a, uint32_t b) noexcept {
  return static_cast<int32_t>(a - b) >= 0;
}

// pf's MAXACKWINDOW: one maximum unscaled window plus a 1500-byte fudge factor.
inline constexpr int32_t kMaxAckWindow = 0xffff + 1500;
inline constexpr uint32_t kTcpMaxWin = 65535;  // TCP_MAXWIN

}  // namespace dpf::state
