#pragma once

/// Pure formatting of the group commands' answers (who-knows, crowns, the
/// crown board, crown history, unclaimed artists): data in, rich text out.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "i18n/catalog.hpp"
#include "messages/groups.hpp"
#include "messages/model.hpp"

namespace lastgram::command::groups {

/// Rows on one who-knows page and one crowns page.
inline constexpr std::int64_t page_size = 15;

/// One who-knows page as the command shows it.
struct who_knows_view {
  who_knows_answer answer;
  entity_kind kind = entity_kind::artist;
  bool global = false;
  std::int64_t page = 1;
};

/// The title, the ranked rows (👑 for the holder, "private user" for the
/// masked), the invoker's rank when outside the page, the totals and what
/// happened to the crown.
rich_text format_who_knows(const i18n::catalog& texts, std::string_view lang,
                           const who_knows_view& v);

/// A user's crowns, newest first, one page.
rich_text format_crowns(const i18n::catalog& texts, std::string_view lang,
                        const std::string& who, const user_crowns& c, std::int64_t page);

/// The plays behind a user's crowns.
rich_text format_worth(const i18n::catalog& texts, std::string_view lang,
                       const std::string& who, const user_crowns& c);

/// The group's totals, top holders, most switched and most played crowns.
rich_text format_board(const i18n::catalog& texts, std::string_view lang,
                       const crowns_board& b);

/// The holders of an artist's crown over time (dates in `zone`).
rich_text format_history(const i18n::catalog& texts, std::string_view lang,
                         const std::string& artist, const std::vector<crown_entry>& rows,
                         std::string_view zone);

/// The invoker's most played artists that no one holds in the group.
rich_text format_unclaimed(const i18n::catalog& texts, std::string_view lang,
                           const std::vector<crown_entry>& rows);

} // namespace lastgram::command::groups
