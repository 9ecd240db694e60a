// Golden pfsync frames, hand-assembled byte by byte from the tables of shared/specs/pfsync.md
// (§2.2 header, §2.3 subheader, §3.2–§3.7 bodies, §2.5 EOF): one frame per message type in the
// 9.x/1301 framing (EOF + 20-byte trailer) and in FreeBSD 14's 1400 framing (EOF, no trailer),
// plus a mixed frame of each. Each frame starts at the pfsync header (the IP payload). Test
// data only: builds the frames on first use (allocates).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "dataplane/pfsync/codec.h"

namespace dpf::pfsync::golden {

struct GoldenFrame {
  std::string_view name;  // "1301/ins", "1400/upd_c", ...
  EofStyle eof;           // how the frame ends, so a builder can reproduce it
  std::vector<std::byte> bytes;
};

// Every golden frame, in a fixed order.
const std::vector<GoldenFrame>& all_frames();
// The frame called `name`; aborts if there is none (a typo in a test).
const GoldenFrame& frame(std::string_view name);

// Bytes from hex digits; spaces are ignored. Aborts on anything else or an odd count.
std::vector<std::byte> from_hex(std::string_view hex);

// Identities used in the frames (see golden_frames.cpp for every other field).
inline constexpr uint32_t kCreatorA = 0x0a0b0c0d;  // creator of the 1301 states
inline constexpr uint32_t kCreatorB = 0x11223344;  // creator of the 1400 state
inline constexpr uint64_t kIdTcp4 = 0x5f0c1a2b00000001;
inline constexpr uint64_t kIdUdp6 = 0x5f0c1a2b00000002;
inline constexpr uint64_t kIdTcp4_1400 = 0x6a1b2c3d00000010;

}  // namespace dpf::pfsync::golden
