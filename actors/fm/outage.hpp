#pragma once

// Whether Last.fm is in an outage, from the results of the engine's own
// calls: a pure state machine with an injected clock, so it is tested
// without a network.
//
// The node enters outage mode when, over the last `window`, at least
// `min_calls` calls finished and at least `threshold` of them failed in a way
// that is Last.fm's trouble (5xx, timeouts, network errors, garbage, Last.fm's
// "try later" codes). It leaves on its own once `recovery_successes` calls in
// a row succeed. While in outage, the fm engine answers from whatever the
// cache holds (marked with its age) and lets background refreshes probe.

#include <array>
#include <chrono>
#include <cstdint>

namespace lastgram::fm {

class outage_tracker {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  struct options {
    /// The span over which failures are counted.
    std::chrono::seconds window{60};
    /// The failed share (0..1] that starts an outage; 0 turns detection off.
    double threshold = 0.5;
    /// Fewer calls than this in the window never start an outage.
    std::int64_t min_calls = 10;
    /// Successes in a row that end it.
    std::int64_t recovery_successes = 3;
  };

  outage_tracker();
  explicit outage_tracker(options opts);

  /// Records one finished call. Returns true when this changed the state.
  bool record(time_point now, bool failed);

  bool active() const noexcept {
    return active_;
  }

  /// Calls and failures within the window ending at `now`.
  std::int64_t calls(time_point now) const;
  std::int64_t failures(time_point now) const;

  /// How many times an outage started.
  std::int64_t outages() const noexcept {
    return outages_;
  }

private:
  static constexpr std::size_t slots = 12;

  struct slot {
    std::int64_t epoch = -1;
    std::int64_t calls = 0;
    std::int64_t failures = 0;
  };

  std::int64_t epoch_of(time_point now) const;
  slot& slot_at(time_point now);
  template <class F>
  std::int64_t sum(time_point now, F field) const;

  options opts_;
  std::chrono::nanoseconds slot_span_;
  std::array<slot, slots> ring_{};
  bool active_ = false;
  std::int64_t successes_in_a_row_ = 0;
  std::int64_t outages_ = 0;
};

} // namespace lastgram::fm
