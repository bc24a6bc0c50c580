// The database store against real backends: every behavioural test runs on
// SQLite (a temp file) and on PostgreSQL (a fresh schema on the test server).
// PostgreSQL comes from LASTGRAM_TEST_PG_URL_OVERRIDE if set (running by
// hand), else from the LASTGRAM_TEST_PG_URL compile definition (ctest).

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <optional>
#include <string>
#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/deep_to_string.hpp>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "actors/database/store.hpp"
#include "actors/test_db.hpp"


using namespace lastgram;
using namespace lastgram::database;
using lastgram::test::pg_url;
using lastgram::test::test_db;
using lastgram::test::unique_suffix;
using lastgram::test::with_param;

namespace {

const std::string heart = "\xE2\x9D\xA4\xEF\xB8\x8F";

/// The row a lookup found. The test stops here when the lookup failed or
/// found nothing, rather than reading an empty optional.
template <class T>
T found(database::result<std::optional<T>> res) {
  REQUIRE_OK(res);
  REQUIRE(res.value().has_value());
  return std::move(*res.value());
}

} // namespace

TEST_CASE("database records print through their inspect", "[db]") {
  CHECK(to_string(db_errc::migration_failed) == "migration_failed");
  CHECK(to_string(entity_kind::album) == "album");
  user_record user;
  user.fm_username = "rj";
  CHECK_THAT(caf::deep_to_string(user),
             Catch::StartsWith("user_record(") && Catch::Contains("\"rj\""));
  global_who_knows_result global;
  global.rows.push_back(who_knows_row{1, "A", "a", 3});
  CHECK_THAT(caf::deep_to_string(global),
             Catch::Contains("who_knows_row(1, \"A\", \"a\", 3)"));
  CHECK_THAT(caf::deep_to_string(db_error{db_errc::timeout, "slow"}),
             Catch::StartsWith("db_error("));
  CHECK_THAT(caf::deep_to_string(group_record{}),
             Catch::StartsWith("group_record("));
  CHECK_THAT(caf::deep_to_string(crown_holder_record{}),
             Catch::StartsWith("crown_holder_record("));
}

TEST_CASE("render_sql expands dialect tokens", "[db]") {
  const std::string ddl = "CREATE TABLE t (id {pk}, x INTEGER)";
  CHECK(render_sql(ddl, backend_kind::sqlite)
        == "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, x INTEGER)");
  CHECK(render_sql(ddl, backend_kind::postgresql)
        == "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, x INTEGER)");
  CHECK(render_sql("{postgresql}SET LOCAL a = 1", backend_kind::postgresql)
        == "SET LOCAL a = 1");
  CHECK(render_sql("{postgresql}SET LOCAL a = 1", backend_kind::sqlite).empty());
  CHECK(render_sql("{sqlite}PRAGMA x", backend_kind::sqlite) == "PRAGMA x");
  CHECK(render_sql("{sqlite}PRAGMA x", backend_kind::postgresql).empty());
}

TEST_CASE("migrations apply once and a second run applies nothing", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = store::open(tdb.settings());
  REQUIRE(db);
  CHECK(db->backend() == backend);
  REQUIRE(db->schema_version().value() == 0);
  auto first = db->migrate();
  REQUIRE_OK(first);
  CHECK(first.value() == static_cast<int>(all_migrations().size()));
  auto version = db->schema_version();
  REQUIRE_OK(version);
  CHECK(version.value() == all_migrations().back().id);
  CHECK(db->migrate().value() == 0);
  // A second connection (another worker or node) finds nothing to do.
  auto other = store::open(tdb.settings());
  REQUIRE(other);
  CHECK(other->migrate().value() == 0);
  CHECK(other->schema_version().value() == version.value());
}

TEST_CASE("two connections migrating at once apply each step once", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto a = store::open(tdb.settings());
  auto b = store::open(tdb.settings());
  REQUIRE(a);
  REQUIRE(b);
  std::optional<result<int>> from_a;
  std::thread other{[&] { from_a.emplace(a->migrate()); }};
  auto from_b = b->migrate();
  other.join();
  REQUIRE(from_a.has_value());
  REQUIRE_OK(*from_a);
  REQUIRE_OK(from_b);
  CHECK(from_a->value() + from_b.value()
        == static_cast<int>(all_migrations().size()));
  CHECK(a->schema_version().value() == all_migrations().back().id);
}

