// The hot path's direct SQLite reads (actors/database/direct_reads.hpp) and
// the statements the store keeps prepared for them: a kept statement must
// see what other connections wrote after it first ran, and whatever the
// direct path cannot serve goes back to the engine.

#include <catch2/catch.hpp>

#include <string>

#include "actors/database/direct_reads.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/test_db.hpp"

using namespace lastgram;
using namespace lastgram::database;
using lastgram::test::test_db;

namespace {

indexed_plays_query artist_plays(std::int64_t user, const std::string& name) {
  // Artists at depth 0: every row the index holds is a whole count.
  return indexed_plays_query{user, entity_kind::artist, name, {}, 0, {}};
}

} // namespace

TEST_CASE("kept statements see what other connections write after them", "[db]") {
  auto backend = ANY_BACKEND;
  test_db tdb{backend};
  auto reader = tdb.open();
  auto writer = store::open(tdb.settings()).value();

  // The reader's statements are prepared by these first reads.
  auto before = reader.get_user(platform_kind::telegram, "7");
  REQUIRE_OK(before);
  CHECK_FALSE(before->has_value());
  auto user = writer.register_user(platform_kind::telegram, "7", "rj", "R");
  REQUIRE_OK(user);
  auto artist = writer.upsert_entity(entity_kind::artist, "Cocteau Twins");
  REQUIRE_OK(artist);
  auto none = reader.indexed_playcount(artist_plays(user->id, "cocteau twins"));
  REQUIRE_OK(none);
  CHECK(*none == 0);

  // Written by another connection after the reader's statements ran once.
  REQUIRE_OK(writer.set_user_plays(user->id, *artist, 41));
  REQUIRE_OK(writer.set_banned(platform_kind::telegram, "7", true));

  auto after = reader.get_user(platform_kind::telegram, "7");
  REQUIRE_OK(after);
  REQUIRE(after->has_value());
  CHECK((*after)->fm_username == "rj");
  CHECK((*after)->banned);
  auto plays = reader.indexed_playcount(artist_plays(user->id, "Cocteau Twins"));
  REQUIRE_OK(plays);
  CHECK(*plays == 41);

  // The same statements, other values: each run binds its own.
  REQUIRE_OK(writer.register_user(platform_kind::telegram, "8", "other", "O"));
  auto second = reader.get_user(platform_kind::telegram, "8");
  REQUIRE_OK(second);
  REQUIRE(second->has_value());
  CHECK((*second)->fm_username == "other");
  CHECK_FALSE((*second)->banned);
  auto first = reader.get_user(platform_kind::telegram, "7");
  REQUIRE_OK(first);
  REQUIRE(first->has_value());
  CHECK((*first)->fm_username == "rj");

  // A kept read holds no transaction open: the writer's checkpoint passes
  // every frame (SQLite reports frames it could not copy back as busy).
  if (backend == backend_kind::sqlite) {
    int busy = -1;
    int log_frames = -1;
    int copied = -1;
    tdb.admin() << "PRAGMA wal_checkpoint(TRUNCATE)", soci::into(busy), soci::into(log_frames),
      soci::into(copied);
    CHECK(busy == 0);
  }
}

TEST_CASE("direct reads exist only for a SQLite file", "[db]") {
  database_settings pg;
  pg.url = "postgresql://u@127.0.0.1:1/x";
  pg.path = "/tmp/unused.sqlite3";
  CHECK(direct_reads::make(pg, 2) == nullptr);
  database_settings memory;
  memory.path = ":memory:";
  CHECK(direct_reads::make(memory, 2) == nullptr);
  database_settings file;
  file.path = "/tmp/x.sqlite3";
  CHECK(direct_reads::make(file, 0) == nullptr);
  CHECK(direct_reads::make(file, 2) != nullptr);
}

