// The indexer engine against the fake Last.fm's generated libraries, the
// real fm engine and a real database (SQLite file, and PostgreSQL where the
// database matters): libraries land completely, resume from the stored page
// after the engine is killed, fold names, and /index is limited.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "caf/all.hpp"

#include "actors/database/store.hpp"
#include "actors/fm/engine.hpp"
#include "actors/indexer/engine.hpp"
#include "actors/test_db.hpp"
#include "messages/errors.hpp"
#include "messages/indexer.hpp"
#include "messages/type_ids.hpp"
#include "platforms/net/http_client.hpp"
#include "support/eventually.hpp"
#include "support/fake_lastfm.hpp"
#include "support/fake_library.hpp"

using namespace lastgram;
using namespace std::chrono_literals;
using test::eventually;
using test::fake_lastfm;
using test::fake_library_set;
using test::library_spec;
using test::test_db;

namespace {


/// A fake clock the indexer reads (Unix seconds), moved by the test.
struct test_clock {
  std::atomic<std::int64_t> now{1767225600}; // 2026-01-01
};

struct env {
  fake_lastfm fake;
  fake_library_set libraries;
  test_db db;
  database::store store;
  std::shared_ptr<test_clock> clock = std::make_shared<test_clock>();
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<net::http_client> http;
  std::unique_ptr<caf::scoped_actor> self;
  fm_actor fm;
  indexer_actor indexer;

  /// `outage_min_calls`: failed calls in a minute that start a Last.fm outage.
  explicit env(database::backend_kind backend = database::backend_kind::sqlite,
               std::int64_t outage_min_calls = 10)
    : db(backend), store(db.open()) {
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
    s.background_deadline_ms = 20000;
    s.outage_min_calls = outage_min_calls;
    fm = fm::spawn_engine(self->ptr(), s, http, [] { return cache_actor{}; }, false);
  }

  ~env() {
    stop_indexer();
    caf::anon_send_exit(fm, caf::exit_reason::user_shutdown);
    http->shutdown();
    self.reset();
  }

  indexer_settings settings() const {
    indexer_settings s;
    s.page_size = 1000;
    s.album_depth = 1000;
    s.track_depth = 5000;
    s.scan_seconds = 3600; // the test drives it: start-up scan and messages
    return s;
  }

  /// `fm_up`, when given, says whether the fm engine is there yet (a node
  /// starting, or an fm engine restarting).
  void start_indexer(indexer_settings s, std::shared_ptr<std::atomic<bool>> fm_up = nullptr) {
    auto opts = std::make_shared<indexer::indexer_options>();
    opts->settings = s;
    opts->database = db.settings();
    auto fm_hdl = fm;
    opts->fm = [fm_hdl, fm_up] { return !fm_up || fm_up->load() ? fm_hdl : fm_actor{}; };
    auto c = clock;
    opts->now = [c] { return c->now.load(); };
    opts->fm_timeout = 30s;
    indexer = indexer::spawn_engine(self->ptr(), opts);
  }

  void start_indexer() {
    start_indexer(settings());
  }

  /// Kills the indexer as a crash would (no cleanup of its own) and waits
  /// until it is gone.
  void stop_indexer() {
    if (!indexer)
      return;
    (*self)->monitor(indexer);
    caf::anon_send_exit(indexer, caf::exit_reason::kill);
    (*self)->receive([](const caf::down_msg&) {},
                     caf::after(10s) >> [] { FAIL("the indexer did not stop"); });
    indexer = indexer_actor{};
  }

  std::int64_t user(const std::string& platform_id, const std::string& fm_name) {
    auto u = store.register_user(platform_kind::telegram, platform_id, fm_name, fm_name);
    REQUIRE(u);
    return u->id;
  }

  index_state state_of(std::int64_t user_id) {
    auto s = store.get_index_state(user_id);
    REQUIRE(s);
    return *s;
  }

