// End to end over Telegram: the lastgram binary against the telegram-test-api
// emulator (a Bot API emulator started on loopback by the harness) and the
// fake Last.fm with the real fixtures. Simulated users talk to the bot in a
// private chat and in a group, press a settings button and ask inline; the
// test reads the bot's messages through the emulator's client side. The same
// conversation runs in polling mode and, after `lastgram telegram
// set-webhook`, in webhook mode.

#include <catch2/catch.hpp>

#include <functional>

#include "telegram_harness.hpp"

using namespace lastgram::test;
using namespace lastgram::test::tg_e2e;
using namespace std::chrono_literals;

namespace {

/// The conversation both modes run; `metrics_of` tells the node's
/// Telegram counters when something is missing.
void conversation(telegram_emulator& tg, const std::function<std::string()>& metrics_of) {
  tg_user ana{1001, "Ana", "", "ana_fm", "en"};
  tg_user bob{1002, "Bob", "", "bob", "pt-br"};
  auto dm = tg_chat::private_with(ana);
  auto group = tg_chat::group(-1001234, "Music fans", true);

  auto hello = ask(tg, ana, dm, "/start");
  CHECK(contains(content(hello), "Hi, Ana!"));

  auto registered = ask(tg, ana, dm, "/register someuser");
  CHECK(contains(content(registered), "registered as TyphoonsNotABot"));

  auto np = ask(tg, ana, dm, "/ln");
  INFO(np.json);
  CHECK(contains(content(np), "Apocalypse Dreams"));
  CHECK(contains(content(np), "<b>Ana</b> is listening to"));
  CHECK(contains(content(np), "#nu_metal"));
  // The cover comes as a photo with the caption, formatted in HTML.
  CHECK_FALSE(np.photo.empty());
  CHECK(contains(np.json, "<b>"));

  // In a group, as a reply to another member: Bob (not registered) asks
  // about Ana's track by replying to her message.
  auto ana_in_group = tg.send_message(ana, group, "what a song");
  REQUIRE(ana_in_group.ok);
  auto about_ana = ask(tg, bob, group, "/ln",
                       tg_reply_to{ana_in_group.message_id, ana, "what a song"});
  CHECK(contains(content(about_ana), "Apocalypse Dreams"));
  CHECK(contains(content(about_ana), "Ana"));
  // Bob's own /ln: he has not registered (and his language is Portuguese).
  auto bob_own = ask(tg, bob, group, "/ln");
  CHECK(contains(content(bob_own), "/register"));
  // A command for another bot is not ours.
  auto before = tg.bot_messages(group.id).size();
  REQUIRE(tg.send_message(ana, group, "/ln@SomeOtherBot").ok);
  // The same command, ours, as a marker: had the other bot's been taken, its
  // answer would have started first and be the one ask() finds.
  auto marker = ask(tg, ana, group, "/ln");
  CHECK(contains(content(marker), "Apocalypse Dreams"));
  CHECK(tg.bot_messages(group.id).size() == before + 1);

  // Settings: the menu's tag toggle, pressed by its owner, edits the menu.
  auto menu = ask(tg, ana, dm, "/config");
  INFO(menu.json);
  std::string hide_tags;
  for (auto& b : menu.buttons)
    if (contains(b.text, "Hide tags"))
      hide_tags = b.callback_data;
  REQUIRE_FALSE(hide_tags.empty());
  // Bob pressing Ana's button is told it is not his (in his language).
  REQUIRE(tg.press_button(bob, dm, menu.message_id, hide_tags).ok);
  REQUIRE(tg.press_button(ana, dm, menu.message_id, hide_tags).ok);
  CHECK(eventually(
    [&] {
      for (auto& m : tg.bot_messages(dm.id))
        if (m.message_id == menu.message_id && contains(content(m), "Show tags: off"))
          return true;
      return false;
    },
    10s));
  // Both presses are answered (answerCallbackQuery runs beside the edit).
  std::vector<tg_callback_answer> answers;
  eventually(
    [&] {
      answers = tg.callback_answers();
      return answers.size() >= 2;
    },
    10s);
  INFO(metrics_of());
  REQUIRE(answers.size() >= 2);
  bool alerted = false;
  for (auto& a : answers)
    if (a.show_alert && contains(a.text, "não é para você"))
      alerted = true;
  CHECK(alerted);
  auto np_without_tags = ask(tg, ana, dm, "/ln");
  CHECK(contains(content(np_without_tags), "Apocalypse Dreams"));
  CHECK_FALSE(contains(content(np_without_tags), "#nu_metal"));

  // Inline mode: Ana gets her track, album and artist; Bob one result
  // explaining how to register.
  auto q1 = tg.send_inline_query(ana, "");
  auto q2 = tg.send_inline_query(bob, "");
  std::optional<tg_inline_answer> for_ana, for_bob;
  eventually(
    [&] {
      for (auto& a : tg.inline_answers()) {
        if (a.inline_query_id == q1.query_id)
          for_ana = a;
        if (a.inline_query_id == q2.query_id)
          for_bob = a;
      }
      return for_ana && for_bob;
    },
    10s);
  REQUIRE(for_ana);
  REQUIRE(for_bob);
  INFO(for_ana->results);
  CHECK(contains(for_ana->results, "\"type\":\"photo\""));
  CHECK(contains(for_ana->results, "Apocalypse Dreams"));
  CHECK(contains(for_ana->results, "Lonerism"));
  CHECK(for_ana->is_personal);
  INFO(for_bob->results);
  CHECK(contains(for_bob->results, "\"type\":\"article\""));
  CHECK(contains(for_bob->results, "/register"));
}

} // namespace

