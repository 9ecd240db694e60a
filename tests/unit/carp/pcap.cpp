// A minimal classic pcap reader for tests (format: pcap-savefile(5)).
#include "tests/unit/carp/pcap.h"

#include <fstream>
#include <iterator>

namespace dpf::test {

namespace {

constexpr size_t kFileHeaderLen = 24;
constexpr size_t kRecordHeaderLen = 16;
constexpr uint32_t kMagicMicro = 0xa1b2c3d4;
constexpr uint32_t kMagicNano = 0xa1b23c4d;

uint32_t swap32(uint32_t v) {
  return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

uint32_t load_le32(const std::vector<std::byte>& b, size_t at) {
  return std::to_integer<uint32_t>(b[at]) | std::to_integer<uint32_t>(b[at + 1]) << 8 |
         std::to_integer<uint32_t>(b[at + 2]) << 16 | std::to_integer<uint32_t>(b[at + 3]) << 24;
}

}  // namespace

std::optional<PcapFile> read_pcap(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> b(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) b[i] = static_cast<std::byte>(raw[i]);
  if (b.size() < kFileHeaderLen) return std::nullopt;

  uint32_t magic = load_le32(b, 0);
  bool swapped = false;
  if (magic == swap32(kMagicMicro) || magic == swap32(kMagicNano)) {
    swapped = true;
    magic = swap32(magic);
  }
  if (magic != kMagicMicro && magic != kMagicNano) return std::nullopt;
  const uint64_t frac_ns = magic == kMagicNano ? 1 : 1000;
  auto u32 = [&](size_t at) { return swapped ? swap32(load_le32(b, at)) : load_le32(b, at); };

  PcapFile f;
  f.linktype = u32(20);
  size_t pos = kFileHeaderLen;
  while (b.size() - pos >= kRecordHeaderLen) {
    uint64_t sec = u32(pos);
    uint64_t frac = u32(pos + 4);
    size_t incl = u32(pos + 8);
    pos += kRecordHeaderLen;
    if (b.size() - pos < incl) break;
    PcapRecord r;
    r.ts_ns = sec * 1'000'000'000 + frac * frac_ns;
    r.data.assign(b.begin() + static_cast<std::ptrdiff_t>(pos),
                  b.begin() + static_cast<std::ptrdiff_t>(pos + incl));
    f.records.push_back(std::move(r));
    pos += incl;
  }
  return f;
}

}  // namespace dpf::test
