#pragma once

/// The fm engine's typed vocabulary: Last.fm errors as values and the data
/// every music command works with, already normalised (one best image URL,
/// numbers as numbers, HTML entities decoded). Plain structs with an
/// `inspect`, so they print in logs and can cross nodes; this header pulls
/// only CAF's tiny meta header.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caf/meta/type_name.hpp"

namespace lastgram::fm {

// -- errors -------------------------------------------------------------------

/// What went wrong talking to Last.fm. Values below 100 are Last.fm's own
/// error codes (https://www.last.fm/api/errorcodes); the rest are ours.
enum class fm_errc : std::uint8_t {
  invalid_service = 2,
  invalid_method = 3,
  auth_failed = 4,
  invalid_format = 5,
  /// Error 6, "invalid parameters", which Last.fm also uses for an unknown
  /// user, artist, album or track.
  not_found = 6,
  invalid_resource = 7,
  operation_failed = 8,
  invalid_session = 9,
  invalid_api_key = 10,
  service_offline = 11,
  invalid_signature = 13,
  unauthorized_token = 14,
  expired_token = 15,
  temporarily_unavailable = 16,
  /// Error 17: the user hides their listening history (private profile).
  login_required = 17,
  suspended_key = 26,
  rate_limited = 29,
  /// A Last.fm code this list does not know; `fm_error::lastfm_code` has it.
  unknown_lastfm_error = 99,
  /// A non-2xx HTTP status without a Last.fm error body.
  http_error = 100,
  /// The request did not finish within its deadline.
  timeout,
  /// Connecting, TLS or the socket failed.
  network,
  /// The body was not the JSON we expected (truncated, HTML, wrong shape).
  malformed_response,
  /// Our own queue was full or the request waited past its deadline.
  busy,
  /// The caller went away or the engine is shutting down.
  cancelled,
};

/// The stable snake_case name of `x`, for logs, metrics and i18n keys.
std::string_view to_string(fm_errc x) noexcept;

/// Maps a Last.fm error number to our code; unknown numbers give
/// `unknown_lastfm_error`.
fm_errc from_lastfm_code(int code) noexcept;

/// Whether retrying the same request later may succeed: HTTP 5xx, timeouts,
/// network failures and Last.fm errors 8, 11 and 16. Rate limiting (29) is not
/// transient here: it is answered by slowing down, never by a blind retry.
bool is_transient(fm_errc x) noexcept;

/// An error as it reaches whoever asked.
struct fm_error {
  fm_errc code = fm_errc::operation_failed;
  /// Last.fm's number when the error came from Last.fm, else 0.
  int lastfm_code = 0;
  /// Last.fm's message or our explanation; for logs, never shown to users.
  std::string message;
  /// The HTTP status of the response, 0 when there was none.
  int http_status = 0;
};

/// Refines `is_transient(e.code)`: an `http_error` with a 4xx status is a
/// request we got wrong and is not retried.
bool is_transient(const fm_error& e) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fm_error& x) {
  return f(caf::meta::type_name("fm_error"), x.code, x.lastfm_code, x.message,
           x.http_status);
}

// -- periods ------------------------------------------------------------------

/// The time ranges of Last.fm's top lists.
enum class period : std::uint8_t {
  overall,
  seven_day,
  one_month,
  three_month,
  six_month,
  twelve_month,
};

/// Last.fm's spelling: "overall", "7day", "1month", ... "12month".
std::string_view to_string(period x) noexcept;

/// Parses Last.fm's spelling (exactly what `to_string` gives, ASCII case
/// ignored); anything else gives nullopt.
std::optional<period> period_from_string(std::string_view str) noexcept;

// -- data ---------------------------------------------------------------------

