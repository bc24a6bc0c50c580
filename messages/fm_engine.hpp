#pragma once

/// The fm engine's typed interface: every Last.fm call goes through it. It
/// answers with parsed structs (messages/fm.hpp) or a caf::error of category
/// "fm" carrying an fm::fm_errc (see messages/errors.hpp): not_found,
/// login_required (private profile), rate_limited, busy (our queue's
/// deadline passed), http_error / timeout / network (Last.fm unavailable).

#include <cstdint>
#include <string>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/atoms.hpp"
#include "messages/fm.hpp"

namespace lastgram {

using fm_user_atom = caf::atom_constant<caf::atom("fmuser")>;
using fm_artist_atom = caf::atom_constant<caf::atom("fmartist")>;
using fm_album_atom = caf::atom_constant<caf::atom("fmalbum")>;
using fm_track_atom = caf::atom_constant<caf::atom("fmtrack")>;
using fm_similar_atom = caf::atom_constant<caf::atom("fmsimilar")>;
using fm_token_atom = caf::atom_constant<caf::atom("fmtoken")>;
using fm_session_atom = caf::atom_constant<caf::atom("fmsession")>;
/// Marks a call of the background lane (library indexing): it waits behind
/// every interactive call, has a long deadline and is never cached.
using fm_background_atom = caf::atom_constant<caf::atom("fmbg")>;
/// artist.getCorrection (background lane only: the indexer asks it for
/// names whose correction it does not know yet).
using fm_correction_atom = caf::atom_constant<caf::atom("fmcorrect")>;

/// user.getRecentTracks.
struct recent_query {
  std::string user;
  std::int32_t limit = 1;
  std::int32_t page = 1;
  /// Unix seconds; 0 means unbounded.
  std::int64_t from = 0;
  std::int64_t to = 0;
  /// extended=1: loved flags and artist details.
  bool extended = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recent_query& x) {
  return f(caf::meta::type_name("recent_query"), x.user, x.limit, x.page, x.from,
           x.to, x.extended);
}

/// user.getTopArtists / getTopAlbums / getTopTracks.
struct top_query {
  fm::top_kind kind = fm::top_kind::artists;
  std::string user;
  fm::period range = fm::period::overall;
  std::int32_t limit = 10;
  std::int32_t page = 1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, top_query& x) {
  return f(caf::meta::type_name("top_query"), x.kind, x.user, x.range, x.limit,
           x.page);
}

/// artist/album/track.getInfo: `name` is the album or track (empty for an
/// artist); `username` adds the user's play count (and loved flag).
struct entity_query {
  std::string artist;
  std::string name;
  std::string username;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, entity_query& x) {
  return f(caf::meta::type_name("entity_query"), x.artist, x.name, x.username);
}

/// track.love / track.unlove, signed with the user's session key.
struct love_query {
  std::string artist;
  std::string track;
  std::string session_key;
  bool love = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, love_query& x) {
  // Carries a secret: never log a love_query with deep_to_string.
  return f(caf::meta::type_name("love_query"), x.artist, x.track, x.session_key,
           x.love);
}

/// The fm engine. The two `fm_background_atom` forms are the background
/// lane: user.getTopArtists/Albums/Tracks pages (use limit 1000 and page) and
/// user.getRecentTracks with `from` for incremental updates; they answer like
/// the interactive forms, `busy` when their lane is full or the deadline
/// (lastfm background_deadline_ms) passed, and `service_offline` at once,
/// without a call, during a Last.fm outage (background work pauses). The
/// background lane also reads user.getInfo (the scrobble total and
/// registration date the botted-account rule needs) and artist.getCorrection.
using fm_actor = caf::typed_actor<
  caf::replies_to<fm_user_atom, std::string>::with<fm::user_info>,
  caf::replies_to<recent_query>::with<fm::recent_tracks>,
  caf::replies_to<top_query>::with<fm::top_list>,
  caf::replies_to<fm_artist_atom, entity_query>::with<fm::artist_info>,
  caf::replies_to<fm_album_atom, entity_query>::with<fm::album_info>,
  caf::replies_to<fm_track_atom, entity_query>::with<fm::track_info>,
  caf::replies_to<fm_similar_atom, std::string, std::int32_t>::with<fm::similar_artists>,
  caf::replies_to<love_query>::with<fm::write_ack>,
  caf::replies_to<fm_token_atom>::with<fm::auth_token>,
  caf::replies_to<fm_session_atom, std::string>::with<fm::auth_session>,
  caf::replies_to<fm_background_atom, top_query>::with<fm::top_list>,
  caf::replies_to<fm_background_atom, recent_query>::with<fm::recent_tracks>,
  caf::replies_to<fm_background_atom, fm_user_atom, std::string>::with<fm::user_info>,
  caf::replies_to<fm_background_atom, fm_correction_atom, std::string>::with<fm::artist_correction>>;

} // namespace lastgram
