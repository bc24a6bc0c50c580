// End to end in a Telegram group: what the group's administrators may do.
// The emulator's getChatMember says who administers the group; the test
// stores the indexed play counts through the store on the node's SQLite
// file, as the indexer would (see telegram_groups_e2e.cpp).
// - /crownban as a reply, refused to a member; its "clear this user's
//   crowns?" button, refused to anyone but the invoker, passes the crowns on;
// - /crownunban lets the user claim again;
// - /config in the group: the crown threshold and album crowns;
// - /grouplang pt switches the group's replies to Portuguese.

#include <catch2/catch.hpp>

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
const std::string paramore = "Paramore";  // the album.getInfo fixture's album and artist

struct person {
  tg_user user;
  std::string fm_name;
  std::int64_t artist_plays = 0; // indexed and fresh
  std::int64_t album_plays = 0;
};

void join(telegram_emulator& tg, fake_lastfm& fm, database::store& db, const tg_chat& group,
          const person& p) {
  fm.set_body_for_user("user.getInfo", p.fm_name, user_info_body(p.fm_name));
  fm.set_body_for_user("artist.getInfo", p.fm_name, artist_info_body(p.artist_plays));
  fm.set_body_for_user("album.getInfo", p.fm_name, album_info_body(p.album_plays));
  CHECK(contains(content(ask(tg, p.user, group, "/register " + p.fm_name)), "registered as"));
  index_plays(db, p.user, entity_kind::artist, weeknd, "", p.artist_plays);
  index_plays(db, p.user, entity_kind::album, paramore, paramore, p.album_plays);
}

/// Presses the button labelled `label` under the bot's message `m`.
tg_sent press(telegram_emulator& tg, const tg_user& who, const tg_chat& chat,
              const tg_bot_message& m, const std::string& label) {
  auto data = button_data(m, label);
  INFO("button " << label << " under: " << content(m));
  REQUIRE_FALSE(data.empty());
  auto sent = tg.press_button(who, chat, m.message_id, data);
  REQUIRE(sent.ok);
  return sent;
}

/// The answer to callback query `id`, once the bot gave it.
std::optional<tg_callback_answer> callback_answer(telegram_emulator& tg, const std::string& id) {
  std::optional<tg_callback_answer> found;
  eventually(
    [&] {
      for (auto& a : tg.callback_answers())
        if (a.callback_query_id == id)
          found = a;
      return found.has_value();
    },
    10s);
  return found;
}

} // namespace

