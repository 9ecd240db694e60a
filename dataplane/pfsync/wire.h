// pfsync v5 wire format: constants, action numbers and the packed layout of every message, in
// FreeBSD 9.x / 1301 (242-byte state) and FreeBSD 14 "1400" (277-byte state) forms, as recorded in
// shared/specs/pfsync.md. Layout only: the structs are read and written through codec.h, never
// cast onto packet memory. Multi-byte fields are dataplane/net/wire/be.h's wire::be16/be32/be64;
// the IP protocol number, MACs and IPv4 sizes come from the wire library. Any thread may use it;
// nothing here allocates. Pure: no DPDK.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataplane/net/wire/be.h"
#include "dataplane/net/wire/headers.h"
#include "dataplane/net/wire/mac.h"

namespace dpf::pfsync {

// ---- Protocol constants (shared/specs/pfsync.md §2.1, §2.2, §4) -------------------------------

inline constexpr uint8_t kVersion = 5;  // pfsync_header.version, every implementation §1
inline constexpr uint8_t kTtl = 255;    // sent, and required on receive (badttl) §2.1
inline constexpr uint8_t kTos = 0x10;   // IPTOS_LOWDELAY §2.1
inline constexpr uint32_t kGroupAddr = 0xe00000f0;  // 224.0.0.240, host order §2.1
inline constexpr wire::MacAddr kGroupMac = wire::ipv4_multicast_mac(kGroupAddr);  // §2.1
inline constexpr std::array<uint8_t, 16> kGroupAddr6 = {0xff, 0x12, 0, 0, 0, 0, 0, 0,
                                                        0,    0,    0, 0, 0, 0, 0, 0xf0};  // §1
inline constexpr size_t kDefaultMtu = 1500;  // pfsync0's default MTU (ETHERMTU) §2.1

// FreeBSD 14's message-version knob (`ifconfig pfsync0 version N`) §1, §3.7.
inline constexpr uint16_t kMsgVersion1301 = 1301;
inline constexpr uint16_t kMsgVersion1400 = 1400;

// Address family numbers on the wire are the sender's BSD sa_family_t. FreeBSD's are the only
// ones accepted on import (§3.5 `af`); OpenBSD's AF_INET6 is named so tests can show it refused.
inline constexpr uint8_t kAfInet = 2;
inline constexpr uint8_t kAfInet6 = 28;
inline constexpr uint8_t kAfInet6OpenBsd = 24;

// pf's direction enum {PF_INOUT, PF_IN, PF_OUT} §3.5.
inline constexpr uint8_t kPfInOut = 0;
inline constexpr uint8_t kPfIn = 1;
inline constexpr uint8_t kPfOut = 2;

// Timeout classes (PFTM_*) are indexes §4.9. 9.x accepts < 20; FreeBSD 14 appends five SCTP
// classes and accepts < 25. The 1301 layout and UPD_C are judged by the protocol of record, the
// 1400 layout (only FreeBSD 14 sends it) by FreeBSD 14's limit.
inline constexpr uint8_t kPftmMax = 20;
inline constexpr uint8_t kPftmMax1400 = 25;

// Peer `state` §3.4: TCPS_* 0..10, then PF_TCPS_PROXY_SRC 11 and PF_TCPS_PROXY_DST 12; a receiver
// rejects anything above 12 whatever the protocol.
inline constexpr uint8_t kTcpsSynSent = 2;
inline constexpr uint8_t kTcpsEstablished = 4;
inline constexpr uint8_t kTcpsProxySrc = 11;
inline constexpr uint8_t kTcpsProxyDst = 12;

// state_flags §3.5 (PFSTATE_*). 1301 carries the low byte only; 1400 carries 16 bits.
inline constexpr uint16_t kStateAllowOpts = 0x01;
inline constexpr uint16_t kStateSloppy = 0x02;
inline constexpr uint16_t kStatePflow = 0x04;
inline constexpr uint16_t kStateNoSync = 0x08;
inline constexpr uint16_t kStateAck = 0x10;  // first packet deferred until INS_ACK §4.8

// sync_flags §3.5 (PFSYNC_FLAG_*), informational, ignored on import.
inline constexpr uint8_t kSyncFlagSrcNode = 0x04;
inline constexpr uint8_t kSyncFlagNatSrcNode = 0x08;

inline constexpr uint16_t kScrubTimestamp = 0x0001;    // pfss_flags PFSS_TIMESTAMP §3.3
inline constexpr uint8_t kScrubFlagValid = 0x01;       // scrub_flag §3.3
inline constexpr uint8_t kWscaleFlag = 0x80;           // PF_WSCALE_FLAG §3.4
inline constexpr uint8_t kWscaleMask = 0x0f;           // PF_WSCALE_MASK §3.4
inline constexpr uint32_t kRuleNone = 0xffffffff;      // rule/anchor/nat_rule "none" §3.5
inline constexpr std::string_view kIfnameAll = "all";  // floating states §3.5

inline constexpr uint8_t kBusStart = 1;  // pfsync_bus.status §3.6
inline constexpr uint8_t kBusEnd = 2;

// Sender/bulk constants the sync lcore needs §4.2, §4.6, §4.8.
inline constexpr uint8_t kDefaultMaxUpd = 128;
inline constexpr int kMaxBulkTries = 12;
inline constexpr int kBulkFailSeconds = 5;

// ---- Actions (pfsync_subheader.action) §2.4 ---------------------------------------------------

enum class Action : uint8_t {
  kClr = 0,       // clear all states of a creator          pfsync_clr         20 B
  kIns = 1,       // insert state (FreeBSD 14: INS_1301)    pfsync_state       242 B
  kInsAck = 2,    // ack of an insert (deferral)            pfsync_ins_ack     12 B
  kUpd = 3,       // full update (FreeBSD 14: UPD_1301)     pfsync_state       242 B
  kUpdC = 4,      // compressed update                      pfsync_upd_c       84 B
  kUpdReq = 5,    // request a full update; (0,0) = bulk    pfsync_upd_req     12 B
  kDel = 6,       // delete with full state (never sent)    pfsync_state       242 B
  kDelC = 7,      // compressed delete                      pfsync_del_c       12 B
  kInsF = 8,      // insert fragment: no pfsync ever sent it; a receiver stops (badact)
  kDelF = 9,      // delete fragments: likewise
  kBus = 10,      // bulk update status                     pfsync_bus         12 B
  kTdb = 11,      // IPsec replay counter                   pfsync_tdb         48 B
  kEof = 12,      // end of frame                           (9.x: 20 B trailer follows)
  kIns1400 = 13,  // FreeBSD 14 insert                      pfsync_state_1400  277 B
  kUpd1400 = 14,  // FreeBSD 14 full update                 pfsync_state_1400  277 B
};
// Actions at or above this are unknown: badact, and the rest of the frame is dropped (§2.3).
inline constexpr uint8_t kActionCount = 15;

namespace layout {

using Addr = std::array<uint8_t, 16>;  // struct pf_addr §3.1, raw network order
using IfName = std::array<char, 16>;   // IFNAMSIZ, NUL-padded ASCII

// ---- Frame ------------------------------------------------------------------------------------
// shared/specs/pfsync.md §2.5
//
//   | IPv4 header (20) | Header (20) | Subheader (4) + count x record | ... | EOF subheader (4) |
//   | [trailer (20), 9.x only]                                                                 |
//
// Header.len counts from the first byte of Header to the end of the datagram, EOF and trailer
// included. Sections are back to back, record size is implied by the action.

// struct pfsync_header — shared/specs/pfsync.md §2.2
//   0        1        2                 4                                   20
//   +--------+--------+-----------------+-----------------------------------+
//   |version | _pad   | len (BE16)      | pfcksum: sender's ruleset MD5     |
//   +--------+--------+-----------------+-----------------------------------+
struct Header {
  uint8_t version;
  uint8_t pad;
  wire::be16 len;
  std::array<uint8_t, 16> pfcksum;
};

// struct pfsync_subheader — shared/specs/pfsync.md §2.3
//   +--------+--------+-----------------+
//   | action | _pad   | count (BE16)    |
//   +--------+--------+-----------------+
struct Subheader {
  uint8_t action;
  uint8_t pad;
  wire::be16 count;
};

// struct pfsync_state_key — shared/specs/pfsync.md §3.2. Index 0 is the outside end relative to
// the interface the state was created on; ports are network order (ICMP: the id).
struct StateKey {
  std::array<Addr, 2> addr;        // @0, @16
  std::array<wire::be16, 2> port;  // @32, @34
};

// struct pfsync_state_scrub — shared/specs/pfsync.md §3.3
struct StateScrub {
  wire::be16 pfss_flags;   // @0 only PFSS_TIMESTAMP travels
  uint8_t pfss_ttl;        // @2
  uint8_t scrub_flag;      // @3 0x01 = the rest is valid
  wire::be32 pfss_ts_mod;  // @4
};

// struct pfsync_state_peer — shared/specs/pfsync.md §3.4
struct StatePeer {
  StateScrub scrub;            // @0
  wire::be32 seqlo;            // @8
  wire::be32 seqhi;            // @12
  wire::be32 seqdiff;          // @16
  wire::be16 max_win;          // @20
  wire::be16 mss;              // @22
  uint8_t state;               // @24
  uint8_t wscale;              // @25
  std::array<uint8_t, 6> pad;  // @26
};

// A 64-bit counter as pf sends it: two BE32 words, high first (§3.5 packets/bytes).
struct Counter64 {
  wire::be32 hi;
  wire::be32 lo;
};

// struct pfsync_state (FreeBSD 9.x) = pfsync_state_1301 (FreeBSD 10–14) — 242 bytes,
// shared/specs/pfsync.md §3.5. Actions INS (1), UPD (3), DEL (6).
//   0 id | 8 ifname | 24 key[WIRE] | 60 key[STACK] | 96 src | 128 dst | 160 rt_addr | 176 rule
//   180 anchor | 184 nat_rule | 188 creation | 192 expire | 196 packets[2] | 212 bytes[2]
//   228 creatorid | 232 af | 233 proto | 234 direction | 235 spare[2] | 237 log
//   238 state_flags | 239 timeout | 240 sync_flags | 241 updates
struct State1301 {
  wire::be64 id;
  IfName ifname;
  std::array<StateKey, 2> key;
  StatePeer src;
  StatePeer dst;
  Addr rt_addr;
  wire::be32 rule;
  wire::be32 anchor;
  wire::be32 nat_rule;
  wire::be32 creation;  // age in seconds
  wire::be32 expire;    // seconds left
  std::array<Counter64, 2> packets;
  std::array<Counter64, 2> bytes;
  wire::be32 creatorid;
  uint8_t af;
  uint8_t proto;
  uint8_t direction;
  std::array<uint8_t, 2> spare;  // 9.x local_flags + pad, exported 0
  uint8_t log;
  uint8_t state_flags;
  uint8_t timeout;
  uint8_t sync_flags;
  uint8_t updates;
};

// struct pfsync_state_1400 (FreeBSD 14) — 277 bytes, shared/specs/pfsync.md §3.7. Actions
// INS_1400 (13), UPD_1400 (14). Same as State1301 through `direction` @234, then:
//   235 state_flags (BE16) | 237 log | 238 spare | 239 timeout | 240 sync_flags | 241 updates
//   242 qid | 244 pqid | 246 dnpipe | 248 dnrpipe | 250 rtableid (BE i32) | 254 min_ttl
//   255 set_tos | 256 max_mss | 258 set_prio[2] | 260 rt | 261 rt_ifname[16]
struct State1400 {
  wire::be64 id;
  IfName ifname;
  std::array<StateKey, 2> key;
  StatePeer src;
  StatePeer dst;
  Addr rt_addr;
  wire::be32 rule;
  wire::be32 anchor;
  wire::be32 nat_rule;
  wire::be32 creation;
  wire::be32 expire;
  std::array<Counter64, 2> packets;
  std::array<Counter64, 2> bytes;
  wire::be32 creatorid;
  uint8_t af;
  uint8_t proto;
  uint8_t direction;
  wire::be16 state_flags;
  uint8_t log;
  uint8_t spare;
  uint8_t timeout;
  uint8_t sync_flags;
  uint8_t updates;
  wire::be16 qid;
  wire::be16 pqid;
  wire::be16 dnpipe;
  wire::be16 dnrpipe;
  wire::be32 rtableid;  // signed on the host: -1 = none
  uint8_t min_ttl;
  uint8_t set_tos;
  wire::be16 max_mss;
  std::array<uint8_t, 2> set_prio;
  uint8_t rt;
  IfName rt_ifname;
};

// struct pfsync_clr — shared/specs/pfsync.md §3.6
struct Clr {
  IfName ifname;  // empty = all interfaces
  wire::be32 creatorid;
};

// pfsync_ins_ack, pfsync_upd_req, pfsync_del_c — shared/specs/pfsync.md §3.6, one layout.
struct StateId {
  wire::be64 id;
  wire::be32 creatorid;
};
using InsAck = StateId;
using UpdReq = StateId;  // id 0, creatorid 0 = bulk update request
using DelC = StateId;

// struct pfsync_upd_c — shared/specs/pfsync.md §3.6
struct UpdC {
  wire::be64 id;
  StatePeer src;
  StatePeer dst;
  wire::be32 creatorid;
  wire::be32 expire;  // 9.x: seconds left; FreeBSD 10+: 0
  uint8_t timeout;
  std::array<uint8_t, 3> pad;
};

// struct pfsync_bus — shared/specs/pfsync.md §3.6
struct Bus {
  wire::be32 creatorid;
  wire::be32 endtime;  // seconds since the sender got the bulk request
  uint8_t status;
  std::array<uint8_t, 3> pad;
};

// struct pfsync_tdb (FreeBSD, 28-byte sockaddr_union) — shared/specs/pfsync.md §3.6
struct Tdb {
  wire::be32 spi;
  std::array<uint8_t, 28> dst;
  wire::be32 rpl;
  wire::be64 cur_bytes;
  uint8_t sproto;
  uint8_t updates;
  std::array<uint8_t, 2> pad;
};

// struct pfsync_eof — the 9.x trailer after the EOF subheader, never filled (§2.5).
struct EofTrailer {
  std::array<uint8_t, 20> hmac;
};

// ---- Pinned sizes and offsets (shared/specs/pfsync.md §2.2–§3.7) ------------------------------

static_assert(sizeof(Header) == 20);
static_assert(offsetof(Header, len) == 2 && offsetof(Header, pfcksum) == 4);
static_assert(sizeof(Subheader) == 4);
static_assert(offsetof(Subheader, count) == 2);
static_assert(sizeof(Addr) == 16);
static_assert(sizeof(StateKey) == 36 && offsetof(StateKey, port) == 32);
static_assert(sizeof(StateScrub) == 8);
static_assert(offsetof(StateScrub, pfss_ttl) == 2 && offsetof(StateScrub, scrub_flag) == 3 &&
              offsetof(StateScrub, pfss_ts_mod) == 4);
static_assert(sizeof(StatePeer) == 32);
static_assert(offsetof(StatePeer, seqlo) == 8 && offsetof(StatePeer, seqhi) == 12 &&
              offsetof(StatePeer, seqdiff) == 16 && offsetof(StatePeer, max_win) == 20 &&
              offsetof(StatePeer, mss) == 22 && offsetof(StatePeer, state) == 24 &&
              offsetof(StatePeer, wscale) == 25 && offsetof(StatePeer, pad) == 26);

// The fields both state layouts share, at the same offsets up to `direction` @234 and for
// log/timeout/sync_flags/updates (§3.5, §3.7).
template <typename S>
constexpr bool state_common_offsets_ok() {
  return offsetof(S, ifname) == 8 && offsetof(S, key) == 24 && offsetof(S, src) == 96 &&
         offsetof(S, dst) == 128 && offsetof(S, rt_addr) == 160 && offsetof(S, rule) == 176 &&
         offsetof(S, anchor) == 180 && offsetof(S, nat_rule) == 184 &&
         offsetof(S, creation) == 188 && offsetof(S, expire) == 192 &&
         offsetof(S, packets) == 196 && offsetof(S, bytes) == 212 &&
         offsetof(S, creatorid) == 228 && offsetof(S, af) == 232 && offsetof(S, proto) == 233 &&
         offsetof(S, direction) == 234 && offsetof(S, log) == 237 && offsetof(S, timeout) == 239 &&
         offsetof(S, sync_flags) == 240 && offsetof(S, updates) == 241;
}

static_assert(sizeof(State1301) == 242 && state_common_offsets_ok<State1301>());
static_assert(offsetof(State1301, spare) == 235 && offsetof(State1301, state_flags) == 238);

static_assert(sizeof(State1400) == 277 && state_common_offsets_ok<State1400>());
static_assert(offsetof(State1400, state_flags) == 235 && offsetof(State1400, spare) == 238 &&
              offsetof(State1400, qid) == 242 && offsetof(State1400, pqid) == 244 &&
              offsetof(State1400, dnpipe) == 246 && offsetof(State1400, dnrpipe) == 248 &&
              offsetof(State1400, rtableid) == 250 && offsetof(State1400, min_ttl) == 254 &&
              offsetof(State1400, set_tos) == 255 && offsetof(State1400, max_mss) == 256 &&
              offsetof(State1400, set_prio) == 258 && offsetof(State1400, rt) == 260 &&
              offsetof(State1400, rt_ifname) == 261);

static_assert(sizeof(Clr) == 20 && offsetof(Clr, creatorid) == 16);
static_assert(sizeof(StateId) == 12 && offsetof(StateId, creatorid) == 8);
static_assert(sizeof(UpdC) == 84);
static_assert(offsetof(UpdC, src) == 8 && offsetof(UpdC, dst) == 40 &&
              offsetof(UpdC, creatorid) == 72 && offsetof(UpdC, expire) == 76 &&
              offsetof(UpdC, timeout) == 80 && offsetof(UpdC, pad) == 81);
static_assert(sizeof(Bus) == 12 && offsetof(Bus, endtime) == 4 && offsetof(Bus, status) == 8);
static_assert(sizeof(Tdb) == 48);
static_assert(offsetof(Tdb, dst) == 4 && offsetof(Tdb, rpl) == 32 &&
              offsetof(Tdb, cur_bytes) == 36 && offsetof(Tdb, sproto) == 44 &&
              offsetof(Tdb, updates) == 45);
static_assert(sizeof(EofTrailer) == 20);

// An empty 9.x frame: IP header + Header + EOF subheader + trailer (PFSYNC_MINPKT, §2.5).
inline constexpr size_t kMinPkt =
    wire::kIpv4MinHdr + sizeof(Header) + sizeof(Subheader) + sizeof(EofTrailer);
static_assert(kMinPkt == 64);

}  // namespace layout

// Size of one record of `action`, 0 for actions without a body (INS_F, DEL_F, EOF, unknown).
constexpr size_t record_size(uint8_t action) noexcept {
  switch (static_cast<Action>(action)) {
    case Action::kClr:
      return sizeof(layout::Clr);
    case Action::kIns:
    case Action::kUpd:
    case Action::kDel:
      return sizeof(layout::State1301);
    case Action::kInsAck:
    case Action::kUpdReq:
    case Action::kDelC:
      return sizeof(layout::StateId);
    case Action::kUpdC:
      return sizeof(layout::UpdC);
    case Action::kBus:
      return sizeof(layout::Bus);
    case Action::kTdb:
      return sizeof(layout::Tdb);
    case Action::kIns1400:
    case Action::kUpd1400:
      return sizeof(layout::State1400);
    default:
      return 0;
  }
}

// Capacity per frame at MTU 1500 (shared/specs/pfsync.md §2.7): 64 + 4 + n * size <= 1500.
static_assert(layout::kMinPkt + 4 + 5 * record_size(1) <= kDefaultMtu &&
              layout::kMinPkt + 4 + 6 * record_size(1) > kDefaultMtu);
static_assert(layout::kMinPkt + 4 + 17 * record_size(4) <= kDefaultMtu &&
              layout::kMinPkt + 4 + 18 * record_size(4) > kDefaultMtu);
static_assert(layout::kMinPkt + 4 + 119 * record_size(7) <= kDefaultMtu &&
              layout::kMinPkt + 4 + 120 * record_size(7) > kDefaultMtu);

}  // namespace dpf::pfsync
