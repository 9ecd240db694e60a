#include "dataplane/route/neighbor.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace dpf::route;
using dpf::wire::MacAddr;
using namespace std::chrono_literals;
using State = NeighborTable::Entry::State;

namespace {

constexpr uint32_t kGw = 0x0a000002;     // 10.0.0.2
constexpr uint32_t kOther = 0x0a000003;  // 10.0.0.3
constexpr uint16_t kPort = 0;
constexpr MacAddr kMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
constexpr MacAddr kMac2 = {0x02, 0x00, 0x00, 0x00, 0x00, 0x22};

// A fake clock: tests move time explicitly and never sleep.
const Clock::time_point t0 = Clock::time_point{} + 1000s;

using Requests = std::vector<std::pair<uint16_t, uint32_t>>;
using Transmits = std::vector<std::pair<PacketHandle, MacAddr>>;
using Macs = std::vector<std::pair<uint32_t, MacAddr>>;

NeighborTable::Entry entry_of(const NeighborTable& t, uint32_t ip) {
  for (const auto& e : t.snapshot())
    if (e.ip == ip) return e;
  FAIL("no entry for the address");
  return {};
}

// A table with kGw resolved to kMac at t0.
NeighborTable resolved_table(NeighborConfig cfg = {}) {
  NeighborTable t(cfg);
  NeighborActions a;
  t.learn(t0, kPort, kGw, kMac, true, a);
  REQUIRE(t.lookup(kPort, kGw) == kMac);
  return t;
}

}  // namespace

TEST_CASE("neighbor: the first packet for an unknown address is held and sends one request") {
  NeighborTable t;
  NeighborActions a;
  t.resolve(t0, kPort, kGw, 1, a);
  REQUIRE(a.send_requests == Requests{{kPort, kGw}});
  REQUIRE(a.transmit.empty());
  REQUIRE(a.drop.empty());
  REQUIRE(a.publish.empty());
  const auto e = entry_of(t, kGw);
  REQUIRE(e.state == State::kIncomplete);
  REQUIRE(e.held == 1);
  REQUIRE(e.port == kPort);
  REQUIRE_FALSE(t.lookup(kPort, kGw).has_value());
}

TEST_CASE("neighbor: more packets before the retransmit interval do not send another request") {
  NeighborTable t;
  NeighborActions a;
  t.resolve(t0, kPort, kGw, 1, a);
  t.resolve(t0 + 500ms, kPort, kGw, 2, a);
  REQUIRE(a.empty());
  t.resolve(t0 + 999ms, kPort, kGw, 3, a);
  REQUIRE(a.empty());
  t.on_timer(t0 + 999ms, a);
  REQUIRE(a.empty());
  REQUIRE(entry_of(t, kGw).held == 3);
}

TEST_CASE("neighbor: the request is retransmitted at each retransmit interval") {
  NeighborTable t;  // retransmit 1 s, max_probes 3
  NeighborActions a;
  t.resolve(t0, kPort, kGw, 1, a);
  REQUIRE(t.next_deadline() == t0 + 1s);
  t.on_timer(t0 + 1s, a);
  REQUIRE(a.send_requests == Requests{{kPort, kGw}});
  REQUIRE(t.next_deadline() == t0 + 2s);
  t.on_timer(t0 + 2s, a);
  REQUIRE(a.send_requests == Requests{{kPort, kGw}});
  REQUIRE(a.drop.empty());
  REQUIRE(entry_of(t, kGw).held == 1);
}

TEST_CASE("neighbor: after max_probes unanswered requests the held packets are dropped") {
  NeighborTable t;
  NeighborActions a;
  t.resolve(t0, kPort, kGw, 1, a);
  t.resolve(t0, kPort, kGw, 2, a);
  t.on_timer(t0 + 1s, a);
  t.on_timer(t0 + 2s, a);
  REQUIRE(t.next_deadline() == t0 + 3s);
  t.on_timer(t0 + 3s, a);
  REQUIRE(a.send_requests.empty());  // three requests were sent; no fourth
  REQUIRE(a.drop == std::vector<PacketHandle>{1, 2});
  REQUIRE(a.withdraw.empty());  // never published
  REQUIRE(t.size() == 0);
  REQUIRE(t.next_deadline() == Clock::time_point::max());
  // The next packet starts a new resolution.
  t.resolve(t0 + 4s, kPort, kGw, 3, a);
  REQUIRE(a.send_requests == Requests{{kPort, kGw}});
}