TEST_CASE("direct reads serve what they can and hand back the rest", "[db]") {
  test_db tdb{backend_kind::sqlite};
  auto direct = direct_reads::make(tdb.settings(), 2);
  REQUIRE(direct);

  // Before the engine has migrated, the tables are not there: back to it.
  auto engine_facts = test::hot_path_count("facts", "engine");
  CHECK_FALSE(direct->facts(platform_kind::telegram, "5", "").has_value());
  CHECK(test::hot_path_count("facts", "engine") == engine_facts + 1);

  auto db = tdb.open();
  auto user = db.register_user(platform_kind::telegram, "5", "alice", "A");
  REQUIRE_OK(user);
  auto artist = db.upsert_entity(entity_kind::artist, "Slowdive");
  REQUIRE_OK(artist);
  REQUIRE_OK(db.set_user_plays(user->id, *artist, 12));

  auto served_facts = test::hot_path_count("facts", "served");
  auto facts = direct->facts(platform_kind::telegram, "5", "6");
  REQUIRE(facts.has_value());
  CHECK(facts->author.found);
  CHECK(facts->author.user.fm_username == "alice");
  CHECK_FALSE(facts->target.found);
  CHECK(facts->group_language.empty());
  CHECK(test::hot_path_count("facts", "served") == served_facts + 1);

  auto served_plays = test::hot_path_count("plays", "served");
  auto plays = direct->indexed_playcount(artist_plays(user->id, "slowdive"));
  REQUIRE(plays.has_value());
  CHECK(*plays == 12);
  CHECK(test::hot_path_count("plays", "served") == served_plays + 1);

  // A change made through another connection is seen at the next read.
  REQUIRE_OK(db.set_banned(platform_kind::telegram, "5", true));
  auto banned = direct->facts(platform_kind::telegram, "5", "");
  REQUIRE(banned.has_value());
  CHECK(banned->author.user.banned);

  // A write lock held elsewhere does not stop a WAL reader.
  tdb.admin() << "BEGIN IMMEDIATE";
  tdb.admin() << "UPDATE users SET display_name = 'held' WHERE platform_id = '5'";
  auto during = direct->facts(platform_kind::telegram, "5", "");
  tdb.admin() << "ROLLBACK";
  REQUIRE(during.has_value());
  CHECK(during->author.user.display_name == "A");
}

TEST_CASE("direct inbox writes store and mark updates, and hand back what waits on another "
          "writer",
          "[db]") {
  test_db tdb{backend_kind::sqlite};
  auto direct = direct_reads::make(tdb.settings(), 2);
  REQUIRE(direct);
  auto db = tdb.open();
  auto entry = [](std::string id) {
    inbox_entry e;
    e.platform = platform_kind::telegram;
    e.update_id = std::move(id);
    e.payload = "{\"update_id\":" + e.update_id + "}";
    e.received_at = 1700000000;
    return e;
  };

  auto served_add = test::hot_path_count("inbox_add", "served");
  auto fresh = direct->inbox_add({entry("101"), entry("102")}, "node-a");
  REQUIRE(fresh.has_value());
  CHECK(*fresh == std::vector<std::string>{"101", "102"});
  CHECK(test::hot_path_count("inbox_add", "served") == served_add + 1);
  // A re-delivery is stored once: not new the second time.
  auto again = direct->inbox_add({entry("102"), entry("103")}, "node-a");
  REQUIRE(again.has_value());
  CHECK(*again == std::vector<std::string>{"103"});
  auto pending = db.inbox_pending(platform_kind::telegram);
  REQUIRE_OK(pending);
  CHECK(*pending == 3);
  auto holder = db.inbox_owner(platform_kind::telegram, "101");
  REQUIRE_OK(holder);
  REQUIRE(holder->has_value());
  CHECK((*holder)->claimed_by == "node-a");

  auto served_mark = test::hot_path_count("inbox_mark", "served");
  auto marked = direct->inbox_mark(platform_kind::telegram, {"102"}, {"101"});
  REQUIRE(marked.has_value());
  CHECK(test::hot_path_count("inbox_mark", "served") == served_mark + 1);
  pending = db.inbox_pending(platform_kind::telegram);
  REQUIRE_OK(pending);
  CHECK(*pending == 2);

  // Another connection holds the write lock past the busy timeout: the
  // write is handed back (the engine's worker waits for it), and nothing of
  // it was stored.
  auto engine_add = test::hot_path_count("inbox_add", "engine");
  auto engine_mark = test::hot_path_count("inbox_mark", "engine");
  tdb.admin() << "BEGIN IMMEDIATE";
  CHECK_FALSE(direct->inbox_add({entry("104")}, "node-a").has_value());
  CHECK_FALSE(direct->inbox_mark(platform_kind::telegram, {}, {"102"}).has_value());
  tdb.admin() << "ROLLBACK";
  CHECK(test::hot_path_count("inbox_add", "engine") == engine_add + 1);
  CHECK(test::hot_path_count("inbox_mark", "engine") == engine_mark + 1);
  auto absent = db.inbox_owner(platform_kind::telegram, "104");
  REQUIRE_OK(absent);
  CHECK_FALSE(absent->has_value());
  pending = db.inbox_pending(platform_kind::telegram);
  REQUIRE_OK(pending);
  CHECK(*pending == 2);
}
