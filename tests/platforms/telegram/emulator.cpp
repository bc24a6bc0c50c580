// Our Bot API client against the Telegram emulator (telegram-test-api run by
// tests/telegram/emulator.js): what the client sends and parses round-trips
// through a real Bot API server, and the harness the end-to-end tests use
// reads back exactly what the bot sent.

#include "platforms/net/http_client.hpp"
#include "platforms/telegram/bot_api.hpp"
#include "platforms/telegram/update.hpp"
#include "support/telegram_emulator.hpp"
#include "support/test_http_server.hpp"

#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using lastgram::chat_kind;
using lastgram::net::http_client;
using lastgram::telegram::api_result;
using lastgram::telegram::bot_api;
using lastgram::telegram::parsed_update;
using lastgram::telegram::update_kind;
using lastgram::test::canned_response;
using lastgram::test::received_request;
using lastgram::test::telegram_emulator;
using lastgram::test::test_http_server;
using lastgram::test::tg_chat;
using lastgram::test::tg_reply_to;
using lastgram::test::tg_user;

namespace {

const std::vector<std::string> all_updates{"message", "callback_query", "inline_query"};

tg_user ana() {
  tg_user u;
  u.id = 1001;
  u.first_name = "Ana";
  u.last_name = "Silva";
  u.username = "ana_s";
  u.language_code = "pt-br";
  return u;
}

tg_user bob() {
  tg_user u;
  u.id = 2002;
  u.first_name = "Bob";
  u.language_code = "en";
  return u;
}

// Runs one API call and waits for its result (bounded).
template <class F>
api_result run(F&& start) {
  auto promise = std::make_shared<std::promise<api_result>>();
  auto future = promise->get_future();
  start([promise](api_result r) { promise->set_value(std::move(r)); });
  REQUIRE(future.wait_for(20s) == std::future_status::ready);
  return future.get();
}

// The emulator and our client bound to it.
struct fixture {
  fixture()
    : http(std::make_shared<http_client>(http_client::options{})),
      api(emu.api_url(), emu.token(), http) {
  }

  // One getUpdates (long-polling `timeout_s`), every update parsed.
  std::vector<parsed_update> updates(int timeout_s = 5, std::int64_t offset = 0) {
    return parse_all(run([&](auto cb) { api.get_updates(offset, timeout_s, all_updates, cb); }));
  }

  // Every update of a getUpdates answer, parsed.
  static std::vector<parsed_update> parse_all(const api_result& r) {
    INFO(r.description);
    REQUIRE(r.ok);
    auto raw = lastgram::telegram::parse_updates(r.result_json);
    REQUIRE(raw.ok());
    std::vector<parsed_update> out;
    for (auto& item : *raw) {
      auto u = lastgram::telegram::parse_update(item.json);
      INFO(item.json);
      REQUIRE(u.ok());
      CHECK(u->update_id == item.update_id);
      out.push_back(std::move(*u));
    }
    return out;
  }

  // The message_id of the Message a send call answered.
  static std::int64_t sent_id(const api_result& r) {
    rapidjson::Document doc;
    doc.Parse(r.result_json.c_str());
    REQUIRE(doc.IsObject());
    REQUIRE(doc.HasMember("message_id"));
    return doc["message_id"].GetInt64();
  }

  telegram_emulator emu;
  std::shared_ptr<http_client> http;
  bot_api api;
};

const std::string keyboard =
  R"({"inline_keyboard":[[{"text":"Next","callback_data":"page:2"},)"
  R"({"text":"Profile","url":"https://www.last.fm/user/ana"}]]})";

} // namespace

TEST_CASE("the emulator answers our client's getMe", "[telegram][emulator]") {
  fixture f;
  auto r = run([&](auto cb) { f.api.get_me(cb); });
  REQUIRE(r.ok);
  auto me = lastgram::telegram::parse_get_me(r.result_json);
  REQUIRE(me.ok());
  CHECK(me->id == std::to_string(telegram_emulator::bot_id));
  CHECK(me->username == telegram_emulator::bot_username);
}

