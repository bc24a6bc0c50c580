// The caching engine in a real actor system: memory only, in front of the
// fixture's redis-server (LASTGRAM_TEST_REDIS_PORT, or
// LASTGRAM_TEST_REDIS_PORT_OVERRIDE when running by hand), and in front of a
// redis-server of its own that the test shuts down and restarts.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <caf/all.hpp>

#include "actors/test_config.hpp"
#include "actors/caching/engine.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/health.hpp"
#include "messages/cache.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"

using namespace lastgram;
using namespace lastgram::test;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

// Keys of this process, so parallel runs against one Redis never collide.
std::string unique_prefix() {
  static std::atomic<int> counter{0};
  return "lastgram-test:cache-engine:" + std::to_string(::getpid()) + ":"
         + std::to_string(counter++) + ":";
}

/// Log lines routed to a fresh file for one test, back to stderr afterwards.
class captured_log {
public:
  captured_log() {
    dir_ = std::filesystem::temp_directory_path()
           / ("lgcache_" + std::to_string(::getpid()) + "_"
              + std::to_string(steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir_);
    log_settings s;
    s.file = (dir_ / "lastgram.log").string();
    REQUIRE(log::init(s));
  }

  ~captured_log() {
    log::init(log_settings{});
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  captured_log(const captured_log&) = delete;
  captured_log& operator=(const captured_log&) = delete;

  /// Lines whose event is `event`.
  int count(const std::string& event) const {
    log::flush();
    std::ifstream in{dir_ / "lastgram.log"};
    std::string line;
    int n = 0;
    while (std::getline(in, line))
      n += line.find("event=\"" + event + "\"") != std::string::npos;
    return n;
  }

private:
  std::filesystem::path dir_;
};

using test::test_config;

/// A real actor system; engines spawned by `start` are told to exit before
/// the system shuts down.
struct engine_fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<health_board> health = std::make_shared<health_board>();
  caf::scoped_actor self{sys};
  std::vector<caf::actor> handles;

  engine_fixture() = default;
  engine_fixture(const engine_fixture&) = delete;
  engine_fixture& operator=(const engine_fixture&) = delete;

  ~engine_fixture() {
    for (auto& h : handles)
      self->send_exit(h, caf::exit_reason::user_shutdown);
  }

  cache_actor start(std::string redis_url = {}) {
    cache_settings settings;
    settings.redis_url = std::move(redis_url);
    auto hdl = caching::spawn_engine(self.ptr(), settings, health);
    handles.push_back(caf::actor_cast<caf::actor>(hdl));
    return hdl;
  }

  template <class T, class... Ts>
  T must(const cache_actor& cache, Ts&&... xs) {
    std::optional<T> out;
    std::string failure = "no answer";
    self->request(cache, 5s, std::forward<Ts>(xs)...)
      .receive([&](T& x) { out = std::move(x); },
               [&](caf::error& err) { failure = sys.render(err); });
    INFO("request failed: " << failure);
    REQUIRE(out);
    return std::move(*out);
  }

  cache_value get(const cache_actor& c, const std::string& key) {
    return must<cache_value>(c, get_atom::value, key);
  }

  bool put(const cache_actor& c, const std::string& key, const std::string& value,
           std::int64_t ttl = 60) {
    return must<bool>(c, put_atom::value, key, value, ttl);
  }

  bool claim(const cache_actor& c, const std::string& key, std::int64_t ttl = 60) {
    return must<bool>(c, claim_atom::value, key, std::string{"1"}, ttl);
  }

  bool erase(const cache_actor& c, const std::string& key) {
    return must<bool>(c, erase_atom::value, key);
  }

  std::int64_t bucket(const cache_actor& c, const std::string& key) {
    return must<std::int64_t>(c, bucket_atom::value, key, 1.0, std::int64_t{2});
  }

  bool ready() const {
    for (auto& e : health->snapshot())
      if (e.engine == "caching")
        return e.ready;
    return false;
  }
};

double redis_up_metric() {
  return metrics::get_gauge("lastgram_redis_up", "").value();
}

double outages_metric() {
  return metrics::get_counter("lastgram_redis_outages_total", "").value();
}

} // namespace

