#pragma once

/// Small helpers several command files share.

#include <string>

#include "actors/command/context.hpp"

namespace lastgram::command {

/// The author's name on the platform: the display name, else the username.
inline std::string author_name(const context& ctx) {
  auto& a = ctx.message().author;
  return a.display_name.empty() ? a.username : a.display_name;
}

/// Answers that the subject has never scrobbled, in the second person when
/// the subject is the author.
inline void reply_no_scrobbles(context& ctx) {
  if (&ctx.subject() == &ctx.author())
    return ctx.reply_text("fm.no_scrobbles_self");
  ctx.reply_text("fm.no_scrobbles_other", {{"name", ctx.subject_name()}});
}

} // namespace lastgram::command