  bool done(std::int64_t user_id) {
    auto s = store.get_index_state(user_id);
    return s && s->status == index_status::done;
  }

  std::int64_t plays(std::int64_t user_id, entity_kind kind) {
    auto n = store.count_user_plays(user_id, kind);
    REQUIRE(n);
    return *n;
  }

  std::int64_t playcount(std::int64_t user_id, const std::string& artist) {
    auto id = store.upsert_entity(entity_kind::artist, artist);
    REQUIRE(id);
    auto rows = store.global_who_knows(*id, 100);
    REQUIRE(rows);
    for (const auto& r : rows->rows)
      if (r.user_id == user_id)
        return r.playcount;
    return 0;
  }

  /// The pages of user.getTopArtists asked for `fm_name`, in order.
  std::vector<std::string> artist_pages(const std::string& fm_name) {
    std::vector<std::string> out;
    for (const auto& c : fake.received())
      if (c.method == "user.gettopartists" && c.param("user") == fm_name)
        out.push_back(c.param("page"));
    return out;
  }

  template <class T, class... Ts>
  std::optional<T> ask(Ts&&... xs) {
    std::optional<T> out;
    (*self)->request(indexer, 10s, std::forward<Ts>(xs)...)
      .receive([&](T& x) { out = std::move(x); }, [](caf::error& err) { FAIL(to_string(err)); });
    return out;
  }
};

library_spec library(std::string user, int artists, int albums, int tracks) {
  library_spec spec;
  spec.user = std::move(user);
  spec.artists = artists;
  spec.albums = albums;
  spec.tracks = tracks;
  for (int i = 0; i < 30; ++i)
    spec.history.push_back(test::fake_scrobble{"Track " + std::to_string(i + 1), "Artist 1",
                                               "Album 1", 1767225000 - i * 180, false});
  return spec;
}

} // namespace

TEST_CASE("a library of several pages lands completely with depth limits", "[indexer]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  env e{backend};
  e.libraries.add(library("pager", 2500, 1500, 700));
  e.libraries.serve(e.fake);
  auto id = e.user("1", "pager");
  e.start_indexer();
  (*e.self)->send(e.indexer, index_user_atom::value, id, std::string{"pager"});
  REQUIRE(eventually([&] { return e.done(id); }, 30s));
  CHECK(e.plays(id, entity_kind::artist) == 2500);
  CHECK(e.plays(id, entity_kind::album) == 1000); // album-depth
  CHECK(e.plays(id, entity_kind::track) == 700);
  CHECK(e.playcount(id, "Artist 2400") == test::library_playcount("pager", 2400, 2500));
  CHECK(e.artist_pages("pager") == std::vector<std::string>{"1", "2", "3"});
  CHECK(e.fake.calls("user.gettopalbums") == 1);
  CHECK(e.fake.calls("user.gettoptracks") == 1);
  auto s = e.state_of(id);
  CHECK(s.scrobbles == 30);
  CHECK(s.artists_total == 2500);
  CHECK(s.last_full_at == e.clock->now.load());
  CHECK(s.next_due_at == e.clock->now.load() + 48 * 3600);
  auto progress = e.ask<index_progress>(index_progress_atom::value, id);
  REQUIRE(progress);
  CHECK_FALSE(progress->running);
  CHECK(progress->status == index_status::done);
}

