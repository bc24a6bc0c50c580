// End-to-end tests of the music commands: the lastgram binary on the console,
// talking to a fake Last.fm (real HTTP on loopback, real fixture payloads)
// and its own SQLite database.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "support/build_paths.hpp"
#include "support/fake_lastfm.hpp"
#include "support/fake_lrclib.hpp"
#include "support/lastfm_payloads.hpp"
#include "support/pg_schema.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"

using namespace lastgram::test;
using namespace std::chrono_literals;

namespace {

/// Arguments for a node on a free port with its data in `dir`, asking
/// Last.fm at `api_url`.
std::vector<std::string> music_node_args(const temp_dir& dir, const std::string& api_url,
                                         std::vector<std::string> extra = {}) {
  std::vector<std::string> args{LASTGRAM_BINARY, "run",
                                "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
                                "--set", "server.address=127.0.0.1",
                                "--set", "server.port=" + std::to_string(free_port()),
                                "--set", "node.data-dir=" + dir.file("data"),
                                "--set", "database.path=" + dir.file("data/db.sqlite3"),
                                "--set", "lastfm.api-url=" + api_url,
                                // These tests count Last.fm calls: no
                                // background indexing beside them.
                                "--set", "indexer.enabled=false"};
  for (auto& x : extra)
    args.push_back(x);
  return args;
}

const std::vector<std::string> lastfm_env{"LASTGRAM_LASTFM_API_KEY=0123456789abcdef0123456789abcdef",
                                          "LASTGRAM_LASTFM_API_SECRET=fedcba9876543210fedcba9876543210"};

/// Types `line` and waits until the output shows `expect`.
bool say(child_process& node, const std::string& line, const std::string& expect) {
  node.write(line + "\n");
  bool ok = node.wait_for_output(expect, 20s);
  if (!ok)
    UNSCOPED_INFO("waited for: " << expect << "\nstdout:\n" << node.out() << "\nstderr:\n"
                                 << node.err());
  return ok;
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

/// The replies that the English and Portuguese scripts look for.
struct script_texts {
  std::string not_registered;
  std::string not_found;
  std::string registered;
  std::string now_playing;
  std::string track_plays;
  std::string album_plays;
  std::string artist_plays;
  std::string profile_title;
  std::string scrobbles;
  std::string top_artist;
  std::string top_album;
  std::string top_track;
  std::string target_not_registered;
};

/// Runs the whole script against a fresh node and checks every answer.
/// `fresh_cache` false: a shared Redis may already hold answers from an
/// earlier run, so Last.fm may be asked less often than once per command.
void run_script(const std::vector<std::string>& extra, const script_texts& t,
                std::vector<std::string> extra_env = {}, bool fresh_cache = true) {
  auto calls_ok = [fresh_cache](int calls, int expected) {
    return fresh_cache ? calls == expected : calls <= expected;
  };
  fake_lastfm fake;
  temp_dir dir;
  auto env = lastfm_env;
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  child_process node{music_node_args(dir, fake.url(), extra), env};

  REQUIRE(say(node, "/ln", t.not_registered));
  REQUIRE(say(node, "/register nobody", t.not_found));
  REQUIRE(say(node, "/register https://www.last.fm/user/someuser", t.registered));
  CHECK(calls_ok(fake.calls("user.getInfo"), 2));

  REQUIRE(say(node, "/ln", t.track_plays));
  CHECK(contains(node.out(), t.now_playing));
  CHECK(contains(node.out(), "Apocalypse Dreams"));
  CHECK(contains(node.out(), "Lonerism"));
  CHECK(contains(node.out(), "Tame Impala"));
  CHECK(contains(node.out(), "#nu_metal"));
  REQUIRE(say(node, "/album", t.album_plays));
  REQUIRE(say(node, "/artist", t.artist_plays));
  CHECK(calls_ok(fake.calls("track.getInfo"), 1));
  CHECK(calls_ok(fake.calls("album.getInfo"), 1));
  CHECK(calls_ok(fake.calls("artist.getInfo"), 1));

  REQUIRE(say(node, "/last", t.profile_title));
  auto out = node.out();
  CHECK(contains(out, t.scrobbles));
  CHECK(contains(out, "United Kingdom"));
  CHECK(contains(out, "2019-06-22"));
  CHECK(contains(out, t.top_artist));
  CHECK(contains(out, t.top_album));
  CHECK(contains(out, t.top_track));
  CHECK(contains(out, "Feels Like We Only Go Backwards"));

  // A reply to someone who never registered speaks about them.
  node.write("/as 2 Bob\n");
  REQUIRE(node.wait_for_output("now typing as Bob", 20s));
  node.write("/start\n");
  node.write("/as 1 you\n");
  REQUIRE(node.wait_for_output("now typing as you", 20s));
  // The history numbers every line and reply; Bob's /start is the one
  // /history lists with his name.
  node.write("/history\n");
  REQUIRE(node.wait_for_output("Bob: /start", 20s));
  auto history = node.out();
  auto at = history.rfind("Bob: /start");
  auto hash = history.rfind('#', at);
  REQUIRE(hash != std::string::npos);
  auto number = history.substr(hash + 1, history.find(' ', hash) - hash - 1);
  REQUIRE(say(node, ">" + number + " /ln", t.target_not_registered));

  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

const script_texts english{
  "only available to registered users",
  "The Last.fm user nobody was not found",
  "registered as TyphoonsNotABot",
  "is listening to:",
  "36 scrobbles",
  "235 plays of this album",
  "7,211 plays of this artist",
  "TyphoonsNotABot on Last.fm",
  "138,223 scrobbles",
  "Top artist: Queen (1,511 plays)",
  "Top album: The Best Of by Joy Division (596 plays)",
  "Top track: Love Will Tear Us Apart by Joy Division (440 plays)",
  "Bob hasn't registered with the bot yet",
};

} // namespace

TEST_CASE("the same script works on PostgreSQL and Redis", "[e2e][music][postgres][redis]") {
  pg_schema schema;
  run_script({}, english,
             {"LASTGRAM_DATABASE_URL=" + schema.url(),
              "LASTGRAM_REDIS_URL=" + redis_url(shared_redis_port())},
             false);
}

TEST_CASE("stopping redis-server mid-run loses no command", "[e2e][music][redis]") {
  // A redis-server of this test's own, so that stopping it disturbs nobody.
  redis_server redis;
  fake_lastfm fake;
  temp_dir dir;
  auto env = lastfm_env;
  env.push_back("LASTGRAM_REDIS_URL=" + redis.url());
  child_process node{music_node_args(dir, fake.url()), env};
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));
  REQUIRE(say(node, "/ln", "36 scrobbles"));
  redis.shutdown();
  REQUIRE(say(node, "/album", "235 plays of this album"));
  REQUIRE(say(node, "/artist", "7,211 plays of this artist"));
  REQUIRE(say(node, "/last", "TyphoonsNotABot on Last.fm"));
  CHECK(node.wait_for_output("redis unavailable", 10s, true));
  redis.start();
  REQUIRE(say(node, "/botinfo", "Commands handled"));
  CHECK(node.wait_for_output("redis back", 10s, true));
  node.close_stdin();
  auto code = node.wait(20s);
  INFO("stderr:\n" << node.err());
  CHECK(code == 0);
}

