#pragma once

/// Last.fm response bodies built from a test's own listening history,
/// shaped like the real payloads in fixtures/lastfm (numbers as strings,
/// "@attr" blocks, "#text" values, a now playing track without a date), for
/// fakes that must answer page by page.

#include <cstdint>
#include <string>
#include <vector>

#include "support/fake_lastfm.hpp"

namespace lastgram::test {

/// One entry of a made-up listening history.
struct fake_scrobble {
  std::string name;
  std::string artist;
  std::string album;
  /// Unix seconds; ignored for the now playing track.
  std::int64_t played_at = 0;
  bool now_playing = false;
};

/// The user.getRecentTracks answer to `call` (its `page`, `limit`, `from`
/// and `to`, as Last.fm reads them) over `history`, newest first. A now
/// playing entry (only as the first) tops every page and is not counted in
/// the totals, as on Last.fm.
std::string recent_tracks_body(const std::string& user, const std::vector<fake_scrobble>& history,
                               const fake_call& call);

/// 2026-01-15 12:00:00 UTC, a Thursday.
inline constexpr std::int64_t history_start = 1768478400;

/// A now playing track ("Now Song" by "Live Band") over 25 scrobbles three
/// minutes apart from history_start back, newest first: "Song N" by
/// "Artist (N-1)%3" on "Album".
std::vector<fake_scrobble> made_up_history();

/// For /peak: three scrobbles of "Day" by "Band A" on "One" at 10:00 UTC
/// of `day` (a midnight UTC), then four by "Band B" on "Two" ("Night" three
/// times, "Late" once) at 20:00 UTC, already the next day in Tokyo.
std::vector<fake_scrobble> peak_history(std::int64_t day);

/// For /streak: now playing Song A by Artist X on Album Q, over Song A
/// three times, Song B twice (same artist and album), Song C by Artist X on
/// Other, Song D by Artist Y on Album Q: streaks of 4 (track), 6 (album) and
/// 7 (artist).
std::vector<fake_scrobble> streak_history();

/// For /pace: 300 scrobbles two hours apart back from an hour before `now`
/// (10 a day over the last month).
std::vector<fake_scrobble> pace_history(std::int64_t now);

/// `s` as a JSON string literal (quotes and backslashes escaped; the
/// payloads' names need nothing more).
std::string quoted(const std::string& s);

/// The user.getInfo fixture with the account renamed `name`.
std::string user_info_body(const std::string& name);

/// The artist.getInfo fixture (with username) with the user's play count
/// set to `userplaycount`.
std::string artist_info_body(std::int64_t userplaycount);

/// The album.getInfo fixture (Paramore - Paramore, with username) with the
/// user's play count set to `userplaycount`.
std::string album_info_body(std::int64_t userplaycount);

/// The current Unix time in seconds.
std::int64_t unix_now();

/// "Thursday, January 15, 2026": `t` in UTC as ICU writes a long English date.
std::string long_date_utc(std::int64_t t);

} // namespace lastgram::test
