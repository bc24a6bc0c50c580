#include <catch2/catch.hpp>

#include <regex>
#include <stdexcept>

#include "support/build_paths.hpp"
#include "caf/all.hpp"

#include "actors/command/commands/builtin.hpp"
#include "actors/command/context.hpp"
#include "actors/command/engine.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/guards.hpp"
#include "actors/command/registry.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/health.hpp"
#include "i18n/catalog.hpp"
#include "messages/database.hpp"
#include "messages/type_ids.hpp"

using namespace lastgram;
using namespace std::chrono_literals;

namespace {

double restarts_metric(const std::string& engine) {
  auto text = metrics::render_text();
  std::regex re{"lastgram_actor_restarts_total\\{engine=\"" + engine + "\"\\} ([0-9.e+]+)"};
  std::smatch m;
  if (std::regex_search(text, m, re))
    return std::stod(m[1]);
  return 0;
}

/// The engine's environment with the core commands, a well-behaved "echo"
/// that answers after a round trip to another actor (so many runs are in
/// flight at once), and a test-only "boom" that throws.
std::shared_ptr<command::environment> test_env(caf::actor_system& sys, caf::actor echo) {
  auto loaded = i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales");
  REQUIRE(loaded);
  auto reg = std::make_shared<command::registry>();
  command::add_all_commands(*reg);
  command::command_spec echo_spec{"echo"};
  echo_spec.args = {command::argument::text("command").required().rest()};
  echo_spec.run = [echo](command::context& ctx) {
    ctx.defer();
    ctx.self()
      ->request(echo, 5s, ctx.command().args)
      .then([ctx](const std::string& back) mutable {
        ctx.reply(text_builder{}.plain("echo " + back).take());
        ctx.finish();
      });
  };
  reg->add(echo_spec);
  command::command_spec boom{"boom"};
  boom.hidden = true;
  boom.run = [](command::context&) { throw std::runtime_error("test-only failure"); };
  reg->add(boom);
  auto env = std::make_shared<command::environment>();
  env->commands = reg;
  env->texts = std::make_shared<const i18n::catalog>(std::move(*loaded.value));
  env->settings.bot_name = "lastgram";
  // Many commands per chat at once: these tests are about crashes, not about
  // a chat's line being full.
  env->settings.chat_queue_limit = 1000;
  env->health = std::make_shared<health_board>();
  return env;
}

incoming_message message(const std::string& text, int n) {
  incoming_message msg;
  msg.message_id = std::to_string(n);
  msg.chat.id = "chat" + std::to_string(n % 7);
  msg.author.id = std::to_string(1000 + n);
  msg.author.language = "en";
  msg.text = text;
  return msg;
}

} // namespace

TEST_CASE("a throwing command gets an apology and disturbs no other run",
          "[command][crash]") {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.add_message_types<caf::id_block::lastgram>();
  caf::actor_system sys{cfg};
  auto echo = sys.spawn([]() -> caf::behavior {
    return {[](const std::string& x) { return x; }};
  });
  auto env = test_env(sys, echo);
  // About 16 commands per chat arrive at once: room for all of them in each
  // chat's line (the line's bound is tested where it is the subject).
  env->settings.chat_queue_limit = 100;
  auto apology = env->texts->format("en", "errors.generic");
  auto before = restarts_metric("command");
  caf::scoped_actor self{sys};
  auto direct = command::spawn_engine(self.ptr(), env);

  constexpr int ordinary = 100;
  constexpr int failing = 10;
  int sent = 0;
  for (int i = 0; i < ordinary + failing; ++i) {
    bool boom = i % 11 == 5;
    auto text = boom ? std::string{"/boom"} : "/echo " + std::to_string(i);
    self->send(direct, message(text, i));
    ++sent;
  }
  int ok = 0, apologies = 0, wrong = 0;
  for (int i = 0; i < sent; ++i) {
    self->receive(
      [&](command_result& res) {
        REQUIRE(res.replies.size() == 1);
        auto text = plain_text(res.replies[0].text);
        if (res.outcome == command_outcome::failed && text == apology)
          ++apologies;
        else if (res.outcome == command_outcome::ok
                 && text == "echo " + res.replies[0].reply_to_message_id)
          ++ok;
        else
          ++wrong;
      },
      caf::after(10s) >> [&] { FAIL("a reply is missing"); });
  }
  CHECK(ok == ordinary);
  CHECK(apologies == failing);
  CHECK(wrong == 0);
  CHECK(restarts_metric("command") - before == failing);
  CHECK(env->health->restarts("command") == failing);
  self->send_exit(direct, caf::exit_reason::user_shutdown);
  self->send_exit(echo, caf::exit_reason::user_shutdown);
}

