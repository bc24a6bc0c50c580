#include "actors/fm/outage.hpp"

#include <algorithm>

namespace lastgram::fm {

outage_tracker::outage_tracker() : outage_tracker(options{}) {
}

outage_tracker::outage_tracker(options opts)
  : opts_(opts),
    slot_span_(std::max(std::chrono::nanoseconds{opts.window} / static_cast<int>(slots),
                        std::chrono::nanoseconds{1})) {
}

std::int64_t outage_tracker::epoch_of(time_point now) const {
  return now.time_since_epoch() / slot_span_;
}

outage_tracker::slot& outage_tracker::slot_at(time_point now) {
  auto epoch = epoch_of(now);
  auto& s = ring_[static_cast<std::size_t>(epoch % static_cast<std::int64_t>(slots))];
  if (s.epoch != epoch)
    s = slot{epoch, 0, 0};
  return s;
}

template <class F>
std::int64_t outage_tracker::sum(time_point now, F field) const {
  auto newest = epoch_of(now);
  std::int64_t total = 0;
  for (const auto& s : ring_)
    if (s.epoch > newest - static_cast<std::int64_t>(slots) && s.epoch <= newest)
      total += field(s);
  return total;
}

std::int64_t outage_tracker::calls(time_point now) const {
  return sum(now, [](const slot& s) { return s.calls; });
}

std::int64_t outage_tracker::failures(time_point now) const {
  return sum(now, [](const slot& s) { return s.failures; });
}

bool outage_tracker::record(time_point now, bool failed) {
  auto& s = slot_at(now);
  ++s.calls;
  if (failed) {
    ++s.failures;
    successes_in_a_row_ = 0;
  } else {
    ++successes_in_a_row_;
  }
  if (active_) {
    if (successes_in_a_row_ < opts_.recovery_successes)
      return false;
    active_ = false;
    return true;
  }
  if (!failed || opts_.threshold <= 0)
    return false;
  auto n = calls(now);
  if (n < opts_.min_calls
      || static_cast<double>(failures(now)) < opts_.threshold * static_cast<double>(n))
    return false;
  active_ = true;
  ++outages_;
  return true;
}

} // namespace lastgram::fm
