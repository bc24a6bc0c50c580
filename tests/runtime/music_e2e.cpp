// End-to-end tests of the music commands: the lastgram binary on the console,
// talking to a fake Last.fm (real HTTP on loopback, real fixture payloads)
// and its own SQLite database.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <unistd.h>

#include "support/fake_lastfm.hpp"
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
