#pragma once

/// /config in a group (admins only): the group's language and crown
/// settings as a menu of buttons (group_config.cpp); /grouplang shares the
/// language part.

#include <string>
#include <vector>

#include "actors/command/context.hpp"

namespace lastgram::command {

/// Shows or changes the group's settings: no words shows the menu; "lang
/// <code>", "artists|albums|tracks on|off" and "threshold <n>" change one.
void run_group_config(context& ctx);

/// The language buttons of a settings menu, three a row, `current` marked:
/// each runs `command` with {"lang", code}.
std::vector<std::vector<button>> language_rows(context& ctx, const std::string& current,
                                               const std::string& command);

/// "pt (Português), en (English), ...": the catalog's languages.
std::string available_languages(const i18n::catalog& texts);

} // namespace lastgram::command
