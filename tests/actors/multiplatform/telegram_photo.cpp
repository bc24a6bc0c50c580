// Pictures the bot drew (outgoing_reply::photo_jpeg) on Telegram: the
// Telegram actor against the fake Bot API, which parses every multipart
// upload strictly and refuses a bad one. A stand-in command engine answers
// with a picture, a stand-in event engine edits one.

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <caf/all.hpp>
#include <rapidjson/document.h>

#include "support/build_paths.hpp"
#include "actors/multiplatform/telegram.hpp"
#include "actors/server/http_server.hpp"
#include "actors/server/image_store.hpp"
#include "actors/support/engines.hpp"
#include "actors/test_config.hpp"
#include "i18n/catalog.hpp"
#include "messages/command.hpp"
#include "messages/event.hpp"
#include "platforms/net/http_client.hpp"
#include "support/eventually.hpp"
#include "support/fake_bot_api.hpp"
#include "support/multipart.hpp"
#include "support/process.hpp"

using namespace lastgram;
using namespace std::chrono_literals;

namespace {

constexpr const char* token = "123456:PHOTO-token";
constexpr std::int64_t chat = 4242;

/// What the stand-ins answer; set by each test before the update goes in.
struct script {
  std::mutex mtx;
  outgoing_reply reply;
  /// The texts the stand-in command engine was asked to run.
  std::vector<std::string> texts;
  outgoing_reply get() {
    std::lock_guard<std::mutex> guard{mtx};
    return reply;
  }
  void saw(const std::string& text) {
    std::lock_guard<std::mutex> guard{mtx};
    texts.push_back(text);
  }
  std::vector<std::string> seen() {
    std::lock_guard<std::mutex> guard{mtx};
    return texts;
  }
};

caf::behavior fake_commands(caf::event_based_actor*, std::shared_ptr<script> s) {
  return {[s](const incoming_message& msg) {
    s->saw(msg.text);
    command_result res;
    res.outcome = command_outcome::ok;
    res.command = "draw";
    auto r = s->get();
    r.chat_id = msg.chat.id;
    r.reply_to_message_id = msg.message_id;
    res.replies.push_back(std::move(r));
    return res;
  }};
}

caf::behavior fake_events(caf::event_based_actor*, std::shared_ptr<script> s) {
  return {[s](const button_press&) {
    press_result res;
    res.edit = true;
    res.reply = s->get();
    return res;
  }};
}

outgoing_reply drawn(std::string jpeg, std::string caption) {
  outgoing_reply r;
  r.photo_jpeg = std::move(jpeg);
  r.text.push_back(text_span{std::move(caption), style_bold, {}});
  r.buttons = {{button{"+", {}, "ev:plus"}, button{"-", {}, "ev:minus"}}};
  return r;
}

struct fixture {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  test::fake_bot_api api{token};
  std::shared_ptr<script> answers = std::make_shared<script>();
  caf::actor commands = sys.spawn(fake_commands, answers);
  caf::actor events = sys.spawn(fake_events, answers);
  std::shared_ptr<net::http_client> http = std::make_shared<net::http_client>(net::http_client::options{});
  telegram_actor tg;
  std::int64_t next_update = 1;

  explicit fixture(const std::function<void(multiplatform::telegram_options&)>& tune = {}) {
    auto loaded = i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales");
    REQUIRE(loaded);
    auto handles = std::make_shared<engine_handles>();
    handles->command.put(caf::actor_cast<command_actor>(commands));
    handles->event.put(caf::actor_cast<event_actor>(events));
    auto opts = std::make_shared<multiplatform::telegram_options>();
    opts->settings.api_url = api.url();
    opts->settings.token = token;
    opts->settings.mode = telegram_mode::webhook;
    opts->http = http;
    opts->texts = std::make_shared<i18n::catalog>(*loaded.value);
    opts->engines = handles;
    if (tune)
      tune(*opts);
    caf::scoped_actor self{sys};
    tg = multiplatform::spawn_telegram(self.ptr(), opts);
  }

