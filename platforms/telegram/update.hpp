#pragma once

/// Parsing of Telegram Bot API payloads: updates (from getUpdates or a
/// webhook) into the common model (the update structs live in
/// messages/telegram.hpp), and the `{ok, result, ...}` envelope every
/// Bot API method answers with. Pure functions, no I/O; RapidJSON stays in
/// update.cpp.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "messages/expected.hpp"
#include "messages/model.hpp"
#include "messages/telegram.hpp"

namespace lastgram::telegram {

// -- errors -------------------------------------------------------------------

/// Why a payload could not be parsed.
enum class parse_errc : std::uint8_t {
  /// Not JSON at all, or truncated JSON.
  malformed_json,
  /// A field the Bot API always sends is absent.
  missing_field,
  /// A field has the wrong JSON type (e.g. a string where a number belongs).
  wrong_type,
};

/// The stable snake_case name of `x`.
std::string to_string(parse_errc x);

/// A parse failure: the code plus a message naming the offending field, e.g.
/// "missing field message.chat.id". For logs only, never shown to users.
struct parse_error {
  parse_errc code = parse_errc::malformed_json;
  std::string message;
};

template <class T>
using parse_result = expected<T, parse_error>;

// -- updates ------------------------------------------------------------------

/// Parses one Update object. A message without `text` takes its `caption`
/// (empty when it has neither, e.g. a sticker). A reply to a message whose
/// author is Telegram's service account 777000 (a channel post forwarded
/// into its linked discussion group) keeps `reply_to_message_id` but has no
/// reply author. Never throws.
parse_result<parsed_update> parse_update(std::string_view json);

// -- responses ----------------------------------------------------------------

/// The envelope of every Bot API answer.
struct api_response {
  bool ok = false;
  /// The raw JSON text of `result` (empty when absent).
  std::string result;
  /// Telegram's error code (an HTTP status) when !ok, otherwise 0.
  int error_code = 0;
  std::string description;
  /// `parameters.retry_after` in seconds (a 429 flood wait), otherwise 0.
  std::int64_t retry_after = 0;
  /// `parameters.migrate_to_chat_id` (a group became a supergroup), as a
  /// string chat id; empty when absent.
  std::string migrate_to_chat_id;
};

/// Parses a Bot API response body (success or error). Never throws.
parse_result<api_response> parse_response(std::string_view json);

/// The bot's own account, from getMe.
struct bot_identity {
  std::string id;
  std::string username;
};

/// The `status` of getChatMember's ChatMember `result` ("creator",
/// "administrator", "member", "restricted", "left" or "kicked").
parse_result<std::string> parse_chat_member_status(std::string_view result_json);

/// Parses getMe's `result` object (api_response::result).
parse_result<bot_identity> parse_get_me(std::string_view result_json);

/// One update of a getUpdates batch, kept raw so that one unparsable update
/// does not cost the whole batch: the caller still advances its offset past
/// `update_id` and parses `json` with parse_update.
struct raw_update {
  std::int64_t update_id = 0;
  std::string json;
};

/// Splits getUpdates' `result` array into raw updates. Fails only when the
/// array itself is malformed or an element lacks an integer `update_id`.
parse_result<std::vector<raw_update>> parse_updates(std::string_view result_json);

} // namespace lastgram::telegram
