// /ln against the real command, fm and database engines: a fake Last.fm on
// loopback that counts calls, and a SQLite store holding indexed libraries.
// An indexed user's count comes from the index plus the scrobbles since it,
// in one Last.fm call; anything the index cannot tell goes to track.getInfo.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/all.hpp"

#include "actors/ask.hpp"
#include "actors/command/engine.hpp"
#include "actors/command/environment.hpp"
#include "actors/database/engine.hpp"
#include "actors/fm/engine.hpp"
#include "actors/support/engines.hpp"
#include "actors/test_db.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "platforms/net/http_client.hpp"
#include "support/fake_lastfm.hpp"
#include "support/lastfm_payloads.hpp"

using namespace lastgram;
using namespace std::chrono_literals;
using test::fake_scrobble;

namespace {

/// The index's newest counted scrobble in these tests.
constexpr std::int64_t indexed_at = test::history_start;

struct np_env {
  test::fake_lastfm fake;
  test::test_db db{test::backend_kind::sqlite};
  database::store store{db.open()};
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<net::http_client> http;
  std::unique_ptr<caf::scoped_actor> self;
  fm_actor fm;
  database_actor database;
  command_actor engine;
  /// What Last.fm lists for every user, newest first (set before asking).
  std::vector<fake_scrobble> history;

  explicit np_env(std::int64_t track_depth = 100) {
    cfg.set("scheduler.max-threads", size_t{2});
    cfg.add_message_types<caf::id_block::lastgram>();
    add_error_categories(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    http = std::make_shared<net::http_client>(net::http_client::options{});
    self = std::make_unique<caf::scoped_actor>(*sys);
    lastfm_settings s;
    s.api_url = fake.url();
    s.api_key = "test-api-key-0123";
    s.api_secret = "test-api-secret-0123";
    s.rate_per_second = 0;
    s.max_retries = 0;
    fm = fm::spawn_engine(self->ptr(), s, http, [] { return cache_actor{}; }, false);
    database = database::spawn_engine(self->ptr(), db.settings(), nullptr);
    auto env = test::all_commands_environment();
    env->track_index_depth = track_depth;
    auto handles = std::make_shared<engine_handles>();
    handles->fm.put(fm);
    handles->database.put(database);
    env->engines = handles;
    engine = command::spawn_engine(self->ptr(), env);
    fake.set_handler("user.getRecentTracks", [this](const test::fake_call& call) {
      return test::recent_tracks_body(call.param("user"), history, call);
    });
  }

  ~np_env() {
    for (auto& a : {caf::actor_cast<caf::actor>(engine), caf::actor_cast<caf::actor>(fm),
                    caf::actor_cast<caf::actor>(database)})
      (*self)->send_exit(a, caf::exit_reason::user_shutdown);
    http->shutdown();
    self.reset();
  }

  /// Registers console user `id` as `fm_name`, with tags shown or not.
  std::int64_t user(const std::string& id, const std::string& fm_name, bool show_tags) {
    auto u = store.register_user(platform_kind::console, id, fm_name, "User" + id);
    REQUIRE(u);
    REQUIRE(store.set_show_tags(platform_kind::console, id, show_tags));
    return u->id;
  }

  /// A finished index of the user's tracks, counting scrobbles up to indexed_at.
  void index(std::int64_t user_id, const std::vector<library_item>& tracks) {
    index_state running;
    running.user_id = user_id;
    running.status = index_status::running;
    running.kind = entity_kind::track;
    running.page = 1;
    running.total_pages = 1;
    REQUIRE(store.stage_library_page(user_id, entity_kind::track, tracks, running));
    index_state done;
    done.user_id = user_id;
    done.status = index_status::done;
    done.last_full_at = indexed_at + 60;
    done.last_scrobble_at = indexed_at;
    REQUIRE(store.commit_library(user_id, entity_kind::track, done));
  }

  /// `n` scrobbles of `name` by "Band", a minute apart, the newest `after`
  /// seconds past the index, appended (so older than what is there).
  void scrobbles(const std::string& name, int n, std::int64_t after) {
    for (int i = 0; i < n; ++i)
      history.push_back({name, "Band", "Record", indexed_at + after - 60 * i, false});
  }

  std::string say(const std::string& text, const std::string& id) {
    std::string out;
    (*self)
      ->request(engine, 10s, test::console_message(text, id, "c"))
      .receive(
        [&](command_result& r) {
          for (auto& reply : r.replies)
            out += plain_text(reply.text);
        },
        [&](caf::error& err) { out = "ERROR " + sys->render(err); });
    return out;
  }

  /// The track.getInfo calls that named a user (a play count) and those
  /// that did not (tags, shared by everyone).
  std::pair<int, int> info_calls() const {
    int with_user = 0;
    int without = 0;
    for (const auto& c : fake.received())
      if (c.method == "track.getinfo")
        ++(c.param("username").empty() ? without : with_user);
    return {with_user, without};
  }
};

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("an indexed ln adds the scrobbles since the index to its count in one Last.fm call",
          "[music][commands][index]") {
  np_env e;
  auto id = e.user("1", "indexed", false);
  e.index(id, {{"Song A", "Band", 40}, {"Song B", "Band", 7}});
  e.scrobbles("Song A", 2, 600);        // since the index: counted
  e.history.push_back({"Song B", "Band", "Record", indexed_at + 60, false});
  e.scrobbles("Song A", 3, 0);          // the last one is the indexed one: not counted again
  auto np = e.say("/ln", "1");
  CHECK(has(np, "User1 was listening to"));
  CHECK(has(np, "Song A"));
  CHECK(has(np, "📊 42 scrobbles"));
  CHECK(e.fake.total_calls() == 1);
  auto calls = e.fake.received();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].param("from") == std::to_string(indexed_at + 1));
  CHECK(calls[0].param("limit") == "200");
}