TEST_CASE("register, now playing, album, artist and profile show the Last.fm data in English",
          "[e2e][music]") {
  run_script({}, english);
}

TEST_CASE("the music commands answer in Portuguese when the console speaks it",
          "[e2e][music]") {
  run_script({"--set", "console.language=pt"},
             script_texts{
               "só para usuários registrados",
               "O usuário nobody não foi encontrado",
               "registrado como TyphoonsNotABot",
               "está ouvindo:",
               "36 scrobbles",
               "235 reproduções deste álbum",
               "7.211 reproduções deste artista",
               "TyphoonsNotABot no Last.fm",
               "138.223 scrobbles",
               "Artista mais ouvido: Queen (1.511 reproduções)",
               "Álbum mais ouvido: The Best Of, de Joy Division (596 reproduções)",
               "Música mais ouvida: Love Will Tear Us Apart, de Joy Division (440 reproduções)",
               "Bob ainda não se registrou no bot",
             });
}

TEST_CASE("an unknown Last.fm user is never registered", "[e2e][music]") {
  fake_lastfm fake;
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  REQUIRE(say(node, "/register nobody", "The Last.fm user nobody was not found"));
  REQUIRE(say(node, "/register not a name!", "Please give your Last.fm username"));
  REQUIRE(say(node, "/ln", "only available to registered users"));
  CHECK(fake.calls("user.getRecentTracks") == 0);
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("piped commands answer in order and each sees what the one before it did",
          "[e2e][music][order]") {
  fake_lastfm fake;
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  // All at once, as `printf ... | lastgram run` does: no line waits for the
  // answer to the one before it.
  node.write("/register someuser\n/ln\n/last\n/lang pt\n/ln\n");
  node.close_stdin();
  REQUIRE(node.wait(30s) == 0);
  auto out = node.out();
  INFO("stdout:\n" << out << "\nstderr:\n" << node.err());
  auto registered = out.find("registered as TyphoonsNotABot");
  auto listening = out.find("is listening to:");
  auto profile = out.find("TyphoonsNotABot on Last.fm");
  auto switched = out.find("Pronto! A partir de agora vou responder em");
  auto listening_pt = out.find("está ouvindo:");
  CHECK(out.find("only available to registered users") == std::string::npos);
  REQUIRE(registered != std::string::npos);
  REQUIRE(listening != std::string::npos);
  REQUIRE(profile != std::string::npos);
  REQUIRE(switched != std::string::npos);
  REQUIRE(listening_pt != std::string::npos);
  CHECK(registered < listening);
  CHECK(listening < profile);
  CHECK(profile < switched);
  CHECK(switched < listening_pt);
}

TEST_CASE("a language chosen with /lang applies to every later command", "[e2e][order]") {
  fake_lastfm fake;
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  // Not registered: /lang still records the choice, and /start (a command
  // without user guards) answers in it.
  node.write("/lang pt\n/start\n/help\n");
  node.close_stdin();
  REQUIRE(node.wait(30s) == 0);
  auto out = node.out();
  INFO("stdout:\n" << out << "\nstderr:\n" << node.err());
  auto switched = out.find("Pronto! A partir de agora vou responder em");
  REQUIRE(switched != std::string::npos);
  CHECK(out.find("Eu sou o lastgram") != std::string::npos);
  CHECK(out.find("Veja o que eu sei fazer") != std::string::npos);
  CHECK(out.find("I'm lastgram") == std::string::npos);
  CHECK(out.find("Here's what I can do") == std::string::npos);
}

namespace {

/// Switches the console to user `id` called `name`, who sends /start, and
/// switches back to user 1 ("you"); returns the number of that /start in
/// the history, for ">N /command" replies to them.
std::string start_as(child_process& node, const std::string& id, const std::string& name) {
  node.write("/as " + id + " " + name + "\n/start\n/as 1 you\n/history\n");
  auto needle = name + ": /start";
  if (!node.wait_for_output(needle, 20s))
    return {};
  auto history = node.out();
  auto at = history.rfind(needle);
  auto hash = history.rfind('#', at);
  return history.substr(hash + 1, history.find(' ', hash) - hash - 1);
}

/// A user.getTopArtists page shaped like the fixture, with these artists.
std::string top_artists_body(const std::string& user,
                             const std::vector<std::pair<std::string, int>>& artists) {
  std::string items;
  int rank = 0;
  for (auto& [name, plays] : artists) {
    if (!items.empty())
      items += ',';
    items += R"({"@attr":{"rank":")" + std::to_string(++rank) + R"("},"mbid":"","url":"https://www.last.fm/music/)"
             + name + R"(","playcount":")" + std::to_string(plays) + R"(","image":[],"name":")" + name
             + R"(","streamable":"0"})";
  }
  return R"({"topartists":{"artist":[)" + items + R"(],"@attr":{"page":"1","total":")"
         + std::to_string(artists.size()) + R"(","user":")" + user
         + R"(","perPage":"1000","totalPages":"1"}}})";
}