TEST_CASE("draining answers new commands with 'shutting down' and waits for runs",
          "[command][drain]") {
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::lastgram>();
  caf::actor_system sys{cfg};
  auto echo = sys.spawn([]() -> caf::behavior {
    return {[](const std::string& x) { return x; }};
  });
  auto env = test_env(sys, echo);
  caf::scoped_actor self{sys};
  auto engine = command::spawn_engine(self.ptr(), env);
  std::int64_t left = -1;
  self->request(engine, 5s, drain_atom::value, std::int64_t{1000})
    .receive([&](std::int64_t x) { left = x; }, [](caf::error&) {});
  CHECK(left == 0);
  command_result res;
  self->request(engine, 5s, message("/help", 1))
    .receive([&](command_result& x) { res = std::move(x); }, [](caf::error&) {});
  CHECK(res.outcome == command_outcome::shutting_down);
  REQUIRE(res.replies.size() == 1);
  CHECK(plain_text(res.replies[0].text) == env->texts->format("en", "errors.shutting_down"));
  self->send_exit(engine, caf::exit_reason::user_shutdown);
  self->send_exit(echo, caf::exit_reason::user_shutdown);
}

namespace {

struct engine_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<caf::scoped_actor> self;
  caf::actor echo;
  caf::actor nobody_db;
  std::shared_ptr<command::environment> env;
  command_actor engine;

  engine_fixture() {
    cfg.add_message_types<caf::id_block::lastgram>();
    sys = std::make_unique<caf::actor_system>(cfg);
    self = std::make_unique<caf::scoped_actor>(*sys);
    echo = sys->spawn([]() -> caf::behavior {
      return {[](const std::string& x) { return x; }};
    });
    env = test_env(*sys, echo);
    // A database that knows nobody, for the user guards.
    nobody_db = sys->spawn([](caf::event_based_actor*) -> caf::behavior {
      return {[](facts_atom, platform_kind, const std::string&, const std::string&,
                 const std::string& group) {
        // Every group here chose Portuguese.
        return guard_users{{}, {}, group.empty() ? "" : "pt"};
      }};
    });
    auto handles = std::make_shared<engine_handles>();
    // A stand-in that answers only the guards' question.
    handles->database.put(caf::actor_cast<database_actor>(nobody_db));
    env->engines = handles;
    engine = command::spawn_engine(self->ptr(), env);
  }

  ~engine_fixture() {
    (*self)->send_exit(engine, caf::exit_reason::user_shutdown);
    (*self)->send_exit(echo, caf::exit_reason::user_shutdown);
    (*self)->send_exit(nobody_db, caf::exit_reason::user_shutdown);
    self.reset();
  }

  command_result ask(incoming_message msg) {
    command_result res;
    (*self)->request(engine, 5s, std::move(msg))
      .receive([&](command_result& x) { res = std::move(x); },
               [](caf::error& err) { FAIL("engine failed: " << to_string(err)); });
    return res;
  }

  std::string text_of(const command_result& res) {
    return res.replies.empty() ? std::string{} : plain_text(res.replies[0].text);
  }
};

} // namespace

TEST_CASE_METHOD(engine_fixture, "an unknown command gets a hint in private and silence in groups",
                 "[command]") {
  auto res = ask(message("/nosuch", 1));
  CHECK(res.outcome == command_outcome::unknown);
  CHECK(text_of(res) == env->texts->format("en", "command.unknown", {{"command", "nosuch"}}));
  auto group = message("/nosuch", 2);
  group.chat.kind = chat_kind::group;
  res = ask(group);
  CHECK(res.replies.empty());
}

TEST_CASE_METHOD(engine_fixture, "a huge unknown command is quoted back short and without control characters",
                 "[command]") {
  std::string name(100000, 'x');
  name[3] = '\x01';
  name[5] = '\x7f';
  auto res = ask(message("/" + name, 1));
  CHECK(res.outcome == command_outcome::unknown);
  REQUIRE(res.replies.size() == 1);
  auto text = text_of(res);
  CHECK(text.size() < 300);
  CHECK(text.find('\x01') == std::string::npos);
  CHECK(text.find('\x7f') == std::string::npos);
  CHECK(text.find(std::string(31, 'x') + "…") != std::string::npos);
}

TEST_CASE_METHOD(engine_fixture, "plain text and other bots' commands are ignored", "[command]") {
  CHECK(ask(message("hello there", 1)).replies.empty());
  CHECK(ask(message("/help@someotherbot", 2)).replies.empty());
  CHECK_FALSE(ask(message("/help@LastGram", 3)).replies.empty());
}

TEST_CASE_METHOD(engine_fixture, "a missing argument gets the usage line", "[command]") {
  auto res = ask(message("/echo", 1));
  CHECK(res.outcome == command_outcome::usage);
  CHECK(text_of(res).find("/echo <") != std::string::npos);
}

