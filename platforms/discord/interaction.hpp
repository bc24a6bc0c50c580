#pragma once

/// Discord interactions (from the HTTP endpoint or the gateway's
/// INTERACTION_CREATE) parsed into plain structs, and turned into the common
/// model: a slash or user command becomes an incoming_message, a button
/// press a button_press. Pure functions; RapidJSON stays in interaction.cpp.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "messages/event.hpp"
#include "messages/expected.hpp"
#include "messages/model.hpp"

namespace lastgram::discord {

/// Discord's interaction types.
enum class interaction_type : std::uint8_t {
  ping = 1,
  application_command = 2,
  message_component = 3,
  autocomplete = 4,
  modal_submit = 5,
};

/// Discord's application command types (data.type).
enum class command_type : std::uint8_t { chat_input = 1, user = 2, message = 3 };

/// One option of a slash command, its value as text (numbers and booleans
/// as Discord's JSON spells them; a user option holds the user's id).
struct command_option {
  std::string name;
  /// Discord's option type: 3 string, 4 integer, 5 boolean, 6 user, ...
  int type = 3;
  std::string value;
  /// Autocomplete: the option the user is typing in.
  bool focused = false;
};

/// Whether a member's permissions (Discord's decimal bit set, as in
/// `member.permissions`) let them run the server: ADMINISTRATOR (1 << 3) or
/// MANAGE_GUILD (1 << 5). Text that is not a number grants nothing.
bool permissions_admin(std::string_view permissions) noexcept;

/// One interaction, as much of it as the bot uses.
struct interaction {
  interaction_type type = interaction_type::ping;
  std::string id;
  std::string application_id;
  /// The interaction token (valid 15 minutes): answers and edits use it.
  std::string token;
  std::string guild_id;
  std::string channel_id;
  /// The invoking user's client language, and the server's default one.
  std::string locale;
  std::string guild_locale;
  /// Who invoked it: `member.user` in a server, `user` elsewhere.
  user_ref user;
  /// The server (a group, id = guild id) or, without one, a private chat
  /// (id = the user's id, as a Telegram private chat's id is the user's).
  chat_ref chat;
  // Application commands and autocomplete:
  command_type cmd_type = command_type::chat_input;
  std::string command_name;
  std::vector<command_option> options;
  /// The person the command is about: a user option, resolved from
  /// `data.resolved.users`, or a user command's target (`data.target_id`).
  user_ref target;
  bool has_target = false;
  // Message components:
  std::string custom_id;
  /// The message holding the component.
  std::string message_id;
};

/// Parses an interaction's JSON (the HTTP body, or a gateway dispatch's `d`).
/// Fails, with a message for the log, on malformed JSON, a missing id, token
/// or type, or an unknown type.
expected<interaction, std::string> parse_interaction(std::string_view json);

/// A slash or user command as a command message: "/<name> <values...>",
/// the option values in the order of `declared` (the command's argument
/// names; options not declared follow in Discord's order), also carried
/// one by one as the message's `arguments` (taken literally, never split
/// again), a user option
/// left out of the text and carried as the reply author instead (the way a
/// Telegram reply names the person a command is about). The language hint
/// is the user's locale, else the server's.
incoming_message to_message(const interaction& i, const std::vector<std::string>& declared = {});

/// A component press for the event engine (custom_id as callback data).
button_press to_press(const interaction& i);

} // namespace lastgram::discord
