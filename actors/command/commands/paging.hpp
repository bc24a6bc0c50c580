#pragma once

/// What the paged list commands (top lists, recent tracks) share: the words
/// their buttons carry, whose list a run shows, and the ◀ ▶ row.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/command/commands/list_format.hpp"
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

/// The word at `i`, or nullptr (also for an empty one: an option left out
/// before one given, see parse_message).
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

/// The periods a list offers, in the order of their buttons.
inline constexpr fm::period period_order[] = {fm::period::seven_day,   fm::period::one_month,
                                              fm::period::three_month, fm::period::six_month,
                                              fm::period::twelve_month, fm::period::overall};

/// Appends to `rows` one button per period (three a row, the `current` one
/// marked ✓), each running `command` with `args_for(period)`.
template <class ArgsFor>
void add_period_rows(context& ctx, std::vector<std::vector<button>>& rows,
                     const std::string& command, fm::period current, ArgsFor args_for) {
  constexpr std::size_t per_row = 3;
  std::vector<button> row;
  for (auto range : period_order) {
    auto label = ctx.text(lists::period_button_key(range));
    if (range == current)
      label = "✓ " + label;
    row.push_back(ctx.action_button(std::move(label), command, args_for(range)));
    if (row.size() == per_row)
      rows.push_back(std::move(row)), row.clear();
  }
  if (!row.empty())
    rows.push_back(std::move(row));
}

} // namespace lastgram::command::paging
