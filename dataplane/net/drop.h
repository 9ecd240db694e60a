// Why a packet was dropped. Every drop in the node goes through one counting helper keyed by
// this enum (STYLE.md, "Fast path vs setup"); the name table is what REST, /metrics and dpfctl
// print. Pure: no DPDK, no allocation. Append new reasons before kCount; names are stable API.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace dpf::net {

enum class DropReason : uint8_t {
  kEthShort,             // frame shorter than an Ethernet header
  kL2Other,              // EtherType we neither forward nor answer (LLDP, ...)
  kL2NotForUs,           // unicast to a MAC that is not ours
  kArpMalformed,         // ARP not Ethernet/IPv4, or truncated
  kArpNotForUs,          // ARP request for an address we do not own (not an error; counted)
  kIpShort,              // frame too short for the IPv4 header it announces
  kIpVersion,            // version field is not 4
  kIpIhl,                // IHL < 5
  kIpTotalLength,        // total length < IHL*4 or beyond the frame
  kIpChecksum,           // header checksum does not verify
  kIpBadSource,          // martian source: multicast, broadcast, loopback, 0/8 (RFC 1812 5.3.7)
  kIpBadDest,            // martian destination: loopback, 0/8, class E (RFC 1812 5.3.7)
  kIpFragment,           // fragment whose offset+length passes 65535, or a tiny first fragment
  kIpOptionsMalformed,   // options that do not parse (length 0/1 or beyond the header)
  kL4Short,              // first fragment too short for its TCP/UDP/ICMP header
  kTtlExceeded,          // TTL would reach 0 on forwarding (ICMP time exceeded sent)
  kNoRoute,              // no route to the destination (ICMP net unreachable sent)
  kNeighborUnresolved,   // next hop did not answer ARP in time, or its hold queue was full
  kIpv6,                 // IPv6 is parsed and counted, not forwarded yet
  kLocalUnhandled,       // addressed to us, protocol we do not serve
  kPuntRingFull,         // control thread queue full
  kTxFull,               // TX queue full, the packet could not be sent
  kBroadcast,            // IPv4 broadcast/multicast we do not forward (RFC 1812 5.3.5)
  kMtuExceeded,          // larger than the egress MTU (ICMP fragmentation needed sent when DF)
  kPfBlock,              // blocked by a pf rule (or `block return`, after the reply was queued)
  kStateMismatch,        // failed pf's state checks: TCP window, RST/FIN acceptance (pf's name)
  kStateInsert,          // a state with the same key exists (pf's state-insert)
  kStateLimit,           // `set limit states` (or a rule's `max`) reached: new flow refused
  kCarpBackup,           // to a CARP virtual MAC of a vhid this node is backup of
  kSrcLimit,             // max-src-* exceeded: new flow refused, or its completing ACK (pf's)
  kArpForeign,           // ARP from outside the receiving interface's subnet: not learned/answered
  kArpVlan,              // ARP with an 802.1Q tag on an untagged interface: not learned/answered
  kIpOption,             // IPv4 options without `allow-opts` on the deciding rule or state (pf's)
  kL4ChecksumOffloaded,  // TCP/UDP checksum left for a NIC by the sender (af_packet on veth)
  kNatExhausted,         // no free translation port in the rule's range (for this worker)
  kTranslate,            // a translation that cannot be applied: a pool that yields no
                         // address, or a packet too short or malformed to rewrite (pf's)
  kCount
};

inline constexpr std::array<std::string_view, static_cast<size_t>(DropReason::kCount)>
    kDropReasonNames = {
        "eth-short",
        "l2-other",
        "l2-not-for-us",
        "arp-malformed",
        "arp-not-for-us",
        "ip-short",
        "ip-version",
        "ip-ihl",
        "ip-total-length",
        "ip-checksum",
        "ip-bad-source",
        "ip-bad-dest",
        "ip-fragment",
        "ip-options-malformed",
        "l4-short",
        "ttl-exceeded",
        "no-route",
        "neighbor-unresolved",
        "ipv6",
        "local-unhandled",
        "punt-ring-full",
        "tx-full",
        "broadcast",
        "mtu-exceeded",
        "pf-block",
        "state-mismatch",
        "state-insert",
        "state-limit",
        "carp-backup",
        "src-limit",
        "arp-foreign",
        "arp-vlan",
        "ip-option",
        "l4-checksum-offloaded",
        "nat-exhausted",
        "translate",
};

// Every reason has a name: a missing initializer would leave the last one empty.
static_assert(!kDropReasonNames.back().empty());

constexpr std::string_view drop_reason_name(DropReason r) {
  return kDropReasonNames[static_cast<size_t>(r)];
}

}  // namespace dpf::net
