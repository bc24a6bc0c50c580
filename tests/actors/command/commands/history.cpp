// The arithmetic behind /peak, /streak, /milestone and /pace.

#include <catch2/catch.hpp>

#include "actors/command/commands/history.hpp"

using namespace lastgram;
using namespace lastgram::command::history;

namespace {

fm::track scrobble(std::string name, std::string artist, std::string album, std::int64_t at) {
  fm::track t;
  t.name = std::move(name);
  t.artist = std::move(artist);
  t.album = std::move(album);
  t.played_at = at;
  return t;
}

/// 2026-01-15 00:00 UTC.
constexpr std::int64_t jan15 = 1768435200;

} // namespace

TEST_CASE("the busiest day is counted on the zone's wall clock", "[history][peak]") {
  std::vector<fm::track> tracks;
  // Three on the 15th at 10:00 UTC, four at 20:00 UTC (the 16th in Tokyo).
  for (int i = 0; i < 3; ++i)
    tracks.push_back(scrobble("Day", "A", "One", jan15 + 10 * 3600 + i * 60));
  for (int i = 0; i < 4; ++i)
    tracks.push_back(scrobble(i < 3 ? "Night" : "Late", "B", "Two", jan15 + 20 * 3600 + i * 60));
  auto utc = busiest_day(tracks, "UTC");
  REQUIRE(utc);
  CHECK(utc->day_start == jan15);
  CHECK(utc->scrobbles == 7);
  CHECK(utc->seconds == 7 * default_track_seconds);
  REQUIRE(utc->artists.size() == 2);
  CHECK(utc->artists[0].name == "B");
  CHECK(utc->artists[0].plays == 4);
  CHECK(utc->tracks[0].name == "Day");
  CHECK(utc->tracks[0].plays == 3);

  auto tokyo = busiest_day(tracks, "Asia/Tokyo");
  REQUIRE(tokyo);
  CHECK(tokyo->day_start == jan15 + 86400 - 9 * 3600);
  CHECK(tokyo->scrobbles == 4);
  CHECK(tokyo->tracks[0].name == "Night");
  CHECK(tokyo->albums[0].name == "Two");
  CHECK(tokyo->albums[0].artist == "B");
}

TEST_CASE("known durations count instead of three minutes and now playing is left out",
          "[history][peak]") {
  std::vector<fm::track> tracks{scrobble("Long", "A", "", jan15 + 100)};
  tracks[0].duration = 600;
  tracks.push_back(scrobble("Short", "A", "", jan15 + 900));
  auto playing = scrobble("Now", "A", "", 0);
  playing.now_playing = true;
  tracks.insert(tracks.begin(), playing);
  auto day = busiest_day(tracks, "UTC");
  REQUIRE(day);
  CHECK(day->scrobbles == 2);
  CHECK(day->seconds == 600 + default_track_seconds);
  CHECK(day->albums.empty());
  CHECK_FALSE(busiest_day({playing}, "UTC"));
}

TEST_CASE("looked up durations replace three minutes for the untimed tracks only",
          "[history][peak]") {
  std::vector<fm::track> tracks{scrobble("Timed", "A", "", jan15 + 10)};
  tracks[0].duration = 600;
  for (int i = 0; i < 3; ++i)
    tracks.push_back(scrobble("Often", "A", "", jan15 + 100 + i));
  tracks.push_back(scrobble("Once", "B", "", jan15 + 200));
  tracks.push_back(scrobble("Rare", "C", "", jan15 + 300));
  auto day = busiest_day(tracks, "UTC");
  REQUIRE(day);
  CHECK(day->seconds == 600 + 5 * default_track_seconds);
  // The timed scrobble is not among the untimed; most played first.
  REQUIRE(day->untimed.size() == 3);
  CHECK(day->untimed[0].name == "Often");
  CHECK(day->untimed[0].plays == 3);
  // Often is 4 minutes, Once unknown (0), Rare not looked up.
  apply_durations(*day, {240, 0});
  CHECK(day->seconds == 600 + 3 * 240 + 2 * default_track_seconds);
}

TEST_CASE("streaks stop where each one breaks and carry over pages", "[history][streak]") {
  std::vector<fm::track> page1{scrobble("Song A", "X", "Q", 0), scrobble("song a", "x", "q", 5),
                               scrobble("Song B", "X", "Q", 4)};
  page1[0].now_playing = true;
  std::vector<fm::track> page2{page1[0], scrobble("Song C", "X", "Other", 3),
                               scrobble("Song D", "Y", "Q", 2), scrobble("Song A", "X", "Q", 1)};
  streak s;
  extend(s, page1, true);
  CHECK(s.open());
  CHECK(s.track == 2);
  CHECK(s.album == 3);
  extend(s, page2, false);
  CHECK_FALSE(s.open());
  CHECK(s.reference.name == "Song A");
  CHECK(s.track == 2);
  CHECK(s.album == 3);
  CHECK(s.artist == 4);
}

TEST_CASE("milestones are found by page arithmetic", "[history][milestone]") {
  CHECK(last_round_number(138223) == 130000);
  CHECK(last_round_number(94618) == 94000);
  CHECK(last_round_number(1234567) == 1200000);
  CHECK(last_round_number(999) == 900);
  CHECK(last_round_number(42) == 1);
  CHECK(milestone_page(25, 1) == 25);
  CHECK(milestone_page(25, 25) == 1);
  CHECK(milestone_page(25, 10) == 16);
  CHECK_FALSE(milestone_page(25, 26));
  CHECK_FALSE(milestone_page(25, 0));
}

TEST_CASE("pace reaches the goal at the period's daily rate", "[history][pace]") {
  CHECK(next_goal(138223) == 140000);
  CHECK(next_goal(140000) == 150000);
  CHECK(next_goal(0) == 10000);
  CHECK(period_seconds(fm::period::one_month) == 30 * 86400);
  CHECK_FALSE(period_seconds(fm::period::overall));
  CHECK(reach_time(100, 200, 10.0, 1000) == 1000 + 10 * 86400);
  CHECK(reach_time(300, 200, 10.0, 1000) == 1000);
  CHECK_FALSE(reach_time(100, 200, 0.0, 1000));
  CHECK_FALSE(reach_time(0, 1000000000, 0.001, 1000));
}
