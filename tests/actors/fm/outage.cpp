#include <catch2/catch.hpp>

#include <chrono>

#include "actors/fm/outage.hpp"

using lastgram::fm::outage_tracker;
using namespace std::chrono_literals;

namespace {

outage_tracker::options opts() {
  outage_tracker::options o;
  o.window = 60s;
  o.threshold = 0.5;
  o.min_calls = 4;
  o.recovery_successes = 3;
  return o;
}

} // namespace

TEST_CASE("most calls of the last minute failing starts an outage", "[fm][outage]") {
  outage_tracker t{opts()};
  auto now = outage_tracker::time_point{} + 1000s;
  CHECK_FALSE(t.record(now, false));
  CHECK_FALSE(t.record(now, true));
  CHECK_FALSE(t.record(now, true));
  CHECK_FALSE(t.active());
  // The fourth call makes enough of them: 3 of 4 failed.
  CHECK(t.record(now + 1s, true));
  CHECK(t.active());
  CHECK(t.outages() == 1);
  CHECK(t.calls(now + 1s) == 4);
  CHECK(t.failures(now + 1s) == 3);
}

TEST_CASE("a few failures among many successes are no outage", "[fm][outage]") {
  outage_tracker t{opts()};
  auto now = outage_tracker::time_point{} + 1000s;
  for (int i = 0; i < 10; ++i)
    t.record(now, false);
  for (int i = 0; i < 9; ++i)
    CHECK_FALSE(t.record(now, true));
  CHECK_FALSE(t.active());
  CHECK(t.record(now, true)); // 10 of 20: the threshold is reached
  CHECK(t.active());
}

TEST_CASE("failures older than the window no longer count", "[fm][outage]") {
  outage_tracker t{opts()};
  auto start = outage_tracker::time_point{} + 1000s;
  for (int i = 0; i < 3; ++i)
    t.record(start, true);
  // A minute and more later the old failures are gone: one failure among
  // one call is below min_calls.
  auto later = start + 66s;
  CHECK(t.calls(later) == 0);
  CHECK_FALSE(t.record(later, true));
  CHECK_FALSE(t.active());
  CHECK(t.calls(later) == 1);
}

TEST_CASE("successes in a row end an outage and a failure resets the count", "[fm][outage]") {
  outage_tracker t{opts()};
  auto now = outage_tracker::time_point{} + 1000s;
  for (int i = 0; i < 4; ++i)
    t.record(now, true);
  REQUIRE(t.active());
  CHECK_FALSE(t.record(now, false));
  CHECK_FALSE(t.record(now, false));
  CHECK_FALSE(t.record(now, true)); // back to zero successes
  CHECK_FALSE(t.record(now, false));
  CHECK_FALSE(t.record(now, false));
  CHECK(t.active());
  CHECK(t.record(now, false));
  CHECK_FALSE(t.active());
  CHECK(t.outages() == 1);
}

TEST_CASE("a threshold of zero never starts an outage", "[fm][outage]") {
  auto o = opts();
  o.threshold = 0;
  outage_tracker t{o};
  auto now = outage_tracker::time_point{} + 1000s;
  for (int i = 0; i < 100; ++i)
    CHECK_FALSE(t.record(now, true));
  CHECK_FALSE(t.active());
}