TEST_CASE("a private /start reaches our client and its HTML reply reaches the user",
          "[telegram][emulator]") {
  fixture f;
  auto chat = tg_chat::private_with(ana());
  auto sent = f.emu.send_message(ana(), chat, "/start");
  REQUIRE(sent.ok);
  CHECK(sent.message_id > 0);

  auto updates = f.updates();
  REQUIRE(updates.size() == 1);
  auto& u = updates.front();
  CHECK(u.update_id == sent.update_id);
  REQUIRE(u.kind == update_kind::message);
  CHECK(u.message.message_id == std::to_string(sent.message_id));
  CHECK(u.message.text == "/start");
  CHECK(u.message.chat.id == "1001");
  CHECK(u.message.chat.kind == chat_kind::private_chat);
  CHECK(u.message.author.id == "1001");
  CHECK(u.message.author.display_name == "Ana Silva");
  CHECK(u.message.author.username == "ana_s");
  CHECK(u.message.author.language == "pt-br");
  CHECK_FALSE(u.message.author.is_bot);
  CHECK(u.message.reply_to_message_id.empty());

  // Delivered once: the next poll (confirming the offset) finds nothing.
  CHECK(f.updates(0, u.update_id + 1).empty());

  const std::string html = "<b>Olá</b>, Ana &amp; &lt;friends&gt;";
  auto r = run([&](auto cb) {
    f.api.send_message(chat.id, html, sent.message_id, keyboard, true, cb);
  });
  INFO(r.description);
  REQUIRE(r.ok);
  auto reply_id = fixture::sent_id(r);

  auto messages = f.emu.wait_for_bot_messages(chat.id, 1, 5s);
  REQUIRE(messages.size() == 1);
  auto& m = messages.front();
  CHECK(m.message_id == reply_id);
  CHECK(m.chat_id == 1001);
  CHECK(m.text == html);
  CHECK(m.parse_mode == "HTML");
  CHECK(m.reply_to_message_id == sent.message_id);
  CHECK(m.allow_sending_without_reply);
  CHECK(m.link_preview_disabled);
  REQUIRE(m.buttons.size() == 2);
  CHECK(m.buttons[0].text == "Next");
  CHECK(m.buttons[0].callback_data == "page:2");
  CHECK(m.buttons[1].url == "https://www.last.fm/user/ana");
  CHECK(m.photo.empty());
}

TEST_CASE("getUpdates long-polls until the user writes", "[telegram][emulator]") {
  fixture f;
  auto started = std::chrono::steady_clock::now();
  auto done = std::make_shared<std::promise<api_result>>();
  auto poll = done->get_future();
  f.api.get_updates(0, 10, all_updates, [done](api_result r) { done->set_value(std::move(r)); });
  // Setting the scene, not waiting for an outcome: the user writes while the
  // poll waits (elapsed >= 250 ms below shows it did wait).
  std::this_thread::sleep_for(300ms);
  auto sent = f.emu.send_message(bob(), tg_chat::private_with(bob()), "hi");
  REQUIRE(sent.ok);
  REQUIRE(poll.wait_for(8s) == std::future_status::ready);
  auto elapsed = std::chrono::steady_clock::now() - started;
  auto updates = fixture::parse_all(poll.get());
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].message.text == "hi");
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 8s);

  // With nothing to deliver, a poll ends empty after its timeout.
  started = std::chrono::steady_clock::now();
  CHECK(f.updates(1).empty());
  CHECK(std::chrono::steady_clock::now() - started >= 900ms);
}

