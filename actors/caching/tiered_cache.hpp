#pragma once

/// The cache a node actually uses: Redis when configured and reachable, the
/// node's memory_cache otherwise. While Redis is down (unavailable, timing
/// out, or speaking garbage) every call is served by memory and Redis is
/// probed again at most once per retry interval; the status hook hears of each
/// outage once when it starts and once when it ends.
///
/// Consistency during an outage: values written or erased meanwhile are
/// remembered (up to a bound) and deleted from Redis on recovery, so the
/// cluster never serves a value older than what this node last wrote; the
/// next read misses and refetches. Counters, leases and token buckets fall
/// back to node-local state (the cluster-wide rate becomes per-node until
/// Redis returns). Not thread-safe: one owner (a detached actor); the shared
/// memory_cache itself is thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "actors/caching/cache.hpp"
#include "actors/caching/memory_cache.hpp"
#include "actors/caching/redis_client.hpp"
#include "messages/settings.hpp"

namespace lastgram::caching {

/// Called with up = false when an outage starts (reason: the error that
/// started it) and up = true when Redis serves again.
using status_hook = std::function<void(bool up, std::string reason)>;

/// How a tiered_cache retries.
struct tiered_options {
  /// Minimum time between two probes of a Redis that is down.
  std::chrono::milliseconds retry_interval{1000};
  /// Keys written during an outage remembered for invalidation; beyond that
  /// they are counted in `tiered_stats::lost_invalidations`.
  std::size_t max_pending_invalidations = 4096;
  /// Clock for the retry interval; defaults to std::chrono::steady_clock::now.
  clock_fn clock;
};

/// Counters of a tiered_cache.
struct tiered_stats {
  bool redis_configured = false;
  bool redis_up = false;
  /// Outages seen so far (each reported once through the hook).
  std::uint64_t outages = 0;
  /// Calls served by memory because Redis was down.
  std::uint64_t fallback_calls = 0;
  std::size_t pending_invalidations = 0;
  std::uint64_t lost_invalidations = 0;
};

/// Redis in front, memory behind; see the file comment.
class tiered_cache final : public cache {
public:
  /// `redis` may be null (memory only). Writes always reach `memory` too, so
  /// it holds this node's recent values when an outage starts.
  tiered_cache(std::shared_ptr<memory_cache> memory,
               std::unique_ptr<redis_client> redis, status_hook hook = {},
               tiered_options options = {});

  /// The node's cache from its settings: a memory_cache of `max_bytes`, plus
  /// Redis when `redis_url` is set (connected lazily, so a node boots while
  /// Redis is down). Fails only on a malformed URL or a non-positive bound.
  /// A given `memory` is used as the memory tier instead of a new one (the
  /// node's, shared with the engines that call it directly).
  static cache_result<std::unique_ptr<tiered_cache>>
  from_settings(const cache_settings& settings, status_hook hook = {},
                std::shared_ptr<memory_cache> memory = nullptr);

  tiered_cache(const tiered_cache&) = delete;
  tiered_cache& operator=(const tiered_cache&) = delete;

  cache_result<std::optional<std::string>> get(std::string_view key) override;

  cache_status set(std::string_view key, std::string_view value,
                   std::int64_t ttl_seconds) override;

  cache_result<bool> erase(std::string_view key) override;

  cache_result<bool> set_if_absent(std::string_view key, std::string_view value,
                                   std::int64_t ttl_seconds) override;

  cache_result<std::int64_t> increment(std::string_view key,
                                       std::int64_t ttl_seconds) override;

  cache_result<token_decision>
  token_bucket_take(std::string_view key, double rate_per_second,
                    std::int64_t burst, std::int64_t now_ms) override;

  /// Redis's pipeline while it is up, each call as its single-call method
  /// would be served: writes go to memory first and always, and from the
  /// first outage-class error on, the rest of the batch falls back to memory.
  std::vector<cache_outcome> run(const std::vector<cache_call>& calls) override;

  /// Probes Redis when it is down and the retry interval has passed, so the
  /// owner can recover without traffic (call it from a timer). Returns
  /// whether Redis serves.
  bool poll();

  /// Whether calls currently go to Redis.
  bool redis_up() const noexcept;

  tiered_stats stats() const;

  /// The memory tier, to share with the node's other actors.
  const std::shared_ptr<memory_cache>& memory() const noexcept {
    return memory_;
  }

private:
  bool use_redis();
  bool recover();
  void go_down(const cache_error& err);
  void remember(std::string_view key);

  // Runs `on_redis` while Redis is up; an outage-class error flips to memory
  // and `on_memory` answers instead.
  template <class RedisCall, class MemoryCall>
  auto route(RedisCall on_redis, MemoryCall on_memory) -> decltype(on_memory());

  std::shared_ptr<memory_cache> memory_;
  std::unique_ptr<redis_client> redis_;
  status_hook hook_;
  tiered_options options_;
  bool up_ = true;
  std::chrono::steady_clock::time_point next_probe_{};
  std::unordered_set<std::string> pending_;
  tiered_stats stats_;
};

} // namespace lastgram::caching
