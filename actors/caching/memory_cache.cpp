#include "actors/caching/memory_cache.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>

namespace lastgram::caching {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The state of one token bucket, stored as "<tokens> <last update ms>" so it
// is an ordinary entry. Doubles go through to_chars/from_chars: exact round
// trips and no dependency on the global locale.
struct bucket_state {
  double tokens = 0;
  std::int64_t updated_ms = 0;
};

std::optional<bucket_state> parse_bucket(std::string_view text) {
  bucket_state result;
  auto first = text.data();
  auto last = text.data() + text.size();
  auto [p1, ec1] = std::from_chars(first, last, result.tokens);
  if (ec1 != std::errc{} || p1 == last || *p1 != ' ')
    return std::nullopt;
  auto [p2, ec2] = std::from_chars(p1 + 1, last, result.updated_ms);
  if (ec2 != std::errc{} || p2 != last)
    return std::nullopt;
  return result;
}

std::string print_bucket(const bucket_state& x) {
  char buf[64];
  auto [p1, ec1] = std::to_chars(buf, buf + sizeof(buf), x.tokens);
  *p1++ = ' ';
  auto [p2, ec2] = std::to_chars(p1, buf + sizeof(buf), x.updated_ms);
  return std::string(buf, p2);
}

// The arithmetic the Redis script repeats in Lua; keep the two in step.
token_decision take_token(bucket_state& state, double rate, std::int64_t burst,
                          std::int64_t now_ms) {
  auto capacity = static_cast<double>(burst);
  if (now_ms > state.updated_ms) {
    auto refill = static_cast<double>(now_ms - state.updated_ms) * rate / 1000.0;
    state.tokens = std::min(capacity, state.tokens + refill);
    state.updated_ms = now_ms;
  }
  if (state.tokens >= 1.0) {
    state.tokens -= 1.0;
    return {true, 0};
  }
  // The epsilon keeps float noise (0.995 tokens is not exact) from
  // announcing one millisecond more than needed.
  auto wait = std::ceil((1.0 - state.tokens) * 1000.0 / rate - 1e-6);
  return {false, std::max<std::int64_t>(1, static_cast<std::int64_t>(wait))};
}

// How long an untouched bucket must be kept: until it would be full again.
milliseconds bucket_lifetime(double rate, std::int64_t burst) {
  constexpr double max_ms = 100.0 * 365 * 24 * 3600 * 1000;
  auto ms = std::min(max_ms, std::ceil(static_cast<double>(burst) * 1000.0 / rate));
  return milliseconds{static_cast<std::int64_t>(ms) + 1000};
}

} // namespace

memory_cache::memory_cache(std::size_t max_bytes, clock_fn clock)
  : max_bytes_(max_bytes),
    clock_(clock ? std::move(clock) : clock_fn{std::chrono::steady_clock::now}) {
  stats_.max_bytes = max_bytes;
}

cache_result<std::optional<std::string>>
memory_cache::get(std::string_view key) {
  auto now = clock_();
  entry_list garbage;
  std::optional<std::string> result;
  std::lock_guard<std::mutex> guard{mu_};
  auto pos = find_live(key, now, garbage);
  if (pos == lru_.end()) {
    ++stats_.misses;
    return result;
  }
  ++stats_.hits;
  lru_.splice(lru_.begin(), lru_, pos);
  result = pos->value;
  return result;
}

cache_status memory_cache::set(std::string_view key, std::string_view value,
                               std::int64_t ttl_seconds) {
  if (auto ok = check_ttl(ttl_seconds); !ok)
    return ok;
  auto now = clock_();
  entry_list fresh;
  fresh.push_back(entry{std::string{key}, std::string{value},
                        now + seconds{ttl_seconds}});
  if (cost(fresh.front()) > max_bytes_)
    return cache_error{cache_errc::other, "entry larger than the cache bound"};
  entry_list garbage;
  std::lock_guard<std::mutex> guard{mu_};
  if (auto i = index_.find(key); i != index_.end())
    unlink(i->second, garbage);
  link_front(fresh, garbage);
  trim(now, garbage);
  return {};
}

cache_result<bool> memory_cache::erase(std::string_view key) {
  auto now = clock_();
  entry_list garbage;
  std::lock_guard<std::mutex> guard{mu_};
  auto pos = find_live(key, now, garbage);
  if (pos == lru_.end())
    return false;
  unlink(pos, garbage);
  return true;
}

cache_result<bool> memory_cache::set_if_absent(std::string_view key,
                                               std::string_view value,
                                               std::int64_t ttl_seconds) {
  if (auto ok = check_ttl(ttl_seconds); !ok)
    return ok.error();
  auto now = clock_();
  entry_list fresh;
  fresh.push_back(entry{std::string{key}, std::string{value},
                        now + seconds{ttl_seconds}});
  if (cost(fresh.front()) > max_bytes_)
    return cache_error{cache_errc::other, "entry larger than the cache bound"};
  entry_list garbage;
  std::lock_guard<std::mutex> guard{mu_};
  if (find_live(key, now, garbage) != lru_.end())
    return false;
  link_front(fresh, garbage);
  trim(now, garbage);
  return true;
}

