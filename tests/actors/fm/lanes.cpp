// The fm engine's priority lanes, with an injected clock: interactive calls
// go first, background calls get what is left (or their guaranteed share),
// and together they never exceed the bucket's rate.

#include <catch2/catch.hpp>

#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "actors/fm/lanes.hpp"

using namespace lastgram::fm;
using namespace std::chrono_literals;

namespace {

using steady = token_bucket::clock;

struct harness {
  steady::time_point t0 = steady::time_point{} + 1000s;
  lane_queue<int> q;

  explicit harness(int share, double rate = 5)
    : q(token_bucket{rate, 1, steady::time_point{} + 1000s}, 100, 100, share) {
  }

  steady::time_point far() const {
    return t0 + 3600s;
  }
};

} // namespace

TEST_CASE("interactive calls always go before waiting background calls", "[fm][lanes]") {
  harness h{0};
  for (int i = 0; i < 5; ++i)
    REQUIRE(h.q.push(lane::background, "user:bg", 100 + i, h.far()));
  for (int i = 0; i < 3; ++i)
    REQUIRE(h.q.push(lane::interactive, "user:" + std::to_string(i), i, h.far()));
  std::vector<lane> order;
  auto now = h.t0;
  while (!h.q.empty()) {
    auto next = h.q.pop_ready(now);
    if (!next) {
      now += *h.q.next_ready_in(now);
      continue;
    }
    order.push_back(next->second);
  }
  REQUIRE(order.size() == 8);
  for (int i = 0; i < 3; ++i)
    CHECK(order[static_cast<std::size_t>(i)] == lane::interactive);
  for (int i = 3; i < 8; ++i)
    CHECK(order[static_cast<std::size_t>(i)] == lane::background);
}

TEST_CASE("an interactive call arriving later still overtakes the background backlog",
          "[fm][lanes]") {
  harness h{0};
  for (int i = 0; i < 50; ++i)
    REQUIRE(h.q.push(lane::background, "user:bg", i, h.far()));
  auto now = h.t0;
  auto first = h.q.pop_ready(now);
  REQUIRE(first);
  CHECK(first->second == lane::background);
  REQUIRE(h.q.push(lane::interactive, "user:rj", 999, h.far()));
  CHECK_FALSE(h.q.pop_ready(now)); // no token yet: the rate holds
  now += *h.q.next_ready_in(now);
  auto next = h.q.pop_ready(now);
  REQUIRE(next);
  CHECK(next->first == 999);
  CHECK(next->second == lane::interactive);
}

TEST_CASE("a guaranteed share gives the background lane its tokens under load", "[fm][lanes]") {
  harness h{10};
  auto now = h.t0;
  int background = 0;
  int served = 0;
  int pushed = 0;
  // Interactive work never runs out; the background lane always waits.
  for (int i = 0; i < 20; ++i)
    REQUIRE(h.q.push(lane::background, "user:bg", i, h.far()));
  while (served < 200) {
    while (h.q.size(lane::interactive) < 5) {
      int n = pushed++;
      REQUIRE(h.q.push(lane::interactive, "user:" + std::to_string(n % 7), n, h.far()));
    }
    auto next = h.q.pop_ready(now);
    if (!next) {
      now += *h.q.next_ready_in(now);
      continue;
    }
    ++served;
    if (next->second == lane::background)
      ++background;
  }
  CHECK(background == 20);
}

TEST_CASE("with no share the background lane gets nothing while interactive work waits",
          "[fm][lanes]") {
  harness h{0};
  auto now = h.t0;
  REQUIRE(h.q.push(lane::background, "user:bg", -1, h.far()));
  int pushed = 0;
  for (int served = 0; served < 100;) {
    while (h.q.size(lane::interactive) < 3)
      REQUIRE(h.q.push(lane::interactive, "user:x", pushed++, h.far()));
    auto next = h.q.pop_ready(now);
    if (!next) {
      now += *h.q.next_ready_in(now);
      continue;
    }
    CHECK(next->second == lane::interactive);
    ++served;
  }
  CHECK(h.q.size(lane::background) == 1);
}

TEST_CASE("both lanes together never exceed the rate in any one second window", "[fm][lanes]") {
  auto share = GENERATE(0, 10, 50);
  harness h{share, 5};
  auto now = h.t0;
  std::deque<steady::time_point> grants;
  int pushed = 0;
  std::size_t worst = 0;
  while (now < h.t0 + 120s) {
    // Bursty arrivals in both lanes.
    if (pushed % 3 == 0)
      (void)h.q.push(lane::background, "user:bg" + std::to_string(pushed % 4), pushed, h.far());
    (void)h.q.push(lane::interactive, "user:i" + std::to_string(pushed % 5), pushed, h.far());
    ++pushed;
    while (auto next = h.q.pop_ready(now)) {
      grants.push_back(now);
      while (grants.front() <= now - 1s)
        grants.pop_front();
      worst = std::max(worst, grants.size());
    }
    now += 37ms;
  }
  INFO("share " << share);
  CHECK(worst <= 5);
  CHECK(worst >= 4); // the lanes did use the rate
}

TEST_CASE("each lane has its own bound", "[fm][lanes]") {
  lane_queue<int> q{token_bucket{1, 1, steady::time_point{}}, 2, 1, 0};
  auto far = steady::time_point{} + 3600s;
  CHECK(q.push(lane::background, "a", 1, far));
  CHECK_FALSE(q.push(lane::background, "a", 2, far));
  CHECK(q.push(lane::interactive, "a", 3, far));
  CHECK(q.push(lane::interactive, "b", 4, far));
  CHECK_FALSE(q.push(lane::interactive, "c", 5, far));
}

TEST_CASE("expired calls of either lane are handed back", "[fm][lanes]") {
  lane_queue<int> q{token_bucket{1, 1, steady::time_point{}}, 10, 10, 0};
  auto t = steady::time_point{} + 10s;
  REQUIRE(q.push(lane::background, "a", 1, t + 1s));
  REQUIRE(q.push(lane::interactive, "b", 2, t + 2s));
  CHECK(*q.next_deadline() == t + 1s);
  auto gone = q.take_expired(t + 5s);
  CHECK(gone.size() == 2);
  CHECK(q.empty());
}