  ~fixture() {
    for (auto a : {caf::actor_cast<caf::actor>(tg), commands, events})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    http->shutdown();
  }

  void say(const std::string& text) {
    telegram::parsed_update u;
    u.update_id = next_update++;
    u.kind = telegram::update_kind::message;
    u.message.platform = platform_kind::telegram;
    u.message.message_id = "77";
    u.message.chat = chat_ref{std::to_string(chat), chat_kind::private_chat, {}};
    u.message.author = user_ref{std::to_string(chat), "Ana", "ana", "en", false};
    u.message.text = text;
    caf::anon_send(tg, tg_update_atom::value, std::move(u));
  }

  void press(const std::string& message_id) {
    telegram::parsed_update u;
    u.update_id = next_update++;
    u.kind = telegram::update_kind::callback_query;
    u.callback.id = "cb-" + std::to_string(u.update_id);
    u.callback.from = user_ref{std::to_string(chat), "Ana", "ana", "en", false};
    u.callback.chat_id = std::to_string(chat);
    u.callback.message_id = message_id;
    u.callback.data = "ev:plus";
    caf::anon_send(tg, tg_update_atom::value, std::move(u));
  }

  std::vector<test::bot_call> wait_calls(const std::string& method, std::size_t n) {
    std::vector<test::bot_call> out;
    test::eventually([&] { return (out = api.calls(method)).size() >= n; }, 10s);
    return out;
  }
};

} // namespace

TEST_CASE("telegram photo: a reply with photo_jpeg goes as a multipart sendPhoto with the bytes "
          "intact",
          "[telegram][photo]") {
  fixture f;
  auto jpeg = test::fake_jpeg(200000);
  f.answers->reply = drawn(jpeg, "Ana's <3x3> & co");
  f.say("/draw");
  auto sends = f.wait_calls("sendPhoto", 1);
  REQUIRE(sends.size() == 1);
  auto& c = sends.front();
  CHECK(c.multipart);
  CHECK(c.refused.empty());
  CHECK(c.chat_id == chat);
  CHECK(c.photo == jpeg);
  CHECK(c.text == "<b>Ana's &lt;3x3&gt; &amp; co</b>");
  CHECK(c.field("parse_mode") == "HTML");
  CHECK(c.field("reply_parameters").find("\"message_id\":77") != std::string::npos);
  CHECK(c.field("reply_markup").find("ev:plus") != std::string::npos);
  // Nothing else goes out for it.
  CHECK(test::holds_for([&] { return f.api.calls("sendMessage").empty(); }, 300ms));
}

TEST_CASE("telegram photo: a caption over 1024 characters goes as text after the photo",
          "[telegram][photo]") {
  fixture f;
  auto jpeg = test::fake_jpeg();
  std::string long_text(1500, 'x');
  f.answers->reply = drawn(jpeg, long_text);
  f.say("/draw");
  auto photos = f.wait_calls("sendPhoto", 1);
  auto texts = f.wait_calls("sendMessage", 1);
  REQUIRE(photos.size() == 1);
  REQUIRE(texts.size() == 1);
  CHECK(photos.front().refused.empty());
  CHECK(photos.front().photo == jpeg);
  CHECK(photos.front().field("caption").empty());
  // The buttons act on the picture: they stay under it.
  CHECK(photos.front().field("reply_markup").find("ev:plus") != std::string::npos);
  CHECK(texts.front().text == "<b>" + long_text + "</b>");
  CHECK(photos.front().at <= texts.front().at);
}