TEST_CASE("the cache engine gets, puts, erases, claims and rate-limits",
          "[cache_engine]") {
  auto use_redis = GENERATE(false, true);
  INFO((use_redis ? "memory + redis" : "memory only"));
  engine_fixture f;
  auto cache = f.start(use_redis ? redis_url(shared_redis_port()) : std::string{});
  auto k = unique_prefix();
  CHECK_FALSE(f.get(cache, k + "a").found); // a miss is an answer
  CHECK(f.put(cache, k + "a", std::string{"v\0w", 3}));
  auto hit = f.get(cache, k + "a");
  CHECK(hit.found);
  CHECK(hit.value == std::string{"v\0w", 3});
  CHECK(f.put(cache, k + "a", "v2"));
  CHECK(f.get(cache, k + "a").value == "v2");
  CHECK_FALSE(f.put(cache, k + "b", "x", 0)); // no TTL: stored nowhere
  CHECK_FALSE(f.get(cache, k + "b").found);
  CHECK(f.erase(cache, k + "a"));
  CHECK_FALSE(f.erase(cache, k + "a"));
  CHECK_FALSE(f.get(cache, k + "a").found);
  CHECK(f.claim(cache, k + "lease"));
  CHECK_FALSE(f.claim(cache, k + "lease"));
  // burst 2 at 1 token/s: two now, then a wait of at most a second
  CHECK(f.bucket(cache, k + "bucket") == 0);
  CHECK(f.bucket(cache, k + "bucket") == 0);
  auto wait = f.bucket(cache, k + "bucket");
  CHECK(wait > 0);
  CHECK(wait <= 1000);
  caf::error bad;
  f.self->request(cache, 5s, bucket_atom::value, k + "bad", 0.0, std::int64_t{1})
    .receive([](std::int64_t) {}, [&](caf::error& err) { bad = err; });
  CHECK(bad == caf::sec::invalid_argument);
  CHECK(f.ready());
  if (use_redis) {
    // The value really went to Redis...
    CHECK(f.put(cache, k + "shared", "from a"));
    CHECK(redis_command(shared_redis_port(), {"GET", k + "shared"}) == "from a");
    // ...so another node (its own memory tier) reads it and shares the bucket.
    auto other = f.start(redis_url(shared_redis_port()));
    CHECK(f.get(other, k + "shared").value == "from a");
    CHECK(f.bucket(other, k + "bucket") > 0);
    CHECK_FALSE(f.claim(other, k + "lease"));
  }
}

TEST_CASE("calls queued while the engine waits on redis go out as one pipeline, each "
          "answered",
          "[cache_engine]") {
  // A server of its own: pausing the shared one would stall other tests.
  redis_server server;
  auto port = server.port();
  engine_fixture f;
  cache_settings settings;
  settings.redis_url = redis_url(port);
  settings.redis_timeout_ms = 5000;
  auto cache = caching::spawn_engine(f.self.ptr(), settings, f.health);
  f.handles.push_back(caf::actor_cast<caf::actor>(cache));
  auto k = unique_prefix();
  REQUIRE(f.put(cache, k + "seed", "s"));
  auto pipelines = metrics::get_counter("lastgram_redis_pipelines_total", "");
  auto calls = metrics::get_counter("lastgram_redis_pipelined_calls_total", "");
  auto pipelines_before = pipelines.value();
  auto calls_before = calls.value();
  // Redis holds the engine's next call for 300 ms; the 200 calls sent
  // meanwhile wait in its mailbox and leave together.
  REQUIRE(redis_command(port, {"CLIENT", "PAUSE", "300", "ALL"}) == "OK");
  constexpr int n = 200;
  auto first = f.self->request(cache, 5s, get_atom::value, k + "seed");
  std::vector<decltype(first)> gets;
  std::vector<decltype(f.self->request(cache, 5s, incr_atom::value, k, std::int64_t{60}))> incrs;
  for (int i = 0; i < n / 2; ++i) {
    gets.push_back(f.self->request(cache, 5s, get_atom::value, k + "seed"));
    incrs.push_back(f.self->request(cache, 5s, incr_atom::value, k + "n", std::int64_t{60}));
  }
  std::vector<std::int64_t> counts;
  int hits = 0;
  int failures = 0;
  auto on_get = [&](cache_value& v) { hits += v.found && v.value == "s"; };
  auto on_error = [&](caf::error&) { ++failures; };
  first.receive(on_get, on_error);
  for (auto& g : gets)
    g.receive(on_get, on_error);
  for (auto& r : incrs)
    r.receive([&](std::int64_t c) { counts.push_back(c); }, on_error);
  CHECK(failures == 0);
  CHECK(hits == n / 2 + 1);
  std::sort(counts.begin(), counts.end());
  std::vector<std::int64_t> expected(n / 2);
  for (int i = 0; i < n / 2; ++i)
    expected[static_cast<std::size_t>(i)] = i + 1;
  CHECK(counts == expected);
  CHECK(calls.value() - calls_before == n + 1);
  // The first call alone, then the rest in a few pipelines at most.
  CHECK(pipelines.value() - pipelines_before <= 4);
}

