// The group side of the store on both backends: who-knows runs with the
// crown rule, crown queries, membership and supergroup migrations.

#include <catch2/catch.hpp>

#include <ctime>
#include <string>

#include "actors/database/groups_support.hpp"

using namespace lastgram;
using namespace lastgram::database;
using lastgram::test::test_db;
using namespace lastgram::test::groups;

TEST_CASE("who knows ranks members and claims then steals the crown", "[db][groups]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  listener(db, "a", "Muse", 40);
  listener(db, "b", "Muse", 35);
  listener(db, "c", "Muse", 10);
  // Registered but never a member of this group: not listed.
  auto outsider = db.register_user(tg, "x", "fm_x", "Nx").value();
  REQUIRE_OK(db.set_user_plays(outsider.id, db.upsert_entity(entity_kind::artist, "Muse").value(),
                               500));

  auto first = wk(db, "c", "muse"); // case differs: the same artist
  CHECK(first.name == "Muse");
  REQUIRE(first.rows.size() == 3);
  CHECK(first.rows[0].fm_username == "fm_a");
  CHECK(first.rows[0].holder);
  CHECK(first.rows[2].invoker);
  CHECK(first.listeners == 3);
  CHECK(first.plays == 85);
  CHECK(first.invoker_rank == 3);
  CHECK(first.crowns_on);
  CHECK(first.change == crown_change::claimed);
  CHECK(first.holder_name == "Na");

  // The invoker's fresh count is stored first and steals the crown.
  auto steal = wk(db, "c", "MUSE", 41);
  CHECK(steal.change == crown_change::stolen);
  CHECK(steal.previous_holder == "Na");
  CHECK(steal.holder_name == "Nc");
  CHECK(steal.invoker_rank == 1);
  CHECK(steal.rows[0].holder);

  // A tie keeps the holder.
  auto tie = wk(db, "a", "Muse", 41);
  CHECK(tie.change == crown_change::kept);
  CHECK(tie.holder_name == "Nc");

  // Paging: offset and limit, ranks continue.
  who_knows_request page;
  page.platform = tg;
  page.group_id = group;
  page.name = "Muse";
  page.invoker_id = "a";
  page.offset = 2;
  page.limit = 2;
  auto second = db.run_who_knows(page);
  REQUIRE_OK(second);
  REQUIRE(second->rows.size() == 1);
  CHECK(second->rows[0].rank == 3);

  auto history = crowns(db, crown_query::history, {}, "mUSE");
  REQUIRE(history.entries.size() == 2);
  CHECK(history.entries[0].holder_name == "Na");
  CHECK(history.entries[0].until > 0);
  CHECK(history.entries[1].holder_name == "Nc");
  CHECK(history.entries[1].until == 0);
}

TEST_CASE("the crown needs the threshold and skips crown banned users", "[db][groups]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  listener(db, "a", "Low", 29);
  auto low = wk(db, "a", "Low");
  CHECK(low.change == crown_change::none);
  CHECK(low.holder_name.empty());
  CHECK_FALSE(low.rows.at(0).holder);

  listener(db, "banned", "Big", 300);
  listener(db, "b", "Big", 50);
  REQUIRE_OK(db.set_crown_banned(tg, "banned", true));
  auto big = wk(db, "banned", "Big");
  CHECK(big.change == crown_change::claimed);
  CHECK(big.holder_name == "Nb");
  CHECK(big.rows.at(0).fm_username == "fm_banned"); // listed, but no crown
  CHECK_FALSE(big.rows.at(0).holder);

  // A holder who gets crown-banned loses it; with nobody else past the
  // threshold it is released.
  listener(db, "c", "Solo", 80);
  CHECK(wk(db, "c", "Solo").change == crown_change::claimed);
  REQUIRE_OK(db.set_crown_banned(tg, "c", true));
  auto released = wk(db, "c", "Solo");
  CHECK(released.change == crown_change::released);
  CHECK(released.previous_holder == "Nc");
  CHECK(crowns(db, crown_query::user_crowns, "c").crowns.total == 0);

  // The group's threshold and per-kind switches apply.
  REQUIRE_OK(db.set_crown_threshold(tg, group, 20));
  CHECK(wk(db, "a", "Low").change == crown_change::claimed);
  REQUIRE_OK(db.set_group_crowns(tg, group, entity_kind::artist, false));
  auto off = wk(db, "a", "Low");
  CHECK_FALSE(off.crowns_on);
  CHECK(off.change == crown_change::none);
  CHECK(db.set_group_crowns(tg, "-999", entity_kind::album, true).error().code
        == db_errc::not_found);
}

