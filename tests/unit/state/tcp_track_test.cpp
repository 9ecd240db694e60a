// TCP window tracking: handshake, data in and out of the window, window scaling, RST and FIN
// acceptance (scenarios of OpenBSD regress/sys/net/pf_state, rewritten as segment sequences),
// sloppy tracking and the timeout classes that result.
//
// The flow mirrors the regress setup: a client on the outside connects to a server behind pf;
// the state is created by the client's SYN filtered `in`; the server's segments go `out`.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <vector>

#include "dataplane/net/wire/headers.h"
#include "dataplane/state/tcp_track.h"

using namespace dpf::state;
using namespace dpf::wire;

namespace {

constexpr uint32_t kServerIsn = 0x10000000;

// A 20-byte TCP header followed by `opts`, padded with EOL to a multiple of 4, data offset set.
std::vector<std::byte> tcp_header(std::initializer_list<uint8_t> opts = {}) {
  std::vector<std::byte> h(20);
  for (uint8_t o : opts) h.push_back(std::byte{o});
  while (h.size() % 4) h.push_back(std::byte{0});
  h[12] = std::byte{static_cast<uint8_t>((h.size() / 4) << 4)};
  return h;
}

struct Flow {
  StatePeers peers;
  Direction state_dir = Direction::kIn;
  bool sloppy = false;
  std::vector<std::byte> hdr = tcp_header();

  static TcpSegment seg(Direction d, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                        uint32_t len, std::span<const std::byte> h) {
    TcpSegment s;
    s.dir = d;
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    s.win = win;
    s.payload_len = len;
    s.header = h;
    return s;
  }
  // The client's first SYN creates the state.
  void open(uint32_t isn, uint16_t win = 65535) {
    peers = tcp_state_create(seg(Direction::kIn, kTcpSyn, isn, 0, win, 0, hdr));
  }
  TcpResult client(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len = 0,
                   uint16_t win = 65535) {
    return tcp_track(peers, state_dir, seg(Direction::kIn, flags, seq, ack, win, len, hdr), sloppy);
  }
  TcpResult server(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len = 0,
                   uint16_t win = 65535) {
    return tcp_track(peers, state_dir, seg(Direction::kOut, flags, seq, ack, win, len, hdr),
                     sloppy);
  }
  // SYN (client isn), SYN|ACK (server isn), ACK: the regress scripts' opening.
  void handshake(uint32_t isn, uint16_t server_win = 65535) {
    open(isn);
    REQUIRE(server(kTcpSyn | kTcpAck, kServerIsn, isn + 1, 0, server_win).action ==
            TcpAction::kPass);
    REQUIRE(client(kTcpAck, isn + 1, kServerIsn + 1).action == TcpAction::kPass);
  }
};

bool passed(const TcpResult& r) {
  return r.action == TcpAction::kPass;
}
bool bad_state(const TcpResult& r) {
  return r.action == TcpAction::kDrop;
}

}  // namespace

TEST_CASE("tcp: the first SYN creates SYN_SENT:CLOSED with the window it advertised") {
  Flow f;
  f.open(1000, 29200);
  CHECK(f.peers.src.state == tcps::kSynSent);
  CHECK(f.peers.dst.state == tcps::kClosed);
  CHECK(f.peers.src.seqlo == 1000);
  CHECK(f.peers.src.seqhi == 1002);  // seq + len + 1, plus 1 for the SYN
  CHECK(f.peers.src.max_win == 29200);
  CHECK(f.peers.dst.seqhi == 1);
  CHECK(f.peers.dst.max_win == 1);
}