TEST_CASE("an index killed mid-library resumes from the page where it stopped", "[indexer]") {
  env e;
  e.libraries.add(library("resumer", 3500, 10, 10));
  e.libraries.serve(e.fake);
  // Page 3 of the artists fails (Last.fm error 8 in a 200 body) until the
  // test lets it through.
  auto failing = std::make_shared<std::atomic<bool>>(true);
  auto spec = e.libraries.libraries().front();
  e.fake.set_handler("user.gettopartists", [failing, spec](const test::fake_call& call) {
    if (failing->load() && call.param("page") == "3")
      return std::string{R"({"error":8,"message":"Operation failed - Most likely the backend service failed."})"};
    return test::top_artists_page(spec, std::stoi(call.param("page")), std::stoi(call.param("limit")));
  });
  auto id = e.user("1", "resumer");
  e.start_indexer();
  (*e.self)->send(e.indexer, index_user_atom::value, id, std::string{"resumer"});
  REQUIRE(eventually([&] { return e.artist_pages("resumer").size() == 3; }, 30s));
  REQUIRE(eventually([&] { return e.state_of(id).next_due_at > e.clock->now.load(); }, 10s));
  auto half = e.state_of(id);
  CHECK(half.status == index_status::running);
  CHECK(half.page == 2);
  CHECK(half.items_done == 2000);
  // Readers see nothing of the half library.
  CHECK(e.plays(id, entity_kind::artist) == 0);
  auto progress = e.ask<index_progress>(index_progress_atom::value, id);
  REQUIRE(progress);
  CHECK(progress->running);
  CHECK(progress->done == 2000);
  CHECK(progress->total == 3500);

  e.stop_indexer();
  failing->store(false);
  e.clock->now += 601; // past the retry delay: due again
  e.start_indexer();   // its start-up scan finds the library due
  REQUIRE(eventually([&] { return e.done(id); }, 30s));
  CHECK(e.artist_pages("resumer") == std::vector<std::string>{"1", "2", "3", "3", "4"});
  CHECK(e.plays(id, entity_kind::artist) == 3500);
  CHECK(e.playcount(id, "Artist 1") == test::library_playcount("resumer", 1, 3500));
}

TEST_CASE("names differing only by case count as one artist", "[indexer]") {
  env e;
  auto spec = library("folder", 5, 1, 1);
  spec.extra_artists = {{"artist 1", 4}, {"ARTIST 2", 3}};
  e.libraries.add(spec);
  e.libraries.serve(e.fake);
  auto id = e.user("1", "folder");
  e.start_indexer();
  (*e.self)->send(e.indexer, index_user_atom::value, id, std::string{"folder"});
  REQUIRE(eventually([&] { return e.done(id); }, 30s));
  CHECK(e.plays(id, entity_kind::artist) == 5);
  CHECK(e.playcount(id, "Artist 1") == test::library_playcount("folder", 1, 5) + 4);
  CHECK(e.playcount(id, "artist 2") == test::library_playcount("folder", 2, 5) + 3);
}

TEST_CASE("a redirected name and a case variant count as one artist in who-knows", "[indexer]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  env e{backend};
  auto a = library("alpha", 3, 1, 1);
  a.extra_artists = {{"The Beatles", 100}};
  auto b = library("beta", 3, 1, 1);
  b.extra_artists = {{"the beatles", 50}};
  // Old scrobbles under the name Last.fm now redirects, beside new ones.
  auto c = library("gamma", 3, 1, 1);
  c.extra_artists = {{"Beatles", 30}, {"The Beatles", 7}};
  for (auto* spec : {&a, &b, &c})
    e.libraries.add(*spec);
  e.libraries.add_correction("Beatles", "The Beatles");
  e.libraries.serve(e.fake);
  e.start_indexer();
  std::vector<std::int64_t> ids;
  for (const char* name : {"alpha", "beta", "gamma"}) {
    auto id = e.user(name, name);
    ids.push_back(id);
    (*e.self)->send(e.indexer, index_user_atom::value, id, std::string{name});
    REQUIRE(eventually([&] { return e.done(id); }, 30s));
  }
  CHECK(e.playcount(ids[0], "The Beatles") == 100);
  CHECK(e.playcount(ids[1], "The Beatles") == 50);
  CHECK(e.playcount(ids[2], "The Beatles") == 37);
  CHECK(e.plays(ids[2], entity_kind::artist) == 4);
  // Each name was looked up once: later libraries read the stored answer.
  // Distinct names: Artist 1..3, the beatles, beatles.
  CHECK(e.fake.calls("artist.getcorrection") == 5);
  // Who-knows asked with the redirected name lists the canonical artist.
  who_knows_request req;
  req.name = "beatles";
  req.limit = 10;
  auto wk = e.store.run_who_knows(req);
  REQUIRE(wk);
  CHECK(wk->name == "The Beatles");
  CHECK(wk->listeners == 3);
  CHECK(wk->plays == 187);
  REQUIRE(wk->rows.size() == 3);
  CHECK(wk->rows[0].user_id == ids[0]);
  CHECK(wk->rows[2].playcount == 37);
}

