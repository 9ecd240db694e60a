// See md5.h. RFC 1321 §3: pad to 56 mod 64 bytes, append the bit length (little endian), run the
// four rounds of 16 steps over each 64-byte block.
#include "control/pfconf/md5.h"

#include <cmath>
#include <string>

namespace dpf::pfconf {
namespace {

// RFC 1321 §3.4: T[i] is the integer part of 2^32 * |sin(i + 1)| (radians).
std::array<uint32_t, 64> sine_table() {
  std::array<uint32_t, 64> t{};
  for (size_t i = 0; i < t.size(); ++i) {
    t[i] = static_cast<uint32_t>(
        std::floor(std::fabs(std::sin(static_cast<double>(i + 1))) * 4294967296.0));
  }
  return t;
}

constexpr uint8_t kShift[4][4] = {
    {7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

uint32_t rotl(uint32_t x, unsigned n) {
  return (x << n) | (x >> (32 - n));
}

void block(std::array<uint32_t, 4>& h, const uint8_t* p, const std::array<uint32_t, 64>& t) {
  uint32_t m[16];
  for (size_t i = 0; i < 16; ++i) {
    m[i] = uint32_t{p[4 * i]} | uint32_t{p[4 * i + 1]} << 8 | uint32_t{p[4 * i + 2]} << 16 |
           uint32_t{p[4 * i + 3]} << 24;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  for (unsigned i = 0; i < 64; ++i) {
    uint32_t f = 0;
    unsigned g = 0;
    switch (i / 16) {
      case 0:
        f = (b & c) | (~b & d);
        g = i;
        break;
      case 1:
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
        break;
      case 2:
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
        break;
      default:
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
        break;
    }
    uint32_t sum = a + f + t[i] + m[g];
    a = d;
    d = c;
    c = b;
    b = b + rotl(sum, kShift[i / 16][i % 4]);
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}

}  // namespace

std::array<uint8_t, 16> md5(std::string_view data) {
  static const std::array<uint32_t, 64> t = sine_table();
  std::array<uint32_t, 4> h = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  std::string msg(data);
  const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 0; i < 8; ++i) msg.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  for (size_t off = 0; off < msg.size(); off += 64) {
    block(h, reinterpret_cast<const uint8_t*>(msg.data() + off), t);
  }
  std::array<uint8_t, 16> out{};
  for (size_t i = 0; i < 16; ++i) out[i] = static_cast<uint8_t>(h[i / 4] >> (8 * (i % 4)));
  return out;
}

}  // namespace dpf::pfconf
