#include "actors/caching/tiered_cache.hpp"

#include <utility>

namespace lastgram::caching {

tiered_cache::tiered_cache(std::shared_ptr<memory_cache> memory,
                           std::unique_ptr<redis_client> redis,
                           status_hook hook, tiered_options options)
  : memory_(std::move(memory)),
    redis_(std::move(redis)),
    hook_(std::move(hook)),
    options_(std::move(options)) {
  if (!options_.clock)
    options_.clock = std::chrono::steady_clock::now;
  stats_.redis_configured = redis_ != nullptr;
}

cache_result<std::unique_ptr<tiered_cache>>
tiered_cache::from_settings(const cache_settings& settings, status_hook hook,
                            std::shared_ptr<memory_cache> memory) {
  if (settings.max_bytes <= 0)
    return cache_error{cache_errc::other, "cache max_bytes must be positive"};
  if (!memory)
    memory = std::make_shared<memory_cache>(static_cast<std::size_t>(settings.max_bytes));
  std::unique_ptr<redis_client> redis;
  if (!settings.redis_url.empty()) {
    auto endpoint = parse_redis_url(settings.redis_url);
    if (!endpoint)
      return cache_error{cache_errc::other, "malformed redis URL"};
    redis_options options;
    options.timeout = std::chrono::milliseconds{settings.redis_timeout_ms};
    redis = std::make_unique<redis_client>(std::move(*endpoint), options);
  }
  return std::make_unique<tiered_cache>(std::move(memory), std::move(redis),
                                        std::move(hook));
}

template <class RedisCall, class MemoryCall>
auto tiered_cache::route(RedisCall on_redis, MemoryCall on_memory)
  -> decltype(on_memory()) {
  if (!redis_)
    return on_memory();
  if (use_redis()) {
    auto result = on_redis();
    if (result || !is_outage(result.error().code))
      return result;
    go_down(result.error());
  }
  ++stats_.fallback_calls;
  return on_memory();
}

cache_result<std::optional<std::string>> tiered_cache::get(std::string_view key) {
  return route([&] { return redis_->get(key); },
               [&] { return memory_->get(key); });
}

cache_status tiered_cache::set(std::string_view key, std::string_view value,
                               std::int64_t ttl_seconds) {
  // Memory is written first and always: it is what an outage falls back to.
  auto local = memory_->set(key, value, ttl_seconds);
  return route([&] { return redis_->set(key, value, ttl_seconds); },
               [&] {
                 remember(key);
                 return local;
               });
}

cache_result<bool> tiered_cache::erase(std::string_view key) {
  auto local = memory_->erase(key);
  return route([&] { return redis_->erase(key); },
               [&] {
                 remember(key);
                 return local;
               });
}

cache_result<bool> tiered_cache::set_if_absent(std::string_view key,
                                               std::string_view value,
                                               std::int64_t ttl_seconds) {
  return route([&] { return redis_->set_if_absent(key, value, ttl_seconds); },
               [&] { return memory_->set_if_absent(key, value, ttl_seconds); });
}

cache_result<std::int64_t> tiered_cache::increment(std::string_view key,
                                                   std::int64_t ttl_seconds) {
  return route([&] { return redis_->increment(key, ttl_seconds); },
               [&] { return memory_->increment(key, ttl_seconds); });
}

cache_result<token_decision>
tiered_cache::token_bucket_take(std::string_view key, double rate_per_second,
                                std::int64_t burst, std::int64_t now_ms) {
  return route(
    [&] {
      return redis_->token_bucket_take(key, rate_per_second, burst, now_ms);
    },
    [&] {
      return memory_->token_bucket_take(key, rate_per_second, burst, now_ms);
    });
}

std::vector<cache_outcome> tiered_cache::run(const std::vector<cache_call>& calls) {
  using op = cache_call::op;
  if (!redis_)
    return memory_->run(calls);
  auto writes = [](const cache_call& c) { return c.what == op::set || c.what == op::erase; };
  // Memory is written first and always, as set and erase do alone.
  std::vector<cache_outcome> local(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i)
    if (writes(calls[i]))
      local[i] = run_one(*memory_, calls[i]);
  std::vector<cache_outcome> out;
  std::size_t served = 0;
  if (use_redis()) {
    out = redis_->run(calls);
    for (; served < calls.size(); ++served) {
      const auto& err = out[served].error;
      if (err && is_outage(err->code)) {
        go_down(*err);
        break;
      }
    }
  } else {
    out.resize(calls.size());
  }
  for (auto i = served; i < calls.size(); ++i) {
    ++stats_.fallback_calls;
    if (writes(calls[i])) {
      remember(calls[i].key);
      out[i] = std::move(local[i]);
    } else {
      out[i] = run_one(*memory_, calls[i]);
    }
  }
  return out;
}

bool tiered_cache::poll() {
  return use_redis();
}

bool tiered_cache::redis_up() const noexcept {
  return redis_ != nullptr && up_;
}

tiered_stats tiered_cache::stats() const {
  auto result = stats_;
  result.redis_up = redis_up();
  result.pending_invalidations = pending_.size();
  return result;
}

bool tiered_cache::use_redis() {
  if (!redis_)
    return false;
  return up_ || recover();
}

bool tiered_cache::recover() {
  auto now = options_.clock();
  if (now < next_probe_)
    return false;
  next_probe_ = now + options_.retry_interval;
  if (!redis_->ping())
    return false;
  // Redis may still hold values this node overwrote or erased while it was
  // away; delete them before anyone reads them again.
  for (auto i = pending_.begin(); i != pending_.end();) {
    auto deleted = redis_->erase(*i);
    if (!deleted && is_outage(deleted.error().code))
      return false;
    i = pending_.erase(i);
  }
  up_ = true;
  if (hook_)
    hook_(true, "redis reachable again at " + redis_->describe());
  return true;
}

void tiered_cache::go_down(const cache_error& err) {
  up_ = false;
  ++stats_.outages;
  next_probe_ = options_.clock() + options_.retry_interval;
  if (hook_)
    hook_(false, "redis at " + redis_->describe() + " down, serving from memory: "
                   + to_string(err));
}

void tiered_cache::remember(std::string_view key) {
  if (!redis_)
    return;
  if (pending_.size() >= options_.max_pending_invalidations
      && pending_.find(std::string{key}) == pending_.end()) {
    ++stats_.lost_invalidations;
    return;
  }
  pending_.emplace(key);
}

} // namespace lastgram::caching
