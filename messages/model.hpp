#pragma once

/// The common message model shared by every platform and engine: what a user
/// sent (incoming_message) and what the bot answers (outgoing_reply). Plain
/// structs with an `inspect`, so they print in logs and can cross nodes; this
/// header pulls only CAF's tiny meta header, never caf/all.hpp.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "caf/meta/type_name.hpp"

namespace lastgram {

/// Where a message came from and where its reply is rendered.
enum class platform_kind : std::uint8_t { console, telegram, discord };

/// The kind of conversation: a one-to-one chat with the bot or a group.
enum class chat_kind : std::uint8_t { private_chat, group };

std::string to_string(platform_kind x);
std::string to_string(chat_kind x);

/// A person on a platform. `id` is unique within the platform.
struct user_ref {
  std::string id;
  std::string display_name;
  std::string username;
  /// The platform's language hint (Telegram's `language_code`), may be empty.
  std::string language;
  bool is_bot = false;
  /// The platform said, with the message, that this person administers the
  /// group: a Discord member whose permissions hold ADMINISTRATOR or
  /// MANAGE_GUILD. Telegram says nothing (false): the command engine asks
  /// getChatMember when a command needs it.
  bool group_admin = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_ref& x) {
  return f(caf::meta::type_name("user_ref"), x.id, x.display_name, x.username,
           x.language, x.is_bot, x.group_admin);
}

/// A conversation. `id` is unique within the platform.
struct chat_ref {
  std::string id;
  chat_kind kind = chat_kind::private_chat;
  std::string title;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chat_ref& x) {
  return f(caf::meta::type_name("chat_ref"), x.id, x.kind, x.title);
}

/// A message a user sent to the bot, already parsed out of the platform's
/// payload.
struct incoming_message {
  platform_kind platform = platform_kind::console;
  /// The platform's id of this message (what a reply quotes).
  std::string message_id;
  chat_ref chat;
  user_ref author;
  std::string text;
  /// Set when the message replies to another message.
  std::string reply_to_message_id;
  /// The author of the replied-to message; meaningful when has_reply_author.
  user_ref reply_to_author;
  bool has_reply_author = false;
  /// The command's arguments exactly as the platform gave them, one per
  /// option (Discord's slash options), when has_arguments: the command
  /// parser takes these as they are instead of splitting `text` (which
  /// then only shows the command), so a value such as `AC/DC - Live` or one
  /// with quotes or spaces stays one literal argument.
  std::vector<std::string> arguments;
  bool has_arguments = false;
  /// When the node took it from the platform (Unix milliseconds; 0 when
  /// unknown, e.g. an update taken over from the inbox). The command
  /// engine's door counts the wait it already had against
  /// command.max-wait-ms.
  std::int64_t received_at_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, incoming_message& x) {
  return f(caf::meta::type_name("incoming_message"), x.platform, x.message_id,
           x.chat, x.author, x.text, x.reply_to_message_id, x.reply_to_author,
           x.has_reply_author, x.arguments, x.has_arguments, x.received_at_ms);
}

/// Semantic text styles; platforms render them (HTML, Markdown, plain text).
enum text_style : std::uint8_t {
  style_plain = 0,
  style_bold = 1,
  style_italic = 2,
  style_code = 4,
  style_link = 8,
};

/// A run of text with one style. Text is never escaped here: escaping is the
/// renderer's job, so a name like `<b>&` shows as written.
struct text_span {
  std::string text;
  std::uint8_t style = style_plain;
  /// The target when style has style_link.
  std::string url;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, text_span& x) {
  return f(caf::meta::type_name("text_span"), x.text, x.style, x.url);
}

/// A button under a reply: opens a URL or sends callback data to the event
/// engine.
struct button {
  std::string label;
  std::string url;
  std::string callback_data;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, button& x) {
  return f(caf::meta::type_name("button"), x.label, x.url, x.callback_data);
}

using rich_text = std::vector<text_span>;

/// What the bot answers.
struct outgoing_reply {
  std::string chat_id;
  /// The message this reply quotes; empty for none.
  std::string reply_to_message_id;
  rich_text text;
  /// An image shown with the text (a photo with a caption on Telegram).
  std::string image_url;
  /// Show the image as a link preview above the text instead of a photo (the
  /// user's "cover as link" setting).
  bool image_as_link = false;
  /// A picture the bot drew (a JPEG), sent as an upload with `text` as its
  /// caption: multipart sendPhoto on Telegram (editMessageMedia for an edit),
  /// an attachment on Discord, a file on the console. Takes precedence over
  /// `image_url`.
  std::string photo_jpeg;
  /// Rows of buttons.
  std::vector<std::vector<button>> buttons;
  /// Only the asker sees it, where the platform can do that (Discord's
  /// ephemeral messages: errors and help); other platforms ignore it.
  bool ephemeral = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outgoing_reply& x) {
  return f(caf::meta::type_name("outgoing_reply"), x.chat_id,
           x.reply_to_message_id, x.text, x.image_url, x.image_as_link,
           x.photo_jpeg, x.buttons, x.ephemeral);
}

/// How a command run ended, for metrics and logs.
enum class command_outcome : std::uint8_t {
  ok,           ///< the command ran and answered
  ignored,      ///< not a command, or not for us (e.g. unknown in a group)
  unknown,      ///< unknown command, answered with a hint
  usage,        ///< missing argument, answered with the usage line
  guard_failed, ///< a guard refused, answered with its message
  failed,       ///< the command threw or quit with an error: apology sent
  timed_out,    ///< the command did not answer within its deadline
  busy,         ///< the engine was full: told to retry
  shutting_down ///< the node is stopping and takes no new work
};

std::string to_string(command_outcome x);

/// The command engine's answer to one incoming message: zero or more replies.
struct command_result {
  std::vector<outgoing_reply> replies;
  command_outcome outcome = command_outcome::ignored;
  /// The canonical name of the command that ran, empty when none.
  std::string command;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command_result& x) {
  return f(caf::meta::type_name("command_result"), x.replies, x.outcome,
           x.command);
}

/// Builds rich text fluently: `text_builder{}.bold(name).plain(" is ...")`.
class text_builder {
public:
  text_builder& plain(std::string_view s);
  text_builder& bold(std::string_view s);
  text_builder& italic(std::string_view s);
  text_builder& code(std::string_view s);
  text_builder& link(std::string_view label, std::string_view url);
  text_builder& styled(std::string_view s, std::uint8_t style);
  text_builder& newline();
  rich_text take() { return std::move(spans_); }

private:
  rich_text spans_;
};

/// Concatenates the text of every span, ignoring styles.
std::string plain_text(const rich_text& text);

} // namespace lastgram
