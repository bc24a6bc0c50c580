#pragma once

/// Discord application commands as the bulk-overwrite body of
/// `PUT /applications/{app}/commands` (or its guild route): plain structs
/// that the runtime fills from the command registry, written as JSON here
/// within Discord's limits. Pure; RapidJSON stays in commands.cpp.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lastgram::discord {

/// A text in the default language plus its translations by Discord locale
/// ("pt-BR", "es-ES", "fr", "ru", ...).
struct localized_text {
  std::string text;
  std::map<std::string, std::string> by_locale;
};

/// Discord's option types used here.
enum class option_type : int { string = 3, integer = 4, user = 6 };

/// One option of a slash command.
struct command_option_spec {
  std::string name;
  localized_text description;
  option_type type = option_type::string;
  bool required = false;
  /// At most 25 values offered as choices (name = value).
  std::vector<std::string> choices;
  /// Discord asks the bot for suggestions as the user types (interaction
  /// type 4); only for a string option without choices.
  bool autocomplete = false;
};

/// One application command: a slash command (type 1) or a user
/// context-menu command (type 2, no description, no options).
struct app_command_spec {
  int type = 1;
  std::string name;
  /// Localized names (user commands: "Now playing" per language).
  std::map<std::string, std::string> name_localizations;
  localized_text description;
  std::vector<command_option_spec> options;
  /// The permissions a server member needs to see and use the command by
  /// default (Discord's permission bits, e.g. MANAGE_GUILD); none for
  /// everyone. Server administrators can change it per server. Written as
  /// a JSON integer, the type of Discord's OpenAPI description for requests.
  std::optional<std::uint64_t> default_member_permissions;
};

/// MANAGE_GUILD (1 << 5, "32"): who may change a server's settings.
inline constexpr std::uint64_t manage_guild_permission = 1ull << 5;

/// The Discord locale of one of our languages ("en" -> "en-US", "pt" ->
/// "pt-BR", "es" -> "es-ES", "fr" -> "fr", "ru" -> "ru"); "" for others.
std::string discord_locale(const std::string& language);

/// The JSON array of `commands`, each installable in servers and by users
/// (integration_types [0,1]) and usable in servers, the bot's DMs and
/// private channels (contexts [0,1,2]); descriptions cut to 100 characters,
/// choices to 25, options to 25.
std::string commands_json(const std::vector<app_command_spec>& commands);

/// The install link: `https://discord.com/oauth2/authorize?client_id=<app>
/// &scope=bot+applications.commands` (with `permissions`, when not 0).
std::string invite_url(const std::string& application_id, long long permissions = 0);

} // namespace lastgram::discord
