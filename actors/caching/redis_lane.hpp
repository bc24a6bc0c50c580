#pragma once

/// Redis's hot path off the caching engine's thread: the cache reads, writes
/// and counters of each command (get, put, incr), pipelined on one
/// non-blocking connection (hiredis's asynchronous API) whose socket the
/// HTTP client's loop waits on.
///
/// With Redis the caching engine serves its calls on a thread of its own,
/// which sleeps in hiredis until Redis answers: each pipeline is a wake-up
/// of that thread and another of the requester's, for a round trip of a
/// few tens of microseconds. Here the commands are written from the thread
/// that asks (the loop's own, when the command runs there) or posted to the
/// loop, and the replies are read on the loop, whose thread then runs the
/// requester (runtime/io_helper.hpp). Calls that arrive together share one
/// write and one read.
///
/// The caching engine (engine.cpp) sends calls here only while `up()`: the
/// connection is up and the engine's tiered cache says Redis serves (not
/// during an outage, nor after it until the tiered cache has deleted what
/// this node wrote to memory meanwhile; see tiered_cache.hpp). Whatever
/// fails as an outage is answered `std::nullopt`, and the engine serves it
/// as before: its tiered cache falls back to memory, logs and counts. The
/// connection reconnects by itself after a failure.
///
/// The loop must run on one thread (the node's HTTP client has one).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "actors/caching/cache.hpp"
#include "actors/caching/redis_client.hpp"
#include "messages/settings.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace lastgram::caching {

class redis_lane {
public:
  /// Every call's outcome, in order, or std::nullopt when the batch failed
  /// as in an outage. Called once, on the loop's thread.
  using reply = std::function<void(std::optional<std::vector<cache_outcome>>)>;

  /// Null when `settings` names no Redis or a malformed URL.
  static std::shared_ptr<redis_lane> make(const cache_settings& settings,
                                          std::shared_ptr<boost::asio::io_context> loop);

  /// Starts connecting on `loop`; `timeout` and a second bound connecting
  /// and each pipeline's answer.
  redis_lane(redis_endpoint endpoint, std::chrono::milliseconds timeout,
             std::shared_ptr<boost::asio::io_context> loop);
  ~redis_lane();
  redis_lane(const redis_lane&) = delete;
  redis_lane& operator=(const redis_lane&) = delete;

  /// Connected, serving (see `serving`) and with room. Any thread.
  bool up() const noexcept;

  /// What the caching engine's tiered cache says about Redis (its status
  /// hook): false during an outage.
  void serving(bool yes) noexcept;

  /// Sends `calls` as one pipeline.
  void run(std::vector<cache_call> calls, reply done);

  /// Closes the connection; what waits gets std::nullopt, and so do later
  /// calls.
  void stop();

  struct impl;

private:
  /// Owned here, not by impl (see pg_lane.hpp).
  std::shared_ptr<boost::asio::io_context> loop_;
  std::shared_ptr<impl> impl_;
};

} // namespace lastgram::caching