TEST_CASE("neighbor: max_probes sets how many requests are sent before giving up") {
  NeighborTable t({.max_probes = 5});
  NeighborActions a;
  t.resolve(t0, kPort, kGw, 1, a);
  size_t requests = a.send_requests.size();
  for (int s = 1; s <= 4; ++s) {
    t.on_timer(t0 + s * 1s, a);
    requests += a.send_requests.size();
    REQUIRE(a.drop.empty());
  }
  t.on_timer(t0 + 5s, a);
  REQUIRE(requests == 5);
  REQUIRE(a.drop == std::vector<PacketHandle>{1});
}

TEST_CASE("neighbor: a reply releases held packets in order with the learned MAC and publishes") {
  NeighborTable t;
  NeighborActions a;
  t.resolve(t0, kPort, kGw, 10, a);
  t.resolve(t0, kPort, kGw, 11, a);
  t.resolve(t0, kPort, kGw, 12, a);
  t.learn(t0 + 10ms, kPort, kGw, kMac, false, a);
  REQUIRE(a.transmit == Transmits{{10, kMac}, {11, kMac}, {12, kMac}});
  REQUIRE(a.publish == Macs{{kGw, kMac}});
  REQUIRE(a.send_requests.empty());
  REQUIRE(a.drop.empty());
  REQUIRE(t.lookup(kPort, kGw) == kMac);
  const auto e = entry_of(t, kGw);
  REQUIRE(e.state == State::kReachable);
  REQUIRE(e.held == 0);
  REQUIRE(e.updated == t0 + 10ms);
  // No more retransmissions: the next work is ageing.
  REQUIRE(t.next_deadline() == t0 + 10ms + 300s);
}

TEST_CASE("neighbor: a full hold queue drops its oldest packet") {
  NeighborTable t({.hold_per_neighbor = 2});
  NeighborActions a;
  t.resolve(t0, kPort, kGw, 1, a);
  t.resolve(t0, kPort, kGw, 2, a);
  REQUIRE(a.drop.empty());
  t.resolve(t0, kPort, kGw, 3, a);
  REQUIRE(a.drop == std::vector<PacketHandle>{1});
  t.learn(t0 + 1ms, kPort, kGw, kMac, true, a);
  REQUIRE(a.transmit == Transmits{{2, kMac}, {3, kMac}});
}

TEST_CASE("neighbor: with no hold queue a packet is dropped but the address is still probed") {
  NeighborTable t({.hold_per_neighbor = 0});
  NeighborActions a;
  t.resolve(t0, kPort, kGw, 1, a);
  REQUIRE(a.drop == std::vector<PacketHandle>{1});
  REQUIRE(a.send_requests == Requests{{kPort, kGw}});
}

TEST_CASE("neighbor: an unsolicited ARP packet does not create an entry when create is false") {
  NeighborTable t;
  NeighborActions a;
  t.learn(t0, kPort, kGw, kMac, false, a);
  REQUIRE(a.empty());
  REQUIRE(t.size() == 0);
  REQUIRE_FALSE(t.lookup(kPort, kGw).has_value());
}

TEST_CASE("neighbor: an ARP packet addressed to us creates a published entry") {
  NeighborTable t;
  NeighborActions a;
  t.learn(t0, kPort, kGw, kMac, true, a);
  REQUIRE(a.publish == Macs{{kGw, kMac}});
  REQUIRE(entry_of(t, kGw).state == State::kReachable);
}

TEST_CASE("neighbor: an unsolicited ARP packet updates an existing entry and republishes it") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  t.learn(t0 + 5s, kPort, kGw, kMac2, false, a);
  REQUIRE(a.publish == Macs{{kGw, kMac2}});
  REQUIRE(t.lookup(kPort, kGw) == kMac2);
  REQUIRE(entry_of(t, kGw).updated == t0 + 5s);
  REQUIRE(t.next_deadline() == t0 + 5s + 300s);
}

