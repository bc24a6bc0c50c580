#pragma once

/// The `lastgram discord ...` subcommands: registering the registry's
/// commands as Discord application commands, and the install link.

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "actors/command/arguments.hpp"
#include "messages/db.hpp"
#include "messages/settings.hpp"
#include "platforms/discord/commands.hpp"
#include "platforms/discord/rest.hpp"

namespace lastgram::command {
class registry;
} // namespace lastgram::command

namespace lastgram::i18n {
class catalog;
} // namespace lastgram::i18n

namespace lastgram::runtime {

/// The application commands of every listed command of `commands` (not
/// hidden, not developer-only): a slash command whose options come from
/// its argument declaration (a user option where the command can target
/// someone; strings for names, suggested as the user types; choices for
/// periods and choices; integers for numbers), descriptions in every
/// language of `texts`, MANAGE_GUILD as the default permission of commands
/// for a group's administrators; plus the user context-menu commands of
/// `user_menus()`. With `developer`, only the developer-only commands (not
/// hidden), and no menus.
std::vector<discord::app_command_spec> application_commands(const command::registry& commands,
                                                            const i18n::catalog& texts,
                                                            bool developer = false);

/// The entity a string option of `kind` names (artist, album, track), whose
/// names Discord's autocomplete suggests; nothing for other kinds.
std::optional<entity_kind> suggested_kind(command::arg_kind kind);

/// A user context-menu command (right-click a member): its localized name
/// and the command it runs about that member.
struct user_menu {
  std::string name_key;
  std::string command;
};

/// "Now playing" (listening) and "Compare taste" (compat).
const std::vector<user_menu>& user_menus();

/// The command each user menu runs, by the menu's name in every language of
/// `texts` (Discord sends the registered, default-language name); menus
/// whose command is not listed in `commands` are left out.
std::map<std::string, std::string> user_menu_commands(const command::registry& commands,
                                                      const i18n::catalog& texts);

/// Bulk-overwrites the application's commands (the guild's with `guild`);
/// `developer` (which needs `guild`) registers the developer-only commands
/// there instead; `dry_run` prints the body and sends nothing.
int discord_register_commands(const settings& s, const std::string& guild, bool developer,
                              bool dry_run, std::ostream& out, std::ostream& err);

/// One REST call outside the actor system (the CLI, a node starting),
/// waiting for its answer; `network_error` when none came in time.
discord::rest_result discord_rest_call(const discord_settings& d, const std::string& method,
                                       const std::string& path, const std::string& body);

/// Prints the install link (scopes bot and applications.commands).
int discord_invite_url(const settings& s, std::ostream& out, std::ostream& err);

} // namespace lastgram::runtime
