#include "platforms/telegram/send_limiter.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

using namespace std::chrono_literals;
using lastgram::telegram::chat_kind;
using lastgram::telegram::chat_kind_of;
using lastgram::telegram::push_result;
using lastgram::telegram::send_limiter;
using lastgram::telegram::send_limits;

namespace {

using time_point = send_limiter::time_point;

// An arbitrary, fixed start for simulated time.
const time_point t0 = time_point{} + 1000h;

struct sent {
  std::int64_t chat;
  std::uint64_t item;
  time_point at;
};

// Simulates a sender that wakes exactly when the limiter says and sends
// everything ready, until `end`.
std::vector<sent> drain(send_limiter& limiter, time_point start, time_point end) {
  std::vector<sent> out;
  auto now = start;
  while (now < end) {
    while (auto r = limiter.pop_ready(now))
      out.push_back({r->chat_id, r->item, now});
    auto next = limiter.next_ready(now);
    if (!next)
      break;
    REQUIRE(*next > now); // nothing left that was ready now
    now = *next;
  }
  return out;
}

std::vector<time_point> times_of(const std::vector<sent>& s, std::int64_t chat) {
  std::vector<time_point> out;
  for (const auto& x : s)
    if (x.chat == chat)
      out.push_back(x.at);
  return out;
}

} // namespace

TEST_CASE("chat kind follows the sign of the chat id", "[telegram][limiter]") {
  CHECK(chat_kind_of(12345) == chat_kind::private_chat);
  CHECK(chat_kind_of(-12345) == chat_kind::group);
  CHECK(chat_kind_of(-1001234567890) == chat_kind::group);
}

TEST_CASE("a burst to one private chat is paced at one per second", "[telegram][limiter]") {
  send_limiter limiter;
  for (std::uint64_t i = 0; i < 5; ++i)
    REQUIRE(limiter.push(42, i) == push_result::queued);
  auto r = limiter.pop_ready(t0);
  REQUIRE(r);
  CHECK(r->chat_id == 42);
  CHECK(r->item == 0);
  CHECK_FALSE(limiter.pop_ready(t0));
  CHECK_FALSE(limiter.pop_ready(t0 + 999ms));
  REQUIRE(limiter.next_ready(t0) == t0 + 1s);
  auto s = drain(limiter, t0 + 1s, t0 + 60s);
  REQUIRE(s.size() == 4);
  for (std::size_t i = 0; i < s.size(); ++i) {
    CHECK(s[i].item == i + 1); // FIFO within a chat
    CHECK(s[i].at == t0 + std::chrono::seconds(i + 1));
  }
  CHECK(limiter.size() == 0);
  CHECK_FALSE(limiter.next_ready(t0 + 60s));
}

TEST_CASE("a burst to one chat does not hold up other chats", "[telegram][limiter]") {
  send_limiter limiter;
  for (std::uint64_t i = 0; i < 10; ++i)
    REQUIRE(limiter.push(1, i) == push_result::queued);
  for (std::int64_t chat = 2; chat <= 6; ++chat)
    REQUIRE(limiter.push(chat, 100 + chat) == push_result::queued);
  auto s = drain(limiter, t0, t0 + 2s);
  // Every other chat got its one message within the first 200 ms (global
  // pacing is 1/30 s), while chat 1 sent only at t0 and t0+1s.
  for (std::int64_t chat = 2; chat <= 6; ++chat) {
    auto ts = times_of(s, chat);
    REQUIRE(ts.size() == 1);
    CHECK(ts[0] < t0 + 200ms);
  }
  auto flooded = times_of(s, 1);
  REQUIRE(flooded.size() == 2);
  CHECK(flooded[0] == t0);
  CHECK(flooded[1] == t0 + 1s);
}

TEST_CASE("chats with work are served round-robin", "[telegram][limiter]") {
  send_limits limits;
  limits.private_per_second = 1000; // only the global pacing matters here
  send_limiter limiter(limits);
  for (std::uint64_t i = 0; i < 3; ++i) {
    limiter.push(1, i);
    limiter.push(2, i);
    limiter.push(3, i);
  }
  auto s = drain(limiter, t0, t0 + 10s);
  REQUIRE(s.size() == 9);
  std::vector<std::int64_t> order;
  for (const auto& x : s)
    order.push_back(x.chat);
  CHECK(order == std::vector<std::int64_t>{1, 2, 3, 1, 2, 3, 1, 2, 3});
}

