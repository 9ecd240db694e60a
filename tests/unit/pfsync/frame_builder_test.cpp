// FrameBuilder: MTU filling with pfsync's arithmetic (shared/specs/pfsync.md §2.7), grouping of
// consecutive records under one subheader, the EOF tail, and refusal of what cannot be encoded.
#include <catch2/catch.hpp>

#include "tests/unit/pfsync/codec_test_util.h"
#include "tests/unit/pfsync/golden_frames.h"

namespace dpf::pfsync {
namespace {

using test::decode;

StateMsg golden_state(std::string_view name) {
  const auto d = decode(golden::frame(name).bytes);
  REQUIRE(d.collector.messages.size() == 1);
  return std::get<StateMsg>(d.collector.messages[0].body);
}

template <typename AddFn>
int fill(FrameBuilder& b, AddFn add) {
  int n = 0;
  while (add(b, n) == AddStatus::kOk) ++n;
  return n;
}

uint8_t byte_at(std::span<const std::byte> f, size_t off) {
  return std::to_integer<uint8_t>(f[off]);
}

TEST_CASE("pfsync builder: a 1500-byte MTU takes 5 full 1301 states, as pfsync packs them") {
  std::vector<std::byte> buf(2048);
  FrameBuilder b(buf, BuilderOptions{});
  StateMsg s = golden_state("1301/ins");
  const int n = fill(b, [&](FrameBuilder& fb, int i) {
    s.id = uint64_t(i) + 1;
    return fb.add_state(Action::kIns, s);
  });
  CHECK(n == 5);
  CHECK_FALSE(b.fits(Action::kIns));
  const auto f = b.finish();
  CHECK(f.size() + wire::kIpv4MinHdr == layout::kMinPkt + 4 + 5 * 242);
  const auto d = decode(std::vector<std::byte>(f.begin(), f.end()));
  CHECK(d.result.ok());
  REQUIRE(d.collector.messages.size() == 5);
  CHECK(std::get<StateMsg>(d.collector.messages[4].body).id == 5);
}

TEST_CASE("pfsync builder: a 1500-byte MTU takes 5 states of 1400, 17 UPD_C and 119 DEL_C") {
  std::vector<std::byte> buf(2048);
  const StateMsg s = golden_state("1400/ins");
  FrameBuilder a(buf, BuilderOptions{});
  CHECK(fill(a, [&](FrameBuilder& fb, int) { return fb.add_state(Action::kIns1400, s); }) == 5);
  FrameBuilder b(buf, BuilderOptions{});
  CHECK(fill(b, [](FrameBuilder& fb, int) { return fb.add_upd_c(UpdCMsg{}); }) == 17);
  FrameBuilder c(buf, BuilderOptions{});
  CHECK(fill(c, [](FrameBuilder& fb, int) { return fb.add_del_c(IdMsg{1, 2}); }) == 119);
  CHECK(c.size() + 24 + wire::kIpv4MinHdr == 1496);
  CHECK(c.action_counts()[7] == 119);
}

TEST_CASE("pfsync builder: consecutive records of one action share a subheader") {
  std::vector<std::byte> buf(1500);
  BuilderOptions opts;
  opts.eof = EofStyle::kEof;
  FrameBuilder b(buf, opts);
  REQUIRE(b.add_del_c(IdMsg{1, 9}) == AddStatus::kOk);
  REQUIRE(b.add_del_c(IdMsg{2, 9}) == AddStatus::kOk);
  REQUIRE(b.add_ins_ack(IdMsg{3, 9}) == AddStatus::kOk);
  REQUIRE(b.add_del_c(IdMsg{4, 9}) == AddStatus::kOk);
  const auto f = b.finish();
  // header | 07 00 00 02 + 2x12 | 02 00 00 01 + 12 | 07 00 00 01 + 12 | 0c 00 00 01
  REQUIRE(f.size() == 20 + 28 + 16 + 16 + 4);
  CHECK(byte_at(f, 20) == 7);
  CHECK(byte_at(f, 23) == 2);
  CHECK(byte_at(f, 48) == 2);
  CHECK(byte_at(f, 51) == 1);
  CHECK(byte_at(f, 64) == 7);
  CHECK(byte_at(f, 67) == 1);
  CHECK(byte_at(f, 80) == 12);
  CHECK(byte_at(f, 83) == 1);
  CHECK(byte_at(f, 3) == f.size());  // len
  CHECK(b.records() == 4);
}

TEST_CASE("pfsync builder: the EOF style decides the tail and the len") {
  std::vector<std::byte> buf(100);
  for (auto [style, size] : {std::pair{EofStyle::kNone, 20}, std::pair{EofStyle::kEof, 24},
                             std::pair{EofStyle::kEofTrailer, 44}}) {
    BuilderOptions opts;
    opts.eof = style;
    FrameBuilder b(buf, opts);
    const auto f = b.finish();
    CHECK(f.size() == size_t(size));
    CHECK(byte_at(f, 0) == kVersion);
    CHECK(byte_at(f, 3) == size);
    CHECK(decode(std::vector<std::byte>(f.begin(), f.end())).result.ok());
  }
}

TEST_CASE("pfsync builder: the header carries the configured ruleset checksum") {
  std::vector<std::byte> buf(100);
  BuilderOptions opts;
  opts.pfcksum.fill(0xab);
  FrameBuilder b(buf, opts);
  const auto f = b.finish();
  CHECK(byte_at(f, 4) == 0xab);
  CHECK(byte_at(f, 19) == 0xab);
}

TEST_CASE("pfsync builder: a state whose format does not match the action is refused") {
  std::vector<std::byte> buf(1500);
  FrameBuilder b(buf, BuilderOptions{});
  const StateMsg s1301 = golden_state("1301/ins");
  const StateMsg s1400 = golden_state("1400/ins");
  CHECK(b.add_state(Action::kIns1400, s1301) == AddStatus::kBadAction);
  CHECK(b.add_state(Action::kUpd, s1400) == AddStatus::kBadAction);
  CHECK(b.add_state(Action::kUpdC, s1301) == AddStatus::kBadAction);
  CHECK(b.add(Message{Action::kBus, IdMsg{}}) == AddStatus::kBadAction);
  CHECK(b.add(Message{Action::kEof, ClrMsg{}}) == AddStatus::kBadAction);
  CHECK(b.empty());
}

TEST_CASE("pfsync builder: nothing is added after finish until reset") {
  std::vector<std::byte> buf(1500);
  FrameBuilder b(buf, BuilderOptions{});
  REQUIRE(b.add_bus(BusMsg{1, 0, kBusStart}) == AddStatus::kOk);
  const auto first = b.finish();
  CHECK(b.add_bus(BusMsg{1, 0, kBusEnd}) == AddStatus::kFinished);
  CHECK(b.finish().size() == first.size());  // finish is idempotent
  b.reset();
  CHECK(b.empty());
  CHECK(b.add_bus(BusMsg{1, 0, kBusEnd}) == AddStatus::kOk);
  CHECK(b.finish().size() == first.size());
}

TEST_CASE("pfsync builder: a buffer or MTU too small for header and tail yields no frame") {
  std::vector<std::byte> small(30);
  FrameBuilder b(small, BuilderOptions{});  // 20 + 24 does not fit in 30
  CHECK(b.add_del_c(IdMsg{}) == AddStatus::kFull);
  CHECK(b.finish().empty());
  std::vector<std::byte> buf(1500);
  BuilderOptions opts;
  opts.mtu = 50;  // 50 - 20 (IP) = 30 < 44
  FrameBuilder c(buf, opts);
  CHECK(c.add_del_c(IdMsg{}) == AddStatus::kFull);
  CHECK(c.finish().empty());
}

TEST_CASE("pfsync builder: the caller's buffer bounds the frame when smaller than the MTU") {
  std::vector<std::byte> buf(20 + 4 + 12 + 24);
  FrameBuilder b(buf, BuilderOptions{});
  CHECK(b.add_del_c(IdMsg{1, 1}) == AddStatus::kOk);
  CHECK(b.add_del_c(IdMsg{2, 1}) == AddStatus::kFull);
  CHECK(b.finish().size() == buf.size());
}

TEST_CASE("pfsync builder: the 1301 layout keeps only the low byte of state_flags") {
  StateMsg s = golden_state("1400/ins");
  s.format = StateFormat::k1301;
  s.state_flags = 0x0112;
  const layout::State1301 w = state_to_wire_1301(s);
  CHECK(w.state_flags == 0x12);
  CHECK(state_from_wire(w).state_flags == 0x12);
}

TEST_CASE("pfsync builder: a state survives the 1400 layout field for field") {
  const StateMsg s = golden_state("1400/upd");
  CHECK(state_from_wire(state_to_wire_1400(s)) == s);
  const StateMsg t = golden_state("1301/upd");
  CHECK(state_from_wire(state_to_wire_1301(t)) == t);
}

}  // namespace
}  // namespace dpf::pfsync
