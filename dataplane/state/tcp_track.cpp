#include "dataplane/state/tcp_track.h"

#include <algorithm>
#include <iterator>

#include "dataplane/state/tcp_options.h"

namespace dpf::state {

const char* tcp_state_name(uint8_t state) noexcept {
  // pfctl's tcpstates[] (netinet/tcp_fsm.h), plus its synproxy spellings.
  static constexpr const char* kNames[] = {
      "CLOSED",  "LISTEN",   "SYN_SENT",   "SYN_RCVD",  "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_1",
      "CLOSING", "LAST_ACK", "FIN_WAIT_2", "TIME_WAIT", "PROXY:SRC",   "PROXY:DST",
  };
  return state < std::size(kNames) ? kNames[state] : "UNKNOWN";
}

Timeout tcp_timeout_for(const StatePeer& a, const StatePeer& b) noexcept {
  if (a.state >= tcps::kFinWait2 && b.state >= tcps::kFinWait2) return Timeout::kTcpClosed;
  if (a.state >= tcps::kClosing && b.state >= tcps::kClosing) return Timeout::kTcpFinWait;
  if (a.state < tcps::kEstablished || b.state < tcps::kEstablished) return Timeout::kTcpOpening;
  if (a.state >= tcps::kClosing || b.state >= tcps::kClosing) return Timeout::kTcpClosing;
  return Timeout::kTcpEstablished;
}

StatePeers tcp_state_create(const TcpSegment& seg) noexcept {
  StatePeers p;
  StatePeer& src = p.src;
  src.seqlo = seg.seq;
  src.seqhi = seg.seq + seg.payload_len + 1;
  if (seg.flags & wire::kTcpSyn) {
    src.seqhi++;
    src.wscale = parse_tcp_options(seg.header).wscale;
  }
  uint32_t win = std::max<uint32_t>(seg.win, 1);
  if (const uint8_t shift = wscale_shift(src.wscale); shift != 0) {
    // Remove the scale factor from the initial window, rounding up.
    win = (win + (1u << shift) - 1) >> shift;
  }
  src.max_win = static_cast<uint16_t>(win);
  if (seg.flags & wire::kTcpFin) src.seqhi++;
  src.state = tcps::kSynSent;
  p.dst.seqhi = 1;
  p.dst.max_win = 1;
  p.dst.state = tcps::kClosed;
  return p;
}

namespace {

// The numbers pf_tcp_track_full works with for one segment.
struct Seg {
  uint32_t seq = 0;        // after easing for zero-length segments
  uint32_t orig_seq = 0;   // as on the wire
  uint32_t ack = 0;        // demodulated, or substituted by dst.seqlo
  bool ack_faked = false;  // `ack` was substituted: it proves nothing about the sender
  uint32_t end = 0;        // seq + len + SYN + FIN
  uint32_t data_end = 0;   // end without the FIN (OpenBSD checks the window against this)
  uint32_t win = 0;        // window, unscaled on a first SYN that negotiates scaling
  uint8_t sws = 0;
  uint8_t dws = 0;
  int32_t ackskew = 0;
};

// First packet from this end (src.seqlo == 0): record window scaling from its SYN and open the
// window the other side allows it.
void setup_first_packet(StatePeer& src, StatePeer& dst, const TcpSegment& seg, Seg& s) noexcept {
  s.ack = seg.ack - dst.seqdiff;
  s.end = s.seq + seg.payload_len;
  if (seg.flags & wire::kTcpSyn) {
    s.end++;
    if (dst.wscale & kWscaleFlag) {
      src.wscale = parse_tcp_options(seg.header).wscale;
      if (src.wscale & kWscaleFlag) {
        s.sws = wscale_shift(src.wscale);
        s.win = (s.win + (1u << s.sws) - 1) >> s.sws;
        s.dws = wscale_shift(dst.wscale);
      } else {
        // The other side offered scaling, this one did not: scaling is off both ways.
        const uint32_t widened = static_cast<uint32_t>(dst.max_win) << wscale_shift(dst.wscale);
        dst.max_win = static_cast<uint16_t>(std::min(kTcpMaxWin, widened));
        dst.wscale = 0;
      }
    }
  }
  s.data_end = s.end;
  if (seg.flags & wire::kTcpFin) s.end++;

  src.seqlo = s.seq;
  if (src.state < tcps::kSynSent) src.state = tcps::kSynSent;
  // Slide the window open (seqhi may be stale after a pick-up or a handshake reset).
  const uint32_t allowed = std::max<uint32_t>(1, static_cast<uint32_t>(dst.max_win) << s.dws);
  if (src.seqhi == 1 || seq_geq(s.end + allowed, src.seqhi)) src.seqhi = s.end + allowed;
  if (s.win > src.max_win) src.max_win = static_cast<uint16_t>(s.win);
}

Seg prepare(StatePeer& src, StatePeer& dst, const TcpSegment& seg) noexcept {
  Seg s;
  if (src.wscale && dst.wscale && !(seg.flags & wire::kTcpSyn)) {
    s.sws = wscale_shift(src.wscale);
    s.dws = wscale_shift(dst.wscale);
  }
  s.orig_seq = s.seq = seg.seq;
  s.win = seg.win;
  if (src.seqlo == 0) {
    setup_first_packet(src, dst, seg, s);
  } else {
    s.ack = seg.ack - dst.seqdiff;
    s.end = s.seq + seg.payload_len;
    if (seg.flags & wire::kTcpSyn) s.end++;
    s.data_end = s.end;
    if (seg.flags & wire::kTcpFin) s.end++;
  }

  // Without a usable ack, let the ack-skew check pass: no ACK flag, an RST|ACK with ack 0
  // (stacks send that when a SYN timed out), or a peer that has not spoken yet.
  if (!(seg.flags & wire::kTcpAck) ||
      (s.ack == 0 &&
       (seg.flags & (wire::kTcpAck | wire::kTcpRst)) == (wire::kTcpAck | wire::kTcpRst)) ||
      dst.state < tcps::kSynSent) {
    s.ack = dst.seqlo;
    s.ack_faked = true;
  }
  if (s.seq == s.end) {
    // Zero-length segments (pure ACKs, keep-alives) are checked at seqlo.
    s.seq = src.seqlo;
    s.data_end = s.end = s.seq;
  }
  s.ackskew = static_cast<int32_t>(dst.seqlo - s.ack);
  return s;
}

// An RST is only believed at the exact sequence (seqlo - 1 .. seqlo + 1), or, RFC 5961 style,
// anywhere in the window behind seqlo when it is an RST|ACK acknowledging exactly what the other
// side sent. A substituted ack does not count as exact (OpenBSD regress pf_state/fakeack_rst).
bool rst_acceptable(const StatePeer& src, const StatePeer& dst, const TcpSegment& seg,
                    const Seg& s) noexcept {
  if (!(seg.flags & wire::kTcpRst)) return true;
  if (s.orig_seq == src.seqlo || s.orig_seq == src.seqlo + 1 || s.orig_seq + 1 == src.seqlo)
    return true;
  const uint32_t window = static_cast<uint32_t>(dst.max_win) << s.dws;
  return seq_geq(s.orig_seq, src.seqlo - window) && seq_leq(s.orig_seq, src.seqlo + 1) &&
         s.ackskew == 0 && !s.ack_faked &&
         (seg.flags & (wire::kTcpAck | wire::kTcpRst)) == (wire::kTcpAck | wire::kTcpRst);
}

bool full_match(const StatePeer& src, const StatePeer& dst, const TcpSegment& seg,
                const Seg& s) noexcept {
  const uint32_t window = static_cast<uint32_t>(dst.max_win) << s.dws;
  return seq_geq(src.seqhi, s.data_end) &&         // data fits the receiver's window
         seq_geq(s.seq, src.seqlo - window) &&     // not more than one window back
         s.ackskew >= -kMaxAckWindow &&            // acks nothing far beyond what was sent
         s.ackskew <= (kMaxAckWindow << s.sws) &&  // acks nothing more than a window back
         rst_acceptable(src, dst, seg, s);
}

// Handshake pick-ups, shotgunned SYNs and stray segments right after a close.
bool loose_match(const StatePeer& src, const StatePeer& dst, const Seg& s) noexcept {
  return (dst.state < tcps::kSynSent || dst.state >= tcps::kFinWait2 ||
          src.state >= tcps::kFinWait2) &&
         seq_geq(src.seqhi + kMaxAckWindow, s.data_end) &&
         seq_geq(s.seq, src.seqlo - static_cast<uint32_t>(kMaxAckWindow));
}

void slide_windows(StatePeer& src, StatePeer& dst, const Seg& s) noexcept {
  if (src.max_win < s.win) src.max_win = static_cast<uint16_t>(s.win);
  if (seq_gt(s.end, src.seqlo)) src.seqlo = s.end;
  const uint32_t scaled = s.win << s.sws;
  if (seq_geq(s.ack + scaled, dst.seqhi)) dst.seqhi = s.ack + std::max<uint32_t>(scaled, 1);
}

void full_transitions(StatePeer& src, StatePeer& dst, uint8_t flags, TcpResult& r) noexcept {
  if ((flags & wire::kTcpSyn) && src.state < tcps::kSynSent) src.state = tcps::kSynSent;
  if ((flags & wire::kTcpFin) && src.state < tcps::kClosing) src.state = tcps::kClosing;
  if (flags & wire::kTcpAck) {
    if (dst.state == tcps::kSynSent) {
      dst.state = tcps::kEstablished;
      r.conn_established = src.state == tcps::kEstablished;
    } else if (dst.state == tcps::kClosing) {
      dst.state = tcps::kFinWait2;
    }
  }
  if (flags & wire::kTcpRst) src.state = dst.state = tcps::kTimeWait;
}

TcpResult track_full(StatePeers& peers, StatePeer& src, StatePeer& dst,
                     const TcpSegment& seg) noexcept {
  TcpResult r;
  const Seg s = prepare(src, dst, seg);
  if (src.seqdiff != 0 || dst.seqdiff != 0) {
    r.rewrite = true;
    r.out_seq = s.orig_seq + src.seqdiff;
    r.out_ack = seg.ack - dst.seqdiff;
  }
  if (full_match(src, dst, seg, s)) {
    slide_windows(src, dst, s);
    full_transitions(src, dst, seg.flags, r);
    r.match = TcpMatch::kFull;
    r.refresh = true;
    r.timeout = tcp_timeout_for(src, dst);
    return r;
  }
  if (loose_match(src, dst, s)) {
    slide_windows(src, dst, s);
    if ((seg.flags & wire::kTcpFin) && src.state < tcps::kClosing) src.state = tcps::kClosing;
    if (seg.flags & wire::kTcpRst) src.state = dst.state = tcps::kTimeWait;
    r.match = TcpMatch::kLoose;
    return r;
  }
  if (peers.src.state == tcps::kSynSent && peers.dst.state == tcps::kSynSent) {
    // Mismatch during the handshake: answer with an RST and let the sender start over.
    if (!(seg.flags & wire::kTcpRst)) r.reply = {TcpReply::Kind::kRst, wire::kTcpRst, seg.ack, 0};
    src.seqlo = 0;
    src.seqhi = 1;
    src.max_win = 1;
  }
  r.action = TcpAction::kDrop;
  return r;
}

TcpResult track_sloppy(StatePeer& src, StatePeer& dst, uint8_t flags) noexcept {
  TcpResult r;
  if ((flags & wire::kTcpSyn) && src.state < tcps::kSynSent) src.state = tcps::kSynSent;
  if ((flags & wire::kTcpFin) && src.state < tcps::kClosing) src.state = tcps::kClosing;
  if (flags & wire::kTcpAck) {
    if (dst.state == tcps::kSynSent) {
      dst.state = tcps::kEstablished;
      r.conn_established = src.state == tcps::kEstablished;
    } else if (dst.state == tcps::kClosing) {
      dst.state = tcps::kFinWait2;
    } else if (src.state == tcps::kSynSent && dst.state < tcps::kSynSent) {
      // Only one half of the connection passes here: an ACK after the SYN establishes it.
      src.state = dst.state = tcps::kEstablished;
      r.conn_established = true;
    } else if (src.state == tcps::kClosing && dst.state == tcps::kEstablished && dst.seqlo == 0) {
      // Half-connection close: the other FIN is never seen here.
      dst.state = tcps::kClosing;
    }
  }
  if (flags & wire::kTcpRst) src.state = dst.state = tcps::kTimeWait;
  r.match = TcpMatch::kSloppy;
  r.refresh = true;
  r.timeout = tcp_timeout_for(src, dst);
  return r;
}

}  // namespace

TcpResult tcp_track(StatePeers& peers, Direction state_dir, const TcpSegment& seg,
                    bool sloppy) noexcept {
  const bool forward = seg.dir == state_dir;
  StatePeer& src = forward ? peers.src : peers.dst;
  StatePeer& dst = forward ? peers.dst : peers.src;

  if ((seg.flags & (wire::kTcpSyn | wire::kTcpAck)) == wire::kTcpSyn) {
    if (src.state >= tcps::kFinWait2 && dst.state >= tcps::kFinWait2) {
      // Port reuse: the old connection is closed on both sides; the next SYN creates a state.
      TcpResult r;
      r.action = TcpAction::kPurgeAndEvaluate;
      return r;
    }
    if (src.state >= tcps::kEstablished && dst.state >= tcps::kEstablished) {
      // A SYN on an established connection (a rebooted peer): answer with a challenge ACK on
      // behalf of the other end so that both ends resynchronise (RFC 5961 §4).
      TcpResult r;
      r.action = TcpAction::kDrop;
      r.reply = {TcpReply::Kind::kChallengeAck, wire::kTcpAck, dst.seqlo, src.seqlo};
      return r;
    }
  }
  return sloppy ? track_sloppy(src, dst, seg.flags) : track_full(peers, src, dst, seg);
}

}  // namespace dpf::state
