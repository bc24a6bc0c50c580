// Action buttons end to end in a real actor system: the command engine runs
// /config and /linkfm, their buttons wait in the real (memory) caching
// engine, the real database engine stores settings in SQLite, and the event
// engine answers presses. Only Last.fm is a stand-in (two replies of /linkfm).

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/ask.hpp"
#include "actors/test_config.hpp"
#include "actors/caching/engine.hpp"
#include "actors/command/commands/builtin.hpp"
#include "actors/command/engine.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/registry.hpp"
#include "actors/database/engine.hpp"
#include "actors/event/button_state.hpp"
#include "actors/event/engine.hpp"
#include "actors/logging/metrics.hpp"
#include "i18n/catalog.hpp"
#include "actors/support/engines.hpp"
#include "messages/cache.hpp"
#include "messages/command.hpp"
#include "messages/database.hpp"
#include "messages/errors.hpp"
#include "messages/event.hpp"
#include "messages/fm_engine.hpp"
#include "messages/type_ids.hpp"
#include "actors/test_db.hpp"

using namespace lastgram;
using namespace std::chrono_literals;
using database::backend_kind;
using test::test_db;

namespace {

using test::test_config;

/// The two Last.fm calls /linkfm makes; nothing else is asked in these tests.
caf::behavior fake_fm() {
  return {
    [](fm_token_atom) { return fm::auth_token{"tok"}; },
    [](fm_session_atom, const std::string&) { return fm::auth_session{"Linked", "k", false}; },
  };
}

/// A cache that acknowledges each write `delay` after it arrives (never,
/// for a negative delay), counting acknowledgements in `acked`; reads miss.
struct slow_cache_state {
  std::vector<caf::typed_response_promise<bool>> pending;
};

caf::behavior slow_cache(caf::stateful_actor<slow_cache_state>* self,
                         std::chrono::milliseconds delay, std::shared_ptr<std::atomic<int>> acked) {
  return {
    [=](put_atom, const std::string&, const std::string&, std::int64_t) -> caf::result<bool> {
      auto rp = self->make_response_promise<bool>();
      self->state.pending.push_back(rp);
      if (delay.count() >= 0)
        self->delayed_send(self, delay, tick_atom::value);
      return rp;
    },
    [=](tick_atom) {
      auto& pending = self->state.pending;
      if (pending.empty())
        return;
      ++*acked;
      pending.front().deliver(true);
      pending.erase(pending.begin());
    },
    [](get_atom, const std::string&) { return cache_value{}; },
  };
}

enum class cache_kind { memory, none, slow, silent };

double presses(const char* outcome) {
  return metrics::get_counter("lastgram_button_presses_total", "", {{"outcome", outcome}})
    .value();
}

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

/// Every engine the buttons touch, spawned for one test on a fresh SQLite
/// file, with the real caching engine or (`kind`) none, or a stand-in that
/// acknowledges writes late (300 ms) or never.
struct fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  test_db db_file{backend_kind::sqlite};
  caf::actor cache;
  caf::actor db;
  caf::actor fm;
  caf::actor commands;
  caf::actor events;
  std::shared_ptr<std::atomic<int>> acked = std::make_shared<std::atomic<int>>(0);

  explicit fixture(cache_kind kind = cache_kind::memory,
                   std::chrono::milliseconds engine_timeout = 5000ms) {
    db_file.open(); // migrates the schema; the engine opens its own connections
    if (kind == cache_kind::memory)
      cache = caf::actor_cast<caf::actor>(caching::spawn_engine(self.ptr(), cache_settings{}, nullptr));
    else if (kind == cache_kind::slow)
      cache = sys.spawn(slow_cache, 300ms, acked);
    else if (kind == cache_kind::silent)
      cache = sys.spawn(slow_cache, -1ms, acked);
    db = caf::actor_cast<caf::actor>(database::spawn_engine(self.ptr(), db_file.pool_settings(2), nullptr));
    fm = sys.spawn(fake_fm);
    auto env = test::all_commands_environment();
    env->lastfm_api_key_public = "KEY";
    env->engine_timeout = engine_timeout;
    auto handles = std::make_shared<engine_handles>();
    env->engines = handles;
    auto command_engine = command::spawn_engine(self.ptr(), env);
    commands = caf::actor_cast<caf::actor>(command_engine);
    events = caf::actor_cast<caf::actor>(event::spawn_engine(self.ptr(), env));
    // Filled before any message flows. The stand-ins implement only part of
    // a door, so the test casts them.
    if (cache)
      handles->caching.put(caf::actor_cast<cache_actor>(cache));
    handles->database.put(caf::actor_cast<database_actor>(db));
    handles->fm.put(caf::actor_cast<fm_actor>(fm));
    handles->command.put(command_engine);
  }