TEST_CASE("a group gets at most 20 messages a minute", "[telegram][limiter]") {
  send_limiter limiter;
  for (std::uint64_t i = 0; i < 45; ++i)
    REQUIRE(limiter.push(-500, i) == push_result::queued);
  auto s = drain(limiter, t0, t0 + 120s);
  auto in_first_minute = std::count_if(s.begin(), s.end(),
                                       [](const sent& x) { return x.at < t0 + 60s; });
  CHECK(in_first_minute == 20);
  REQUIRE(s.size() >= 2);
  CHECK(s[1].at - s[0].at == 3s);
}

TEST_CASE("no second holds more than 30 messages overall", "[telegram][limiter]") {
  send_limiter limiter;
  // 200 private chats with 2 messages each: the per-chat limit alone would
  // allow 200 at once.
  for (std::int64_t chat = 1; chat <= 200; ++chat) {
    REQUIRE(limiter.push(chat, 1) == push_result::queued);
    REQUIRE(limiter.push(chat, 2) == push_result::queued);
  }
  auto s = drain(limiter, t0, t0 + 30s);
  REQUIRE(s.size() == 400); // everything went out eventually
  // Slide a one-second window over every send.
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto in_window = std::count_if(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(),
                                   [&](const sent& x) { return x.at < s[i].at + 1s; });
    REQUIRE(in_window <= 30);
  }
  // And the limiter is not needlessly slow: 400 sends take about 400/30 s.
  CHECK(s.back().at - s.front().at < 14s);
}

TEST_CASE("pause_chat delays exactly that chat by retry_after", "[telegram][limiter]") {
  send_limiter limiter;
  limiter.push(7, 1);
  limiter.push(8, 2);
  limiter.pause_chat(7, t0, 17s);
  auto first = limiter.pop_ready(t0);
  REQUIRE(first);
  CHECK(first->chat_id == 8); // the other chat is not held up
  CHECK_FALSE(limiter.pop_ready(t0 + 17s - 1ms));
  REQUIRE(limiter.next_ready(t0 + 1s) == t0 + 17s);
  auto r = limiter.pop_ready(t0 + 17s);
  REQUIRE(r);
  CHECK(r->chat_id == 7);
  CHECK(r->item == 1);
}

TEST_CASE("pause_all holds every chat until retry_after", "[telegram][limiter]") {
  send_limiter limiter;
  limiter.push(1, 1);
  limiter.push(-2, 2);
  limiter.pause_all(t0, 5s);
  CHECK_FALSE(limiter.pop_ready(t0));
  CHECK_FALSE(limiter.pop_ready(t0 + 4999ms));
  REQUIRE(limiter.next_ready(t0) == t0 + 5s);
  CHECK(limiter.pop_ready(t0 + 5s));
}

TEST_CASE("a full queue rejects instead of growing", "[telegram][limiter]") {
  send_limits limits;
  limits.max_queued = 5;
  limits.max_queued_per_chat = 3;
  send_limiter limiter(limits);
  CHECK(limiter.push(1, 0) == push_result::queued);
  CHECK(limiter.push(1, 1) == push_result::queued);
  CHECK(limiter.push(1, 2) == push_result::queued);
  CHECK(limiter.push(1, 3) == push_result::rejected_chat_full);
  CHECK(limiter.push(2, 4) == push_result::queued);
  CHECK(limiter.push(3, 5) == push_result::queued);
  CHECK(limiter.push(4, 6) == push_result::rejected_full);
  CHECK(limiter.size() == 5);
  CHECK(to_string(push_result::rejected_full) == "rejected_full");
  // Sending frees room again.
  REQUIRE(limiter.pop_ready(t0));
  CHECK(limiter.push(4, 6) == push_result::queued);
}

TEST_CASE("drop_chat forgets a chat's queued messages", "[telegram][limiter]") {
  send_limiter limiter;
  limiter.push(1, 0);
  limiter.push(1, 1);
  limiter.push(2, 2);
  CHECK(limiter.drop_chat(1) == 2);
  CHECK(limiter.size() == 1);
  CHECK(limiter.queued(1) == 0);
  auto r = limiter.pop_ready(t0);
  REQUIRE(r);
  CHECK(r->chat_id == 2);
  CHECK_FALSE(limiter.pop_ready(t0 + 1h));
}

TEST_CASE("pacing survives pruning of idle chat state", "[telegram][limiter]") {
  send_limiter limiter;
  // Serve many chats once so that idle states get pruned, then check that a
  // chat just served is still paced.
  auto now = t0;
  for (std::int64_t chat = 1; chat <= 3000; ++chat) {
    limiter.push(chat, 0);
    auto r = limiter.pop_ready(now);
    REQUIRE(r);
    now += 40ms;
  }
  limiter.push(3000, 1);
  CHECK_FALSE(limiter.pop_ready(now - 40ms + 999ms));
  CHECK(limiter.pop_ready(now - 40ms + 1s));
}
