// pf's timeout table, per-rule overrides and adaptive scaling, driven by a fake clock.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "dataplane/state/timeouts.h"

using namespace dpf::state;

namespace {

// Defaults as `pfctl -s timeouts` prints them on FreeBSD with the default state limit of
// 100000 (sbin/pfctl pfctl_parser.c print order, pf.h / pfctl defaults; frag is FreeBSD's).
struct Expected {
  std::string_view name;
  Timeout index;
  uint32_t value;
};
constexpr Expected kExpected[] = {
    {"tcp.first", Timeout::kTcpFirstPacket, 120},
    {"tcp.opening", Timeout::kTcpOpening, 30},
    {"tcp.established", Timeout::kTcpEstablished, 86400},
    {"tcp.closing", Timeout::kTcpClosing, 900},
    {"tcp.finwait", Timeout::kTcpFinWait, 45},
    {"tcp.closed", Timeout::kTcpClosed, 90},
    {"tcp.tsdiff", Timeout::kTsDiff, 30},
    {"udp.first", Timeout::kUdpFirstPacket, 60},
    {"udp.single", Timeout::kUdpSingle, 30},
    {"udp.multiple", Timeout::kUdpMultiple, 60},
    {"icmp.first", Timeout::kIcmpFirstPacket, 20},
    {"icmp.error", Timeout::kIcmpErrorReply, 10},
    {"other.first", Timeout::kOtherFirstPacket, 60},
    {"other.single", Timeout::kOtherSingle, 30},
    {"other.multiple", Timeout::kOtherMultiple, 60},
    {"frag", Timeout::kFrag, 30},
    {"interval", Timeout::kInterval, 10},
    {"adaptive.start", Timeout::kAdaptiveStart, 60000},
    {"adaptive.end", Timeout::kAdaptiveEnd, 120000},
    {"src.track", Timeout::kSrcNode, 0},
};

struct FakeClock {
  uint32_t now = 1000;
  void advance(uint32_t s) { now += s; }
};

}  // namespace

TEST_CASE("timeouts: every entry has pf's default, name and pfctl print position") {
  const TimeoutTable t = TimeoutTable::defaults();
  REQUIRE(std::size(kExpected) == kTimeoutInfo.size());
  for (size_t i = 0; i < std::size(kExpected); ++i) {
    INFO(kExpected[i].name);
    CHECK(kTimeoutInfo[i].name == kExpected[i].name);
    CHECK(kTimeoutInfo[i].index == kExpected[i].index);
    CHECK(t.get(kExpected[i].index) == kExpected[i].value);
    CHECK(timeout_by_name(kExpected[i].name) == kExpected[i].index);
    CHECK(timeout_name(kExpected[i].index) == kExpected[i].name);
  }
}

TEST_CASE("timeouts: the PFTM indices are pfsync's numbering") {
  CHECK(static_cast<int>(Timeout::kTcpFirstPacket) == 0);
  CHECK(static_cast<int>(Timeout::kUdpFirstPacket) == 6);
  CHECK(static_cast<int>(Timeout::kIcmpErrorReply) == 10);
  CHECK(static_cast<int>(Timeout::kTsDiff) == 19);
  CHECK(kTimeoutCount == 20);
  CHECK_FALSE(timeout_by_name("tcp.bogus").has_value());
  CHECK(timeout_name(Timeout::kPurge).empty());
}

TEST_CASE("timeouts: an idle state expires its timeout after its last packet") {
  const TimeoutTable t = TimeoutTable::defaults();
  FakeClock clock;
  const uint32_t last = clock.now;
  clock.advance(5);
  for (const Expected& e : kExpected) {
    if (e.index == Timeout::kAdaptiveStart || e.index == Timeout::kAdaptiveEnd) continue;
    INFO(e.name);
    CHECK(expires_at(e.index, last, clock.now, t, nullptr, {}) == last + e.value);
  }
}

