// pf's state key: slot order by direction, wire/stack roles and the hashable layout.
#include <catch2/catch.hpp>

#include <cstring>

#include "dataplane/net/wire/headers.h"
#include "dataplane/state/key.h"

using namespace dpf::state;
using namespace dpf::wire;

namespace {

PacketTuple tcp(Addr src, uint16_t sport, Addr dst, uint16_t dport) {
  PacketTuple t;
  t.af = AddrFamily::kInet;
  t.proto = kIpProtoTcp;
  t.src = src;
  t.sport = sport;
  t.dst = dst;
  t.dport = dport;
  return t;
}

const Addr kClient = Addr::v4(10, 0, 0, 2);
const Addr kServer = Addr::v4(192, 168, 0, 5);

}  // namespace

TEST_CASE("key: an inbound packet puts its source in slot 0, an outbound one in slot 1") {
  const PacketTuple p = tcp(kClient, 52311, kServer, 22);
  const StateKey in = make_lookup_key(p, Direction::kIn);
  CHECK(in.addr[0] == kClient);
  CHECK(in.port[0] == 52311);
  CHECK(in.addr[1] == kServer);
  CHECK(in.port[1] == 22);
  const StateKey out = make_lookup_key(p, Direction::kOut);
  CHECK(out.addr[1] == kClient);
  CHECK(out.port[1] == 52311);
  CHECK(out.addr[0] == kServer);
  CHECK(out.port[0] == 22);
}

TEST_CASE("key: a packet in and its reply out through one interface build the same key") {
  const StateKey request = make_lookup_key(tcp(kClient, 52311, kServer, 22), Direction::kIn);
  const StateKey reply = make_lookup_key(tcp(kServer, 22, kClient, 52311), Direction::kOut);
  CHECK(request == reply);
}

TEST_CASE("key: a forwarded packet seen in on one side and out on the other gives mirror keys") {
  const PacketTuple p = tcp(kClient, 52311, kServer, 22);
  const StateKey in = make_lookup_key(p, Direction::kIn);
  const StateKey out = make_lookup_key(p, Direction::kOut);
  CHECK_FALSE(in == out);
  CHECK(in.addr[0] == out.addr[1]);
  CHECK(in.port[1] == out.port[0]);
}

TEST_CASE("key: protocols without ports get zero ports in the key") {
  PacketTuple p = tcp(kClient, 1, kServer, 2);
  p.proto = 47;  // GRE
  const StateKey k = make_lookup_key(p, Direction::kIn);
  CHECK(k.port[0] == 0);
  CHECK(k.port[1] == 0);
  CHECK(k.proto == 47);
}

TEST_CASE("key: keys are 40 bytes with zeroed padding so memcmp equality holds") {
  STATIC_REQUIRE(sizeof(StateKey) == 40);
  const StateKey a = make_lookup_key(tcp(kClient, 1, kServer, 2), Direction::kIn);
  StateKey b;
  std::memset(static_cast<void*>(&b), 0, sizeof b);
  b.addr[0] = kClient;
  b.addr[1] = kServer;
  b.port[0] = 1;
  b.port[1] = 2;
  b.af = AddrFamily::kInet;
  b.proto = kIpProtoTcp;
  CHECK(std::memcmp(&a, &b, sizeof a) == 0);
  // IPv4 occupies the first 4 bytes only.
  CHECK(a.addr[0].bytes[4] == 0);
  CHECK(a.addr[0].bytes[15] == 0);
}

TEST_CASE("key: without translation the wire and the stack key are equal") {
  const StateKeyPair kp = make_state_keys(tcp(kClient, 1, kServer, 2), Direction::kOut);
  CHECK(kp.key[kSkWire] == kp.key[kSkStack]);
  CHECK_FALSE(kp.translated());
  CHECK(lookup_role(Direction::kIn) == kSkWire);
  CHECK(lookup_role(Direction::kOut) == kSkStack);
}

TEST_CASE("key: IPv6 addresses fill all 16 bytes") {
  std::byte raw[16];
  for (int i = 0; i < 16; ++i) raw[i] = std::byte(i + 1);
  const Addr a = Addr::from_wire(raw, AddrFamily::kInet6);
  CHECK(a.bytes[0] == 1);
  CHECK(a.bytes[15] == 16);
  const Addr b = Addr::from_wire(raw, AddrFamily::kInet);
  CHECK(b.bytes[3] == 4);
  CHECK(b.bytes[4] == 0);
}
