#pragma once

/// Where a node's Discord gateway shards connect, how many there are, and
/// when each may identify, decided once before the actor system starts.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "messages/settings.hpp"
#include "platforms/discord/gateway_bot.hpp"
#include "platforms/discord/gateway_protocol.hpp"

namespace lastgram::discord::gateway {
class socket_transport;
class identify_scheduler;
} // namespace lastgram::discord::gateway

namespace lastgram::runtime {

struct gateway_plan {
  /// URL, token and presence; each shard sets its own id.
  discord::gateway::shard_settings shard;
  std::int32_t shard_count = 1;
  /// The session start limit GET /gateway/bot gave (Discord's defaults when
  /// it did not answer).
  discord::gateway::session_start_limit limit;
  /// When each shard may identify: shared by the node's identify gate
  /// across its restarts, so a restarted gate keeps the spacing.
  std::shared_ptr<discord::gateway::identify_scheduler> identify;
  /// The I/O thread the node's shards share (set by plan_gateway).
  std::shared_ptr<discord::gateway::socket_transport> transport;
};

/// The plan from the settings and GET /gateway/bot's answer (`info`;
/// nullopt when Discord did not answer), at `now`: discord.gateway-url and
/// discord.shards win over Discord's url and recommended count; without
/// either, Discord's well-known URL and one shard. The identify schedule
/// follows `info`'s session_start_limit (remaining, reset_after,
/// max_concurrency). Pure: no I/O, no clock, no transport.
gateway_plan plan_from(const discord_settings& d,
                       const std::optional<discord::gateway::gateway_bot_info>& info,
                       std::chrono::steady_clock::time_point now);

/// Asks GET /gateway/bot (a warning when it fails: the shards then retry on
/// their own), then plan_from at the current time, with the I/O thread.
std::shared_ptr<gateway_plan> plan_gateway(const discord_settings& d);

} // namespace lastgram::runtime
