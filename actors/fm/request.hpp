#pragma once

/// Building Last.fm requests: one builder per method we call, the wire
/// encoding (query string or form body), the md5 `api_sig`, the canonical key
/// that identifies a request for coalescing and caching, and how long each
/// method's answer may be cached. Pure functions; OpenSSL stays in the .cpp.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messages/fm.hpp"

namespace lastgram::fm {

/// Name/value pairs in the order they were added. Values are raw UTF-8.
using param_list = std::vector<std::pair<std::string, std::string>>;

/// One Last.fm API call, before credentials are added. Internal to the fm
/// engine: it has no `inspect` on purpose, because a write's params hold the
/// user's session key, which must never reach a log line.
struct fm_request {
  /// Last.fm's method name, e.g. "user.getRecentTracks".
  std::string method;
  /// The method's parameters, without api_key, api_sig and format.
  param_list params;
  /// Needs an `api_sig` (auth calls and writes).
  bool needs_signature = false;
  /// Sent as POST; never cached, coalesced or retried blindly.
  bool is_write = false;
};

// -- encoding -----------------------------------------------------------------

/// Percent-encodes every byte except RFC 3986's unreserved characters
/// (A-Z a-z 0-9 - _ . ~); UTF-8 text is encoded byte by byte.
std::string percent_encode(std::string_view in);

/// Lower-case hex md5 of `data` (OpenSSL EVP).
std::string md5_hex(std::string_view data);

/// Last.fm's `api_sig`: the parameters sorted by name, each name followed by
/// its raw value, all concatenated, the secret appended, md5 in hex.
/// `format` and `callback` are not signed.
std::string api_signature(const param_list& params, std::string_view secret);

/// Every parameter as sent: `method`, the request's params, `api_key`,
/// `api_sig` when the request needs one, and `format=json`.
param_list wire_params(const fm_request& req, std::string_view api_key,
                       std::string_view api_secret);

/// `a=1&b=2` with names and values percent-encoded: a query string for GET or
/// an application/x-www-form-urlencoded body for POST.
std::string form_encode(const param_list& params);

/// form_encode(wire_params(req, api_key, api_secret)).
std::string encode_request(const fm_request& req, std::string_view api_key,
                           std::string_view api_secret);

/// The page where a user authorises `token` for our API key (the link of
/// /linkfm).
std::string auth_url(std::string_view api_key, std::string_view token);

// -- identity and caching -----------------------------------------------------

/// Identifies a request for coalescing and caching:
/// `lower(method)?name=value&...`, params sorted by name then value,
/// percent-encoded. Credentials (api_key, api_sig) and format/callback are
/// left out; `user`/`username` values are lower-cased (Last.fm user names are
/// case-insensitive ASCII); a session key is replaced by a short hash so the
/// key never carries the secret yet two sessions never share a key.
std::string cache_key(const fm_request& req);

/// How long an answer to `req` may be served from cache; zero means never
/// (writes, auth, signed calls, unknown methods).
std::chrono::seconds cache_ttl(const fm_request& req);

/// Whether an expired cached answer to `req` may still be served (for half
/// its TTL) while one call refreshes it; never for recent tracks.
bool serves_stale(const fm_request& req);

// -- builders -----------------------------------------------------------------

/// user.getInfo.
fm_request user_get_info(std::string_view user);

/// Options of user.getRecentTracks.
struct recent_tracks_query {
  std::string user;
  /// 1..200 (clamped).
  int limit = 10;
  /// From 1.
  int page = 1;
  /// Unix seconds; 0 leaves the bound out.
  std::int64_t from = 0;
  std::int64_t to = 0;
  /// extended=1: artist objects and the `loved` flag.
  bool extended = false;
};

/// user.getRecentTracks.
fm_request user_get_recent_tracks(const recent_tracks_query& query);

/// user.getTopArtists; `limit` is clamped to 1..1000.
fm_request user_get_top_artists(std::string_view user, period range,
                                int limit = 10, int page = 1);

/// user.getTopAlbums.
fm_request user_get_top_albums(std::string_view user, period range,
                               int limit = 10, int page = 1);

/// user.getTopTracks.
fm_request user_get_top_tracks(std::string_view user, period range,
                               int limit = 10, int page = 1);

/// user.getWeeklyChartList.
fm_request user_get_weekly_chart_list(std::string_view user);

/// artist.getInfo; `username` (optional) adds the user's play count.
fm_request artist_get_info(std::string_view artist,
                           std::string_view username = {},
                           bool autocorrect = true);

/// album.getInfo.
fm_request album_get_info(std::string_view artist, std::string_view album,
                          std::string_view username = {},
                          bool autocorrect = true);

/// track.getInfo.
fm_request track_get_info(std::string_view artist, std::string_view track,
                          std::string_view username = {},
                          bool autocorrect = true);

/// artist.getSimilar; `limit` is clamped to 1..1000.
fm_request artist_get_similar(std::string_view artist, int limit = 10,
                              bool autocorrect = true);

/// artist.getCorrection.
fm_request artist_get_correction(std::string_view artist);

/// track.love: a signed POST on behalf of the session `session_key`.
fm_request track_love(std::string_view artist, std::string_view track,
                      std::string_view session_key);

/// track.unlove: a signed POST on behalf of the session `session_key`.
fm_request track_unlove(std::string_view artist, std::string_view track,
                        std::string_view session_key);

/// auth.getToken (signed).
fm_request auth_get_token();

/// auth.getSession for a token the user authorised (signed).
fm_request auth_get_session(std::string_view token);

} // namespace lastgram::fm