TEST_CASE("artist corrections stay within the per-library budget", "[indexer]") {
  env e;
  e.libraries.add(library("wide", 2500, 1, 1));
  e.libraries.serve(e.fake);
  auto s = e.settings();
  s.corrections_per_library = 4;
  e.start_indexer(s);
  auto id = e.user("1", "wide");
  (*e.self)->send(e.indexer, index_user_atom::value, id, std::string{"wide"});
  REQUIRE(eventually([&] { return e.done(id); }, 30s));
  CHECK(e.plays(id, entity_kind::artist) == 2500);
  // The most played names go first.
  std::vector<std::string> asked;
  for (const auto& call : e.fake.received())
    if (call.method == "artist.getcorrection")
      asked.push_back(call.param("artist"));
  CHECK(asked == std::vector<std::string>{"Artist 1", "Artist 2", "Artist 3", "Artist 4"});
}

TEST_CASE("index requests are limited to one an hour per user", "[indexer]") {
  env e;
  e.libraries.add(library("hourly", 20, 5, 5));
  e.libraries.serve(e.fake);
  auto id = e.user("1", "hourly");
  e.start_indexer();
  REQUIRE(eventually([&] { return e.done(id); }, 30s)); // the start-up scan
  auto first = e.ask<index_request_result>(index_request_atom::value, id, std::string{"hourly"});
  REQUIRE(first);
  CHECK(first->outcome == index_request_result::started);
  e.clock->now += 1200;
  auto again = e.ask<index_request_result>(index_request_atom::value, id, std::string{"hourly"});
  REQUIRE(again);
  CHECK(again->outcome == index_request_result::too_soon);
  CHECK(again->wait_seconds == 2400);
  e.clock->now += 2400;
  // The first request's refresh has finished (nothing runs for the user).
  REQUIRE(eventually(
    [&] {
      auto p = e.ask<index_progress>(index_progress_atom::value, id);
      return p && !p->running;
    },
    30s));
  auto later = e.ask<index_request_result>(index_request_atom::value, id, std::string{"hourly"});
  REQUIRE(later);
  CHECK(later->outcome == index_request_result::started);
}

TEST_CASE("a refresh soon after a full index reads only the new scrobbles", "[indexer]") {
  env e;
  auto spec = library("fresh", 3, 1, 1);
  e.libraries.add(spec);
  e.libraries.serve(e.fake);
  auto id = e.user("1", "fresh");
  e.start_indexer();
  REQUIRE(eventually([&] { return e.done(id); }, 30s));
  auto before = e.playcount(id, "Artist 1");
  auto newest = e.state_of(id).last_scrobble_at;
  // Two new scrobbles of Artist 1 and one of a new artist since then.
  auto grown = spec;
  grown.history.insert(grown.history.begin(),
                       {test::fake_scrobble{"New", "Artist 1", "Album 1", newest + 100, false},
                        test::fake_scrobble{"New", "artist 1", "Album 1", newest + 200, false},
                        test::fake_scrobble{"Debut", "Newcomer", "First", newest + 300, false}});
  fake_library_set next;
  next.add(grown);
  next.serve(e.fake);
  auto top_calls = e.fake.calls("user.gettopartists");
  e.clock->now += 3600;
  auto r = e.ask<index_request_result>(index_request_atom::value, id, std::string{"fresh"});
  REQUIRE(r);
  CHECK(r->outcome == index_request_result::started);
  REQUIRE(eventually([&] { return e.state_of(id).last_scrobble_at == newest + 300; }, 30s));
  CHECK(e.playcount(id, "Artist 1") == before + 2);
  CHECK(e.playcount(id, "Newcomer") == 1);
  CHECK(e.fake.calls("user.gettopartists") == top_calls); // no full index
  std::string from;
  for (const auto& c : e.fake.received())
    if (c.method == "user.getrecenttracks" && !c.param("from").empty())
      from = c.param("from");
  CHECK(from == std::to_string(newest + 1));
}

