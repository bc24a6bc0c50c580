// Rate-limit arithmetic with a simulated clock: nothing here sleeps.

#include <catch2/catch.hpp>

#include <deque>
#include <string>
#include <vector>

#include "actors/fm/rate_limiter.hpp"

using namespace lastgram::fm;
using namespace std::chrono_literals;
using time_point = token_bucket::time_point;

namespace {

// An arbitrary, fixed start: the limiter must not care what "now" is.
const time_point t0 = time_point{} + 1000h;

// The most events in any half-open window [t, t + width).
std::size_t max_in_window(const std::vector<time_point>& times,
                          token_bucket::duration width) {
  std::size_t best = 0;
  std::size_t first = 0;
  for (std::size_t last = 0; last < times.size(); ++last) {
    while (times[last] - times[first] >= width)
      ++first;
    best = std::max(best, last - first + 1);
  }
  return best;
}

// Drains `q` the way the fm actor does: wake when next_ready_in says, pop
// everything ready. Returns when each item came out.
template <class T>
std::vector<time_point> drain(fair_queue<T>& q, time_point start,
                              std::vector<T>* order = nullptr) {
  std::vector<time_point> times;
  auto now = start;
  while (auto wait = q.next_ready_in(now)) {
    now += *wait;
    while (auto item = q.pop_ready(now)) {
      times.push_back(now);
      if (order != nullptr)
        order->push_back(std::move(*item));
    }
  }
  return times;
}

} // namespace

TEST_CASE("a token bucket starts full and refills at its rate", "[fm]") {
  token_bucket b{5, 3, t0};
  CHECK(b.level(t0) == Approx(3));
  CHECK(b.try_take(t0));
  CHECK(b.try_take(t0));
  CHECK(b.try_take(t0));
  CHECK_FALSE(b.try_take(t0));
  CHECK(b.level(t0) == Approx(0));
  CHECK(b.time_until_token(t0) == 200ms);
  CHECK_FALSE(b.try_take(t0 + 199ms));
  CHECK(b.try_take(t0 + 200ms));
  // It never holds more than `burst` however long it idles.
  CHECK(b.level(t0 + 1h) == Approx(3));
}

TEST_CASE("a token bucket never exceeds its rate when hammered", "[fm]") {
  token_bucket b{5, 1, t0};
  std::vector<time_point> granted;
  // Ask every millisecond for 60 simulated seconds.
  for (auto now = t0; now < t0 + 60s; now += 1ms)
    if (b.try_take(now))
      granted.push_back(now);
  CHECK(granted.size() == 300);
  CHECK(max_in_window(granted, 1s) == 5);
}

TEST_CASE("the fair queue never exceeds rate + burst - 1 in any second",
          "[fm]") {
  for (int burst : {1, 3}) {
    fair_queue<int> q{token_bucket{5, burst, t0}, 10000};
    for (int i = 0; i < 400; ++i)
      REQUIRE(q.push("user" + std::to_string(i % 7), i, t0 + 1h));
    auto times = drain(q, t0);
    CHECK(times.size() == 400);
    CHECK(max_in_window(times, 1s) <= static_cast<std::size_t>(5 + burst - 1));
    // Over the whole run the average is the rate.
    auto span = std::chrono::duration<double>(times.back() - times.front());
    CHECK(static_cast<double>(times.size() - burst) / span.count()
          == Approx(5.0).epsilon(0.01));
  }
}

TEST_CASE("the fair queue queues rather than drops when the bucket is empty",
          "[fm]") {
  fair_queue<int> q{token_bucket{5, 1, t0}, 100};
  for (int i = 0; i < 20; ++i)
    REQUIRE(q.push("rj", i, t0 + 1h));
  CHECK(q.pop_ready(t0) == 0);
  CHECK_FALSE(q.pop_ready(t0)); // bucket empty: item stays queued
  CHECK(q.size() == 19);
  CHECK(q.next_ready_in(t0) == 200ms);
  std::vector<int> order;
  auto times = drain(q, t0, &order);
  REQUIRE(order.size() == 19);
  for (int i = 0; i < 19; ++i)
    CHECK(order[static_cast<std::size_t>(i)] == i + 1); // FIFO per user
  CHECK(times.back() == t0 + 19 * 200ms);
  CHECK(q.empty());
  CHECK_FALSE(q.next_ready_in(times.back()));
}