/// One track as Last.fm lists it (recent tracks, album tracks).
struct track {
  std::string name;
  std::string artist;
  /// Empty when Last.fm knows no album.
  std::string album;
  std::string url;
  std::string mbid;
  /// The largest cover URL; empty when Last.fm has none.
  std::string image;
  bool now_playing = false;
  /// Only known for extended recent tracks; false otherwise.
  bool loved = false;
  /// Unix seconds of the scrobble; 0 when now playing or unknown.
  std::int64_t played_at = 0;
  /// 0 unless the request named a user.
  std::int64_t user_playcount = 0;
  /// Seconds; 0 when unknown.
  std::int64_t duration = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, track& x) {
  return f(caf::meta::type_name("fm_track"), x.name, x.artist, x.album, x.url,
           x.mbid, x.image, x.now_playing, x.loved, x.played_at,
           x.user_playcount, x.duration);
}

/// A page of user.getRecentTracks. A now-playing track, when there is one,
/// comes first and is not counted by `per_page`.
struct recent_tracks {
  std::string user;
  std::int64_t total = 0;
  std::int64_t page = 0;
  std::int64_t per_page = 0;
  std::int64_t total_pages = 0;
  std::vector<track> tracks;
  /// Set only in outage mode, when this answer came from the cache instead
  /// of Last.fm: how old it is, in seconds (0 otherwise).
  std::int64_t cached_age_seconds = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recent_tracks& x) {
  return f(caf::meta::type_name("fm_recent_tracks"), x.user, x.total, x.page,
           x.per_page, x.total_pages, x.tracks, x.cached_age_seconds);
}

/// user.getInfo.
struct user_info {
  std::string name;
  std::string realname;
  std::string url;
  std::string country;
  std::string image;
  std::int64_t playcount = 0;
  /// 0 when Last.fm does not report the count (older responses).
  std::int64_t artist_count = 0;
  std::int64_t album_count = 0;
  std::int64_t track_count = 0;
  /// Unix seconds of registration.
  std::int64_t registered = 0;
  bool subscriber = false;
  /// Set only in outage mode, when this answer came from the cache instead
  /// of Last.fm: how old it is, in seconds (0 otherwise).
  std::int64_t cached_age_seconds = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_info& x) {
  return f(caf::meta::type_name("fm_user_info"), x.name, x.realname, x.url,
           x.country, x.image, x.playcount, x.artist_count, x.album_count,
           x.track_count, x.registered, x.subscriber, x.cached_age_seconds);
}

/// What a top list ranks.
enum class top_kind : std::uint8_t { artists, albums, tracks };

std::string_view to_string(top_kind x) noexcept;

/// One entry of a top list.
struct top_item {
  std::int64_t rank = 0;
  std::string name;
  /// The artist of an album or track; empty in a top artists list.
  std::string artist;
  std::int64_t playcount = 0;
  std::string url;
  std::string mbid;
  std::string image;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, top_item& x) {
  return f(caf::meta::type_name("fm_top_item"), x.rank, x.name, x.artist,
           x.playcount, x.url, x.mbid, x.image);
}

/// A page of user.getTopArtists / getTopAlbums / getTopTracks.
struct top_list {
  top_kind kind = top_kind::artists;
  std::string user;
  period range = period::overall;
  /// How many distinct entities the user has in this period.
  std::int64_t total = 0;
  std::int64_t page = 0;
  std::int64_t total_pages = 0;
  std::vector<top_item> items;
  /// Set only in outage mode, when this answer came from the cache instead
  /// of Last.fm: how old it is, in seconds (0 otherwise).
  std::int64_t cached_age_seconds = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, top_list& x) {
  return f(caf::meta::type_name("fm_top_list"), x.kind, x.user, x.range,
           x.total, x.page, x.total_pages, x.items, x.cached_age_seconds);
}

/// artist.getInfo (with `username` for the user's play count).
struct artist_info {
  std::string name;
  std::string mbid;
  std::string url;
  std::string image;
  std::int64_t listeners = 0;
  std::int64_t playcount = 0;
  std::int64_t user_playcount = 0;
  std::vector<std::string> tags;
  /// The bio summary as plain text: links removed, entities decoded.
  std::string bio;
  /// Names of similar artists, most similar first.
  std::vector<std::string> similar;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, artist_info& x) {
  return f(caf::meta::type_name("fm_artist_info"), x.name, x.mbid, x.url,
           x.image, x.listeners, x.playcount, x.user_playcount, x.tags, x.bio,
           x.similar);
}

