#pragma once

/// Pure formatting for the paged list commands (top artists, albums and
/// tracks; recent tracks): Last.fm structs and translated texts in, rich
/// text out. The buttons are added by the commands (they need a run).

#include <cstdint>
#include <string>
#include <string_view>

#include "i18n/catalog.hpp"
#include "messages/fm.hpp"
#include "messages/model.hpp"

namespace lastgram::command::lists {

/// Entries on one page of every paged list.
inline constexpr std::int32_t page_size = 10;

/// The number of pages `total` entries fill at `per_page` a page (at least 1).
std::int64_t page_count(std::int64_t total, std::int64_t per_page = page_size);

/// The key of a period's name in titles, e.g. "period.7day" ("last 7 days").
std::string period_key(fm::period range);

/// The key of a period's short name on its button, e.g. "period_button.7day".
std::string period_button_key(fm::period range);

/// The key of a top list's title ("Top albums of {name}, {period}").
std::string_view title_key(fm::top_kind kind);

/// "3. Name — 12 plays", or "3. Name by Artist — 12 plays" when `artist`
/// is not empty.
std::string ranked_line(const i18n::catalog& texts, std::string_view lang, std::int64_t rank,
                        const std::string& name, const std::string& artist, std::int64_t plays);

/// One page of a top list as the command shows it.
struct top_view {
  /// The Last.fm username the list belongs to.
  std::string who;
  fm::top_list list;
  fm::period range = fm::period::seven_day;
  std::int64_t page = 1;
};

/// "Top artists of NAME, last 7 days" in bold, one numbered line per entry
/// with its play count (albums and tracks with their artist), then
/// "Page 1 of 194"; an empty period says so.
rich_text format_top(const i18n::catalog& texts, std::string_view lang, const top_view& v);

/// One page of recent tracks as the command shows it.
struct recent_view {
  std::string who;
  fm::recent_tracks recent;
  std::int64_t page = 1;
  /// IANA zone the times are shown in ("UTC" when the user chose none).
  std::string time_zone = "UTC";
  /// Unix seconds "now", to tell today's scrobbles from older ones.
  std::int64_t now = 0;
};

/// "Recent tracks of NAME" in bold, the now playing one marked ▶️ on top,
/// then one line per scrobble with its local time, then "Page 1 of N".
rich_text format_recent(const i18n::catalog& texts, std::string_view lang,
                        const recent_view& v);

} // namespace lastgram::command::lists
