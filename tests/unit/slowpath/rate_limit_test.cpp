// Unit tests of the ICMP error limit (RateLimit in answers.h, BSD's icmplim): a token bucket of
// `rate` per second with bursts of `rate`, driven by a fake time point. No EAL: the bucket
// touches no DPDK object.
#include <catch2/catch.hpp>
#include <chrono>

#include "dataplane/slowpath/answers.h"

namespace dpf {
namespace {

using namespace std::chrono_literals;

const auto kT0 = NodeClock::TimePoint{} + 100s;

// How many of n calls at `now` the bucket allows.
unsigned allowed(RateLimit& r, NodeClock::TimePoint now, unsigned n) {
  unsigned ok = 0;
  for (unsigned i = 0; i < n; ++i) ok += r.allow(now) ? 1 : 0;
  return ok;
}

TEST_CASE("icmp limit: of a burst of 300 at one instant, the first 200 pass") {
  RateLimit r(200);
  unsigned first_refused = 0;
  for (unsigned i = 0; i < 300 && first_refused == 0; ++i)
    if (!r.allow(kT0)) first_refused = i + 1;
  CHECK(first_refused == 201);
  CHECK(allowed(r, kT0, 99) == 0);
}

TEST_CASE("icmp limit: an empty bucket refills at the rate, a token per 1/rate seconds") {
  RateLimit r(200);
  REQUIRE(allowed(r, kT0, 200) == 200);
  // 12 ms at 200/s: 2.4 tokens, 2 pass.
  CHECK(allowed(r, kT0 + 12ms, 3) == 2);
  // 5 ms later 1.0 more: 1.4, 1 passes.
  CHECK(allowed(r, kT0 + 17ms, 2) == 1);
  // Half a second more: 100.4, 100 pass.
  CHECK(allowed(r, kT0 + 517ms, 150) == 100);
}

TEST_CASE("icmp limit: after a long silence the bucket holds one burst, not more") {
  RateLimit r(200);
  REQUIRE(allowed(r, kT0, 200) == 200);
  CHECK(allowed(r, kT0 + 1h, 1000) == 200);
}

TEST_CASE("icmp limit: a steady rate under the limit always passes") {
  RateLimit r(10);
  unsigned ok = 0;
  // 50 per second for 10 s against a limit of 10/s, bursts of 10: 10 at first, then 10 a second.
  for (unsigned i = 0; i < 500; ++i) ok += r.allow(kT0 + i * 20ms) ? 1 : 0;
  CHECK(ok >= 10 + 99);
  CHECK(ok <= 10 + 100);
  RateLimit slow(10);
  unsigned slow_ok = 0;
  // 5 per second: all pass.
  for (unsigned i = 0; i < 50; ++i) slow_ok += slow.allow(kT0 + i * 200ms) ? 1 : 0;
  CHECK(slow_ok == 50);
}

}  // namespace
}  // namespace dpf