TEST_CASE("a group message replying to another member round-trips with the reply author",
          "[telegram][emulator]") {
  fixture f;
  auto group = tg_chat::group(-100555, "Indie Club", true);
  auto first = f.emu.send_message(bob(), group, "listening to Radiohead");
  REQUIRE(first.ok);
  auto second = f.emu.send_message(ana(), group, "/ln",
                                   tg_reply_to{first.message_id, bob(), "listening to Radiohead"});
  REQUIRE(second.ok);
  CHECK(second.message_id > first.message_id);

  auto updates = f.updates();
  REQUIRE(updates.size() == 2);
  auto& m = updates[1].message;
  CHECK(m.message_id == std::to_string(second.message_id));
  CHECK(m.chat.id == "-100555");
  CHECK(m.chat.kind == chat_kind::group);
  CHECK(m.chat.title == "Indie Club");
  CHECK(m.author.id == "1001");
  CHECK(m.text == "/ln");
  CHECK(m.reply_to_message_id == std::to_string(first.message_id));
  REQUIRE(m.has_reply_author);
  CHECK(m.reply_to_author.id == "2002");
  CHECK(m.reply_to_author.display_name == "Bob");
  CHECK(m.reply_to_author.language == "en");
  CHECK_FALSE(updates[0].message.has_reply_author);

  auto r = run([&](auto cb) {
    f.api.send_message(group.id, "<i>Bob</i> is listening", second.message_id, "", false, cb);
  });
  REQUIRE(r.ok);
  auto messages = f.emu.wait_for_bot_messages(group.id, 1, 5s);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].reply_to_message_id == second.message_id);
  CHECK(messages[0].reply_markup.empty());
  CHECK_FALSE(messages[0].link_preview_disabled);
  // Messages are kept per chat.
  CHECK(f.emu.bot_messages(1001).empty());
}

TEST_CASE("a button press arrives as a callback_query that the bot answers and edits",
          "[telegram][emulator]") {
  fixture f;
  auto chat = tg_chat::private_with(ana());
  auto r = run([&](auto cb) { f.api.send_message(chat.id, "page 1", 0, keyboard, false, cb); });
  REQUIRE(r.ok);
  auto bot_message = fixture::sent_id(r);

  auto press = f.emu.press_button(ana(), chat, bot_message, "page:2");
  REQUIRE(press.ok);
  REQUIRE_FALSE(press.query_id.empty());
  CHECK_THROWS(f.emu.press_button(ana(), chat, bot_message + 100, "page:2"));

  auto updates = f.updates();
  REQUIRE(updates.size() == 1);
  REQUIRE(updates[0].kind == update_kind::callback_query);
  auto& q = updates[0].callback;
  CHECK(q.id == press.query_id);
  CHECK(q.data == "page:2");
  CHECK(q.from.id == "1001");
  CHECK(q.from.language == "pt-br");
  CHECK(q.chat_id == "1001");
  CHECK(q.message_id == std::to_string(bot_message));

  auto answer = run([&](auto cb) { f.api.answer_callback_query(q.id, "Page 2", false, cb); });
  CHECK(answer.ok);
  auto unknown = run([&](auto cb) { f.api.answer_callback_query("9999", "", false, cb); });
  CHECK_FALSE(unknown.ok);
  CHECK(unknown.error_code == 400);
  auto answers = f.emu.callback_answers();
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].callback_query_id == q.id);
  CHECK(answers[0].text == "Page 2");
  CHECK_FALSE(answers[0].show_alert);

  auto edit = run([&](auto cb) {
    f.api.edit_message_text(chat.id, bot_message, "page <b>2</b>", "", true, cb);
  });
  CHECK(edit.ok);
  auto messages = f.emu.bot_messages(chat.id);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].text == "page <b>2</b>");
  CHECK(messages[0].link_preview_disabled);
}

TEST_CASE("an inline query arrives and the bot's answer is recorded", "[telegram][emulator]") {
  fixture f;
  auto sent = f.emu.send_inline_query(ana(), "radiohead", "", "private");
  REQUIRE(sent.ok);
  auto updates = f.updates();
  REQUIRE(updates.size() == 1);
  REQUIRE(updates[0].kind == update_kind::inline_query);
  auto& q = updates[0].inline_;
  CHECK(q.id == sent.query_id);
  CHECK(q.query == "radiohead");
  CHECK(q.from.id == "1001");

  const std::string results = R"([{"type":"article","id":"1","title":"Creep",)"
                              R"("input_message_content":{"message_text":"Creep"}}])";
  auto r = run([&](auto cb) { f.api.answer_inline_query(q.id, results, 10, true, cb); });
  CHECK(r.ok);
  auto answers = f.emu.inline_answers();
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].inline_query_id == q.id);
  CHECK(answers[0].results == results);
  CHECK(answers[0].cache_time == 10);
  CHECK(answers[0].is_personal);
}

