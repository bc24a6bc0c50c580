// PostgreSQL's pipelined lane for the hot path (actors/database/pg_lane.hpp)
// against the test services' PostgreSQL: its answers are the store's, what
// it cannot answer is handed back, it reconnects after losing its
// connection, and the database engine's router uses it and falls back to
// its workers.

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <soci/soci.h>

#include "actors/database/engine.hpp"
#include "actors/database/pg_lane.hpp"
#include "actors/database/store.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/health.hpp"
#include "actors/test_config.hpp"
#include "actors/test_db.hpp"
#include "support/eventually.hpp"
#include "support/loop_thread.hpp"

using namespace lastgram;
using namespace lastgram::database;
using namespace std::chrono_literals;
using lastgram::test::eventually;
using lastgram::test::loop_thread;
using lastgram::test::test_db;

namespace {

/// Asks the lane and waits for its answer: set when it answered, whatever it
/// answered (nullopt: handed back).
template <class T, class Call>
std::optional<T> ask(Call call) {
  return test::answer_of<std::optional<T>>(std::move(call));
}

void check_same_user(const user_lookup& got, const std::optional<user_record>& want) {
  REQUIRE(got.found == want.has_value());
  if (!want)
    return;
  const auto& a = got.user;
  const auto& b = *want;
  CHECK(a.id == b.id);
  CHECK(a.platform == b.platform);
  CHECK(a.platform_id == b.platform_id);
  CHECK(a.fm_username == b.fm_username);
  CHECK(a.has_session_key == b.has_session_key);
  CHECK(a.language == b.language);
  CHECK(a.show_tags == b.show_tags);
  CHECK(a.cover_as_link == b.cover_as_link);
  CHECK(a.loved_emoji == b.loved_emoji);
  CHECK(a.banned == b.banned);
  CHECK(a.crown_banned == b.crown_banned);
  CHECK(a.display_name == b.display_name);
  CHECK(a.created_at == b.created_at);
  CHECK(a.time_zone == b.time_zone);
  CHECK(a.indexed_through == b.indexed_through);
}

std::shared_ptr<pg_lane> up_lane(const test_db& tdb, loop_thread& loop) {
  auto lane = pg_lane::make(tdb.settings(), loop.ioc);
  REQUIRE(lane);
  REQUIRE(eventually([&] { return lane->up(); }, 10s));
  return lane;
}

} // namespace

