#include "actors/command/commands/compat_score.hpp"

#include <algorithm>
#include <unordered_map>

#include "actors/support/text.hpp"

namespace lastgram::command::music {

namespace {

std::int64_t total_plays(const std::vector<fm::top_item>& items) {
  std::int64_t sum = 0;
  for (auto& x : items)
    sum += std::max<std::int64_t>(x.playcount, 0);
  return sum;
}

} // namespace

compat_result compare_tastes(const std::vector<fm::top_item>& mine,
                             const std::vector<fm::top_item>& theirs) {
  compat_result out;
  auto my_total = total_plays(mine);
  auto their_total = total_plays(theirs);
  if (my_total <= 0 || their_total <= 0)
    return out;
  std::unordered_map<std::string, const fm::top_item*> by_name;
  for (auto& x : theirs)
    by_name.emplace(to_lower_ascii(x.name), &x);
  double sum = 0;
  for (auto& x : mine) {
    auto i = by_name.find(to_lower_ascii(x.name));
    if (i == by_name.end() || x.playcount <= 0 || i->second->playcount <= 0)
      continue;
    auto my_share = static_cast<double>(x.playcount) / static_cast<double>(my_total);
    auto their_share
      = static_cast<double>(i->second->playcount) / static_cast<double>(their_total);
    auto weight = std::min(my_share, their_share);
    sum += weight;
    out.shared.push_back({x.name, x.playcount, i->second->playcount, weight});
    // One artist listed twice (different case) counts once.
    by_name.erase(i);
  }
  std::stable_sort(out.shared.begin(), out.shared.end(),
                   [](const shared_artist& a, const shared_artist& b) {
                     return a.weight > b.weight;
                   });
  out.percent = std::min(100.0, sum * 100.0);
  return out;
}

std::string_view tier_key(double percent) {
  if (percent >= 60)
    return "compat.tier.soulmates";
  if (percent >= 40)
    return "compat.tier.very_high";
  if (percent >= 25)
    return "compat.tier.high";
  if (percent >= 12)
    return "compat.tier.medium";
  if (percent >= 4)
    return "compat.tier.low";
  return "compat.tier.very_low";
}

} // namespace lastgram::command::music
