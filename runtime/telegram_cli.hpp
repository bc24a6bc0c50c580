#pragma once

/// `lastgram telegram set-webhook|delete-webhook|set-commands`: one-off Bot API
/// calls an operator makes around a deploy. Each runs its calls one after the
/// other, waits for every answer with a deadline, prints what happened and
/// returns the process exit code (0 ok, 1 Telegram or the network said no,
/// 2 a missing token or other configuration). runtime/cli.cpp parses the
/// command line and loads the configuration; this file does the rest.

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "messages/settings.hpp"
#include "platforms/telegram/bot_api.hpp"

namespace lastgram::command {
class registry;
} // namespace lastgram::command

namespace lastgram::i18n {
class catalog;
} // namespace lastgram::i18n

namespace lastgram::runtime {

/// Telegram's limits for setMyCommands: a command is 1-32 characters of
/// [a-z0-9_], a description 1-256 characters.
inline constexpr std::size_t max_command_length = 32;
inline constexpr std::size_t max_description_length = 256;

/// The command menu of one language, as sent with setMyCommands.
struct command_menu {
  /// Telegram's `language_code`; empty for the default menu, which users
  /// whose language has no menu of its own see.
  std::string language_code;
  /// The catalog language the descriptions come from, e.g. "en".
  std::string language;
  std::vector<telegram::bot_command> commands;
};

/// Whether Telegram accepts `name` as a command: 1-32 characters of [a-z0-9_].
bool valid_command_name(std::string_view name);

/// `text` cut to at most `limit` characters as Telegram counts them (UTF-16
/// code units), at a code point boundary, ending with "…" when cut. Text
/// within the limit comes back unchanged.
std::string truncate_description(std::string_view text,
                                 std::size_t limit = max_description_length);

/// The menus to register: first the default language of `texts` (no
/// language_code), then every other language of the catalog in its order.
/// Each lists the commands of `commands` in registration order with their
/// localized `desc.<name>`, leaving out hidden commands, developer commands
/// (guard_developer) and names Telegram would refuse. Languages whose code is
/// not a two-letter code (Telegram's language_code) are left out.
std::vector<command_menu> command_menus(const command::registry& commands,
                                        const i18n::catalog& texts);

/// setWebhook with url = webhook_url(s.telegram), secret_token, allowed_updates
/// and max_connections. Needs the token, telegram.public-url and the webhook
/// secret (else exit 2).
int telegram_set_webhook(const settings& s, bool drop_pending_updates, std::ostream& out,
                         std::ostream& err);

/// deleteWebhook, e.g. to go back to polling. Needs the token.
int telegram_delete_webhook(const settings& s, bool drop_pending_updates, std::ostream& out,
                            std::ostream& err);

/// One setMyCommands per menu of command_menus() over the node's commands and
/// the locales of s.i18n.dir. With `dry_run` prints the menus and calls
/// nothing (no token needed). Stops at the first refused call.
int telegram_set_commands(const settings& s, bool dry_run, std::ostream& out, std::ostream& err);

} // namespace lastgram::runtime
