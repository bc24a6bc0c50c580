#pragma once

/// Turns Last.fm's JSON bodies (format=json) into the typed structs of
/// messages/fm.hpp. Pure functions: no I/O, no actors, never throw on bad
/// input. RapidJSON stays inside parse.cpp.
///
/// Quirks handled for every method: a list of one item sent as an object
/// instead of an array; numbers sent as strings (and the other way round);
/// `#text` members; `"@attr": {"nowplaying": "true"}`; missing album, mbid or
/// date; empty image URLs and Last.fm's placeholder star image; HTML entities
/// in names; HTML in bios. An `{"error": N, "message": ...}` body is Last.fm's
/// error N even when the HTTP status was 200. A body that is not the JSON we
/// expect (truncated, HTML, wrong shape) is `fm_errc::malformed_response`.

#include <optional>
#include <string_view>
#include <utility>
#include <variant>

#include "messages/expected.hpp"
#include "messages/fm.hpp"

namespace lastgram::fm {

/// Either a parsed value or the error that stands in its place.
template <class T>
using parse_result = expected<T, fm_error>;

/// The Last.fm error in `body`, if it is an `{"error": N, ...}` object.
std::optional<fm_error> lastfm_error_in(std::string_view body);

/// Classifies a finished HTTP exchange before parsing: a Last.fm error body
/// wins over the status (Last.fm sends them with 200 and with 4xx); a
/// non-2xx status without one is `http_error` (HTTP 429 is `rate_limited`).
/// Nullopt means "parse the body".
std::optional<fm_error> check_response(int http_status, std::string_view body);

/// user.getInfo.
parse_result<user_info> parse_user_info(std::string_view body);

/// user.getRecentTracks (plain or extended=1).
parse_result<recent_tracks> parse_recent_tracks(std::string_view body);

/// user.getTopArtists. Last.fm does not echo the period, so the caller passes
/// the one it asked for.
parse_result<top_list> parse_top_artists(std::string_view body,
                                         period range = period::overall);

/// user.getTopAlbums.
parse_result<top_list> parse_top_albums(std::string_view body,
                                        period range = period::overall);

/// user.getTopTracks.
parse_result<top_list> parse_top_tracks(std::string_view body,
                                        period range = period::overall);

/// artist.getInfo.
parse_result<artist_info> parse_artist_info(std::string_view body);

/// album.getInfo.
parse_result<album_info> parse_album_info(std::string_view body);

/// track.getInfo.
parse_result<track_info> parse_track_info(std::string_view body);

/// artist.getSimilar.
parse_result<similar_artists> parse_similar_artists(std::string_view body);

/// artist.getCorrection; an answer without a correction gives an empty name.
parse_result<artist_correction> parse_artist_correction(std::string_view body);

/// auth.getToken.
parse_result<auth_token> parse_auth_token(std::string_view body);

/// auth.getSession.
parse_result<auth_session> parse_auth_session(std::string_view body);

/// user.getWeeklyChartList.
parse_result<weekly_chart_list> parse_weekly_chart_list(std::string_view body);

/// track.love / track.unlove: any JSON object that is not an error (Last.fm
/// answers `{}`), or an empty body.
parse_result<write_ack> parse_write_ack(std::string_view body);

} // namespace lastgram::fm