TEST_CASE("albums and tracks have their own lists and crowns off by default", "[db][groups]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  listener(db, "a", "Muse", 1);
  who_knows_request req;
  req.platform = tg;
  req.group_id = group;
  req.kind = entity_kind::album;
  req.name = "Absolution";
  req.artist = "muse";
  req.invoker_id = "a";
  req.invoker_plays = 90;
  auto album = db.run_who_knows(req);
  REQUIRE_OK(album);
  CHECK_FALSE(album->crowns_on);
  REQUIRE(album->rows.size() == 1);
  CHECK(album->rows[0].playcount == 90);
  REQUIRE_OK(db.set_group_crowns(tg, group, entity_kind::album, true));
  req.name = "ABSOLUTION";
  album = db.run_who_knows(req);
  REQUIRE_OK(album);
  CHECK(album->name == "Absolution");
  CHECK(album->change == crown_change::claimed);
}

TEST_CASE("crown queries list a user's crowns the board and unclaimed artists", "[db][groups]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  listener(db, "a", "A1", 100);
  listener(db, "a", "A2", 50);
  listener(db, "a", "A3", 40);
  listener(db, "b", "A3", 45);
  listener(db, "b", "A4", 5);
  listener(db, "a", "A4", 4);
  wk(db, "a", "A1");
  wk(db, "a", "A2");
  wk(db, "a", "A3", 60); // a claims A3 with a fresh 60
  wk(db, "b", "A3", 70); // b steals it

  auto mine = crowns(db, crown_query::user_crowns, "a");
  CHECK(mine.crowns.total == 2);
  CHECK(mine.crowns.plays == 150);
  REQUIRE(mine.crowns.rows.size() == 2);
  CHECK(mine.crowns.rows[0].name == "A2"); // newest first (same second: by crown id)

  auto board = crowns(db, crown_query::board);
  CHECK(board.board.crowns == 3);
  CHECK(board.board.holders == 2);
  REQUIRE(board.board.top_holders.size() == 2);
  CHECK(board.board.top_holders[0].name == "Na");
  CHECK(board.board.top_holders[0].crowns == 2);
  REQUIRE(board.board.most_switched.size() == 1);
  CHECK(board.board.most_switched[0].name == "A3");
  CHECK(board.board.most_switched[0].switches == 1);
  REQUIRE(board.board.most_plays.size() == 3);
  CHECK(board.board.most_plays[0].name == "A1");

  auto hunt = crowns(db, crown_query::unclaimed, "a");
  REQUIRE(hunt.entries.size() == 1);
  CHECK(hunt.entries[0].name == "A4");
  CHECK(hunt.entries[0].playcount == 4);

  // Another group sees none of it.
  CHECK(crowns(db, crown_query::board, {}, {}, "-555").board.crowns == 0);
}

