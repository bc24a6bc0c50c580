// End to end in a Telegram group: who-knows and crowns. The lastgram binary
// runs against the Bot API emulator and the fake Last.fm. The library
// indexer is written in parallel, so the test stores the indexed play counts
// itself, through the store, on the node's SQLite file (as the indexer
// would); the invoker's fresh count comes from artist.getInfo with their
// username, served per user by the fake.

#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <string>

#include "support/lastfm_payloads.hpp"
#include "group_plays.hpp"
#include "telegram_harness.hpp"

using namespace lastgram;
using namespace lastgram::test;
using namespace lastgram::test::tg_e2e;
using namespace std::chrono_literals;

namespace {

const std::string weeknd = "The Weeknd"; // the artist.getInfo fixture's artist

struct member {
  tg_user user;
  std::string fm_name;
  std::int64_t indexed = 0; // what the "indexer" stored
  std::int64_t fresh = 0;   // artist.getInfo's userplaycount
};

void join(telegram_emulator& tg, fake_lastfm& fm, database::store& db, const tg_chat& group,
          const member& m) {
  fm.set_body_for_user("user.getInfo", m.fm_name, user_info_body(m.fm_name));
  fm.set_body_for_user("artist.getInfo", m.fm_name, artist_info_body(m.fresh));
  CHECK(contains(content(ask(tg, m.user, group, "/register " + m.fm_name)), "registered as"));
  // One user's library spells the name in lower case: it counts together.
  index_plays(db, m.user, m.fm_name == "bobfm" ? "the weeknd" : weeknd, m.indexed);
}

/// Asks `text` until the answer satisfies `ok` (a membership change travels
/// beside the commands, so its effect shows a moment later).
std::string ask_until(telegram_emulator& tg, const tg_user& from, const tg_chat& chat,
                      const std::string& text, const std::function<bool(const std::string&)>& ok) {
  std::string last;
  eventually(
    [&] {
      last = content(ask(tg, from, chat, text));
      return ok(last);
    },
    20s, 500ms);
  return last;
}

} // namespace

TEST_CASE("telegram who knows claims steals and keeps crowns in a group",
          "[telegram][e2e][groups]") {
  telegram_emulator tg;
  fake_lastfm fm;
  bot_node node{tg, fm, "polling"};
  auto group = tg_chat::group(-1008001, "Crowns", true);
  member ana{{1401, "Ana", "", "ana", "en"}, "anafm", 100, 100};
  member bob{{1402, "Bob", "", "bob", "en"}, "bobfm", 80, 80};
  member cid{{1403, "Cid", "", "cid", "en"}, "cidfm", 50, 50};
  member dee{{1404, "Dee", "", "dee", "en"}, "deefm", 20, 150};
  member eve{{1405, "Eve", "", "eve", "en"}, "evefm", 500, 500};
  // Only in groups (answered once the node has migrated its database).
  auto dm = tg_chat::private_with(ana.user);
  CHECK(contains(content(ask(tg, ana.user, dm, "/wk " + weeknd)), "only works in groups"));
  auto db = open_store(node);
  for (auto* m : {&ana, &bob, &cid})
    join(tg, fm, db, group, *m);

  auto first = content(ask(tg, cid.user, group, "/wk the weeknd"));
  INFO(first);
  CHECK(contains(first, "<b>Who knows The Weeknd in this group?</b>"));
  CHECK(contains(first, "👑 1. Ana — 100 plays"));
  CHECK(contains(first, "2. Bob — 80 plays"));
  CHECK(contains(first, "<b>3. Cid — 50 plays</b>"));
  CHECK(contains(first, "3 listeners, 230 plays"));
  CHECK(contains(first, "Ana claimed the crown with 100 plays!"));

  // Dee's library says 20, Last.fm says 150 now: the fresh count steals it.
  join(tg, fm, db, group, dee);
  auto steal = content(ask(tg, dee.user, group, "/whoknows The Weeknd"));
  INFO(steal);
  CHECK(contains(steal, "<b>👑 1. Dee — 150 plays</b>"));
  CHECK(contains(steal, "Dee stole the crown from Ana with 150 plays!"));
  CHECK(contains(steal, "4 listeners, 380 plays"));

  // A crown-banned user is listed but cannot claim.
  join(tg, fm, db, group, eve);
  REQUIRE(db.set_crown_banned(platform_kind::telegram, "1405", true).has_value());
  auto banned = content(ask(tg, eve.user, group, "/wk The Weeknd"));
  INFO(banned);
  CHECK(contains(banned, "<b>1. Eve — 500 plays</b>"));
  CHECK(contains(banned, "👑 2. Dee — 150 plays"));
  CHECK_FALSE(contains(banned, "stole"));

  // The crown commands agree with the plays.
  index_plays(db, ana.user, "Muse", 40);
  auto crowns = content(ask(tg, dee.user, group, "/crowns"));
  INFO(crowns);
  CHECK(contains(crowns, "Dee holds 1 crown in this group"));
  CHECK(contains(crowns, "1. The Weeknd — 150 plays"));
  CHECK(contains(content(ask(tg, ana.user, group, "/crowns")), "Ana holds no crowns"));
  auto worth = content(ask(tg, dee.user, group, "/cworth"));
  CHECK(contains(worth, "1 crown is worth 150 plays"));
  auto info = content(ask(tg, ana.user, group, "/crownsinfo"));
  INFO(info);
  CHECK(contains(info, "1 crown held by 1 member"));
  CHECK(contains(info, "1. Dee — 1 crown"));
  CHECK(contains(info, "The Weeknd (Dee) — switched 1 time"));
  CHECK(contains(info, "The Weeknd (Dee) — 150 plays"));
  auto hunt = content(ask(tg, ana.user, group, "/unclaimed"));
  INFO(hunt);
  CHECK(contains(hunt, "1. Muse — 40 plays"));
  CHECK_FALSE(contains(hunt, weeknd));
  auto history = content(ask(tg, ana.user, group, "/crownhistory the weeknd"));
  INFO(history);
  CHECK(contains(history, "Crown history of The Weeknd"));
  CHECK(contains(history, "Ana — 100 plays, "));
  CHECK(contains(history, "Dee — 150 plays, since "));

  // Bob leaves the group: he drops out of the list.
  REQUIRE(tg.send_service_message(bob.user, group, bob.user).ok);
  auto after = ask_until(tg, ana.user, group, "/wk The Weeknd",
                         [](const std::string& s) { return !contains(s, "Bob"); });
  INFO(after);
  CHECK_FALSE(contains(after, "Bob"));
  CHECK(contains(after, "4 listeners, 800 plays"));

  // The group becomes a supergroup: members and crowns move with it.
  auto super = tg_chat::group(-1008002, "Crowns", true);
  REQUIRE(tg.send_service_message(ana.user, group, std::nullopt, super.id).ok);
  auto moved = ask_until(tg, cid.user, super, "/crownsinfo",
                         [](const std::string& s) { return contains(s, "1. Dee — 1 crown"); });
  INFO(moved);
  CHECK(contains(moved, "1. Dee — 1 crown"));
  auto listed = content(ask(tg, cid.user, super, "/wk The Weeknd"));
  INFO(listed);
  CHECK(contains(listed, "4 listeners, 800 plays"));
  CHECK(contains(listed, "👑 2. Dee — 150 plays"));
  CHECK(contains(content(ask(tg, ana.user, super, "/crownhistory The Weeknd")),
                 "Ana — 100 plays, "));
}
