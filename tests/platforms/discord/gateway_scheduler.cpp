#include "platforms/discord/gateway_bot.hpp"
#include "platforms/discord/gateway_scheduler.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <vector>

using namespace std::chrono_literals;
using namespace lastgram::discord::gateway;

namespace {

using time_point = identify_scheduler::time_point;
const time_point t0 = time_point{} + 1000h;

session_start_limit limit(std::int32_t remaining, std::int32_t concurrency,
                          std::chrono::milliseconds reset_after = 3600s) {
  session_start_limit l;
  l.total = 1000;
  l.remaining = remaining;
  l.reset_after = reset_after;
  l.max_concurrency = concurrency;
  return l;
}

} // namespace

TEST_CASE("gateway bot parses url shards and the session start limit") {
  auto info = parse_gateway_bot(R"({"url":"wss://gateway.discord.gg","shards":9,
    "session_start_limit":{"total":1000,"remaining":999,"reset_after":14400000,"max_concurrency":16}})");
  REQUIRE(info);
  CHECK(info->url == "wss://gateway.discord.gg");
  CHECK(info->shards == 9);
  CHECK(info->limit.total == 1000);
  CHECK(info->limit.remaining == 999);
  CHECK(info->limit.reset_after == 14400000ms);
  CHECK(info->limit.max_concurrency == 16);
}

TEST_CASE("gateway bot refuses bodies that are not one") {
  CHECK_FALSE(parse_gateway_bot("nope"));
  CHECK_FALSE(parse_gateway_bot(R"({"shards":1})"));
  CHECK_FALSE(parse_gateway_bot(R"({"url":"wss://x","shards":0})"));
  CHECK_FALSE(parse_gateway_bot(R"({"url":"wss://x","shards":"2"})"));
  CHECK_FALSE(parse_gateway_bot(
    R"({"url":"wss://x","shards":1,"session_start_limit":{"max_concurrency":0}})"));
  CHECK_FALSE(parse_gateway_bot(
    R"({"url":"wss://x","shards":1,"session_start_limit":{"remaining":-1}})"));
  auto bare = parse_gateway_bot(R"({"url":"wss://x","shards":2})");
  REQUIRE(bare);
  CHECK(bare->limit.max_concurrency == 1);
}

TEST_CASE("identifies are spaced 5 seconds apart per bucket") {
  identify_scheduler s(limit(1000, 1), t0);
  std::vector<time_point> slots;
  for (int shard = 0; shard < 4; ++shard)
    slots.push_back(s.reserve(shard, t0));
  CHECK(slots == std::vector<time_point>{t0, t0 + 5s, t0 + 10s, t0 + 15s});
  CHECK(s.remaining() == 996);
}

TEST_CASE("max_concurrency buckets identify in parallel by shard id modulo") {
  identify_scheduler s(limit(1000, 4), t0);
  std::map<time_point, int> per_slot;
  for (int shard = 0; shard < 10; ++shard)
    ++per_slot[s.reserve(shard, t0)];
  CHECK(per_slot == std::map<time_point, int>{{t0, 4}, {t0 + 5s, 4}, {t0 + 10s, 2}});
  // Bucket 2 (shards 2 and 6) is busy until t0 + 10 s, whatever the others do.
  CHECK(s.reserve(6, t0 + 1s) == t0 + 10s);
}

TEST_CASE("a late reservation in an idle bucket goes at once") {
  identify_scheduler s(limit(1000, 1), t0);
  s.reserve(0, t0);
  CHECK(s.reserve(0, t0 + 60s) == t0 + 60s);
}

TEST_CASE("no identify while remaining is zero until reset_after") {
  identify_scheduler s(limit(0, 1, 30s), t0);
  CHECK(s.reserve(0, t0) == t0 + 30s);
  CHECK(s.remaining() == 999);
  CHECK(s.reserve(1, t0) == t0 + 35s);
}

TEST_CASE("the last remaining start is used then the next waits for the reset") {
  identify_scheduler s(limit(1, 2, 100s), t0);
  CHECK(s.reserve(0, t0) == t0);
  CHECK(s.reserve(1, t0) == t0 + 100s);
}

TEST_CASE("a reset that passed refills the starts") {
  identify_scheduler s(limit(1, 1, 10s), t0);
  CHECK(s.reserve(0, t0) == t0);
  CHECK(s.reserve(0, t0 + 20s) == t0 + 20s);
  CHECK(s.remaining() == 999);
}

TEST_CASE("once the starts ran out, every bucket waits for the refill") {
  // Two buckets, one start left: shard 1 (bucket 1) would otherwise take a
  // start of the next period before that period began.
  identify_scheduler s(limit(1, 2, 60s), t0);
  CHECK(s.reserve(0, t0) == t0);
  CHECK(s.reserve(2, t0) == t0 + 60s);
  CHECK(s.reserve(1, t0) == t0 + 60s);
  CHECK(s.reserve(3, t0) == t0 + 65s);
}

TEST_CASE("a hold delays every bucket to it and keeps later reservations") {
  identify_scheduler s(limit(1000, 2), t0);
  CHECK(s.reserve(1, t0) == t0); // bucket 1 busy until t0 + 5 s
  s.hold_until(t0 + 3s);
  CHECK(s.reserve(0, t0) == t0 + 3s);
  CHECK(s.reserve(1, t0) == t0 + 5s);
  // A hold in the past changes nothing.
  s.hold_until(t0);
  CHECK(s.reserve(0, t0) == t0 + 8s);
}
