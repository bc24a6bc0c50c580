// End to end in a Telegram group: a developer bans a user from the bot by
// replying to them, the banned user drops out of who-knows and is refused,
// and the unban brings them back. A non-developer is refused. As in
// telegram_groups_e2e.cpp, the indexed play counts are stored through the
// store on the node's SQLite file, as the indexer would.

#include <catch2/catch.hpp>

#include <string>

#include "actors/database/store.hpp"
#include "support/lastfm_payloads.hpp"
#include "telegram_harness.hpp"

using namespace lastgram;
using namespace lastgram::test;
using namespace lastgram::test::tg_e2e;

namespace {

const std::string weeknd = "The Weeknd"; // the artist.getInfo fixture's artist

/// Registers `u` as `fm_name` in `group` with `plays` indexed plays of
/// The Weeknd (also Last.fm's fresh count for them).
void join_with_plays(telegram_emulator& tg, fake_lastfm& fm, const std::string& db_path,
                     const tg_chat& group, const tg_user& u, const std::string& fm_name,
                     std::int64_t plays) {
  fm.set_body_for_user("user.getInfo", fm_name, user_info_body(fm_name));
  fm.set_body_for_user("artist.getInfo", fm_name, artist_info_body(plays));
  CHECK(contains(content(ask(tg, u, group, "/register " + fm_name)), "registered as"));
  database_settings cfg;
  cfg.path = db_path;
  auto db = database::store::open(cfg);
  REQUIRE(db.has_value());
  auto user = db->get_user(platform_kind::telegram, std::to_string(u.id));
  REQUIRE(user.has_value());
  REQUIRE(user->has_value());
  auto e = db->upsert_entity(entity_kind::artist, weeknd);
  REQUIRE(e.has_value());
  REQUIRE(db->set_user_plays((*user)->id, *e, plays).has_value());
}

} // namespace

TEST_CASE("telegram lastgramban bans a user by reply and unban brings them back",
          "[telegram][e2e][groups]") {
  telegram_emulator tg;
  fake_lastfm fm;
  tg_user dev{1501, "Ana", "", "ana", "en"};
  tg_user bob{1502, "Bob", "", "bob", "en"};
  tg_user cid{1503, "Cid", "", "cid", "en"};
  bot_node node{tg, fm, "polling", {"node.developers=telegram:1501"}};
  auto group = tg_chat::group(-1009001, "Bans", true);
  auto db_path = node.dir.file("data/db.sqlite3");
  // The first answer comes once the node has migrated its database.
  CHECK(contains(content(ask(tg, bob, group, "/wk " + weeknd)), "only available to registered"));
  join_with_plays(tg, fm, db_path, group, dev, "anafm", 30);
  join_with_plays(tg, fm, db_path, group, bob, "bobfm", 20);
  join_with_plays(tg, fm, db_path, group, cid, "cidfm", 90);
  auto said = tg.send_message(cid, group, "hello");
  REQUIRE(said.ok);
  tg_reply_to to_cid{said.message_id, cid, "hello"};

  // Only a developer bans.
  auto refused = content(ask(tg, bob, group, "/lastgramban", to_cid));
  CHECK(contains(refused, "only available to the bot's developers"));
  auto usage = content(ask(tg, dev, group, "/banuser"));
  CHECK(contains(usage, "as a reply to the user's message"));
  auto before = content(ask(tg, dev, group, "/wk " + weeknd));
  INFO(before);
  CHECK(contains(before, "1. Cid — 90 plays"));
  CHECK(contains(before, "3 listeners, 140 plays"));

  CHECK(contains(content(ask(tg, dev, group, "/lastgramban", to_cid)),
                 "Cid is now banned from the bot."));
  CHECK(contains(content(ask(tg, dev, group, "/banuser", to_cid)), "Cid is already banned"));
  auto without = content(ask(tg, dev, group, "/wk " + weeknd));
  INFO(without);
  CHECK_FALSE(contains(without, "Cid — 90 plays"));
  // The crown passes from the banned holder to the next listener.
  CHECK(contains(without, "Ana stole the crown from Cid"));
  CHECK(contains(without, "2 listeners, 50 plays"));
  // The banned user gets only the refusal.
  CHECK(contains(content(ask(tg, cid, group, "/wk " + weeknd)),
                 "You have been banned from using this bot."));

  CHECK(contains(content(ask(tg, dev, group, "/unbanuser", to_cid)),
                 "Cid is no longer banned from the bot."));
  auto back = content(ask(tg, dev, group, "/wk " + weeknd));
  INFO(back);
  CHECK(contains(back, "1. Cid — 90 plays"));
  CHECK(contains(back, "3 listeners, 140 plays"));
}
