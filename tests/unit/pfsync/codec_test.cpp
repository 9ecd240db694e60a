// Decoding the golden frames: the fields they were assembled from come back, and re-encoding the
// decoded messages gives the same bytes.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "tests/unit/pfsync/codec_test_util.h"
#include "tests/unit/pfsync/golden_frames.h"

namespace dpf::pfsync {
namespace {

using golden::frame;
using test::decode;

Addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return Addr{a, b, c, d};
}

const Message& only_message(const test::Decoded& d) {
  REQUIRE(d.collector.messages.size() == 1);
  return d.collector.messages[0];
}

TEST_CASE("pfsync golden: each frame's header len equals its size and it decodes cleanly") {
  for (const auto& g : golden::all_frames()) {
    INFO(std::string(g.name));
    REQUIRE(g.bytes.size() >= sizeof(layout::Header));
    const size_t len =
        std::to_integer<size_t>(g.bytes[2]) << 8 | std::to_integer<size_t>(g.bytes[3]);
    CHECK(len == g.bytes.size());
    const auto d = decode(g.bytes);
    CHECK(d.result.ok());
    CHECK(d.result.badval == 0);
    CHECK(test::frame_errors(d.stats) == 0);
    CHECK(d.stats.badval == 0);
    CHECK(d.result.offset == g.bytes.size());
    CHECK(d.result.eof == (g.eof != EofStyle::kNone));
  }
}

TEST_CASE("pfsync golden: encode(decode(x)) reproduces every golden frame byte for byte") {
  for (const auto& g : golden::all_frames()) {
    INFO(std::string(g.name));
    const auto d = decode(g.bytes);
    REQUIRE(d.result.ok());
    CHECK(test::encode(d.collector, g.eof) == g.bytes);
  }
}

TEST_CASE("pfsync golden: every message type appears in both the 1301 and the 1400 set") {
  std::set<uint8_t> seen1301, seen1400;
  for (const auto& g : golden::all_frames()) {
    auto& seen = g.name.substr(0, 4) == "1301" ? seen1301 : seen1400;
    for (const auto& m : decode(g.bytes).collector.messages) seen.insert(uint8_t(m.action));
  }
  CHECK(seen1301 == std::set<uint8_t>{0, 1, 2, 3, 4, 5, 6, 7, 10, 11});
  CHECK(seen1400 == std::set<uint8_t>{0, 2, 4, 5, 7, 10, 11, 13, 14});
}

TEST_CASE("pfsync decode: the header's checksum and len reach the visitor") {
  const auto d = decode(frame("1301/eof").bytes);
  CHECK(d.collector.header.version == 5);
  CHECK(d.collector.header.len == 44);
  CHECK(d.collector.header.pfcksum[0] == 0xd4);
  CHECK(d.collector.header.pfcksum[15] == 0x7e);
  CHECK(d.collector.messages.empty());
}

TEST_CASE("pfsync decode: a 1301 INS yields every field of the TCP/IPv4 state") {
  const auto d = decode(frame("1301/ins").bytes);
  const Message& m = only_message(d);
  CHECK(m.action == Action::kIns);
  const auto& s = std::get<StateMsg>(m.body);
  CHECK(s.format == StateFormat::k1301);
  CHECK(s.id == golden::kIdTcp4);
  CHECK(s.creatorid == golden::kCreatorA);
  CHECK(ifname_view(s.ifname) == "em0");
  CHECK(s.key[kKeyWire].addr[0] == v4(198, 51, 100, 7));
  CHECK(s.key[kKeyWire].addr[1] == v4(203, 0, 113, 10));
  CHECK(s.key[kKeyWire].port == std::array<uint16_t, 2>{49152, 80});
  CHECK(s.key[kKeyStack].addr[1] == v4(10, 0, 0, 10));
  CHECK(s.key[kKeyStack].port == std::array<uint16_t, 2>{49152, 8080});
  CHECK(s.src.scrub == ScrubMsg{kScrubTimestamp, 64, kScrubFlagValid, 0x01020304});
  CHECK(s.src.seqlo == 0x11223344);
  CHECK(s.src.seqhi == 0x11230000);
  CHECK(s.src.max_win == 65535);
  CHECK(s.src.mss == 1460);
  CHECK(s.src.state == kTcpsEstablished);
  CHECK(s.src.wscale == (kWscaleFlag | 7));
  CHECK(s.dst.scrub == ScrubMsg{});
  CHECK(s.dst.seqlo == 0xa0b0c0d0);
  CHECK(s.dst.max_win == 29200);
  CHECK(s.rt_addr == Addr{});
  CHECK(s.rule == 3);
  CHECK(s.anchor == kRuleNone);
  CHECK(s.nat_rule == 1);
  CHECK(s.creation == 120);
  CHECK(s.expire == 86340);
  CHECK(s.packets == std::array<uint64_t, 2>{10, 8});
  CHECK(s.bytes == std::array<uint64_t, 2>{0x100000010ull, 4096});
  CHECK(s.af == AddressFamily::kInet);
  CHECK(s.proto == 6);
  CHECK(s.direction == Direction::kIn);
  CHECK(s.log == 1);
  CHECK(s.state_flags == 0);
  CHECK(s.timeout == 2);
  CHECK(s.rtableid == 0);  // 1400-only fields stay zero
  CHECK(d.stats.iacts[1] == 1);
  CHECK(d.stats.iacts[12] == 1);
}

TEST_CASE("pfsync decode: a 1301 UPD carries an IPv6 UDP state with FreeBSD's AF_INET6") {
  const auto d = decode(frame("1301/upd").bytes);
  const Message& m = only_message(d);
  CHECK(m.action == Action::kUpd);
  const auto& s = std::get<StateMsg>(m.body);
  CHECK(s.id == golden::kIdUdp6);
  CHECK(ifname_view(s.ifname) == "vtnet0");
  CHECK(s.af == AddressFamily::kInet6);
  CHECK(s.proto == 17);
  CHECK(s.direction == Direction::kOut);
  const Addr dns{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};
  CHECK(s.key[kKeyWire].addr[0] == dns);
  CHECK(s.key[kKeyStack] == s.key[kKeyWire]);
  CHECK(s.key[kKeyWire].port == std::array<uint16_t, 2>{53, 40000});
  CHECK(s.src.state == 2);
  CHECK(s.dst.state == 1);
  CHECK(s.timeout == 8);
  CHECK(s.nat_rule == kRuleNone);
  CHECK(s.bytes == std::array<uint64_t, 2>{152, 180});
}

TEST_CASE("pfsync decode: a 1301 DEL hands the full state to on_state as DEL") {
  const auto d = decode(frame("1301/del").bytes);
  const Message& m = only_message(d);
  CHECK(m.action == Action::kDel);
  CHECK(std::get<StateMsg>(m.body).id == golden::kIdTcp4);
}

TEST_CASE("pfsync decode: a 1400 INS yields the 16-bit flags and the 1400-only fields") {
  const auto d = decode(frame("1400/ins").bytes);
  const Message& m = only_message(d);
  CHECK(m.action == Action::kIns1400);
  const auto& s = std::get<StateMsg>(m.body);
  CHECK(s.format == StateFormat::k1400);
  CHECK(s.id == golden::kIdTcp4_1400);
  CHECK(s.creatorid == golden::kCreatorB);
  CHECK(ifname_view(s.ifname) == "igb1");
  CHECK(s.direction == Direction::kOut);
  CHECK(s.src.state == kTcpsSynSent);
  CHECK(s.rt_addr == v4(192, 0, 2, 254));
  CHECK(s.state_flags == 0x0102);
  CHECK(s.timeout == 0);
  CHECK(s.qid == 5);
  CHECK(s.pqid == 6);
  CHECK(s.dnpipe == 0);
  CHECK(s.rtableid == -1);
  CHECK(s.min_ttl == 32);
  CHECK(s.set_tos == 0x10);
  CHECK(s.max_mss == 1400);
  CHECK(s.set_prio == std::array<uint8_t, 2>{3, 5});
  CHECK(s.rt == 1);
  CHECK(ifname_view(s.rt_ifname) == "igb2");
  CHECK(d.stats.iacts[13] == 1);
}

TEST_CASE("pfsync decode: a 1400 UPD is reported as UPD_1400") {
  const auto d_m = decode(frame("1400/upd").bytes);
  const Message& m = only_message(d_m);
  CHECK(m.action == Action::kUpd1400);
  CHECK(std::get<StateMsg>(m.body).format == StateFormat::k1400);
}

TEST_CASE("pfsync decode: CLR gives the interface name and the creator to clear") {
  const auto a = std::get<ClrMsg>(only_message(decode(frame("1301/clr").bytes)).body);
  CHECK(ifname_view(a.ifname) == "em0");
  CHECK(a.creatorid == golden::kCreatorA);
  const auto b = std::get<ClrMsg>(only_message(decode(frame("1400/clr").bytes)).body);
  CHECK(ifname_view(b.ifname).empty());
  CHECK(b.creatorid == golden::kCreatorB);
}

TEST_CASE("pfsync decode: INS_ACK, UPD_REQ and DEL_C give (id, creatorid) pairs") {
  const auto d_ack = decode(frame("1301/ins_ack").bytes);
  const Message& ack = only_message(d_ack);
  CHECK(ack.action == Action::kInsAck);
  CHECK(std::get<IdMsg>(ack.body) == IdMsg{golden::kIdTcp4, golden::kCreatorA});
  const auto d_bulk = decode(frame("1301/upd_req").bytes);
  const Message& bulk = only_message(d_bulk);
  CHECK(bulk.action == Action::kUpdReq);
  CHECK(std::get<IdMsg>(bulk.body) == IdMsg{0, 0});
  const auto d_req = decode(frame("1400/upd_req").bytes);
  const Message& req = only_message(d_req);
  CHECK(std::get<IdMsg>(req.body) == IdMsg{golden::kIdTcp4_1400, golden::kCreatorB});
  const auto d = decode(frame("1301/del_c").bytes);
  REQUIRE(d.collector.messages.size() == 2);
  CHECK(d.collector.messages[0].action == Action::kDelC);
  CHECK(std::get<IdMsg>(d.collector.messages[1].body) == IdMsg{golden::kIdUdp6, golden::kCreatorA});
  CHECK(d.stats.iacts[7] == 2);
}

TEST_CASE("pfsync decode: UPD_C gives both peers, expire and timeout of each record") {
  const auto d = decode(frame("1301/upd_c").bytes);
  REQUIRE(d.collector.messages.size() == 2);
  const auto& tcp = std::get<UpdCMsg>(d.collector.messages[0].body);
  CHECK(tcp.id == golden::kIdTcp4);
  CHECK(tcp.creatorid == golden::kCreatorA);
  CHECK(tcp.src.seqlo == 0x11224000);
  CHECK(tcp.src.seqhi == 0x11230500);
  CHECK(tcp.src.scrub.ts_mod == 0x01020304);
  CHECK(tcp.dst.seqlo == 0xa0b0c100);
  CHECK(tcp.dst.state == kTcpsEstablished);
  CHECK(tcp.expire == 86399);
  CHECK(tcp.timeout == 2);
  const auto& udp = std::get<UpdCMsg>(d.collector.messages[1].body);
  CHECK(udp.id == golden::kIdUdp6);
  CHECK(udp.expire == 0);
  CHECK(udp.src.state == 2);
  CHECK(udp.timeout == 8);
}

TEST_CASE("pfsync decode: BUS gives creator, endtime and start or end") {
  const auto start = std::get<BusMsg>(only_message(decode(frame("1301/bus").bytes)).body);
  CHECK(start == BusMsg{golden::kCreatorA, 0, kBusStart});
  const auto end = std::get<BusMsg>(only_message(decode(frame("1400/bus").bytes)).body);
  CHECK(end == BusMsg{golden::kCreatorB, 7, kBusEnd});
}

TEST_CASE("pfsync decode: TDB is decoded by its 48-byte FreeBSD layout") {
  const auto t = std::get<TdbMsg>(only_message(decode(frame("1301/tdb").bytes)).body);
  CHECK(t.spi == 0x1001);
  CHECK(t.dst[0] == 16);  // sin_len
  CHECK(t.dst[1] == 2);   // AF_INET
  CHECK(t.dst[4] == 192);
  CHECK(t.rpl == 100);
  CHECK(t.cur_bytes == 0x12345);
  CHECK(t.sproto == 50);
  CHECK(t.updates == 1);
}

TEST_CASE("pfsync decode: EOF reports whether the 9.x trailer followed") {
  const auto nine = decode(frame("1301/eof").bytes);
  REQUIRE(nine.collector.eof.has_value());
  CHECK(nine.collector.eof->trailer);
  const auto fourteen = decode(frame("1400/eof").bytes);
  REQUIRE(fourteen.collector.eof.has_value());
  CHECK_FALSE(fourteen.collector.eof->trailer);
  const auto none = decode(frame("1301/ins_ack_no_eof").bytes);
  CHECK(none.result.ok());
  CHECK_FALSE(none.collector.eof.has_value());
  CHECK(none.collector.messages.size() == 1);
}

TEST_CASE("pfsync decode: sections of a mixed frame arrive in wire order") {
  const auto d9 = decode(frame("1301/mixed").bytes);
  std::vector<Action> got;
  for (const auto& m : d9.collector.messages) got.push_back(m.action);
  CHECK(got == std::vector<Action>{Action::kIns, Action::kInsAck, Action::kUpd, Action::kUpdC,
                                   Action::kDelC, Action::kDelC, Action::kUpdReq, Action::kBus});
  const auto d14 = decode(frame("1400/mixed").bytes);
  got.clear();
  for (const auto& m : d14.collector.messages) got.push_back(m.action);
  CHECK(got == std::vector<Action>{Action::kIns1400, Action::kInsAck, Action::kUpd1400,
                                   Action::kUpdC, Action::kDelC, Action::kDelC, Action::kUpdReq,
                                   Action::kBus});
  CHECK(d14.result.records == 8);
}

TEST_CASE("pfsync names: actions use pf's names and unknown numbers say so") {
  CHECK(action_name(0) == "CLR");
  CHECK(action_name(4) == "UPD_C");
  CHECK(action_name(12) == "EOF");
  CHECK(action_name(14) == "UPD_1400");
  CHECK(action_name(15) == "unknown");
  CHECK(frame_error_name(FrameError::kShortSection) == "short-section");
}

TEST_CASE("pfsync stats: the name table lists each pfsyncstats counter once") {
  std::set<std::string_view> names;
  Stats s;
  for (const auto& f : kStatFields) {
    names.insert(f.name);
    ++(s.*f.field);
  }
  CHECK(names.size() == kStatFields.size());
  CHECK(s.badttl == 1);
  CHECK(s.oerrors == 1);
  CHECK(s.badauth == 1);
}

TEST_CASE("pfsync names: make_ifname pads with NULs and keeps room for the terminator") {
  CHECK(ifname_view(make_ifname("em0")) == "em0");
  const IfName longname = make_ifname("abcdefghijklmnopqrst");
  CHECK(ifname_view(longname) == "abcdefghijklmno");
  IfName full;
  full.fill('x');
  CHECK(ifname_view(full).size() == 16);
}

}  // namespace
}  // namespace dpf::pfsync
