// UDP / other protocol single-multiple progression and the ICMP query timeout.
#include <catch2/catch.hpp>

#include <string_view>

#include "dataplane/net/wire/headers.h"
#include "dataplane/state/proto_state.h"

using namespace dpf::state;
using namespace dpf::wire;

TEST_CASE("udp: a new state is SINGLE:NO_TRAFFIC with udp.first") {
  Timeout t{};
  const StatePeers p = proto_state_create(ProtoClass::kUdp, &t);
  CHECK(p.src.state == pfudps::kSingle);
  CHECK(p.dst.state == pfudps::kNoTraffic);
  CHECK(t == Timeout::kUdpFirstPacket);
}

TEST_CASE("udp: request, reply and next request go SINGLE, MULTIPLE:SINGLE, MULTIPLE:MULTIPLE") {
  Timeout t{};
  StatePeers p = proto_state_create(ProtoClass::kUdp, &t);
  // The request that created the state went out; the reply comes in.
  ProtoResult r = udp_track(p, Direction::kOut, Direction::kIn);
  CHECK(p.src.state == pfudps::kMultiple);
  CHECK(p.dst.state == pfudps::kSingle);
  CHECK(r.timeout == Timeout::kUdpSingle);
  r = udp_track(p, Direction::kOut, Direction::kOut);
  CHECK(p.dst.state == pfudps::kMultiple);
  CHECK(r.timeout == Timeout::kUdpMultiple);
}

TEST_CASE("udp: more packets from the initiator alone stay single") {
  Timeout t{};
  StatePeers p = proto_state_create(ProtoClass::kUdp, &t);
  const ProtoResult r = udp_track(p, Direction::kIn, Direction::kIn);
  CHECK(p.src.state == pfudps::kSingle);
  CHECK(p.dst.state == pfudps::kNoTraffic);
  CHECK(r.timeout == Timeout::kUdpSingle);
}

TEST_CASE("other: protocols without ports use the other.* timeouts") {
  Timeout t{};
  StatePeers p = proto_state_create(proto_class(47), &t);
  CHECK(t == Timeout::kOtherFirstPacket);
  CHECK(other_track(p, Direction::kIn, Direction::kOut).timeout == Timeout::kOtherSingle);
  CHECK(other_track(p, Direction::kIn, Direction::kIn).timeout == Timeout::kOtherMultiple);
}

TEST_CASE("icmp: a query state starts at icmp.first and a matched reply moves to icmp.error") {
  Timeout t{};
  proto_state_create(ProtoClass::kIcmp, &t);
  CHECK(t == Timeout::kIcmpFirstPacket);
  CHECK(icmp_query_track().timeout == Timeout::kIcmpErrorReply);
  CHECK(proto_class(kIpProtoIcmpv6) == ProtoClass::kIcmp);
}

TEST_CASE("udp: peer state names are the ones pfctl prints") {
  CHECK(std::string_view(udp_state_name(pfudps::kMultiple)) == "MULTIPLE");
  CHECK(std::string_view(udp_state_name(pfudps::kNoTraffic)) == "NO_TRAFFIC");
}