TEST_CASE("a failing migration rolls back and names itself", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  auto base = db.schema_version().value();

  auto broken = all_migrations();
  broken.push_back({1000, "add canary", {"CREATE TABLE canary (x INTEGER)"}});
  broken.push_back({1001, "broken step",
                    {"CREATE TABLE canary2 (x INTEGER)", "CREATE TABLE oops ("}});
  auto res = db.migrate(broken);
  REQUIRE_FALSE(res);
  CHECK(res.error().code == db_errc::migration_failed);
  CHECK_THAT(res.error().message, Catch::Contains("1001")
                                    && Catch::Contains("broken step"));
  // The migration before the broken one stays applied, the broken one is gone.
  CHECK(db.schema_version().value() == 1000);
  CHECK(base < 1000);
  // canary2 was rolled back: creating it again succeeds.
  auto fixed = all_migrations();
  fixed.push_back({1000, "add canary", {"CREATE TABLE canary (x INTEGER)"}});
  fixed.push_back({1001,
                   "fixed step",
                   {"{postgresql}SET LOCAL statement_timeout = 0",
                    "{sqlite}CREATE TABLE only_on_sqlite (x INTEGER)",
                    "CREATE TABLE canary2 (x INTEGER)"}});
  auto again = db.migrate(fixed);
  REQUIRE_OK(again);
  CHECK(again.value() == 1);
  CHECK(db.schema_version().value() == 1001);
  // A list whose ids do not increase is refused before touching anything.
  auto unordered = all_migrations();
  unordered.insert(unordered.begin(), migration{5000, "late", {}});
  auto refused = db.migrate(unordered);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == db_errc::other);
  CHECK(db.schema_version().value() == 1001);
}

TEST_CASE("users register, relink, keep settings and unregister", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  auto none = db.get_user(platform_kind::telegram, "42");
  REQUIRE_OK(none);
  CHECK_FALSE(none.value().has_value());

  auto user = db.register_user(platform_kind::telegram, "42", "rj", "Richard");
  REQUIRE_OK(user);
  CHECK(user->id > 0);
  CHECK(user->platform == platform_kind::telegram);
  CHECK(user->platform_id == "42");
  CHECK(user->fm_username == "rj");
  CHECK(user->display_name == "Richard");
  CHECK(user->show_tags);
  CHECK_FALSE(user->cover_as_link);
  CHECK(user->loved_emoji == heart);
  CHECK_FALSE(user->banned);
  CHECK_FALSE(user->crown_banned);
  CHECK_FALSE(user->has_session_key);
  CHECK(user->created_at > 0);

  REQUIRE_OK(db.set_session_key(platform_kind::telegram, "42", "sk-1"));
  REQUIRE_OK(db.set_cover_as_link(platform_kind::telegram, "42", true));
  // Same account again: session and settings stay; empty name keeps the old.
  auto same = db.register_user(platform_kind::telegram, "42", "rj", "");
  REQUIRE_OK(same);
  CHECK(same->id == user->id);
  CHECK(same->has_session_key);
  CHECK(db.get_session_key(platform_kind::telegram, "42").value() == "sk-1");
  CHECK(same->display_name == "Richard");
  CHECK(same->cover_as_link);
  // Another account: the old session key no longer applies.
  auto relinked = db.register_user(platform_kind::telegram, "42", "other", "R");
  REQUIRE_OK(relinked);
  CHECK(relinked->id == user->id);
  CHECK(relinked->fm_username == "other");
  CHECK(relinked->display_name == "R");
  CHECK_FALSE(relinked->has_session_key);
  CHECK(db.get_session_key(platform_kind::telegram, "42").value().empty());
  CHECK(relinked->cover_as_link);

  REQUIRE_OK(db.set_session_key(platform_kind::telegram, "42", "sk-2"));
  REQUIRE_OK(db.clear_session_key(platform_kind::telegram, "42"));
  CHECK_FALSE(found(db.get_user(platform_kind::telegram, "42")).has_session_key);

  REQUIRE_OK(db.unregister_user(platform_kind::telegram, "42"));
  CHECK_FALSE(db.get_user(platform_kind::telegram, "42").value().has_value());
  CHECK(db.unregister_user(platform_kind::telegram, "42").error().code
        == db_errc::not_found);
  CHECK(db.set_session_key(platform_kind::telegram, "42", "x").error().code
        == db_errc::not_found);
  CHECK(db.clear_session_key(platform_kind::telegram, "42").error().code
        == db_errc::not_found);
  CHECK(db.get_session_key(platform_kind::telegram, "42").error().code
        == db_errc::not_found);
  CHECK(db.register_user(platform_kind::telegram, "42", "", "x").error().code
        == db_errc::other);
}

