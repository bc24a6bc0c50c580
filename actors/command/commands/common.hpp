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

} // namespace lastgram::command
