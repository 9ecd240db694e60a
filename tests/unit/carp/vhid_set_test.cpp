// Tests of VhidSet: received frames are decoded, counted and dispatched; bad ones change nothing.
#include "control/carp/vhid_set.h"

#include <catch2/catch.hpp>

#include "dataplane/net/wire/checksum.h"

namespace dpf::carp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Time t0 = Time{} + seconds(1000);
constexpr uint32_t kUs = 0x0a000002;    // 10.0.0.2, this node
constexpr uint32_t kPeer = 0x0a000003;  // 10.0.0.3, the other node
constexpr uint32_t kVip = 0x0a000001;   // 10.0.0.1

Config config(uint8_t vhid, uint8_t advskew) {
  Config c;
  c.vhid = vhid;
  c.advskew = advskew;
  c.addresses = {kVip};
  c.initial_counter = 1;
  return c;
}

// An advert from the peer as it would arrive: `pass` and `ttl` let a test spoil it.
std::vector<std::byte> peer_frame(uint8_t vhid, uint8_t advskew, std::string_view pass = "foo",
                                  uint8_t ttl = kTtl) {
  const uint32_t vips[] = {kVip};
  auto carp = encode_advert(Advert{vhid, 1, advskew, 0, 99}, VhidAuth(vhid, pass, vips));
  auto f = build_advert_frame(carp, kPeer, 7);
  std::vector<std::byte> v(f.begin(), f.end());
  v[sizeof(wire::EtherHdr) + 8] = std::byte{ttl};
  v[sizeof(wire::EtherHdr) + 10] = v[sizeof(wire::EtherHdr) + 11] = std::byte{0};
  uint16_t sum =
      wire::inet_checksum(std::span(v).subspan(sizeof(wire::EtherHdr), wire::kIpv4MinHdr));
  v[sizeof(wire::EtherHdr) + 10] = std::byte{static_cast<uint8_t>(sum >> 8)};
  v[sizeof(wire::EtherHdr) + 11] = std::byte{static_cast<uint8_t>(sum)};
  return v;
}

// The set with vhid 1 (advskew 100) as MASTER since the returned time.
VhidSet master_set(Time* at) {
  VhidSet s(kUs);
  REQUIRE(s.add(config(1, 100), "foo"));
  s.start(t0);
  *at = *s.deadline();
  s.on_timer(*at);
  REQUIRE(s.find(1)->state() == State::kMaster);
  return s;
}

TEST_CASE("carp vhid set: a vhid cannot be added twice") {
  VhidSet s(kUs);
  CHECK(s.add(config(1, 0), "foo"));
  CHECK_FALSE(s.add(config(1, 50), "bar"));
  CHECK(s.add(config(2, 0), "bar"));
  CHECK(s.machines().size() == 2);
}

TEST_CASE("carp vhid set: a good better advert makes the master step down") {
  Time at;
  VhidSet s = master_set(&at);
  auto ev = s.on_frame(at + milliseconds(10), peer_frame(1, 0));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].vhid == 1);
  CHECK(s.find(1)->state() == State::kBackup);
}

TEST_CASE("carp vhid set: a flood of bad adverts does not change the master's role") {
  Time at;
  VhidSet s = master_set(&at);
  const auto deadline = s.deadline();
  auto bad_sum = peer_frame(1, 0);
  bad_sum.back() ^= std::byte{1};
  auto bad_version = peer_frame(1, 0);
  auto carp = std::span(bad_version).subspan(sizeof(wire::EtherHdr) + wire::kIpv4MinHdr);
  carp[0] = std::byte{0x31};
  carp[kChecksumOffset] = carp[kChecksumOffset + 1] = std::byte{0};
  uint16_t sum = wire::inet_checksum(carp);
  carp[kChecksumOffset] = std::byte{static_cast<uint8_t>(sum >> 8)};
  carp[kChecksumOffset + 1] = std::byte{static_cast<uint8_t>(sum)};
  auto short_frame = peer_frame(1, 0);
  short_frame.resize(sizeof(wire::EtherHdr) + wire::kIpv4MinHdr + 20);

  for (int i = 0; i < 1000; ++i) {
    Time now = at + milliseconds(i);
    CHECK(s.on_frame(now, peer_frame(1, 0, "wrong")).empty());
    CHECK(s.on_frame(now, peer_frame(1, 0, "foo", 254)).empty());
    CHECK(s.on_frame(now, peer_frame(9, 0)).empty());
    CHECK(s.on_frame(now, bad_sum).empty());
    CHECK(s.on_frame(now, bad_version).empty());
    CHECK(s.on_frame(now, short_frame).empty());
  }
  CHECK(s.find(1)->state() == State::kMaster);
  CHECK(s.deadline() == deadline);
  CHECK(s.rejected()[DecodeError::kBadAuth] == 1000);
  CHECK(s.rejected()[DecodeError::kBadTtl] == 1000);
  CHECK(s.rejected()[DecodeError::kBadVhid] == 1000);
  CHECK(s.rejected()[DecodeError::kBadChecksum] == 1000);
  CHECK(s.rejected()[DecodeError::kBadVersion] == 1000);
  CHECK(s.rejected()[DecodeError::kIpHeader] == 1000);  // total length beyond the frame
  CHECK(s.find(1)->stats().rejected[DecodeError::kBadAuth] == 1000);
  CHECK(s.find(1)->stats().adverts_received == 0);
}