  fixture(const fixture&) = delete;
  fixture& operator=(const fixture&) = delete;

  ~fixture() {
    for (auto& a : {events, commands, fm, db, cache})
      if (a)
        self->send_exit(a, caf::exit_reason::user_shutdown);
  }

  template <class T, class... Ts>
  T must(const caf::actor& to, Ts&&... xs) {
    return test::must_answer<T>(self, to, std::forward<Ts>(xs)...);
  }

  void register_user(const std::string& id) {
    must<user_record>(db, register_atom::value, platform_kind::console, id, "fm" + id,
                      "User" + id);
  }

  user_record user(const std::string& id) {
    auto found = must<user_lookup>(db, get_user_atom::value, platform_kind::console, id);
    REQUIRE(found.found);
    return found.user;
  }

  /// The command engine's answer to `text` sent by `id` in a private chat.
  command_result say(const std::string& text, const std::string& id = "1") {
    return must<command_result>(commands, test::console_message(text, id, "c" + id));
  }

  /// The event engine's answer to `id` pressing a button carrying `data`.
  press_result press(const std::string& data, const std::string& id = "1",
                     const std::string& language = {}) {
    button_press p;
    p.platform = platform_kind::console;
    p.press_id = "q1";
    p.from.id = id;
    p.from.display_name = "User" + id;
    p.from.language = language;
    p.chat.id = "c1";
    p.message_id = "8";
    p.data = data;
    return must<press_result>(events, p);
  }
};

std::string text_of(const command_result& r) {
  std::string out;
  for (auto& reply : r.replies)
    out += plain_text(reply.text);
  return out;
}

/// The callback data of the button whose label contains `label`; "" if none.
std::string button_data(const outgoing_reply& reply, const std::string& label) {
  for (auto& row : reply.buttons)
    for (auto& b : row)
      if (has(b.label, label))
        return b.callback_data;
  return {};
}

std::string button_data(const command_result& r, const std::string& label) {
  REQUIRE_FALSE(r.replies.empty());
  return button_data(r.replies.front(), label);
}

std::size_t button_count(const outgoing_reply& reply) {
  std::size_t n = 0;
  for (auto& row : reply.buttons)
    n += row.size();
  return n;
}

} // namespace

TEST_CASE("button tokens are random, URL-safe and round-trip through the cache value",
          "[event]") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto token = event::make_token();
    REQUIRE(token.size() == event::token_length);
    auto data = std::string{event::callback_prefix} + token;
    CHECK(data.size() <= 64);
    CHECK(event::token_of(data) == token);
    seen.insert(token);
  }
  CHECK(seen.size() == 1000);
  CHECK(event::token_of("b:" + std::string(21, 'A')).empty());
  CHECK(event::token_of("b:" + std::string(21, 'A') + "!").empty());
  CHECK(event::token_of("x:" + std::string(22, 'A')).empty());
  CHECK(event::token_of("").empty());

  event::button_state st{platform_kind::telegram, "42:7", "config", {"lang", "pt"}};
  auto back = event::decode(event::encode(st));
  REQUIRE(back);
  CHECK(back->platform == platform_kind::telegram);
  CHECK(back->owner == "42:7");
  CHECK(back->command == "config");
  CHECK(back->args == std::vector<std::string>{"lang", "pt"});
  // Arguments keep their spaces and empty ones survive.
  event::button_state odd{platform_kind::console, "", "emoji", {"a b", "", "❤️"}};
  auto odd_back = event::decode(event::encode(odd));
  REQUIRE(odd_back);
  CHECK(odd_back->args == odd.args);
  auto anyone = event::decode(event::encode({platform_kind::console, "", "help", {}}));
  REQUIRE(anyone);
  CHECK(anyone->owner.empty());
  CHECK(anyone->command == "help");
  CHECK(anyone->args.empty());
  for (auto bad : {"", "garbage", "1:", "1:5:ab", "9:0:/x", "1:0:", "-1:0:/x",
                   "1:99999999999999999999:/x"})
    CHECK_FALSE(event::decode(bad));
}

