// End-to-end tests of the music commands: the lastgram binary on the console,
// talking to a fake Last.fm (real HTTP on loopback, real fixture payloads)
// and its own SQLite database.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "support/fake_lastfm.hpp"
#include "support/fake_lrclib.hpp"
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
                                "--set", "lastfm.api-url=" + api_url};
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
  std::ifstream info_file{std::string{LASTGRAM_FIXTURES_DIR} + "/lastfm/user-getinfo.json"};
  std::string info{std::istreambuf_iterator<char>{info_file}, {}};
  for (auto at = info.find("TyphoonsNotABot"); at != std::string::npos;
       at = info.find("TyphoonsNotABot"))
    info.replace(at, 15, "bobfm");
  fake.set_body_for_user("user.getInfo", "bobfm", info);
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
  std::string long_text;
  for (int stanza = 1; stanza <= 40; ++stanza) {
    for (int line = 1; line <= 4; ++line)
      long_text += "Stanza " + std::to_string(stanza) + " line " + std::to_string(line)
                   + " of a song that goes on and on\n";
    long_text += "\n";
  }
  // Lonerism as the album: /api/get finds it by names at once.
  lrclib.add({101, "Feels Like We Only Go Backwards", "Tame Impala", "Lonerism", 193, false,
              long_text, ""});
  // Another album name: /api/get misses and the search finds it.
  lrclib.add({102, "99 Problems (Explicit)", "Jay-Z", "The Black Album (Deluxe)", 234, false, "",
              "[00:01.00] If you havin' girl problems\n[00:03.50] I feel bad for you son"});
  lrclib.add({103, "Flim", "Aphex Twin", "Come to Daddy", 177, true, "", ""});
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
