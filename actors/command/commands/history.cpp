#include "actors/command/commands/history.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <tuple>
#include <utility>

#include "actors/support/text.hpp"
#include "i18n/time_zone.hpp"

namespace lastgram::command::history {

namespace {

/// Counts keyed by (name, artist), ranked by plays then name.
class tally {
public:
  void add(const std::string& name, const std::string& artist) {
    if (!name.empty())
      ++counts_[{name, artist}];
  }

  std::vector<ranked> top(std::size_t n) const {
    std::vector<ranked> out;
    for (const auto& [key, plays] : counts_)
      out.push_back({key.first, key.second, plays});
    std::stable_sort(out.begin(), out.end(),
                     [](const ranked& a, const ranked& b) { return a.plays > b.plays; });
    if (out.size() > n)
      out.resize(n);
    return out;
  }

private:
  std::map<std::pair<std::string, std::string>, std::int64_t> counts_;
};

bool same(const std::string& a, const std::string& b) {
  return to_lower_ascii(a) == to_lower_ascii(b);
}

} // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::optional<peak_day> busiest_day(const std::vector<fm::track>& tracks, std::string_view zone,
                                    std::size_t top) {
  std::map<std::int64_t, std::int64_t> per_day;
  for (const auto& t : tracks)
    if (!t.now_playing && t.played_at > 0)
      ++per_day[i18n::local_day(t.played_at, zone)];
  if (per_day.empty())
    return std::nullopt;
  // Later days come last in the map: >= keeps the later of a tie.
  auto best = per_day.begin();
  for (auto i = per_day.begin(); i != per_day.end(); ++i)
    if (i->second >= best->second)
      best = i;
  peak_day out;
  out.day = best->first;
  out.day_start = i18n::day_start(best->first, zone);
  tally tracks_of_day;
  tally untimed;
  tally artists;
  tally albums;
  for (const auto& t : tracks) {
    if (t.now_playing || t.played_at <= 0 || i18n::local_day(t.played_at, zone) != out.day)
      continue;
    ++out.scrobbles;
    out.seconds += t.duration > 0 ? t.duration : default_track_seconds;
    if (t.duration <= 0)
      untimed.add(t.name, t.artist);
    tracks_of_day.add(t.name, t.artist);
    artists.add(t.artist, {});
    albums.add(t.album, t.artist);
  }
  out.tracks = tracks_of_day.top(top);
  out.artists = artists.top(top);
  out.albums = albums.top(top);
  out.untimed = untimed.top(static_cast<std::size_t>(out.scrobbles));
  return out;
}

void apply_durations(peak_day& day, const std::vector<std::int64_t>& durations) {
  auto n = std::min(durations.size(), day.untimed.size());
  for (std::size_t i = 0; i < n; ++i)
    if (durations[i] > 0)
      day.seconds += day.untimed[i].plays * (durations[i] - default_track_seconds);
}

void extend(streak& s, const std::vector<fm::track>& page, bool first_page) {
  auto i = page.begin();
  if (first_page) {
    if (i == page.end())
      return;
    s.reference = *i;
  } else if (i != page.end() && i->now_playing) {
    // Last.fm repeats the now playing entry on top of every page.
    ++i;
  }
  const auto& ref = s.reference;
  for (; i != page.end() && s.open(); ++i) {
    s.track_open = s.track_open && same(i->name, ref.name) && same(i->artist, ref.artist);
    s.album_open = s.album_open && !ref.album.empty() && same(i->album, ref.album)
                   && same(i->artist, ref.artist);
    s.artist_open = s.artist_open && same(i->artist, ref.artist);
    s.track += s.track_open ? 1 : 0;
    s.album += s.album_open ? 1 : 0;
    s.artist += s.artist_open ? 1 : 0;
  }
}

std::int64_t last_round_number(std::int64_t total) {
  if (total < 100)
    return 1;
  std::int64_t unit = total < 1000        ? 100
                      : total < 100000    ? 1000
                      : total < 1000000   ? 10000
                                          : 100000;
  return total / unit * unit;
}

std::optional<std::int64_t> milestone_page(std::int64_t total, std::int64_t n) {
  if (n < 1 || n > total)
    return std::nullopt;
  return total - n + 1;
}

std::int64_t next_goal(std::int64_t total) {
  constexpr std::int64_t step = 10000;
  return (std::max<std::int64_t>(total, 0) / step + 1) * step;
}

std::optional<std::int64_t> period_seconds(fm::period range) {
  constexpr std::int64_t day = 86400;
  switch (range) {
    case fm::period::seven_day:
      return 7 * day;
    case fm::period::one_month:
      return 30 * day;
    case fm::period::three_month:
      return 90 * day;
    case fm::period::six_month:
      return 180 * day;
    case fm::period::twelve_month:
      return 365 * day;
    case fm::period::overall:
      break;
  }
  return std::nullopt;
}

std::optional<std::int64_t> reach_time(std::int64_t total, std::int64_t goal, double per_day,
                                       std::int64_t now) {
  if (goal <= total)
    return now;
  if (!(per_day > 0))
    return std::nullopt;
  auto days = static_cast<double>(goal - total) / per_day;
  // Beyond a thousand years the date means nothing (and would overflow).
  if (days > 365000)
    return std::nullopt;
  return now + static_cast<std::int64_t>(std::ceil(days * 86400));
}

} // namespace lastgram::command::history
