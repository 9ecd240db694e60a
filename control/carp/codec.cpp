// CARP advertisement codec (shared/specs/carp.md §1.2, §2).
#include "control/carp/codec.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstring>

#include "dataplane/net/wire/be.h"
#include "dataplane/net/wire/checksum.h"
#include "dataplane/net/wire/cursor.h"

namespace dpf::carp {

namespace {

constexpr uint8_t kVersionType = kVersion << 4 | kTypeAdvertisement;
// version, type, vhid before the addresses; the counter after them (§2.2).
constexpr size_t kHmacPrefixLen = 3;
constexpr size_t kCounterLen = 8;
// Messages up to this size are assembled on the stack (about 250 IPv4 addresses).
constexpr size_t kStackMessageLen = 1024;

bool is_link_local(const Ipv6Addr& a) {
  return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

}  // namespace

VhidAuth::VhidAuth(uint8_t vhid, std::string_view pass, std::span<const uint32_t> v4,
                   std::span<const Ipv6Addr> v6)
    : vhid_(vhid) {
  // §2.1: the password is copied into a 20-byte zeroed buffer with room for a NUL, so at most
  // 19 bytes take part; HMAC's own zero padding makes the trailing zeros irrelevant.
  key_len_ = std::min(pass.size(), kMaxPassLen);
  std::memcpy(key_.data(), pass.data(), key_len_);

  std::vector<uint32_t> sorted4(v4.begin(), v4.end());
  std::sort(sorted4.begin(), sorted4.end());
  std::vector<Ipv6Addr> sorted6(v6.begin(), v6.end());
  for (auto& a : sorted6) {
    if (is_link_local(a)) a[2] = a[3] = 0;  // §2.2 item 4: the scope word is not hashed
  }
  std::sort(sorted6.begin(), sorted6.end());

  addresses_.reserve(sorted4.size() * 4 + sorted6.size() * 16);
  for (uint32_t a : sorted4) {
    const wire::be32 be = wire::be32::of(a);
    addresses_.insert(addresses_.end(), be.raw.begin(), be.raw.end());
  }
  for (const auto& a : sorted6) addresses_.insert(addresses_.end(), a.begin(), a.end());
}

Hmac VhidAuth::hmac(uint8_t vhid, uint64_t counter) const noexcept {
  std::array<uint8_t, kStackMessageLen> stack;
  std::vector<uint8_t> heap;
  size_t len = kHmacPrefixLen + addresses_.size() + kCounterLen;
  uint8_t* msg = stack.data();
  if (len > stack.size()) {
    heap.resize(len);
    msg = heap.data();
  }
  msg[0] = kVersion;
  msg[1] = kTypeAdvertisement;
  msg[2] = vhid;
  if (!addresses_.empty()) std::memcpy(msg + kHmacPrefixLen, addresses_.data(), addresses_.size());
  const wire::be64 c = wire::be64::of(counter);
  static_assert(sizeof(c) == kCounterLen);
  std::memcpy(msg + kHmacPrefixLen + addresses_.size(), c.raw.data(), kCounterLen);

  Hmac out{};
  unsigned int out_len = 0;
  // A key of length 0 is legal HMAC; OpenSSL wants a non-null pointer for it.
  HMAC(EVP_sha1(), key_.data(), static_cast<int>(key_len_), msg, len, out.data(), &out_len);
  return out;
}

std::array<std::byte, kHeaderLen> encode_advert(const Advert& a, const VhidAuth& auth) noexcept {
  std::array<std::byte, kHeaderLen> out{};
  wire::Writer w(out);
  w.u8(kVersionType);
  w.u8(a.vhid);
  w.u8(a.advskew);
  w.u8(kAuthLen);
  w.u8(a.demote);
  w.u8(a.advbase);
  w.be16(0);  // checksum, filled in below
  w.be64(a.counter);
  w.bytes(auth.hmac(a.vhid, a.counter));
  const wire::be16 sum = wire::be16::of(wire::inet_checksum(out));
  std::memcpy(out.data() + kChecksumOffset, sum.raw.data(), sizeof(sum));
  return out;
}

DecodeResult decode_advert(std::span<const std::byte> payload, uint8_t ip_ttl,
                           std::span<const VhidAuth> known) noexcept {
  DecodeResult r;
  // §1.1: a multicast advert that crossed a router is not from our segment.
  if (ip_ttl != kTtl) [[unlikely]] {
    r.error = DecodeError::kBadTtl;
    return r;
  }
  if (payload.size() < kHeaderLen) [[unlikely]] {
    r.error = DecodeError::kShort;
    return r;
  }
  // §1.2: summed over the whole payload, checksum included; a valid one sums to 0xffff.
  if (wire::inet_checksum(payload) != 0) [[unlikely]] {
    r.error = DecodeError::kBadChecksum;
    return r;
  }
  wire::Reader rd(payload);
  const uint8_t version_type = rd.u8("version/type");
  r.advert.vhid = rd.u8("vhid");
  r.advert.advskew = rd.u8("advskew");
  rd.skip(1, "authlen");  // not checked, as FreeBSD and ucarp do not
  r.advert.demote = rd.u8("demote");
  r.advert.advbase = rd.u8("advbase");
  rd.skip(2, "checksum");  // verified above
  r.advert.counter = rd.be64("counter");
  Hmac got{};
  rd.bytes(got, "hmac");
  if (!rd.ok()) [[unlikely]] {  // cannot happen after the length check; kept as the contract
    r.error = DecodeError::kShort;
    return r;
  }
  if (version_type >> 4 != kVersion) [[unlikely]] {
    r.error = DecodeError::kBadVersion;
    return r;
  }
  if ((version_type & 0x0f) != kTypeAdvertisement) [[unlikely]] {
    r.error = DecodeError::kBadType;
    return r;
  }
  auto it = std::find_if(known.begin(), known.end(),
                         [&](const VhidAuth& k) { return k.vhid() == r.advert.vhid; });
  if (it == known.end()) [[unlikely]] {
    r.error = DecodeError::kBadVhid;
    return r;
  }
  r.auth = &*it;
  Hmac want = it->hmac(r.advert.vhid, r.advert.counter);
  if (CRYPTO_memcmp(want.data(), got.data(), want.size()) != 0) [[unlikely]] {
    r.error = DecodeError::kBadAuth;
    return r;
  }
  return r;
}

}  // namespace dpf::carp
