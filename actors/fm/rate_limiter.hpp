#pragma once

/// Rate-limit arithmetic for Last.fm calls, with the clock passed in (no
/// sleeping, no threads): a token bucket, and a fair queue on top of it that
/// holds work until a token is free. Per-user FIFO sub-queues are served
/// round-robin so one heavy user cannot starve the others; the queue has a
/// global bound and every entry a deadline.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lastgram::fm {

/// A token bucket (GCRA formulation: integer nanoseconds, no drift): `rate`
/// tokens per second, up to `burst` saved up. Starts full. Over any window of
/// length W it grants at most `burst + W * rate` tokens.
/// A rate no clock can tell from no limit: one token a nanosecond.
inline constexpr double unlimited_rate = 1e9;

class token_bucket {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;
  using duration = clock::duration;

  /// `rate_per_second` > 0 (values <= 0 are treated as 1); `burst` >= 1.
  token_bucket(double rate_per_second, int burst, time_point now);

  /// Takes a token if one is available at `now`.
  bool try_take(time_point now);

  /// How long until a token is available; zero when one is available now.
  duration time_until_token(time_point now) const;

  /// Tokens available at `now`, fractional, in [0, burst].
  double level(time_point now) const;

  /// The time between two tokens.
  duration interval() const noexcept {
    return interval_;
  }

  int burst() const noexcept {
    return burst_;
  }

private:
  duration interval_;
  int burst_;
  /// The theoretical arrival time: when the bucket would be empty again.
  time_point tat_;
};

/// Work waiting for a token, served fairly between users.
template <class T>
class fair_queue {
public:
  using clock = token_bucket::clock;
  using time_point = token_bucket::time_point;
  using duration = token_bucket::duration;

  /// `max_size` bounds the entries waiting (expired ones not yet taken do
  /// not count).
  fair_queue(token_bucket bucket, std::size_t max_size)
    : bucket_(std::move(bucket)), max_size_(max_size) {
    // nop
  }

  /// Queues `item` for `user_key` until `deadline`. Returns false when the
  /// queue is full: the caller answers `fm_errc::busy`.
  bool push(const std::string& user_key, T item, time_point deadline) {
    if (size_ >= max_size_)
      return false;
    auto& q = queues_[user_key];
    if (q.empty())
      rotation_.push_back(user_key);
    q.push_back(entry{std::move(item), deadline});
    ++size_;
    earliest_ = std::min(earliest_, deadline);
    return true;
  }

  /// Takes the next item if a token is available at `now`: the head of the
  /// next user's sub-queue in round-robin order. Never returns an item whose
  /// deadline has passed (those move to take_expired) and never spends a
  /// token when nothing is waiting.
  std::optional<T> pop_ready(time_point now) {
    purge(now);
    if (rotation_.empty() || !bucket_.try_take(now))
      return std::nullopt;
    return take_front();
  }

  /// Like pop_ready without spending a token of this queue's bucket: for a
  /// caller that rations several queues with one bucket (lane_queue).
  std::optional<T> pop_next(time_point now) {
    purge(now);
    if (rotation_.empty())
      return std::nullopt;
    return take_front();
  }

  /// Tokens in the bucket at `now`.
  double bucket_level(time_point now) const {
    return bucket_.level(now);
  }

  /// Removes and returns every item whose deadline is at or before `now`
  /// (including those pop_ready set aside), so the caller can tell each
  /// requester that Last.fm is busy.
  std::vector<T> take_expired(time_point now) {
    purge(now);
    std::vector<T> result;
    result.swap(expired_);
    return result;
  }

  /// How long until pop_ready can return an item (zero: now); nullopt when
  /// nothing is waiting. For the caller's timer.
  std::optional<duration> next_ready_in(time_point now) const {
    if (size_ == 0)
      return std::nullopt;
    return bucket_.time_until_token(now);
  }

  /// The earliest deadline among waiting entries; for an expiry timer.
  std::optional<time_point> next_deadline() const {
    if (size_ == 0)
      return std::nullopt;
    return earliest_;
  }

  /// Entries waiting (not counting expired ones awaiting take_expired).
  std::size_t size() const noexcept {
    return size_;
  }

  bool empty() const noexcept {
    return size_ == 0;
  }

  /// Users with at least one waiting entry.
  std::size_t users() const noexcept {
    return rotation_.size();
  }

  struct entry {
    T item;
    time_point deadline;
  };

  // The head of the next user's sub-queue (rotation_ is not empty).
  T take_front() {
    auto user = std::move(rotation_.front());
    rotation_.pop_front();
    auto i = queues_.find(user);
    auto& q = i->second;
    T item = std::move(q.front().item);
    q.pop_front();
    --size_;
    if (q.empty())
      queues_.erase(i);
    else
      rotation_.push_back(std::move(user)); // to the back: others go first
    return item;
  }

  // Moves every entry whose deadline passed into expired_. Cheap when
  // nothing can have expired (now < earliest_ deadline).
  void purge(time_point now) {
    if (size_ == 0 || now < earliest_)
      return;
    earliest_ = time_point::max();
    for (auto i = rotation_.begin(); i != rotation_.end();) {
      auto qi = queues_.find(*i);
      auto& q = qi->second;
      for (auto e = q.begin(); e != q.end();) {
        if (e->deadline <= now) {
          expired_.push_back(std::move(e->item));
          e = q.erase(e);
          --size_;
        } else {
          earliest_ = std::min(earliest_, e->deadline);
          ++e;
        }
      }
      if (q.empty()) {
        queues_.erase(qi);
        i = rotation_.erase(i);
      } else {
        ++i;
      }
    }
  }

  token_bucket bucket_;
  std::size_t max_size_;
  std::size_t size_ = 0;
  time_point earliest_ = time_point::max();
  /// Users with waiting entries, in the order they will be served.
  std::deque<std::string> rotation_;
  std::unordered_map<std::string, std::deque<entry>> queues_;
  std::vector<T> expired_;
};

} // namespace lastgram::fm