TEST_CASE("telegram end to end against the emulator, polling", "[telegram][e2e]") {
  telegram_emulator tg;
  fake_lastfm fm;
  bot_node node{tg, fm, "polling"};
  conversation(tg, [&node] { return node.telegram_metrics(); });
  CHECK_FALSE(tg.webhook());
  // A chat's commands run in the order they were sent: a /ln sent right
  // after /register, without waiting for its answer, answers as a
  // registered user. (Polling hands the bot updates in order; webhooks may
  // be delivered concurrently, so the order is only Telegram's there.)
  tg_user cara{1003, "Cara", "", "cara", "en"};
  auto cara_dm = tg_chat::private_with(cara);
  REQUIRE(tg.send_message(cara, cara_dm, "/register someuser").ok);
  REQUIRE(tg.send_message(cara, cara_dm, "/ln").ok);
  auto both = tg.wait_for_bot_messages(cara_dm.id, 2, 20s);
  REQUIRE(both.size() >= 2);
  CHECK(contains(content(both[0]), "registered as TyphoonsNotABot"));
  CHECK(contains(content(both[1]), "Apocalypse Dreams"));
}

TEST_CASE("telegram end to end against the emulator, webhook", "[telegram][e2e][webhook]") {
  telegram_emulator tg;
  fake_lastfm fm;
  bot_node node{tg, fm, "webhook"};
  // The server engine answers before the webhook is registered.
  REQUIRE(eventually([&] { return http_get(node.port, "/healthz").status == 200; }, 10s));
  auto set = node.cli("set-webhook");
  INFO(set.out << set.err);
  REQUIRE(set.exit_code == 0);
  auto hook = tg.webhook();
  REQUIRE(hook);
  CHECK(contains(hook->url, "http://127.0.0.1:" + std::to_string(node.port) + "/telegram/"));
  CHECK(hook->secret_token == webhook_secret);
  conversation(tg, [&node] { return node.telegram_metrics(); });
  auto del = node.cli("delete-webhook");
  INFO(del.out << del.err);
  CHECK(del.exit_code == 0);
  CHECK_FALSE(tg.webhook());
}

