#pragma once

/// Pure arithmetic over a listening history for /peak, /streak, /milestone
/// and /pace: tracks and numbers in, results out. No actor, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/fm.hpp"

namespace lastgram::command::history {

/// The system clock as Unix seconds.
std::int64_t unix_now();

/// Seconds one scrobble counts for when Last.fm gives no duration.
inline constexpr std::int64_t default_track_seconds = 180;

/// One ranked entry of a day: a name (with its artist for tracks and
/// albums) and how often it was played.
struct ranked {
  std::string name;
  std::string artist;
  std::int64_t plays = 0;
};

/// The busiest day among some scrobbles.
struct peak_day {
  /// The day as `i18n::local_day` numbers it, and its first second.
  std::int64_t day = 0;
  std::int64_t day_start = 0;
  std::int64_t scrobbles = 0;
  /// Track durations where known, else default_track_seconds a scrobble.
  std::int64_t seconds = 0;
  std::vector<ranked> tracks;
  std::vector<ranked> artists;
  std::vector<ranked> albums;
  /// The day's tracks whose scrobbles came without a duration (counted at
  /// default_track_seconds), most played first; `plays` counts only those.
  std::vector<ranked> untimed;
};

/// Recounts `day.seconds` with the durations (seconds, 0 for unknown) found
/// for the first `durations.size()` tracks of `day.untimed`: each of their
/// scrobbles counts its track's duration instead of default_track_seconds.
void apply_durations(peak_day& day, const std::vector<std::int64_t>& durations);

/// The day of `zone` with the most scrobbles among `tracks` (now playing
/// entries are skipped; a tie goes to the later day), with its top `top`
/// tracks, artists and albums. Nothing when there is no scrobble.
std::optional<peak_day> busiest_day(const std::vector<fm::track>& tracks, std::string_view zone,
                                    std::size_t top = 3);

/// How many times in a row the latest entries repeat the first one.
struct streak {
  /// The track the streaks are about (the now playing one when there is).
  fm::track reference;
  std::int64_t track = 0;
  std::int64_t album = 0;
  std::int64_t artist = 0;
  /// Every streak still going on at the end of what was read.
  bool track_open = true;
  bool album_open = true;
  bool artist_open = true;

  bool open() const { return track_open || album_open || artist_open; }
};

/// Extends `s` with `page` (the next page of recent tracks, newest first);
/// the first call sets the reference from the first entry. Compares names
/// case-insensitively. A now playing entry counts as a play.
void extend(streak& s, const std::vector<fm::track>& page, bool first_page);

/// The milestone /milestone shows by default for a user with `total`
/// scrobbles: the last round number at or below it (thousands below
/// 100,000, ten thousands below 1,000,000, hundred thousands above; hundreds
/// below 1,000; 1 below 100).
std::int64_t last_round_number(std::int64_t total);

/// The page of user.getRecentTracks (limit=1) that holds scrobble number
/// `n` (1 is the oldest) of `total`: total - n + 1. Nothing when n is not
/// in 1..total.
std::optional<std::int64_t> milestone_page(std::int64_t total, std::int64_t n);

/// The next multiple of 10,000 above `total`.
std::int64_t next_goal(std::int64_t total);

/// Seconds a Last.fm period spans for /pace (7, 30, 90, 180, 365 days);
/// nothing for overall (which counts from registration).
std::optional<std::int64_t> period_seconds(fm::period range);

/// When `goal` is reached at `per_day` scrobbles a day from `now` with
/// `total` so far (Unix seconds); nothing when the rate is zero.
std::optional<std::int64_t> reach_time(std::int64_t total, std::int64_t goal, double per_day,
                                       std::int64_t now);

} // namespace lastgram::command::history