TEST_CASE("pressing the tags toggle as the owner edits the menu and stores the setting",
          "[event]") {
  fixture f;
  f.register_user("1");
  auto menu = f.say("/config");
  REQUIRE(menu.outcome == command_outcome::ok);
  CHECK(has(text_of(menu), "Settings"));
  CHECK(has(text_of(menu), "Show tags: on"));
  CHECK(has(text_of(menu), "Language: English"));
  auto hide = button_data(menu, "Hide tags");
  REQUIRE(hide.rfind("b:", 0) == 0);
  CHECK(hide.size() <= 64);
  // Languages, the two toggles and the emoji choices, all action buttons.
  CHECK(button_count(menu.replies.front()) >= 5 + 2 + 5);
  auto before = presses("ok");

  auto res = f.press(hide);
  CHECK(res.edit);
  CHECK_FALSE(res.alert);
  CHECK(res.notice.empty());
  CHECK(res.replies.empty());
  CHECK(res.reply.reply_to_message_id.empty());
  auto edited = plain_text(res.reply.text);
  CHECK(has(edited, "Show tags: off"));
  CHECK_FALSE(button_data(res.reply, "Show tags").empty());
  CHECK(button_data(res.reply, "Hide tags").empty());
  CHECK_FALSE(f.user("1").show_tags);
  CHECK(presses("ok") == before + 1);

  // The new menu's toggle turns it back on.
  auto again = f.press(button_data(res.reply, "Show tags"));
  CHECK(has(plain_text(again.reply.text), "Show tags: on"));
  CHECK(f.user("1").show_tags);
}

TEST_CASE("someone else's button answers not_yours and changes nothing", "[event]") {
  fixture f;
  f.register_user("1");
  f.register_user("2");
  auto hide = button_data(f.say("/config"), "Hide tags");
  REQUIRE_FALSE(hide.empty());
  auto before = presses("not_yours");
  auto res = f.press(hide, "2");
  CHECK(res.alert);
  CHECK_FALSE(res.edit);
  CHECK(res.notice == "This button isn't for you.");
  CHECK(f.user("1").show_tags);
  CHECK(f.user("2").show_tags);
  CHECK(presses("not_yours") == before + 1);
  // In the presser's language.
  CHECK(f.press(hide, "2", "pt-BR").notice == "Este botão não é para você.");
}

TEST_CASE("an unknown or expired token answers expired", "[event]") {
  fixture f;
  auto before = presses("expired");
  auto res = f.press("b:" + std::string(22, 'A'));
  CHECK(res.alert);
  CHECK_FALSE(res.edit);
  CHECK(res.notice == "This button has expired. Run the command again.");
  CHECK(presses("expired") == before + 1);
  CHECK(f.press("b:" + std::string(22, 'A'), "1", "es").notice
        == "Este botón ha caducado. Vuelve a usar el comando.");
  // A state that is not ours (or from another version) reads as expired.
  auto token = event::make_token();
  REQUIRE(f.must<bool>(f.cache, put_atom::value, std::string{event::cache_prefix} + token,
                       std::string{"garbage"}, std::int64_t{60}));
  CHECK(f.press("b:" + token).notice == "This button has expired. Run the command again.");
}

TEST_CASE("garbage callback data answers with an alert and the engine keeps working",
          "[event]") {
  fixture f;
  f.register_user("1");
  auto before = presses("invalid");
  std::string binary{"b:\xff\xfe\x00\x01", 6};
  for (const std::string& data :
       {std::string{}, std::string{"b:"}, std::string{"linkfm:done"},
        "b:" + std::string(300, 'x'), binary, "b:" + std::string(21, 'A') + "\n",
        std::string(64, '\0')}) {
    auto res = f.press(data);
    CHECK(res.alert);
    CHECK_FALSE(res.edit);
    CHECK_FALSE(res.notice.empty());
  }
  CHECK(presses("invalid") == before + 7);
  auto res = f.press(button_data(f.say("/config"), "Hide tags"));
  CHECK(res.edit);
}

TEST_CASE("a language button turns the menu into the chosen language", "[event]") {
  fixture f;
  f.register_user("1");
  auto pt = button_data(f.say("/config"), "Português");
  REQUIRE_FALSE(pt.empty());
  auto res = f.press(pt);
  REQUIRE(res.edit);
  auto text = plain_text(res.reply.text);
  CHECK(has(text, "Configurações"));
  CHECK(has(text, "Idioma: Português (Brasil)"));
  CHECK(has(text, "Mostrar tags: ligado"));
  CHECK_FALSE(button_data(res.reply, "Esconder tags").empty());
  CHECK_FALSE(button_data(res.reply, "✓ Português").empty());
  CHECK(f.user("1").language == "pt");
  // Commands now answer in Portuguese too.
  CHECK(has(text_of(f.say("/config")), "Configurações"));
}