TEST_CASE("neighbor: the same MAC again refreshes the entry without republishing it") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  t.learn(t0 + 100s, kPort, kGw, kMac, false, a);
  REQUIRE(a.empty());
  REQUIRE(t.next_deadline() == t0 + 400s);
}

TEST_CASE("neighbor: zero and group sender MACs are never learned") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  t.learn(t0 + 1s, kPort, kGw, MacAddr{}, true, a);
  REQUIRE(a.empty());
  t.learn(t0 + 1s, kPort, kGw, MacAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, true, a);
  REQUIRE(a.empty());
  t.learn(t0 + 1s, kPort, kOther, MacAddr{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}, true, a);
  REQUIRE(a.empty());
  REQUIRE(t.lookup(kPort, kGw) == kMac);
  REQUIRE(t.size() == 1);
}

TEST_CASE("neighbor: an address probe from 0.0.0.0 is never learned") {
  NeighborTable t;
  NeighborActions a;
  t.learn(t0, kPort, 0, kMac, true, a);
  REQUIRE(a.empty());
  REQUIRE(t.size() == 0);
}

TEST_CASE("neighbor: an ARP packet from the address on another port leaves its entry alone") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  // Unsolicited on port 1: no entry there, and port 0's stays as it was.
  t.learn(t0 + 1s, 1, kGw, kMac2, false, a);
  REQUIRE(a.empty());
  REQUIRE(t.lookup(kPort, kGw) == kMac);
  REQUIRE_FALSE(t.lookup(1, kGw).has_value());
  REQUIRE(t.size() == 1);
}

TEST_CASE("neighbor: entries are keyed by port and address, each learned on its own port") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  t.learn(t0 + 1s, 1, kGw, kMac2, true, a);
  REQUIRE(t.lookup(kPort, kGw) == kMac);
  REQUIRE(t.lookup(1, kGw) == kMac2);
  const auto snap = t.snapshot();
  REQUIRE(snap.size() == 2);
  CHECK(snap[0].port == kPort);
  CHECK(snap[0].mac == kMac);
  CHECK(snap[1].port == 1);
  CHECK(snap[1].mac == kMac2);
  // A packet for the address on port 1 uses port 1's entry; port 0's is untouched.
  t.resolve(t0 + 2s, 1, kGw, 7, a);
  REQUIRE(a.transmit == Transmits{{7, kMac2}});
  t.learn(t0 + 3s, 1, kGw, kMac, false, a);  // port 1's entry changes MAC
  REQUIRE(t.lookup(1, kGw) == kMac);
  REQUIRE(t.lookup(kPort, kGw) == kMac);
}

TEST_CASE("neighbor: resolving an address on another port probes on that port") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  t.resolve(t0 + 1s, 1, kGw, 9, a);
  REQUIRE(a.send_requests == Requests{{1, kGw}});
  REQUIRE(a.transmit.empty());
  REQUIRE(entry_of(t, kGw).port == kPort);  // port 0's entry first in the snapshot
  REQUIRE(t.size() == 2);
}

TEST_CASE("arp: a sender inside the receiving interface's subnet is accepted") {
  constexpr uint32_t kIf = 0x0a000001;  // 10.0.0.1/24
  CHECK(arp_check(kIf, 24, false, 0x0a000002) == ArpCheck::kAccept);
  CHECK(arp_check(kIf, 24, false, 0x0a0000fe) == ArpCheck::kAccept);
  CHECK(arp_check(kIf, 31, false, 0x0a000000) == ArpCheck::kAccept);
  CHECK(arp_check(kIf, 0, false, 0xc0a80001) == ArpCheck::kAccept);
  // An address probe (sender 0.0.0.0) is answered, never learned (NeighborTable::learn).
  CHECK(arp_check(kIf, 24, false, 0) == ArpCheck::kAccept);
}