cache_result<std::int64_t> memory_cache::increment(std::string_view key,
                                                   std::int64_t ttl_seconds) {
  if (auto ok = check_ttl(ttl_seconds); !ok)
    return ok.error();
  auto now = clock_();
  // Built before locking in case the counter is new.
  entry_list fresh;
  fresh.push_back(entry{std::string{key}, "1", now + seconds{ttl_seconds}});
  entry_list garbage;
  std::string text;
  std::lock_guard<std::mutex> guard{mu_};
  auto pos = find_live(key, now, garbage);
  if (pos == lru_.end()) {
    link_front(fresh, garbage);
    trim(now, garbage);
    return std::int64_t{1};
  }
  std::int64_t count = 0;
  auto& old = pos->value;
  auto [end, ec] = std::from_chars(old.data(), old.data() + old.size(), count);
  if (ec != std::errc{} || end != old.data() + old.size() || old.empty())
    return cache_error{cache_errc::other, "value is not an integer"};
  if (count == std::numeric_limits<std::int64_t>::max())
    return cache_error{cache_errc::other, "increment would overflow"};
  ++count;
  text = std::to_string(count);
  update_value(pos, text);
  lru_.splice(lru_.begin(), lru_, pos);
  trim(now, garbage);
  return count;
}

cache_result<token_decision>
memory_cache::token_bucket_take(std::string_view key, double rate_per_second,
                                std::int64_t burst, std::int64_t now_ms) {
  if (auto ok = check_bucket(rate_per_second, burst); !ok)
    return ok.error();
  auto now = clock_();
  auto lifetime = bucket_lifetime(rate_per_second, burst);
  entry_list garbage;
  std::lock_guard<std::mutex> guard{mu_};
  auto pos = find_live(key, now, garbage);
  std::optional<bucket_state> state;
  if (pos != lru_.end())
    state = parse_bucket(pos->value);
  // A missing or unreadable bucket starts full.
  if (!state)
    state = bucket_state{static_cast<double>(burst), now_ms};
  auto decision = take_token(*state, rate_per_second, burst, now_ms);
  auto text = print_bucket(*state);
  if (pos == lru_.end()) {
    entry_list fresh;
    fresh.push_back(entry{std::string{key}, std::move(text), now + lifetime});
    link_front(fresh, garbage);
  } else {
    update_value(pos, text);
    pos->expires = now + lifetime;
    lru_.splice(lru_.begin(), lru_, pos);
  }
  trim(now, garbage);
  return decision;
}

void memory_cache::clear() {
  entry_list garbage;
  std::lock_guard<std::mutex> guard{mu_};
  index_.clear();
  garbage.swap(lru_);
  stats_.bytes = 0;
  stats_.entries = 0;
}

memory_cache_stats memory_cache::stats() const {
  std::lock_guard<std::mutex> guard{mu_};
  return stats_;
}

memory_cache::entry_list::iterator
memory_cache::find_live(std::string_view key, time_point now,
                        entry_list& garbage) {
  auto i = index_.find(key);
  if (i == index_.end())
    return lru_.end();
  auto pos = i->second;
  if (pos->expires > now)
    return pos;
  ++stats_.expirations;
  unlink(pos, garbage);
  return lru_.end();
}

void memory_cache::unlink(entry_list::iterator pos, entry_list& garbage) {
  index_.erase(std::string_view{pos->key});
  stats_.bytes -= cost(*pos);
  --stats_.entries;
  garbage.splice(garbage.end(), lru_, pos);
}

void memory_cache::link_front(entry_list& fresh, entry_list& garbage) {
  lru_.splice(lru_.begin(), fresh, fresh.begin());
  auto pos = lru_.begin();
  // The index may still hold an expired entry under this key (set_if_absent
  // and increment checked liveness, set unlinked it already).
  if (auto i = index_.find(pos->key); i != index_.end())
    unlink(i->second, garbage);
  index_.emplace(std::string_view{pos->key}, pos);
  stats_.bytes += cost(*pos);
  ++stats_.entries;
}

void memory_cache::update_value(entry_list::iterator pos, std::string& value) {
  stats_.bytes -= cost(*pos);
  pos->value.swap(value);
  stats_.bytes += cost(*pos);
}

void memory_cache::trim(time_point now, entry_list& garbage) {
  // Expired entries at the cold end go first, a couple per write, so dead
  // entries do not sit in the bound until it fills up.
  for (int i = 0; i < 2 && !lru_.empty(); ++i) {
    auto last = std::prev(lru_.end());
    if (last->expires > now)
      break;
    ++stats_.expirations;
    unlink(last, garbage);
  }
  while (stats_.bytes > max_bytes_ && !lru_.empty()) {
    auto last = std::prev(lru_.end());
    if (last->expires > now)
      ++stats_.evictions;
    else
      ++stats_.expirations;
    unlink(last, garbage);
  }
}

} // namespace lastgram::caching
