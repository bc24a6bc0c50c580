#pragma once

/// Load shedding at the command engine's door, sized from what the node
/// serves: an EWMA of the time between answers while the node stays busy
/// (the inverse of its service rate) turns the commands already accepted
/// into the wait a new one would see. A command whose wait would pass its
/// share of the promised deadline is told "busy" at once rather than left in
/// line. Pure arithmetic on time points the caller passes in: no clock, no
/// actors.

#include <chrono>
#include <cstdint>

namespace lastgram::command {

class admission_control {
public:
  using clock_type = std::chrono::steady_clock;

  /// Answer intervals measured before the estimate is trusted.
  static constexpr std::int64_t min_samples = 16;
  /// Below this many commands in hand every command is accepted: a few long
  /// runs (a collage, a slow Last.fm answer) stretch the interval between
  /// answers without the node having a line to shed.
  static constexpr std::int64_t min_in_hand = 32;
  /// The line (the wait before the door plus the estimated wait behind the
  /// commands in hand) may fill this share of the promise. The rest is
  /// headroom: the estimate is an average, and the command's own run and its
  /// reply's trip come after the line. Under a sustained overload the line
  /// settles at its limit, so with the whole promise as the limit about half
  /// the accepted commands were late.
  static constexpr double line_share = 0.5;

  /// `max_wait` is the promise (command.max-wait-ms); zero turns shedding
  /// off. `weight` is the EWMA's weight of a new interval.
  explicit admission_control(std::chrono::milliseconds max_wait, double weight = 1.0 / 16);

  /// A command was answered at `now`; `load` others are still in hand
  /// (accepted and not answered). Only intervals between two answers with
  /// work in hand all along count: the time from idle to a first answer is
  /// one command's latency, not the rate at which the node serves a line.
  /// An interval counts as at most the promise, so one long run cannot
  /// stretch the estimate past it.
  void answered(clock_type::time_point now, std::int64_t load);

  /// The wait a command accepted now would see behind `load` others: `load`
  /// times the time between answers (zero before any was measured).
  std::chrono::microseconds expected_wait(std::int64_t load) const;

  /// Whether a command behind `load` others, which already waited `waited`
  /// before reaching the door (webhook, inbox, a busy database), would leave
  /// the line within its share of the promise (line_share). One that already
  /// waited longer than the promise never does; otherwise fewer than
  /// min_in_hand ahead, or too few measurements, always passes.
  bool admits(std::int64_t load,
              std::chrono::milliseconds waited = std::chrono::milliseconds{0}) const;

  /// The measured service rate, answers per second (0 before any).
  double service_rate() const;

private:
  std::chrono::milliseconds max_wait_;
  double weight_;
  /// EWMA of the time between answers, in microseconds.
  double per_answer_us_ = 0;
  std::int64_t samples_ = 0;
  clock_type::time_point last_answer_{};
  /// Whether work was in hand since the last answer.
  bool busy_ = false;
};

} // namespace lastgram::command
