#include "actors/fm/rate_limiter.hpp"

#include <cmath>

namespace lastgram::fm {

namespace {

token_bucket::duration interval_for(double rate_per_second) {
  if (!(rate_per_second > 0) || !std::isfinite(rate_per_second))
    rate_per_second = 1;
  auto ns = std::llround(1e9 / rate_per_second);
  return std::chrono::nanoseconds{std::max<long long>(ns, 1)};
}

} // namespace

token_bucket::token_bucket(double rate_per_second, int burst, time_point now)
  : interval_(interval_for(rate_per_second)),
    burst_(std::max(burst, 1)),
    tat_(now) {
  // nop
}

// GCRA: each token pushes the theoretical arrival time one interval further;
// a request conforms while that time is at most (burst - 1) intervals ahead.
bool token_bucket::try_take(time_point now) {
  if (time_until_token(now) > duration::zero())
    return false;
  tat_ = std::max(tat_, now) + interval_;
  return true;
}

token_bucket::duration token_bucket::time_until_token(time_point now) const {
  auto tolerance = interval_ * (burst_ - 1);
  auto ahead = std::max(tat_, now) - now;
  return ahead > tolerance ? ahead - tolerance : duration::zero();
}

double token_bucket::level(time_point now) const {
  auto ahead = std::max(tat_, now) - now;
  // Ratio of integer tick counts: exact for whole tokens (no 2.9999...).
  auto used = static_cast<double>(ahead.count())
              / static_cast<double>(interval_.count());
  return std::clamp(static_cast<double>(burst_) - used, 0.0,
                    static_cast<double>(burst_));
}

} // namespace lastgram::fm
