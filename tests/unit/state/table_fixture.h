// Helpers shared by the state table tests: a table with a small limit, UDP tuples and their
// replies, and states built from a tuple and a direction. Main lcore only: they allocate from
// the table's mempool and fail the running test if it is exhausted.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "dataplane/state/table.h"

namespace dpf::state::test {

inline std::unique_ptr<StateTable> make_table(uint32_t limit, uint32_t creatorid = 0x0a0b0c0d) {
  StateTable::Config c;
  c.limit = limit;
  c.creatorid = creatorid;
  c.name = "t";
  std::string error;
  auto t = StateTable::create(c, error);
  INFO(error);
  REQUIRE(t != nullptr);
  return t;
}

// A UDP tuple 10.0.0.<host>:<sport> -> 192.168.1.1:53.
inline PacketTuple udp_tuple(uint8_t host, uint16_t sport) {
  PacketTuple p;
  p.af = AddrFamily::kInet;
  p.proto = wire::kIpProtoUdp;
  p.src = Addr::v4(10, 0, 0, host);
  p.dst = Addr::v4(192, 168, 1, 1);
  p.sport = sport;
  p.dport = 53;
  return p;
}

// The reply of `p` (addresses and ports swapped).
inline PacketTuple reply_of(const PacketTuple& p) {
  PacketTuple r = p;
  r.src = p.dst;
  r.dst = p.src;
  r.sport = p.dport;
  r.dport = p.sport;
  return r;
}

// A state created by packet `p` filtered in `dir`, allocated from `t` (not inserted).
inline State* new_state(StateTable& t, const PacketTuple& p, Direction dir) {
  State* s = t.alloc();
  REQUIRE(s != nullptr);
  s->key = make_state_keys(p, dir);
  s->direction = dir;
  s->af = p.af;
  s->proto = p.proto;
  s->timeout = Timeout::kUdpFirstPacket;
  return s;
}

}  // namespace dpf::state::test
