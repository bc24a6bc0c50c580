// In-process benchmark of the command hot path: /ln from many registered
// users through the real command, database (SQLite), caching (memory) and fm
// engines against the loopback fake Last.fm. Closed loop: `concurrency`
// commands in flight at all times for `seconds`; prints one JSON line with
// replies/s, latency percentiles, upstream Last.fm calls per command and RSS.
//
//   build/bench/command_throughput [seconds=10] [concurrency=64] [users=500]
//
// Figures, never assertions: run it on an idle machine and compare runs made
// the same day.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include "caf/all.hpp"

#include "bench/process_stats.hpp"

#include "actors/caching/engine.hpp"
#include "actors/command/commands/builtin.hpp"
#include "actors/command/engine.hpp"
#include "actors/support/engines.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/registry.hpp"
#include "actors/database/engine.hpp"
#include "actors/fm/engine.hpp"
#include "actors/logging/log.hpp"
#include "actors/support/health.hpp"
#include "i18n/catalog.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "platforms/net/http_client.hpp"
#include "runtime/migrate.hpp"
#include "support/fake_lastfm.hpp"

using namespace lastgram;
using clock_type = std::chrono::steady_clock;
using bench::rss_mb;

namespace {

incoming_message ln_from(int user, std::uint64_t n) {
  incoming_message msg;
  msg.platform = platform_kind::telegram;
  msg.message_id = std::to_string(n);
  msg.chat.id = std::to_string(100000001 + user);
  msg.author.id = msg.chat.id;
  msg.author.display_name = "user" + std::to_string(user);
  msg.author.language = "en";
  msg.text = "/ln";
  return msg;
}

} // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 10;
  int concurrency = argc > 2 ? std::atoi(argv[2]) : 64;
  int users = argc > 3 ? std::atoi(argv[3]) : 500;
  log_settings quiet;
  quiet.level = log_level::error;
  log::init(quiet);

  test::fake_lastfm fake;
  auto dir = std::filesystem::temp_directory_path() / ("lastgram-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  database_settings db;
  db.path = (dir / "bench.sqlite3").string();
  db.pool_size = 2;
  if (runtime::migrate_database(db).what != runtime::migrate_outcome::applied)
    return 1;
  lastfm_settings fm;
  fm.api_url = fake.url();
  fm.api_key = "0123456789abcdef0123456789abcdef";
  fm.api_secret = "fedcba9876543210fedcba9876543210";
  fm.rate_per_second = std::getenv("BENCH_FM_RATE") ? std::atoi(std::getenv("BENCH_FM_RATE")) : 1000; // the fake is local: measure us, not the limiter
  fm.queue_limit = 100000;
  auto http = std::make_shared<net::http_client>(net::http_client::options{});

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.set("scheduler.max-throughput", size_t{100});
  cfg.add_message_types<caf::id_block::lastgram>();
  add_error_categories(cfg);
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto health = std::make_shared<health_board>();
  auto cache = caching::spawn_engine(self.ptr(), cache_settings{}, health);
  database_actor database = database::spawn_engine(self.ptr(), db, health);
  auto fm_engine = fm::spawn_engine(self.ptr(), fm, http, [cache] { return cache; }, false);

  auto texts = i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales");
  if (!texts)
    return 1;
  auto reg = std::make_shared<command::registry>();
  command::add_all_commands(*reg);
  auto env = std::make_shared<command::environment>();
  env->commands = reg;
  env->texts = std::make_shared<const i18n::catalog>(std::move(*texts.value));
  env->settings.bot_name = "lastgram";
  env->settings.max_in_flight = 100000;
  // Measures the hot path, not the per-user rate limit a user this busy hits.
  env->settings.rate_short = env->settings.rate_long = 0;
  env->health = health;
  auto handles = std::make_shared<engine_handles>();
  handles->database.put(database);
  handles->fm.put(fm_engine);
  handles->caching.put(cache);
  env->engines = handles;
  auto engine = command::spawn_engine(self.ptr(), env);

  // Register every user once (not measured).
  for (int u = 0; u < users; ++u) {
    self->request(database, std::chrono::seconds{10},
                  register_atom::value, platform_kind::telegram,
                  std::to_string(100000001 + u), "fmuser" + std::to_string(u), std::string{"u"})
      .receive([](user_record&) {}, [](caf::error&) {});
  }
  auto calls_before = fake.total_calls();

  std::vector<double> latencies;
  latencies.reserve(200000);
  std::uint64_t sent = 0, answered = 0, failed = 0;
  std::vector<clock_type::time_point> started(static_cast<size_t>(concurrency));
  auto send_one = [&](int slot) {
    started[static_cast<size_t>(slot)] = clock_type::now();
    auto msg = ln_from(static_cast<int>(sent % static_cast<std::uint64_t>(users)), sent);
    msg.message_id = std::to_string(slot);
    self->send(engine, std::move(msg));
    ++sent;
  };
  auto t0 = clock_type::now();
  auto end = t0 + std::chrono::seconds{seconds};
  for (int i = 0; i < concurrency; ++i)
    send_one(i);
  while (answered + failed < sent) {
    self->receive(
      [&](command_result& res) {
        auto slot = res.replies.empty() ? 0 : std::atoi(res.replies[0].reply_to_message_id.c_str());
        auto dt = clock_type::now() - started[static_cast<size_t>(slot)];
        latencies.push_back(std::chrono::duration<double, std::milli>(dt).count());
        if (res.outcome == command_outcome::ok)
          ++answered;
        else
          ++failed;
        if (clock_type::now() < end)
          send_one(slot);
      },
      caf::after(std::chrono::seconds{10}) >> [&] { failed = sent - answered; });
  }
  auto elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    if (latencies.empty())
      return 0.0;
    return latencies[std::min(latencies.size() - 1,
                              static_cast<size_t>(p * static_cast<double>(latencies.size())))];
  };
  auto upstream = fake.total_calls() - calls_before;
  std::printf("{\"command\":\"/ln\",\"seconds\":%.2f,\"concurrency\":%d,\"users\":%d,"
              "\"replies\":%llu,\"failed\":%llu,\"replies_per_s\":%.0f,"
              "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
              "\"lastfm_calls_per_command\":%.3f,\"rss_mb\":%.1f}\n",
              elapsed, concurrency, users, static_cast<unsigned long long>(answered),
              static_cast<unsigned long long>(failed), static_cast<double>(answered) / elapsed,
              pct(0.5), pct(0.9), pct(0.99), latencies.empty() ? 0.0 : latencies.back(),
              answered ? static_cast<double>(upstream) / static_cast<double>(answered) : 0.0,
              rss_mb());
  self->send_exit(engine, caf::exit_reason::user_shutdown);
  self->send_exit(fm_engine, caf::exit_reason::user_shutdown);
  self->send_exit(database, caf::exit_reason::user_shutdown);
  self->send_exit(cache, caf::exit_reason::user_shutdown);
  std::filesystem::remove_all(dir);
  return failed == 0 ? 0 : 1;
}
