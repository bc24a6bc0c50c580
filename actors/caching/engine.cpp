#include "actors/caching/engine.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "caf/all.hpp"

#include "actors/caching/tiered_cache.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/exceptions.hpp"
#include "actors/support/health.hpp"
#include "actors/support/thread_name.hpp"
#include "messages/cache.hpp"

namespace lastgram::caching {

namespace {

constexpr std::string_view engine = "caching";

// Read once at start so an outage never costs a Redis round trip to learn.
constexpr std::string_view probe_key = "lastgram:cache:probe";

using probe_atom = caf::atom_constant<caf::atom("probe")>;

struct cache_state {
  std::unique_ptr<tiered_cache> cache;
  bool tick_pending = false;
  static inline const char* name = "cache_engine";
};

/// The engine's door plus its private probe and tick messages.
using cache_impl = cache_actor::extend<caf::reacts_to<probe_atom>, caf::reacts_to<tick_atom>>;
using cache_self = cache_impl::stateful_base<cache_state>;

// Runs on the engine's own thread, inside a cache call; the tiered cache
// calls it once when an outage starts and once when it ends.
status_hook redis_status_hook() {
  auto up = metrics::get_gauge("lastgram_redis_up",
                               "Whether Redis serves the cache (1) or the node "
                               "falls back to memory (0).");
  auto outages = metrics::get_counter("lastgram_redis_outages_total",
                                      "Redis outages seen by the cache.");
  up.set(1);
  return [up, outages](bool is_up, std::string reason) {
    up.set(is_up ? 1 : 0);
    if (is_up) {
      log::info(engine, "redis back", {{"detail", std::move(reason)}});
      return;
    }
    outages.inc();
    log::warn(engine, "redis unavailable", {{"error", std::move(reason)}});
  };
}

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

// While Redis is down, probe it every redis_probe_interval so it comes back
// without traffic; while it is up, no timer runs (an idle engine costs
// nothing and can be dropped).
void arm_probe(cache_self* self) {
  auto& st = self->state;
  if (st.tick_pending || !st.cache->stats().redis_configured
      || st.cache->redis_up())
    return;
  st.tick_pending = true;
  self->delayed_send(self, redis_probe_interval, tick_atom::value);
}

void write_failed(std::string_view op, const cache_error& err) {
  log::warn(engine, "cache write not stored",
            {log::kv("op", op), log::kv("error", to_string(err))});
}

cache_impl::behavior_type engine_impl(cache_self* self, cache_settings settings,
                                      std::shared_ptr<health_board> health,
                                      std::shared_ptr<memory_cache> memory) {
  keep_exception_text(self);
  status_hook hook;
  if (!settings.redis_url.empty())
    hook = redis_status_hook();
  auto made = tiered_cache::from_settings(settings, std::move(hook), std::move(memory));
  if (!made) {
    log::error(engine, "cannot start the cache",
               {log::kv("error", to_string(made.error()))});
    self->quit(caf::make_error(caf::sec::invalid_argument,
                               "cache settings: " + made.error().message));
    return cache_impl::behavior_type::make_empty_behavior();
  }
  self->state.cache = std::move(made).value();
  if (health)
    health->set_ready(engine, true);
  if (self->state.cache->stats().redis_configured)
    self->send(self, probe_atom::value);
  return {
    [self](probe_atom) {
      // The tiered cache assumes Redis is up until a call fails; one read at
      // boot reports a Redis that is down before any traffic does.
      auto ignored = self->state.cache->get(probe_key);
      static_cast<void>(ignored);
      arm_probe(self);
    },
    [self](tick_atom) {
      self->state.tick_pending = false;
      self->state.cache->poll();
      arm_probe(self);
    },
    [self](get_atom, const std::string& key) {
      auto res = self->state.cache->get(key);
      arm_probe(self);
      cache_value out;
      if (!res) {
        // Only a refused key gets here (outages fall back to memory): a miss.
        log::debug(engine, "cache read failed",
                   {log::kv("error", to_string(res.error()))});
      } else if (res.value()) {
        out.found = true;
        out.value = std::move(*res.value());
      }
      return out;
    },
    [self](put_atom, const std::string& key, const std::string& value,
           std::int64_t ttl) {
      auto res = self->state.cache->set(key, value, ttl);
      arm_probe(self);
      if (!res)
        write_failed("put", res.error());
      return res.has_value();
    },
    [self](erase_atom, const std::string& key) {
      auto res = self->state.cache->erase(key);
      arm_probe(self);
      if (!res)
        write_failed("erase", res.error());
      return res && res.value();
    },
    [self](claim_atom, const std::string& key, const std::string& value,
           std::int64_t ttl) {
      auto res = self->state.cache->set_if_absent(key, value, ttl);
      arm_probe(self);
      if (!res)
        write_failed("claim", res.error());
      return res && res.value();
    },
    [self](bucket_atom, const std::string& key, double rate,
           std::int64_t burst) -> caf::result<std::int64_t> {
      auto res = self->state.cache->token_bucket_take(key, rate, burst,
                                                      wall_clock_ms());
      arm_probe(self);
      if (!res)
        return caf::make_error(caf::sec::invalid_argument,
                               "token bucket: " + to_string(res.error()));
      return res.value().allowed ? std::int64_t{0} : res.value().wait_ms;
    },
    [self](incr_atom, const std::string& key, std::int64_t ttl) -> caf::result<std::int64_t> {
      auto res = self->state.cache->increment(key, ttl);
      arm_probe(self);
      if (!res)
        return caf::make_error(caf::sec::invalid_argument,
                               "counter: " + to_string(res.error()));
      return res.value();
    },
  };
}

} // namespace

cache_actor spawn_engine(caf::local_actor* parent, cache_settings settings,
                        std::shared_ptr<health_board> health,
                        std::shared_ptr<memory_cache> memory) {
  // Redis calls block (up to redis_timeout_ms each): give them a thread.
  if (!settings.redis_url.empty())
    return parent->spawn<caf::detached>(
      [](cache_self* self, cache_settings s, std::shared_ptr<health_board> h,
         std::shared_ptr<memory_cache> m) {
        name_thread("lg.cache");
        return engine_impl(self, std::move(s), std::move(h), std::move(m));
      },
      std::move(settings), std::move(health), std::move(memory));
  return parent->spawn(engine_impl, std::move(settings), std::move(health), std::move(memory));
}

} // namespace lastgram::caching