TEST_CASE("tcp: a three-way handshake ends ESTABLISHED:ESTABLISHED with tcp.established") {
  Flow f;
  f.open(1);
  TcpResult r = f.server(kTcpSyn | kTcpAck, kServerIsn, 2);
  CHECK(passed(r));
  CHECK(r.match == TcpMatch::kFull);
  CHECK(f.peers.src.state == tcps::kEstablished);  // the client's SYN was acked
  CHECK(f.peers.dst.state == tcps::kSynSent);
  CHECK(r.timeout == Timeout::kTcpOpening);
  CHECK_FALSE(r.conn_established);

  r = f.client(kTcpAck, 2, kServerIsn + 1);
  CHECK(passed(r));
  CHECK(r.refresh);
  CHECK(f.peers.dst.state == tcps::kEstablished);
  CHECK(r.timeout == Timeout::kTcpEstablished);
  CHECK(r.conn_established);  // where max-src-conn is counted
  CHECK(f.peers.dst.seqlo == kServerIsn + 1);
  CHECK(f.peers.src.seqhi == 2 + 65535);  // the server's ack + window
}

TEST_CASE("tcp: data up to the receiver's window passes, one byte beyond is state-mismatch") {
  Flow f;
  f.handshake(1, 1000);
  // The server acked 2 with window 1000: the client may send up to 1002.
  CHECK(bad_state(f.client(kTcpAck | kTcpPsh, 2, kServerIsn + 1, 1001)));
  CHECK(passed(f.client(kTcpAck | kTcpPsh, 2, kServerIsn + 1, 1000)));
  CHECK(f.peers.src.seqlo == 1002);
}

TEST_CASE("tcp: a FIN right after data that fills the window passes (the FIN uses no window)") {
  Flow f;
  f.handshake(1, 1000);
  const TcpResult r = f.client(kTcpAck | kTcpPsh | kTcpFin, 2, kServerIsn + 1, 1000);
  CHECK(passed(r));
  CHECK(r.match == TcpMatch::kFull);
  CHECK(f.peers.src.seqlo == 1003);  // the FIN still counts in the sequence space
  CHECK(f.peers.src.state == tcps::kClosing);
}

TEST_CASE("tcp: data in the server's direction is checked against the client's window") {
  Flow f;
  f.handshake(1);
  CHECK(passed(f.server(kTcpAck | kTcpPsh, kServerIsn + 1, 2, 65535)));
  CHECK(bad_state(f.server(kTcpAck | kTcpPsh, kServerIsn + 1 + 65535, 2, 100)));
}

TEST_CASE("tcp: a retransmission more than one window back is state-mismatch") {
  Flow f;
  f.handshake(1, 10000);
  // Advance the client far enough, with the server acking as it goes.
  uint32_t seq = 2;
  for (int i = 0; i < 4; ++i) {
    REQUIRE(passed(f.client(kTcpAck, seq, kServerIsn + 1, 5000)));
    seq += 5000;
    REQUIRE(passed(f.server(kTcpAck, kServerIsn + 1, seq, 0, 10000)));
  }
  // seqlo is now 20002 and the server's max window is 10000.
  CHECK(passed(f.client(kTcpAck, 20002 - 10000, kServerIsn + 1, 100)));
  CHECK(bad_state(f.client(kTcpAck, 20002 - 10001, kServerIsn + 1, 100)));
}

TEST_CASE("tcp: an ACK for data never sent (beyond MAXACKWINDOW) is state-mismatch") {
  Flow f;
  f.handshake(1);
  CHECK(bad_state(f.client(kTcpAck, 2, kServerIsn + 1 + kMaxAckWindow + 1)));
  CHECK(passed(f.client(kTcpAck, 2, kServerIsn + 1 + kMaxAckWindow)));
}

