// Malformed pfsync frames, each derived from a golden frame by one change: rejected or skipped,
// counted under pfsync's own reason, and never read beyond the bytes given.
#include <catch2/catch.hpp>

#include <string>

#include "tests/unit/pfsync/codec_test_util.h"
#include "tests/unit/pfsync/golden_frames.h"

namespace dpf::pfsync {
namespace {

using golden::frame;
using test::decode;
using test::with_byte;
using test::with_len;

// Offsets inside a frame whose first section starts right after the header.
constexpr size_t kRec = sizeof(layout::Header) + sizeof(layout::Subheader);  // first record
constexpr size_t kAf = kRec + offsetof(layout::State1301, af);
constexpr size_t kDir = kRec + offsetof(layout::State1301, direction);
constexpr size_t kTimeout = kRec + offsetof(layout::State1301, timeout);
constexpr size_t kSrcState =
    kRec + offsetof(layout::State1301, src) + offsetof(layout::StatePeer, state);
constexpr size_t kDstState =
    kRec + offsetof(layout::State1301, dst) + offsetof(layout::StatePeer, state);
constexpr size_t kUpdCTimeout = kRec + offsetof(layout::UpdC, timeout);
constexpr size_t kUpdCSrcState =
    kRec + offsetof(layout::UpdC, src) + offsetof(layout::StatePeer, state);
constexpr size_t kUpdCDstState =
    kRec + offsetof(layout::UpdC, dst) + offsetof(layout::StatePeer, state);

// A 1301 INS section of two records: `first` (changed by the caller), then the golden state.
std::vector<std::byte> two_states(const std::vector<std::byte>& first) {
  const auto& one = frame("1301/ins").bytes;
  std::vector<std::byte> f(one.begin(), one.begin() + kRec);
  f.insert(f.end(), first.begin() + kRec, first.begin() + kRec + sizeof(layout::State1301));
  f.insert(f.end(), one.begin() + kRec, one.end());
  f[sizeof(layout::Header) + 3] = std::byte{2};  // count 2
  return with_len(f, static_cast<uint16_t>(f.size()));
}

TEST_CASE("pfsync malformed: anything shorter than the header is counted as hdrops") {
  const auto& g = frame("1301/ins").bytes;
  for (size_t n = 0; n < sizeof(layout::Header); ++n) {
    const auto d = decode(std::vector<std::byte>(g.begin(), g.begin() + n));
    CHECK(d.result.error == FrameError::kShortHeader);
    CHECK(d.result.short_read == wire::ShortRead{"pfsync header", 0, 20, n});
    CHECK(d.stats.hdrops == 1);
    CHECK(test::frame_errors(d.stats) == 1);
    CHECK(d.collector.messages.empty());
  }
}

TEST_CASE("pfsync malformed: a version other than 5 is counted as badver") {
  for (uint8_t v : {0, 2, 3, 4, 6, 255}) {
    const auto d = decode(with_byte(frame("1301/ins").bytes, 0, v));
    CHECK(d.result.error == FrameError::kBadVersion);
    CHECK(d.stats.badver == 1);
    CHECK(d.collector.messages.empty());
  }
}

TEST_CASE("pfsync malformed: a header len larger than the frame drops it as badlen") {
  const auto& g = frame("1301/ins").bytes;
  const auto d = decode(with_len(g, static_cast<uint16_t>(g.size() + 1)));
  CHECK(d.result.error == FrameError::kBadLength);
  CHECK(d.result.short_read.need == g.size() + 1);
  CHECK(d.result.short_read.have == g.size());
  CHECK(d.stats.badlen == 1);
  CHECK(d.collector.messages.empty());
  CHECK(decode(with_len(g, 0xffff)).stats.badlen == 1);
}

TEST_CASE("pfsync malformed: a header len smaller than the header itself is badlen") {
  for (uint16_t len : {0, 4, 19}) {
    const auto d = decode(with_len(frame("1301/eof").bytes, len));
    CHECK(d.result.error == FrameError::kBadLength);
    CHECK(d.stats.badlen == 1);
  }
}

TEST_CASE("pfsync malformed: a len that cuts a record short drops the section as badlen") {
  const auto& g = frame("1301/ins").bytes;
  const auto d = decode(with_len(g, kRec + 100));  // bytes are all there, len lies smaller
  CHECK(d.result.error == FrameError::kShortSection);
  CHECK(d.result.short_read == wire::ShortRead{"INS", kRec, 242, 100});
  CHECK(d.result.action == 1);
  CHECK(d.stats.badlen == 1);
  CHECK(d.stats.iacts[1] == 0);
  CHECK(d.collector.messages.empty());
}

TEST_CASE("pfsync malformed: a len ending before EOF is walked up to len and accepted") {
  const auto& g = frame("1301/ins").bytes;
  const auto d = decode(with_len(g, kRec + sizeof(layout::State1301)));
  CHECK(d.result.ok());
  CHECK_FALSE(d.result.eof);
  CHECK(d.collector.messages.size() == 1);
  CHECK(test::frame_errors(d.stats) == 0);
}

TEST_CASE("pfsync malformed: bytes beyond the header len are not pfsync's and are ignored") {
  auto f = frame("1400/ins").bytes;
  f.insert(f.end(), 10, std::byte{0xee});  // e.g. link-layer padding
  const auto d = decode(f);
  CHECK(d.result.ok());
  CHECK(d.result.offset == frame("1400/ins").bytes.size());
  CHECK(d.collector.messages.size() == 1);
  CHECK(test::frame_errors(d.stats) == 0);
}

TEST_CASE("pfsync malformed: the bytes actually present bound a truncated record") {
  const auto& g = frame("1301/ins").bytes;
  std::vector<std::byte> cut(g.begin(), g.begin() + kRec + 100);
  const auto d = decode(with_len(cut, static_cast<uint16_t>(cut.size())));
  CHECK(d.result.error == FrameError::kShortSection);
  CHECK(d.result.short_read.have == 100);
  CHECK(d.stats.badlen == 1);
  CHECK(d.collector.messages.empty());
}

TEST_CASE("pfsync malformed: a count larger than the records present drops the section") {
  for (uint8_t count_lo : {3, 0xff}) {
    auto f = with_byte(frame("1301/upd_c").bytes, sizeof(layout::Header) + 3, count_lo);
    const auto d = decode(f);
    CHECK(d.result.error == FrameError::kShortSection);
    CHECK(d.stats.badlen == 1);
    CHECK(d.collector.messages.empty());  // pf drops the whole section (m_pulldown fails)
  }
  auto huge = with_byte(frame("1301/upd_c").bytes, sizeof(layout::Header) + 2, 0xff);
  CHECK(decode(huge).stats.badlen == 1);
}

TEST_CASE(
    "pfsync malformed: a count smaller than the records present misreads the rest as badact") {
  // The second UPD_C record starts 5f 0c ...: read as a subheader, action 0x5f is unknown.
  const auto d = decode(with_byte(frame("1301/upd_c").bytes, sizeof(layout::Header) + 3, 1));
  CHECK(d.collector.messages.size() == 1);
  CHECK(d.result.error == FrameError::kBadAction);
  CHECK(d.result.action == 0x5f);
  CHECK(d.stats.badact == 1);
}

TEST_CASE("pfsync malformed: an unknown action is badact and nothing after it is read") {
  for (uint8_t action : {15, 16, 100, 255}) {
    // 1301/mixed: the first section (INS) is turned into an unknown action.
    const auto d = decode(with_byte(frame("1301/mixed").bytes, sizeof(layout::Header), action));
    CHECK(d.result.error == FrameError::kBadAction);
    CHECK(d.result.offset == sizeof(layout::Header));
    CHECK(d.stats.badact == 1);
    CHECK(d.collector.messages.empty());
  }
}

TEST_CASE("pfsync malformed: INS_F and DEL_F have no layout and stop the frame as badact") {
  for (uint8_t action : {8, 9}) {
    const auto d = decode(with_byte(frame("1301/ins_ack").bytes, sizeof(layout::Header), action));
    CHECK(d.result.error == FrameError::kBadAction);
    CHECK(d.stats.badact == 1);
    CHECK(d.collector.messages.empty());
  }
}

TEST_CASE("pfsync malformed: a state whose af is not FreeBSD's inet or inet6 is badval") {
  for (uint8_t af : {uint8_t{0}, uint8_t{10}, kAfInet6OpenBsd, uint8_t{255}}) {
    const auto d = decode(two_states(with_byte(frame("1301/ins").bytes, kAf, af)));
    CHECK(d.result.ok());
    CHECK(d.result.badval == 1);
    CHECK(d.stats.badval == 1);
    CHECK(d.collector.messages.size() == 1);  // the next record of the section still counts
    CHECK(d.stats.iacts[1] == 2);
  }
}

TEST_CASE("pfsync malformed: a state direction other than in or out is badval") {
  for (uint8_t dir : {kPfInOut, uint8_t{3}, uint8_t{255}}) {
    const auto d = decode(with_byte(frame("1301/ins").bytes, kDir, dir));
    CHECK(d.stats.badval == 1);
    CHECK(d.collector.messages.empty());
  }
  CHECK(decode(with_byte(frame("1301/upd").bytes, kDir, 3)).stats.badval == 1);
}

TEST_CASE("pfsync malformed: a timeout class beyond PFTM_MAX is badval") {
  CHECK(decode(with_byte(frame("1301/ins").bytes, kTimeout, kPftmMax)).stats.badval == 1);
  CHECK(decode(with_byte(frame("1301/ins").bytes, kTimeout, kPftmMax - 1)).stats.badval == 0);
  CHECK(decode(with_byte(frame("1301/upd_c").bytes, kUpdCTimeout, kPftmMax)).stats.badval == 1);
  // The 1400 layout is FreeBSD 14's, whose SCTP classes go up to 24.
  CHECK(decode(with_byte(frame("1400/ins").bytes, kTimeout, 24)).stats.badval == 0);
  CHECK(decode(with_byte(frame("1400/ins").bytes, kTimeout, kPftmMax1400)).stats.badval == 1);
}

TEST_CASE("pfsync malformed: a peer state beyond PF_TCPS_PROXY_DST is badval") {
  CHECK(decode(with_byte(frame("1301/ins").bytes, kSrcState, 13)).stats.badval == 1);
  CHECK(decode(with_byte(frame("1301/ins").bytes, kDstState, 13)).stats.badval == 1);
  CHECK(decode(with_byte(frame("1301/ins").bytes, kDstState, kTcpsProxyDst)).stats.badval == 0);
  CHECK(decode(with_byte(frame("1400/upd").bytes, kSrcState, 200)).stats.badval == 1);
  const auto d = decode(with_byte(frame("1301/upd_c").bytes, kUpdCSrcState, 13));
  CHECK(d.stats.badval == 1);
  CHECK(d.collector.messages.size() == 1);
  CHECK(decode(with_byte(frame("1301/upd_c").bytes, kUpdCDstState, 13)).stats.badval == 1);
}

TEST_CASE("pfsync malformed: bytes after EOF that are not the 20-byte trailer are badlen") {
  auto f = frame("1301/ins").bytes;
  f.resize(f.size() - 15);  // EOF followed by 5 bytes
  const auto d = decode(with_len(f, static_cast<uint16_t>(f.size())));
  CHECK(d.result.error == FrameError::kBadEofTail);
  CHECK(d.stats.badlen == 1);
  CHECK(d.collector.messages.size() == 1);  // counted, not dropped (statistics only in pf)
  CHECK(d.result.eof);
}

TEST_CASE("pfsync malformed: sections after EOF are never decoded") {
  // 1301/eof's trailer is replaced by a CLR section and the len left to cover it.
  auto f = frame("1301/eof").bytes;
  f.resize(sizeof(layout::Header) + sizeof(layout::Subheader));
  const auto clr = frame("1301/clr").bytes;
  f.insert(f.end(), clr.begin() + sizeof(layout::Header), clr.begin() + kRec + sizeof(layout::Clr));
  const auto d = decode(with_len(f, static_cast<uint16_t>(f.size())));
  CHECK(d.result.eof);
  CHECK(d.collector.messages.empty());
  CHECK(d.stats.badlen == 1);
}

TEST_CASE("pfsync malformed: a subheader cut short is badlen") {
  auto f = frame("1301/ins_ack_no_eof").bytes;
  f.push_back(std::byte{0x0c});
  f.push_back(std::byte{0x00});
  const auto d = decode(with_len(f, static_cast<uint16_t>(f.size())));
  CHECK(d.result.error == FrameError::kShortSection);
  CHECK(d.result.short_read.what == "subheader");
  CHECK(d.stats.badlen == 1);
  CHECK(d.collector.messages.size() == 1);
}

TEST_CASE("pfsync malformed: every prefix of every golden frame is counted once or accepted") {
  for (const auto& g : golden::all_frames()) {
    for (size_t n = 0; n <= g.bytes.size(); ++n) {
      std::vector<std::byte> cut(g.bytes.begin(), g.bytes.begin() + n);
      if (n >= 4) cut = with_len(cut, static_cast<uint16_t>(n));
      const auto d = decode(cut);
      INFO(std::string(g.name) << " cut at " << n);
      CHECK(test::frame_errors(d.stats) == (d.result.ok() ? 0u : 1u));
      CHECK(d.result.offset <= n);
    }
  }
}

}  // namespace
}  // namespace dpf::pfsync
