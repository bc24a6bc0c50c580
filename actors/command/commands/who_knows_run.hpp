#pragma once

/// What /whoknows, /globalwhoknows and their album and track variants
/// share: the item (named, or what the invoker is playing), the invoker's
/// fresh count from Last.fm's getInfo with their username, one database
/// round trip (list, totals, rank and crown rule together), and the page
/// buttons (the hidden `whoknowspage` command).

#include <cstdint>

#include <string>
#include <vector>

#include "actors/command/context.hpp"
#include "actors/command/registry.hpp"
#include "messages/groups.hpp"

namespace lastgram::command::groups {

/// The name of the hidden command the page buttons run.
inline constexpr const char* page_command = "whoknowspage";

/// Runs a who-knows of `kind` for the command's text or the invoker's
/// latest track: in the chat's group, or across every user when `global`.
void run_who_knows(context& ctx, entity_kind kind, bool global);

/// A who-knows command of `kind`: its argument (artist, or "artist -
/// album/track"), its guards (registered; in a group unless `global`).
command_spec who_knows_spec(std::string name, std::vector<std::string> aliases,
                            entity_kind kind, bool global);

/// Shows page `page` of a who-knows (no Last.fm call): the button's run.
void show_who_knows_page(context& ctx, entity_kind kind, bool global, std::int64_t page,
                         const std::string& artist, const std::string& name);

} // namespace lastgram::command::groups
