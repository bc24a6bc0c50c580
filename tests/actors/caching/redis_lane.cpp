// Redis's pipelined lane for the hot path (actors/caching/redis_lane.hpp)
// against real redis-servers: its outcomes are the blocking client's, it
// authenticates and selects its db, hands back what an outage fails and
// reconnects, and the caching engine uses it while its tiered cache says
// Redis serves.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/caching/engine.hpp"
#include "actors/caching/redis_client.hpp"
#include "actors/caching/redis_lane.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/health.hpp"
#include "actors/test_config.hpp"
#include "support/eventually.hpp"
#include "support/loop_thread.hpp"
#include "support/redis_server.hpp"

using namespace lastgram;
using namespace lastgram::caching;
using namespace std::chrono_literals;
using lastgram::test::eventually;
using lastgram::test::loop_thread;
using lastgram::test::redis_command;
using lastgram::test::redis_server;

namespace {

using outcomes = std::optional<std::vector<cache_outcome>>;

outcomes run(redis_lane& lane, std::vector<cache_call> calls) {
  return test::answer_of<outcomes>(
    [&](auto done) { lane.run(std::move(calls), std::move(done)); });
}

std::shared_ptr<redis_lane> up_lane(const std::string& url, loop_thread& loop) {
  cache_settings s;
  s.redis_url = url;
  s.redis_timeout_ms = 2000;
  auto lane = redis_lane::make(s, loop.ioc);
  REQUIRE(lane);
  REQUIRE(eventually([&] { return lane->up(); }, 10s));
  return lane;
}

cache_call call(cache_call::op what, std::string key, std::string value = {},
                std::int64_t ttl = 60) {
  return cache_call{what, std::move(key), std::move(value), ttl};
}

double direct_calls(const char* outcome) {
  return metrics::get_counter("lastgram_cache_direct_calls_total", "", {{"outcome", outcome}})
    .value();
}

} // namespace

TEST_CASE("Redis's pipelined lane gives the blocking client's outcomes", "[redis_lane]") {
  redis_server server;
  loop_thread loop;
  auto lane = up_lane(server.url(), loop);
  using op = cache_call::op;
  auto out = run(*lane, {call(op::set, "k", "v"), call(op::get, "k"), call(op::get, "missing"),
                         call(op::increment, "n"), call(op::increment, "n"),
                         call(op::set_if_absent, "lease", "a"),
                         call(op::set_if_absent, "lease", "b"), call(op::erase, "k"),
                         call(op::get, "k"), call(op::set, "bad", "x", 0)});
  REQUIRE(out);
  REQUIRE(out->size() == 10);
  auto& o = *out;
  CHECK_FALSE(o[0].error);
  CHECK(o[1].value == std::optional<std::string>{"v"});
  CHECK_FALSE(o[2].value);
  CHECK(o[3].count == 1);
  CHECK(o[4].count == 2);
  CHECK(o[5].flag);
  CHECK_FALSE(o[6].flag);
  CHECK(o[7].flag);
  CHECK_FALSE(o[8].value);
  // Refused here, as the client refuses it, without reaching Redis.
  REQUIRE(o[9].error);
  CHECK(o[9].error->code == cache_errc::other);
  CHECK(redis_command(server.port(), {"GET", "lease"}) == "a");
  CHECK(redis_command(server.port(), {"TTL", "n"}) != "-1");
  CHECK(redis_command(server.port(), {"EXISTS", "bad"}) == "0");

  // The blocking client reads what the lane wrote.
  auto client = redis_client::connect(server.url());
  REQUIRE(client);
  auto n = (*client)->get("n");
  REQUIRE(n);
  CHECK(*n == std::optional<std::string>{"2"});
}