TEST_CASE("members leave and a supergroup migration keeps members and crowns", "[db][groups]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  listener(db, "a", "Muse", 50);
  listener(db, "b", "Muse", 40);
  // An unregistered user is not recorded (and is no error).
  REQUIRE_OK(db.record_member(tg, group, "ghost"));
  REQUIRE_OK(db.set_group_language(tg, group, "pt"));
  REQUIRE_OK(db.set_crown_threshold(tg, group, 35));
  CHECK(wk(db, "a", "Muse").change == crown_change::claimed);

  REQUIRE_OK(db.forget_member(tg, group, "b"));
  REQUIRE_OK(db.forget_member(tg, group, "nobody"));
  CHECK(wk(db, "a", "Muse").listeners == 1);
  REQUIRE_OK(db.record_member(tg, group, "b"));

  REQUIRE_OK(db.migrate_group(tg, group, "-1009"));
  auto moved = wk(db, "a", "Muse", -1, "-1009");
  CHECK(moved.listeners == 2);
  CHECK(moved.change == crown_change::kept);
  CHECK(moved.holder_name == "Na");
  CHECK(moved.threshold == 35);
  auto stored = db.get_group(tg, "-1009").value();
  REQUIRE(stored.has_value());
  CHECK(stored->language == "pt");
  CHECK_FALSE(db.get_group(tg, group).value()->active);
  CHECK(crowns(db, crown_query::user_crowns, "a", {}, "-1009").crowns.total == 1);
  CHECK(crowns(db, crown_query::history, {}, "Muse", "-1009").entries.size() == 1);
  CHECK(crowns(db, crown_query::board).board.crowns == 0);
}

TEST_CASE("global who knows masks private users and leaves botted accounts out",
          "[db][groups]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  auto a = listener(db, "a", "Muse", 50);
  listener(db, "b", "Muse", 40);
  auto bot = listener(db, "bot", "Muse", 9000);
  auto heavy = listener(db, "heavy", "Muse", 8000);
  REQUIRE_OK(db.set_private_mode(tg, "b", true));
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  // 10 days registered: 6,500 scrobbles a day is the limit for 10 (+1) days.
  REQUIRE_OK(db.set_fm_profile(bot, 650 * 11 + 1, now - 10 * 86400));
  REQUIRE_OK(db.set_fm_profile(heavy, 650 * 11, now - 10 * 86400));
  REQUIRE_OK(db.set_fm_profile(a, 1000000, 0)); // registration unknown: kept

  auto global = wk(db, "a", "muse", -1, "");
  CHECK_FALSE(global.crowns_on);
  CHECK(global.listeners == 3);
  REQUIRE(global.rows.size() == 3);
  CHECK(global.rows[0].fm_username == "fm_heavy");
  CHECK(global.rows[2].is_private);
  CHECK(global.invoker_rank == 2);
  // In the group the private user stays visible; the botted one too.
  auto local = wk(db, "a", "muse");
  CHECK(local.listeners == 4);
  for (auto& row : local.rows)
    CHECK_FALSE(row.is_private);
}

TEST_CASE("clearing a user's crowns passes each to the next listener or frees it",
          "[db][groups][moderation]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  listener(db, "a", "Muse", 90);
  listener(db, "b", "Muse", 40);
  listener(db, "a", "Tool", 70);
  listener(db, "c", "Tool", 10); // under the threshold: nobody takes Tool
  listener(db, "a", "Kent", 50);
  listener(db, "d", "Kent", 45);
  REQUIRE(wk(db, "a", "Muse").change == crown_change::claimed);
  REQUIRE(wk(db, "a", "Tool").change == crown_change::claimed);
  REQUIRE(wk(db, "a", "Kent").change == crown_change::claimed);
  // d may not hold crowns: Kent becomes unclaimed too.
  REQUIRE_OK(db.set_crown_banned(tg, "d", true));
  REQUIRE_OK(db.set_crown_banned(tg, "a", true));

  auto cleared = db.clear_user_crowns(tg, group, "a");
  REQUIRE_OK(cleared);
  CHECK(*cleared == 3);
  CHECK(crowns(db, crown_query::user_crowns, "a").crowns.total == 0);
  auto b = crowns(db, crown_query::user_crowns, "b").crowns;
  REQUIRE(b.total == 1);
  CHECK(b.rows[0].name == "Muse");
  CHECK(b.rows[0].playcount == 40);
  // The history keeps a's holding, closed, then b's.
  auto muse = crowns(db, crown_query::history, {}, "Muse").entries;
  REQUIRE(muse.size() == 2);
  CHECK(crowns(db, crown_query::board).board.crowns == 1);
  // Nothing left to clear; unknown users and groups clear nothing.
  CHECK(db.clear_user_crowns(tg, group, "a").value() == 0);
  CHECK(db.clear_user_crowns(tg, group, "nobody").value() == 0);
  CHECK(db.clear_user_crowns(tg, "-999", "a").value() == 0);
}