TEST_CASE("a user is unique per platform and platform id", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  auto tg = db.register_user(platform_kind::telegram, "7", "a", "A");
  auto dc = db.register_user(platform_kind::discord, "7", "b", "B");
  auto tg2 = db.register_user(platform_kind::telegram, "7", "a", "A");
  REQUIRE_OK(tg);
  REQUIRE_OK(dc);
  REQUIRE_OK(tg2);
  CHECK(tg->id != dc->id);
  CHECK(tg2->id == tg->id);
  CHECK(found(db.get_user(platform_kind::discord, "7")).fm_username == "b");
  int rows = 0;
  tdb.admin() << "SELECT COUNT(*) FROM " + (backend == backend_kind::sqlite
                                              ? std::string{"users"}
                                              : tdb.name() + ".users"),
    soci::into(rows);
  CHECK(rows == 2);
}

TEST_CASE("user settings are stored and create the user when needed", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  const auto p = platform_kind::discord;
  REQUIRE_OK(db.upsert_user_language(p, "9", "pt"));
  auto fresh = db.get_user(p, "9").value();
  REQUIRE(fresh.has_value());
  CHECK(fresh->language == "pt");
  CHECK(fresh->fm_username.empty());

  REQUIRE_OK(db.set_show_tags(p, "9", false));
  REQUIRE_OK(db.set_cover_as_link(p, "9", true));
  REQUIRE_OK(db.set_loved_emoji(p, "9", "\xF0\x9F\x94\xA5"));
  REQUIRE_OK(db.set_banned(p, "9", true));
  REQUIRE_OK(db.set_crown_banned(p, "9", true));
  REQUIRE_OK(db.upsert_display_name(p, "9", "Nine"));
  REQUIRE_OK(db.upsert_user_language(p, "9", "ru"));
  auto user = db.get_user(p, "9").value();
  REQUIRE(user.has_value());
  CHECK_FALSE(user->show_tags);
  CHECK(user->cover_as_link);
  CHECK(user->loved_emoji == "\xF0\x9F\x94\xA5");
  CHECK(user->banned);
  CHECK(user->crown_banned);
  CHECK(user->display_name == "Nine");
  CHECK(user->language == "ru");
  REQUIRE_OK(db.set_banned(p, "9", false));
  CHECK_FALSE(found(db.get_user(p, "9")).banned);
  // Settings on another platform's user with the same id are untouched.
  REQUIRE_OK(db.set_show_tags(platform_kind::telegram, "9", false));
  CHECK(found(db.get_user(platform_kind::telegram, "9")).language.empty());
}

TEST_CASE("groups are upserted, updated and hold members", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  const auto p = platform_kind::telegram;
  CHECK_FALSE(db.get_group(p, "-100").value().has_value());
  auto group = db.upsert_group(p, "-100", "Old title");
  REQUIRE_OK(group);
  CHECK(group->active);
  CHECK(group->language.empty());
  auto renamed = db.upsert_group(p, "-100", "New title");
  REQUIRE_OK(renamed);
  CHECK(renamed->id == group->id);
  CHECK(renamed->title == "New title");
  REQUIRE_OK(db.set_group_active(p, "-100", false));
  REQUIRE_OK(db.set_group_language(p, "-100", "es"));
  auto stored = db.get_group(p, "-100").value();
  REQUIRE(stored.has_value());
  CHECK_FALSE(stored->active);
  CHECK(stored->language == "es");
  CHECK(db.set_group_active(p, "-999", true).error().code == db_errc::not_found);
  CHECK(db.set_group_language(p, "-999", "en").error().code
        == db_errc::not_found);

  auto user = db.register_user(p, "1", "one", "One").value();
  auto artist = db.upsert_entity(entity_kind::artist, "Muse").value();
  REQUIRE_OK(db.set_user_plays(user.id, artist, 5));
  REQUIRE_OK(db.add_group_member(group->id, user.id));
  REQUIRE_OK(db.add_group_member(group->id, user.id)); // idempotent
  CHECK(db.who_knows(group->id, artist, 10).value().size() == 1);
  REQUIRE_OK(db.remove_group_member(group->id, user.id));
  CHECK(db.who_knows(group->id, artist, 10).value().empty());
  // Unknown ids break a foreign key.
  CHECK(db.add_group_member(group->id, 987654).error().code
        == db_errc::constraint);
  CHECK(db.set_user_plays(user.id, 987654, 1).error().code
        == db_errc::constraint);
}