TEST_CASE("tcp: window scaling from both SYNs lets a scaled window carry more than 64 KB") {
  Flow f;
  const auto syn_opts = tcp_header({kTcpOptWscale, 3, 7});  // client shift 7
  f.peers = tcp_state_create(Flow::seg(Direction::kIn, kTcpSyn, 1, 0, 65535, 0, syn_opts));
  CHECK(f.peers.src.wscale == (7 | kWscaleFlag));
  CHECK(f.peers.src.max_win == 512);  // pf removes the scale from the SYN's window

  const auto synack_opts = tcp_header({kTcpOptNop, kTcpOptWscale, 3, 8});  // server shift 8
  TcpResult r = tcp_track(
      f.peers, f.state_dir,
      Flow::seg(Direction::kOut, kTcpSyn | kTcpAck, kServerIsn, 2, 65535, 0, synack_opts), false);
  REQUIRE(passed(r));
  CHECK(f.peers.dst.wscale == (8 | kWscaleFlag));
  REQUIRE(passed(f.client(kTcpAck, 2, kServerIsn + 1, 0, 1000)));  // 1000 << 7 = 128000 bytes
  // 100000 bytes in flight from the server fit the client's scaled window.
  CHECK(passed(f.server(kTcpAck, kServerIsn + 1, 2, 100000)));
  CHECK(f.peers.dst.seqlo == kServerIsn + 1 + 100000);
}

TEST_CASE("tcp: a 20 MB transfer with window scaling across the sequence wrap all passes") {
  Flow f;
  const uint32_t isn = 0xffff0000;  // the data crosses 2^32
  const auto syn_opts = tcp_header({kTcpOptMss, 4, 0x05, 0xb4, kTcpOptNop, kTcpOptWscale, 3, 7});
  f.peers = tcp_state_create(Flow::seg(Direction::kIn, kTcpSyn, isn, 0, 64240, 0, syn_opts));
  REQUIRE(passed(tcp_track(
      f.peers, f.state_dir,
      Flow::seg(Direction::kOut, kTcpSyn | kTcpAck, kServerIsn, isn + 1, 65160, 0, syn_opts),
      false)));
  REQUIRE(passed(f.client(kTcpAck, isn + 1, kServerIsn + 1, 0, 502)));

  constexpr uint32_t kTotal = 20u << 20;
  constexpr uint32_t kMss = 1448;
  constexpr uint16_t kServerWin = 24576;  // << 7: 3 MB of receive window
  constexpr uint32_t kWindowBytes = uint32_t{kServerWin} << 7;
  // The sender fills the receiver's window; ACKs arrive one round trip late, acknowledging
  // the data sent 400 segments earlier, so about 580 KB are in flight: far more than an
  // unscaled window allows. Before the first ACK only the SYN|ACK's window may be used.
  constexpr uint32_t kInFlight = 400 * kMss;
  uint32_t window = 65160;
  uint32_t sent = 0, acked = 0, segments = 0, dropped = 0;
  auto ack_upto = [&](uint32_t upto) {
    if (!passed(f.server(kTcpAck, kServerIsn + 1, isn + 1 + upto, 0, kServerWin))) ++dropped;
    acked = upto;
    window = kWindowBytes;
  };
  while (sent < kTotal) {
    const uint32_t len = std::min(kMss, kTotal - sent);
    if (sent + len - acked > window) {
      ack_upto(sent);  // blocked on the window: a round trip passes
      continue;
    }
    if (!passed(f.client(kTcpAck | kTcpPsh, isn + 1 + sent, kServerIsn + 1, len, 502))) ++dropped;
    sent += len;
    if (++segments % 2 == 0 && sent - acked > kInFlight) ack_upto(sent - kInFlight);
    if (segments % 97 == 0 && sent > 10 * kMss) {
      // A retransmission of a segment ten segments back.
      if (!passed(f.client(kTcpAck, isn + 1 + sent - 10 * kMss, kServerIsn + 1, kMss, 502)))
        ++dropped;
    }
  }
  ack_upto(sent);
  CHECK(dropped == 0);
  CHECK(f.peers.src.seqlo == isn + 1 + kTotal);
  CHECK(f.peers.src.state == tcps::kEstablished);
  CHECK(f.peers.dst.state == tcps::kEstablished);
}

TEST_CASE("tcp: a state picked up mid-stream (flags any) adapts to both sides' sequences") {
  Flow f;
  f.peers = tcp_state_create(Flow::seg(Direction::kIn, kTcpAck, 70000, 90000, 65535, 100, {}));
  CHECK(f.peers.src.state == tcps::kSynSent);
  TcpResult r = f.server(kTcpAck, 90000, 70100, 50);
  CHECK(passed(r));
  CHECK(f.peers.src.state == tcps::kEstablished);
  r = f.client(kTcpAck, 70100, 90050, 100);
  CHECK(passed(r));
  CHECK(f.peers.dst.state == tcps::kEstablished);
  CHECK(r.timeout == Timeout::kTcpEstablished);
}

