// Fuzzes the state code with arbitrary bytes. Input layout:
//   byte 0: bit 0 address family (0 inet, 1 inet6), bit 1 direction, bit 2 sloppy
//   then the rest is used three ways: as a TCP header with options, as an ICMP message, as the
//   packet quoted by an ICMP error; and, when long enough, as the state's two peers (40 bytes)
//   followed by 16-byte segments (flags, seq, ack, win, len) fed to tcp_track.
// Every call must stay inside the buffer (ASan) and free of undefined behaviour (UBSan).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "dataplane/state/icmp.h"
#include "dataplane/state/tcp_options.h"
#include "dataplane/state/tcp_track.h"
#include "dataplane/state/timeouts.h"

using namespace dpf::state;

namespace {

uint32_t rd32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void track(std::span<const std::byte> body, Direction dir, bool sloppy) {
  constexpr size_t kPeers = sizeof(StatePeers);
  constexpr size_t kSeg = 16;
  if (body.size() < kPeers) return;
  StatePeers peers;
  std::memcpy(static_cast<void*>(&peers), body.data(), kPeers);
  const auto* p = reinterpret_cast<const uint8_t*>(body.data()) + kPeers;
  size_t left = body.size() - kPeers;
  for (; left >= kSeg; left -= kSeg, p += kSeg) {
    TcpSegment s;
    s.flags = p[0];
    s.dir = (p[1] & 1) ? reverse(dir) : dir;
    s.seq = rd32(p + 2);
    s.ack = rd32(p + 6);
    s.win = static_cast<uint16_t>((p[10] << 8) | p[11]);
    s.payload_len = rd32(p + 12) & 0xffff;
    s.header = body.first(std::min<size_t>(body.size(), 60));
    const TcpResult r = tcp_track(peers, dir, s, sloppy);
    if (r.refresh) (void)expires_at(r.timeout, 0, 1, TimeoutTable::defaults(), nullptr, {});
  }
  (void)tcp_state_create(TcpSegment{});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const AddrFamily af = (data[0] & 1) ? AddrFamily::kInet6 : AddrFamily::kInet;
  const Direction dir = (data[0] & 2) ? Direction::kOut : Direction::kIn;
  const bool sloppy = data[0] & 4;
  const std::span<const std::byte> body(reinterpret_cast<const std::byte*>(data + 1), size - 1);

  (void)parse_tcp_options(body);
  IcmpMapping m;
  if (icmp_mapping(af, body, &m) == IcmpStatus::kOk) {
    PacketTuple t;
    t.af = af;
    (void)make_icmp_key(t, dir, m);
  }
  IcmpErrorInner inner;
  if (icmp_error_inner(af, body, dir, Addr{}, &inner) == IcmpStatus::kOk) {
    StatePeers peers;
    (void)icmp_inner_tcp_seq_ok(peers, dir, reverse(dir), inner.tcp_seq, sloppy);
  }
  // The quoted-address check is OpenBSD's; also decode past it with the quoted source.
  if (body.size() >= (af == AddrFamily::kInet ? 20u : 40u)) {
    const Addr src = Addr::from_wire(body.data() + (af == AddrFamily::kInet ? 12 : 8), af);
    (void)icmp_error_inner(af, body, dir, src, &inner);
  }
  track(body, dir, sloppy);
  return 0;
}