TEST_CASE("platform state is stored and replaced, and chats are marked (un)reachable", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  CHECK(db.get_state("telegram.offset").value().empty());
  REQUIRE_OK(db.put_state("telegram.offset", "41"));
  REQUIRE_OK(db.put_state("telegram.offset", "42"));
  CHECK(db.get_state("telegram.offset").value() == "42");
  CHECK(db.get_state("other").value().empty());

  const auto p = platform_kind::telegram;
  // The bot added to a group it never saw: the row is created, active.
  REQUIRE_OK(db.set_chat_reachable(p, "-555", chat_kind::group, true));
  auto group = db.get_group(p, "-555").value();
  REQUIRE(group.has_value());
  CHECK(group->active);
  // Removed (kicked): inactive, and back again.
  REQUIRE_OK(db.set_chat_reachable(p, "-555", chat_kind::group, false));
  CHECK_FALSE(found(db.get_group(p, "-555")).active);
  REQUIRE_OK(db.upsert_group(p, "-555", "Title"));
  CHECK_FALSE(found(db.get_group(p, "-555")).active); // a rename keeps the flag
  REQUIRE_OK(db.set_chat_reachable(p, "-555", chat_kind::group, true));
  CHECK(found(db.get_group(p, "-555")).active);
  // A private chat: known or unknown users are both fine.
  REQUIRE_OK(db.register_user(p, "77", "seven", "Seven"));
  REQUIRE_OK(db.set_chat_reachable(p, "77", chat_kind::private_chat, false));
  REQUIRE_OK(db.set_chat_reachable(p, "78", chat_kind::private_chat, false));
  CHECK(db.get_user(p, "77").value().has_value());
}

TEST_CASE("entities dedupe by normalized name and artist", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  auto a = db.upsert_entity(entity_kind::artist, "Taylor Swift");
  auto b = db.upsert_entity(entity_kind::artist, " taylor  swift ");
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  CHECK(a.value() == b.value());
  // The artist argument does not matter for artists.
  CHECK(db.upsert_entity(entity_kind::artist, "TAYLOR SWIFT", "x").value()
        == a.value());
  auto album = db.upsert_entity(entity_kind::album, "1989", "Taylor Swift");
  auto album2 = db.upsert_entity(entity_kind::album, "1989 ", "TAYLOR SWIFT");
  auto track = db.upsert_entity(entity_kind::track, "1989", "Taylor Swift");
  auto other = db.upsert_entity(entity_kind::album, "1989", "Ryan Adams");
  REQUIRE_OK(album);
  CHECK(album.value() == album2.value());
  CHECK(album.value() != a.value());
  CHECK(track.value() != album.value());
  CHECK(other.value() != album.value());
  CHECK(db.upsert_entity(entity_kind::artist, "Bj\u00d6rk").value()
        == db.upsert_entity(entity_kind::artist, "bj\u00f6rk").value());
  CHECK(db.upsert_entity(entity_kind::artist, "   ").error().code
        == db_errc::other);
}