TEST_CASE("carp vhid set: a flood of bad adverts does not hold off the backup's takeover") {
  VhidSet s(kUs);
  s.add(config(1, 100), "foo");
  s.start(t0);
  const Time down = *s.deadline();
  for (Time now = t0; now < down; now += milliseconds(10)) {
    s.on_frame(now, peer_frame(1, 0, "wrong"));
    s.on_timer(now);
  }
  CHECK(s.find(1)->state() == State::kBackup);
  auto ev = s.on_timer(down);
  CHECK(s.find(1)->state() == State::kMaster);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].actions.send_garp);
}

TEST_CASE("carp vhid set: our own looped-back advert is ignored") {
  Time at;
  VhidSet s = master_set(&at);
  auto frame = s.advert_frame(Advert{1, 1, 0, 0, 5}, 1);  // as good as it gets, but ours
  REQUIRE(frame);
  CHECK(s.on_frame(at + milliseconds(1), *frame).empty());
  CHECK(s.find(1)->state() == State::kMaster);
  CHECK(s.own_frames() == 1);
}

TEST_CASE("carp vhid set: adverts reach the machine of their vhid only") {
  VhidSet s(kUs);
  s.add(config(1, 0), "foo");
  s.add(config(2, 0), "bar");
  s.start(t0);
  auto ev = s.on_frame(t0 + seconds(2), peer_frame(2, 0, "bar"));
  CHECK(ev.empty());  // a backup re-arming its timer has nothing for the glue
  CHECK(s.find(2)->stats().adverts_received == 1);
  CHECK(s.find(1)->stats().adverts_received == 0);
  CHECK(s.find(2)->deadline() == t0 + seconds(5));
  CHECK(s.find(1)->deadline() == t0 + seconds(3));
  CHECK(s.deadline() == t0 + seconds(3));
}

TEST_CASE("carp vhid set: demotion reaches every vhid and each master advertises it") {
  VhidSet s(kUs);
  s.add(config(1, 0), "foo");
  s.add(config(2, 10), "bar");
  s.start(t0);
  s.on_timer(t0 + seconds(3));
  s.on_timer(t0 + seconds(3) + std::chrono::nanoseconds(10 * 3'906'250));
  REQUIRE(s.find(1)->state() == State::kMaster);
  REQUIRE(s.find(2)->state() == State::kMaster);
  auto ev = s.raise_demotion(DemotionSource::kInterfaceDown, t0 + seconds(4));
  REQUIRE(ev.size() == 2);
  for (const auto& e : ev) {
    REQUIRE(e.actions.advert);
    CHECK(e.actions.advert->advskew == 240);
  }
}

TEST_CASE("carp vhid set: the advert frame it builds carries our address and the vhid's key") {
  VhidSet s(kUs);
  s.add(config(4, 0), "k");
  CHECK_FALSE(s.advert_frame(Advert{5, 1, 0, 0, 1}, 1));
  auto f = s.advert_frame(Advert{4, 1, 0, 0, 1}, 1);
  REQUIRE(f);
  const uint32_t vips[] = {kVip};
  const VhidAuth known[] = {VhidAuth(4, "k", vips)};
  auto r = decode_advert_frame(*f, known);
  REQUIRE(r.ok());
  CHECK(r.frame.src_ip == kUs);
}

}  // namespace
}  // namespace dpf::carp
