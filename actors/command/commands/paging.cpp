#include "actors/command/commands/paging.hpp"

#include <algorithm>
#include <cstdlib>

#include "actors/command/commands/music_format.hpp"

namespace lastgram::command::paging {

std::optional<std::string> list_owner(context& ctx, const std::string* word) {
  if (word == nullptr)
    return ctx.subject().user.fm_username;
  if (!music::valid_fm_username(*word)) {
    ctx.reply_text("list.bad_user", {{"value", *word}});
    return std::nullopt;
  }
  return *word;
}

std::int64_t page_of(const std::string* word) {
  if (word == nullptr)
    return 1;
  // check_arguments made sure it is a number.
  auto n = std::strtoll(word->c_str(), nullptr, 10);
  return std::clamp<std::int64_t>(n, 1, max_page);
}

const std::string* word_at(const context& ctx, std::size_t i) {
  auto& words = ctx.command().words;
  // An empty word is an option left out before one given: not there.
  return i < words.size() && !words[i].empty() ? &words[i] : nullptr;
}

} // namespace lastgram::command::paging
