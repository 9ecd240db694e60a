// libFuzzer target: decode_frame over arbitrary bytes, then the properties every input must keep:
// one counted reason per rejected frame, the walk never passes the input, every decoded message
// re-encodes, the re-encoded frame decodes to the same messages, and encoding is then stable.
// Seed corpus: tests/fuzz/pfsync/corpus/pfsync_frame_fuzz (the golden frames).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/pfsync/codec.h"

namespace {

using namespace dpf::pfsync;

std::vector<std::byte> encode(const MessageCollector& c, EofStyle eof) {
  std::vector<std::byte> buf(0x10000);
  BuilderOptions opts;
  opts.mtu = buf.size() + dpf::wire::kIpv4MinHdr;
  opts.eof = eof;
  opts.pfcksum = c.header.pfcksum;
  FrameBuilder b(buf, opts);
  for (const Message& m : c.messages) {
    // Re-encoding never needs more room than the input had: a failure is a codec bug.
    if (b.add(m) != AddStatus::kOk) __builtin_trap();
  }
  const auto out = b.finish();
  return std::vector<std::byte>(out.begin(), out.end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> frame(reinterpret_cast<const std::byte*>(data), size);
  MessageCollector first;
  Stats stats;
  const DecodeResult r = decode_frame(frame, first, stats);
  const uint64_t reasons = stats.hdrops + stats.badver + stats.badlen + stats.badact;
  if (reasons != (r.ok() ? 0u : 1u)) __builtin_trap();
  if (r.offset > size || r.records != first.messages.size() || r.badval != stats.badval) {
    __builtin_trap();
  }

  const EofStyle eof = !first.eof           ? EofStyle::kNone
                       : first.eof->trailer ? EofStyle::kEofTrailer
                                            : EofStyle::kEof;
  const std::vector<std::byte> encoded = encode(first, eof);
  MessageCollector second;
  Stats stats2;
  const DecodeResult r2 = decode_frame(encoded, second, stats2);
  if (!r2.ok() || stats2.badval != 0 || second.messages != first.messages) __builtin_trap();
  if (second.eof.has_value() != (eof != EofStyle::kNone)) __builtin_trap();
  if (encode(second, eof) != encoded) __builtin_trap();
  return 0;
}
