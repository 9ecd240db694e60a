// Translated states (wire != stack) for the pfsync tests: the two connections a NAT gateway
// makes, as the worker will make them. Keys are oriented as pf's: addr[0]/port[0] is the
// destination of an outbound state and the source of an inbound one.
#pragma once

#include <cstdint>

#include "dataplane/net/wire/headers.h"
#include "dataplane/state/state.h"

namespace dpf::pfsync::test {

inline state::StateKey tcp_key(state::Addr a0, uint16_t p0, state::Addr a1, uint16_t p1) {
  state::StateKey k;
  k.addr[0] = a0;
  k.addr[1] = a1;
  k.port[0] = p0;
  k.port[1] = p1;
  k.af = state::AddrFamily::kInet;
  k.proto = wire::kIpProtoTcp;
  return k;
}

struct TranslatedCase {
  state::Direction dir;
  state::StateKey wire;
  state::StateKey stack;
};

// nat: stack 192.168.0.100:41234 -> 10.0.0.100:5001 leaves as 10.0.0.1:62001.
inline TranslatedCase nat_outbound() {
  using state::Addr;
  return {state::Direction::kOut,
          tcp_key(Addr::v4(10, 0, 0, 100), 5001, Addr::v4(10, 0, 0, 1), 62001),
          tcp_key(Addr::v4(10, 0, 0, 100), 5001, Addr::v4(192, 168, 0, 100), 41234)};
}

// rdr: 10.0.0.7:51234 -> 10.0.0.254:8080 on the wire, redirected to 192.168.0.10:80.
inline TranslatedCase rdr_inbound() {
  using state::Addr;
  return {state::Direction::kIn,
          tcp_key(Addr::v4(10, 0, 0, 7), 51234, Addr::v4(10, 0, 0, 254), 8080),
          tcp_key(Addr::v4(10, 0, 0, 7), 51234, Addr::v4(192, 168, 0, 10), 80)};
}

// Makes `s` an established TCP state of `c`, created 10 s before `now` by `creatorid`.
inline void fill_translated(state::State& s, const TranslatedCase& c, uint64_t id,
                            uint32_t creatorid, uint32_t now) {
  s.key.key[state::kSkWire] = c.wire;
  s.key.key[state::kSkStack] = c.stack;
  s.direction = c.dir;
  s.af = state::AddrFamily::kInet;
  s.proto = wire::kIpProtoTcp;
  s.id = id;
  s.creatorid = creatorid;
  s.timeout = state::Timeout::kTcpEstablished;
  s.creation = now - 10;
  s.expire = now;
  s.peers.src.state = state::tcps::kEstablished;
  s.peers.dst.state = state::tcps::kEstablished;
}

}  // namespace dpf::pfsync::test
