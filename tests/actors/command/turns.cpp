// Commands of one chat run one at a time, in arrival order; chats never
// wait for each other; a chat's line is bounded. The pure line
// (actors/command/chat_turns.hpp) and the command engine that uses it.

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "support/build_paths.hpp"
#include "caf/all.hpp"

#include "actors/command/arguments.hpp"
#include "actors/command/chat_turns.hpp"
#include "actors/command/context.hpp"
#include "actors/command/engine.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/registry.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/health.hpp"
#include "i18n/catalog.hpp"
#include "messages/type_ids.hpp"

using namespace lastgram;
using namespace std::chrono_literals;
using turns = command::chat_turns<int>;

TEST_CASE("in a chat's line the first runs and the others wait in order until it is full",
          "[command][turns]") {
  turns line;
  int a1 = 1, a2 = 2, a3 = 3, a4 = 4, b1 = 10;
  CHECK(line.admit("a", a1, 2) == turns::admission::run_now);
  CHECK(line.admit("a", a2, 2) == turns::admission::queued);
  CHECK(line.admit("b", b1, 2) == turns::admission::run_now);
  CHECK(line.admit("a", a3, 2) == turns::admission::queued);
  CHECK(line.admit("a", a4, 2) == turns::admission::full);
  CHECK(line.waiting() == 2);
  CHECK(line.busy_chats() == 2);
  CHECK(line.next("a") == 2);
  CHECK(line.next("a") == 3);
  CHECK_FALSE(line.next("a").has_value());
  CHECK_FALSE(line.next("b").has_value());
  CHECK(line.busy_chats() == 0);
  CHECK(line.waiting() == 0);
  // An idle chat starts anew.
  CHECK(line.admit("a", a4, 2) == turns::admission::run_now);
}

namespace {

/// What the "step" command saw: per chat, the steps in the order they ran,
/// and whether two runs of one chat ever overlapped.
struct journal {
  std::mutex mtx;
  std::map<std::string, std::vector<std::string>> started;
  std::map<std::string, int> running;
  std::atomic<int> overlaps{0};
  std::atomic<bool> release{true};
};

/// "/step <n>": notes its start, answers "<n>" after a random pause of up
/// to 5 ms (so that runs of different chats interleave), and notes its end.
/// "/hold": waits until the test releases it.
std::shared_ptr<command::environment> turns_env(std::shared_ptr<journal> j,
                                                std::int64_t chat_limit) {
  auto loaded = i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales");
  REQUIRE(loaded);
  auto reg = std::make_shared<command::registry>();
  command::command_spec step{"step"};
  step.args = {command::argument::text("text").required().rest()};
  step.run = [j](command::context& ctx) {
    auto chat = ctx.message().chat.id;
    {
      std::lock_guard<std::mutex> guard{j->mtx};
      j->started[chat].push_back(ctx.command().args);
      if (++j->running[chat] > 1)
        ++j->overlaps;
    }
    static thread_local std::minstd_rand rng{std::random_device{}()};
    auto pause = std::chrono::microseconds{rng() % 5000};
    ctx.defer();
    ctx.after(std::chrono::duration_cast<std::chrono::milliseconds>(pause),
              [ctx, j, chat]() mutable {
                {
                  std::lock_guard<std::mutex> guard{j->mtx};
                  --j->running[chat];
                }
                ctx.reply(text_builder{}.plain(ctx.command().args).take());
                ctx.finish();
              });
  };
  reg->add(step);
  command::command_spec hold{"hold"};
  hold.run = [j](command::context& ctx) {
    ctx.defer();
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [ctx, j, poll]() mutable {
      if (!j->release) {
        ctx.after(2ms, *poll);
        return;
      }
      ctx.reply(text_builder{}.plain("held").take());
      ctx.finish();
      *poll = nullptr; // break the cycle
    };
    (*poll)();
  };
  reg->add(hold);
  auto env = std::make_shared<command::environment>();
  env->commands = reg;
  env->texts = std::make_shared<const i18n::catalog>(std::move(*loaded.value));
  env->settings.bot_name = "lastgram";
  env->settings.chat_queue_limit = chat_limit;
  env->settings.max_in_flight = 100000;
  // One author sends every command here: the per-user rate limit
  // (tests/actors/command/rate_limit.cpp) would stop the flood.
  env->settings.rate_short = env->settings.rate_long = 0;
  env->health = std::make_shared<health_board>();
  env->engines = std::make_shared<engine_handles>();
  return env;
}

incoming_message in_chat(const std::string& chat, const std::string& text, int id) {
  incoming_message msg;
  msg.message_id = std::to_string(id);
  msg.chat.id = chat;
  msg.chat.kind = chat_kind::group;
  msg.author.id = "7";
  msg.author.language = "en";
  msg.text = text;
  return msg;
}

std::string first_text(const command_result& res) {
  return res.replies.empty() ? std::string{} : plain_text(res.replies.front().text);
}

/// A command engine whose chat A starts with a held command.
struct held_chat {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<caf::scoped_actor> self;
  std::shared_ptr<journal> j = std::make_shared<journal>();
  std::shared_ptr<command::environment> env;
  command_actor engine;