TEST_CASE("the indexer stores what the botted-account rule reads", "[indexer]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  env e{backend};
  auto real_now = static_cast<std::int64_t>(std::time(nullptr));
  auto now = e.clock->now.load();
  auto human = library("human", 3, 1, 1);
  human.scrobbles = 20000;
  human.registered_at = real_now - 3650 * 86400;
  // 2,881 scrobbles 3 minutes apart in the last 8 days: more than 6 days
  // of listening.
  auto nonstop = library("nonstop", 3, 1, 1);
  nonstop.history.clear();
  for (int i = 0; i < 2881; ++i)
    nonstop.history.push_back(test::fake_scrobble{"Loop", "Artist 1", "Album 1", now - 60 - i * 180, false});
  nonstop.scrobbles = 20000;
  nonstop.registered_at = real_now - 3650 * 86400;
  // 10 days on Last.fm with more than 650 scrobbles a day.
  auto fresh = library("fresh", 3, 1, 1);
  fresh.scrobbles = 650 * 11 + 1;
  fresh.registered_at = real_now - 10 * 86400;
  for (auto* spec : {&human, &nonstop, &fresh})
    e.libraries.add(*spec);
  e.libraries.serve(e.fake);
  e.start_indexer();
  std::vector<std::int64_t> ids;
  for (const char* name : {"human", "nonstop", "fresh"}) {
    ids.push_back(e.user(name, name));
    (*e.self)->send(e.indexer, index_user_atom::value, ids.back(), std::string{name});
  }
  REQUIRE(eventually([&] { return e.done(ids[0]) && e.done(ids[1]) && e.done(ids[2]); }, 30s));
  CHECK(e.state_of(ids[0]).scrobbles == 20000);
  CHECK(e.state_of(ids[2]).scrobbles == 650 * 11 + 1);
  // The 8-day window was asked with `from`, once per library.
  int windows = 0;
  for (const auto& call : e.fake.received())
    if (call.method == "user.getrecenttracks" && call.param("from") == std::to_string(now - 8 * 86400))
      ++windows;
  CHECK(windows == 3);
  who_knows_request req;
  req.name = "Artist 1";
  auto wk = e.store.run_who_knows(req);
  REQUIRE(wk);
  REQUIRE(wk->rows.size() == 1);
  CHECK(wk->rows[0].user_id == ids[0]);
}

TEST_CASE("a library of a user active in groups falls due after the active interval",
          "[indexer]") {
  env e;
  e.libraries.add(library("act", 3, 1, 1));
  e.libraries.add(library("calm", 3, 1, 1));
  e.libraries.serve(e.fake);
  auto act = e.user("10", "act");
  auto calm = e.user("11", "calm");
  // The first scan indexes both (never indexed: due), once each; asking
  // for them as well could leave a second run going into the restart below.
  e.start_indexer();
  REQUIRE(eventually([&] { return e.done(act) && e.done(calm); }, 30s));
  REQUIRE(e.artist_pages("act") == std::vector<std::string>{"1"});
  REQUIRE(e.artist_pages("calm") == std::vector<std::string>{"1"});
  auto first = e.clock->now.load();
  // "act" runs a command in a group; 13 hours pass (the active interval is
  // 12, the normal one 48).
  REQUIRE(e.store.record_member(platform_kind::telegram, "-100", "10"));
  e.clock->now += 13 * 3600;
  e.stop_indexer();
  e.start_indexer(); // its first scan
  REQUIRE(eventually([&] { return e.state_of(act).last_full_at == e.clock->now.load(); }, 30s));
  CHECK(e.artist_pages("act") == std::vector<std::string>{"1", "1"});
  CHECK(e.state_of(calm).last_full_at == first);
  CHECK(e.artist_pages("calm") == std::vector<std::string>{"1"});
  CHECK(e.state_of(act).next_due_at == e.clock->now.load() + 48 * 3600);
}