TEST_CASE("sendPhoto and setMyCommands reach the emulator", "[telegram][emulator]") {
  fixture f;
  auto r = run([&](auto cb) {
    f.api.send_photo(1001, "https://img.example/cover.png", "<i>OK Computer</i>", 0, "", cb);
  });
  INFO(r.description);
  REQUIRE(r.ok);
  auto messages = f.emu.wait_for_bot_messages(1001, 1, 5s);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].photo == "https://img.example/cover.png");
  CHECK(messages[0].caption == "<i>OK Computer</i>");
  CHECK(messages[0].parse_mode == "HTML");

  auto c = run([&](auto cb) {
    f.api.set_my_commands({{"ln", "O que você ouve"}, {"start", "Começar"}}, "pt", cb);
  });
  CHECK(c.ok);
  CHECK(f.emu.commands("pt") == R"([{"command":"ln","description":"O que você ouve"},)"
                               R"({"command":"start","description":"Começar"}])");
  CHECK(f.emu.commands().empty());
}

TEST_CASE("with a webhook set, updates are POSTed to it with the secret token",
          "[telegram][emulator]") {
  fixture f;
  test_http_server hook([](const received_request&) {
    canned_response ok;
    ok.body = "{}";
    return ok;
  });
  auto set = run([&](auto cb) {
    f.api.set_webhook(hook.url("/telegram/webhook"), "s3cret-token", {"message"}, 0, true, cb);
  });
  REQUIRE(set.ok);
  auto info = f.emu.webhook();
  REQUIRE(info);
  CHECK(info->url == hook.url("/telegram/webhook"));
  CHECK(info->secret_token == "s3cret-token");

  auto sent = f.emu.send_message(ana(), tg_chat::private_with(ana()), "/help");
  REQUIRE(sent.ok);
  REQUIRE(hook.wait_for_requests(1, 5s));
  auto req = hook.requests().front();
  CHECK(req.method == "POST");
  CHECK(req.target == "/telegram/webhook");
  CHECK(req.header("X-Telegram-Bot-Api-Secret-Token") == "s3cret-token");
  CHECK(req.body.find("botToken") == std::string::npos);
  auto u = lastgram::telegram::parse_update(req.body);
  REQUIRE(u.ok());
  CHECK(u->update_id == sent.update_id);
  CHECK(u->message.text == "/help");
  CHECK(u->message.message_id == std::to_string(sent.message_id));

  // Updates went to the webhook, not to getUpdates.
  CHECK(f.updates(0).empty());

  auto del = run([&](auto cb) { f.api.delete_webhook(false, cb); });
  REQUIRE(del.ok);
  CHECK_FALSE(f.emu.webhook());
  REQUIRE(f.emu.send_message(ana(), tg_chat::private_with(ana()), "/ln").ok);
  CHECK(f.updates().size() == 1);
  CHECK(hook.requests().size() == 1);
}

TEST_CASE("a webhook that refuses an update is reported to the sender",
          "[telegram][emulator]") {
  fixture f;
  test_http_server hook([](const received_request&) {
    canned_response no;
    no.status = 401;
    return no;
  });
  REQUIRE(run([&](auto cb) { f.api.set_webhook(hook.url("/wh"), "x", {}, 0, false, cb); }).ok);
  auto sent = f.emu.send_message(bob(), tg_chat::private_with(bob()), "/start");
  CHECK_FALSE(sent.ok);
  CHECK_THAT(sent.error, Catch::Contains("401"));
  // The emulator lives on.
  CHECK(run([&](auto cb) { f.api.get_me(cb); }).ok);
}
