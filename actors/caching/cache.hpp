#pragma once

/// The caching engine's shared vocabulary: the error type, the result type and
/// the `cache` interface implemented by the in-process LRU (`memory_cache`),
/// the Redis client (`redis_client`) and the two combined (`tiered_cache`).
/// Keys are strings, values are byte strings (callers serialize their structs;
/// NUL bytes are fine), and every write names its TTL in seconds: there is no
/// default TTL on purpose, so no entry lives forever by accident.

#include "messages/expected.hpp"
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace lastgram::caching {

/// Why a cache call failed.
enum class cache_errc : std::uint8_t {
  /// The backend cannot be reached (refused, closed, loading, backoff).
  unavailable,
  /// The backend did not answer within the deadline.
  timeout,
  /// The backend answered something the client cannot parse.
  protocol,
  /// Everything else: bad arguments, wrong value type, entry too large.
  other,
};

/// The enumerator's name, e.g. "timeout".
std::string_view to_string(cache_errc x) noexcept;

/// True for errors that blame the backend rather than the call (unavailable,
/// timeout, protocol): the ones a fallback should answer.
bool is_outage(cache_errc x) noexcept;

/// An error with operator-facing detail. Messages never contain secrets
/// (passwords from a Redis URL) and are meant for logs, not for users.
struct cache_error {
  cache_errc code = cache_errc::other;
  std::string message;
};

/// "timeout: <message>", for logs.
std::string to_string(const cache_error& x);

/// A value or a `cache_error`.
template <class T>
using cache_result = expected<T, cache_error>;

/// Success or a `cache_error`.
using cache_status = cache_result<void>;

/// The answer of a token bucket.
struct token_decision {
  /// Whether the caller may go ahead now (one token was taken).
  bool allowed = false;
  /// When not allowed: milliseconds until one token will be available
  /// (at least 1). Zero when allowed.
  std::int64_t wait_ms = 0;
};

/// Success when `ttl_seconds` is a usable TTL (positive), else `other`.
cache_status check_ttl(std::int64_t ttl_seconds);

/// Success when a token bucket's parameters are usable (a finite rate > 0 and
/// a burst >= 1), else `other`.
cache_status check_bucket(double rate_per_second, std::int64_t burst);

/// The clock caches read expiry and backoff deadlines from; tests inject one.
using clock_fn = std::function<std::chrono::steady_clock::time_point()>;

/// One call of a batch (`cache::run`): the arguments of `get`, `set`,
/// `erase`, `set_if_absent` or `increment`.
struct cache_call {
  enum class op : std::uint8_t { get, set, erase, set_if_absent, increment };
  op what = op::get;
  std::string key;
  /// set, set_if_absent.
  std::string value;
  /// set, set_if_absent, increment.
  std::int64_t ttl_seconds = 0;
};

/// What one call of a batch gave: an error, or `value` (get: std::nullopt on
/// a miss), `flag` (erase, set_if_absent) or `count` (increment).
struct cache_outcome {
  std::optional<cache_error> error;
  std::optional<std::string> value;
  bool flag = false;
  std::int64_t count = 0;
};

class cache;

/// Settles `out` from one call's result: its error, or its value through
/// `put` (which stores it in the field the call fills).
template <class T, class Put>
void settle(cache_result<T> res, cache_outcome& out, Put put) {
  if (!res)
    out.error = std::move(res.error());
  else
    put(std::move(res.value()));
}

/// `call` run alone on `c`, through the matching single-call method.
cache_outcome run_one(cache& c, const cache_call& call);

/// A key-value cache with per-entry TTLs. Implementations say whether they
/// are thread-safe; all of them may block (the Redis ones on the network, for
/// at most their timeout), so event-based actors call them through a detached
/// actor.
class cache {
public:
  virtual ~cache() = default;

  /// The live value of `key`, or std::nullopt on a miss or an expired entry.
  virtual cache_result<std::optional<std::string>> get(std::string_view key) = 0;

  /// Stores `value` under `key` for `ttl_seconds` (> 0), replacing any value.
  virtual cache_status set(std::string_view key, std::string_view value,
                           std::int64_t ttl_seconds) = 0;

  /// Removes `key`; true when a live entry was removed.
  virtual cache_result<bool> erase(std::string_view key) = 0;

  /// Stores `value` only when `key` holds no live entry; true when stored.
  /// For one-shot tokens and leases.
  virtual cache_result<bool> set_if_absent(std::string_view key,
                                           std::string_view value,
                                           std::int64_t ttl_seconds) = 0;

  /// Adds one to the integer counter at `key` and returns the new value. A
  /// missing counter starts at 1 and lives `ttl_seconds` from then (a fixed
  /// window: later increments keep the original expiry). The counter reads
  /// back through `get` as decimal text. Fails with `other` when the key
  /// holds something that is not an integer.
  virtual cache_result<std::int64_t> increment(std::string_view key,
                                               std::int64_t ttl_seconds) = 0;

  /// Takes one token from the bucket at `key`, which refills at
  /// `rate_per_second` (> 0) up to `burst` (>= 1) tokens and starts full.
  /// `now_ms` is the caller's wall clock in milliseconds; a `now_ms` older
  /// than the bucket's last update (clock skew between nodes) never refills.
  /// Atomic per backend: nodes sharing one Redis share one rate.
  virtual cache_result<token_decision>
  token_bucket_take(std::string_view key, double rate_per_second,
                    std::int64_t burst, std::int64_t now_ms) = 0;

  /// Runs `calls` in order, each as its single-call method would, and
  /// returns their outcomes in the same order. This default runs them one
  /// by one; the Redis client sends them as one pipeline (one write, one
  /// wait for every reply).
  virtual std::vector<cache_outcome> run(const std::vector<cache_call>& calls);
};

} // namespace lastgram::caching
