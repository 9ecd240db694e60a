// libFuzzer target: a pf.conf ruleset (the input up to its first NUL byte) is parsed, compiled
// against a fixed set of interfaces and evaluated on packets (built from the bytes after the
// NUL, or from a fixed pool); the classifier must agree with the linear walk and with the
// reference walk over the parsed rules (reference.h) on every packet, and neither compile nor
// evaluate may crash whatever the ruleset.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "dataplane/net/wire/headers.h"
#include "tests/unit/filter/filter_test_util.h"
#include "tests/unit/filter/reference.h"

namespace {

using namespace dpf::filter;
using namespace dpf::wire;

// 40 bytes per packet: selectors, ports, ICMP, then 16 bytes of each address.
constexpr size_t kPacketBytes = 40;

Packet packet_from(const uint8_t* b) {
  static constexpr uint8_t kProtos[] = {kIpProtoTcp,    kIpProtoUdp, kIpProtoIcmp,
                                        kIpProtoIcmpv6, 47,          0};
  Packet p;
  p.af = (b[0] & 1) ? Af::kInet6 : Af::kInet;
  p.dir = (b[0] & 2) ? Direction::kOut : Direction::kIn;
  p.fragment = (b[0] & 0x1c) == 0x1c;
  p.proto = kProtos[b[1] % sizeof(kProtos)];
  p.port = b[2] % 4;
  p.rcv_port = b[3] % 5 == 4 ? kNoPort : b[3] % 5;
  p.tcp_flags = b[4];
  p.sport = static_cast<uint16_t>(b[5] << 8 | b[6]);
  p.dport = static_cast<uint16_t>(b[7] << 8 | b[8]);
  p.icmp_type = b[9];
  p.icmp_code = b[10] % 8;
  p.tag = b[11] % 4;
  // A few bytes select well-known addresses so that rules naming them can match.
  static const char* const kV4[] = {"10.1.2.3", "192.0.2.1", "172.16.5.5", "10.0.1.1"};
  static const char* const kV6[] = {"2001:db8::1", "2001:db8:1::5", "fe80::1", "::1"};
  std::memcpy(p.src, b + 8, 16);
  std::memcpy(p.dst, b + 24, 16);
  if (b[12] & 0x80) testing::set_addr(p.src, (p.af == Af::kInet6 ? kV6 : kV4)[b[12] & 3]);
  if (b[13] & 0x80) testing::set_addr(p.dst, (p.af == Af::kInet6 ? kV6 : kV4)[b[13] & 3]);
  return p;
}

void compare(const CompiledRuleset& rs, const testing::Reference& ref, Packet p) {
  if (p.tag > rs.tag_names.size()) p.tag = 0;
  Verdict a = evaluate(rs, p);
  Verdict b = evaluate_linear(rs, p);
  if (a.action != b.action || a.rule_nr != b.rule_nr || a.tag != b.tag ||
      a.keep_state != b.keep_state || a.ret != b.ret || a.match_log != b.match_log) {
    __builtin_trap();
  }
  testing::RefVerdict r = ref.evaluate(p, p.tag == 0 ? "" : rs.tag_names[p.tag - 1]);
  int64_t nr = a.rule == nullptr ? -1 : int64_t{a.rule_nr};
  std::string tag = a.tag == 0 ? "" : rs.tag_names[a.tag - 1];
  if (a.action != r.action || nr != r.rule || tag != r.tag) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto* end = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  size_t text_len = end ? static_cast<size_t>(end - data) : size;
  std::string text(reinterpret_cast<const char*>(data), text_len);
  static const InterfaceMap ifs = testing::test_interfaces();
  dpf::pfconf::Result parsed =
      dpf::pfconf::parse_ruleset(text, "fuzz.conf", dpf::pfconf::ParseOptions{});
  if (!parsed.ok()) return 0;
  std::string error;
  auto rs = compile(*parsed.ruleset, ifs, error);
  if (!rs) return 0;
  const testing::Reference ref(*parsed.ruleset, ifs);
  if (end) {
    const uint8_t* b = end + 1;
    size_t left = size - text_len - 1;
    for (; left >= kPacketBytes; b += kPacketBytes, left -= kPacketBytes)
      compare(*rs, ref, packet_from(b));
  } else {
    for (int i = 0; i < 64; ++i) {
      uint8_t b[kPacketBytes];
      for (size_t j = 0; j < kPacketBytes; ++j)
        b[j] = static_cast<uint8_t>(i * 37 + j * 11 + j * i);
      b[12] |= 0x80;
      b[13] = static_cast<uint8_t>(b[13] | (i & 1 ? 0x80 : 0));
      compare(*rs, ref, packet_from(b));
    }
  }
  return 0;
}
