// The music commands' pure formatting: now playing, /last and usernames.

#include <catch2/catch.hpp>

#include "support/build_paths.hpp"
#include "actors/command/commands/music_format.hpp"

using namespace lastgram;
using namespace lastgram::command::music;

namespace {

const i18n::catalog& texts() {
  static const i18n::catalog c = [] {
    auto loaded = i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales");
    if (!loaded)
      FAIL(loaded.error);
    return *loaded.value;
  }();
  return c;
}

fm::track sample_track() {
  fm::track t;
  t.name = "Apocalypse Dreams";
  t.artist = "Tame Impala";
  t.album = "Lonerism";
  t.image = "https://lastfm.freetls.fastly.net/i/u/300x300/cover.png";
  t.now_playing = true;
  return t;
}

now_playing_view sample_view() {
  now_playing_view v;
  v.who = "Ana";
  v.track = sample_track();
  v.user_playcount = 36;
  v.tags = {"Psychedelic Rock", "indie-pop"};
  return v;
}

/// The span holding exactly `text`, or nullptr.
const text_span* span_of(const rich_text& rt, const std::string& text) {
  for (auto& s : rt)
    if (s.text == text)
      return &s;
  return nullptr;
}

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("now playing names the listener in bold and lists track, album, artist, plays and tags",
          "[music]") {
  auto r = format_now_playing(texts(), "en", sample_view());
  auto text = plain_text(r.text);
  CHECK(text.rfind("Ana is listening to:\n", 0) == 0);
  REQUIRE(span_of(r.text, "Ana") != nullptr);
  CHECK(span_of(r.text, "Ana")->style == style_bold);
  REQUIRE(span_of(r.text, "Apocalypse Dreams") != nullptr);
  CHECK(span_of(r.text, "Apocalypse Dreams")->style == style_bold);
  CHECK(has(text, "🎵 Apocalypse Dreams\n💽 Lonerism\n🧑‍🎤 Tame Impala\n📊 36 scrobbles"));
  CHECK(has(text, "#psychedelic_rock #indie_pop"));
  CHECK(r.image_url == "https://lastfm.freetls.fastly.net/i/u/300x300/cover.png");
}

TEST_CASE("a track no longer playing reads as last played, in Portuguese too", "[music]") {
  auto v = sample_view();
  v.track.now_playing = false;
  CHECK(plain_text(format_now_playing(texts(), "en", v).text).rfind("Ana was listening to:", 0) == 0);
  auto pt = plain_text(format_now_playing(texts(), "pt", v).text);
  CHECK(pt.rfind("Ana estava ouvindo:", 0) == 0);
  CHECK(has(pt, "36 scrobbles"));
  v.track.now_playing = true;
  CHECK(plain_text(format_now_playing(texts(), "pt", v).text).rfind("Ana está ouvindo:", 0) == 0);
}

TEST_CASE("the play count uses the plural form of its number", "[music]") {
  auto v = sample_view();
  v.user_playcount = 1;
  CHECK(has(plain_text(format_now_playing(texts(), "en", v).text), "📊 1 scrobble"));
  CHECK_FALSE(has(plain_text(format_now_playing(texts(), "en", v).text), "1 scrobbles"));
  v.user_playcount = 1234;
  CHECK(has(plain_text(format_now_playing(texts(), "en", v).text), "📊 1,234 scrobbles"));
  v.focus = np_focus::album;
  CHECK(has(plain_text(format_now_playing(texts(), "en", v).text),
            "📊 1,234 plays of this album"));
  v.focus = np_focus::artist;
  v.user_playcount = 1;
  CHECK(has(plain_text(format_now_playing(texts(), "pt", v).text),
            "📊 1 reprodução deste artista"));
}

TEST_CASE("a failed info call leaves the play count and tags out", "[music]") {
  auto v = sample_view();
  v.user_playcount.reset();
  v.tags.clear();
  auto text = plain_text(format_now_playing(texts(), "en", v).text);
  CHECK_FALSE(has(text, "📊"));
  CHECK_FALSE(has(text, "#"));
  CHECK(has(text, "🧑‍🎤 Tame Impala"));
}

TEST_CASE("a loved track shows the user's emoji, or a heart by default", "[music]") {
  auto v = sample_view();
  v.loved = true;
  v.loved_emoji = "💖";
  CHECK(has(plain_text(format_now_playing(texts(), "en", v).text), "💖 Apocalypse Dreams"));
  v.loved_emoji.clear();
  CHECK(has(plain_text(format_now_playing(texts(), "en", v).text), "❤️ Apocalypse Dreams"));
  v.loved = false;
  v.loved_emoji = "💖";
  CHECK(has(plain_text(format_now_playing(texts(), "en", v).text), "🎵 Apocalypse Dreams"));
}

TEST_CASE("tags are hidden when the user turned them off", "[music]") {
  auto v = sample_view();
  v.show_tags = false;
  CHECK_FALSE(has(plain_text(format_now_playing(texts(), "en", v).text), "#psychedelic_rock"));
}

TEST_CASE("a track without an album has no album line", "[music]") {
  auto v = sample_view();
  v.track.album.clear();
  auto text = plain_text(format_now_playing(texts(), "en", v).text);
  CHECK_FALSE(has(text, "💽"));
  CHECK(has(text, "🎵 Apocalypse Dreams\n🧑‍🎤 Tame Impala"));
}

TEST_CASE("album and artist focus put their entity in bold", "[music]") {
  auto v = sample_view();
  v.focus = np_focus::album;
  v.image = "https://example.invalid/album.png";
  auto r = format_now_playing(texts(), "en", v);
  CHECK_FALSE(has(plain_text(r.text), "Apocalypse Dreams"));
  REQUIRE(span_of(r.text, "Lonerism") != nullptr);
  CHECK(span_of(r.text, "Lonerism")->style == style_bold);
  CHECK(r.image_url == "https://example.invalid/album.png");
  v.focus = np_focus::artist;
  r = format_now_playing(texts(), "en", v);
  REQUIRE(span_of(r.text, "Tame Impala") != nullptr);
  CHECK(span_of(r.text, "Tame Impala")->style == style_bold);
  // Only the focused entity is bold.
  for (auto& span : r.text)
    if (span.style == style_bold)
      CHECK((span.text == "Tame Impala" || span.text == "Ana"));
}

TEST_CASE("names with markup characters are kept verbatim", "[music]") {
  auto v = sample_view();
  v.who = "<b>&";
  v.track.name = "<i>Song</i> & co";
  v.track.artist = "A&B <x>";
  auto r = format_now_playing(texts(), "en", v);
  REQUIRE(span_of(r.text, "<b>&") != nullptr);
  CHECK(span_of(r.text, "<i>Song</i> & co") != nullptr);
  CHECK(has(plain_text(r.text), "🧑‍🎤 A&B <x>"));
  CHECK_FALSE(has(plain_text(r.text), "&amp;"));
}

TEST_CASE("the profile shows scrobbles a day, age, country, tops and recent tracks",
          "[music]") {
  user_info_view v;
  v.user.name = "TyphoonsNotABot";
  v.user.playcount = 138223;
  v.user.country = "United Kingdom";
  v.user.registered = 1561177193; // 2019-06-22
  v.user.image = "https://example.invalid/avatar.png";
  v.now = v.user.registered + 1000 * 86400 + 5;
  v.top_artist = fm::top_item{1, "Queen", "", 1511, "", "", ""};
  v.top_album = fm::top_item{1, "The Best Of", "Joy Division", 596, "", "", ""};
  v.top_track = fm::top_item{1, "Love Will Tear Us Apart", "Joy Division", 1, "", "", ""};
  auto t = sample_track();
  auto older = sample_track();
  older.now_playing = false;
  older.name = "Endors Toi";
  v.recent = std::vector<fm::track>{t, older};

  auto r = format_user_info(texts(), "en", v);
  auto text = plain_text(r.text);
  CHECK(text.rfind("TyphoonsNotABot on Last.fm", 0) == 0);
  CHECK(has(text, "138,223 scrobbles (138.2 a day)"));
  CHECK(has(text, "since 2019-06-22 (1,000 days)"));
  CHECK(has(text, "Country: United Kingdom"));
  CHECK(has(text, "Top artist: Queen (1,511 plays)"));
  CHECK(has(text, "Top album: The Best Of by Joy Division (596 plays)"));
  CHECK(has(text, "Top track: Love Will Tear Us Apart by Joy Division (1 play)"));
  CHECK(has(text, "Recent tracks"));
  CHECK(has(text, "Apocalypse Dreams — Tame Impala"));
  CHECK(has(text, "Endors Toi — Tame Impala"));
  CHECK(r.image_url == "https://example.invalid/avatar.png");

  auto pt = plain_text(format_user_info(texts(), "pt", v).text);
  CHECK(has(pt, "138.223 scrobbles (138,2 por dia)"));
  CHECK(has(pt, "Artista mais ouvido: Queen (1.511 reproduções)"));
  CHECK(has(pt, "Últimas músicas"));
}

TEST_CASE("the profile leaves out what did not arrive", "[music]") {
  user_info_view v;
  v.user.name = "someone";
  v.user.playcount = 10;
  v.user.country = "None";
  v.now = 100;
  auto text = plain_text(format_user_info(texts(), "en", v).text);
  CHECK(has(text, "10 scrobbles (10 a day)"));
  CHECK_FALSE(has(text, "Country"));
  CHECK_FALSE(has(text, "since"));
  CHECK_FALSE(has(text, "Top"));
  CHECK_FALSE(has(text, "Recent"));
}

TEST_CASE("usernames are taken from names and profile links", "[music]") {
  CHECK(extract_fm_username("rj") == std::optional<std::string>{"rj"});
  CHECK(extract_fm_username("  Some_User-1 ") == std::optional<std::string>{"Some_User-1"});
  CHECK(extract_fm_username("https://www.last.fm/user/frikandel_")
        == std::optional<std::string>{"frikandel_"});
  CHECK(extract_fm_username("http://last.fm/user/aidan-/library?page=2")
        == std::optional<std::string>{"aidan-"});
  CHECK(extract_fm_username("last.fm/user/RJ") == std::optional<std::string>{"RJ"});
  CHECK(extract_fm_username("WWW.LAST.FM/user/rj/") == std::optional<std::string>{"rj"});
}

TEST_CASE("invalid usernames are refused", "[music]") {
  CHECK_FALSE(extract_fm_username(""));
  CHECK_FALSE(extract_fm_username("a"));                  // too short
  CHECK_FALSE(extract_fm_username("abcdefghijklmnop"));   // 16 characters
  CHECK(extract_fm_username("abcdefghijklmno"));          // 15 is fine
  CHECK_FALSE(extract_fm_username("1user"));              // must start with a letter
  CHECK_FALSE(extract_fm_username("_user"));
  CHECK_FALSE(extract_fm_username("bad name"));
  CHECK_FALSE(extract_fm_username("us.er"));
  CHECK_FALSE(extract_fm_username("jos\xc3\xa9"));        // non-ASCII
  CHECK_FALSE(extract_fm_username("https://www.last.fm/music/Queen"));
  CHECK_FALSE(extract_fm_username("https://www.last.fm/user/"));
  CHECK(valid_fm_username("ab"));
  CHECK(valid_fm_username("a-"));
}

TEST_CASE("tags become lower-case hashtags", "[music]") {
  CHECK(hashtag("Hip-Hop") == "#hip_hop");
  CHECK(hashtag("Nu Metal") == "#nu_metal");
}

TEST_CASE("the authorisation link carries the key and the token", "[music]") {
  CHECK(auth_url("KEY", "TOK") == "https://www.last.fm/api/auth/?api_key=KEY&token=TOK");
}
