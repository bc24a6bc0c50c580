#pragma once

/// The embedded cache: an in-process LRU with a per-entry TTL and a memory
/// bound. It is the default when no Redis is configured and the fallback
/// while Redis is down, shared by every actor of a node, hence thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "actors/caching/cache.hpp"

namespace lastgram::caching {

/// Counters of a memory_cache, read in one consistent snapshot.
struct memory_cache_stats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  /// Live entries dropped to stay within the memory bound.
  std::uint64_t evictions = 0;
  /// Entries dropped because their TTL had passed.
  std::uint64_t expirations = 0;
  /// Accounted bytes: key + value + `memory_cache::entry_overhead` per entry.
  std::size_t bytes = 0;
  std::size_t entries = 0;
  std::size_t max_bytes = 0;
};

/// An LRU + TTL cache bounded by an estimate of its memory use. Every
/// operation is O(1); expired entries are dropped lazily when read, when they
/// reach the cold end of the LRU list, or when the bound needs room.
/// Thread-safe: one mutex, held only for list and map updates (strings are
/// built and freed outside it).
class memory_cache final : public cache {
public:
  /// Bytes counted per entry on top of key and value: list node, hash node,
  /// two string headers and the expiry, rounded up.
  static constexpr std::size_t entry_overhead = 128;

  /// A cache holding at most `max_bytes` accounted bytes. `clock` defaults to
  /// std::chrono::steady_clock::now.
  explicit memory_cache(std::size_t max_bytes, clock_fn clock = {});

  memory_cache(const memory_cache&) = delete;
  memory_cache& operator=(const memory_cache&) = delete;

  cache_result<std::optional<std::string>> get(std::string_view key) override;

  /// Fails with `other` when the entry alone exceeds the memory bound.
  cache_status set(std::string_view key, std::string_view value,
                   std::int64_t ttl_seconds) override;

  cache_result<bool> erase(std::string_view key) override;

  cache_result<bool> set_if_absent(std::string_view key, std::string_view value,
                                   std::int64_t ttl_seconds) override;

  cache_result<std::int64_t> increment(std::string_view key,
                                       std::int64_t ttl_seconds) override;

  /// Node-local: the bucket's state is an ordinary entry (so it obeys the
  /// memory bound) that lives until a full refill would have happened anyway.
  cache_result<token_decision>
  token_bucket_take(std::string_view key, double rate_per_second,
                    std::int64_t burst, std::int64_t now_ms) override;

  /// Drops every entry; counters other than bytes and entries are kept.
  void clear();

  memory_cache_stats stats() const;

private:
  using time_point = std::chrono::steady_clock::time_point;

  struct entry {
    std::string key;
    std::string value;
    time_point expires;
  };

  using entry_list = std::list<entry>;

  static std::size_t cost(const entry& x) noexcept {
    return x.key.size() + x.value.size() + entry_overhead;
  }

  // All helpers below expect mu_ to be held. Removed nodes are spliced into
  // `garbage` so their strings are freed after the lock is released.
  entry_list::iterator find_live(std::string_view key, time_point now,
                                 entry_list& garbage);
  void unlink(entry_list::iterator pos, entry_list& garbage);
  void link_front(entry_list& fresh, entry_list& garbage);
  void update_value(entry_list::iterator pos, std::string& value);
  void trim(time_point now, entry_list& garbage);

  const std::size_t max_bytes_;
  const clock_fn clock_;
  mutable std::mutex mu_;
  entry_list lru_; // front: most recently used
  // Keys are views into the entries' own key strings (list nodes never move).
  std::unordered_map<std::string_view, entry_list::iterator> index_;
  memory_cache_stats stats_;
};

} // namespace lastgram::caching
