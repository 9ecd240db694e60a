// The Ethernet address type: group and broadcast bits, the IPv4 multicast mapping, text form.
#include "dataplane/net/wire/mac.h"

#include <catch2/catch.hpp>

using namespace dpf::wire;

TEST_CASE("wire mac: a MAC address prints as six lower-case hex pairs with leading zeros") {
  CHECK(format_mac(MacAddr{0x00, 0x00, 0x5e, 0x00, 0x01, 0x0a}) == "00:00:5e:00:01:0a");
  CHECK(format_mac(MacAddr{0xde, 0xad, 0xbe, 0xef, 0xff, 0x01}) == "de:ad:be:ef:ff:01");
}

TEST_CASE("wire mac: the group bit is the low bit of the first byte; broadcast is all ones") {
  CHECK(mac_is_group(kBroadcastMac));
  CHECK(mac_is_broadcast(kBroadcastMac));
  CHECK(mac_is_group(MacAddr{0x01, 0x00, 0x5e, 0, 0, 0x12}));
  CHECK_FALSE(mac_is_broadcast(MacAddr{0x01, 0x00, 0x5e, 0, 0, 0x12}));
  CHECK_FALSE(mac_is_group(MacAddr{0x02, 0, 0, 0, 0, 1}));
}

TEST_CASE("wire mac: an IPv4 group maps to 01:00:5e and its low 23 bits (RFC 1112 §6.4)") {
  CHECK(ipv4_multicast_mac(0xe0000012) == MacAddr{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12});  // CARP
  CHECK(ipv4_multicast_mac(0xe00000f0) == MacAddr{0x01, 0x00, 0x5e, 0x00, 0x00, 0xf0});  // pfsync
  CHECK(ipv4_multicast_mac(0xefffffff) == MacAddr{0x01, 0x00, 0x5e, 0x7f, 0xff, 0xff});
}