TEST_CASE("arp: a sender outside the receiving interface's subnet is foreign") {
  constexpr uint32_t kWan = 0xc0000201;  // 192.0.2.1/24: a WAN host claims LAN's 10.0.0.2
  CHECK(arp_check(kWan, 24, false, 0x0a000002) == ArpCheck::kForeign);
  CHECK(arp_check(0x0a000001, 24, false, 0x0a000102) == ArpCheck::kForeign);
  CHECK(arp_check(0x0a000001, 32, false, 0x0a000002) == ArpCheck::kForeign);
  CHECK(arp_check(0x0a000001, 32, false, 0x0a000001) == ArpCheck::kAccept);
}

TEST_CASE("arp: a tagged ARP frame on an untagged interface is ignored whatever its sender") {
  CHECK(arp_check(0x0a000001, 24, true, 0x0a000002) == ArpCheck::kVlan);
  CHECK(arp_check(0x0a000001, 24, true, 0) == ArpCheck::kVlan);
  CHECK(arp_check(0x0a000001, 24, true, 0xc0000202) == ArpCheck::kVlan);
}

TEST_CASE("neighbor: a reachable entry turns stale after the reachable time and is withdrawn") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  REQUIRE(t.next_deadline() == t0 + 300s);
  t.on_timer(t0 + 300s - 1ns, a);
  REQUIRE(a.empty());
  t.on_timer(t0 + 300s, a);
  REQUIRE(a.withdraw == std::vector<uint32_t>{kGw});
  REQUIRE(a.send_requests.empty());  // re-probed on next use, not proactively
  const auto e = entry_of(t, kGw);
  REQUIRE(e.state == State::kStale);
  REQUIRE(e.updated == t0 + 300s);
  REQUIRE(t.lookup(kPort, kGw) == kMac);
  REQUIRE(t.next_deadline() == t0 + 300s + 600s);
}

TEST_CASE("neighbor: using a stale entry sends the packet at once, republishes and re-probes") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  t.on_timer(t0 + 300s, a);
  t.resolve(t0 + 310s, kPort, kGw, 7, a);
  REQUIRE(a.transmit == Transmits{{7, kMac}});
  REQUIRE(a.publish == Macs{{kGw, kMac}});
  REQUIRE(a.send_requests == Requests{{kPort, kGw}});
  REQUIRE(t.next_deadline() == t0 + 311s);
  // A second use while the probe is out sends no second request.
  t.resolve(t0 + 310s + 1ms, kPort, kGw, 8, a);
  REQUIRE(a.transmit == Transmits{{8, kMac}});
  REQUIRE(a.send_requests.empty());
  REQUIRE(a.publish.empty());
}

TEST_CASE("neighbor: an answered re-probe makes a stale entry reachable again") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  t.on_timer(t0 + 300s, a);
  t.resolve(t0 + 310s, kPort, kGw, 7, a);
  t.learn(t0 + 310s + 2ms, kPort, kGw, kMac, false, a);
  REQUIRE(a.publish.empty());  // already republished with the same MAC
  REQUIRE(entry_of(t, kGw).state == State::kReachable);
  REQUIRE(t.next_deadline() == t0 + 610s + 2ms);
  t.on_timer(t0 + 311s, a);  // the old retransmit time passes quietly
  REQUIRE(a.empty());
}

TEST_CASE("neighbor: an unanswered re-probe withdraws and removes the stale entry") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  t.on_timer(t0 + 300s, a);
  t.resolve(t0 + 310s, kPort, kGw, 7, a);
  t.on_timer(t0 + 311s, a);
  REQUIRE(a.send_requests == Requests{{kPort, kGw}});
  t.on_timer(t0 + 312s, a);
  REQUIRE(a.send_requests == Requests{{kPort, kGw}});
  t.on_timer(t0 + 313s, a);
  REQUIRE(a.withdraw == std::vector<uint32_t>{kGw});
  REQUIRE(a.send_requests.empty());
  REQUIRE_FALSE(t.lookup(kPort, kGw).has_value());
  REQUIRE(t.size() == 0);
}

TEST_CASE("neighbor: a stale entry unused for stale_gc is collected") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  t.on_timer(t0 + 300s, a);
  t.on_timer(t0 + 900s - 1ns, a);
  REQUIRE(t.size() == 1);
  t.on_timer(t0 + 900s, a);
  REQUIRE(a.withdraw.empty());  // already withdrawn when it turned stale
  REQUIRE(t.size() == 0);
  REQUIRE(t.next_deadline() == Clock::time_point::max());
}

