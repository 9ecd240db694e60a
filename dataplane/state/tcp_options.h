// TCP header options the state tracker needs from a SYN: the window scale shift and the MSS
// (RFC 7323 §2, RFC 9293 §3.2). Bounds-checked decoding of the TCP header bytes; any thread;
// no allocation.
//
//  0                   1                   2                   3
//  +-------+-------+-------+-------+  kind 0 EOL, 1 NOP, 2 MSS (len 4, u16),
//  | kind  |  len  |  value ...    |  3 WSCALE (len 3, u8 shift); any other kind skips by len.
//  +-------+-------+---------------+  Options start at byte 20 and end at data offset * 4.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dpf::state {

inline constexpr size_t kTcpHeaderMinLen = 20;
inline constexpr size_t kTcpDataOffsetByte = 12;  // high nibble: header length in 32-bit words
inline constexpr uint8_t kTcpOptEol = 0;
inline constexpr uint8_t kTcpOptNop = 1;
inline constexpr uint8_t kTcpOptMss = 2;
inline constexpr uint8_t kTcpOptMssLen = 4;
inline constexpr uint8_t kTcpOptWscale = 3;
inline constexpr uint8_t kTcpOptWscaleLen = 3;

// pf_state_peer.wscale: the shift in the low bits, PF_WSCALE_FLAG when the peer sent the option.
inline constexpr uint8_t kWscaleFlag = 0x80;
inline constexpr uint8_t kWscaleMask = 0x0f;
inline constexpr uint8_t kMaxWinShift = 14;  // TCP_MAX_WINSHIFT

// The shift of a peer's wscale field, clamped to TCP_MAX_WINSHIFT (a value learned from pfsync
// is not trusted to be in range).
constexpr uint8_t wscale_shift(uint8_t wscale) noexcept {
  const uint8_t s = wscale & kWscaleMask;
  return s > kMaxWinShift ? kMaxWinShift : s;
}

struct TcpOptions {
  uint8_t wscale = 0;      // 0 if absent, else min(shift, 14) | kWscaleFlag (pf_get_wscale)
  uint16_t mss = 0;        // 0 if absent (pf_get_mss)
  bool truncated = false;  // the data offset pointed beyond the bytes given, or an option ran over
};

// Parses the options of the TCP header in `tcp_header` (starting at the TCP source port; it may
// extend into the payload). Never reads outside the span; a malformed option ends the walk and
// keeps what was found before it, as pf does.
TcpOptions parse_tcp_options(std::span<const std::byte> tcp_header) noexcept;

}  // namespace dpf::state