TEST_CASE("tcp: without window scaling the same 100000 bytes overrun the window") {
  Flow f;
  f.handshake(1);
  REQUIRE(passed(f.client(kTcpAck, 2, kServerIsn + 1, 0, 1000)));
  CHECK(bad_state(f.server(kTcpAck, kServerIsn + 1, 2, 100000)));
}

TEST_CASE("tcp: window scaling offered by one side only is switched off for both") {
  Flow f;
  const auto syn_opts = tcp_header({kTcpOptWscale, 3, 7});
  f.peers = tcp_state_create(Flow::seg(Direction::kIn, kTcpSyn, 1, 0, 65535, 0, syn_opts));
  REQUIRE(passed(f.server(kTcpSyn | kTcpAck, kServerIsn, 2)));  // no wscale option
  CHECK(f.peers.src.wscale == 0);
  CHECK(f.peers.src.max_win == 65535);  // min(TCP_MAXWIN, 512 << 7)
  CHECK(f.peers.dst.wscale == 0);
}

TEST_CASE("tcp: a SYN|ACK with a wrong ack during the handshake is answered with an RST") {
  Flow f;
  f.open(1);
  const TcpResult r = f.server(kTcpSyn | kTcpAck, kServerIsn, 1 + kMaxAckWindow + 10);
  CHECK(bad_state(r));
  CHECK(r.reply.kind == TcpReply::Kind::kRst);
  CHECK(r.reply.seq == 1 + kMaxAckWindow + 10);  // the RST carries the segment's ack as seq
  // The server's side is reset so that a correct SYN|ACK can still open the connection.
  CHECK(f.peers.dst.seqlo == 0);
  CHECK(f.peers.dst.seqhi == 1);
  CHECK(passed(f.server(kTcpSyn | kTcpAck, kServerIsn, 2)));
}

// regress pf_state/challenge_ack.py: a SYN on an established connection is dropped and pf
// answers on the server's behalf with an ACK carrying the server's sequence number.
TEST_CASE("tcp: challenge_ack - a SYN on an established state gets a challenge ACK") {
  Flow f;
  f.handshake(1);
  const StatePeers before = f.peers;
  const TcpResult r = f.client(kTcpSyn, 1000000, 0);
  CHECK(r.action == TcpAction::kDrop);
  CHECK(r.reply.kind == TcpReply::Kind::kChallengeAck);
  CHECK(r.reply.flags == kTcpAck);
  CHECK(r.reply.seq == kServerIsn + 1);
  CHECK(r.reply.ack == 1);  // the client's tracked seqlo
  CHECK(f.peers == before);
}

// regress pf_state/beforegap_rst.py: data after a gap advances seqlo; an RST|ACK at the end of
// the data before the gap, acking exactly what the server sent, is accepted and ends the state.
TEST_CASE("tcp: beforegap_rst - an RST|ACK behind seqlo with a perfect ack is accepted") {
  Flow f;
  f.handshake(1);
  REQUIRE(passed(f.client(kTcpAck | kTcpPsh, 2 + 16, kServerIsn + 1, 8)));  // after the gap
  REQUIRE(passed(f.server(kTcpAck, kServerIsn + 1, 2)));
  REQUIRE(passed(f.client(kTcpAck | kTcpPsh, 2, kServerIsn + 1, 8)));  // before the gap
  REQUIRE(passed(f.server(kTcpAck, kServerIsn + 1, 10)));
  REQUIRE(f.peers.src.seqlo == 26);

  const TcpResult r = f.client(kTcpAck | kTcpRst, 2 + 8, kServerIsn + 1);
  CHECK(passed(r));
  CHECK(f.peers.src.state == tcps::kTimeWait);
  CHECK(f.peers.dst.state == tcps::kTimeWait);
  CHECK(r.timeout == Timeout::kTcpClosed);

  // The regress then reopens with a new SYN on the same ports: the old state gives way.
  CHECK(f.client(kTcpSyn, (1u << 24) + 1, 0).action == TcpAction::kPurgeAndEvaluate);
}

