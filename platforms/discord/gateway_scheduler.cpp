#include "platforms/discord/gateway_scheduler.hpp"

#include <algorithm>

namespace lastgram::discord::gateway {

identify_scheduler::identify_scheduler(session_start_limit limit, time_point now)
  : total_(std::max(limit.total, 1)), remaining_(std::max(limit.remaining, 0)),
    reset_at_(now + limit.reset_after),
    bucket_free_(static_cast<std::size_t>(std::max(limit.max_concurrency, 1)), now) {
}

identify_scheduler::time_point identify_scheduler::reserve(std::int32_t shard_id, time_point now) {
  auto bucket = static_cast<std::size_t>(std::max(shard_id, 0)) % bucket_free_.size();
  // Starts counted against a refill cannot happen before that refill.
  auto slot = std::max({now, bucket_free_[bucket], not_before_});
  // A reset that passed already refilled the starts.
  if (reset_at_ <= slot) {
    remaining_ = total_;
    while (reset_at_ <= slot)
      reset_at_ += reset_period;
  }
  if (remaining_ <= 0) {
    slot = std::max(slot, reset_at_);
    not_before_ = reset_at_;
    remaining_ = total_;
    reset_at_ += reset_period;
  }
  --remaining_;
  bucket_free_[bucket] = slot + bucket_spacing;
  return slot;
}

void identify_scheduler::hold_until(time_point t) {
  for (auto& free : bucket_free_)
    free = std::max(free, t);
}

} // namespace lastgram::discord::gateway
