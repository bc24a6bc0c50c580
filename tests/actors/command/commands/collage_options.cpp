// The words of /cllg and /acllg: any order, every spelling, bad inputs, and
// the words a button carries parsing back to the same collage.

#include <catch2/catch.hpp>

#include <algorithm>

#include "actors/command/commands/collage_options.hpp"

using namespace lastgram;
using namespace lastgram::command::collage;

namespace {

using words = std::vector<std::string>;

options must_parse(const words& w, bool with_size = true) {
  auto parsed = parse_options(w, with_size);
  INFO("words: " << Catch::Detail::stringify(w));
  REQUIRE_FALSE(parsed.problem);
  return parsed.opts;
}

options_problem must_fail(const words& w, bool with_size = true) {
  auto parsed = parse_options(w, with_size);
  INFO("words: " << Catch::Detail::stringify(w));
  REQUIRE(parsed.problem);
  return *parsed.problem;
}

} // namespace

TEST_CASE("a collage without words is a labelled 3x3 of albums over 7 days", "[collage]") {
  auto o = must_parse({});
  CHECK(o.columns == 3);
  CHECK(o.rows == 3);
  CHECK(o.kind == fm::top_kind::albums);
  CHECK(o.range == fm::period::seven_day);
  CHECK(o.labels);
  CHECK(o.user.empty());
}

TEST_CASE("collage words are understood in any order", "[collage]") {
  words w{"5x5", "artists", "1m"};
  std::sort(w.begin(), w.end());
  do {
    auto o = must_parse(w);
    CHECK(o.columns == 5);
    CHECK(o.rows == 5);
    CHECK(o.kind == fm::top_kind::artists);
    CHECK(o.range == fm::period::one_month);
  } while (std::next_permutation(w.begin(), w.end()));
  // A two-word period keeps its words together wherever it stands.
  for (const auto& order : {words{"3", "months", "4", "tracks"}, words{"4", "3", "months", "tracks"},
                            words{"tracks", "4", "3", "months"}}) {
    auto o = must_parse(order);
    CHECK(o.columns == 4);
    CHECK(o.range == fm::period::three_month);
    CHECK(o.kind == fm::top_kind::tracks);
  }
}

TEST_CASE("collage sizes come as NxN MxN N and with capitals or the times sign", "[collage]") {
  auto size = [](const std::string& w) {
    auto o = must_parse({w});
    return std::make_pair(o.columns, o.rows);
  };
  CHECK(size("5x5") == std::make_pair(5, 5));
  CHECK(size("5") == std::make_pair(5, 5));
  CHECK(size("1") == std::make_pair(1, 1));
  CHECK(size("10x10") == std::make_pair(10, 10));
  CHECK(size("4x6") == std::make_pair(4, 6));
  CHECK(size("7X2") == std::make_pair(7, 2));
  CHECK(size("3\xC3\x97" "3") == std::make_pair(3, 3));
  CHECK(size("2*8") == std::make_pair(2, 8));
}

TEST_CASE("collage entities have long and short names in any case", "[collage]") {
  for (auto w : {"artist", "artists", "art", "ar", "ARTISTS"})
    CHECK(must_parse({w}).kind == fm::top_kind::artists);
  for (auto w : {"album", "albums", "alb", "al", "Alb"})
    CHECK(must_parse({w, "artists", w}).kind == fm::top_kind::albums);
  for (auto w : {"track", "tracks", "tr", "trk", "song", "songs"})
    CHECK(must_parse({w}).kind == fm::top_kind::tracks);
}

