// A translated state (wire != stack) sent by pfsync, decoded, imported and inserted into a
// StateTable: the wire key must answer inbound lookups and the stack key outbound ones (the
// keying note of dataplane/state/table.h). Main lcore only; EAL is started by eal_main.cpp.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "dataplane/pfsync/codec.h"
#include "dataplane/pfsync/import.h"
#include "dataplane/state/table.h"
#include "tests/unit/pfsync/translated_states.h"

namespace dpf::pfsync {
namespace {

namespace st = dpf::state;
using namespace dpf::pfsync::test;

constexpr uint32_t kNow = 100000;

// The 1301 wire state a peer sends for `c`, built through the exporter, so the bytes are what
// dpf itself sends.
layout::State1301 wire_state(const TranslatedCase& c) {
  st::State s;
  fill_translated(s, c, 0x42, 0x0a000002, kNow);
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

TEST_CASE("pfsync import: a translated state is found by wire key in, stack key out") {
  const auto [what, c] = GENERATE(table<const char*, TranslatedCase>(
      {{"a NAT'd outbound state", nat_outbound()}, {"an rdr'd inbound state", rdr_inbound()}}));
  INFO(what);
  check_imported_lookups(wire_state(c), c.wire, c.stack);
}

}  // namespace
}  // namespace dpf::pfsync
