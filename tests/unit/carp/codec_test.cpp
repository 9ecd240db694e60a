// Tests of the CARP advertisement codec against the spec's known answer and the ucarp captures.
#include "control/carp/codec.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <string>

#include "control/carp/frame.h"
#include "dataplane/net/wire/checksum.h"
#include "tests/unit/carp/golden.h"
#include "tests/unit/carp/pcap.h"

namespace dpf::carp {
namespace {

const uint32_t kVips[] = {golden::kVip};

VhidAuth golden_auth(std::string_view pass = golden::kPass, uint8_t vhid = golden::kVhid) {
  return VhidAuth(vhid, pass, kVips);
}

std::vector<std::byte> bytes_of(const std::array<std::byte, kHeaderLen>& a) {
  return {a.begin(), a.end()};
}

// Rewrites the CARP checksum so that a test can reach the checks behind it.
void fix_checksum(std::vector<std::byte>& carp) {
  carp[kChecksumOffset] = carp[kChecksumOffset + 1] = std::byte{0};
  uint16_t sum = wire::inet_checksum(carp);
  carp[kChecksumOffset] = std::byte{static_cast<uint8_t>(sum >> 8)};
  carp[kChecksumOffset + 1] = std::byte{static_cast<uint8_t>(sum)};
}

DecodeError decode_error(const std::vector<std::byte>& carp, uint8_t ttl = kTtl) {
  const VhidAuth known[] = {golden_auth()};
  return decode_advert(carp, ttl, known).error;
}

TEST_CASE("carp codec: the spec's known-answer advert decodes with password secret") {
  const VhidAuth known[] = {golden_auth()};
  auto carp = golden::carp();
  auto r = decode_advert(carp, kTtl, known);
  REQUIRE(r.error == DecodeError::kOk);
  CHECK(r.advert == Advert{golden::kVhid, 1, 0, 0, golden::kCounter});
  CHECK(r.auth == &known[0]);
}

TEST_CASE("carp codec: the HMAC of the known answer is bit-exact") {
  auto mac = golden_auth().hmac(golden::kVhid, golden::kCounter);
  auto want = golden::from_hex(golden::kHmacHex);
  REQUIRE(want.size() == mac.size());
  CHECK(std::memcmp(mac.data(), want.data(), mac.size()) == 0);
}

TEST_CASE("carp codec: encoding the known answer's fields reproduces its 36 bytes") {
  auto out = encode_advert(Advert{golden::kVhid, 1, 0, 0, golden::kCounter}, golden_auth());
  CHECK(bytes_of(out) == golden::carp());
  CHECK(wire::inet_checksum(out) == 0);
}

TEST_CASE("carp codec: a wrong password is reported as bad auth") {
  const VhidAuth known[] = {golden_auth("secreT")};
  CHECK(decode_advert(golden::carp(), kTtl, known).error == DecodeError::kBadAuth);
}

TEST_CASE("carp codec: a different virtual address set is reported as bad auth") {
  const uint32_t other[] = {golden::kVip + 1};
  const VhidAuth known[] = {VhidAuth(golden::kVhid, golden::kPass, other)};
  CHECK(decode_advert(golden::carp(), kTtl, known).error == DecodeError::kBadAuth);
}

TEST_CASE("carp codec: only the first 19 bytes of a password are the key") {
  const std::string long_pass = "0123456789abcdefghijKLMNOP";
  auto full = VhidAuth(1, long_pass, kVips).hmac(1, 42);
  CHECK(full == VhidAuth(1, long_pass.substr(0, 19), kVips).hmac(1, 42));
  CHECK(full != VhidAuth(1, long_pass.substr(0, 18), kVips).hmac(1, 42));
}

TEST_CASE("carp codec: addresses are hashed sorted ascending whatever the configured order") {
  const uint32_t unsorted[] = {0xc0a80001, 0x0a000001, 0x0a000002};
  VhidAuth auth(3, "foo", unsorted);
  // The message of §2.2 written out by hand: 02 01 vhid, sorted addresses, counter.
  const uint8_t msg[] = {2,    1, 3, 0x0a, 0,    0,    1,    0x0a, 0,    0,    2,   0xc0,
                         0xa8, 0, 1, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  Hmac want{};
  unsigned int len = 0;
  HMAC(EVP_sha1(), "foo", 3, msg, sizeof msg, want.data(), &len);
  REQUIRE(len == want.size());
  CHECK(auth.hmac(3, 0x1122334455667788) == want);
}

TEST_CASE("carp codec: each malformed advert is rejected with its own reason") {
  auto carp = golden::carp();

  SECTION("35 bytes are short") {
    carp.pop_back();
    CHECK(decode_error(carp) == DecodeError::kShort);
  }
  SECTION("an empty payload is short") {
    CHECK(decode_error({}) == DecodeError::kShort);
  }
  SECTION("an IP TTL other than 255 is bad ttl") {
    CHECK(decode_error(carp, 254) == DecodeError::kBadTtl);
    CHECK(decode_error(carp, 64) == DecodeError::kBadTtl);
  }
  SECTION("a flipped counter bit without a new checksum is bad checksum") {
    carp[15] ^= std::byte{0x01};
    CHECK(decode_error(carp) == DecodeError::kBadChecksum);
  }
  SECTION("version 3 (VRRPv3) is bad version") {
    carp[0] = std::byte{0x31};
    fix_checksum(carp);
    CHECK(decode_error(carp) == DecodeError::kBadVersion);
  }
  SECTION("type 2 is bad type") {
    carp[0] = std::byte{0x22};
    fix_checksum(carp);
    CHECK(decode_error(carp) == DecodeError::kBadType);
  }
  SECTION("a vhid we do not run is bad vhid") {
    carp[1] = std::byte{8};
    fix_checksum(carp);
    CHECK(decode_error(carp) == DecodeError::kBadVhid);
  }
  SECTION("a changed counter with a valid checksum is bad auth") {
    carp[15] ^= std::byte{0x01};
    fix_checksum(carp);
    CHECK(decode_error(carp) == DecodeError::kBadAuth);
  }
  SECTION("a changed HMAC byte with a valid checksum is bad auth") {
    carp[35] ^= std::byte{0x80};
    fix_checksum(carp);
    CHECK(decode_error(carp) == DecodeError::kBadAuth);
  }
}

TEST_CASE("carp codec: fields outside the HMAC may change without failing authentication") {
  auto carp = golden::carp();
  carp[2] = std::byte{100};  // advskew
  carp[3] = std::byte{5};    // authlen: ignored, as FreeBSD and ucarp do
  carp[4] = std::byte{32};   // OpenBSD's demote byte
  fix_checksum(carp);
  const VhidAuth known[] = {golden_auth()};
  auto r = decode_advert(carp, kTtl, known);
  REQUIRE(r.ok());
  CHECK(r.advert.advskew == 100);
  CHECK(r.advert.demote == 32);
}

TEST_CASE("carp codec: the checksum covers bytes after the 36-byte header") {
  auto carp = golden::carp();
  carp.push_back(std::byte{0});
  carp.push_back(std::byte{0});
  CHECK(decode_error(carp) == DecodeError::kOk);
  carp.back() = std::byte{1};
  CHECK(decode_error(carp) == DecodeError::kBadChecksum);
}

TEST_CASE("carp codec: the vhid is looked up among several configured ones") {
  const uint32_t other[] = {0xc0a80001};
  const VhidAuth known[] = {VhidAuth(1, "foo", other), golden_auth(), VhidAuth(9, "x", other)};
  auto r = decode_advert(golden::carp(), kTtl, known);
  REQUIRE(r.ok());
  CHECK(r.auth == &known[1]);
}

// ---- the ucarp captures (shared/specs/carp.md §4.4) ----

struct CaptureCounts {
  int adverts = 0;
  int good = 0;
  int bad_auth = 0;
  int reencoded = 0;
};

CaptureCounts check_capture(const std::string& name) {
  CaptureCounts c;
  auto file = test::read_pcap(std::string(DPF_CARP_FIXTURES) + "/" + name);
  REQUIRE(file);
  REQUIRE(file->linktype == 1);
  const VhidAuth known[] = {golden_auth()};
  for (const auto& rec : file->records) {
    auto parsed = parse_advert_frame(rec.data);
    if (parsed.error == DecodeError::kNotIpv4) continue;  // ucarp's gratuitous ARPs
    REQUIRE(parsed.ok());
    ++c.adverts;
    auto r = decode_advert(parsed.payload, parsed.ttl, known);
    if (r.error == DecodeError::kBadAuth) {
      ++c.bad_auth;
      continue;
    }
    REQUIRE(r.error == DecodeError::kOk);
    ++c.good;
    auto again = encode_advert(r.advert, known[0]);
    std::vector<std::byte> captured(parsed.payload.begin(), parsed.payload.end());
    CHECK(bytes_of(again) == captured);
    if (bytes_of(again) == captured) ++c.reencoded;
  }
  return c;
}

bool fixtures_present() {
  if (std::filesystem::is_directory(DPF_CARP_FIXTURES)) return true;
  WARN("skipped: no CARP fixtures at " DPF_CARP_FIXTURES);
  return false;
}

TEST_CASE("carp codec: every advert of the ucarp vhid 7 capture decodes and re-encodes exactly") {
  if (!fixtures_present()) return;
  // 8 adverts from 10.99.0.1 (master) and 10.99.0.2 (after takeover); 3 ARP frames skipped.
  auto c = check_capture("ucarp-vhid7-pass-secret.pcap");
  CHECK(c.adverts == 8);
  CHECK(c.good == 8);
  CHECK(c.reencoded == 8);
  CHECK(c.bad_auth == 0);
}

TEST_CASE("carp codec: the preempt capture decodes except the wrong-password third node") {
  if (!fixtures_present()) return;
  // 15 adverts: 14 from the two ucarp nodes with pass "secret", and one from 10.99.0.3, the
  // third node of §4.4 started with a different password, which must fail authentication.
  auto c = check_capture("ucarp-preempt.pcap");
  CHECK(c.adverts == 15);
  CHECK(c.good == 14);
  CHECK(c.reencoded == 14);
  CHECK(c.bad_auth == 1);
}

}  // namespace
}  // namespace dpf::carp
