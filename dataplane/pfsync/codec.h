// pfsync frame codec: decode_frame() walks a received frame (the bytes after the IP header) with a
// bounds-checked wire::Reader and hands each message, converted to a plain host-order struct, to a
// FrameVisitor; FrameBuilder packs messages into a caller buffer up to an MTU. Any thread may call
// both (the sync lcore does); neither allocates — only MessageCollector, meant for tests and the
// control thread, does. Layouts and constants: wire.h. Protocol: shared/specs/pfsync.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "dataplane/net/wire/cursor.h"
#include "dataplane/net/wire/flow.h"
#include "dataplane/pfsync/wire.h"

namespace dpf::pfsync {

// ---- Decoded messages: plain host-order structs -----------------------------------------------
// Integers are host order; addresses stay 16 network-order bytes (IPv4 in bytes 0–3); interface
// names are the 16 wire bytes (see ifname_view). Pad and spare bytes are not kept: the encoder
// writes them as zero, as every sender does.

enum class StateFormat : uint8_t { k1301, k1400 };
// The node's own (dataplane/net/wire/flow.h): pf's PF_IN / PF_OUT, and FreeBSD's AF_INET (2) /
// AF_INET6 (28), which are also pfsync's values on the wire.
using AddressFamily = wire::Af;
using Direction = wire::Direction;

using IfName = layout::IfName;
using Addr = layout::Addr;

// Up to the first NUL, at most 16 characters.
std::string_view ifname_view(const IfName& name) noexcept;
// NUL-padded copy of `name`, truncated to 15 characters.
IfName make_ifname(std::string_view name) noexcept;

struct ScrubMsg {
  uint16_t flags = 0;      // pfss_flags
  uint8_t ttl = 0;         // pfss_ttl
  uint8_t scrub_flag = 0;  // kScrubFlagValid when the rest is meaningful
  uint32_t ts_mod = 0;     // pfss_ts_mod
  bool operator==(const ScrubMsg&) const = default;
};

struct PeerMsg {
  ScrubMsg scrub;
  uint32_t seqlo = 0;
  uint32_t seqhi = 0;
  uint32_t seqdiff = 0;
  uint16_t max_win = 0;
  uint16_t mss = 0;
  uint8_t state = 0;   // TCPS_* or PFUDPS_*/PFOTHERS_*, <= kTcpsProxyDst
  uint8_t wscale = 0;  // kWscaleFlag | shift
  bool operator==(const PeerMsg&) const = default;
};

struct StateKeyMsg {
  std::array<Addr, 2> addr{};
  std::array<uint16_t, 2> port{};  // host order
  bool operator==(const StateKeyMsg&) const = default;
};

inline constexpr size_t kKeyWire = 0;   // PF_SK_WIRE
inline constexpr size_t kKeyStack = 1;  // PF_SK_STACK

// Everything a full-state message (INS, UPD, DEL, INS_1400, UPD_1400) carries, shared/specs
// §3.5 and §3.7. Fields marked 1400 are zero for the 1301 format and not sent in it.
struct StateMsg {
  StateFormat format = StateFormat::k1301;
  uint64_t id = 0;
  uint32_t creatorid = 0;
  IfName ifname{};
  std::array<StateKeyMsg, 2> key{};  // [kKeyWire], [kKeyStack]
  PeerMsg src;
  PeerMsg dst;
  Addr rt_addr{};
  uint32_t rule = kRuleNone;
  uint32_t anchor = kRuleNone;
  uint32_t nat_rule = kRuleNone;
  uint32_t creation = 0;  // age, seconds
  uint32_t expire = 0;    // seconds left on the sender
  std::array<uint64_t, 2> packets{};
  std::array<uint64_t, 2> bytes{};
  AddressFamily af = AddressFamily::kInet;
  uint8_t proto = 0;
  Direction direction = Direction::kIn;
  uint8_t log = 0;
  uint16_t state_flags = 0;  // 1301 carries the low byte only
  uint8_t timeout = 0;       // PFTM_* class index
  uint8_t sync_flags = 0;
  uint8_t updates = 0;
  // 1400 only.
  uint16_t qid = 0;
  uint16_t pqid = 0;
  uint16_t dnpipe = 0;
  uint16_t dnrpipe = 0;
  int32_t rtableid = 0;
  uint8_t min_ttl = 0;
  uint8_t set_tos = 0;
  uint16_t max_mss = 0;
  std::array<uint8_t, 2> set_prio{};
  uint8_t rt = 0;
  IfName rt_ifname{};
  bool operator==(const StateMsg&) const = default;
};

struct ClrMsg {
  IfName ifname{};  // empty: all interfaces
  uint32_t creatorid = 0;
  bool operator==(const ClrMsg&) const = default;
};

// INS_ACK, UPD_REQ (id 0 + creatorid 0 = bulk request) and DEL_C.
struct IdMsg {
  uint64_t id = 0;
  uint32_t creatorid = 0;
  bool operator==(const IdMsg&) const = default;
};

struct UpdCMsg {
  uint64_t id = 0;
  uint32_t creatorid = 0;
  PeerMsg src;
  PeerMsg dst;
  uint32_t expire = 0;
  uint8_t timeout = 0;
  bool operator==(const UpdCMsg&) const = default;
};

struct BusMsg {
  uint32_t creatorid = 0;
  uint32_t endtime = 0;
  uint8_t status = 0;  // kBusStart / kBusEnd; others are passed on, pf ignores them
  bool operator==(const BusMsg&) const = default;
};

struct TdbMsg {
  uint32_t spi = 0;
  std::array<uint8_t, 28> dst{};  // FreeBSD sockaddr_union, raw
  uint32_t rpl = 0;
  uint64_t cur_bytes = 0;
  uint8_t sproto = 0;
  uint8_t updates = 0;
  bool operator==(const TdbMsg&) const = default;
};

struct HeaderMsg {
  uint8_t version = kVersion;
  uint16_t len = 0;
  std::array<uint8_t, 16> pfcksum{};  // compare with the local ruleset checksum (§2.2)
  bool operator==(const HeaderMsg&) const = default;
};

struct EofMsg {
  bool trailer = false;  // exactly 20 bytes followed EOF (9.x)
  std::array<uint8_t, 20> hmac{};
  bool operator==(const EofMsg&) const = default;
};

using MessageBody = std::variant<ClrMsg, StateMsg, IdMsg, UpdCMsg, BusMsg, TdbMsg>;
struct Message {
  Action action = Action::kClr;
  MessageBody body;
  bool operator==(const Message&) const = default;
};

// pf's name for an action ("INS", "UPD_C", ...), "unknown" beyond the table.
std::string_view action_name(uint8_t action) noexcept;

// ---- Statistics: struct pfsyncstats, as `netstat -s -p pfsync` prints it ----------------------

struct Stats {
  uint64_t ipackets = 0;   // input packets, IPv4 (counted by whoever sees the IP header)
  uint64_t ipackets6 = 0;  // input packets, IPv6
  uint64_t badif = 0;      // arrived on a port other than the sync port
  uint64_t badttl = 0;     // IP TTL was not 255
  uint64_t hdrops = 0;     // shorter than the pfsync header
  uint64_t badver = 0;     // version byte is not 5
  uint64_t badact = 0;     // unknown action, or one no pfsync speaks (rest of frame dropped)
  uint64_t badlen = 0;     // header len, a section or the EOF tail disagrees with the bytes
  uint64_t badauth = 0;    // bad authentication (pfsync never implemented it)
  uint64_t stale = 0;      // update older than the local state (merge rules)
  uint64_t badval = 0;     // record with invalid values (af, direction, timeout, peer state)
  uint64_t badstate = 0;   // insert or lookup failed
  uint64_t opackets = 0;   // output packets, IPv4
  uint64_t opackets6 = 0;  // output packets, IPv6
  uint64_t onomem = 0;     // no buffer for an output packet
  uint64_t oerrors = 0;    // transmit error
  std::array<uint64_t, kActionCount> iacts{};  // records received per action
  std::array<uint64_t, kActionCount> oacts{};  // records sent per action
};

struct StatField {
  std::string_view name;  // as netstat labels it (without the pfsyncs_ prefix)
  uint64_t Stats::*field;
};
inline constexpr std::array<StatField, 16> kStatFields = {{
    {"ipackets", &Stats::ipackets},
    {"ipackets6", &Stats::ipackets6},
    {"badif", &Stats::badif},
    {"badttl", &Stats::badttl},
    {"hdrops", &Stats::hdrops},
    {"badver", &Stats::badver},
    {"badact", &Stats::badact},
    {"badlen", &Stats::badlen},
    {"badauth", &Stats::badauth},
    {"stale", &Stats::stale},
    {"badval", &Stats::badval},
    {"badstate", &Stats::badstate},
    {"opackets", &Stats::opackets},
    {"opackets6", &Stats::opackets6},
    {"onomem", &Stats::onomem},
    {"oerrors", &Stats::oerrors},
}};

// ---- Decoding ---------------------------------------------------------------------------------

// Receives each message of a frame in wire order. Full states of INS, UPD, DEL, INS_1400 and
// UPD_1400 arrive through on_state with their action (StateMsg::format tells the layout).
class FrameVisitor {
 public:
  virtual ~FrameVisitor() = default;
  virtual void on_header(const HeaderMsg&) {}
  virtual void on_clr(const ClrMsg&) {}
  virtual void on_state(Action, const StateMsg&) {}
  virtual void on_ins_ack(const IdMsg&) {}
  virtual void on_upd_c(const UpdCMsg&) {}
  virtual void on_upd_req(const IdMsg&) {}
  virtual void on_del_c(const IdMsg&) {}
  virtual void on_bus(const BusMsg&) {}
  virtual void on_tdb(const TdbMsg&) {}
  virtual void on_eof(const EofMsg&) {}
};

enum class FrameError : uint8_t {
  kNone,
  kShortHeader,   // hdrops: fewer than 20 bytes
  kBadVersion,    // badver
  kBadLength,     // badlen: header len beyond the bytes present, or shorter than the header
  kBadAction,     // badact: unknown action, INS_F or DEL_F; the rest was not read
  kShortSection,  // badlen: count x size (or a subheader) passes the end; the rest was not read
  kBadEofTail,    // badlen: after EOF neither nothing nor a 20-byte trailer (messages kept)
};
std::string_view frame_error_name(FrameError e) noexcept;

struct DecodeResult {
  FrameError error = FrameError::kNone;
  wire::ShortRead short_read{};  // what was short, for kShortHeader / kBadLength / kShortSection
  uint8_t action = 0;            // the offending action, for kBadAction / kShortSection
  size_t offset = 0;             // where the walk stopped
  uint32_t records = 0;          // messages handed to the visitor
  uint32_t badval = 0;           // records skipped for bad values
  bool eof = false;              // the walk ended on an EOF subheader
  bool ok() const noexcept { return error == FrameError::kNone; }
};

// Decodes one frame starting at the pfsync header (the IP payload). Checks the header (hdrops,
// badver, badlen when len promises more than `frame` holds), then walks the sections within len,
// dispatching on the action table; stops at EOF, at an unusable action (badact) or at a section
// that does not fit (badlen). A record with invalid values is skipped and counted (badval), the
// rest of its section is still read. Counts iacts per record present. Does not count ipackets,
// badif or badttl (the IP layer does) nor stale/badstate (the state merge does). Never reads
// outside `frame`; throws only what the visitor throws.
DecodeResult decode_frame(std::span<const std::byte> frame, FrameVisitor& visitor, Stats& stats);

// Keeps every message of a frame (allocates; tests, fuzzing, the control thread).
class MessageCollector : public FrameVisitor {
 public:
  void on_header(const HeaderMsg& h) override { header = h; }
  void on_clr(const ClrMsg& m) override { messages.push_back({Action::kClr, m}); }
  void on_state(Action a, const StateMsg& m) override { messages.push_back({a, m}); }
  void on_ins_ack(const IdMsg& m) override { messages.push_back({Action::kInsAck, m}); }
  void on_upd_c(const UpdCMsg& m) override { messages.push_back({Action::kUpdC, m}); }
  void on_upd_req(const IdMsg& m) override { messages.push_back({Action::kUpdReq, m}); }
  void on_del_c(const IdMsg& m) override { messages.push_back({Action::kDelC, m}); }
  void on_bus(const BusMsg& m) override { messages.push_back({Action::kBus, m}); }
  void on_tdb(const TdbMsg& m) override { messages.push_back({Action::kTdb, m}); }
  void on_eof(const EofMsg& e) override { eof = e; }