TEST_CASE("telegram photo: a press whose edit carries photo_jpeg edits the message with a "
          "multipart editMessageMedia",
          "[telegram][photo]") {
  fixture f;
  auto jpeg = test::fake_jpeg(5000);
  f.answers->reply = drawn(jpeg, "4x4");
  f.press("1234");
  auto edits = f.wait_calls("editMessageMedia", 1);
  REQUIRE(edits.size() == 1);
  auto& c = edits.front();
  CHECK(c.multipart);
  CHECK(c.refused.empty());
  CHECK(c.field("message_id") == "1234");
  CHECK(c.photo == jpeg);
  CHECK(c.text == "<b>4x4</b>");
  CHECK(c.field("media").find("\"media\":\"attach://photo\"") != std::string::npos);
  CHECK(c.field("media").find("\"parse_mode\":\"HTML\"") != std::string::npos);
  CHECK(c.field("reply_markup").find("ev:minus") != std::string::npos);
  // An edit's caption is cut to the photo's limit, never refused.
  f.answers->reply = drawn(jpeg, std::string(2000, 'y'));
  f.press("1234");
  edits = f.wait_calls("editMessageMedia", 2);
  REQUIRE(edits.size() == 2);
  CHECK(edits.back().refused.empty());
  CHECK(edits.back().text.size() <= 1024 + 7);
  CHECK(edits.back().text.find("yyyy") != std::string::npos);
}

TEST_CASE("telegram photo: a 429 on sendPhoto is retried after retry_after with the same upload",
          "[telegram][photo]") {
  fixture f;
  f.api.set_send_policy([](const test::bot_call& c, int nth) -> std::optional<test::canned_response> {
    if (c.method == "sendPhoto" && nth == 1)
      return test::answer(429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}})");
    return std::nullopt;
  });
  auto jpeg = test::fake_jpeg(40000);
  f.answers->reply = drawn(jpeg, "again");
  f.say("/draw");
  auto sends = f.wait_calls("sendPhoto", 2);
  REQUIRE(sends.size() == 2);
  CHECK(sends[1].at - sends[0].at >= 950ms);
  for (auto& c : sends) {
    CHECK(c.refused.empty());
    CHECK(c.photo == jpeg);
  }
  CHECK(test::holds_for([&] { return f.api.calls("sendPhoto").size() == 2; }, 300ms));
}

TEST_CASE("telegram photo: a refused picture still delivers its caption as text",
          "[telegram][photo]") {
  fixture f;
  // Not a JPEG: the fake refuses it as Telegram would.
  f.answers->reply = drawn("GIF89a not a jpeg", "caption survives");
  f.say("/draw");
  auto texts = f.wait_calls("sendMessage", 1);
  REQUIRE(texts.size() == 1);
  CHECK(f.api.calls("sendPhoto").front().refused == "IMAGE_PROCESS_FAILED");
  CHECK(texts.front().text == "<b>caption survives</b>");
  CHECK(texts.front().body.find("ev:plus") != std::string::npos);
}

namespace {

/// The results of the last answerInlineQuery.
rapidjson::Document inline_results(const test::bot_call& c) {
  rapidjson::Document d;
  d.Parse(c.body.c_str());
  rapidjson::Document results;
  if (d.IsObject() && d.HasMember("results"))
    results.CopyFrom(d["results"], results.GetAllocator());
  return results;
}

telegram::parsed_update inline_update(std::int64_t id, std::string query = "collage 4x4") {
  telegram::parsed_update u;
  u.update_id = id;
  u.kind = telegram::update_kind::inline_query;
  u.inline_.id = "iq-" + std::to_string(id);
  u.inline_.from = user_ref{std::to_string(chat), "Ana", "ana", "en", false};
  u.inline_.query = std::move(query);
  return u;
}

} // namespace

