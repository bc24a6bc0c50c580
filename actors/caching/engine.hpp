#pragma once

/// The caching engine: the actor face of the node's cache, implementing
/// `cache_actor` (messages/cache.hpp).
///
/// - Without `cache_settings::redis_url` it is a plain event-based actor over
///   the in-process memory cache (no thread of its own: memory calls never
///   block for long).
/// - With a Redis URL it is a detached actor (its own OS thread, because
///   Redis calls block for up to `redis_timeout_ms`) owning a `tiered_cache`:
///   Redis in front, memory behind. While Redis is down every call is served
///   from memory, one outage is logged once (warn "redis unavailable", info
///   "redis back"), `lastgram_redis_up` and `lastgram_redis_outages_total`
///   follow it, and a 1 s tick probes Redis so it recovers without traffic.
///
/// Reads never fail (a miss is an answer); writes answer false when the value
/// is stored nowhere (e.g. a TTL that is not positive). `bucket` takes one
/// token from a token bucket (cluster-wide with Redis) using the wall clock
/// and answers the wait in milliseconds, 0 when the token was taken; invalid
/// bucket parameters (a caller bug) are answered with
/// `caf::sec::invalid_argument`. The engine is always ready
/// (`health->set_ready("caching", true)`): the memory tier always works.

#include <chrono>
#include <memory>

#include "caf/fwd.hpp"

#include "messages/cache.hpp"
#include "messages/settings.hpp"

namespace lastgram {
class health_board;
} // namespace lastgram

namespace lastgram::caching {

class memory_cache;
class redis_lane;

/// How often the engine probes a Redis that is down.
inline constexpr std::chrono::milliseconds redis_probe_interval{1000};

/// Spawns the caching engine as a child of `parent` and returns a handle
/// to its typed door `cache_actor`. `health` may be
/// null. Settings the cache cannot run with (a malformed Redis URL, a
/// non-positive `max_bytes`) make the actor quit at once with
/// `caf::sec::invalid_argument` and the reason logged. A given `memory` is
/// the memory tier (the node's, which engines without Redis read and write
/// directly, and which outlives a restart of this engine); null makes one.
///
/// With Redis and a `lane` (redis_lane.hpp), the door is an actor of the
/// scheduler that sends get, put and incr through the lane while it is up,
/// and every other call, and what the lane hands back, to the engine proper
/// on its own thread, linked to it.
cache_actor spawn_engine(caf::local_actor* parent, cache_settings settings,
                         std::shared_ptr<health_board> health,
                         std::shared_ptr<memory_cache> memory = nullptr,
                         std::shared_ptr<redis_lane> lane = nullptr);

} // namespace lastgram::caching