  explicit held_chat(std::int64_t chat_limit) {
    cfg.add_message_types<caf::id_block::lastgram>();
    sys = std::make_unique<caf::actor_system>(cfg);
    self = std::make_unique<caf::scoped_actor>(*sys);
    j->release = false;
    env = turns_env(j, chat_limit);
    engine = command::spawn_engine((*self).ptr(), env);
    (*self)->send(engine, in_chat("A", "/hold", 1));
  }

  ~held_chat() {
    (*self)->send_exit(engine, caf::exit_reason::user_shutdown);
    self.reset();
  }
};

} // namespace

TEST_CASE("200 chats x 5 commands get every chat's replies in its own order without overlap",
          "[command][turns]") {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.add_message_types<caf::id_block::lastgram>();
  caf::actor_system sys{cfg};
  auto j = std::make_shared<journal>();
  auto env = turns_env(j, 10);
  // Order, not shedding, is under test: the 1,000 arrive at once, and on a
  // slow machine (ASan, a parallel ctest) the wait the node could promise
  // passes command.max-wait-ms, which would tell the last of them "busy"
  // (admission.cpp's tests cover that). 0 turns the promise off.
  env->settings.max_wait_ms = 0;
  caf::scoped_actor self{sys};
  auto engine = command::spawn_engine(self.ptr(), env);
  constexpr int chats = 200;
  constexpr int per_chat = 5;
  // Interleaved as a busy platform would deliver them: every chat's first
  // command, then every chat's second, and so on.
  int id = 0;
  for (int k = 0; k < per_chat; ++k)
    for (int c = 0; c < chats; ++c)
      self->send(engine, in_chat("c" + std::to_string(c), "/step " + std::to_string(k), ++id));
  std::map<std::string, std::vector<std::string>> received;
  for (int i = 0; i < chats * per_chat; ++i)
    self->receive(
      [&](command_result& res) {
        REQUIRE(res.outcome == command_outcome::ok);
        REQUIRE(res.replies.size() == 1);
        received[res.replies[0].chat_id].push_back(first_text(res));
      },
      caf::after(30s) >> [&] { FAIL("a reply is missing after " << i); });
  std::vector<std::string> in_order;
  for (int k = 0; k < per_chat; ++k)
    in_order.push_back(std::to_string(k));
  REQUIRE(received.size() == chats);
  for (auto& [chat, got] : received) {
    INFO("chat " << chat);
    CHECK(got == in_order);
    CHECK(j->started[chat] == in_order);
  }
  CHECK(j->overlaps == 0);
  self->send_exit(engine, caf::exit_reason::user_shutdown);
}

TEST_CASE("a chat that floods is told to slow down and other chats do not wait for it",
          "[command][turns]") {
  held_chat f{2};
  auto& self = *f.self;
  auto& engine = f.engine;
  auto& env = f.env;
  auto& j = f.j;
  // Chat A: one command held, two waiting, two over the limit.
  for (int k = 0; k < 4; ++k)
    self->send(engine, in_chat("A", "/step " + std::to_string(k), 2 + k));
  auto slow_down = env->texts->format("en", "errors.slow_down");
  int slowed = 0;
  for (int i = 0; i < 2; ++i)
    self->receive(
      [&](command_result& res) {
        CHECK(res.outcome == command_outcome::busy);
        CHECK(first_text(res) == slow_down);
        CHECK((res.replies[0].reply_to_message_id == "4" || res.replies[0].reply_to_message_id == "5"));
        ++slowed;
      },
      caf::after(10s) >> [&] { FAIL("no slow-down answer"); });
  CHECK(slowed == 2);
  // Chat B is answered while A's command is still held.
  command_result b;
  self->request(engine, 10s, in_chat("B", "/step b", 10))
    .receive([&](command_result& x) { b = std::move(x); },
             [&](caf::error& err) { FAIL(to_string(err)); });
  CHECK(first_text(b) == "b");
  CHECK_FALSE(j->release);
  // Released, A answers its held command, then the two that waited, in order.
  j->release = true;
  std::vector<std::string> a;
  for (int i = 0; i < 3; ++i)
    self->receive([&](command_result& res) { a.push_back(first_text(res)); },
                  caf::after(10s) >> [&] { FAIL("chat A's answers are missing"); });
  CHECK(a == std::vector<std::string>{"held", "0", "1"});
}

TEST_CASE("a button press runs its command with typed arguments in the chat's turn",
          "[command][turns]") {
  held_chat f{5};
  auto& self = *f.self;
  auto& engine = f.engine;
  auto& j = f.j;
  button_command press;
  press.platform = platform_kind::console;
  press.chat.id = "A";
  press.chat.kind = chat_kind::group;
  press.presser.id = "8";
  press.presser.language = "en";
  press.message_id = "1";
  press.command = "step";
  press.args = {"a", "b"};
  self->send(engine, press);
  j->release = true;
  std::vector<std::string> got;
  for (int i = 0; i < 2; ++i)
    self->receive([&](command_result& res) { got.push_back(first_text(res)); },
                  caf::after(10s) >> [&] { FAIL("an answer is missing"); });
  CHECK(got == std::vector<std::string>{"held", "a b"});
  CHECK(j->started["A"] == std::vector<std::string>{"a b"});
}
