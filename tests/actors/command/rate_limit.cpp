// The per-user command rate limit: the pure verdicts, the in-memory
// counters with an injected clock, and the command engine refusing a flood
// (in memory, and through the caching engine on the test services' real
// redis-server, shared by two engines as by two nodes).

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <random>
#include <string>

#include "support/build_paths.hpp"
#include "caf/all.hpp"

#include "actors/caching/engine.hpp"
#include "actors/command/context.hpp"
#include "actors/command/engine.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/rate_limit.hpp"
#include "actors/command/registry.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/health.hpp"
#include "actors/test_config.hpp"
#include "i18n/catalog.hpp"
#include "messages/type_ids.hpp"
#include "support/redis_server.hpp"

using namespace lastgram;
using namespace lastgram::command;
using namespace std::chrono_literals;

TEST_CASE("the first command over a window is warned and the rest dropped", "[command][rate]") {
  std::vector<rate_window> w{{13, 10}, {35, 40}};
  CHECK(judge({13, 13}, w) == rate_verdict::allowed);
  CHECK(judge({14, 14}, w) == rate_verdict::warn);
  CHECK(judge({15, 15}, w) == rate_verdict::drop);
  // A new short window while the long one is over: still dropped.
  CHECK(judge({1, 37}, w) == rate_verdict::drop);
  CHECK(judge({3, 36}, w) == rate_verdict::warn);
  CHECK(judge({1, 35}, w) == rate_verdict::allowed);
  command_settings off;
  off.rate_short = 0;
  off.rate_long = 0;
  CHECK(rate_windows(off).empty());
  CHECK(rate_windows(command_settings{}).size() == 2);
}

TEST_CASE("counter keys name the window's period", "[command][rate]") {
  rate_window w{13, 10};
  CHECK(rate_key("telegram:7", w, 1009) == "rl:10:telegram:7:100");
  CHECK(rate_key("telegram:7", w, 1010) == "rl:10:telegram:7:101");
  CHECK(rate_key("telegram:8", w, 1009) != rate_key("telegram:7", w, 1009));
}

TEST_CASE("memory counters restart when their window ends and forget old users",
          "[command][rate]") {
  memory_counters c;
  CHECK(c.increment("a", 10, 100) == 1);
  CHECK(c.increment("a", 10, 105) == 2);
  CHECK(c.increment("a", 10, 110) == 1);
  for (int i = 0; i < 3000; ++i)
    c.increment("user" + std::to_string(i), 10, 200);
  // Everything from t=200 has expired by t=300: pruned as the map grows.
  for (int i = 0; i < 1100; ++i)
    c.increment("late" + std::to_string(i), 10, 300);
  CHECK(c.size() < 2500);
}

namespace {

double rate_limited(const char* action) {
  return metrics::get_counter("lastgram_command_rate_limited_total", "", {{"action", action}})
    .value();
}

struct rate_fixture {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  std::shared_ptr<std::atomic<std::int64_t>> clock =
    std::make_shared<std::atomic<std::int64_t>>(1000);
  std::vector<caf::actor> actors;

  ~rate_fixture() {
    for (auto& a : actors)
      self->send_exit(a, caf::exit_reason::user_shutdown);
  }

  /// A command engine serving /ping, counting in `cache` (none: memory).
  command_actor engine(cache_actor cache = {}) {
    auto loaded = i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales");
    REQUIRE(loaded);
    auto reg = std::make_shared<registry>();
    command_spec ping{"ping"};
    ping.run = [](context& ctx) { ctx.reply(text_builder{}.plain("pong").take()); };
    reg->add(ping);
    auto env = std::make_shared<environment>();
    env->commands = reg;
    env->texts = std::make_shared<const i18n::catalog>(std::move(*loaded.value));
    env->health = std::make_shared<health_board>();
    auto handles = std::make_shared<engine_handles>();
    if (cache)
      handles->caching.put(cache);
    env->engines = handles;
    env->wall_clock_seconds = [c = clock] { return c->load(); };
    auto e = spawn_engine(self.ptr(), env);
    actors.push_back(caf::actor_cast<caf::actor>(e));
    return e;
  }

  /// "pong", the warning's text, or "" for a dropped command.
  std::string ping(const command_actor& e, const std::string& user) {
    incoming_message m;
    m.platform = platform_kind::telegram;
    m.message_id = "1";
    m.chat.id = "chat" + user;
    m.author.id = user;
    m.author.language = "en";
    m.text = "/ping";
    std::string out = "no answer";
    self->request(e, 10s, m).receive(
      [&](command_result& r) {
        out.clear();
        for (auto& reply : r.replies)
          out += plain_text(reply.text);
      },
      [&](caf::error& err) { out = "ERROR " + sys.render(err); });
    return out;
  }
};

} // namespace

TEST_CASE("a user over 13 commands in 10 s is warned once then ignored until the window ends",
          "[command][rate]") {
  rate_fixture f;
  auto e = f.engine();
  auto warned = rate_limited("warned");
  auto dropped = rate_limited("dropped");
  for (int i = 0; i < 13; ++i)
    REQUIRE(f.ping(e, "1") == "pong");
  CHECK(f.ping(e, "1").find("sending commands too fast") != std::string::npos);
  CHECK(f.ping(e, "1").empty());
  CHECK(f.ping(e, "1").empty());
  // Someone else is not held back.
  CHECK(f.ping(e, "2") == "pong");
  CHECK(rate_limited("warned") == warned + 1);
  CHECK(rate_limited("dropped") == dropped + 2);

  // The next 10 s window: 16 counted in the 40 s one so far.
  *f.clock += 10;
  for (int i = 0; i < 13; ++i)
    REQUIRE(f.ping(e, "1") == "pong");
  CHECK(f.ping(e, "1").find("too fast") != std::string::npos);
  // 30 in the 40 s window; five more fit, the sixth is over 35.
  *f.clock += 10;
  for (int i = 0; i < 5; ++i)
    REQUIRE(f.ping(e, "1") == "pong");
  CHECK(f.ping(e, "1").find("too fast") != std::string::npos);
  CHECK(f.ping(e, "1").empty());
  *f.clock += 10;
  CHECK(f.ping(e, "1").empty());
  // A new 40 s window clears it.
  *f.clock += 10;
  CHECK(f.ping(e, "1") == "pong");
}

TEST_CASE("the rate limit counted in redis holds across two nodes' engines",
          "[command][rate][redis]") {
  rate_fixture f;
  auto health = std::make_shared<health_board>();
  cache_settings settings;
  settings.redis_url = test::redis_url(test::shared_redis_port());
  auto cache_a = caching::spawn_engine(f.self.ptr(), settings, health);
  auto cache_b = caching::spawn_engine(f.self.ptr(), settings, health);
  f.actors.push_back(caf::actor_cast<caf::actor>(cache_a));
  f.actors.push_back(caf::actor_cast<caf::actor>(cache_b));
  auto a = f.engine(cache_a);
  auto b = f.engine(cache_b);
  // A user of this run only: the shared redis-server outlives test runs.
  auto user = "u" + std::to_string(std::random_device{}());
  *f.clock = 2000000000;
  for (int i = 0; i < 13; ++i)
    REQUIRE(f.ping(i % 2 == 0 ? a : b, user) == "pong");
  CHECK(f.ping(b, user).find("too fast") != std::string::npos);
  CHECK(f.ping(a, user).empty());
  CHECK(test::redis_command(test::shared_redis_port(), {"GET", "rl:10:telegram:" + user + ":200000000"})
        == "15");
  *f.clock += 10;
  CHECK(f.ping(a, user) == "pong");
}
