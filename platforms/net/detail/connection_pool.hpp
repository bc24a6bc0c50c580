#pragma once

// Internal to platforms/net: keep-alive connections per origin, a bounded
// count of open connections and a bounded FIFO of requests waiting for one.

#include "platforms/net/detail/connection.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace lastgram::net::detail {

/// Receives a pooled connection, or nullptr meaning "you may open a new one".
/// Runs under the pool's lock, so it must only hand the value over (post it to
/// a strand) and never call back into the pool.
using grant_fn = std::function<void(std::unique_ptr<http_connection>)>;

/// Connection accounting for every origin ("https://host:port").
///
/// Every open connection of an origin (idle, in use, or being opened) holds
/// one of its `per_host` slots. A request that gets a slot keeps it until it
/// calls `release`, with its connection if that may be reused, else nullptr.
/// Thread-safe.
class connection_pool {
public:
  /// Bounds and ages.
  struct limits {
    std::size_t per_host = 8;
    std::size_t queued_per_host = 1024;
    /// Idle connections older than this are closed rather than reused; servers
    /// commonly drop idle keep-alive connections after 5 to 60 seconds.
    std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(20);
    /// How long resolved addresses are reused.
    std::chrono::steady_clock::duration dns_ttl = std::chrono::seconds(30);
  };

  /// What `acquire` decided.
  enum class outcome {
    /// `conn` is an idle connection, now leased to the caller.
    reuse,
    /// The caller holds a new slot and opens its own connection.
    open_new,
    /// The caller waits; its grant function runs when a slot frees up.
    queued,
    /// The wait queue is full.
    queue_full,
    /// The pool is closed (client shutting down).
    closed,
  };

  struct lease {
    outcome result;
    std::unique_ptr<http_connection> conn;
  };

  explicit connection_pool(limits lim);

  /// Leases an idle connection or a new slot, or queues `grant` under `id`.
  lease acquire(const std::string& origin, std::uint64_t id, grant_fn grant);

  /// Gives a slot back: `conn` goes to the first waiter or idles; with a
  /// nullptr the first waiter may open a new connection, else the slot closes.
  void release(const std::string& origin, std::unique_ptr<http_connection> conn);

  /// Removes the waiter `id`, if it is still queued.
  void forget(const std::string& origin, std::uint64_t id);

  /// Addresses of `host_port` resolved less than `dns_ttl` ago.
  std::optional<tcp::resolver::results_type> cached_endpoints(const std::string& host_port);

  /// Remembers addresses of `host_port` for `dns_ttl`.
  void remember_endpoints(const std::string& host_port, tcp::resolver::results_type endpoints);

  /// Forgets addresses of `host_port` (connecting to them failed).
  void forget_endpoints(const std::string& host_port);

  /// Refuses further leases, stops granting, and closes idle connections.
  void close();

  /// Open connections (idle, leased or opening) of `origin`.
  std::size_t open_count(const std::string& origin);

private:
  struct waiter {
    std::uint64_t id;
    grant_fn grant;
  };

  struct origin_state {
    std::size_t open = 0;
    std::vector<std::unique_ptr<http_connection>> idle;
    std::deque<waiter> waiters;
  };

  struct dns_entry {
    tcp::resolver::results_type endpoints;
    std::chrono::steady_clock::time_point expires;
  };

  limits limits_;
  std::mutex mutex_;
  bool closed_ = false;
  std::unordered_map<std::string, origin_state> origins_;
  std::unordered_map<std::string, dns_entry> dns_;
};

} // namespace lastgram::net::detail
