#pragma once

/// The fm engine: the one actor every Last.fm call of lastgram goes through.
/// It implements `fm_actor` (messages/fm_engine.hpp) and answers with parsed
/// structs or a caf::error of category "fm" (messages/errors.hpp).
///
/// Behaviour callers can rely on:
/// - reads with a cache TTL are looked up in the caching engine first (a
///   cache error or a slow cache is a miss) and stored there after a
///   successful upstream call;
/// - identical reads in flight share one upstream call (writes and auth
///   calls never do);
/// - upstream calls never exceed `rate_per_second` in any 1 s window (burst
///   1); requests wait in a fair per-user queue bounded by `queue_limit`; a
///   full queue or a request still waiting after `deadline_ms` is answered
///   `fm_errc::busy`;
/// - transient failures (HTTP 5xx, timeouts, network, Last.fm 8/11/16) are
///   retried with jittered exponential backoff, at most `max_retries` times
///   and never past the request's deadline; every other error is answered at
///   once, including an error inside an HTTP 200 body.

#include <chrono>
#include <functional>
#include <memory>

#include "caf/fwd.hpp"

#include "messages/cache.hpp"
#include "messages/fm_engine.hpp"
#include "messages/settings.hpp"

namespace lastgram::net {
class http_client;
} // namespace lastgram::net

namespace lastgram::caching {
class cache;
} // namespace lastgram::caching

namespace lastgram::fm {

/// How long a cache read may take before it counts as a miss.
inline constexpr std::chrono::milliseconds cache_read_timeout{200};

/// The first retry's backoff; each further retry doubles it (±25% jitter).
inline constexpr std::chrono::milliseconds retry_backoff_initial{200};

/// Spawns the fm engine as a child of `parent`; the returned handle
/// is its typed door `fm_actor`. `http` sends the
/// upstream calls (it must outlive the engine's pending calls or be shut
/// down first). `cache` returns the caching engine's current handle, or an
/// invalid one (then nothing is cached); it may be empty. With
/// `shared_bucket` the rate is cluster-wide: each upstream call also takes a
/// token from the caching engine's bucket `lastfm:<hash of api key>`.
/// The API key and secret are registered with log::add_secret.
///
/// `local_cache`, when given, is the node's in-process cache (a node without
/// Redis): answers are read from and written to it with a function call
/// instead of a round trip through the caching engine, which holds the same
/// object. It must be thread-safe (memory_cache is).
fm_actor spawn_engine(caf::local_actor* parent, lastfm_settings settings,
                      std::shared_ptr<net::http_client> http,
                      std::function<cache_actor()> cache, bool shared_bucket,
                      std::shared_ptr<caching::cache> local_cache = nullptr);

} // namespace lastgram::fm
