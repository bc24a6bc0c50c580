// The per-user command rate limit inside the command engine: each command
// of a turn is counted in every window before its guards run; the counts
// live in the caching engine (Redis when configured, so the limit holds
// across the cluster) and in the engine's memory when there is none.

#include <chrono>
#include <memory>
#include <vector>

#include "caf/all.hpp"

#include "actors/caching/cache.hpp"
#include "actors/command/engine_detail.hpp"
#include "actors/logging/log.hpp"
#include "actors/support/engines.hpp"
#include "messages/cache.hpp"

namespace lastgram::command::detail {

namespace {

std::int64_t now_seconds(const environment& env) {
  if (env.wall_clock_seconds)
    return env.wall_clock_seconds();
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// The counts gathered so far from the caching engine.
struct tally {
  std::vector<rate_window> windows;
  std::vector<std::int64_t> counts;
  std::vector<std::string> keys;
  std::size_t pending = 0;
  std::int64_t now = 0;
  std::function<void(rate_verdict)> next;
};

void arrived(tally& t) {
  if (--t.pending == 0)
    t.next(judge(t.counts, t.windows));
}

} // namespace

void count_command(engine_actor self, const incoming_message& msg,
                   std::function<void(rate_verdict)> next) {
  auto& st = self->state;
  auto& env = *st.env;
  auto windows = rate_windows(env.settings);
  if (windows.empty())
    return next(rate_verdict::allowed);
  auto user = std::string{to_string(msg.platform)} + ":" + msg.author.id;
  auto t = std::make_shared<tally>();
  t->now = now_seconds(env);
  t->windows = std::move(windows);
  t->counts.assign(t->windows.size(), 0);
  for (const auto& w : t->windows)
    t->keys.push_back(rate_key(user, w, t->now));
  t->pending = t->windows.size();
  t->next = std::move(next);
  // Without Redis the node's own memory counts, as the caching engine
  // would (a function call, no round trip); with no caching engine either,
  // this engine's memory.
  auto cache = env.local_cache || !env.engines ? cache_actor{} : env.engines->caching.get();
  if (!cache) {
    auto count_here = [&](std::size_t i) {
      if (env.local_cache)
        if (auto n = env.local_cache->increment(t->keys[i], t->windows[i].seconds))
          return n.value();
      return st.rate_memory.increment(t->keys[i], t->windows[i].seconds, t->now);
    };
    for (std::size_t i = 0; i < t->windows.size(); ++i)
      t->counts[i] = count_here(i);
    return t->next(judge(t->counts, t->windows));
  }
  for (std::size_t i = 0; i < t->windows.size(); ++i) {
    // The window's TTL, so that a counter outlives its period a little at
    // most (the key names the period; a late TTL only wastes memory).
    self->request(cache, env.engine_timeout, incr_atom::value, t->keys[i], t->windows[i].seconds)
      .then(
        [t, i](std::int64_t count) {
          t->counts[i] = count;
          arrived(*t);
        },
        [self, t, i](caf::error& err) {
          // The caching engine failed: count here rather than let a flood in.
          log::debug("command", "rate limit counted in memory",
                     {{"error", self->system().render(err)}});
          t->counts[i] = self->state.rate_memory.increment(t->keys[i], t->windows[i].seconds,
                                                           t->now);
          arrived(*t);
        });
  }
}

} // namespace lastgram::command::detail
