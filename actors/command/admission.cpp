#include "actors/command/admission.hpp"

#include <algorithm>
#include <cmath>

namespace lastgram::command {

admission_control::admission_control(std::chrono::milliseconds max_wait, double weight)
  : max_wait_(max_wait), weight_(weight) {
}

void admission_control::answered(clock_type::time_point now, std::int64_t load) {
  if (busy_) {
    auto us = static_cast<double>(
      std::chrono::duration_cast<std::chrono::microseconds>(now - last_answer_).count());
    if (max_wait_.count() > 0)
      us = std::min(us, static_cast<double>(max_wait_.count()) * 1000.0);
    per_answer_us_ = samples_ == 0 ? us : per_answer_us_ + weight_ * (us - per_answer_us_);
    ++samples_;
  }
  last_answer_ = now;
  busy_ = load > 0;
}

std::chrono::microseconds admission_control::expected_wait(std::int64_t load) const {
  return std::chrono::microseconds{
    static_cast<std::int64_t>(std::llround(per_answer_us_ * static_cast<double>(load)))};
}

bool admission_control::admits(std::int64_t load, std::chrono::milliseconds waited) const {
  if (max_wait_.count() == 0)
    return true;
  if (waited > max_wait_)
    return false;
  if (load < min_in_hand || samples_ < min_samples)
    return true;
  auto line = std::chrono::duration<double, std::milli>(expected_wait(load) + waited);
  return line.count() <= line_share * static_cast<double>(max_wait_.count());
}

double admission_control::service_rate() const {
  return samples_ > 0 && per_answer_us_ > 0 ? 1e6 / per_answer_us_ : 0.0;
}

} // namespace lastgram::command