TEST_CASE("PostgreSQL's pipelined lane answers the hot path as the store does",
          "[db][pg_lane]") {
  test_db tdb{backend_kind::postgresql};
  auto db = tdb.open();
  auto user = db.register_user(platform_kind::telegram, "7", "rj", "R");
  REQUIRE_OK(user);
  REQUIRE_OK(db.set_banned(platform_kind::telegram, "7", true));
  REQUIRE_OK(db.register_user(platform_kind::telegram, "8", "other", "O"));
  auto artist = db.upsert_entity(entity_kind::artist, "Cocteau Twins");
  REQUIRE_OK(artist);
  REQUIRE_OK(db.set_user_plays(user->id, *artist, 41));
  auto track = db.upsert_entity(entity_kind::track, "Lorelei", "Cocteau Twins");
  REQUIRE_OK(track);
  REQUIRE_OK(db.set_user_plays(user->id, *track, 12));

  loop_thread loop;
  auto lane = up_lane(tdb, loop);

  SECTION("the guards' read") {
    auto served = test::hot_path_count("facts", "served");
    auto facts = ask<guard_users>(
      [&](auto done) { lane->facts(platform_kind::telegram, "7", "8", std::move(done)); });
    REQUIRE(facts);
    check_same_user(facts->author, db.get_user(platform_kind::telegram, "7").value());
    check_same_user(facts->target, db.get_user(platform_kind::telegram, "8").value());
    CHECK(facts->author.user.banned);
    CHECK(facts->group_language.empty());
    auto unknown = ask<guard_users>(
      [&](auto done) { lane->facts(platform_kind::discord, "7", "", std::move(done)); });
    REQUIRE(unknown);
    CHECK_FALSE(unknown->author.found);
    CHECK_FALSE(unknown->target.found);
    CHECK(test::hot_path_count("facts", "served") == served + 2);
  }

  SECTION("indexed play counts, and what needs the index's depth handed back") {
    const std::vector<std::int64_t> since{1, 2, 4102444800};
    std::vector<indexed_plays_query> same{
      {user->id, entity_kind::artist, "cocteau twins", {}, 0, {}},
      {user->id, entity_kind::artist, "COCTEAU TWINS", {}, 0, since},
      {user->id, entity_kind::track, "lorelei", "cocteau twins", 100, since},
      // No row, every artist indexed: the scrobbles since.
      {user->id, entity_kind::artist, "Slowdive", {}, 0, since},
      // Tracks at depth 0 are not indexed: -1 without a statement.
      {user->id, entity_kind::track, "Lorelei", "Cocteau Twins", 0, since},
    };
    for (const auto& q : same) {
      INFO(q.name << " depth " << q.depth);
      auto want = db.indexed_playcount(q);
      REQUIRE_OK(want);
      auto got = ask<std::int64_t>([&](auto done) { lane->plays(q, std::move(done)); });
      REQUIRE(got);
      CHECK(*got == *want);
    }
    auto handed = test::hot_path_count("plays", "served");
    indexed_plays_query missing{user->id, entity_kind::track, "Pearly-Dewdrops' Drops",
                                "Cocteau Twins", 100, since};
    auto got = ask<std::int64_t>([&](auto done) { lane->plays(missing, std::move(done)); });
    CHECK_FALSE(got);
    CHECK(test::hot_path_count("plays", "served") == handed);
  }

  SECTION("inbox rows and marks, one or a batch") {
    auto entry = [](std::string id) {
      return inbox_entry{platform_kind::telegram, std::move(id), R"({"update_id":1})", 0, false};
    };
    auto add = [&](std::vector<inbox_entry> entries) {
      return ask<std::vector<std::string>>(
        [&](auto done) { lane->inbox_add(std::move(entries), "me", std::move(done)); });
    };
    auto first = add({entry("u1")});
    REQUIRE(first);
    CHECK(*first == std::vector<std::string>{"u1"});
    auto again = add({entry("u1"), entry("u2")});
    REQUIRE(again);
    CHECK(*again == std::vector<std::string>{"u2"});
    auto owner = db.inbox_owner(platform_kind::telegram, "u2");
    REQUIRE_OK(owner);
    REQUIRE(owner->has_value());
    CHECK((*owner)->claimed_by == "me");
    CHECK_FALSE((*owner)->done);

    auto mark = [&](std::vector<std::string> replied, std::vector<std::string> done_ids) {
      return ask<std::int64_t>([&](auto done) {
        lane->inbox_mark(platform_kind::telegram, replied, done_ids, std::move(done));
      });
    };
    auto one = mark({"u1"}, {});
    REQUIRE(one);
    CHECK(*one == 1);
    auto batch = mark({"u2"}, {"u1", "u2", "nobody"});
    REQUIRE(batch);
    CHECK(*batch == 3);
    for (const char* id : {"u1", "u2"}) {
      auto held = db.inbox_owner(platform_kind::telegram, id);
      REQUIRE_OK(held);
      REQUIRE(held->has_value());
      CHECK((*held)->done);
      int replied = 0;
      std::string update_id{id};
      tdb.admin() << "SELECT replied FROM " + tdb.name()
                       + ".update_inbox WHERE platform = 'telegram' AND update_id = :u",
        soci::use(update_id), soci::into(replied);
      CHECK(replied == 1);
    }
  }

  SECTION("a failed statement is handed back, and the lane goes on") {
    // PostgreSQL refuses text that is not UTF-8; the batch rolls back whole.
    auto bad = ask<std::vector<std::string>>([&](auto done) {
      lane->inbox_add({inbox_entry{platform_kind::telegram, "ok", "{}", 0, false},
                       inbox_entry{platform_kind::telegram, "bad", "\xff\xfe", 0, false}},
                      "me", std::move(done));
    });
    CHECK_FALSE(bad);
    auto none = db.inbox_owner(platform_kind::telegram, "ok");
    REQUIRE_OK(none);
    CHECK_FALSE(none->has_value());
    CHECK(lane->up());
    auto facts = ask<guard_users>(
      [&](auto done) { lane->facts(platform_kind::telegram, "7", "", std::move(done)); });
    REQUIRE(facts);
    CHECK(facts->author.found);
  }
}

