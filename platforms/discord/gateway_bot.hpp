#pragma once

/// GET /gateway/bot: where to connect, how many shards Discord recommends,
/// and how many sessions the bot may still start (session_start_limit).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace lastgram::discord::gateway {

/// The session start limit of GET /gateway/bot.
struct session_start_limit {
  /// Sessions the bot may start per reset period.
  std::int32_t total = 1000;
  /// Sessions left in this period.
  std::int32_t remaining = 1000;
  /// Until the period resets.
  std::chrono::milliseconds reset_after{0};
  /// Identifies allowed per 5 seconds (one per rate-limit bucket).
  std::int32_t max_concurrency = 1;
};

/// The answer of GET /gateway/bot.
struct gateway_bot_info {
  std::string url;
  std::int32_t shards = 1;
  session_start_limit limit;
};

/// Parses the JSON body of GET /gateway/bot; std::nullopt when it is not
/// one (no url, shards below 1, a limit field of the wrong type).
std::optional<gateway_bot_info> parse_gateway_bot(const std::string& body);

} // namespace lastgram::discord::gateway