TEST_CASE("a heavy user delays another user's item by at most one turn",
          "[fm]") {
  fair_queue<std::string> q{token_bucket{5, 1, t0}, 1000};
  for (int i = 0; i < 100; ++i)
    REQUIRE(q.push("heavy", "heavy" + std::to_string(i), t0 + 1h));
  auto now = t0 + 10ms;
  REQUIRE(q.push("light", "light", t0 + 1h));
  std::vector<std::string> order;
  drain(q, now, &order);
  REQUIRE(order.size() == 101);
  auto pos = std::find(order.begin(), order.end(), "light") - order.begin();
  CHECK(pos <= 1);
  // Three users interleave strictly.
  fair_queue<std::string> r{token_bucket{100, 1, t0}, 1000};
  for (const char* who : {"a", "b", "c"})
    for (int i = 0; i < 3; ++i)
      r.push(who, who, t0 + 1h);
  std::vector<std::string> seq;
  drain(r, t0, &seq);
  CHECK(seq == std::vector<std::string>{"a", "b", "c", "a", "b", "c", "a",
                                        "b", "c"});
}

TEST_CASE("a full queue refuses new work so the caller can answer busy",
          "[fm]") {
  fair_queue<int> q{token_bucket{5, 1, t0}, 3};
  CHECK(q.push("a", 1, t0 + 1s));
  CHECK(q.push("b", 2, t0 + 1s));
  CHECK(q.push("a", 3, t0 + 1s));
  CHECK_FALSE(q.push("c", 4, t0 + 1s));
  CHECK(q.size() == 3);
  CHECK(q.users() == 2);
  REQUIRE(q.pop_ready(t0));
  CHECK(q.push("c", 4, t0 + 1s));
}

TEST_CASE("entries past their deadline come out as expired, never as ready",
          "[fm]") {
  fair_queue<int> q{token_bucket{1, 1, t0}, 100};
  REQUIRE(q.push("a", 1, t0 + 10s));
  REQUIRE(q.push("a", 2, t0 + 500ms));
  REQUIRE(q.push("b", 3, t0 + 500ms));
  REQUIRE(q.push("b", 4, t0 + 10s));
  CHECK(q.next_deadline() == t0 + 500ms);
  CHECK(q.pop_ready(t0) == 1);
  CHECK(q.take_expired(t0 + 499ms).empty());
  // At 1 s a token is back but items 2 and 3 expired: 4 is served, and the
  // expired ones wait for take_expired.
  CHECK(q.pop_ready(t0 + 1s) == 4);
  CHECK(q.size() == 0);
  auto expired = q.take_expired(t0 + 1s);
  std::sort(expired.begin(), expired.end());
  CHECK(expired == std::vector<int>{2, 3});
  CHECK(q.take_expired(t0 + 2s).empty());
}

TEST_CASE("expired entries do not spend tokens", "[fm]") {
  fair_queue<int> q{token_bucket{1, 1, t0}, 100};
  REQUIRE(q.push("a", 1, t0 + 100ms));
  CHECK_FALSE(q.pop_ready(t0 + 200ms));
  CHECK(q.bucket_level(t0 + 200ms) == Approx(1));
  CHECK(q.take_expired(t0 + 200ms) == std::vector<int>{1});
  CHECK_FALSE(q.next_ready_in(t0 + 200ms));
  CHECK_FALSE(q.next_deadline());
}

TEST_CASE("next_ready_in tells the timer when to wake", "[fm]") {
  fair_queue<int> q{token_bucket{4, 2, t0}, 100};
  CHECK_FALSE(q.next_ready_in(t0));
  for (int i = 0; i < 4; ++i)
    REQUIRE(q.push("u", i, t0 + 1h));
  CHECK(q.next_ready_in(t0) == 0ms);
  CHECK(q.pop_ready(t0));
  CHECK(q.pop_ready(t0));
  CHECK(q.bucket_level(t0) == Approx(0));
  CHECK(q.next_ready_in(t0) == 250ms);
  CHECK(q.next_ready_in(t0 + 100ms) == 150ms);
  CHECK(q.bucket_level(t0 + 125ms) == Approx(0.5));
}

TEST_CASE("a non-positive rate is treated as one per second", "[fm]") {
  token_bucket b{0, 0, t0};
  CHECK(b.burst() == 1);
  CHECK(b.interval() == 1s);
}