TEST_CASE("neighbor: a full table refuses new neighbours and drops their packets") {
  NeighborTable t({.max_entries = 2});
  NeighborActions a;
  t.resolve(t0, kPort, 1, 100, a);
  t.learn(t0, kPort, 2, kMac, true, a);
  t.resolve(t0, kPort, 3, 101, a);
  REQUIRE(a.drop == std::vector<PacketHandle>{101});
  REQUIRE(a.send_requests.empty());
  t.learn(t0, kPort, 3, kMac2, true, a);
  REQUIRE(a.empty());
  REQUIRE(t.size() == 2);
  // Known neighbours still work.
  t.resolve(t0, kPort, 1, 102, a);
  REQUIRE(a.drop.empty());
  REQUIRE(entry_of(t, 1).held == 2);
}

TEST_CASE("neighbor: next_deadline is the earliest deadline of all entries") {
  NeighborTable t;
  NeighborActions a;
  REQUIRE(t.next_deadline() == Clock::time_point::max());
  t.learn(t0, kPort, kOther, kMac2, true, a);  // ages at t0 + 300 s
  t.resolve(t0 + 250ms, kPort, kGw, 1, a);     // retransmits at t0 + 1.25 s
  REQUIRE(t.next_deadline() == t0 + 1250ms);
  t.learn(t0 + 300ms, kPort, kGw, kMac, false, a);
  REQUIRE(t.next_deadline() == t0 + 300s);
  t.on_timer(t0 + 300s, a);
  REQUIRE(a.withdraw == std::vector<uint32_t>{kOther});
  REQUIRE(t.next_deadline() == t0 + 300s + 300ms);
}

TEST_CASE("neighbor: a late timer handles every overdue entry once") {
  NeighborTable t({.retransmit = 1000ms, .max_probes = 3});
  NeighborActions a;
  t.resolve(t0, kPort, kGw, 1, a);
  t.resolve(t0 + 100ms, kPort, kOther, 2, a);
  t.on_timer(t0 + 10s, a);  // both due; each gets its second request, not all at once
  REQUIRE(a.send_requests == Requests{{kPort, kGw}, {kPort, kOther}});
  REQUIRE(a.drop.empty());
  REQUIRE(t.next_deadline() == t0 + 11s);
}

TEST_CASE("neighbor: each call clears the actions of the previous one") {
  NeighborTable t;
  NeighborActions a;
  t.resolve(t0, kPort, kGw, 1, a);
  REQUIRE_FALSE(a.empty());
  t.on_timer(t0, a);
  REQUIRE(a.empty());
}

TEST_CASE("neighbor: flush drops every held packet and forgets unresolved neighbours") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  t.resolve(t0, kPort, kOther, 1, a);
  t.resolve(t0, kPort, kOther, 2, a);
  t.flush(a);
  REQUIRE(a.drop == std::vector<PacketHandle>{1, 2});
  REQUIRE(a.withdraw.empty());
  REQUIRE(t.size() == 1);
  REQUIRE(t.lookup(kPort, kGw) == kMac);
}

TEST_CASE("neighbor: the snapshot lists entries by address with their state and held count") {
  NeighborTable t = resolved_table();
  NeighborActions a;
  t.resolve(t0 + 1s, 1, kGw - 1, 5, a);
  const auto s = t.snapshot();
  REQUIRE(s.size() == 2);
  REQUIRE(s[0].ip == kGw - 1);
  REQUIRE(s[0].state == State::kIncomplete);
  REQUIRE(s[0].port == 1);
  REQUIRE(s[0].held == 1);
  REQUIRE(s[0].updated == t0 + 1s);
  REQUIRE(s[1].ip == kGw);
  REQUIRE(s[1].mac == kMac);
  REQUIRE(neighbor_state_name(s[0].state) == "incomplete");
  REQUIRE(neighbor_state_name(s[1].state) == "reachable");
  REQUIRE(neighbor_state_name(State::kStale) == "stale");
}
