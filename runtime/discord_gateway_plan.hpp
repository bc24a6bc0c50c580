#pragma once

/// Where a node's Discord gateway shards connect, and how many there are,
/// decided once before the actor system starts.

#include <cstdint>
#include <memory>

#include "messages/settings.hpp"
#include "platforms/discord/gateway_protocol.hpp"

namespace lastgram::discord::gateway {
class socket_transport;
} // namespace lastgram::discord::gateway

namespace lastgram::runtime {

struct gateway_plan {
  /// URL, token and presence; each shard sets its own id.
  discord::gateway::shard_settings shard;
  std::int32_t shard_count = 1;
  /// The I/O thread the node's shards share.
  std::shared_ptr<discord::gateway::socket_transport> transport;
};

/// discord.gateway-url and discord.shards when both are set; otherwise
/// GET /gateway/bot fills in what is missing (Discord's URL and recommended
/// count). When Discord does not answer: its well-known URL and one shard,
/// with a warning (the shards then retry on their own).
std::shared_ptr<gateway_plan> plan_gateway(const discord_settings& d);

} // namespace lastgram::runtime