TEST_CASE("telegram comparisons answer a reply in a group with the other person's count",
          "[telegram][e2e][compare]") {
  telegram_emulator tg;
  fake_lastfm fm;
  bot_node node{tg, fm, "polling"};
  tg_user dan{1101, "Dan", "", "dan", "en"};
  tg_user eve{1102, "Eve", "", "eve", "en"};
  auto group = tg_chat::group(-1005678, "Listening party", true);
  CHECK(contains(content(ask(tg, dan, group, "/register someuser")), "registered as"));
  CHECK(contains(content(ask(tg, eve, group, "/register someuser")), "registered as"));
  auto without_reply = ask(tg, dan, group, "/youtrack");
  CHECK(contains(content(without_reply), "Use this command as a reply"));
  auto eve_says = tg.send_message(eve, group, "this album rules");
  REQUIRE(eve_says.ok);
  tg_reply_to to_eve{eve_says.message_id, eve, "this album rules"};
  auto you = ask(tg, dan, group, "/you", to_eve);
  INFO(you.json);
  CHECK(contains(content(you), "<b>Dan</b>"));
  CHECK(contains(content(you), "Eve has played this track 36 times"));
  auto me = ask(tg, dan, group, "/meart", to_eve);
  CHECK(contains(content(me), "You have played this artist 7,211 times"));
  auto compat = ask(tg, dan, group, "/compat", to_eve);
  INFO(compat.json);
  CHECK(contains(content(compat), "<b>100% compatible</b> · soulmates"));
  CHECK(contains(content(compat), "<b>Queen</b> 1,511 / 1,511"));
}


TEST_CASE("telegram top lists page and change period in the same message",
          "[telegram][e2e][lists]") {
  telegram_emulator tg;
  fake_lastfm fm;
  bot_node node{tg, fm, "polling"};
  tg_user ana{1001, "Ana", "", "ana_fm", "en"};
  tg_user bob{1002, "Bob", "", "bob", "en"};
  auto dm = tg_chat::private_with(ana);
  auto group = tg_chat::group(-1005678, "Charts", true);
  CHECK(contains(content(ask(tg, ana, dm, "/register someuser")), "registered as TyphoonsNotABot"));

  auto top = ask(tg, ana, group, "/ta");
  INFO(top.json);
  CHECK(contains(content(top), "<b>Top artists of TyphoonsNotABot, last 7 days</b>"));
  CHECK(contains(content(top), "1. Queen — 1,511 plays"));
  CHECK(contains(content(top), "Page 1 of 194"));
  auto next = button_data(top, "▶");
  auto month = button_data(top, "1 month");
  REQUIRE_FALSE(next.empty());
  REQUIRE_FALSE(month.empty());
  CHECK(button_data(top, "◀").empty());

  // Only the author turns the pages.
  REQUIRE(tg.press_button(bob, group, top.message_id, next).ok);
  REQUIRE(tg.press_button(ana, group, top.message_id, next).ok);
  auto second = edited_to(tg, group.id, top.message_id, "Page 2 of 194");
  REQUIRE(second);
  CHECK_FALSE(button_data(*second, "◀").empty());
  CHECK(eventually(
    [&] {
      for (auto& a : tg.callback_answers())
        if (a.show_alert && contains(a.text, "isn't for you"))
          return true;
      return false;
    },
    10s));

  REQUIRE(tg.press_button(ana, group, top.message_id, button_data(*second, "1 month")).ok);
  auto monthly = edited_to(tg, group.id, top.message_id, "last month");
  REQUIRE(monthly);
  CHECK(contains(content(*monthly), "Page 1 of 194"));
  CHECK_FALSE(button_data(*monthly, "✓ 1 month").empty());
  std::string period;
  for (auto& call : fm.received())
    if (call.method == "user.gettopartists")
      period = call.param("period");
  CHECK(period == "1month");
  // Still one message: the presses edited it.
  CHECK(tg.bot_messages(group.id).size() == 1);
}