TEST_CASE("config applies typed changes and refuses bad values", "[event]") {
  fixture f;
  CHECK(has(text_of(f.say("/config")), "only available to registered users"));
  f.register_user("1");
  CHECK(has(text_of(f.say("/settings cover link")), "Cover as link: on"));
  CHECK(f.user("1").cover_as_link);
  CHECK(has(text_of(f.say("/config emoji 🔥")), "Loved track emoji: 🔥"));
  CHECK(f.user("1").loved_emoji == "🔥");
  CHECK(has(text_of(f.say("/config emoji reset")), "Loved track emoji: ❤️"));
  CHECK(f.user("1").loved_emoji.empty());
  CHECK(has(text_of(f.say("/config tags maybe")), "I didn't understand that setting"));
  CHECK(has(text_of(f.say("/config volume 11")), "I didn't understand that setting"));
  CHECK(has(text_of(f.say("/config tags")), "I didn't understand that setting"));
  CHECK(has(text_of(f.say("/config emoji abc")), "doesn't look like an emoji"));
  CHECK(has(text_of(f.say("/config emoji <b>")), "doesn't look like an emoji"));
  CHECK(has(text_of(f.say("/config lang xx")), "I don't know the language \"xx\""));
  CHECK(f.user("1").show_tags);
  CHECK(f.user("1").cover_as_link);
}

TEST_CASE("linkfm's buttons run done and cancel when pressed", "[event]") {
  fixture f;
  auto prompt = f.say("/linkfm");
  REQUIRE(prompt.replies.size() == 1);
  auto& reply = prompt.replies.front();
  REQUIRE(reply.buttons.size() == 2);
  CHECK(has(reply.buttons[0][0].url, "token=tok"));
  REQUIRE(reply.buttons[1].size() == 2);
  for (auto& b : reply.buttons[1])
    CHECK(b.callback_data.rfind("b:", 0) == 0);
  auto pending = std::string{"fm_pending_auth:console:1"};
  CHECK(f.must<cache_value>(f.cache, get_atom::value, pending).found);

  auto res = f.press(button_data(reply, "Cancel"));
  REQUIRE(res.edit);
  CHECK(plain_text(res.reply.text) == "Linking cancelled.");
  CHECK(res.reply.buttons.empty());
  CHECK_FALSE(f.must<cache_value>(f.cache, get_atom::value, pending).found);

  // Done after a fresh /linkfm links the account (the stand-in authorised it).
  auto done = button_data(f.say("/linkfm"), "Done");
  auto linked = f.press(done);
  REQUIRE(linked.edit);
  CHECK(has(plain_text(linked.reply.text), "Your Last.fm account is now linked"));
  CHECK(f.user("1").has_session_key);
}

TEST_CASE("without a cache a reply comes without its action buttons", "[event]") {
  fixture f{cache_kind::none};
  f.register_user("1");
  auto menu = f.say("/config");
  REQUIRE(menu.outcome == command_outcome::ok);
  CHECK(has(text_of(menu), "Show tags: on"));
  CHECK(menu.replies.front().buttons.empty());
  // And a press cannot find any state.
  auto res = f.press("b:" + event::make_token());
  CHECK(res.alert);
  CHECK(res.notice == "My storage is unavailable at the moment. Please try again shortly.");
}

TEST_CASE("a reply waits until the cache has stored every button", "[event]") {
  fixture f{cache_kind::slow};
  f.register_user("1");
  auto started = std::chrono::steady_clock::now();
  auto menu = f.say("/config");
  CHECK(std::chrono::steady_clock::now() - started >= 300ms);
  REQUIRE(menu.outcome == command_outcome::ok);
  auto buttons = button_count(menu.replies.front());
  CHECK(buttons >= 12);
  CHECK(f.acked->load() == static_cast<int>(buttons));
}

TEST_CASE("a cache that never answers delays the reply only until the deadline",
          "[event]") {
  fixture f{cache_kind::silent, 1000ms};
  f.register_user("1");
  auto started = std::chrono::steady_clock::now();
  auto menu = f.say("/config");
  auto took = std::chrono::steady_clock::now() - started;
  // Not before the deadline; and the reply came, without the buttons the
  // silent cache never stored: the deadline ended the wait.
  CHECK(took >= 1000ms);
  REQUIRE(menu.outcome == command_outcome::ok);
  CHECK(has(text_of(menu), "Show tags: on"));
  CHECK(menu.replies.front().buttons.empty());
}

TEST_CASE("a press the command refuses shows the refusal as an alert", "[event]") {
  fixture f;
  f.register_user("1");
  auto hide = button_data(f.say("/config"), "Hide tags");
  REQUIRE(f.must<bool>(f.db, unregister_atom::value, platform_kind::console, std::string{"1"}));
  auto before = presses("refused");
  auto res = f.press(hide);
  CHECK(res.alert);
  CHECK_FALSE(res.edit);
  CHECK(has(res.notice, "only available to registered users"));
  CHECK(presses("refused") == before + 1);
}
