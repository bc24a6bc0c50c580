#pragma once

/// The `lastgram discord ...` subcommands: registering the registry's
/// commands as Discord application commands, and the install link.

#include <ostream>
#include <string>
#include <vector>

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
/// someone; strings for names; choices for periods and choices; integers for
/// numbers), descriptions in every language of `texts`; plus the user
/// context-menu command "Now playing".
std::vector<discord::app_command_spec> application_commands(const command::registry& commands,
                                                            const i18n::catalog& texts);

/// Bulk-overwrites the application's commands (the guild's with `guild`);
/// `dry_run` prints the body and sends nothing.
int discord_register_commands(const settings& s, const std::string& guild, bool dry_run,
                              std::ostream& out, std::ostream& err);

/// One REST call outside the actor system (the CLI, a node starting),
/// waiting for its answer; `network_error` when none came in time.
discord::rest_result discord_rest_call(const discord_settings& d, const std::string& method,
                                       const std::string& path, const std::string& body);

/// Prints the install link (scopes bot and applications.commands).
int discord_invite_url(const settings& s, std::ostream& out, std::ostream& err);

} // namespace lastgram::runtime