TEST_CASE("a redis outage is answered from memory, logged once, and recovered "
          "without traffic",
          "[cache_engine]") {
  auto port = free_port();
  redis_server redis{port};
  captured_log logs;
  engine_fixture f;
  auto outages_before = outages_metric();
  auto cache = f.start(redis_url(port));
  auto k = unique_prefix();
  CHECK(f.put(cache, k + "kept", "v1"));
  CHECK(redis_command(port, {"GET", k + "kept"}) == "v1");
  CHECK(f.bucket(cache, k + "bucket") == 0);

  redis.shutdown();
  // Every call is still answered, from the memory tier, without an error
  // (and without waiting on Redis: one outage, logged once, below).
  CHECK(f.get(cache, k + "kept").value == "v1");
  CHECK(f.put(cache, k + "during", "v2"));
  CHECK(f.get(cache, k + "during").value == "v2");
  CHECK(f.claim(cache, k + "lease"));
  CHECK_FALSE(f.claim(cache, k + "lease"));
  CHECK(f.erase(cache, k + "during"));
  CHECK(f.bucket(cache, k + "bucket2") == 0);
  for (int i = 0; i < 20; ++i)
    CHECK_FALSE(f.get(cache, k + "missing" + std::to_string(i)).found);
  CHECK(outages_metric() - outages_before == 1);
  CHECK(redis_up_metric() == 0);
  CHECK(logs.count("redis unavailable") == 1);
  CHECK(f.ready());

  redis.start();
  // No request: the engine's own probe notices Redis is back.
  CHECK(eventually([] { return redis_up_metric() == 1; }, 5s));
  CHECK(logs.count("redis back") == 1);
  CHECK(f.put(cache, k + "after", "v3"));
  CHECK(redis_command(port, {"GET", k + "after"}) == "v3");
  CHECK(outages_metric() - outages_before == 1);
  CHECK(logs.count("redis unavailable") == 1);
}

TEST_CASE("a redis that is down at boot is reported before any traffic",
          "[cache_engine]") {
  engine_fixture f;
  auto outages_before = outages_metric();
  auto cache = f.start(redis_url(free_port()));
  CHECK(eventually([&] { return outages_metric() - outages_before == 1; }, 5s));
  CHECK(redis_up_metric() == 0);
  CHECK(f.put(cache, "boot-key", "v"));
  CHECK(f.get(cache, "boot-key").value == "v");
  CHECK(f.ready());
  CHECK(outages_metric() - outages_before == 1);
}

TEST_CASE("a malformed redis URL stops the cache engine with a reason",
          "[cache_engine]") {
  engine_fixture f;
  cache_settings settings;
  settings.redis_url = "http://not-redis";
  auto handle = caching::spawn_engine(f.self.ptr(), settings, f.health);
  f.self->monitor(handle);
  caf::error reason;
  f.self->receive([&](caf::down_msg& msg) { reason = msg.reason; },
                  caf::after(5s) >> [] { FAIL("the engine did not stop"); });
  CHECK(reason == caf::sec::invalid_argument);
}
