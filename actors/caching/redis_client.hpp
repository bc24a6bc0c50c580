#pragma once

/// A blocking Redis client (hiredis underneath, kept out of this header) that
/// implements the cache interface and the cluster-wide token bucket. Every
/// call is bounded by the connect/command timeout; after a failure the client
/// is broken and reconnects lazily, at most once per backoff interval, so a
/// dead Redis costs callers almost nothing. Not thread-safe: one owner (a
/// detached actor) per client.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/caching/cache.hpp"

namespace lastgram::caching {

/// Where a Redis server lives, parsed from `redis://[[user]:password@]host[:port][/db]`.
struct redis_endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  /// Redis 6 ACL user; empty means the default user.
  std::string username;
  /// Secret: never logged, never part of `describe`.
  std::string password;
  std::int64_t db = 0;
};

/// Parses a redis URL; std::nullopt when malformed. The port defaults to
/// 6379 and the db to 0; user and password may be percent-encoded; IPv6 hosts
/// go in brackets. `rediss://` (TLS) is not supported.
std::optional<redis_endpoint> parse_redis_url(std::string_view url);

/// The endpoint as `redis://host:port/db`, with any password left out.
std::string describe(const redis_endpoint& x);

/// What a new connection to `x` sends first: AUTH when it has a password,
/// SELECT when its db is not 0 (each answered with a status).
std::vector<std::vector<std::string>> handshake_commands(const redis_endpoint& x);

/// How a redis_client waits.
struct redis_options {
  /// Bound on connecting and on each command (read and write).
  std::chrono::milliseconds timeout{200};
  /// Minimum time between two connection attempts, and after a timeout.
  std::chrono::milliseconds reconnect_backoff{1000};
  /// Clock for the backoff; defaults to std::chrono::steady_clock::now.
  clock_fn clock;
};

/// Counters of one redis_client.
struct redis_client_stats {
  std::uint64_t connect_attempts = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t commands = 0;
  /// Calls that failed, including those refused during the backoff.
  std::uint64_t failures = 0;
};

/// A Redis connection behind the cache interface.
class redis_client final : public cache {
public:
  /// Parses `url` and connects; fails when the URL is malformed (`other`) or
  /// the server cannot be reached within `timeout_ms`.
  static cache_result<std::unique_ptr<redis_client>>
  connect(std::string_view url, std::int64_t timeout_ms = 200);

  /// Like the above with every option (`redis_options::timeout` applies).
  static cache_result<std::unique_ptr<redis_client>>
  connect(std::string_view url, const redis_options& options);

  /// A client that connects on its first call: for a node that must boot
  /// while Redis is down.
  redis_client(redis_endpoint endpoint, redis_options options);

  ~redis_client() override;

  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  /// True while connected and no call has failed since.
  bool healthy() const noexcept;

  /// Sends PING (reconnecting first when broken and the backoff allows).
  cache_status ping();

  /// SET key value EX ttl.
  cache_status set(std::string_view key, std::string_view value,
                   std::int64_t ttl_seconds) override;

  /// GET key; values are binary-safe.
  cache_result<std::optional<std::string>> get(std::string_view key) override;

  /// DEL key.
  cache_result<bool> erase(std::string_view key) override;

  /// SET key value NX EX ttl.
  cache_result<bool> set_if_absent(std::string_view key, std::string_view value,
                                   std::int64_t ttl_seconds) override;

  /// INCR, plus EXPIRE when the counter is new, in one Lua script.
  cache_result<std::int64_t> increment(std::string_view key,
                                       std::int64_t ttl_seconds) override;

  /// One Lua script (EVALSHA, falling back to EVAL when the server lost it)
  /// over a hash {tokens, ts} at `key`: atomic across every node.
  cache_result<token_decision>
  token_bucket_take(std::string_view key, double rate_per_second,
                    std::int64_t burst, std::int64_t now_ms) override;

  /// Sends every call as one pipeline: one write, then every reply read
  /// in order. A connection that fails part way fails the rest of the calls.
  std::vector<cache_outcome> run(const std::vector<cache_call>& calls) override;

  redis_client_stats stats() const noexcept;

  /// The endpoint without its password, for logs.
  std::string describe() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace lastgram::caching