TEST_CASE("a group's settings are read and changed one at a time", "[db][groups][moderation]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  auto fresh = db.get_group_config(tg, "-555");
  REQUIRE_OK(fresh);
  CHECK(fresh->language.empty());
  CHECK(fresh->artist_crowns);
  CHECK_FALSE(fresh->album_crowns);
  CHECK_FALSE(fresh->track_crowns);
  CHECK(fresh->threshold == 30);

  REQUIRE_OK(db.change_group_config(tg, "-555", group_setting::album_crowns, "on"));
  REQUIRE_OK(db.change_group_config(tg, "-555", group_setting::artist_crowns, "off"));
  REQUIRE_OK(db.change_group_config(tg, "-555", group_setting::language, "pt"));
  auto after = db.change_group_config(tg, "-555", group_setting::threshold, "12");
  REQUIRE_OK(after);
  CHECK(after->language == "pt");
  CHECK_FALSE(after->artist_crowns);
  CHECK(after->album_crowns);
  CHECK(after->threshold == 12);
  CHECK(db.get_group_config(tg, "-555").value().threshold == 12);
  // The crown rule reads them: album crowns are on now.
  auto g = db.get_group(tg, "-555");
  REQUIRE_OK(g);
  REQUIRE(g->has_value());
  CHECK((*g)->language == "pt");

  for (auto bad : {"0", "-3", "x", ""})
    CHECK_FALSE(db.change_group_config(tg, "-555", group_setting::threshold, bad));
  CHECK_FALSE(db.change_group_config(tg, "-555", group_setting::track_crowns, "yes"));
  CHECK(db.get_group_config(tg, "-555").value().threshold == 12);
}

TEST_CASE("the bot's listeners of an entity are counted by normalized name", "[db][groups]") {
  auto backend = ANY_BACKEND;
  INFO("backend " << to_string(backend));
  test_db tdb{backend};
  auto db = tdb.open();
  listener(db, "1", "The Weeknd", 10);
  listener(db, "2", "the weeknd", 5); // one artist, spelled in lower case
  listener(db, "3", "The Weeknd", 0); // no plays: not a listener
  listener(db, "4", "Muse", 7);
  auto album = db.upsert_entity(entity_kind::album, "After Hours", "The Weeknd");
  REQUIRE_OK(album);
  auto one = db.get_user(tg, "1").value().value();
  REQUIRE_OK(db.set_user_plays(one.id, *album, 3));

  auto artists = db.count_listeners(entity_kind::artist, "THE WEEKND", "ignored");
  REQUIRE_OK(artists);
  CHECK(*artists == 2);
  CHECK(db.count_listeners(entity_kind::album, "after hours", "the weeknd").value() == 1);
  CHECK(db.count_listeners(entity_kind::album, "After Hours", "Someone Else").value() == 0);
  CHECK(db.count_listeners(entity_kind::track, "Blinding Lights", "The Weeknd").value() == 0);
  // A banned user is not counted.
  REQUIRE_OK(db.set_banned(tg, "2", true));
  CHECK(db.count_listeners(entity_kind::artist, "The Weeknd", "").value() == 1);
}