/// album.getInfo (with `username` for the user's play count).
struct album_info {
  std::string name;
  std::string artist;
  std::string mbid;
  std::string url;
  std::string image;
  std::int64_t listeners = 0;
  std::int64_t playcount = 0;
  std::int64_t user_playcount = 0;
  std::vector<std::string> tags;
  std::int64_t track_count = 0;
  /// Sum of the known track durations in seconds; 0 when unknown.
  std::int64_t duration = 0;
  /// The wiki summary as plain text; empty when there is none.
  std::string summary;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, album_info& x) {
  return f(caf::meta::type_name("fm_album_info"), x.name, x.artist, x.mbid,
           x.url, x.image, x.listeners, x.playcount, x.user_playcount, x.tags,
           x.track_count, x.duration, x.summary);
}

/// track.getInfo (with `username` for the user's play count and love).
struct track_info {
  std::string name;
  std::string artist;
  /// Empty when Last.fm knows no album for the track.
  std::string album;
  std::string mbid;
  std::string url;
  /// The album's cover; empty when there is no album or no cover.
  std::string image;
  std::int64_t listeners = 0;
  std::int64_t playcount = 0;
  std::int64_t user_playcount = 0;
  bool user_loved = false;
  std::vector<std::string> tags;
  /// Seconds (Last.fm sends milliseconds here); 0 when unknown.
  std::int64_t duration = 0;
  std::string summary;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, track_info& x) {
  return f(caf::meta::type_name("fm_track_info"), x.name, x.artist, x.album,
           x.mbid, x.url, x.image, x.listeners, x.playcount, x.user_playcount,
           x.user_loved, x.tags, x.duration, x.summary);
}

/// One entry of artist.getSimilar.
struct similar_artist {
  std::string name;
  std::string mbid;
  std::string url;
  std::string image;
  /// Similarity in [0, 1].
  double match = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, similar_artist& x) {
  return f(caf::meta::type_name("fm_similar_artist"), x.name, x.mbid, x.url,
           x.image, x.match);
}

/// artist.getSimilar.
struct similar_artists {
  /// The artist the list is for, as Last.fm spells it.
  std::string artist;
  std::vector<similar_artist> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, similar_artists& x) {
  return f(caf::meta::type_name("fm_similar_artists"), x.artist, x.items);
}

/// artist.getCorrection: the name Last.fm files an artist under (a
/// redirect or a spelling it corrects). `name` is empty when Last.fm knows
/// no correction for the name asked.
struct artist_correction {
  std::string name;
  std::string mbid;
  std::string url;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, artist_correction& x) {
  return f(caf::meta::type_name("fm_artist_correction"), x.name, x.mbid, x.url);
}

/// auth.getToken: a token the user authorises on last.fm.
struct auth_token {
  std::string token;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auth_token& x) {
  return f(caf::meta::type_name("fm_auth_token"), x.token);
}

/// auth.getSession: the linked account and its session key (a secret: never
/// log it).
struct auth_session {
  std::string name;
  std::string key;
  bool subscriber = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auth_session& x) {
  return f(caf::meta::type_name("fm_auth_session"), x.name, x.key,
           x.subscriber);
}

/// One week of user.getWeeklyChartList, unix seconds [from, to).
struct chart_range {
  std::int64_t from = 0;
  std::int64_t to = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chart_range& x) {
  return f(caf::meta::type_name("fm_chart_range"), x.from, x.to);
}

/// user.getWeeklyChartList, oldest week first.
struct weekly_chart_list {
  std::string user;
  std::vector<chart_range> charts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, weekly_chart_list& x) {
  return f(caf::meta::type_name("fm_weekly_chart_list"), x.user, x.charts);
}

/// The answer to a write (track.love / track.unlove): nothing but success.
struct write_ack {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_ack&) {
  return f(caf::meta::type_name("fm_write_ack"));
}

} // namespace lastgram::fm
