#include "actors/command/commands/now_playing_index.hpp"

#include <string>

#include "i18n/name_fold.hpp"

namespace lastgram::command::music {

recent_query now_playing_query(const user_record& user, bool use_index) {
  recent_query q;
  q.user = user.fm_username;
  q.limit = 1;
  q.extended = true;
  if (use_index && user.indexed_through > 0) {
    q.limit = recent_page_limit;
    // The index counts every scrobble up to indexed_through included.
    q.from = user.indexed_through + 1;
  }
  return q;
}

std::optional<std::vector<std::int64_t>> scrobbles_since(const fm::recent_tracks& page,
                                                         const fm::track& t) {
  if (page.total_pages > 1)
    return std::nullopt;
  auto name = i18n::fold_name(t.name);
  auto artist = i18n::fold_name(t.artist);
  std::int64_t listed = 0;
  std::vector<std::int64_t> matches;
  for (const auto& x : page.tracks) {
    if (x.now_playing || x.played_at == 0)
      continue;
    ++listed;
    // Last.fm mostly repeats its own spelling: fold only when it differs.
    bool same = (x.name == t.name || i18n::fold_name(x.name) == name)
                && (x.artist == t.artist || i18n::fold_name(x.artist) == artist);
    if (same)
      matches.push_back(x.played_at);
  }
  // Last.fm's total counts the scrobbles since `from`: more than the page
  // lists means some are on later pages.
  if (page.total > listed)
    return std::nullopt;
  return matches;
}

} // namespace lastgram::command::music
