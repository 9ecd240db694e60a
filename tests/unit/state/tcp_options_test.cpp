// TCP option decoding for window scale and MSS, including malformed option lists.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <vector>

#include "dataplane/state/tcp_options.h"

using namespace dpf::state;

namespace {

// 20-byte header + options; data offset covers the options rounded up to 4 bytes.
std::vector<std::byte> header(std::initializer_list<uint8_t> opts) {
  std::vector<std::byte> h(20);
  for (uint8_t o : opts) h.push_back(std::byte{o});
  while (h.size() % 4) h.push_back(std::byte{0});
  h[12] = std::byte{static_cast<uint8_t>((h.size() / 4) << 4)};
  return h;
}

}  // namespace

TEST_CASE("tcp options: a Linux SYN yields its MSS and window scale") {
  // MSS 1460, SACK permitted, timestamps, NOP, wscale 7 (Linux 6.x SYN option order).
  const auto h = header({2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7});
  const TcpOptions o = parse_tcp_options(h);
  CHECK(o.mss == 1460);
  CHECK(o.wscale == (7 | kWscaleFlag));
  CHECK_FALSE(o.truncated);
}

TEST_CASE("tcp options: a shift above 14 is clamped to 14") {
  const TcpOptions o = parse_tcp_options(header({3, 3, 15}));
  CHECK(o.wscale == (14 | kWscaleFlag));
}

TEST_CASE("tcp options: a shift of 0 still records that the option was sent") {
  CHECK(parse_tcp_options(header({3, 3, 0})).wscale == kWscaleFlag);
  CHECK(parse_tcp_options(header({})).wscale == 0);
}

TEST_CASE("tcp options: end-of-list stops the walk") {
  const TcpOptions o = parse_tcp_options(header({0, 3, 3, 7}));
  CHECK(o.wscale == 0);
}

TEST_CASE("tcp options: an option length below 2 ends the walk as truncated") {
  const TcpOptions o = parse_tcp_options(header({3, 3, 5, 8, 1, 2, 4, 5, 0xb4}));
  CHECK(o.wscale == (5 | kWscaleFlag));  // found before the bad option
  CHECK(o.mss == 0);
  CHECK(o.truncated);
}

TEST_CASE("tcp options: a data offset beyond the bytes given is not read past") {
  auto h = header({1, 1, 3, 3});  // wscale option cut short by the buffer end
  h.resize(24);
  h[12] = std::byte{0xf0};  // claims 60 bytes
  const TcpOptions o = parse_tcp_options(h);
  CHECK(o.truncated);
  CHECK(o.wscale == 0);
}

TEST_CASE("tcp options: fewer bytes than a TCP header yield nothing") {
  std::vector<std::byte> h(10);
  const TcpOptions o = parse_tcp_options(h);
  CHECK(o.truncated);
  CHECK(o.mss == 0);
  CHECK(parse_tcp_options({}).truncated == false);
}

TEST_CASE("tcp options: a peer's stored shift is clamped to 14 when it is used") {
  CHECK(wscale_shift(15 | kWscaleFlag) == 14);
  CHECK(wscale_shift(7 | kWscaleFlag) == 7);
  CHECK(wscale_shift(0) == 0);
}
