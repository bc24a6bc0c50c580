// The gateway plan (runtime/discord_gateway_plan.hpp) with its time passed
// in: where the shards connect, how many, and when each may identify under
// GET /gateway/bot's session_start_limit (remaining, reset_after) and
// max_concurrency.

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include "platforms/discord/gateway_scheduler.hpp"
#include "runtime/discord_gateway_plan.hpp"

using namespace std::chrono_literals;
using lastgram::discord_settings;
using lastgram::discord::gateway::gateway_bot_info;
using lastgram::runtime::plan_from;

namespace {

using time_point = std::chrono::steady_clock::time_point;
const time_point t0 = time_point{} + 500h;

gateway_bot_info discord_says(std::int32_t shards, std::int32_t remaining,
                              std::chrono::milliseconds reset_after, std::int32_t concurrency) {
  gateway_bot_info info;
  info.url = "wss://gateway.example";
  info.shards = shards;
  info.limit.total = 1000;
  info.limit.remaining = remaining;
  info.limit.reset_after = reset_after;
  info.limit.max_concurrency = concurrency;
  return info;
}

/// When shards 0..n-1 may identify if all ask at `at`.
std::vector<time_point> slots(lastgram::runtime::gateway_plan& plan, time_point at) {
  std::vector<time_point> out;
  for (std::int32_t s = 0; s < plan.shard_count; ++s)
    out.push_back(plan.identify->reserve(s, at));
  return out;
}

} // namespace

TEST_CASE("gateway plan: Discord's url and shard count unless configured", "[discord][plan]") {
  discord_settings d;
  d.token = "t";
  d.presence = "Listening to /help";
  auto plan = plan_from(d, discord_says(3, 1000, 0ms, 1), t0);
  CHECK(plan.shard.url == "wss://gateway.example");
  CHECK(plan.shard_count == 3);
  CHECK(plan.shard.presence == "Listening to /help");
  d.gateway_url = "ws://127.0.0.1:1";
  d.shards = 2;
  auto configured = plan_from(d, discord_says(3, 1000, 0ms, 1), t0);
  CHECK(configured.shard.url == "ws://127.0.0.1:1");
  CHECK(configured.shard_count == 2);
  // Discord silent: the well-known gateway, one shard, Discord's default limit.
  auto silent = plan_from(discord_settings{}, std::nullopt, t0);
  CHECK(silent.shard.url == "wss://gateway.discord.gg");
  CHECK(silent.shard_count == 1);
  CHECK(silent.limit.max_concurrency == 1);
  REQUIRE(silent.identify);
  CHECK(silent.identify->reserve(0, t0) == t0);
}

TEST_CASE("gateway plan: max_concurrency shards identify together, one per bucket every 5 s",
          "[discord][plan]") {
  discord_settings d;
  d.shards = 6;
  auto plan = plan_from(d, discord_says(16, 1000, 3600s, 4), t0);
  REQUIRE(plan.shard_count == 6);
  CHECK(slots(plan, t0) == std::vector<time_point>{t0, t0, t0, t0, t0 + 5s, t0 + 5s});
  CHECK(plan.identify->remaining() == 994);
}

TEST_CASE("gateway plan: no session starts left waits for reset_after, then goes on",
          "[discord][plan]") {
  discord_settings d;
  d.shards = 4;
  // Two starts left, refilled in 40 s; two identifies at a time.
  auto plan = plan_from(d, discord_says(4, 2, 40s, 2), t0 + 1s);
  auto when = slots(plan, t0 + 1s);
  CHECK(when[0] == t0 + 1s);
  CHECK(when[1] == t0 + 1s);
  // The next two would cost the token a reset: they wait for the refill.
  CHECK(when[2] == t0 + 41s);
  CHECK(when[3] == t0 + 41s);
  // A shard that reconnects later keeps its bucket's spacing.
  CHECK(plan.identify->reserve(0, t0 + 42s) == t0 + 46s);
}

TEST_CASE("gateway plan: a limit whose reset already passed is full again", "[discord][plan]") {
  discord_settings d;
  d.shards = 1;
  auto plan = plan_from(d, discord_says(1, 0, 10s, 1), t0);
  // Nothing left now, refilled at t0 + 10 s.
  CHECK(plan.identify->reserve(0, t0) == t0 + 10s);
  // Asked long after that reset: at once.
  CHECK(plan.identify->reserve(0, t0 + 30s) == t0 + 30s);
}
