#pragma once

/// What the paged list commands (top lists, recent tracks) share: the words
/// their buttons carry, whose list a run shows, and the ◀ ▶ row.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/command/context.hpp"

namespace lastgram::command::paging {

/// Highest page a list command asks Last.fm for.
inline constexpr std::int64_t max_page = 10000;

/// The Last.fm username a list command shows: `word` when given (a button
/// carries the subject so that the next page shows the same person), else
/// the subject's. Nothing (and a usage answer sent) when `word` is no valid
/// Last.fm username.
std::optional<std::string> list_owner(context& ctx, const std::string* word);

/// The page in `word` (1 when absent), clamped to 1..max_page.
std::int64_t page_of(const std::string* word);

/// The word at `i`, or nullptr.
const std::string* word_at(const context& ctx, std::size_t i);

/// The ◀ ▶ row: buttons that run `command` with `args_for(page)` for the
/// pages before and after `page`, when there are such pages. Empty when
/// there is a single page.
template <class ArgsFor>
std::vector<button> nav_row(context& ctx, const std::string& command, std::int64_t page,
                            std::int64_t pages, ArgsFor args_for) {
  std::vector<button> row;
  if (page > 1)
    row.push_back(ctx.action_button("◀", command, args_for(page - 1)));
  if (page < pages && page < max_page)
    row.push_back(ctx.action_button("▶", command, args_for(page + 1)));
  return row;
}

} // namespace lastgram::command::paging