bool sent_with(const fake_lastfm& fake, const std::string& method, const std::string& name,
               const std::string& value) {
  for (auto& c : fake.received())
    if (c.method == method && c.param(name) == value)
      return true;
  return false;
}

} // namespace

TEST_CASE("artistinfo albuminfo and trackinfo show Last.fm's numbers and the author's plays",
          "[e2e][music][lookups]") {
  fake_lastfm fake;
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));
  REQUIRE(say(node, "/ai", "1,688,480 listeners worldwide"));
  auto out = node.out();
  CHECK(contains(out, "The Weeknd"));
  CHECK(contains(out, "135,692,303 scrobbles worldwide"));
  CHECK(contains(out, "You played it 7,211 times"));
  CHECK(contains(out, "Similar artists: Drake, PARTYNEXTDOOR, Bryson Tiller"));
  CHECK(contains(out, "#rnb"));
  // A short bio: its start, not the whole summary nor Last.fm's link.
  CHECK(contains(out, "Abel Makkonen Tesfaye (born February 16, 1990"));
  CHECK_FALSE(contains(out, "titled Trilogy after signing his record deal"));
  CHECK_FALSE(contains(out, "Read more on Last.fm"));
  CHECK_FALSE(contains(out, "corrected"));
  // The default is the latest track's artist, asked with autocorrection.
  CHECK(sent_with(fake, "artist.getinfo", "artist", "Tame Impala"));
  CHECK(sent_with(fake, "artist.getinfo", "autocorrect", "1"));
  CHECK(sent_with(fake, "artist.getinfo", "username", "TyphoonsNotABot"));

  REQUIRE(say(node, "/aif Weeknd", "Last.fm corrected your search \"Weeknd\""));
  REQUIRE(say(node, "/ali Paramore - Paramore", "511,055 listeners worldwide"));
  CHECK(contains(node.out(), "17 tracks"));
  CHECK(contains(node.out(), "You played it 235 times"));
  REQUIRE(say(node, "/ti Jay-Z - 99 Problems", "Length: 2:37"));
  CHECK(sent_with(fake, "track.getinfo", "artist", "Jay-Z"));
  CHECK(sent_with(fake, "track.getinfo", "track", "99 Problems"));
  // The fake answers Linkin Park: Last.fm "corrected" the typed names.
  CHECK(contains(node.out(), "Last.fm corrected your search \"Jay-Z - 99 Problems\""));
  REQUIRE(say(node, "/ti Jay-Z", "a dash with spaces around it"));
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("comparisons and compat answer a reply with both people's counts",
          "[e2e][music][compare]") {
  fake_lastfm fake;
  // Bob's own Last.fm account, as user.getInfo spells it.
  fake.set_body_for_user("user.getInfo", "bobfm", user_info_body("bobfm"));
  fake.set_body_for_user("user.getTopArtists", "bobfm",
                         top_artists_body("bobfm", {{"Queen", 300}, {"Muse", 100}}));
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  REQUIRE(say(node, "/you", "Use this command as a reply"));
  node.write("/as 2 Bob\n");
  REQUIRE(say(node, "/register bobfm", "registered as bobfm"));
  auto bob = start_as(node, "2", "Bob");
  REQUIRE_FALSE(bob.empty());
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));
  REQUIRE(say(node, ">" + bob + " /you", "Bob has played this track 36 times"));
  CHECK(sent_with(fake, "track.getinfo", "username", "bobfm"));
  REQUIRE(say(node, ">" + bob + " /eualb", "You have played this album 235 times"));
  REQUIRE(say(node, ">" + bob + " /vcart", "Bob has played this artist 7,211 times"));
  REQUIRE(say(node, ">" + bob + " /compat", "compatible"));
  auto out = node.out();
  // you: Queen 1,511 of 3,714 plays (40.7%); Bob: Queen 75%. Shared: 40.7%.
  CHECK(contains(out, "41% compatible · very high"));
  CHECK(contains(out, "1 artist in common"));
  CHECK(contains(out, "Queen 1,511 / 300"));
  CHECK(sent_with(fake, "user.gettopartists", "limit", "1000"));
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("love and unlove sign with the author's own session and emoji checks one emoji",
          "[e2e][music][love]") {
  fake_lastfm fake;
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));
  REQUIRE(say(node, "/love", "needs a linked Last.fm account"));
  CHECK(fake.calls("track.love") == 0);
  node.write("/linkfm\n");
  REQUIRE(node.wait_for_output("authorize lastgram", 20s));
  REQUIRE(say(node, "/linkfm done", "Your Last.fm account is now linked"));
  REQUIRE(say(node, "/amei", "Loved Feels Like We Only Go Backwards by Tame Impala"));
  CHECK(sent_with(fake, "track.love", "sk", "CENSORED"));
  CHECK(sent_with(fake, "track.love", "track", "Feels Like We Only Go Backwards"));
  REQUIRE(say(node, "/desgostar Jay-Z - 99 Problems",
              "Removed 99 Problems by Jay-Z from your loved tracks"));
  CHECK(fake.calls("track.unlove") == 1);
  CHECK(sent_with(fake, "track.unlove", "artist", "Jay-Z"));
  CHECK(sent_with(fake, "track.unlove", "sk", "CENSORED"));

  REQUIRE(say(node, "/emoji ok", "\"ok\" isn't one emoji"));
  REQUIRE(say(node, "/em 🔥", "loved tracks now show 🔥"));
  REQUIRE(say(node, "/config", "Loved track emoji: 🔥"));
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("lyrics come from lrclib paged and instrumental tracks say so",
          "[e2e][music][lyrics]") {
  fake_lastfm fake;
  fake_lrclib lrclib;
  // Lonerism as the album: /api/get finds it by names at once; Jay-Z's
  // album differs, so /api/get misses and the search finds it.
  add_sample_lyrics(lrclib);
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url(), {"--set", "lyrics.lrclib-url=" + lrclib.url()}),
                     lastfm_env};
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));
  REQUIRE(say(node, "/lyrics", "Page 1 of "));
  auto out = node.out();
  CHECK(contains(out, "Stanza 1 line 1"));
  CHECK_FALSE(contains(out, "Stanza 40 line 4"));
  REQUIRE(say(node, "/letra Jay-Z - 99 Problems", "I feel bad for you son"));
  CHECK_FALSE(contains(node.out(), "[00:03.50]"));
  REQUIRE(say(node, "/letras Aphex Twin - Flim", "is instrumental"));
  REQUIRE(say(node, "/lyrics Nobody - Nothing", "couldn't find lyrics for Nothing by Nobody"));
  auto targets = lrclib.targets();
  REQUIRE_FALSE(targets.empty());
  CHECK(targets.front().rfind("/api/get?artist_name=Tame%20Impala&track_name=Feels", 0) == 0);
  bool searched = false;
  for (auto& t : targets)
    searched = searched || t.rfind("/api/search?q=Jay-Z%2099%20Problems", 0) == 0;
  CHECK(searched);
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

