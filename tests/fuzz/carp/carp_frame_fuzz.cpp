// libFuzzer target: whole frames through decode_advert_frame and raw payloads through
// decode_advert, with the vhid and password of the seed corpus so that inputs reach the HMAC.
// A frame that decodes must re-encode to the same 36 bytes (checksum and authlen aside).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "control/carp/codec.h"
#include "control/carp/frame.h"

namespace {

using dpf::carp::VhidAuth;

// Seeds: the ucarp adverts of shared/fixtures/carp (vhid 7, pass "secret", VIP 10.99.0.100).
const uint32_t kVips[] = {0x0a630064};
const VhidAuth kKnown[] = {VhidAuth(7, "secret", kVips), VhidAuth(1, "", {})};

void check_round_trip(std::span<const std::byte> payload, const dpf::carp::DecodeResult& r) {
  auto again = dpf::carp::encode_advert(r.advert, *r.auth);
  for (size_t i = 0; i < again.size(); ++i) {
    if (i == 3 || i == dpf::carp::kChecksumOffset || i == dpf::carp::kChecksumOffset + 1) continue;
    if (again[i] != payload[i]) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data), size);

  auto f = dpf::carp::decode_advert_frame(in, kKnown);
  if (f.ok()) check_round_trip(f.frame.payload, f.advert);

  auto r = dpf::carp::decode_advert(in, dpf::carp::kTtl, kKnown);
  if (r.ok()) check_round_trip(in, r);
  return 0;
}
