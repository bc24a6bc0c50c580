#pragma once

/// The lyrics engine: one actor between the lyrics command and lrclib. It
/// asks /api/get with the track's names (or the record id), and on a 404
/// /api/search; each call through the node's pooled HTTP client with the
/// configured deadline. Why an engine and not a call inside the fm engine:
/// lrclib is another service with other errors, no key and no rate
/// contract, and the fm engine's queue, cache TTLs and retries are tuned to
/// Last.fm; a command run cannot take an HTTP callback itself (its actor
/// only understands its own messages).

#include <memory>

#include "caf/fwd.hpp"

#include "messages/lyrics.hpp"
#include "messages/settings.hpp"

namespace lastgram::net {
class http_client;
} // namespace lastgram::net

namespace lastgram::lyrics {

/// Spawns the engine as a child of `parent`. `http` must outlive its
/// pending calls or be shut down first.
lyrics_actor spawn_engine(caf::local_actor* parent, lyrics_settings settings,
                          std::shared_ptr<net::http_client> http);

} // namespace lastgram::lyrics
