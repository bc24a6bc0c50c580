#pragma once

/// Priority lanes over one token bucket (pure, clock passed in): interactive
/// calls always go before background calls (the indexer's), and background
/// calls use only the tokens interactive work leaves, except for an optional
/// guaranteed share: with `background_share_percent` p, while both lanes
/// wait, p of every 100 tokens go to the background lane. Both lanes share
/// the bucket, so together they never exceed its rate. Each lane is a fair
/// per-user queue with its own bound, so background work can never fill the
/// room interactive calls need.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/fm/rate_limiter.hpp"

namespace lastgram::fm {

/// Which lane a Last.fm call waits in.
enum class lane : std::uint8_t { interactive, background };

template <class T>
class lane_queue {
public:
  using time_point = token_bucket::time_point;
  using duration = token_bucket::duration;

  /// `background_share_percent` is clamped to [0, 100].
  lane_queue(token_bucket bucket, std::size_t interactive_max, std::size_t background_max,
             int background_share_percent)
    : bucket_(bucket),
      // The lanes' own buckets are never used: pop_next ignores them.
      interactive_(bucket, interactive_max),
      background_(bucket, background_max),
      share_(std::clamp(background_share_percent, 0, 100)) {
    // nop
  }

  /// Queues `item` in lane `which`; false when that lane is full.
  bool push(lane which, const std::string& user_key, T item, time_point deadline) {
    return of(which).push(user_key, std::move(item), deadline);
  }

  /// The next item if a token is available at `now`, with its lane.
  std::optional<std::pair<T, lane>> pop_ready(time_point now) {
    if (bucket_.time_until_token(now) > duration::zero())
      return std::nullopt;
    bool both = !interactive_.empty() && !background_.empty();
    if (both)
      credit_ = std::min(credit_ + share_, 100);
    auto first = lane::interactive;
    if (both && credit_ >= 100)
      first = lane::background;
    auto second = first == lane::interactive ? lane::background : lane::interactive;
    for (auto which : {first, second}) {
      if (auto item = of(which).pop_next(now)) {
        bucket_.try_take(now);
        if (both && which == lane::background)
          credit_ -= 100;
        return std::pair<T, lane>{std::move(*item), which};
      }
    }
    return std::nullopt;
  }

  /// Every item of either lane whose deadline passed.
  std::vector<T> take_expired(time_point now) {
    auto out = interactive_.take_expired(now);
    for (auto& x : background_.take_expired(now))
      out.push_back(std::move(x));
    return out;
  }

  /// How long until pop_ready can return an item; nullopt when none waits.
  std::optional<duration> next_ready_in(time_point now) const {
    if (empty())
      return std::nullopt;
    return bucket_.time_until_token(now);
  }

  /// The earliest deadline of either lane.
  std::optional<time_point> next_deadline() const {
    auto a = interactive_.next_deadline();
    auto b = background_.next_deadline();
    if (a && b)
      return std::min(*a, *b);
    return a ? a : b;
  }

  std::size_t size() const noexcept {
    return interactive_.size() + background_.size();
  }

  std::size_t size(lane which) const noexcept {
    return which == lane::interactive ? interactive_.size() : background_.size();
  }

  bool empty() const noexcept {
    return size() == 0;
  }

  double bucket_level(time_point now) const {
    return bucket_.level(now);
  }

private:
  fair_queue<T>& of(lane which) {
    return which == lane::interactive ? interactive_ : background_;
  }

  token_bucket bucket_;
  fair_queue<T> interactive_;
  fair_queue<T> background_;
  /// Percent of a token the background lane has earned while both waited.
  int share_;
  int credit_ = 0;
};

} // namespace lastgram::fm