// -- top lists, recent tracks, time zones ------------------------------------

namespace {

/// The value of `name` in the last call to `method`, or "".
std::string last_param(const fake_lastfm& fake, const std::string& method, const std::string& name) {
  std::string value;
  for (auto& call : fake.received())
    if (call.method == method)
      value = call.param(name);
  return value;
}

} // namespace

TEST_CASE("top lists show a page of ten with play counts and buttons for pages and periods",
          "[e2e][music][lists]") {
  fake_lastfm fake;
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));

  REQUIRE(say(node, "/ta", "Top artists of TyphoonsNotABot, last 7 days"));
  REQUIRE(node.wait_for_output("Page 1 of 194", 20s));
  auto out = node.out();
  CHECK(contains(out, "1. Queen — 1,511 plays"));
  CHECK(contains(out, "2. Videoclub — 1,124 plays"));
  // Page 1: no ◀, a ▶; the period shown is marked.
  CHECK(contains(out, "[▶]"));
  CHECK_FALSE(contains(out, "[◀]"));
  CHECK(contains(out, "[✓ 7 days] [1 month] [3 months]"));
  CHECK(contains(out, "[6 months] [12 months] [All time]"));
  CHECK(last_param(fake, "user.gettopartists", "period") == "7day");
  CHECK(last_param(fake, "user.gettopartists", "limit") == "10");
  CHECK(last_param(fake, "user.gettopartists", "user") == "TyphoonsNotABot");

  REQUIRE(say(node, "/topartists 1month 3", "Top artists of TyphoonsNotABot, last month"));
  REQUIRE(node.wait_for_output("Page 3 of 194", 20s));
  CHECK(contains(node.out(), "[◀] [▶]"));
  CHECK(last_param(fake, "user.gettopartists", "period") == "1month");
  CHECK(last_param(fake, "user.gettopartists", "page") == "3");

  REQUIRE(say(node, "/tab overall", "Top albums of TyphoonsNotABot, all time"));
  REQUIRE(node.wait_for_output("1. The Best Of by Joy Division — 596 plays", 20s));
  REQUIRE(say(node, "/tt 12month", "Top tracks of TyphoonsNotABot, last 12 months"));
  REQUIRE(node.wait_for_output("1. Love Will Tear Us Apart by Joy Division — 440 plays", 20s));
  CHECK(last_param(fake, "user.gettoptracks", "period") == "12month");

  // Another Last.fm user's list, as the buttons ask for it.
  REQUIRE(say(node, "/ta 6month 2 rj", "Top artists of rj, last 6 months"));
  CHECK(last_param(fake, "user.gettopartists", "user") == "rj");
  REQUIRE(say(node, "/ta 7day 1 not/a/name", "“not/a/name” is not a Last.fm username."));
  REQUIRE(say(node, "/ta fortnight", "The period must be one of"));
  REQUIRE(say(node, "/ta 7day 1 nobody", "The Last.fm user nobody was not found"));
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("top lists answer in Portuguese with the language's number format",
          "[e2e][music][lists]") {
  fake_lastfm fake;
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url(), {"--set", "console.language=pt"}),
                     lastfm_env};
  REQUIRE(say(node, "/register someuser", "registrado como TyphoonsNotABot"));
  REQUIRE(say(node, "/ta", "Artistas mais ouvidos de TyphoonsNotABot, últimos 7 dias"));
  REQUIRE(node.wait_for_output("Página 1 de 194", 20s));
  CHECK(contains(node.out(), "1. Queen — 1.511 reproduções"));
  CHECK(contains(node.out(), "[✓ 7 dias] [1 mês] [3 meses]"));
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("recent tracks are paged with the now playing one on top and times in the user's zone",
          "[e2e][music][lists][timezone]") {
  fake_lastfm fake;
  auto history = made_up_history();
  fake.set_handler("user.getRecentTracks", [history](const fake_call& call) {
    return recent_tracks_body("TyphoonsNotABot", history, call);
  });
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));

  REQUIRE(say(node, "/rt", "Recent tracks of TyphoonsNotABot"));
  REQUIRE(node.wait_for_output("Page 1 of 3", 20s));
  auto out = node.out();
  CHECK(contains(out, "▶️ Now Song — Live Band (now playing)"));
  // UTC until the user chooses a zone.
  CHECK(contains(out, "Jan 15, 12:00 · Song 1 — Artist 0"));
  CHECK(contains(out, "Jan 15, 11:33 · Song 10 — Artist 0"));
  CHECK_FALSE(contains(out, "Song 11 "));
  CHECK(contains(out, "[▶]"));
  CHECK(last_param(fake, "user.getrecenttracks", "limit") == "10");

  REQUIRE(say(node, "/recent 3", "Page 3 of 3"));
  out = node.out();
  auto third = out.substr(out.rfind("Recent tracks of"));
  CHECK(contains(third, "Song 21 — Artist 2"));
  CHECK(contains(third, "Song 25 — Artist 0"));
  // Last.fm repeats the now playing track on every page; only page 1 shows it.
  CHECK_FALSE(contains(third, "Now Song"));
  CHECK(contains(third, "[◀]"));
  CHECK_FALSE(contains(third, "[▶]"));

  REQUIRE(say(node, "/timezone Mars/Olympus", "I don't know the time zone “Mars/Olympus”"));
  REQUIRE(say(node, "/tz asia/tokyo", "Your time zone is now Asia/Tokyo"));
  REQUIRE(say(node, "/timezone", "Your time zone is Asia/Tokyo"));
  node.write("/rt\n");
  // 12:00 UTC is 21:00 in Tokyo.
  REQUIRE(node.wait_for_output("Jan 15, 21:00 · Song 1 — Artist 0", 20s));
  REQUIRE(say(node, "/config", "Time zone: Asia/Tokyo"));
  REQUIRE(say(node, "/config timezone Europe/Lisbon", "Time zone: Europe/Lisbon"));
  REQUIRE(say(node, "/config tz Nowhere", "I don't know the time zone “Nowhere”"));
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

