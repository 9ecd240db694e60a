// Packet builders for what the node itself sends: ICMP errors, echo replies and TCP RSTs
// (pf's `block return`). They write untagged Ethernet frames into a caller buffer, fill every
// checksum, and return the frame length, or 0 when the buffer is too small or the input does not
// qualify. Any thread; no allocation, no exceptions. Addresses are in host byte order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/parse.h"
#include "dataplane/net/wire/headers.h"

namespace dpf::net {

// Size of the frames built below.
inline constexpr size_t kTcpRstFrameLen =
    sizeof(wire::EtherHdr) + sizeof(wire::Ipv4Hdr) + sizeof(wire::TcpHdr);
// An ICMP error's IP datagram never exceeds 576 bytes (RFC 1812 §4.3.2.3).
inline constexpr size_t kIcmpErrorMaxIpLen = 576;
inline constexpr size_t kIcmpErrorMaxFrameLen = sizeof(wire::EtherHdr) + kIcmpErrorMaxIpLen;

// Whether RFC 1812 §4.3.2.7 allows an ICMP error about this parsed IPv4 packet: not about an ICMP
// error (nor an ICMP of unknown type), a fragment other than the first, an L2 broadcast or
// multicast, an IP broadcast or multicast destination, or a source that is not a unicast address.
// (Directed broadcasts to a subnet are the caller's to check; it knows the subnets.)
bool icmp_error_allowed(const PacketInfo& info) noexcept;

// ICMP error (type/code, e.g. kIcmpTimeExceeded/kIcmpTimeExceededTtl) from `src_ip` to the source
// of `offending_ip_datagram` (starting at its IPv4 header; pass the datagram up to its total
// length). Quotes the offending header and as much of its data as fits a 576-byte datagram
// (RFC 1812 §4.3.2.3). TTL 64, precedence 6 (RFC 1812 §4.3.2.5), ID 0, DF clear. `rest_of_header`
// fills the 4 bytes after the ICMP checksum (a pointer for parameter problem, the MTU for "need
// frag"). Returns 0 if the datagram is not IPv4 with a complete header or if `out` is too small for
// the whole error. `offending_ip_datagram` may lie inside `out` (building over the received mbuf).
// Does not apply icmp_error_allowed(): the caller must.
size_t build_icmp_error(std::span<std::byte> out, const wire::MacAddr& src_mac,
                        const wire::MacAddr& dst_mac, uint32_t src_ip,
                        std::span<const std::byte> offending_ip_datagram, uint8_t type,
                        uint8_t code, uint32_t rest_of_header = 0) noexcept;

// Turns a parsed ICMP echo request addressed to us into its reply in place: swaps the MACs and
// the IP addresses, sets type 0 and TTL 64, fixes both checksums. Returns false and leaves the
// frame untouched unless `info` describes this frame as an unfragmented IPv4 ICMP echo request
// with a correct ICMP checksum, sent to a unicast MAC and a unicast IP destination.
bool make_echo_reply_in_place(std::span<std::byte> frame, const PacketInfo& info) noexcept;

// TCP reset answering the parsed segment `info` (RFC 793 §3.4 "Reset Generation"): from its
// destination to its source; if the segment has ACK, seq = its ack and no ACK; otherwise seq = 0
// and ACK = its seq + its length (payload, +1 for SYN, +1 for FIN). `src_mac`/`dst_mac` are the
// Ethernet addresses of the reply. TTL 64, window 0. Returns 0 (and builds nothing) for a
// non-TCP packet, a fragment, a segment without a valid TCP header, or one that carries RST.
size_t build_tcp_rst(std::span<std::byte> out, const wire::MacAddr& src_mac,
                     const wire::MacAddr& dst_mac, const PacketInfo& info) noexcept;

}  // namespace dpf::net