TEST_CASE("Redis's pipelined lane authenticates and selects its db", "[redis_lane]") {
  redis_server server{{"--requirepass", "s3cret"}};
  loop_thread loop;
  auto url = "redis://:s3cret@127.0.0.1:" + std::to_string(server.port()) + "/3";
  auto lane = up_lane(url, loop);
  auto out = run(*lane, {call(cache_call::op::set, "in3", "yes")});
  REQUIRE(out);
  CHECK_FALSE(out->front().error);
  auto client = redis_client::connect(url);
  REQUIRE(client);
  auto got = (*client)->get("in3");
  REQUIRE(got);
  CHECK(*got == std::optional<std::string>{"yes"});
  // Not in db 0.
  auto db0 = redis_client::connect("redis://:s3cret@127.0.0.1:" + std::to_string(server.port()));
  REQUIRE(db0);
  auto none = (*db0)->get("in3");
  REQUIRE(none);
  CHECK_FALSE(*none);
}

TEST_CASE("Redis's pipelined lane hands back what an outage fails and reconnects",
          "[redis_lane]") {
  redis_server server;
  loop_thread loop;
  auto lane = up_lane(server.url(), loop);
  server.shutdown();
  auto gone = run(*lane, {call(cache_call::op::get, "k")});
  CHECK_FALSE(gone);
  REQUIRE(eventually([&] { return !lane->up(); }, 5s));
  CHECK_FALSE(run(*lane, {call(cache_call::op::get, "k")}));

  server.start();
  REQUIRE(eventually([&] { return lane->up(); }, 10s));
  auto back = run(*lane, {call(cache_call::op::set, "k", "again"), call(cache_call::op::get, "k")});
  REQUIRE(back);
  CHECK((*back)[1].value == std::optional<std::string>{"again"});

  // Not while the engine's tiered cache says Redis is down.
  lane->serving(false);
  CHECK_FALSE(lane->up());
  lane->serving(true);
  CHECK(lane->up());
}

TEST_CASE("the caching engine sends gets, puts and counters through its lane and the rest to "
          "its thread",
          "[redis_lane][cache_engine]") {
  redis_server server;
  loop_thread loop;
  auto lane = up_lane(server.url(), loop);
  test::test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto health = std::make_shared<health_board>();
  cache_settings settings;
  settings.redis_url = server.url();
  settings.redis_timeout_ms = 2000;
  auto cache = spawn_engine(self.ptr(), settings, health, nullptr, lane);
  auto fail = [&](caf::error& err) { FAIL(sys.render(err)); };

  auto served = direct_calls("served");
  bool stored = false;
  self->request(cache, 5s, put_atom::value, std::string{"k"}, std::string{"v"}, std::int64_t{60})
    .receive([&](bool ok) { stored = ok; }, fail);
  CHECK(stored);
  cache_value got;
  self->request(cache, 5s, get_atom::value, std::string{"k"})
    .receive([&](cache_value& v) { got = std::move(v); }, fail);
  CHECK(got.found);
  CHECK(got.value == "v");
  std::int64_t count = 0;
  self->request(cache, 5s, incr_atom::value, std::string{"n"}, std::int64_t{60})
    .receive([&](std::int64_t c) { count = c; }, fail);
  CHECK(count == 1);
  CHECK(direct_calls("served") == served + 3);
  // A claim goes to the engine's thread, and shares Redis with the lane.
  bool claimed = true;
  self->request(cache, 5s, claim_atom::value, std::string{"k"}, std::string{"w"},
                std::int64_t{60})
    .receive([&](bool c) { claimed = c; }, fail);
  CHECK_FALSE(claimed);
  CHECK(redis_command(server.port(), {"GET", "n"}) == "1");

  // Redis gone: what the lane cannot answer, the engine serves from memory,
  // where the lane's put was written too.
  server.shutdown();
  served = direct_calls("served");
  got = {};
  self->request(cache, 5s, get_atom::value, std::string{"k"})
    .receive([&](cache_value& v) { got = std::move(v); }, fail);
  CHECK(got.found);
  CHECK(got.value == "v");
  CHECK(direct_calls("served") == served);

  self->send_exit(cache, caf::exit_reason::user_shutdown);
}