TEST_CASE("tcp: an RST|ACK behind seqlo with an ack that is not exact is state-mismatch") {
  Flow f;
  f.handshake(1);
  REQUIRE(passed(f.client(kTcpAck | kTcpPsh, 2 + 16, kServerIsn + 1, 8)));
  CHECK(bad_state(f.client(kTcpAck | kTcpRst, 2 + 8, kServerIsn)));
  CHECK(f.peers.src.state == tcps::kEstablished);
}

// regress pf_state/fakeack_rst.py: an RST|ACK with ack 0 within the backwards window must not be
// believed (pf substitutes ack 0, which would look like a perfect ack); the connection survives
// and a bogus SYN still draws a challenge ACK.
TEST_CASE("tcp: fakeack_rst - an RST|ACK with ack 0 behind seqlo does not kill the state") {
  Flow f;
  const uint32_t isn = 1u << 24;
  const uint16_t server_win = 65535;
  f.handshake(isn, server_win);
  const uint32_t old_seq = isn - server_win / 2;
  CHECK(bad_state(f.client(kTcpAck | kTcpRst, old_seq, 0)));
  CHECK(f.peers.src.state == tcps::kEstablished);
  CHECK(f.peers.dst.state == tcps::kEstablished);

  const TcpResult r = f.client(kTcpSyn, 1, 0);
  CHECK(r.reply.kind == TcpReply::Kind::kChallengeAck);
  CHECK(r.reply.seq == kServerIsn + 1);
  CHECK(r.reply.ack == isn);
}

TEST_CASE("tcp: an RST exactly at seqlo (or one off) is accepted without an ACK") {
  for (uint32_t delta : {0u, 1u}) {
    Flow f;
    f.handshake(1);
    REQUIRE(passed(f.client(kTcpAck, 2, kServerIsn + 1, 10)));  // seqlo 12
    CHECK(passed(f.client(kTcpRst, 12 + delta, 0)));
    CHECK(f.peers.src.state == tcps::kTimeWait);
  }
  Flow f;
  f.handshake(1);
  REQUIRE(passed(f.client(kTcpAck, 2, kServerIsn + 1, 10)));
  CHECK(passed(f.client(kTcpRst, 11, 0)));
}

TEST_CASE("tcp: a blind RST inside the window but off seqlo is state-mismatch") {
  Flow f;
  f.handshake(1);
  REQUIRE(passed(f.client(kTcpAck, 2, kServerIsn + 1, 10)));
  CHECK(bad_state(f.client(kTcpRst, 500, 0)));
  CHECK(bad_state(f.server(kTcpRst, kServerIsn + 300, 0)));
  CHECK(f.peers.src.state == tcps::kEstablished);
  CHECK(f.peers.dst.state == tcps::kEstablished);
}

// regress pf_state/lessseq_fin.py: a FIN inside already sent data passes; seqlo stays at the end
// of the data and the server's ACK of all data still passes.
TEST_CASE("tcp: lessseq_fin - a FIN below seqlo passes and does not move seqlo back") {
  Flow f;
  f.handshake(1);
  REQUIRE(passed(f.client(kTcpAck | kTcpPsh, 2, kServerIsn + 1, 16)));
  REQUIRE(passed(f.server(kTcpAck, kServerIsn + 1, 18)));
  const TcpResult r = f.client(kTcpAck | kTcpFin, 2 + 8, kServerIsn + 1);
  CHECK(passed(r));
  CHECK(f.peers.src.seqlo == 18);
  CHECK(f.peers.src.state == tcps::kClosing);
  CHECK(passed(f.server(kTcpAck, kServerIsn + 1, 18)));
}

