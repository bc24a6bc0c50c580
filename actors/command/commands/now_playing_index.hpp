#pragma once

/// /ln's play count from the indexed library: the count the index holds plus
/// the scrobbles since the index, read from the same recent-tracks page that
/// gives the now playing track. Pure functions, no actors.

#include <cstdint>
#include <optional>
#include <vector>

#include "messages/db.hpp"
#include "messages/fm.hpp"
#include "messages/fm_engine.hpp"

namespace lastgram::command::music {

/// Last.fm's largest page of recent tracks.
inline constexpr std::int32_t recent_page_limit = 200;

/// The recent-tracks query of /ln for `user`: with an index
/// (`user.indexed_through` > 0 and `use_index`), the scrobbles since it in
/// one page of recent_page_limit; otherwise the latest track alone.
recent_query now_playing_query(const user_record& user, bool use_index);

/// When `t` (by folded name and artist) was scrobbled in `page`, a page of
/// recent tracks asked from the index time; the now playing entry is not a
/// scrobble. Nothing when the page does not hold every scrobble since then
/// (more than one page), so the count must come from Last.fm.
std::optional<std::vector<std::int64_t>> scrobbles_since(const fm::recent_tracks& page,
                                                         const fm::track& t);

} // namespace lastgram::command::music
