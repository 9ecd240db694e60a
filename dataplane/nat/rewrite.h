// pf's translation of one side of an IPv4 packet: its address and its TCP/UDP port or ICMP echo
// id (pf_change_ap / pf_change_a), and the translation of an ICMP error that quotes a translated
// packet (pf_change_icmp). Every checksum is updated incrementally (RFC 1624 eqn. 3, checksum.h),
// so the cost does not depend on the payload and a checksum that was wrong stays wrong by the
// same amount. Pure functions over a packet's bytes starting at its IPv4 header; any thread; no
// allocation. A call either writes everything or nothing: all checks come first.
//
// Bytes read and written (RFC 791, 793, 768, 792):
//   IPv4 header: src (12..15) or dst (16..19), check (10..11)
//   TCP: sport (0..1) or dport (2..3), check (16..17)  -- the pseudo-header covers the address
//   UDP: sport (0..1) or dport (2..3), check (6..7)    -- 0 means "no checksum" and stays 0
//   ICMP echo / echo reply: id (4..5), check (2..3)    -- no pseudo-header
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/net/wire/headers.h"

namespace dpf::nat {

// Which end of a packet is translated: the source (nat, the outbound leg of binat) or the
// destination (rdr, and the reply leg of nat).
enum class Side : uint8_t { kSource, kDestination };

enum class RewriteStatus : uint8_t {
  kOk,            // address and port (or echo id) written, every covering checksum updated
  kAddressOnly,   // address written; the packet has no port or id to translate (other protocols,
                  // ICMP other than echo/echo reply, non-first fragments)
  kShort,         // the bytes present, or the datagram's total length, end inside a header that
                  // must be rewritten; nothing written
  kBadHeader,     // not IPv4, IHL < 5, or a total length shorter than the header; nothing written
  kFragment,      // ICMP error: the error or the packet it quotes is a non-first fragment (pf:
                  // PFRES_FRAG); nothing written
  kNotIcmpError,  // rewrite_icmp_error_ipv4 on a packet that is not an ICMP error; nothing written
};

constexpr std::string_view rewrite_status_name(RewriteStatus s) noexcept {
  switch (s) {
    case RewriteStatus::kOk:
      return "ok";
    case RewriteStatus::kAddressOnly:
      return "address-only";
    case RewriteStatus::kShort:
      return "short";
    case RewriteStatus::kBadHeader:
      return "bad-header";
    case RewriteStatus::kFragment:
      return "fragment";
    case RewriteStatus::kNotIcmpError:
      return "not-icmp-error";
  }
  return "?";
}

// One end of a translated IPv4 flow, host order. `port` is the TCP/UDP port, or the ICMP echo id.
struct Endpoint4 {
  uint32_t addr = 0;
  uint16_t port = 0;
  friend constexpr bool operator==(const Endpoint4&, const Endpoint4&) = default;
};

// Writes `to` into side `side` of the IPv4 packet `packet` (starting at its IP header; it may be
// truncated, and bytes past the total length, such as Ethernet padding, are ignored): the IP
// header checksum, and the TCP/UDP checksum (pseudo-header and port) or the ICMP checksum (id)
// are updated incrementally. A UDP checksum of 0 stays 0; an updated one that comes out 0 is
// written 0xffff (RFC 768). Only the ICMP echo and echo reply id is translated, as pf does; an
// ICMP error needs rewrite_icmp_error_ipv4. A non-first fragment gets the address only (the
// first fragment carries the L4 checksum that covers it). Needs the whole IP header and the L4
// header's fixed part (TCP 20, UDP 8, ICMP 8 bytes).
RewriteStatus rewrite_ipv4(std::span<std::byte> packet, Side side, Endpoint4 to) noexcept;

// The translation of an ICMP error (destination unreachable, source quench, redirect, time
// exceeded, parameter problem) that quotes a packet of a translated flow.
struct IcmpErrorRewrite4 {
  Side inner_side = Side::kSource;       // which end of the quoted packet is translated
  Endpoint4 inner;                       // its new address and port (TCP/UDP) or echo id
  Side outer_side = Side::kDestination;  // which address of the error itself is translated
  uint32_t outer_addr = 0;               // its new address, host order
};

// Translates the ICMP error `packet` (starting at its outer IPv4 header): the quoted header's
// address and its checksum, the quoted port or echo id, the quoted L4 checksum when the quote
// holds it (UDP and ICMP always, TCP only when 18 or more bytes of it are quoted; a UDP checksum
// of 0 stays 0), the ICMP checksum for every one of those bytes, and the outer address with the
// outer header checksum.
// Unlike pf_change_icmp, which adjusts the quoted TCP/UDP checksum for the port only, the quoted
// checksum is adjusted for the address in its pseudo-header too: the quote then reads exactly as
// the packet its sender sent. Needs the outer header, 8 bytes of ICMP, the whole quoted header
// and, for quoted TCP, UDP and ICMP, 8 bytes of it (RFC 792).
RewriteStatus rewrite_icmp_error_ipv4(std::span<std::byte> packet,
                                      const IcmpErrorRewrite4& r) noexcept;

// ICMP types that quote the packet they are about (RFC 792).
constexpr bool icmp_is_error(uint8_t type) noexcept {
  return type == wire::kIcmpUnreach || type == wire::kIcmpSourceQuench ||
         type == wire::kIcmpRedirect || type == wire::kIcmpTimeExceeded ||
         type == wire::kIcmpParamProblem;
}

}  // namespace dpf::nat
