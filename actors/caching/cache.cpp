#include "actors/caching/cache.hpp"

#include <cmath>

namespace lastgram::caching {

std::string_view to_string(cache_errc x) noexcept {
  switch (x) {
    case cache_errc::unavailable:
      return "unavailable";
    case cache_errc::timeout:
      return "timeout";
    case cache_errc::protocol:
      return "protocol";
    case cache_errc::other:
      return "other";
  }
  return "other";
}

bool is_outage(cache_errc x) noexcept {
  return x == cache_errc::unavailable || x == cache_errc::timeout
         || x == cache_errc::protocol;
}

std::string to_string(const cache_error& x) {
  std::string result{to_string(x.code)};
  if (!x.message.empty()) {
    result += ": ";
    result += x.message;
  }
  return result;
}

cache_status check_ttl(std::int64_t ttl_seconds) {
  if (ttl_seconds <= 0)
    return cache_error{cache_errc::other, "ttl must be positive, got "
                                            + std::to_string(ttl_seconds)};
  // Redis rejects expiries that overflow milliseconds; refuse them everywhere
  // so both backends agree (100 years is plenty for a cache).
  constexpr std::int64_t max_ttl = 100LL * 365 * 24 * 3600;
  if (ttl_seconds > max_ttl)
    return cache_error{cache_errc::other, "ttl too large"};
  return {};
}

cache_status check_bucket(double rate_per_second, std::int64_t burst) {
  if (!std::isfinite(rate_per_second) || rate_per_second <= 0)
    return cache_error{cache_errc::other, "token rate must be positive"};
  if (burst < 1)
    return cache_error{cache_errc::other, "token burst must be at least 1"};
  return {};
}

cache_outcome run_one(cache& c, const cache_call& call) {
  cache_outcome out;
  switch (call.what) {
    case cache_call::op::get:
      settle(c.get(call.key), out, [&](std::optional<std::string> v) { out.value = std::move(v); });
      break;
    case cache_call::op::set:
      if (auto ok = c.set(call.key, call.value, call.ttl_seconds); !ok)
        out.error = std::move(ok.error());
      break;
    case cache_call::op::erase:
      settle(c.erase(call.key), out, [&](bool x) { out.flag = x; });
      break;
    case cache_call::op::set_if_absent:
      settle(c.set_if_absent(call.key, call.value, call.ttl_seconds), out,
           [&](bool x) { out.flag = x; });
      break;
    case cache_call::op::increment:
      settle(c.increment(call.key, call.ttl_seconds), out, [&](std::int64_t n) { out.count = n; });
      break;
  }
  return out;
}

std::vector<cache_outcome> cache::run(const std::vector<cache_call>& calls) {
  std::vector<cache_outcome> out;
  out.reserve(calls.size());
  for (const auto& call : calls)
    out.push_back(run_one(*this, call));
  return out;
}

} // namespace lastgram::caching