TEST_CASE("timeouts: a deadline is reached by signed difference across the clock's wrap") {
  CHECK(time_reached(100, 100));
  CHECK(time_reached(100, 101));
  CHECK_FALSE(time_reached(101, 100));
  CHECK(time_reached(0u - 5, 3));             // set before the wrap, now after it
  CHECK_FALSE(time_reached(3, 0u - 5));       // set after the wrap, now before it
  CHECK_FALSE(time_reached(86390, 0u - 10));  // a day's timeout from 10 s before the wrap
  // An expiry computed across the wrap: the last packet 10 s before it, tcp.established.
  const TimeoutTable t = TimeoutTable::defaults();
  const uint32_t at = expires_at(Timeout::kTcpEstablished, 0u - 10, 0u - 10, t, nullptr, {});
  CHECK(at == 86390);
  CHECK_FALSE(time_reached(at, 0u - 1));
  CHECK_FALSE(time_reached(at, 86389));
  CHECK(time_reached(at, 86390));
}

TEST_CASE("timeouts: a rule's own timeout replaces the global one, unset entries fall back") {
  const TimeoutTable t = TimeoutTable::defaults();
  RuleTimeouts rule;
  rule.set(Timeout::kTcpEstablished, 600);
  CHECK(expires_at(Timeout::kTcpEstablished, 100, 100, t, &rule, {}) == 700);
  CHECK(expires_at(Timeout::kTcpOpening, 100, 100, t, &rule, {}) == 130);
  CHECK(base_timeout(Timeout::kUdpSingle, t, &rule) == 30);
}

TEST_CASE("timeouts: below adaptive.start the timeout is not scaled") {
  const TimeoutTable t = TimeoutTable::defaults();
  CHECK(expires_at(Timeout::kTcpEstablished, 0, 0, t, nullptr, {60000, 0}) == 86400);
}

TEST_CASE("timeouts: between adaptive.start and adaptive.end the timeout shrinks linearly") {
  const TimeoutTable t = TimeoutTable::defaults();
  // 90000 states: (120000 - 90000) / (120000 - 60000) = 1/2.
  CHECK(expires_at(Timeout::kTcpEstablished, 0, 0, t, nullptr, {90000, 0}) == 43200);
  // 60001 states: 59999 / 60000 of 120 s, rounded down.
  CHECK(expires_at(Timeout::kTcpFirstPacket, 0, 0, t, nullptr, {60001, 0}) == 119);
  CHECK(expires_at(Timeout::kUdpMultiple, 10, 10, t, nullptr, {119999, 0}) == 10);
}

TEST_CASE("timeouts: at adaptive.end every state expires at once") {
  const TimeoutTable t = TimeoutTable::defaults();
  FakeClock clock;
  CHECK(expires_at(Timeout::kTcpEstablished, 10, clock.now, t, nullptr, {120000, 0}) == clock.now);
  CHECK(expires_at(Timeout::kTcpEstablished, 10, clock.now, t, nullptr, {500000, 0}) == clock.now);
}

TEST_CASE("timeouts: adaptive scaling is off when adaptive.end is 0 or start >= end") {
  TimeoutTable t = TimeoutTable::defaults();
  t.set(Timeout::kAdaptiveStart, 0);
  t.set(Timeout::kAdaptiveEnd, 0);
  CHECK(expires_at(Timeout::kTcpEstablished, 0, 0, t, nullptr, {1000000, 0}) == 86400);
  t.set(Timeout::kAdaptiveStart, 500);
  t.set(Timeout::kAdaptiveEnd, 400);
  CHECK(expires_at(Timeout::kTcpEstablished, 0, 0, t, nullptr, {450, 0}) == 86400);
}

TEST_CASE("timeouts: a rule with adaptive.start scales by its own state count") {
  const TimeoutTable t = TimeoutTable::defaults();
  RuleTimeouts rule;
  rule.derive_adaptive_from_max(100);  // `max 100`: 60 / 120
  CHECK(rule.get(Timeout::kAdaptiveStart) == 60);
  CHECK(rule.get(Timeout::kAdaptiveEnd) == 120);
  // 90 of the rule's states: half of tcp.established, whatever the global count.
  CHECK(expires_at(Timeout::kTcpEstablished, 0, 0, t, &rule, {10, 90}) == 43200);
  CHECK(expires_at(Timeout::kTcpEstablished, 0, 0, t, &rule, {110000, 10}) == 86400);
  // Without adaptive values of its own the rule follows the global count.
  RuleTimeouts plain;
  CHECK(expires_at(Timeout::kTcpEstablished, 0, 0, t, &plain, {90000, 0}) == 43200);
}

