#include "dataplane/state/tcp_options.h"

namespace dpf::state {

TcpOptions parse_tcp_options(std::span<const std::byte> tcp_header) noexcept {
  TcpOptions out;
  if (tcp_header.size() < kTcpHeaderMinLen) {
    out.truncated = !tcp_header.empty();
    return out;
  }
  size_t hlen = (std::to_integer<size_t>(tcp_header[kTcpDataOffsetByte]) >> 4) * 4;
  if (hlen > tcp_header.size()) {
    out.truncated = true;
    hlen = tcp_header.size();
  }
  size_t i = kTcpHeaderMinLen;
  while (i < hlen) {
    const uint8_t kind = std::to_integer<uint8_t>(tcp_header[i]);
    if (kind == kTcpOptEol) break;
    if (kind == kTcpOptNop) {
      ++i;
      continue;
    }
    if (i + 1 >= hlen) {
      out.truncated = true;
      break;
    }
    const uint8_t len = std::to_integer<uint8_t>(tcp_header[i + 1]);
    if (len < 2 || i + len > hlen) {
      out.truncated = true;
      break;
    }
    if (kind == kTcpOptWscale && len >= kTcpOptWscaleLen) {
      uint8_t shift = std::to_integer<uint8_t>(tcp_header[i + 2]);
      if (shift > kMaxWinShift) shift = kMaxWinShift;
      out.wscale = static_cast<uint8_t>(shift | kWscaleFlag);
    } else if (kind == kTcpOptMss && len >= kTcpOptMssLen) {
      out.mss = static_cast<uint16_t>((std::to_integer<uint16_t>(tcp_header[i + 2]) << 8) |
                                      std::to_integer<uint16_t>(tcp_header[i + 3]));
    }
    i += len;
  }
  return out;
}

}  // namespace dpf::state
