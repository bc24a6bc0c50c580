#pragma once

/// When each shard may send Identify, with the clock passed in. Discord
/// allows `max_concurrency` identifies per 5 seconds, one per bucket
/// (bucket = shard id % max_concurrency), and `remaining` session starts
/// until `reset_after`; an identify past that limit would cost the token a
/// reset, so the scheduler makes it wait for the reset instead.

#include <chrono>
#include <cstdint>
#include <vector>

#include "platforms/discord/gateway_bot.hpp"

namespace lastgram::discord::gateway {

class identify_scheduler {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// Spacing of two identifies in one bucket.
  static constexpr std::chrono::seconds bucket_spacing{5};
  /// How long a full set of session starts lasts after a reset.
  static constexpr std::chrono::hours reset_period{24};

  /// The limit as GET /gateway/bot gave it at `now`.
  identify_scheduler(session_start_limit limit, time_point now);

  /// Reserves the earliest moment at or after `now` when `shard_id` may
  /// identify, and counts it as a session start.
  time_point reserve(std::int32_t shard_id, time_point now);

  /// No bucket identifies before `t`: for a gate that just took over the
  /// cluster's identifies from another member, whose reservations it
  /// cannot know (the last of them may be up to one spacing old).
  void hold_until(time_point t);

  /// Session starts left in the current period.
  std::int32_t remaining() const { return remaining_; }

private:
  std::int32_t total_;
  std::int32_t remaining_;
  time_point reset_at_;
  /// The start of the period the starts counted now belong to: once the
  /// starts ran out, every later identify waits for the refill.
  time_point not_before_{};
  std::vector<time_point> bucket_free_;
};

} // namespace lastgram::discord::gateway
