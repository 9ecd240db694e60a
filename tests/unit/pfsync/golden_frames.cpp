// Golden pfsync frames — see golden_frames.h.
//
// Provenance: every byte below was written by hand from the field tables of
// shared/specs/pfsync.md; each line is one field, with its offset inside the record ("@N") and
// the value it encodes. Multi-byte integers are big-endian (§3 legend); addresses and ports are
// network order; pads are zero, as senders bzero them. Records are written once and framed
// below; each frame's header `len` was added up by hand (the tests check it against the size).
#include "tests/unit/pfsync/golden_frames.h"

#include <cstdlib>
#include <initializer_list>
#include <string>

namespace dpf::pfsync::golden {
namespace {

// pfcksum: MD5 of the empty string, an arbitrary recognisable 16-byte value (§2.2).
constexpr std::string_view kCksum = "d41d8cd98f00b204e9800998ecf8427e";

// ---- Full states, 1301 layout (242 bytes, §3.5) -----------------------------------------------

// TCP over IPv4, inbound on em0, established, rdr 203.0.113.10:80 -> 10.0.0.10:8080, so the two
// keys differ in addr[1]/port[1]; src has scrub data, both peers use window scaling.
constexpr std::string_view kStateTcp4_1301 =
    "5f0c1a2b00000001"                  // @0   id = 0x5f0c1a2b00000001
    "656d3000000000000000000000000000"  // @8   ifname "em0"
    "c6336407000000000000000000000000"  // @24  key[WIRE].addr[0] 198.51.100.7
    "cb00710a000000000000000000000000"  // @40  key[WIRE].addr[1] 203.0.113.10
    "c000"                              // @56  key[WIRE].port[0] 49152
    "0050"                              // @58  key[WIRE].port[1] 80
    "c6336407000000000000000000000000"  // @60  key[STACK].addr[0] 198.51.100.7
    "0a00000a000000000000000000000000"  // @76  key[STACK].addr[1] 10.0.0.10
    "c000"                              // @92  key[STACK].port[0] 49152
    "1f90"                              // @94  key[STACK].port[1] 8080
    "0001 40 01 01020304"               // @96  src.scrub: PFSS_TIMESTAMP, ttl 64, valid, ts_mod
    "11223344"                          // @104 src.seqlo
    "11230000"                          // @108 src.seqhi
    "00000000"                          // @112 src.seqdiff
    "ffff"                              // @116 src.max_win 65535
    "05b4"                              // @118 src.mss 1460
    "04"                                // @120 src.state ESTABLISHED
    "87"                                // @121 src.wscale flag | 7
    "000000000000"                      // @122 src.pad
    "0000 00 00 00000000"               // @128 dst.scrub: none
    "a0b0c0d0"                          // @136 dst.seqlo
    "a0b1c0d0"                          // @140 dst.seqhi
    "00000000"                          // @144 dst.seqdiff
    "7210"                              // @148 dst.max_win 29200
    "05b4"                              // @150 dst.mss 1460
    "04"                                // @152 dst.state ESTABLISHED
    "87"                                // @153 dst.wscale flag | 7
    "000000000000"                      // @154 dst.pad
    "00000000000000000000000000000000"  // @160 rt_addr none
    "00000003"                          // @176 rule 3
    "ffffffff"                          // @180 anchor none
    "00000001"                          // @184 nat_rule 1
    "00000078"                          // @188 creation: 120 s old
    "00015144"                          // @192 expire: 86340 s left
    "00000000 0000000a"                 // @196 packets[0] = 10
    "00000000 00000008"                 // @204 packets[1] = 8
    "00000001 00000010"                 // @212 bytes[0] = 0x100000010 (high word first)
    "00000000 00001000"                 // @220 bytes[1] = 4096
    "0a0b0c0d"                          // @228 creatorid
    "02"                                // @232 af AF_INET
    "06"                                // @233 proto TCP
    "01"                                // @234 direction PF_IN
    "0000"                              // @235 local_flags, pad (FreeBSD 10+: __spare[2])
    "01"                                // @237 log
    "00"                                // @238 state_flags
    "02"                                // @239 timeout PFTM_TCP_ESTABLISHED
    "00"                                // @240 sync_flags
    "00";                               // @241 updates

// UDP over IPv6, outbound on vtnet0, no NAT (both keys equal), a DNS exchange.
constexpr std::string_view kStateUdp6_1301 =
    "5f0c1a2b00000002"                  // @0   id = 0x5f0c1a2b00000002
    "76746e65743000000000000000000000"  // @8   ifname "vtnet0"
    "20010db8000000000000000000000053"  // @24  key[WIRE].addr[0] 2001:db8::53
    "20010db8000100000000000000000010"  // @40  key[WIRE].addr[1] 2001:db8:1::10
    "0035"                              // @56  key[WIRE].port[0] 53
    "9c40"                              // @58  key[WIRE].port[1] 40000
    "20010db8000000000000000000000053"  // @60  key[STACK].addr[0] (same)
    "20010db8000100000000000000000010"  // @76  key[STACK].addr[1] (same)
    "0035"                              // @92  key[STACK].port[0] 53
    "9c40"                              // @94  key[STACK].port[1] 40000
    "0000000000000000"                  // @96  src.scrub none
    "00000000 00000000 00000000"        // @104 src.seqlo, seqhi, seqdiff
    "0000 0000"                         // @116 src.max_win, mss
    "02 00"                             // @120 src.state PFUDPS_MULTIPLE, wscale
    "000000000000"                      // @122 src.pad
    "0000000000000000"                  // @128 dst.scrub none
    "00000000 00000000 00000000"        // @136 dst.seqlo, seqhi, seqdiff
    "0000 0000"                         // @148 dst.max_win, mss
    "01 00"                             // @152 dst.state PFUDPS_SINGLE, wscale
    "000000000000"                      // @154 dst.pad
    "00000000000000000000000000000000"  // @160 rt_addr none
    "00000007"                          // @176 rule 7
    "ffffffff"                          // @180 anchor none
    "ffffffff"                          // @184 nat_rule none
    "0000001e"                          // @188 creation: 30 s old
    "0000003c"                          // @192 expire: 60 s left
    "00000000 00000002"                 // @196 packets[0] = 2
    "00000000 00000001"                 // @204 packets[1] = 1
    "00000000 00000098"                 // @212 bytes[0] = 152
    "00000000 000000b4"                 // @220 bytes[1] = 180
    "0a0b0c0d"                          // @228 creatorid
    "1c"                                // @232 af AF_INET6 (FreeBSD: 28)
    "11"                                // @233 proto UDP
    "02"                                // @234 direction PF_OUT
    "0000"                              // @235 spare
    "00"                                // @237 log
    "00"                                // @238 state_flags
    "08"                                // @239 timeout PFTM_UDP_MULTIPLE
    "00"                                // @240 sync_flags
    "00";                               // @241 updates

// ---- Full state, 1400 layout (277 bytes, §3.7) ------------------------------------------------

// TCP over IPv4, outbound on igb1, SYN sent, route-to 192.0.2.254 via igb2, with the 1400-only
// fields (queues, rtable -1, min-ttl, set-tos, max-mss, prio) filled.
constexpr std::string_view kStateTcp4_1400 =
    "6a1b2c3d00000010"                   // @0   id = 0x6a1b2c3d00000010
    "69676231000000000000000000000000"   // @8   ifname "igb1"
    "cb007150000000000000000000000000"   // @24  key[WIRE].addr[0] 203.0.113.80
    "c000020a000000000000000000000000"   // @40  key[WIRE].addr[1] 192.0.2.10
    "01bb"                               // @56  key[WIRE].port[0] 443
    "d431"                               // @58  key[WIRE].port[1] 54321
    "cb007150000000000000000000000000"   // @60  key[STACK].addr[0] (same)
    "c000020a000000000000000000000000"   // @76  key[STACK].addr[1] (same)
    "01bb"                               // @92  key[STACK].port[0] 443
    "d431"                               // @94  key[STACK].port[1] 54321
    "0000000000000000"                   // @96  src.scrub none
    "00000100"                           // @104 src.seqlo 256
    "00010100"                           // @108 src.seqhi 65792
    "00000000"                           // @112 src.seqdiff
    "fad0"                               // @116 src.max_win 64208
    "05b4"                               // @118 src.mss 1460
    "02"                                 // @120 src.state SYN_SENT
    "87"                                 // @121 src.wscale flag | 7
    "000000000000"                       // @122 src.pad
    "0000000000000000"                   // @128 dst.scrub none
    "00000000 00000000 00000000"         // @136 dst.seqlo, seqhi, seqdiff
    "0000 0000"                          // @148 dst.max_win, mss
    "00 00"                              // @152 dst.state CLOSED, wscale
    "000000000000"                       // @154 dst.pad
    "c00002fe000000000000000000000000"   // @160 rt_addr 192.0.2.254
    "0000000c"                           // @176 rule 12
    "ffffffff"                           // @180 anchor none
    "ffffffff"                           // @184 nat_rule none
    "00000000"                           // @188 creation: 0 s old
    "00000078"                           // @192 expire: 120 s left
    "00000000 00000001"                  // @196 packets[0] = 1
    "00000000 00000000"                  // @204 packets[1] = 0
    "00000000 0000003c"                  // @212 bytes[0] = 60
    "00000000 00000000"                  // @220 bytes[1] = 0
    "11223344"                           // @228 creatorid
    "02"                                 // @232 af AF_INET
    "06"                                 // @233 proto TCP
    "02"                                 // @234 direction PF_OUT
    "0102"                               // @235 state_flags (BE16): 0x0100 | SLOPPY
    "00"                                 // @237 log
    "00"                                 // @238 spare
    "00"                                 // @239 timeout PFTM_TCP_FIRST_PACKET
    "00"                                 // @240 sync_flags
    "00"                                 // @241 updates
    "0005"                               // @242 qid 5
    "0006"                               // @244 pqid 6
    "0000"                               // @246 dnpipe
    "0000"                               // @248 dnrpipe
    "ffffffff"                           // @250 rtableid -1
    "20"                                 // @254 min_ttl 32
    "10"                                 // @255 set_tos 0x10
    "0578"                               // @256 max_mss 1400
    "03 05"                              // @258 set_prio {3, 5}
    "01"                                 // @260 rt PF_ROUTETO
    "69676232000000000000000000000000";  // @261 rt_ifname "igb2"

// ---- Small bodies (§3.6) ----------------------------------------------------------------------

constexpr std::string_view kClrEm0 =
    "656d3000000000000000000000000000"  // @0  ifname "em0"
    "0a0b0c0d";                         // @16 creatorid
constexpr std::string_view kClrAll =
    "00000000000000000000000000000000"  // @0  ifname "" (all interfaces)
    "11223344";                         // @16 creatorid
constexpr std::string_view kIdTcp4Rec = "5f0c1a2b00000001 0a0b0c0d";  // @0 id, @8 creatorid
constexpr std::string_view kIdUdp6Rec = "5f0c1a2b00000002 0a0b0c0d";
constexpr std::string_view kId1400Rec = "6a1b2c3d00000010 11223344";
constexpr std::string_view kBulkReq = "0000000000000000 00000000";  // id 0, creatorid 0

// UPD_C for the TCP state: both windows moved on.
constexpr std::string_view kUpdCTcp4 =
    "5f0c1a2b00000001"            // @0  id
    "0001 40 01 01020304"         // @8  src.scrub
    "11224000 11230500 00000000"  // @16 src.seqlo, seqhi, seqdiff
    "ffff 05b4 04 87"             // @28 src.max_win, mss, state ESTABLISHED, wscale
    "000000000000"                // @34 src.pad
    "0000000000000000"            // @40 dst.scrub none
    "a0b0c100 a0b1c100 00000000"  // @48 dst.seqlo, seqhi, seqdiff
    "7210 05b4 04 87"             // @60 dst.max_win, mss, state, wscale
    "000000000000"                // @66 dst.pad
    "0a0b0c0d"                    // @72 creatorid
    "0001517f"                    // @76 expire 86399
    "02"                          // @80 timeout PFTM_TCP_ESTABLISHED
    "000000";                     // @81 pad
// UPD_C for the UDP state: both sides MULTIPLE now.
constexpr std::string_view kUpdCUdp6 =
    "5f0c1a2b00000002"            // @0  id
    "0000000000000000"            // @8  src.scrub none
    "00000000 00000000 00000000"  // @16 src.seqlo, seqhi, seqdiff
    "0000 0000 02 00"             // @28 src.max_win, mss, state MULTIPLE, wscale
    "000000000000"                // @34 src.pad
    "0000000000000000"            // @40 dst.scrub none
    "00000000 00000000 00000000"  // @48 dst.seqlo, seqhi, seqdiff
    "0000 0000 02 00"             // @60 dst.max_win, mss, state MULTIPLE, wscale
    "000000000000"                // @66 dst.pad
    "0a0b0c0d"                    // @72 creatorid
    "00000000"                    // @76 expire 0 (FreeBSD 10+ leaves it 0)
    "08"                          // @80 timeout PFTM_UDP_MULTIPLE
    "000000";                     // @81 pad

constexpr std::string_view kBusStart =
    "0a0b0c0d 00000000 01 000000";  // @0 creatorid, @4 endtime 0, @8 START, @9 pad
constexpr std::string_view kBusEnd =
    "11223344 00000007 02 000000";  // @0 creatorid, @4 endtime 7 s, @8 END, @9 pad

constexpr std::string_view kTdb =
    "00001001"                  // @0  spi 0x1001
    "1002 0000 c0000201"        // @4  dst: sockaddr_in len 16, AF_INET, port 0, 192.0.2.1
    "0000000000000000"          // @12 sin_zero
    "000000000000000000000000"  // @20 rest of the 28-byte sockaddr_union
    "00000064"                  // @32 rpl 100
    "0000000000012345"          // @36 cur_bytes 0x12345
    "32"                        // @44 sproto 50 (ESP)
    "01"                        // @45 updates 1
    "0000";                     // @46 pad

// ---- Framing ----------------------------------------------------------------------------------
// Header: "05" version, "00" pad, len (BE16), pfcksum. Subheader: action, "00", count (BE16).
// 1301 frames end "0c000001" + 20 zero bytes (§2.5, len includes both); 1400 frames end
// "0c000001" only, as FreeBSD 14 sends them.

constexpr std::string_view kEof = "0c000001";
constexpr std::string_view kTrailer = "0000000000000000000000000000000000000000";

std::vector<std::byte> assemble(std::initializer_list<std::string_view> pieces) {
  std::vector<std::byte> out;
  for (std::string_view p : pieces) {
    const std::vector<std::byte> b = from_hex(p);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

std::string header(std::string_view len_hex) {
  return std::string("0500") + std::string(len_hex) + std::string(kCksum);
}

std::vector<GoldenFrame> build() {
  std::vector<GoldenFrame> f;
  const EofStyle t = EofStyle::kEofTrailer;
  const EofStyle e = EofStyle::kEof;
  // 1301 framing: len = 20 + sections + 4 + 20.
  f.push_back({"1301/clr", t, assemble({header("0044"), "00000001", kClrEm0, kEof, kTrailer})});
  f.push_back({"1301/ins", t,  // 20 + 4 + 242 + 24 = 290
               assemble({header("0122"), "01000001", kStateTcp4_1301, kEof, kTrailer})});
  f.push_back(
      {"1301/ins_ack", t, assemble({header("003c"), "02000001", kIdTcp4Rec, kEof, kTrailer})});
  f.push_back(
      {"1301/upd", t, assemble({header("0122"), "03000001", kStateUdp6_1301, kEof, kTrailer})});
  f.push_back({"1301/upd_c", t,  // 20 + 4 + 2 * 84 + 24 = 216
               assemble({header("00d8"), "04000002", kUpdCTcp4, kUpdCUdp6, kEof, kTrailer})});
  f.push_back({"1301/upd_req", t,  // the bulk request of §2.8
               assemble({header("003c"), "05000001", kBulkReq, kEof, kTrailer})});
  f.push_back(
      {"1301/del", t, assemble({header("0122"), "06000001", kStateTcp4_1301, kEof, kTrailer})});
  f.push_back({"1301/del_c", t,  // 20 + 4 + 2 * 12 + 24 = 72
               assemble({header("0048"), "07000002", kIdTcp4Rec, kIdUdp6Rec, kEof, kTrailer})});
  f.push_back({"1301/bus", t, assemble({header("003c"), "0a000001", kBusStart, kEof, kTrailer})});
  f.push_back({"1301/tdb", t, assemble({header("0060"), "0b000001", kTdb, kEof, kTrailer})});
  f.push_back({"1301/eof", t, assemble({header("002c"), kEof, kTrailer})});  // empty, 64 B §2.5
  // 9.x section order (§2.6): INS, INS_ACK, UPD, UPD_C, DEL_C, UPD_REQ, BUS, EOF.
  // 20 + 246 + 16 + 246 + 88 + 28 + 16 + 16 + 24 = 700
  f.push_back(
      {"1301/mixed", t,
       assemble({header("02bc"), "01000001", kStateTcp4_1301, "02000001", kIdTcp4Rec, "03000001",
                 kStateUdp6_1301, "04000001", kUpdCTcp4, "07000002", kIdTcp4Rec, kIdUdp6Rec,
                 "05000001", kId1400Rec, "0a000001", kBusEnd, kEof, kTrailer})});
  // No EOF at all: accepted up to len (§4.12 item 2). 20 + 4 + 12 = 36.
  f.push_back(
      {"1301/ins_ack_no_eof", EofStyle::kNone, assemble({header("0024"), "02000001", kIdTcp4Rec})});

  // 1400 framing: len = 20 + sections + 4.
  f.push_back({"1400/clr", e, assemble({header("0030"), "00000001", kClrAll, kEof})});
  f.push_back({"1400/ins", e,  // 20 + 4 + 277 + 4 = 305
               assemble({header("0131"), "0d000001", kStateTcp4_1400, kEof})});
  f.push_back({"1400/ins_ack", e, assemble({header("0028"), "02000001", kId1400Rec, kEof})});
  f.push_back({"1400/upd", e, assemble({header("0131"), "0e000001", kStateTcp4_1400, kEof})});
  f.push_back({"1400/upd_c", e,  // 20 + 4 + 168 + 4 = 196
               assemble({header("00c4"), "04000002", kUpdCTcp4, kUpdCUdp6, kEof})});
  f.push_back({"1400/upd_req", e, assemble({header("0028"), "05000001", kId1400Rec, kEof})});
  f.push_back({"1400/del_c", e,  // 20 + 4 + 24 + 4 = 52
               assemble({header("0034"), "07000002", kIdTcp4Rec, kIdUdp6Rec, kEof})});
  f.push_back({"1400/bus", e, assemble({header("0028"), "0a000001", kBusEnd, kEof})});
  f.push_back({"1400/tdb", e, assemble({header("004c"), "0b000001", kTdb, kEof})});
  f.push_back({"1400/eof", e, assemble({header("0018"), kEof})});
  // FreeBSD 14 queue order (§2.6): INS_1400, IACK, UPD_1400, UPD_C, DEL_C, UPD_REQ, BUS, EOF.
  // 20 + 281 + 16 + 281 + 88 + 28 + 16 + 16 + 4 = 750
  f.push_back({"1400/mixed", e,
               assemble({header("02ee"), "0d000001", kStateTcp4_1400, "02000001", kId1400Rec,
                         "0e000001", kStateTcp4_1400, "04000001", kUpdCTcp4, "07000002", kIdTcp4Rec,
                         kIdUdp6Rec, "05000001", kBulkReq, "0a000001", kBusStart, kEof})});
  return f;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::vector<std::byte> from_hex(std::string_view hex) {
  std::vector<std::byte> out;
  int hi = -1;
  for (char c : hex) {
    if (c == ' ') continue;
    const int d = hex_digit(c);
    if (d < 0) std::abort();
    if (hi < 0) {
      hi = d;
    } else {
      out.push_back(static_cast<std::byte>(hi << 4 | d));
      hi = -1;
    }
  }
  if (hi >= 0) std::abort();
  return out;
}

const std::vector<GoldenFrame>& all_frames() {
  static const std::vector<GoldenFrame> frames = build();
  return frames;
}

const GoldenFrame& frame(std::string_view name) {
  for (const GoldenFrame& f : all_frames()) {
    if (f.name == name) return f;
  }
  std::abort();
}

}  // namespace dpf::pfsync::golden