TEST_CASE("who knows lists a group's listeners, biggest first, limited", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  const auto p = platform_kind::telegram;
  auto group = db.upsert_group(p, "-1", "G").value();
  auto artist = db.upsert_entity(entity_kind::artist, "Radiohead").value();
  auto unrelated = db.upsert_entity(entity_kind::artist, "Blur").value();
  struct listener {
    const char* id;
    std::int64_t plays;
    bool member;
  };
  const listener people[] = {{"a", 10, true},  {"b", 50, true},
                             {"c", 30, true},  {"d", 0, true},
                             {"e", 100, false}, {"f", 30, true},
                             {"banned", 70, true}};
  std::map<std::string, std::int64_t> ids;
  for (const auto& x : people) {
    auto user = db.register_user(p, x.id, std::string{"fm_"} + x.id,
                                 std::string{"name "} + x.id);
    REQUIRE_OK(user);
    ids[x.id] = user->id;
    REQUIRE_OK(db.set_user_plays(user->id, artist, x.plays));
    REQUIRE_OK(db.set_user_plays(user->id, unrelated, 1000));
    if (x.member)
      REQUIRE_OK(db.add_group_member(group.id, user->id));
  }
  REQUIRE_OK(db.set_banned(p, "banned", true));
  // A member who never linked Last.fm does not show up either.
  REQUIRE_OK(db.upsert_display_name(p, "unlinked", "U"));
  auto unlinked = db.get_user(p, "unlinked").value().value();
  REQUIRE_OK(db.set_user_plays(unlinked.id, artist, 500));
  REQUIRE_OK(db.add_group_member(group.id, unlinked.id));

  auto rows = db.who_knows(group.id, artist, 10);
  REQUIRE_OK(rows);
  REQUIRE(rows->size() == 4);
  CHECK(rows->at(0).fm_username == "fm_b");
  CHECK(rows->at(0).display_name == "name b");
  CHECK(rows->at(0).playcount == 50);
  CHECK(rows->at(0).user_id == ids["b"]);
  // Ties keep registration order (user id).
  CHECK(rows->at(1).fm_username == "fm_c");
  CHECK(rows->at(2).fm_username == "fm_f");
  CHECK(rows->at(3).fm_username == "fm_a");
  auto top2 = db.who_knows(group.id, artist, 2).value();
  REQUIRE(top2.size() == 2);
  CHECK(top2[1].fm_username == "fm_c");
  CHECK(db.who_knows(group.id, artist, 0).value().empty());

  REQUIRE_OK(db.set_user_plays(ids["a"], artist, 60)); // replaces the count
  CHECK(db.who_knows(group.id, artist, 1).value().at(0).fm_username == "fm_a");

  auto global = db.global_who_knows(artist, 2);
  REQUIRE_OK(global);
  CHECK(global->total_listeners == 5); // e, a, b, c, f
  REQUIRE(global->rows.size() == 2);
  CHECK(global->rows[0].fm_username == "fm_e");
  CHECK(global->rows[0].playcount == 100);
  CHECK(global->rows[1].fm_username == "fm_a");
}

TEST_CASE("non-Latin names round-trip unchanged", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  const std::string japanese = "\u5c71\u7530\u592a\u90ce";           // 山田太郎
  const std::string cyrillic = "\u0418\u0432\u0430\u043d";           // Иван
  const std::string emoji = "\xF0\x9F\x8E\xA7 DJ \xF0\x9F\x8E\xB6"; // 🎧 DJ 🎶
  auto ja = db.register_user(platform_kind::telegram, "1", "ja", japanese);
  auto ru = db.register_user(platform_kind::telegram, "2", "ru", cyrillic);
  auto dj = db.register_user(platform_kind::discord, "3", "dj", emoji);
  REQUIRE_OK(ja);
  REQUIRE_OK(ru);
  REQUIRE_OK(dj);
  CHECK(found(db.get_user(platform_kind::telegram, "1")).display_name
        == japanese);
  CHECK(found(db.get_user(platform_kind::discord, "3")).display_name == emoji);
  const std::string title = "\u0413\u0440\u0443\u043f\u043f\u0430 \xF0\x9F\x8E\xB5";
  auto group = db.upsert_group(platform_kind::telegram, "-5", title);
  REQUIRE_OK(group);
  CHECK(found(db.get_group(platform_kind::telegram, "-5")).title == title);
  auto kino = db.upsert_entity(entity_kind::artist, "\u041a\u0438\u043d\u043e");
  CHECK(db.upsert_entity(entity_kind::artist, "\u041a\u0418\u041d\u041e").value()
        == kino.value());
  auto hikaru = db.upsert_entity(entity_kind::track, "First Love",
                                 "\u5b87\u591a\u7530\u30d2\u30ab\u30eb");
  REQUIRE_OK(hikaru);
  for (const auto& user : {ja.value(), ru.value(), dj.value()}) {
    REQUIRE_OK(db.add_group_member(group->id, user.id));
    REQUIRE_OK(db.set_user_plays(user.id, hikaru.value(), user.id));
  }
  auto rows = db.who_knows(group->id, hikaru.value(), 10).value();
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].display_name == emoji);
  CHECK(rows[1].display_name == cyrillic);
  CHECK(rows[2].display_name == japanese);
}

