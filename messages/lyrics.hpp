#pragma once

/// The lyrics engine's typed interface: lyrics from lrclib (lrclib.net or a
/// mirror named by `lyrics.lrclib-url`). A failure is a value in the answer
/// (`lyrics_status`), never a caf::error, since no other engine's error
/// messages fit it ("Last.fm is unavailable" would be wrong here).

#include <cstdint>
#include <string>

#include "caf/meta/type_name.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

namespace lastgram {

/// What to look up: a track by its names (album and duration, when known,
/// pick the right version), or an lrclib record by `id` (a page button).
struct lyrics_query {
  std::string artist;
  std::string track;
  std::string album;
  /// Seconds; 0 when unknown.
  std::int64_t duration = 0;
  /// An lrclib record id; 0 to search by names.
  std::int64_t id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lyrics_query& x) {
  return f(caf::meta::type_name("lyrics_query"), x.artist, x.track, x.album, x.duration, x.id);
}

enum class lyrics_status : std::uint8_t {
  found,
  /// lrclib has no record for the track.
  not_found,
  /// lrclib did not answer usably (network, timeout, 5xx, malformed).
  unavailable,
};

/// One lrclib record as the lyrics command shows it.
struct lyrics_result {
  lyrics_status status = lyrics_status::not_found;
  std::int64_t id = 0;
  std::string track;
  std::string artist;
  std::string album;
  bool instrumental = false;
  /// The plain lyrics (synced ones with their timestamps removed when
  /// there are no plain ones); empty for an instrumental.
  std::string text;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lyrics_result& x) {
  return f(caf::meta::type_name("lyrics_result"), x.status, x.id, x.track, x.artist, x.album,
           x.instrumental, x.text);
}

/// The lyrics engine.
using lyrics_actor = caf::typed_actor<caf::replies_to<lyrics_query>::with<lyrics_result>>;

} // namespace lastgram
