#pragma once

/// lrclib's public API as pure functions: the request URLs and the parsing
/// of its answers into lyrics_result. RapidJSON stays in the .cpp.
///
/// - GET {base}/api/get?artist_name=&track_name=[&album_name=][&duration=]:
///   one record, 404 when there is none;
/// - GET {base}/api/get/{id}: one record by id;
/// - GET {base}/api/search?q=: an array of records.
/// A record has id, trackName, artistName, albumName, duration,
/// instrumental, plainLyrics and syncedLyrics (either may be null).

#include <optional>
#include <string>
#include <string_view>

#include "messages/lyrics.hpp"

namespace lastgram::lyrics {

/// The /api/get URL for `q` (by id when `q.id` is set). `base` is the
/// configured root without a trailing slash requirement.
std::string get_url(std::string_view base, const lyrics_query& q);

/// The /api/search URL: `q=` the artist and the track.
std::string search_url(std::string_view base, const lyrics_query& q);

/// Synced lyrics ("[00:12.34] line") as plain lines without timestamps.
std::string strip_timestamps(std::string_view synced);

/// One record (the body of /api/get); nothing when it is not one.
std::optional<lyrics_result> parse_record(std::string_view body);

/// The best record of a search answer for `q`: the first whose artist
/// matches (ignoring case) with lyrics or marked instrumental, else the first
/// with any; a found-status result, or nothing for an empty or malformed
/// answer.
std::optional<lyrics_result> parse_search(std::string_view body, const lyrics_query& q);

} // namespace lastgram::lyrics
