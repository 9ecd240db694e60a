// A translated state (wire != stack) sent by pfsync, decoded, imported and inserted into a
// StateTable: the wire key must answer inbound lookups and the stack key outbound ones (the
// keying note of dataplane/state/table.h). Main lcore only; EAL is started by eal_main.cpp.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "dataplane/pfsync/codec.h"
#include "dataplane/pfsync/import.h"
#include "dataplane/state/table.h"

namespace dpf::pfsync {
namespace {

namespace st = dpf::state;

constexpr uint32_t kNow = 100000;

st::StateKey tcp_key(st::Addr a0, uint16_t p0, st::Addr a1, uint16_t p1) {
  st::StateKey k;
  k.addr[0] = a0;
  k.addr[1] = a1;
  k.port[0] = p0;
  k.port[1] = p1;
  k.af = st::AddrFamily::kInet;
  k.proto = wire::kIpProtoTcp;
  return k;
}

// The 1301 wire state a peer sends for a translated connection in `dir` (keys hold the
// destination in addr[0] for outbound states, the source for inbound ones).
layout::State1301 wire_state(st::Direction dir, const st::StateKey& wire,
                             const st::StateKey& stack) {
  // Built through the exporter of a plain state, so the bytes are what dpf itself sends.
  st::State s;
  s.key.key[st::kSkWire] = wire;
  s.key.key[st::kSkStack] = stack;
  s.direction = dir;
  s.af = st::AddrFamily::kInet;
  s.proto = wire::kIpProtoTcp;
  s.id = 0x42;
  s.creatorid = 0x0a000002;
  s.timeout = st::Timeout::kTcpEstablished;
  s.creation = kNow - 5;
  s.expire = kNow;
  s.peers.src.state = st::tcps::kEstablished;
  s.peers.dst.state = st::tcps::kEstablished;
  ExportContext e;
  e.now = kNow;
  e.format = StateFormat::k1301;
  return state_to_wire_1301(state_export(s, e));
}

// Imports `w` into a fresh table and checks which lookups find it.
void check_imported_lookups(const layout::State1301& w, const st::StateKey& wire,
                            const st::StateKey& stack) {
  st::StateTable::Config c;
  c.limit = 16;
  c.creatorid = 0x0a000001;
  c.name = "pfsync_nat";
  std::string error;
  auto t = st::StateTable::create(c, error);
  INFO(error);
  REQUIRE(t != nullptr);
  st::State* s = t->alloc();
  REQUIRE(s != nullptr);
  ImportContext ctx;
  ctx.now = kNow;
  REQUIRE(state_import(state_from_wire(w), ctx, *s) == ImportError::kNone);
  REQUIRE(t->insert(s) == st::StateTable::InsertResult::kOk);
  CHECK(s->id == 0x42);
  CHECK(s->creatorid == 0x0a000002);
  CHECK(t->lookup(wire, st::Direction::kIn) == s);
  CHECK(t->lookup(stack, st::Direction::kOut) == s);
  CHECK(t->lookup(wire, st::Direction::kOut) == nullptr);
  CHECK(t->lookup(stack, st::Direction::kIn) == nullptr);
  CHECK(t->find_by_id(0x42, 0x0a000002) == s);
  REQUIRE(t->remove(s));
  CHECK(t->lookup(wire, st::Direction::kIn) == nullptr);
  CHECK(t->lookup(stack, st::Direction::kOut) == nullptr);
}

TEST_CASE("pfsync import: a NAT'd outbound state is found by wire key in, stack key out") {
  // stack 192.168.0.100:41234 -> 10.0.0.100:5001 leaves as 10.0.0.1:62001.
  const st::StateKey wire =
      tcp_key(st::Addr::v4(10, 0, 0, 100), 5001, st::Addr::v4(10, 0, 0, 1), 62001);
  const st::StateKey stack =
      tcp_key(st::Addr::v4(10, 0, 0, 100), 5001, st::Addr::v4(192, 168, 0, 100), 41234);
  check_imported_lookups(wire_state(st::Direction::kOut, wire, stack), wire, stack);
}

TEST_CASE("pfsync import: an rdr'd inbound state is found by wire key in, stack key out") {
  // 10.0.0.7:51234 -> 10.0.0.254:8080 on the wire, redirected to 192.168.0.10:80.
  const st::StateKey wire =
      tcp_key(st::Addr::v4(10, 0, 0, 7), 51234, st::Addr::v4(10, 0, 0, 254), 8080);
  const st::StateKey stack =
      tcp_key(st::Addr::v4(10, 0, 0, 7), 51234, st::Addr::v4(192, 168, 0, 10), 80);
  check_imported_lookups(wire_state(st::Direction::kIn, wire, stack), wire, stack);
}

}  // namespace
}  // namespace dpf::pfsync