TEST_CASE("timeouts: explicit adaptive values on a rule survive its max") {
  RuleTimeouts rule;
  rule.set(Timeout::kAdaptiveStart, 5);
  rule.derive_adaptive_from_max(100);
  CHECK(rule.get(Timeout::kAdaptiveStart) == 5);
  CHECK(rule.get(Timeout::kAdaptiveEnd) == 0);
}

TEST_CASE("timeouts: set limit states moves adaptive.start/end to 60 % and 120 %") {
  TimeoutTable t = TimeoutTable::defaults();
  t.derive_adaptive_from_limit(10000);
  CHECK(t.get(Timeout::kAdaptiveStart) == 6000);
  CHECK(t.get(Timeout::kAdaptiveEnd) == 12000);
}

TEST_CASE("timeouts: a purged state is due now") {
  const TimeoutTable t = TimeoutTable::defaults();
  CHECK(expires_at(Timeout::kPurge, 5, 77, t, nullptr, {}) == 77);
}

TEST_CASE("timeouts: a state refreshed by traffic lives on; an idle one expires on time") {
  const TimeoutTable t = TimeoutTable::defaults();
  FakeClock clock;
  uint32_t last = clock.now;
  for (int i = 0; i < 10; ++i) {
    clock.advance(25);  // a packet every 25 s keeps a 30 s udp.single state alive
    REQUIRE(clock.now < expires_at(Timeout::kUdpSingle, last, clock.now, t, nullptr, {}));
    last = clock.now;
  }
  clock.advance(29);
  CHECK(clock.now < expires_at(Timeout::kUdpSingle, last, clock.now, t, nullptr, {}));
  clock.advance(1);
  CHECK(clock.now >= expires_at(Timeout::kUdpSingle, last, clock.now, t, nullptr, {}));
}

TEST_CASE("timeouts: set optimization aggressive shortens the TCP timeouts") {
  TimeoutTable t = TimeoutTable::defaults();
  t.apply_optimization(*optimization_by_name("aggressive"));
  CHECK(t.get(Timeout::kTcpFirstPacket) == 30);
  CHECK(t.get(Timeout::kTcpOpening) == 5);
  CHECK(t.get(Timeout::kTcpEstablished) == 18000);
  CHECK(t.get(Timeout::kTcpClosing) == 60);
  CHECK(t.get(Timeout::kTcpFinWait) == 30);
  CHECK(t.get(Timeout::kTcpClosed) == 30);
  CHECK(t.get(Timeout::kTsDiff) == 10);
  CHECK(t.get(Timeout::kUdpSingle) == 30);  // untouched
  t.apply_optimization(*optimization_by_name("satellite"));
  CHECK(t.get(Timeout::kTcpFirstPacket) == 180);
  CHECK_FALSE(optimization_by_name("fast").has_value());
}

TEST_CASE("timeouts: the table prints as pfctl -s timeouts prints it") {
  // Format of sbin/pfctl pfctl.c pfctl_show_timeouts ("%-20s %10d" then "s" or " states"),
  // with this table's defaults.
  const std::string expected =
      "tcp.first                   120s\n"
      "tcp.opening                  30s\n"
      "tcp.established           86400s\n"
      "tcp.closing                 900s\n"
      "tcp.finwait                  45s\n"
      "tcp.closed                   90s\n"
      "tcp.tsdiff                   30s\n"
      "udp.first                    60s\n"
      "udp.single                   30s\n"
      "udp.multiple                 60s\n"
      "icmp.first                   20s\n"
      "icmp.error                   10s\n"
      "other.first                  60s\n"
      "other.single                 30s\n"
      "other.multiple               60s\n"
      "frag                         30s\n"
      "interval                     10s\n"
      "adaptive.start            60000 states\n"
      "adaptive.end             120000 states\n"
      "src.track                     0s\n";
  CHECK(format_pfctl_timeouts(TimeoutTable::defaults()) == expected);
}