  HeaderMsg header{};
  std::vector<Message> messages;
  std::optional<EofMsg> eof;
};

// ---- Encoding ---------------------------------------------------------------------------------

// How a frame ends (shared/specs/pfsync.md §2.5, §4.12): 9.x requires EOF and reserves a 20-byte
// trailer; FreeBSD 10+ sends EOF without it; both accept either.
enum class EofStyle : uint8_t { kNone, kEof, kEofTrailer };

// Bytes the EOF tail of `eof` adds to a frame.
constexpr size_t eof_tail_len(EofStyle eof) noexcept {
  switch (eof) {
    case EofStyle::kNone:
      return 0;
    case EofStyle::kEof:
      return sizeof(layout::Subheader);
    case EofStyle::kEofTrailer:
      return sizeof(layout::Subheader) + sizeof(layout::EofTrailer);
  }
  return 0;
}

struct BuilderOptions {
  size_t mtu = kDefaultMtu;                  // limit of the whole IP datagram
  size_t ip_header_len = wire::kIpv4MinHdr;  // counted against the MTU, not written
  EofStyle eof = EofStyle::kEofTrailer;
  std::array<uint8_t, 16> pfcksum{};  // our ruleset checksum, or zeros
};

enum class AddStatus : uint8_t {
  kOk,
  kFull,       // the record (and its subheader, if new) would pass the MTU or the buffer
  kBadAction,  // action without a body, or a state whose format does not match the action
  kFinished,   // finish() was called; reset() starts a new frame
};

// Builds one frame at the start of a caller buffer: the header, then each record, opening a new
// subheader whenever the action changes (consecutive records of one action share it), keeping
// room for the EOF tail. finish() writes EOF and the header len. No allocation, noexcept.
class FrameBuilder {
 public:
  FrameBuilder(std::span<std::byte> buffer, const BuilderOptions& options) noexcept;