TEST_CASE("after a who-knows refreshed the count ln does not add the scrobbles it already holds",
          "[music][commands][index]") {
  np_env e;
  auto id = e.user("1", "indexed", false);
  e.index(id, {{"Song A", "Band", 40}});
  e.scrobbles("Song A", 2, 600); // since the index, and before the refresh below
  // What /wkt does: Last.fm's fresh count (every scrobble so far) replaces
  // the indexed one, stamped with the time it counts through (now).
  auto entity = e.store.upsert_entity(entity_kind::track, "Song A", "Band");
  REQUIRE(entity);
  REQUIRE(e.store.set_user_plays(id, entity.value(), 42));
  auto np = e.say("/ln", "1");
  CHECK(has(np, "📊 42 scrobbles")); // not 44: the refresh counted those two
  CHECK(e.fake.total_calls() == 1);
}

TEST_CASE("ln of a user without an index keeps the play count from track.getInfo",
          "[music][commands][index]") {
  np_env e;
  e.user("1", "plain", false);
  e.scrobbles("Song A", 2, 600);
  auto np = e.say("/ln", "1");
  CHECK(has(np, "📊 36 scrobbles")); // the getInfo fixture's userplaycount
  CHECK(e.fake.calls("user.getRecentTracks") == 1);
  CHECK(e.fake.received().front().param("limit") == "1");
  CHECK(e.info_calls() == std::pair{1, 0});
}

TEST_CASE("more scrobbles since the index than one page falls back to track.getInfo",
          "[music][commands][index]") {
  np_env e;
  auto id = e.user("1", "busy", false);
  e.index(id, {{"Song A", "Band", 40}});
  e.scrobbles("Song A", 201, 201 * 60);
  auto np = e.say("/ln", "1");
  CHECK(has(np, "📊 36 scrobbles"));
  CHECK(e.fake.calls("user.getRecentTracks") == 1);
  CHECK(e.info_calls() == std::pair{1, 0});
}

TEST_CASE("a track the index lacks counts as new only when the index holds the whole list",
          "[music][commands][index]") {
  SECTION("fewer tracks than the depth: only the scrobbles since count") {
    np_env e{100};
    auto id = e.user("1", "short", false);
    e.index(id, {{"Song B", "Band", 7}});
    e.scrobbles("Song A", 2, 600);
    CHECK(has(e.say("/ln", "1"), "📊 2 scrobbles"));
    CHECK(e.fake.total_calls() == 1);
  }
  SECTION("as many tracks as the depth: Last.fm is asked") {
    np_env e{1};
    auto id = e.user("1", "deep", false);
    e.index(id, {{"Song B", "Band", 7}});
    e.scrobbles("Song A", 2, 600);
    CHECK(has(e.say("/ln", "1"), "📊 36 scrobbles"));
    CHECK(e.info_calls() == std::pair{1, 0});
  }
  SECTION("tracks added since the index do not make the indexed list reach the depth") {
    // The index held one track of a depth of two: the whole list. A track
    // found later (an incremental update) is a second row, but the list the
    // index read is still shorter than the depth.
    np_env e{2};
    auto id = e.user("1", "growing", false);
    e.index(id, {{"Song B", "Band", 7}});
    index_state later;
    later.user_id = id;
    later.status = index_status::done;
    later.last_full_at = indexed_at + 60;
    later.last_scrobble_at = indexed_at;
    REQUIRE(e.store.add_library_plays(id, entity_kind::track, {{"Song C", "Band", 3}}, later));
    e.scrobbles("Song A", 2, 600);
    CHECK(has(e.say("/ln", "1"), "📊 2 scrobbles"));
    CHECK(e.fake.total_calls() == 1);
  }
}

TEST_CASE("nothing since the index: the latest track is counted by the index alone",
          "[music][commands][index]") {
  np_env e;
  auto id = e.user("1", "quiet", false);
  e.index(id, {{"Song A", "Band", 40}});
  e.scrobbles("Song A", 2, 0);
  CHECK(has(e.say("/ln", "1"), "📊 40 scrobbles"));
  CHECK(e.fake.calls("user.getRecentTracks") == 2);
  CHECK(e.info_calls() == std::pair{0, 0});
}

TEST_CASE("with tags shown the tags come from track.getInfo without the username",
          "[music][commands][index]") {
  np_env e;
  auto id = e.user("1", "tagged", true);
  e.index(id, {{"Song A", "Band", 40}});
  e.scrobbles("Song A", 1, 600);
  auto np = e.say("/ln", "1");
  CHECK(has(np, "📊 41 scrobbles"));
  CHECK(has(np, "#nu_metal"));
  // The tags call names no user: one cached answer serves every listener.
  CHECK(e.info_calls() == std::pair{0, 1});
}