TEST_CASE("collage periods come in Last.fm's words short forms and with units", "[collage]") {
  auto period = [](words w) { return must_parse(w).range; };
  using fm::period;
  for (auto w : {"7day", "7d", "1w", "week", "7days"})
    CHECK(period({w}) == period::seven_day);
  CHECK(period({"7", "days"}) == period::seven_day);
  CHECK(period({"1", "week"}) == period::seven_day);
  for (auto w : {"1month", "1m", "month", "1mo", "30d"})
    CHECK(period({w}) == period::one_month);
  CHECK(period({"1", "month"}) == period::one_month);
  for (auto w : {"3month", "3m", "3months", "quarter"})
    CHECK(period({w}) == period::three_month);
  CHECK(period({"3", "months"}) == period::three_month);
  for (auto w : {"6month", "6m", "6months"})
    CHECK(period({w}) == period::six_month);
  for (auto w : {"12month", "12m", "1y", "year", "12MONTHS"})
    CHECK(period({w}) == period::twelve_month);
  CHECK(period({"12", "months"}) == period::twelve_month);
  CHECK(period({"1", "year"}) == period::twelve_month);
  for (auto w : {"overall", "all", "alltime", "Overall"})
    CHECK(period({w}) == period::overall);
}

TEST_CASE("collage switches and the carried Last.fm user", "[collage]") {
  CHECK_FALSE(must_parse({"nolabels"}).labels);
  CHECK(must_parse({"nolabels", "labels"}).labels);
  auto o = must_parse({"fm:SomeUser", "alb"});
  CHECK(o.user == "SomeUser");
  // A later word of the same sort wins.
  auto later = must_parse({"5x5", "7x7", "artists", "tracks", "1m", "overall"});
  CHECK(later.columns == 7);
  CHECK(later.kind == fm::top_kind::tracks);
  CHECK(later.range == fm::period::overall);
}

TEST_CASE("collage sizes outside 1x1 to 10x10 are refused with the word given", "[collage]") {
  for (auto w : {"11", "11x11", "0", "0x3", "3x0", "10x11", "99999999999", "100x1"}) {
    auto p = must_fail({"albums", w});
    CHECK(p.why == options_problem::reason::bad_size);
    CHECK(p.value == w);
  }
}

TEST_CASE("collage words that mean nothing are refused with the word given", "[collage]") {
  for (auto w : {"banana", "5x", "x5", "5x5x5", "-3", "3.5", "2m", "m", "fm:", "9d"}) {
    auto p = must_fail({"albums", w, "1m"});
    CHECK(p.why == options_problem::reason::unknown_word);
    CHECK(p.value == w);
  }
  // A number with a unit Last.fm has no period for is named whole.
  auto two = must_fail({"2", "months"});
  CHECK(two.why == options_problem::reason::unknown_word);
  CHECK(two.value == "2 months");
  CHECK(must_fail({"3", "weeks"}).value == "3 weeks");
  // The asymmetric collage has no size.
  auto sized = must_fail({"5x5", "albums"}, false);
  CHECK(sized.why == options_problem::reason::unknown_word);
  CHECK(sized.value == "5x5");
  CHECK(must_fail({"5"}, false).value == "5");
  // Its periods and entities are read as for the grid.
  auto asym = must_parse({"3", "months", "artists"}, false);
  CHECK(asym.range == fm::period::three_month);
  CHECK(asym.kind == fm::top_kind::artists);
}

TEST_CASE("the words a collage button carries parse back to the same collage", "[collage]") {
  for (auto kind : {fm::top_kind::artists, fm::top_kind::albums, fm::top_kind::tracks})
    for (auto range : {fm::period::seven_day, fm::period::one_month, fm::period::three_month,
                       fm::period::six_month, fm::period::twelve_month, fm::period::overall})
      for (bool labels : {true, false})
        for (bool with_size : {true, false}) {
          options o;
          o.columns = with_size ? 7 : default_side;
          o.rows = with_size ? 2 : default_side;
          o.kind = kind;
          o.range = range;
          o.labels = labels;
          o.user = "Some_User-1";
          auto back = must_parse(to_words(o, with_size), with_size);
          CHECK(back.columns == o.columns);
          CHECK(back.rows == o.rows);
          CHECK(back.kind == kind);
          CHECK(back.range == range);
          CHECK(back.labels == labels);
          CHECK(back.user == o.user);
        }
  CHECK(to_words(options{}, true) == words{"3x3", "albums", "7day", "labels"});
  CHECK(size_text(4, 5) == "4\xC3\x97" "5");
}