TEST_CASE("indexing pauses during a Last.fm outage and resumes after it", "[indexer][outage]") {
  env e{database::backend_kind::sqlite, 2};
  std::vector<std::int64_t> ids;
  for (int i = 1; i <= 6; ++i)
    e.libraries.add(library("pause" + std::to_string(i), 1500, 10, 10));
  e.libraries.serve(e.fake);
  // Every top artists page fails (error 8, Last.fm's trouble) while down.
  auto down = std::make_shared<std::atomic<bool>>(true);
  auto specs = e.libraries.libraries();
  e.fake.set_handler("user.gettopartists", [down, specs](const test::fake_call& call) {
    if (down->load())
      return std::string{R"({"error":8,"message":"Operation failed - Most likely the backend service failed."})"};
    for (const auto& spec : specs)
      if (spec.user == call.param("user"))
        return test::top_artists_page(spec, std::stoi(call.param("page")),
                                      std::stoi(call.param("limit")));
    return std::string{R"({"error":6,"message":"User not found"})"};
  });
  for (int i = 1; i <= 6; ++i)
    ids.push_back(e.user(std::to_string(i), "pause" + std::to_string(i)));
  auto s = e.settings();
  s.scan_seconds = 1;
  e.start_indexer(s);
  auto start = e.clock->now.load();
  auto calls = [&] { return e.fake.calls("user.getTopArtists"); };
  // Two failures start the outage; then the indexer stops asking.
  REQUIRE(eventually([&] { return calls() >= 2; }, 30s));
  CHECK(test::holds_for([&] { return calls() < 6; }, 3s));
  // The libraries it did not reach stay due as they were.
  int untouched = 0;
  for (auto id : ids)
    if (e.state_of(id).next_due_at <= start)
      ++untouched;
  CHECK(untouched >= 2);

  // Last.fm answers again: three interactive calls in a row end the outage.
  down->store(false);
  for (int i = 0; i < 3; ++i)
    (*e.self)->request(e.fm, 10s, fm_user_atom::value, std::string{"pause1"})
      .receive([](fm::user_info&) {}, [](caf::error& err) { FAIL(to_string(err)); });
  e.clock->now += 601; // past the pause and every retry delay
  REQUIRE(eventually([&] {
    for (auto id : ids)
      if (!e.done(id))
        return false;
    return true;
  }, 60s));
  for (auto id : ids)
    CHECK(e.plays(id, entity_kind::artist) == 1500);
}

TEST_CASE("a library due before the fm engine is up stays due and is indexed once it is",
          "[indexer]") {
  env e;
  e.libraries.add(library("early", 3, 1, 1));
  e.libraries.serve(e.fake);
  auto id = e.user("20", "early");
  auto fm_up = std::make_shared<std::atomic<bool>>(false);
  e.start_indexer(e.settings(), fm_up); // its start-up scan finds the library at once
  CHECK(test::holds_for([&] { return e.fake.total_calls() == 0; }, 500ms));
  // Not pushed back (it used to be, by ten minutes): the next scan takes it.
  CHECK(e.state_of(id).next_due_at <= e.clock->now.load());
  CHECK(e.state_of(id).status != index_status::done);
  fm_up->store(true);
  (*e.self)->send(e.indexer, index_user_atom::value, id, std::string{"early"});
  REQUIRE(eventually([&] { return e.done(id); }, 30s));
}
