#include "actors/command/rate_limit.hpp"

#include <algorithm>

namespace lastgram::command {

std::vector<rate_window> rate_windows(const command_settings& s) {
  std::vector<rate_window> out;
  if (s.rate_short > 0)
    out.push_back({s.rate_short, std::max<std::int64_t>(s.rate_short_seconds, 1)});
  if (s.rate_long > 0)
    out.push_back({s.rate_long, std::max<std::int64_t>(s.rate_long_seconds, 1)});
  return out;
}

std::string rate_key(std::string_view user, const rate_window& w, std::int64_t now) {
  std::string key = "rl:";
  key += std::to_string(w.seconds);
  key += ':';
  key += user;
  key += ':';
  key += std::to_string(now / w.seconds);
  return key;
}

rate_verdict judge(const std::vector<std::int64_t>& counts,
                   const std::vector<rate_window>& windows) {
  bool first_over = false;
  for (std::size_t i = 0; i < windows.size() && i < counts.size(); ++i) {
    if (counts[i] > windows[i].limit + 1)
      return rate_verdict::drop;
    first_over = first_over || counts[i] == windows[i].limit + 1;
  }
  return first_over ? rate_verdict::warn : rate_verdict::allowed;
}

std::int64_t memory_counters::increment(const std::string& key, std::int64_t ttl,
                                        std::int64_t now) {
  if (counters_.size() >= prune_at_) {
    for (auto i = counters_.begin(); i != counters_.end();)
      i = i->second.expires <= now ? counters_.erase(i) : std::next(i);
    // Prune again only once the live entries have doubled.
    prune_at_ = std::max<std::size_t>(1024, counters_.size() * 2);
  }
  auto& c = counters_[key];
  if (c.expires <= now)
    c = counter{0, now + ttl};
  return ++c.count;
}

} // namespace lastgram::command
