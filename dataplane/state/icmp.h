// ICMP and the state table (shared/specs/pf-semantics.md §1.5): pf's mapping of ICMP query
// types onto a virtual id and type so that request and reply share one state key, the direction
// check for ICMP states, and ICMP errors, whose quoted packet (IP header + 8 bytes) is decoded
// to the key of the TCP/UDP/ICMP/other state it refers to. Pure, bounds-checked decoding over
// std::span<const std::byte>; any thread; no allocation.
//
// Quoted packet layout (RFC 792 / RFC 4443 §3):
//   [ inner IPv4 header, IHL*4 bytes | IPv6 header 40 bytes + extension headers ]
//   [ first 8 bytes of the inner L4 header: TCP sport dport seq | UDP sport dport len sum |
//     ICMP type code sum id seq ]
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/state/key.h"
#include "dataplane/state/tcp_track.h"

namespace dpf::state {

// ICMPv4 types (RFC 792 and later) the mapping names.
namespace icmp4 {
inline constexpr uint8_t kEchoReply = 0;
inline constexpr uint8_t kUnreach = 3;
inline constexpr uint8_t kSourceQuench = 4;
inline constexpr uint8_t kRedirect = 5;
inline constexpr uint8_t kEcho = 8;
inline constexpr uint8_t kRouterAdvert = 9;
inline constexpr uint8_t kRouterSolicit = 10;
inline constexpr uint8_t kTimeExceeded = 11;
inline constexpr uint8_t kParamProb = 12;
inline constexpr uint8_t kTimestamp = 13;
inline constexpr uint8_t kTimestampReply = 14;
inline constexpr uint8_t kInfoRequest = 15;
inline constexpr uint8_t kInfoReply = 16;
inline constexpr uint8_t kMaskRequest = 17;
inline constexpr uint8_t kMaskReply = 18;
inline constexpr uint8_t kIpv6WhereAreYou = 33;
inline constexpr uint8_t kIpv6IAmHere = 34;
inline constexpr uint8_t kMobileRegRequest = 35;
inline constexpr uint8_t kMobileRegReply = 36;
}  // namespace icmp4

// ICMPv6 types (RFC 4443, 4861, 2710) the mapping names.
namespace icmp6 {
inline constexpr uint8_t kDstUnreach = 1;
inline constexpr uint8_t kPacketTooBig = 2;
inline constexpr uint8_t kTimeExceeded = 3;
inline constexpr uint8_t kParamProb = 4;
inline constexpr uint8_t kEchoRequest = 128;
inline constexpr uint8_t kEchoReply = 129;
inline constexpr uint8_t kMldQuery = 130;
inline constexpr uint8_t kMldReport = 131;
inline constexpr uint8_t kRouterSolicit = 133;
inline constexpr uint8_t kRouterAdvert = 134;
inline constexpr uint8_t kNeighborSolicit = 135;
inline constexpr uint8_t kNeighborAdvert = 136;
inline constexpr uint8_t kWruRequest = 139;
inline constexpr uint8_t kWruReply = 140;
inline constexpr uint8_t kMtraceResp = 200;
inline constexpr uint8_t kMtrace = 201;
}  // namespace icmp6

inline constexpr size_t kIcmpHeaderLen = 8;      // type, code, checksum, 4 bytes (id, seq)
inline constexpr size_t kIcmpIdOffset = 4;       // echo/timestamp/... identifier
inline constexpr size_t kIcmp6TargetOffset = 8;  // ND target / MLD multicast address
inline constexpr size_t kQuotedL4Len = 8;        // bytes of the inner L4 header quoted

// pf_icmp_mapping's result for one ICMP message.
struct IcmpMapping {
  bool is_error = false;   // an error that refers to another state (no state of its own)
  bool may_create = true;  // false for unsolicited ND advertisements (OpenBSD: never keep state)
  Direction icmp_dir = Direction::kIn;  // kIn: a request (or one-way type); kOut: a reply
  uint16_t virtual_id = 0;              // echo id, fake id from an ND/MLD address, or 0
  uint16_t virtual_type = 0;            // the request type both request and reply map to
};

enum class IcmpStatus : uint8_t {
  kOk,
  kShort,       // the message or its quoted packet is truncated
  kFragment,    // the quoted packet is a non-first fragment (pf: PFRES_FRAG)
  kBadHeader,   // the quoted IP header is not of the outer family / malformed
  kBadAddress,  // the error's destination is not the quoted packet's source (OpenBSD check)
};

// Maps the ICMP message `icmp` (starting at its type byte) of family `af`. Needs 8 bytes, and
// 24 for ND solicitations/advertisements and MLD (the address they carry).
IcmpStatus icmp_mapping(AddrFamily af, std::span<const std::byte> icmp, IcmpMapping* out) noexcept;

// The state key of an ICMP query/reply travelling with addresses `t` (proto, af, src, dst;
// ports ignored) in direction `dir` (pf_icmp_state_lookup): the virtual id goes in the source
// slot of a request and the virtual type in the other, swapped for replies, so a request and
// its reply through one interface build the same key.
StateKey make_icmp_key(const PacketTuple& t, Direction dir, const IcmpMapping& m) noexcept;

// pf's check that an ICMP message flows the right way for the state it matched: a request type
// must travel in the state's direction, a reply against it; for a quoted (inner) ICMP packet the
// roles are swapped. Sloppy states skip the check.
constexpr bool icmp_direction_ok(Direction state_dir, Direction pkt_dir, Direction icmp_dir,
                                 bool inner) noexcept {
  const bool same = state_dir == pkt_dir;
  const Direction expect = (inner ? !same : same) ? Direction::kIn : Direction::kOut;
  return expect == icmp_dir;
}

// The packet an ICMP error quotes, decoded.
struct IcmpErrorInner {
  PacketTuple tuple;       // the quoted packet's addresses and ports as it travelled
  StateKey key;            // the key to look up (built for the opposite direction)
  uint32_t tcp_seq = 0;    // TCP: the quoted sequence number
  IcmpMapping inner_icmp;  // ICMP: the quoted message's mapping
};

// Decodes the packet quoted by an ICMP error that pf filters in direction `dir`. `quoted`
// starts at the inner IP header. `outer_dst` is the error's destination address; it must equal
// the quoted packet's source (OpenBSD pf_test_state_icmp).
IcmpStatus icmp_error_inner(AddrFamily af, std::span<const std::byte> quoted, Direction dir,
                            const Addr& outer_dst, IcmpErrorInner* out) noexcept;

// pf's check of a quoted TCP sequence number against the state the error matched: it must lie
// within [src.seqlo - (dst.max_win << dws), src.seqhi] of the peer that sent the quoted segment
// (the error travels the other way). Sloppy states accept any sequence number. A false result
// drops the packet (pf's "state-mismatch").
bool icmp_inner_tcp_seq_ok(const StatePeers& peers, Direction state_dir, Direction pkt_dir,
                           uint32_t inner_seq, bool sloppy) noexcept;

}  // namespace dpf::state
