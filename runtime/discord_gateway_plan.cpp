#include "runtime/discord_gateway_plan.hpp"

#include <string>

#include "actors/logging/log.hpp"
#include "platforms/discord/gateway_scheduler.hpp"
#include "platforms/discord/gateway_socket.hpp"
#include "runtime/discord_cli.hpp"

namespace lastgram::runtime {

namespace {

constexpr const char* default_gateway = "wss://gateway.discord.gg";

} // namespace

gateway_plan plan_from(const discord_settings& d,
                       const std::optional<discord::gateway::gateway_bot_info>& info,
                       std::chrono::steady_clock::time_point now) {
  gateway_plan plan;
  plan.shard.token = d.token;
  plan.shard.presence = d.presence;
  plan.shard.url = d.gateway_url;
  plan.shard_count = static_cast<std::int32_t>(d.shards);
  if (info) {
    if (plan.shard.url.empty())
      plan.shard.url = info->url;
    if (plan.shard_count < 1)
      plan.shard_count = info->shards;
    plan.limit = info->limit;
  }
  if (plan.shard.url.empty())
    plan.shard.url = default_gateway;
  if (plan.shard_count < 1)
    plan.shard_count = 1;
  plan.identify = std::make_shared<discord::gateway::identify_scheduler>(plan.limit, now);
  return plan;
}

std::shared_ptr<gateway_plan> plan_gateway(const discord_settings& d) {
  // Asked even when the URL and the count are configured: the session
  // start limit comes only from there.
  auto r = discord_rest_call(d, "GET", "/gateway/bot", "");
  auto info = r.status == 200 ? discord::gateway::parse_gateway_bot(r.body) : std::nullopt;
  if (!info)
    log::warn("discord",
              "GET /gateway/bot failed: configured or default gateway and shards, default "
              "session start limit",
              {log::kv("status", r.status), log::kv("network_error", r.network_error)});
  else
    log::info("discord", "gateway session start limit",
              {log::kv("remaining", info->limit.remaining),
               log::kv("reset_after_ms", static_cast<std::int64_t>(info->limit.reset_after.count())),
               log::kv("max_concurrency", info->limit.max_concurrency)});
  auto plan = std::make_shared<gateway_plan>(plan_from(d, info, std::chrono::steady_clock::now()));
  plan->transport = std::make_shared<discord::gateway::socket_transport>(
    discord::gateway::socket_transport::options{});
  return plan;
}

} // namespace lastgram::runtime
