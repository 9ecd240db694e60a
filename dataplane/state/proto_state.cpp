#include "dataplane/state/proto_state.h"

#include <iterator>

namespace dpf::state {

const char* udp_state_name(uint8_t state) noexcept {
  // pfctl's udpstates[] / otherstates[] (pfvar.h PFUDPS_NAMES).
  static constexpr const char* kNames[] = {"NO_TRAFFIC", "SINGLE", "MULTIPLE"};
  return state < std::size(kNames) ? kNames[state] : "UNKNOWN";
}

StatePeers proto_state_create(ProtoClass c, Timeout* initial_timeout) noexcept {
  StatePeers p;
  Timeout t = Timeout::kOtherFirstPacket;
  switch (c) {
    case ProtoClass::kUdp:
      t = Timeout::kUdpFirstPacket;
      break;
    case ProtoClass::kIcmp:
      t = Timeout::kIcmpFirstPacket;
      break;
    case ProtoClass::kTcp:
      t = Timeout::kTcpFirstPacket;
      break;
    case ProtoClass::kOther:
      break;
  }
  if (c == ProtoClass::kUdp || c == ProtoClass::kOther) {
    p.src.state = pfudps::kSingle;
    p.dst.state = pfudps::kNoTraffic;
  }
  if (initial_timeout) *initial_timeout = t;
  return p;
}

namespace {

ProtoResult single_multiple(StatePeers& peers, Direction state_dir, Direction pkt_dir,
                            Timeout single, Timeout multiple) noexcept {
  const bool forward = pkt_dir == state_dir;
  StatePeer& src = forward ? peers.src : peers.dst;
  StatePeer& dst = forward ? peers.dst : peers.src;
  if (src.state < pfudps::kSingle) src.state = pfudps::kSingle;
  if (dst.state == pfudps::kSingle) dst.state = pfudps::kMultiple;
  const bool both = src.state == pfudps::kMultiple && dst.state == pfudps::kMultiple;
  return {both ? multiple : single};
}

}  // namespace

ProtoResult udp_track(StatePeers& peers, Direction state_dir, Direction pkt_dir) noexcept {
  return single_multiple(peers, state_dir, pkt_dir, Timeout::kUdpSingle, Timeout::kUdpMultiple);
}

ProtoResult other_track(StatePeers& peers, Direction state_dir, Direction pkt_dir) noexcept {
  return single_multiple(peers, state_dir, pkt_dir, Timeout::kOtherSingle, Timeout::kOtherMultiple);
}

}  // namespace dpf::state