  AddStatus add_clr(const ClrMsg& m) noexcept;
  AddStatus add_state(Action action, const StateMsg& m) noexcept;  // INS/UPD/DEL or *_1400
  AddStatus add_ins_ack(const IdMsg& m) noexcept;
  AddStatus add_upd_c(const UpdCMsg& m) noexcept;
  AddStatus add_upd_req(const IdMsg& m) noexcept;
  AddStatus add_del_c(const IdMsg& m) noexcept;
  AddStatus add_bus(const BusMsg& m) noexcept;
  AddStatus add_tdb(const TdbMsg& m) noexcept;
  AddStatus add(const Message& m) noexcept;

  // Whether one more record of `action` fits in this frame.
  bool fits(Action action) const noexcept;
  bool empty() const noexcept { return records_ == 0; }
  uint32_t records() const noexcept { return records_; }
  // Records per action in this frame (for Stats::oacts when it is sent).
  const std::array<uint32_t, kActionCount>& action_counts() const noexcept { return counts_; }
  // Frame length so far, without the EOF tail.
  size_t size() const noexcept { return pos_; }

  // Appends the EOF tail, sets len and returns the frame (empty if the buffer or MTU cannot
  // hold even a header and the tail). Calling it again returns the same frame.
  std::span<const std::byte> finish() noexcept;
  void reset() noexcept;  // a new, empty frame in the same buffer

 private:
  AddStatus append(Action action, const void* record, size_t size) noexcept;
  size_t tail_size() const noexcept;

  std::span<std::byte> buf_;
  BuilderOptions opts_;
  size_t limit_ = 0;
  size_t pos_ = 0;
  size_t sub_pos_ = 0;  // offset of the open subheader
  bool sub_open_ = false;
  uint8_t sub_action_ = 0;
  uint16_t sub_count_ = 0;
  uint32_t records_ = 0;
  bool finished_ = false;
  std::array<uint32_t, kActionCount> counts_{};
};

// Wire <-> message conversions, exposed for tests and for the state import/export mapping.
// state_from_wire expects values decode_frame accepted (an unknown af reads as kInet).
StateMsg state_from_wire(const layout::State1301& w) noexcept;
StateMsg state_from_wire(const layout::State1400& w) noexcept;
layout::State1301 state_to_wire_1301(const StateMsg& m) noexcept;
layout::State1400 state_to_wire_1400(const StateMsg& m) noexcept;

}  // namespace dpf::pfsync