// -- peak, milestone, streak, pace -------------------------------------------

namespace {

/// track.getInfo as the fixture has it, with the duration (milliseconds, as
/// Last.fm sends it) set by track name: Night 5 minutes, Day 4, Late unknown.
void serve_durations(fake_lastfm& fake) {
  std::ifstream file{std::string{LASTGRAM_FIXTURES_DIR} + "/lastfm/track-getinfo-with-username.json"};
  std::string info{std::istreambuf_iterator<char>{file}, {}};
  const std::string fixture_duration = "\"duration\": \"157000\"";
  REQUIRE(info.find(fixture_duration) != std::string::npos);
  fake.set_handler("track.getInfo", [info, fixture_duration](const fake_call& call) {
    auto track = call.param("track");
    std::string ms = track == "Night" ? "300000" : track == "Day" ? "240000" : "0";
    auto body = info;
    body.replace(body.find(fixture_duration), fixture_duration.size(),
                 "\"duration\": \"" + ms + "\"");
    return body;
  });
}

/// A node on `fake` whose recent tracks are `history`.
void serve_history(fake_lastfm& fake, std::vector<fake_scrobble> history) {
  fake.set_handler("user.getRecentTracks", [history = std::move(history)](const fake_call& call) {
    return recent_tracks_body("TyphoonsNotABot", history, call);
  });
}

} // namespace

