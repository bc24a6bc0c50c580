#include "runtime/discord_gateway_plan.hpp"

#include <string>

#include "actors/logging/log.hpp"
#include "platforms/discord/gateway_bot.hpp"
#include "platforms/discord/gateway_socket.hpp"
#include "runtime/discord_cli.hpp"

namespace lastgram::runtime {

namespace {

constexpr const char* default_gateway = "wss://gateway.discord.gg";

} // namespace

std::shared_ptr<gateway_plan> plan_gateway(const discord_settings& d) {
  auto plan = std::make_shared<gateway_plan>();
  plan->shard.token = d.token;
  plan->shard.presence = d.presence;
  plan->shard.url = d.gateway_url;
  plan->shard_count = static_cast<std::int32_t>(d.shards);
  if (plan->shard.url.empty() || plan->shard_count < 1) {
    auto r = discord_rest_call(d, "GET", "/gateway/bot", "");
    auto info = r.status == 200 ? discord::gateway::parse_gateway_bot(r.body) : std::nullopt;
    if (info) {
      if (plan->shard.url.empty())
        plan->shard.url = info->url;
      if (plan->shard_count < 1)
        plan->shard_count = info->shards;
    } else {
      log::warn("discord", "GET /gateway/bot failed: one shard on Discord's gateway",
                {log::kv("status", r.status), log::kv("network_error", r.network_error)});
    }
  }
  if (plan->shard.url.empty())
    plan->shard.url = default_gateway;
  if (plan->shard_count < 1)
    plan->shard_count = 1;
  plan->transport = std::make_shared<discord::gateway::socket_transport>(
    discord::gateway::socket_transport::options{});
  return plan;
}

} // namespace lastgram::runtime
