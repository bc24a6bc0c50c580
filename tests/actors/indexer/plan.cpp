// The indexer's pure rules: pages, depths, kinds, progress and scrobble
// counts.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "actors/indexer/plan.hpp"

using namespace lastgram;
using namespace lastgram::indexer;

namespace {

fm::top_list page_of(int page, int total_pages, int total, int n) {
  fm::top_list l;
  l.page = page;
  l.total_pages = total_pages;
  l.total = total;
  for (int i = 0; i < n; ++i)
    l.items.push_back(fm::top_item{i + 1, "Name " + std::to_string(i), "By", 10 - i % 10, {}, {}, {}});
  return l;
}

indexer_settings cfg() {
  indexer_settings s;
  s.page_size = 1000;
  s.album_depth = 1500;
  s.track_depth = 0;
  return s;
}

} // namespace

TEST_CASE("every artist page is fetched and then the albums to their depth", "[indexer]") {
  auto c = cfg();
  index_state s = fresh_index(index_state{});
  REQUIRE(next_page(s, c)->page == 1);
  auto items = take_page(s, page_of(1, 3, 2500, 1000), c);
  CHECK(items.size() == 1000);
  CHECK(s.artists_total == 2500);
  CHECK(next_page(s, c)->page == 2);
  take_page(s, page_of(2, 3, 2500, 1000), c);
  take_page(s, page_of(3, 3, 2500, 500), c);
  CHECK(s.items_done == 2500);
  CHECK_FALSE(next_page(s, c));
  REQUIRE(advance_kind(s, c));
  CHECK(s.kind == entity_kind::album);
  CHECK(next_page(s, c)->page == 1);
  take_page(s, page_of(1, 9, 9000, 1000), c);
  CHECK(s.items_total == 1500);
  auto second = take_page(s, page_of(2, 9, 9000, 1000), c);
  CHECK(second.size() == 500); // trimmed to the depth
  CHECK_FALSE(next_page(s, c));
  // Track depth 0: no tracks.
  CHECK_FALSE(advance_kind(s, c));
}

TEST_CASE("an empty library completes after its first page", "[indexer]") {
  auto c = cfg();
  index_state s = fresh_index(index_state{});
  take_page(s, page_of(1, 0, 0, 0), c);
  CHECK_FALSE(next_page(s, c));
}

TEST_CASE("a finished index is due after the interval and keeps the newest scrobble", "[indexer]") {
  auto c = cfg();
  c.interval_hours = 48;
  index_state s;
  s.last_scrobble_at = 500;
  finish_index(s, 1000, 777, 400, c);
  CHECK(s.status == index_status::done);
  CHECK(s.next_due_at == 1000 + 48 * 3600);
  CHECK(s.last_scrobble_at == 500);
  CHECK(s.scrobbles == 777);
  CHECK(s.page == 0);
}

TEST_CASE("recent scrobbles are counted per artist album and track without now playing",
          "[indexer]") {
  std::vector<fm::track> tracks(4);
  tracks[0].name = "Playing";
  tracks[0].artist = "A";
  tracks[0].now_playing = true;
  tracks[1] = fm::track{"One", "A", "X", {}, {}, {}, false, false, 300, 0, 0};
  tracks[2] = fm::track{"One", "A", "X", {}, {}, {}, false, false, 200, 0, 0};
  tracks[3] = fm::track{"Two", "B", "", {}, {}, {}, false, false, 100, 0, 0};
  auto counts = count_scrobbles(tracks);
  CHECK(counts.count == 3);
  CHECK(counts.newest == 300);
  REQUIRE(counts.artists.size() == 2);
  CHECK(counts.artists[0].name == "A");
  CHECK(counts.artists[0].playcount == 2);
  CHECK(counts.artists[0].played_at.size() == 2);
  REQUIRE(counts.albums.size() == 1); // no album for "Two"
  CHECK(counts.albums[0].artist == "A");
  CHECK(counts.tracks.size() == 2);
}

TEST_CASE("users active in groups fall due after the shorter interval", "[indexer]") {
  indexer_settings s;
  s.interval_hours = 48;
  s.active_interval_hours = 12;
  auto rule = active_due_rule(1000000, s);
  // Active: a group command within the last 48 h; due: a full index 12 h old.
  CHECK(rule.active_since == 1000000 - 48 * 3600);
  CHECK(rule.full_before == 1000000 - 12 * 3600);
  s.active_interval_hours = 48;
  auto off = active_due_rule(1000000, s);
  CHECK(off.active_since == 0);
  CHECK(off.full_before == 0);
}

TEST_CASE("artist names are corrected as far as the corrections are known", "[indexer]") {
  std::vector<library_item> albums{{"Appetite", "Guns and Roses", 9},
                                   {"Use Your Illusion", "guns and roses", 3},
                                   {"Abbey Road", "The Beatles", 5}};
  auto names = artist_names(entity_kind::album, albums);
  CHECK(names == std::vector<std::string>{"Guns and Roses", "The Beatles"});
  correction_map known{{"guns and roses", "Guns N' Roses"}};
  CHECK(unknown_names(names, known, 5) == std::vector<std::string>{"The Beatles"});
  CHECK(unknown_names(names, {}, 1) == std::vector<std::string>{"Guns and Roses"});
  apply_corrections(entity_kind::album, albums, known);
  CHECK(albums[0].artist == "Guns N' Roses");
  CHECK(albums[1].artist == "Guns N' Roses");
  CHECK(albums[1].name == "Use Your Illusion");
  CHECK(albums[2].artist == "The Beatles");
}