// regress pf_state/negack_fin.py: a FIN acking less than the server sent passes (within
// MAXACKWINDOW), and the server's ACK of the FIN passes.
TEST_CASE("tcp: negack_fin - a FIN with an ack below the peer's seqlo passes") {
  Flow f;
  f.handshake(1);
  CHECK(passed(f.client(kTcpAck | kTcpFin, 2, kServerIsn + 1 - 5)));
  CHECK(f.peers.src.state == tcps::kClosing);
  CHECK(passed(f.server(kTcpAck, kServerIsn + 1, 3)));
  CHECK(f.peers.src.state == tcps::kFinWait2);
}

TEST_CASE("tcp: a FIN acking more than a window below the peer's seqlo is state-mismatch") {
  Flow f;
  f.handshake(1);
  CHECK(bad_state(f.client(kTcpAck | kTcpFin, 2, kServerIsn + 1 - kMaxAckWindow - 1)));
  CHECK(f.peers.src.state == tcps::kEstablished);
}

// regress pf_state/posack_fin.py: a FIN acking data the server has not sent yet passes as long as
// it stays within MAXACKWINDOW.
TEST_CASE("tcp: posack_fin - a FIN with an ack beyond the peer's seqlo passes within bounds") {
  Flow f;
  f.handshake(1);
  CHECK(passed(f.client(kTcpAck | kTcpFin, 2, kServerIsn + 1 + 5)));
  CHECK(f.peers.src.state == tcps::kClosing);
  CHECK(passed(f.server(kTcpAck, kServerIsn + 1, 3)));

  Flow g;
  g.handshake(1);
  CHECK(bad_state(g.client(kTcpAck | kTcpFin, 2, kServerIsn + 1 + kMaxAckWindow + 1)));
}

TEST_CASE("tcp: a full close walks CLOSING, FIN_WAIT_2 and picks each timeout class") {
  Flow f;
  f.handshake(1);
  TcpResult r = f.client(kTcpAck | kTcpFin, 2, kServerIsn + 1);
  CHECK(r.timeout == Timeout::kTcpClosing);
  r = f.server(kTcpAck, kServerIsn + 1, 3);
  CHECK(f.peers.src.state == tcps::kFinWait2);
  CHECK(r.timeout == Timeout::kTcpClosing);
  r = f.server(kTcpAck | kTcpFin, kServerIsn + 1, 3);
  CHECK(f.peers.dst.state == tcps::kClosing);
  CHECK(r.timeout == Timeout::kTcpFinWait);
  r = f.client(kTcpAck, 3, kServerIsn + 2);
  CHECK(f.peers.dst.state == tcps::kFinWait2);
  CHECK(r.timeout == Timeout::kTcpClosed);
}

TEST_CASE("tcp: a stray FIN after both sides closed passes loosely without refreshing") {
  Flow f;
  f.handshake(1);
  REQUIRE(passed(f.client(kTcpAck | kTcpFin, 2, kServerIsn + 1)));
  REQUIRE(passed(f.server(kTcpAck | kTcpFin, kServerIsn + 1, 3)));
  REQUIRE(passed(f.client(kTcpAck, 3, kServerIsn + 2)));
  // A far-off retransmission that fails the exact window but lies within MAXACKWINDOW.
  const TcpResult r = f.server(kTcpAck | kTcpFin, kServerIsn + 1, 3 + kMaxAckWindow + 100);
  CHECK(passed(r));
  CHECK(r.match == TcpMatch::kLoose);
  CHECK_FALSE(r.refresh);
}

TEST_CASE("tcp: a SYN on a state closed on both sides is handed back to the rules") {
  Flow f;
  f.handshake(1);
  REQUIRE(passed(f.client(kTcpAck | kTcpRst, 2, kServerIsn + 1)));
  CHECK(f.client(kTcpSyn, 5000, 0).action == TcpAction::kPurgeAndEvaluate);
  // A SYN|ACK is not a new connection attempt.
  CHECK(f.client(kTcpSyn | kTcpAck, 5000, 0).action != TcpAction::kPurgeAndEvaluate);
}

