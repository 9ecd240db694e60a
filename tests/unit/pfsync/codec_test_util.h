// Helpers shared by the pfsync codec tests: decode a byte vector into collected messages,
// re-encode messages, and patch single bytes of a frame. Test code only: single-threaded,
// allocates freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dataplane/pfsync/codec.h"

namespace dpf::pfsync::test {

struct Decoded {
  DecodeResult result;
  MessageCollector collector;
  Stats stats;
};

// Decodes from an exactly sized heap copy, so a read past the end is a heap overflow that the
// sanitizers report.
inline Decoded decode(const std::vector<std::byte>& bytes) {
  Decoded d;
  const std::vector<std::byte> exact(bytes.begin(), bytes.end());
  d.result = decode_frame(exact, d.collector, d.stats);
  return d;
}

// Builds a frame from `messages` the way the original was framed.
inline std::vector<std::byte> encode(const MessageCollector& c, EofStyle eof, size_t mtu = 65535) {
  std::vector<std::byte> buf(mtu);
  BuilderOptions opts;
  opts.mtu = mtu + wire::kIpv4MinHdr;
  opts.eof = eof;
  opts.pfcksum = c.header.pfcksum;
  FrameBuilder b(buf, opts);
  for (const Message& m : c.messages) {
    if (b.add(m) != AddStatus::kOk) return {};
  }
  const auto out = b.finish();
  return std::vector<std::byte>(out.begin(), out.end());
}

inline std::vector<std::byte> with_byte(std::vector<std::byte> f, size_t off, uint8_t v) {
  f.at(off) = std::byte{v};
  return f;
}

inline std::vector<std::byte> with_len(std::vector<std::byte> f, uint16_t len) {
  f.at(2) = std::byte(len >> 8);
  f.at(3) = std::byte(len & 0xff);
  return f;
}

inline uint64_t frame_errors(const Stats& s) {
  return s.hdrops + s.badver + s.badlen + s.badact;
}

}  // namespace dpf::pfsync::test