TEST_CASE("telegram photo: an inline answer offers a drawn picture at a short-lived URL of "
          "the server",
          "[telegram][photo][inline]") {
  server::image_store::limits l;
  l.ttl = 2s;
  auto images = std::make_shared<server::image_store>(l);
  server_settings s;
  s.port = 0;
  server::http_server srv{s};
  server::add_image_route(srv, images);
  REQUIRE_FALSE(srv.start());
  auto base = "http://127.0.0.1:" + std::to_string(srv.port());
  fixture f{[&](multiplatform::telegram_options& o) {
    o.settings.public_url = base + "/";
    o.images = images;
  }};
  auto jpeg = test::fake_jpeg(30000);
  f.answers->reply = drawn(jpeg, "Ana's 3x3");
  caf::anon_send(f.tg, tg_update_atom::value, inline_update(900));
  auto answers = f.wait_calls("answerInlineQuery", 1);
  REQUIRE(answers.size() == 1);
  // "collage 4x4" runs /cllg with the words after it, and only that.
  CHECK(f.answers->seen() == std::vector<std::string>{"/cllg 4x4"});
  auto results = inline_results(answers.front());
  REQUIRE(results.IsArray());
  REQUIRE(results.Size() == 1);
  std::string url = results[0]["photo_url"].GetString();
  CHECK(std::string{results[0]["type"].GetString()} == "photo");
  CHECK(std::string{results[0]["thumbnail_url"].GetString()} == url);
  CHECK(std::string{results[0]["caption"].GetString()} == "<b>Ana's 3x3</b>");
  REQUIRE(url.rfind(base + "/images/", 0) == 0);
  auto path = url.substr(base.size());
  CHECK(path.size() == std::string{"/images/"}.size() + 32 + 4);
  auto got = test::http_get(srv.port(), path);
  CHECK(got.status == 200);
  CHECK(got.header("Content-Type") == "image/jpeg");
  CHECK(got.body == jpeg);
  // Any other query runs the usual three commands; each picture gets its
  // own token.
  caf::anon_send(f.tg, tg_update_atom::value, inline_update(902, "x"));
  answers = f.wait_calls("answerInlineQuery", 2);
  REQUIRE(answers.size() == 2);
  auto more = inline_results(answers.back());
  REQUIRE(more.IsArray());
  REQUIRE(more.Size() == 3);
  CHECK(std::string{more[0]["photo_url"].GetString()} != url);
  CHECK(std::string{more[1]["photo_url"].GetString()}
        != std::string{more[0]["photo_url"].GetString()});
  // Short-lived: gone once its time is up.
  CHECK(test::eventually([&] { return test::http_get(srv.port(), path).status == 404; }, 6s));
  srv.stop();
}

TEST_CASE("telegram photo: without a public URL an inline answer leaves drawn pictures out",
          "[telegram][photo][inline]") {
  fixture f;
  f.answers->reply = drawn(test::fake_jpeg(), "Ana's 3x3");
  caf::anon_send(f.tg, tg_update_atom::value, inline_update(901));
  auto answers = f.wait_calls("answerInlineQuery", 1);
  REQUIRE(answers.size() == 1);
  // No picture can be published, so "collage" is not special: the usual
  // three commands ran.
  CHECK(f.answers->seen().size() == 3);
  auto results = inline_results(answers.front());
  REQUIRE(results.IsArray());
  CHECK(results.Size() == 0);
}

// The same actor answers the command engine's admin guard with getChatMember.
TEST_CASE("telegram actor asks getChatMember for a member's status", "[telegram][admin]") {
  fixture f;
  f.api.set_chat_member(-100777, 7, "administrator");
  f.api.set_chat_member(-100777, 8, "creator");
  caf::scoped_actor self{f.sys};
  auto status_of = [&](const std::string& chat_id, const std::string& user) {
    std::string out = "(error)";
    self->request(f.tg, 5s, chat_member_atom::value, chat_id, user)
      .receive([&](const std::string& status) { out = status; }, [](const caf::error&) {});
    return out;
  };
  CHECK(status_of("-100777", "7") == "administrator");
  CHECK(status_of("-100777", "8") == "creator");
  CHECK(status_of("-100777", "9") == "member");
  auto asked = f.api.calls("getChatMember");
  REQUIRE(asked.size() == 3);
  CHECK(test::json_string(asked[0].body, "chat_id") == "-100777");
  CHECK(test::json_string(asked[0].body, "user_id") == "7");
  // Ids that are not Telegram's are refused without a call.
  CHECK(status_of("general", "7") == "(error)");
  CHECK(f.api.calls("getChatMember").size() == 3);
}
