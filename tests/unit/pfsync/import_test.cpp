// state_import / state_export: the mapping between wire states and dpf states, checked on the
// golden states of tests/unit/pfsync/golden_frames.h (hand-assembled from the spec's tables).
#include <catch2/catch.hpp>

#include <cstring>
#include <type_traits>
#include <vector>

#include "tests/unit/pfsync/engine_test_util.h"
#include "tests/unit/pfsync/golden_frames.h"
#include "tests/unit/pfsync/translated_states.h"

namespace dpf::pfsync {
namespace {

using namespace dpf::pfsync::test;

constexpr uint32_t kNow = 100000;

StateMsg golden_state(std::string_view frame) {
  MessageCollector c;
  Stats s;
  REQUIRE(decode_frame(golden::frame(frame).bytes, c, s).ok());
  REQUIRE(c.messages.size() == 1);
  return std::get<StateMsg>(c.messages[0].body);
}

ExportContext export_at(uint32_t now, StateFormat f) {
  ExportContext e;
  e.now = now;
  e.format = f;
  return e;
}

TEST_CASE("pfsync import: export(import(msg)) gives every golden state back byte for byte") {
  const char* frames[] = {"1301/ins", "1301/upd", "1400/ins"};
  for (const char* name : frames) {
    INFO(name);
    const StateMsg msg = golden_state(name);
    st::State s;
    WireExtras x;
    ImportContext ctx;
    ctx.now = kNow;
    REQUIRE(state_import(msg, ctx, s, &x) == ImportError::kNone);
    const StateMsg back = state_export(s, export_at(kNow, msg.format), &x);
    CHECK(back == msg);
    // And through the codec: the same 242 / 277 bytes.
    if (msg.format == StateFormat::k1301) {
      const layout::State1301 a = state_to_wire_1301(msg), b = state_to_wire_1301(back);
      CHECK(std::memcmp(&a, &b, sizeof a) == 0);
    }
  }
}

TEST_CASE("pfsync import: without the extras only what a dpf state models comes back") {
  const StateMsg msg = golden_state("1301/ins");  // TCP, rdr, scrub on src, nat_rule 1
  st::State s;
  ImportContext ctx;
  ctx.now = kNow;
  REQUIRE(state_import(msg, ctx, s) == ImportError::kNone);
  StateMsg back = state_export(s, export_at(kNow, StateFormat::k1301));
  CHECK(back.nat_rule == kRuleNone);
  CHECK(back.src.scrub == ScrubMsg{});
  back.nat_rule = msg.nat_rule;
  back.src.scrub = msg.src.scrub;
  CHECK(back == msg);
}

TEST_CASE("pfsync import: keys, byte orders, family, direction and identity map to the state") {
  const StateMsg msg = golden_state("1301/ins");
  st::State s;
  ImportContext ctx;
  ctx.now = kNow;
  REQUIRE(state_import(msg, ctx, s) == ImportError::kNone);
  CHECK(s.id == golden::kIdTcp4);
  CHECK(s.creatorid == golden::kCreatorA);
  CHECK(s.af == st::AddrFamily::kInet);
  CHECK(s.proto == wire::kIpProtoTcp);
  CHECK(s.direction == st::Direction::kIn);
  CHECK(s.origin == st::StateOrigin::kPfsync);
  // key[WIRE] 198.51.100.7:49152 -> 203.0.113.10:80, key[STACK] -> 10.0.0.10:8080 (rdr).
  CHECK(s.key.key[st::kSkWire].addr[0] == st::Addr::v4(198, 51, 100, 7));
  CHECK(s.key.key[st::kSkWire].addr[1] == st::Addr::v4(203, 0, 113, 10));
  CHECK(s.key.key[st::kSkWire].port[0] == 49152);
  CHECK(s.key.key[st::kSkWire].port[1] == 80);
  CHECK(s.key.key[st::kSkStack].addr[1] == st::Addr::v4(10, 0, 0, 10));
  CHECK(s.key.key[st::kSkStack].port[1] == 8080);
  CHECK(s.key.key[st::kSkWire].af == st::AddrFamily::kInet);
  CHECK(s.key.key[st::kSkWire].proto == wire::kIpProtoTcp);
  CHECK(s.key.translated());
  CHECK(s.peers.src.seqlo == 0x11223344);
  CHECK(s.peers.src.max_win == 65535);
  CHECK(s.peers.src.wscale == 0x87);
  CHECK(s.peers.dst.seqhi == 0xa0b1c0d0);
  CHECK(s.peers.dst.state == st::tcps::kEstablished);
  CHECK(s.packets == std::array<uint64_t, 2>{10, 8});
  CHECK(s.bytes == std::array<uint64_t, 2>{0x100000010, 4096});
  CHECK(std::string_view(s.ifname.data()) == "em0");
  CHECK(s.rule_nr == 3);
  CHECK(s.log == 1);
  CHECK(s.if_index == 0xffff);
  CHECK(s.rule == nullptr);
}

TEST_CASE("pfsync import: IPv6 uses FreeBSD's family number 28 and both keys stay equal") {
  const StateMsg msg = golden_state("1301/upd");
  st::State s;
  ImportContext ctx;
  ctx.now = kNow;
  REQUIRE(state_import(msg, ctx, s) == ImportError::kNone);
  CHECK(s.af == st::AddrFamily::kInet6);
  CHECK(static_cast<uint8_t>(s.af) == 28);
  CHECK(s.direction == st::Direction::kOut);
  CHECK_FALSE(s.key.translated());
  CHECK(s.timeout == st::Timeout::kUdpMultiple);
}

TEST_CASE("pfsync import: creation is an age and expire the seconds left under our timeout") {
  StateMsg msg = golden_state("1301/ins");  // 120 s old, 86340 s left of tcp.established
  st::State s;
  ImportContext ctx;
  ctx.now = kNow;
  REQUIRE(state_import(msg, ctx, s) == ImportError::kNone);
  CHECK(s.creation == kNow - 120);
  const auto t = st::TimeoutTable::defaults();
  CHECK(st::expires_at(s.timeout, s.expire, kNow, t, nullptr, {}) == kNow + 86340);
  // Ten seconds later the export says ten seconds less, and ten seconds older.
  const StateMsg later = state_export(s, kNow + 10);
  CHECK(later.expire == 86330);
  CHECK(later.creation == 130);
  // expire 0 (a sender that leaves it empty): a full timeout from now.
  msg.expire = 0;
  REQUIRE(state_import(msg, ctx, s) == ImportError::kNone);
  CHECK(s.expire == kNow);
  // An expired state exports 0, never a wrapped count.
  CHECK(state_export(s, kNow + 86400 + 5).expire == 0);
}

TEST_CASE(
    "pfsync import: the sender's rule number is kept only when the ruleset checksum matched") {
  const StateMsg msg = golden_state("1301/ins");
  st::State s;
  ImportContext ctx;
  ctx.now = kNow;
  ctx.cksum_match = false;
  REQUIRE(state_import(msg, ctx, s) == ImportError::kNone);
  CHECK(s.rule_nr == kRuleNone);
  CHECK(state_export(s, kNow).rule == 0xffffffff);
}

TEST_CASE(
    "pfsync import: PFSTATE flags map bit by bit; no-sync is dropped, ack kept for the caller") {
  CHECK(state_flags_from_wire(kStateSloppy) == st::kStateSloppy);
  CHECK(state_flags_to_wire(st::kStateSloppy) == kStateSloppy);
  CHECK(state_flags_from_wire(kStateNoSync) == st::kStateNoSync);
  CHECK(state_flags_to_wire(st::kStateNoSync | st::kStateAllowOpts) ==
        (kStateNoSync | kStateAllowOpts));
  CHECK(state_flags_to_wire(st::kStateSlowHz) == 0);  // no wire bit
  CHECK(state_flags_from_wire(0x0102) == (st::kStateScrubTcp | st::kStateSloppy));

  StateMsg msg = golden_state("1301/ins");
  msg.state_flags = kStateNoSync | kStateAck | kStateSloppy;
  st::State s;
  ImportContext ctx;
  ctx.now = kNow;
  REQUIRE(state_import(msg, ctx, s) == ImportError::kNone);
  CHECK(s.state_flags == (st::kStateAck | st::kStateSloppy));
}

TEST_CASE("pfsync import: floating states travel as interface \"all\"") {
  StateMsg msg = golden_state("1301/ins");
  msg.ifname = make_ifname("all");
  st::State s;
  ImportContext ctx;
  ctx.now = kNow;
  REQUIRE(state_import(msg, ctx, s) == ImportError::kNone);
  CHECK(s.ifname[0] == '\0');
  CHECK(ifname_view(state_export(s, kNow).ifname) == "all");
}

TEST_CASE("pfsync import: creator 0 and out-of-range values are refused") {
  const StateMsg good = golden_state("1301/ins");
  st::State s;
  ImportContext ctx;
  ctx.now = kNow;
  StateMsg m = good;
  m.creatorid = 0;
  CHECK(state_import(m, ctx, s) == ImportError::kBadCreator);
  m = good;
  m.timeout = 20;
  CHECK(state_import(m, ctx, s) == ImportError::kBadValue);
  m = good;
  m.src.state = 13;
  CHECK(state_import(m, ctx, s) == ImportError::kBadValue);
  m = good;
  m.format = StateFormat::k1400;
  m.timeout = 22;  // FreeBSD 14 SCTP class: valid there, no meaning in dpf
  CHECK(state_import(m, ctx, s) == ImportError::kBadValue);
}

TEST_CASE("pfsync import: UPD_C carries the peers, the class and the seconds left") {
  st::State s;
  fill_tcp_state(s, 7, 0x01020304, kNow);
  const UpdCMsg u = upd_c_export(s, export_at(kNow + 100, StateFormat::k1301));
  CHECK(u.id == 7);
  CHECK(u.creatorid == 0x01020304);
  CHECK(u.src == peer_to_msg(s.peers.src));
  CHECK(u.dst.seqlo == 5000);
  CHECK(u.timeout == 2);
  CHECK(u.expire == 86400 - 100);
}

// pf_state_key_export's 36 bytes: addr[0], addr[1] (pf_addr, IPv4 in the first 4 bytes),
// port[0], port[1] big-endian (shared/specs/pfsync.md §3.5).
std::vector<uint8_t> wire_key_bytes(const st::StateKey& k) {
  std::vector<uint8_t> b(36, 0);
  for (int i = 0; i < 2; ++i) {
    std::memcpy(&b[16 * i], &k.addr[i], 4);
    b[32 + 2 * i] = static_cast<uint8_t>(k.port[i] >> 8);
    b[33 + 2 * i] = static_cast<uint8_t>(k.port[i] & 0xff);
  }
  return b;
}

template <class W>
void check_translated_round_trip(const st::State& s, StateFormat format) {
  const StateMsg msg = state_export(s, export_at(kNow, format));
  W w;
  if constexpr (std::is_same_v<W, layout::State1301>)
    w = state_to_wire_1301(msg);
  else
    w = state_to_wire_1400(msg);
  std::array<uint8_t, sizeof(W)> bytes{};
  std::memcpy(bytes.data(), &w, sizeof w);
  // key[0] = wire at offset 24, key[1] = stack at offset 60, in both layouts.
  const auto wk = wire_key_bytes(s.key.key[st::kSkWire]);
  const auto sk = wire_key_bytes(s.key.key[st::kSkStack]);
  CHECK(std::vector<uint8_t>(bytes.begin() + 24, bytes.begin() + 60) == wk);
  CHECK(std::vector<uint8_t>(bytes.begin() + 60, bytes.begin() + 96) == sk);
  CHECK(bytes[234] == (s.direction == st::Direction::kOut ? 2 : 1));
  // Back from the bytes: both keys come back, unchanged and in their places.
  W back_w;
  std::memcpy(&back_w, bytes.data(), sizeof back_w);
  st::State back;
  ImportContext ctx;
  ctx.now = kNow;
  REQUIRE(state_import(state_from_wire(back_w), ctx, back) == ImportError::kNone);
  CHECK(back.key.key[st::kSkWire] == s.key.key[st::kSkWire]);
  CHECK(back.key.key[st::kSkStack] == s.key.key[st::kSkStack]);
  CHECK(back.key.translated());
  CHECK(back.direction == s.direction);
}

TEST_CASE("pfsync export: translated states send key[0] = wire, key[1] = stack") {
  const auto [what, c] = GENERATE(table<const char*, TranslatedCase>(
      {{"a NAT'd outbound state", nat_outbound()}, {"an rdr'd inbound state", rdr_inbound()}}));
  INFO(what);
  st::State s;
  fill_translated(s, c, 0x1122334455667788ull, golden::kCreatorA, kNow);
  check_translated_round_trip<layout::State1301>(s, StateFormat::k1301);
  check_translated_round_trip<layout::State1400>(s, StateFormat::k1400);
}

}  // namespace
}  // namespace dpf::pfsync