TEST_CASE("telegram group admins ban from crowns and change the group's settings",
          "[telegram][e2e][groups][moderation]") {
  telegram_emulator tg;
  fake_lastfm fm;
  bot_node node{tg, fm, "polling"};
  auto group = tg_chat::group(-1009001, "Mods", true);
  person ada{{1501, "Ada", "", "ada", "en"}, "adafm", 0, 0};
  person ana{{1502, "Ana", "", "ana", "en"}, "anafm", 100, 150};
  person bob{{1503, "Bob", "", "bob", "en"}, "bobfm", 80, 60};
  person cid{{1504, "Cid", "", "cid", "en"}, "cidfm", 50, 0};
  tg.set_chat_member(group.id, ada.user.id, "administrator");
  auto db = open_store(node);
  for (auto* p : {&ada, &ana, &bob, &cid})
    join(tg, fm, db, group, *p);

  auto first = content(ask(tg, ana.user, group, "/wk " + weeknd));
  INFO(first);
  CHECK(contains(first, "Ana claimed the crown with 100 plays!"));

  // A member may not ban; the admin may, as a reply to the user's message.
  auto hello = tg.send_message(ana.user, group, "hello");
  REQUIRE(hello.ok);
  tg_reply_to to_ana{hello.message_id, ana.user, "hello"};
  auto refused = content(ask(tg, bob.user, group, "/crownban", to_ana));
  CHECK(contains(refused, "Only this group's administrators can use this command."));
  auto banned = ask(tg, ada.user, group, "/bancrown", to_ana);
  INFO(content(banned));
  CHECK(contains(content(banned), "Ana is now banned from the crowns game"));

  // The clear button is the invoker's alone.
  auto bobs = press(tg, bob.user, group, banned, "🧹 Clear this user's crowns?");
  auto alert = callback_answer(tg, bobs.query_id);
  REQUIRE(alert);
  CHECK(alert->text == "This button isn't for you.");
  CHECK(alert->show_alert);
  auto adas = press(tg, ada.user, group, banned, "🧹 Clear this user's crowns?");
  auto cleared = edited_to(tg, group.id, banned.message_id, "Ana lost 1 crown in this group");
  if (!cleared) {
    auto said = callback_answer(tg, adas.query_id);
    UNSCOPED_INFO("Ada's press was answered: " << (said ? said->text : "(nothing)"));
  }
  CHECK(cleared);
  // One getChatMember for Bob and one for Ada: her press used the cache.
  CHECK(tg.chat_member_calls() == 2);

  // The crown went to the next listener; Ana is listed but holds nothing.
  auto passed = content(ask(tg, cid.user, group, "/wk " + weeknd));
  INFO(passed);
  CHECK(contains(passed, "1. Ana — 100 plays"));
  CHECK_FALSE(contains(passed, "👑 1. Ana"));
  CHECK(contains(passed, "👑 2. Bob — 80 plays"));
  auto history = content(ask(tg, cid.user, group, "/crownhistory " + weeknd));
  INFO(history);
  CHECK(contains(history, "Ana — 100 plays, "));
  CHECK(contains(history, "Bob — 80 plays, since "));

  // Unbanned, Ana claims again.
  CHECK(contains(content(ask(tg, ada.user, group, "/unbancrown", to_ana)),
                 "Ana can play the crowns game again."));
  auto back = content(ask(tg, ana.user, group, "/wk " + weeknd));
  INFO(back);
  CHECK(contains(back, "Ana stole the crown from Bob with 100 plays!"));

  // /config in the group: members may not, admins change the threshold and
  // turn album crowns on.
  CHECK(contains(content(ask(tg, bob.user, group, "/config threshold 1")),
                 "Only this group's administrators can use this command."));
  auto menu = ask(tg, ada.user, group, "/config threshold 200");
  INFO(content(menu));
  CHECK(contains(content(menu), "Group settings"));
  CHECK(contains(content(menu), "Plays needed for a crown: 200"));
  CHECK(contains(content(menu), "Album crowns: off"));
  press(tg, ada.user, group, menu, "💿 Album crowns on");
  CHECK(edited_to(tg, group.id, menu.message_id, "Album crowns: on"));
  auto album = "/wkal " + paramore + " - " + paramore;
  auto below = content(ask(tg, ana.user, group, album));
  INFO(below);
  CHECK(contains(below, "1. Ana — 150 plays"));
  CHECK_FALSE(contains(below, "claimed"));
  CHECK(contains(content(ask(tg, ada.user, group, "/settings threshold 100")),
                 "Plays needed for a crown: 100"));
  auto claimed = content(ask(tg, ana.user, group, album));
  INFO(claimed);
  CHECK(contains(claimed, "Ana claimed the crown with 150 plays!"));

  // /grouplang: admins only; then the group is answered in Portuguese.
  CHECK(contains(content(ask(tg, bob.user, group, "/grouplang pt")),
                 "Only this group's administrators can use this command."));
  auto set = content(ask(tg, ada.user, group, "/grouplang pt"));
  INFO(set);
  CHECK(contains(set, "vou responder neste grupo em Português"));
  auto in_pt = content(ask(tg, cid.user, group, "/wk " + weeknd));
  INFO(in_pt);
  CHECK(contains(in_pt, "Quem conhece The Weeknd neste grupo?"));
  CHECK(contains(content(ask(tg, bob.user, group, "/crownban", to_ana)),
                 "Só os administradores deste grupo podem usar este comando."));
}