TEST_CASE("the pipelined lane hands back what it cannot answer and reconnects",
          "[db][pg_lane]") {
  test_db tdb{backend_kind::postgresql};
  auto db = tdb.open();
  REQUIRE_OK(db.register_user(platform_kind::telegram, "7", "rj", "R"));
  loop_thread loop;
  auto lane = up_lane(tdb, loop);

  // Every connection of this test's schema but the admin's, the lane's
  // among them.
  int killed = 0;
  tdb.admin() << "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                 " WHERE application_name = :n AND pid <> pg_backend_pid()",
    soci::use(tdb.name()), soci::into(killed);
  CHECK(killed >= 1);
  // The lane reads the end of its connection and says so.
  REQUIRE(eventually([&] { return !lane->up(); }, 5s));
  auto handed = ask<guard_users>(
    [&](auto done) { lane->facts(platform_kind::telegram, "7", "", std::move(done)); });
  CHECK_FALSE(handed);

  // Back after its backoff (1 s), with its statements prepared again.
  REQUIRE(eventually([&] { return lane->up(); }, 10s));
  auto facts = ask<guard_users>(
    [&](auto done) { lane->facts(platform_kind::telegram, "7", "", std::move(done)); });
  REQUIRE(facts);
  CHECK(facts->author.found);
  CHECK(facts->author.user.fm_username == "rj");
}

TEST_CASE("the database engine sends the hot path through its lane and hands back to its "
          "workers",
          "[db][pg_lane]") {
  test_db tdb{backend_kind::postgresql};
  auto db = tdb.open();
  auto user = db.register_user(platform_kind::telegram, "7", "rj", "R");
  REQUIRE_OK(user);
  loop_thread loop;
  auto lane = up_lane(tdb, loop);

  test::test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto health = std::make_shared<health_board>();
  auto engine = spawn_engine(self.ptr(), tdb.pool_settings(2), health, lane);
  auto facts = [&] {
    std::optional<guard_users> out;
    self->request(engine, 10s, facts_atom::value, platform_kind::telegram, std::string{"7"},
                  std::string{}, std::string{})
      .receive([&](guard_users& g) { out = std::move(g); },
               [&](caf::error& err) { FAIL(sys.render(err)); });
    return out;
  };

  auto served = test::hot_path_count("facts", "served");
  auto through_lane = facts();
  REQUIRE(through_lane);
  CHECK(through_lane->author.found);
  CHECK(through_lane->author.user.fm_username == "rj");
  CHECK(test::hot_path_count("facts", "served") == served + 1);

  // A count the lane cannot tell (no row at a depth): the workers answer,
  // as the store does.
  indexed_plays_query q{user->id, entity_kind::track, "Lorelei", "Cocteau Twins", 100, {}};
  auto handed_back = test::hot_path_count("plays", "engine");
  std::optional<std::int64_t> plays;
  self->request(engine, 10s, plays_atom::value, q)
    .receive([&](std::int64_t n) { plays = n; },
             [&](caf::error& err) { FAIL(sys.render(err)); });
  REQUIRE(plays);
  auto want = db.indexed_playcount(q);
  REQUIRE_OK(want);
  CHECK(*plays == *want);
  CHECK(test::hot_path_count("plays", "engine") == handed_back + 1);

  // With the lane closed, the workers serve everything.
  lane->stop();
  REQUIRE(eventually([&] { return !lane->up(); }, 5s));
  auto to_workers = test::hot_path_count("facts", "engine");
  auto through_workers = facts();
  REQUIRE(through_workers);
  CHECK(through_workers->author.user.fm_username == "rj");
  CHECK(test::hot_path_count("facts", "engine") == to_workers + 1);

  self->send_exit(engine, caf::exit_reason::user_shutdown);
}