TEST_CASE_METHOD(engine_fixture, "an argument of the wrong kind gets a localized usage error",
                 "[command]") {
  bool ran = false;
  auto reg = std::make_shared<command::registry>();
  command::command_spec wait{"wait"};
  wait.args = {command::argument::number("milliseconds").required(),
               command::argument::period("period")};
  wait.run = [&ran](command::context&) { ran = true; };
  reg->add(wait);
  env->commands = reg;
  auto res = ask(message("/wait soon", 1));
  CHECK(res.outcome == command_outcome::usage);
  CHECK(text_of(res).find("must be a number, not “soon”") != std::string::npos);
  auto pt = message("/wait 5 week", 2);
  pt.author.language = "pt-BR";
  res = ask(pt);
  CHECK(res.outcome == command_outcome::usage);
  CHECK(text_of(res).find("Uso: /wait <milissegundos> [período]") != std::string::npos);
  CHECK_FALSE(ran);
  res = ask(message("/wait 5 7day", 3));
  CHECK(res.outcome == command_outcome::ok);
  CHECK(ran);
}

TEST_CASE_METHOD(engine_fixture, "replies quote the command message in its chat", "[command]") {
  auto res = ask(message("/help", 4));
  REQUIRE(res.replies.size() == 1);
  CHECK(res.replies[0].reply_to_message_id == "4");
  CHECK(res.replies[0].chat_id == "chat4");
  CHECK(res.command == "help");
}

TEST_CASE_METHOD(engine_fixture, "help lists visible commands and explains one", "[command]") {
  auto list = text_of(ask(message("/help", 1)));
  CHECK(list.find("/botinfo") != std::string::npos);
  CHECK(list.find("/echo") != std::string::npos);
  CHECK(list.find("/boom") == std::string::npos);  // hidden
  CHECK(list.find("/start") == std::string::npos); // hidden
  auto one = text_of(ask(message("/help ajuda", 2)));
  CHECK(one.find("/help [") != std::string::npos);
  CHECK(one.find("/ajuda") != std::string::npos);
  auto none = text_of(ask(message("/help nosuch", 3)));
  CHECK(none == env->texts->format("en", "help.not_found", {{"command", "nosuch"}}));
}

TEST_CASE_METHOD(engine_fixture, "the user's language hint picks the reply language", "[command]") {
  auto msg = message("/nosuch", 1);
  msg.author.language = "pt-BR";
  auto res = ask(msg);
  CHECK(text_of(res) == env->texts->format("pt", "command.unknown", {{"command", "nosuch"}}));
  CHECK(text_of(res) != env->texts->format("en", "command.unknown", {{"command", "nosuch"}}));
}

TEST_CASE_METHOD(engine_fixture, "botinfo reports version, node, memory and commands", "[command]") {
  env->node_name = "node-a";
  ask(message("/help", 1));
  auto text = text_of(ask(message("/botinfo", 2)));
  CHECK(text.find(LASTGRAM_VERSION_TEXT) != std::string::npos);
  CHECK(text.find("node-a") != std::string::npos);
  CHECK(text.find("MB") != std::string::npos);
}

TEST_CASE_METHOD(engine_fixture, "guards refuse with their own message before the command runs",
                 "[command]") {
  bool ran = false;
  auto reg = std::make_shared<command::registry>();
  command::command_spec secret{"secret"};
  secret.guards = command::guard_developer;
  secret.run = [&ran](command::context&) { ran = true; };
  reg->add(secret);
  command::command_spec crowns{"crowns"};
  crowns.guards = command::guard_no_dms | command::guard_registered;
  crowns.run = [&ran](command::context&) { ran = true; };
  reg->add(crowns);
  env->commands = reg;
  auto res = ask(message("/secret", 1));
  CHECK(res.outcome == command_outcome::guard_failed);
  CHECK(text_of(res) == env->texts->format("en", "guard.developer"));
  res = ask(message("/crowns", 2));
  CHECK(text_of(res) == env->texts->format("en", "guard.no_dms"));
  auto group = message("/crowns", 3);
  group.chat.kind = chat_kind::group;
  // Nobody chose a language, the group did: the answer is in the group's.
  CHECK(text_of(ask(group)) == env->texts->format("pt", "guard.registered"));
  CHECK_FALSE(ran);
  env->developers = {"console:1001"};
  auto dev = message("/secret", 1);
  res = ask(dev);
  CHECK(res.outcome == command_outcome::ok);
  CHECK(ran);
}

TEST_CASE_METHOD(engine_fixture, "user guards without a database answer 'storage unavailable'",
                 "[command]") {
  auto reg = std::make_shared<command::registry>();
  command::command_spec mine{"mine"};
  mine.guards = command::guard_registered;
  mine.run = [](command::context& ctx) { ctx.reply_text("help.header"); };
  reg->add(mine);
  env->commands = reg;
  env->engines = std::make_shared<engine_handles>();
  auto res = ask(message("/mine", 1));
  CHECK(res.outcome == command_outcome::failed);
  CHECK(text_of(res) == env->texts->format("en", "errors.storage_unavailable"));
}