TEST_CASE("peak finds the busiest day in the user's time zone with its top three",
          "[e2e][music][peak][timezone]") {
  fake_lastfm fake;
  // Two days ago at midnight UTC.
  auto day = (unix_now() / 86400 - 2) * 86400;
  serve_history(fake, peak_history(day));
  serve_durations(fake);
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));

  REQUIRE(say(node, "/peak", "Busiest day of TyphoonsNotABot, last 7 days"));
  REQUIRE(node.wait_for_output("1. Band B — 4 plays", 20s));
  auto out = node.out();
  // Night 3 x 5 min + Day 3 x 4 min + Late (no duration) 3 min.
  CHECK(contains(out, "📅 " + long_date_utc(day) + ": 7 scrobbles, about 30 minutes of music"));
  CHECK(fake.calls("track.getInfo") == 3);
  // A tie is ranked by name.
  CHECK(contains(out, "1. Day by Band A — 3 plays"));
  CHECK(contains(out, "2. Night by Band B — 3 plays"));
  CHECK(contains(out, "1. Two by Band B — 4 plays"));
  auto from = std::stoll(last_param(fake, "user.getrecenttracks", "from"));
  CHECK(std::abs(from - (unix_now() - 7 * 86400)) < 120);
  CHECK(last_param(fake, "user.getrecenttracks", "limit") == "200");

  REQUIRE(say(node, "/tz Asia/Tokyo", "Your time zone is now Asia/Tokyo"));
  REQUIRE(say(node, "/bestday 1month", "Busiest day of TyphoonsNotABot, last month"));
  REQUIRE(node.wait_for_output(long_date_utc(day + 86400) + ": 4 scrobbles", 20s));
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("peak reads at most twenty pages and says so", "[e2e][music][peak]") {
  fake_lastfm fake;
  auto now = unix_now();
  std::vector<fake_scrobble> history;
  for (int i = 0; i < 4300; ++i)
    history.push_back({"Loop", "Band", "Album", now - 3600 - i * 60, false});
  serve_history(fake, history);
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));
  REQUIRE(say(node, "/peak overall", "Counted over the latest 4,000 scrobbles of the period only."));
  CHECK(fake.calls("user.getRecentTracks") == 20);
  CHECK(last_param(fake, "user.getrecenttracks", "from").empty());
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("milestone finds the Nth scrobble with two requests", "[e2e][music][milestone]") {
  fake_lastfm fake;
  serve_history(fake, made_up_history());
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));
  auto before = fake.calls("user.getRecentTracks");
  // Song 25 is the oldest of the 25, Song 16 the tenth.
  REQUIRE(say(node, "/milestone 10",
              "🏁 Scrobble #10 of TyphoonsNotABot: Song 16 by Artist 0, on Thursday, January 15, 2026."));
  CHECK(fake.calls("user.getRecentTracks") - before == 2);
  CHECK(last_param(fake, "user.getrecenttracks", "page") == "16");
  CHECK(last_param(fake, "user.getrecenttracks", "limit") == "1");
  REQUIRE(say(node, "/milestone", "🏁 Scrobble #1 of TyphoonsNotABot: Song 25 by Artist 0"));
  REQUIRE(say(node, "/ms 25", "🏁 Scrobble #25 of TyphoonsNotABot: Song 1 by Artist 0"));
  REQUIRE(say(node, "/milestone 30", "TyphoonsNotABot has 25 scrobbles: 5 more to reach #30."));
  REQUIRE(say(node, "/milestone 0", "The milestone must be a number from 1 up"));
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("streak counts each run until it breaks and says when it stopped reading",
          "[e2e][music][streak]") {
  fake_lastfm fake;
  serve_history(fake, streak_history());
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));
  REQUIRE(say(node, "/streak", "🧑‍🎤 Artist X: 7 plays in a row"));
  auto out = node.out();
  CHECK(contains(out, "Streaks of TyphoonsNotABot"));
  CHECK(contains(out, "🎵 Song A by Artist X: 4 plays in a row"));
  CHECK(contains(out, "💿 Album Q by Artist X: 6 plays in a row"));
  CHECK_FALSE(contains(out, "at least this long"));
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("streak stops reading after ten pages and says the streaks go on",
          "[e2e][music][streak]") {
  fake_lastfm fake;
  std::vector<fake_scrobble> endless;
  for (int i = 0; i < 2100; ++i)
    endless.push_back({"Loop", "Band", "Album", history_start - i * 200, false});
  serve_history(fake, endless);
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));
  REQUIRE(say(node, "/streak", "past the 2,000 scrobbles I read"));
  CHECK(contains(node.out(), "🎵 Loop by Band: 2,000 plays in a row"));
  CHECK(fake.calls("user.getRecentTracks") == 10);
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("pace gives the date of the next ten thousand mark at the month's rate",
          "[e2e][music][pace]") {
  fake_lastfm fake;
  auto now = unix_now();
  serve_history(fake, pace_history(now));
  temp_dir dir;
  child_process node{music_node_args(dir, fake.url()), lastfm_env};
  REQUIRE(say(node, "/register someuser", "registered as TyphoonsNotABot"));
  // user.getInfo says 138,223: 1,777 to go at 10 a day is 177.7 days.
  REQUIRE(say(node, "/pace", "📈 At 10 scrobbles a day (last month), TyphoonsNotABot reaches "
                             "140,000 scrobbles on "));
  auto eta = now + static_cast<std::int64_t>(177.7 * 86400);
  auto out = node.out();
  CHECK((contains(out, long_date_utc(eta)) || contains(out, long_date_utc(eta + 600))));
  REQUIRE(say(node, "/pace 100000",
              "TyphoonsNotABot already has 138,223 scrobbles, past the goal of 100,000."));
  REQUIRE(say(node, "/pace 150000 7day", "reaches 150,000 scrobbles on"));
  REQUIRE(say(node, "/pace 0", "The goal must be a number from 1 up"));
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}
