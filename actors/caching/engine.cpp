#include "actors/caching/engine.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <functional>

#include "caf/all.hpp"

#include "actors/caching/memory_cache.hpp"
#include "actors/caching/redis_lane.hpp"
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
using send_batch_atom = caf::atom_constant<caf::atom("sendbatch")>;

struct cache_state {
  std::unique_ptr<tiered_cache> cache;
  bool tick_pending = false;
  // With Redis: the calls taken since the last pipeline went out, and who
  // waits for each; `batch_pending` while a send_batch message is queued.
  std::vector<cache_call> batch;
  std::vector<std::function<void(cache_outcome&)>> waiting;
  bool batch_pending = false;
  metrics::counter pipelines;
  metrics::counter pipelined_calls;
  static inline const char* name = "cache_engine";
};

/// The engine's door plus its private probe, tick and batch messages.
using cache_impl = cache_actor::extend<caf::reacts_to<probe_atom>, caf::reacts_to<tick_atom>,
                                       caf::reacts_to<send_batch_atom>>;
using cache_self = cache_impl::stateful_base<cache_state>;

// Runs on the engine's own thread, inside a cache call; the tiered cache
// calls it once when an outage starts and once when it ends.
status_hook redis_status_hook(std::shared_ptr<redis_lane> lane) {
  auto up = metrics::get_gauge("lastgram_redis_up",
                               "Whether Redis serves the cache (1) or the node "
                               "falls back to memory (0).");
  auto outages = metrics::get_counter("lastgram_redis_outages_total",
                                      "Redis outages seen by the cache.");
  // The tiered cache starts out assuming Redis serves (its first failed call
  // says otherwise), and so does a lane a restarted engine inherits.
  up.set(1);
  if (lane)
    lane->serving(true);
  return [up, outages, lane](bool is_up, std::string reason) {
    up.set(is_up ? 1 : 0);
    // The lane serves while the tiered cache does: not during an outage,
    // nor until it has deleted what this node wrote meanwhile.
    if (lane)
      lane->serving(is_up);
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

// With Redis, calls are not sent one by one: each is queued and a
// send_batch message goes to the back of the engine's own mailbox, so every
// call already waiting there joins the same pipeline (one write, one wait for
// all the replies). An idle engine sends a pipeline of one.
bool batching(cache_self* self) {
  return self->state.cache->stats().redis_configured;
}

void enqueue(cache_self* self, cache_call call, std::function<void(cache_outcome&)> reply) {
  auto& st = self->state;
  st.batch.push_back(std::move(call));
  st.waiting.push_back(std::move(reply));
  if (!st.batch_pending) {
    st.batch_pending = true;
    self->send(self, send_batch_atom::value);
  }
}

void send_batch(cache_self* self) {
  auto& st = self->state;
  st.batch_pending = false;
  if (st.batch.empty())
    return;
  auto calls = std::move(st.batch);
  auto waiting = std::move(st.waiting);
  st.batch.clear();
  st.waiting.clear();
  st.pipelines.inc();
  st.pipelined_calls.inc(static_cast<double>(calls.size()));
  auto outcomes = st.cache->run(calls);
  arm_probe(self);
  for (std::size_t i = 0; i < calls.size(); ++i)
    waiting[i](outcomes[i]);
}

// The replies to the calls, from their outcomes.
caf::expected<cache_value> value_of(cache_outcome& o) {
  cache_value out;
  if (o.error) {
    // Only a refused key gets here (outages fall back to memory): a miss.
    log::debug(engine, "cache read failed", {log::kv("error", to_string(*o.error))});
  } else if (o.value) {
    out.found = true;
    out.value = std::move(*o.value);
  }
  return out;
}

// false: not stored (put), or not removed / not claimed.
caf::expected<bool> flag_of(cache_outcome& o, std::string_view op, bool stored) {
  if (o.error) {
    write_failed(op, *o.error);
    return false;
  }
  return stored || o.flag;
}

// Runs `call` now (memory only) or queues it for the next pipeline (Redis),
// and replies with `convert` of its outcome.
template <class T, class Convert>
caf::result<T> serve(cache_self* self, cache_call call, Convert convert) {
  if (batching(self)) {
    auto rp = self->make_response_promise<T>();
    enqueue(self, std::move(call), [rp, convert](cache_outcome& o) mutable {
      auto reply = convert(o);
      if (reply)
        rp.deliver(std::move(*reply));
      else
        rp.deliver(std::move(reply.error()));
    });
    return rp;
  }
  auto outcome = run_one(*self->state.cache, call);
  arm_probe(self);
  return convert(outcome);
}

cache_impl::behavior_type engine_impl(cache_self* self, cache_settings settings,
                                      std::shared_ptr<health_board> health,
                                      std::shared_ptr<memory_cache> memory,
                                      std::shared_ptr<redis_lane> lane) {
  keep_exception_text(self);
  status_hook hook;
  if (!settings.redis_url.empty())
    hook = redis_status_hook(std::move(lane));
  auto made = tiered_cache::from_settings(settings, std::move(hook), std::move(memory));
  if (!made) {
    log::error(engine, "cannot start the cache",
               {log::kv("error", to_string(made.error()))});
    self->quit(caf::make_error(caf::sec::invalid_argument,
                               "cache settings: " + made.error().message));
    return cache_impl::behavior_type::make_empty_behavior();
  }
  self->state.cache = std::move(made).value();
  if (batching(self)) {
    self->state.pipelines = metrics::get_counter(
      "lastgram_redis_pipelines_total",
      "Batches of cache calls sent to Redis as one pipeline.");
    self->state.pipelined_calls = metrics::get_counter(
      "lastgram_redis_pipelined_calls_total", "Cache calls sent to Redis in those pipelines.");
  }
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
    [self](send_batch_atom) { send_batch(self); },
    [self](get_atom, std::string& key) {
      return serve<cache_value>(self, {cache_call::op::get, std::move(key), {}, 0}, value_of);
    },
    [self](put_atom, std::string& key, std::string& value, std::int64_t ttl) {
      return serve<bool>(self, {cache_call::op::set, std::move(key), std::move(value), ttl},
                         [](cache_outcome& o) { return flag_of(o, "put", true); });
    },
    [self](erase_atom, std::string& key) {
      return serve<bool>(self, {cache_call::op::erase, std::move(key), {}, 0},
                         [](cache_outcome& o) { return flag_of(o, "erase", false); });
    },
    [self](claim_atom, std::string& key, std::string& value, std::int64_t ttl) {
      return serve<bool>(self,
                         {cache_call::op::set_if_absent, std::move(key), std::move(value), ttl},
                         [](cache_outcome& o) { return flag_of(o, "claim", false); });
    },
    [self](bucket_atom, const std::string& key, double rate,
           std::int64_t burst) -> caf::result<std::int64_t> {
      // Not pipelined (one per Last.fm call, not one per command); the calls
      // queued before it go out first, in order.
      send_batch(self);
      auto res = self->state.cache->token_bucket_take(key, rate, burst,
                                                      wall_clock_ms());
      arm_probe(self);
      if (!res)
        return caf::make_error(caf::sec::invalid_argument,
                               "token bucket: " + to_string(res.error()));
      return res.value().allowed ? std::int64_t{0} : res.value().wait_ms;
    },
    [self](incr_atom, std::string& key, std::int64_t ttl) {
      return serve<std::int64_t>(self, {cache_call::op::increment, std::move(key), {}, ttl},
                                 [](cache_outcome& o) -> caf::expected<std::int64_t> {
                                   if (o.error)
                                     return caf::make_error(caf::sec::invalid_argument,
                                                            "counter: " + to_string(*o.error));
                                   return o.count;
                                 });
    },
  };
}

/// The door with Redis and a lane (see spawn_engine).
struct front_state {
  cache_actor back;
  std::shared_ptr<redis_lane> lane;
  std::shared_ptr<memory_cache> memory;
  /// lastgram_cache_direct_calls_total{outcome}: calls the lane answered
  /// (served) or handed to the engine's thread (engine).
  metrics::counter served;
  metrics::counter handed;
  static inline const char* name = "cache_engine";
};

using front_ptr = cache_actor::stateful_pointer<front_state>;

/// Sends `call` through the lane and answers with `convert` of its outcome;
/// what the lane hands back goes to the engine proper as `xs...`, which
/// answers the original requester.
template <class T, class Convert, class... Ts>
caf::result<T> through_lane(front_ptr self, cache_call call, Convert convert, Ts... xs) {
  auto& st = self->state;
  auto rp = self->template make_response_promise<T>();
  std::vector<cache_call> calls;
  calls.push_back(std::move(call));
  st.lane->run(std::move(calls), [rp, back = st.back, served = st.served, handed = st.handed,
                                  convert, xs...](auto outcomes) mutable {
    if (!outcomes) {
      handed.inc();
      rp.delegate(back, std::move(xs)...);
      return;
    }
    served.inc();
    auto reply = convert(outcomes->front());
    if (reply)
      rp.deliver(std::move(*reply));
    else
      rp.deliver(std::move(reply.error()));
  });
  return rp;
}

void spawn_back(caf::local_actor* self, front_state& st, cache_settings settings,
                std::shared_ptr<health_board> health) {
  st.back = self->spawn<caf::detached + caf::linked>(
    [](cache_self* back, cache_settings s, std::shared_ptr<health_board> h,
       std::shared_ptr<memory_cache> m, std::shared_ptr<redis_lane> l) {
      name_thread("lg.cache");
      return engine_impl(back, std::move(s), std::move(h), std::move(m), std::move(l));
    },
    std::move(settings), std::move(health), st.memory, st.lane);
}

cache_actor::behavior_type front_impl(front_ptr self, cache_settings settings,
                                      std::shared_ptr<health_board> health,
                                      std::shared_ptr<memory_cache> memory,
                                      std::shared_ptr<redis_lane> lane) {
  keep_exception_text(self);
  auto& st = self->state;
  if (!memory)
    memory = std::make_shared<memory_cache>(
      static_cast<std::size_t>(std::max<std::int64_t>(settings.max_bytes, 1)));
  st.memory = std::move(memory);
  st.lane = std::move(lane);
  constexpr const char* name = "lastgram_cache_direct_calls_total";
  constexpr const char* help = "Cache gets, puts and counters sent through Redis's pipelined "
                               "lane (served) or handed to the caching engine's thread (engine).";
  st.served = metrics::get_counter(name, help, {{"outcome", "served"}});
  st.handed = metrics::get_counter(name, help, {{"outcome", "engine"}});
  spawn_back(self, st, std::move(settings), std::move(health));
  return {
    [self](get_atom a, std::string& key) -> caf::result<cache_value> {
      auto& s = self->state;
      if (!s.lane->up())
        return self->delegate(s.back, a, std::move(key));
      return through_lane<cache_value>(self, {cache_call::op::get, key, {}, 0}, value_of, a,
                                       key);
    },
    [self](put_atom a, std::string& key, std::string& value,
           std::int64_t ttl) -> caf::result<bool> {
      auto& s = self->state;
      if (!s.lane->up())
        return self->delegate(s.back, a, std::move(key), std::move(value), ttl);
      // As the tiered cache: memory is written first and always (it is what
      // an outage falls back to).
      static_cast<void>(s.memory->set(key, value, ttl));
      return through_lane<bool>(
        self, {cache_call::op::set, key, value, ttl},
        [](cache_outcome& o) { return flag_of(o, "put", true); }, a, key, value, ttl);
    },
    [self](incr_atom a, std::string& key, std::int64_t ttl) -> caf::result<std::int64_t> {
      auto& s = self->state;
      if (!s.lane->up())
        return self->delegate(s.back, a, std::move(key), ttl);
      return through_lane<std::int64_t>(
        self, {cache_call::op::increment, key, {}, ttl},
        [](cache_outcome& o) -> caf::expected<std::int64_t> {
          if (o.error)
            return caf::make_error(caf::sec::invalid_argument, "counter: " + to_string(*o.error));
          return o.count;
        },
        a, key, ttl);
    },
    [self](erase_atom a, std::string& key) {
      return self->delegate(self->state.back, a, std::move(key));
    },
    [self](claim_atom a, std::string& key, std::string& value, std::int64_t ttl) {
      return self->delegate(self->state.back, a, std::move(key), std::move(value), ttl);
    },
    [self](bucket_atom a, std::string& key, double rate, std::int64_t burst) {
      return self->delegate(self->state.back, a, std::move(key), rate, burst);
    },
  };
}

} // namespace

cache_actor spawn_engine(caf::local_actor* parent, cache_settings settings,
                         std::shared_ptr<health_board> health,
                         std::shared_ptr<memory_cache> memory, std::shared_ptr<redis_lane> lane) {
  if (!settings.redis_url.empty() && lane)
    return parent->spawn(front_impl, std::move(settings), std::move(health), std::move(memory),
                         std::move(lane));
  // Redis calls block (up to redis_timeout_ms each): give them a thread.
  if (!settings.redis_url.empty())
    return parent->spawn<caf::detached>(
      [](cache_self* self, cache_settings s, std::shared_ptr<health_board> h,
         std::shared_ptr<memory_cache> m) {
        name_thread("lg.cache");
        return engine_impl(self, std::move(s), std::move(h), std::move(m), nullptr);
      },
      std::move(settings), std::move(health), std::move(memory));
  return parent->spawn(engine_impl, std::move(settings), std::move(health), std::move(memory),
                       nullptr);
}

} // namespace lastgram::caching