TEST_CASE("crowns report their current holder", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  auto group = db.upsert_group(platform_kind::telegram, "-7", "G").value();
  auto artist = db.upsert_entity(entity_kind::artist, "Muse").value();
  auto a = db.register_user(platform_kind::telegram, "1", "a", "A").value();
  auto b = db.register_user(platform_kind::telegram, "2", "b", "B").value();
  CHECK_FALSE(db.current_crown_holder(group.id, artist).value().has_value());
  REQUIRE_OK(db.set_crown_holder(group.id, artist, a.id, 10));
  auto held = db.current_crown_holder(group.id, artist).value();
  REQUIRE(held.has_value());
  CHECK(held->user_id == a.id);
  CHECK(held->playcount == 10);
  REQUIRE_OK(db.set_crown_holder(group.id, artist, b.id, 20));
  REQUIRE_OK(db.set_crown_holder(group.id, artist, b.id, 25));
  held = db.current_crown_holder(group.id, artist).value();
  REQUIRE(held.has_value());
  CHECK(held->user_id == b.id);
  CHECK(held->playcount == 25);
  int switched = -1;
  int holders = -1;
  std::string prefix = backend == backend_kind::sqlite ? "" : tdb.name() + ".";
  tdb.admin() << "SELECT switched_times FROM " + prefix + "crowns",
    soci::into(switched);
  tdb.admin() << "SELECT COUNT(*) FROM " + prefix + "crown_holders",
    soci::into(holders);
  CHECK(switched == 1);
  CHECK(holders == 2);
  // Unregistering the holder removes the holding with it.
  REQUIRE_OK(db.unregister_user(platform_kind::telegram, "2"));
  CHECK_FALSE(db.current_crown_holder(group.id, artist).value().has_value());
}

TEST_CASE("a held lock maps to timeout after the statement timeout", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open(200);
  auto& admin = tdb.admin();
  if (backend == backend_kind::sqlite) {
    admin << "BEGIN EXCLUSIVE";
  } else {
    admin << "BEGIN";
    admin << "LOCK TABLE " + tdb.name() + ".users IN ACCESS EXCLUSIVE MODE";
  }
  auto start = std::chrono::steady_clock::now();
  auto res = db.set_show_tags(platform_kind::telegram, "1", false);
  auto took = std::chrono::steady_clock::now() - start;
  admin << "ROLLBACK";
  REQUIRE_FALSE(res);
  CHECK(res.error().code == db_errc::timeout);
  CHECK(took < std::chrono::seconds(3));
  REQUIRE_OK(db.set_show_tags(platform_kind::telegram, "1", false));
}

TEST_CASE("an unreachable database is unavailable, quickly", "[db]") {
  SECTION("PostgreSQL on a closed port") {
    // Bind and release an ephemeral port: nothing listens there afterwards.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    socklen_t len = sizeof(addr);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    ::close(fd);
    database_settings cfg;
    cfg.url = "postgresql://lastgram@127.0.0.1:"
              + std::to_string(ntohs(addr.sin_port))
              + "/lastgram_test?connect_timeout=2";
    auto start = std::chrono::steady_clock::now();
    auto db = store::open(cfg);
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(db);
    CHECK(db.error().code == db_errc::unavailable);
    CHECK(took < std::chrono::seconds(3));
  }
  SECTION("SQLite below a regular file") {
    auto file = std::filesystem::temp_directory_path()
                / ("lgtest_file_" + unique_suffix());
    std::ofstream{file} << "not a directory";
    database_settings cfg;
    cfg.path = (file / "db.sqlite3").string();
    auto db = store::open(cfg);
    std::filesystem::remove(file);
    REQUIRE_FALSE(db);
    CHECK(db.error().code == db_errc::unavailable);
  }
}

TEST_CASE("a lost connection is unavailable until reconnect", "[db]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  REQUIRE_OK(db.register_user(platform_kind::telegram, "1", "a", "A"));
  if (backend == backend_kind::postgresql) {
    // Look the pid up first: in one WHERE clause PostgreSQL may call
    // pg_terminate_backend before filtering, on every connection.
    int pid = 0;
    int killed = 0;
    std::string app = tdb.name();
    tdb.admin() << "SELECT pid FROM pg_stat_activity WHERE application_name = :a",
      soci::into(pid), soci::use(app, "a");
    REQUIRE(pid != 0);
    tdb.admin() << "SELECT CASE WHEN pg_terminate_backend(:pid, 5000)"
                   " THEN 1 ELSE 0 END",
      soci::into(killed), soci::use(pid, "pid");
    REQUIRE(killed == 1);
    auto lost = db.get_user(platform_kind::telegram, "1");
    REQUIRE_FALSE(lost);
    CHECK(lost.error().code == db_errc::unavailable);
    CHECK(db.ping().error().code == db_errc::unavailable);
  }
  REQUIRE_OK(db.reconnect());
  REQUIRE_OK(db.ping());
  auto back = db.get_user(platform_kind::telegram, "1");
  REQUIRE_OK(back);
  REQUIRE(back.value().has_value());
  CHECK(back.value()->fm_username == "a");
}
