// What the rule evaluator sees of a parsed IPv4 packet (net::PacketInfo) filtered on port
// `port` in direction `dir`: the worker's view, shared by whatever evaluates rules on parsed
// packets. A later fragment has no transport header: its ports and ICMP type stay unset.
#pragma once

#include <cstdint>

#include "dataplane/filter/eval.h"
#include "dataplane/net/parse.h"

namespace dpf::filter {

inline Packet packet_of(const net::PacketInfo& info, Direction dir, uint16_t port,
                        uint16_t rcv_port) noexcept {
  Packet p;
  p.af = wire::Af::kInet;
  p.proto = info.proto;
  p.dir = dir;
  p.tcp_flags = info.tcp_flags;
  p.port = port;
  p.rcv_port = rcv_port;
  p.fragment = info.fragment && !info.first_fragment;
  if (!p.fragment) {
    p.sport = info.sport;
    p.dport = info.dport;
    p.icmp_type = info.icmp_type;
    p.icmp_code = info.icmp_code;
  }
  for (int i = 0; i < 4; ++i) {
    p.src[i] = static_cast<uint8_t>(info.src >> (24 - 8 * i));
    p.dst[i] = static_cast<uint8_t>(info.dst >> (24 - 8 * i));
  }
  return p;
}

}  // namespace dpf::filter