TEST_CASE("tcp: sloppy tracking ignores sequence numbers and follows flags only") {
  Flow f;
  f.sloppy = true;
  f.open(1);
  // Only the client's half is seen: its ACK after the SYN establishes both sides.
  TcpResult r = f.client(kTcpAck, 2, 12345);
  CHECK(passed(r));
  CHECK(r.match == TcpMatch::kSloppy);
  CHECK(f.peers.src.state == tcps::kEstablished);
  CHECK(f.peers.dst.state == tcps::kEstablished);
  CHECK(r.timeout == Timeout::kTcpEstablished);
  // Data far outside any window passes.
  CHECK(passed(f.client(kTcpAck, 0x7fffffff, 1, 1000)));
  CHECK(passed(f.client(kTcpRst, 42, 0)));
  CHECK(f.peers.src.state == tcps::kTimeWait);
}

TEST_CASE("tcp: sloppy tracking closes a half connection whose other FIN is never seen") {
  Flow f;
  f.sloppy = true;
  f.open(1);
  REQUIRE(passed(f.client(kTcpAck, 2, 1)));
  REQUIRE(passed(f.client(kTcpAck | kTcpFin, 2, 1)));
  CHECK(f.peers.src.state == tcps::kClosing);
  CHECK(f.peers.dst.state == tcps::kClosing);  // dst never spoke (seqlo 0)
  const TcpResult r = f.client(kTcpAck, 3, 1);
  CHECK(r.timeout == Timeout::kTcpFinWait);
}

TEST_CASE("tcp: the same segment on a full state is dropped where sloppy passes it") {
  Flow full;
  full.handshake(1);
  Flow sloppy;
  sloppy.sloppy = true;
  sloppy.handshake(1);
  CHECK(bad_state(full.client(kTcpAck, 0x40000000, kServerIsn + 1, 10)));
  CHECK(passed(sloppy.client(kTcpAck, 0x40000000, kServerIsn + 1, 10)));
}

TEST_CASE("tcp: the timeout class follows pf's order of peer-state conditions") {
  auto peer = [](uint8_t s) {
    StatePeer p;
    p.state = s;
    return p;
  };
  CHECK(tcp_timeout_for(peer(tcps::kTimeWait), peer(tcps::kFinWait2)) == Timeout::kTcpClosed);
  CHECK(tcp_timeout_for(peer(tcps::kClosing), peer(tcps::kFinWait2)) == Timeout::kTcpFinWait);
  CHECK(tcp_timeout_for(peer(tcps::kSynSent), peer(tcps::kClosing)) == Timeout::kTcpOpening);
  CHECK(tcp_timeout_for(peer(tcps::kEstablished), peer(tcps::kClosing)) == Timeout::kTcpClosing);
  CHECK(tcp_timeout_for(peer(tcps::kEstablished), peer(tcps::kEstablished)) ==
        Timeout::kTcpEstablished);
}

TEST_CASE("tcp: peer state names are the ones pfctl prints") {
  CHECK(std::string_view(tcp_state_name(tcps::kEstablished)) == "ESTABLISHED");
  CHECK(std::string_view(tcp_state_name(tcps::kFinWait2)) == "FIN_WAIT_2");
  CHECK(std::string_view(tcp_state_name(tcps::kSynReceived)) == "SYN_RCVD");
  CHECK(std::string_view(tcp_state_name(200)) == "UNKNOWN");
}

TEST_CASE("tcp: a modulated state demodulates the ack and asks for the rewrite") {
  Flow f;
  f.handshake(1);
  f.peers.src.seqdiff = 1000;  // as a pfsync peer's modulate state would carry it
  f.peers.dst.seqdiff = 0;
  const TcpResult r = f.client(kTcpAck, 2, kServerIsn + 1, 10);
  CHECK(passed(r));
  CHECK(r.rewrite);
  CHECK(r.out_seq == 1002);
  CHECK(r.out_ack == kServerIsn + 1);
}
