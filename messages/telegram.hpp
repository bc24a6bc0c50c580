#pragma once

/// The Telegram platform's typed door, and the Telegram updates it takes:
/// plain model structs that platforms/telegram/update.hpp parses from the
/// Bot API's JSON.

#include <cstdint>
#include <string>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/atoms.hpp"
#include "messages/model.hpp"

namespace lastgram::telegram {

/// Which part of an update is set.
enum class update_kind : std::uint8_t {
  message,
  /// An edit of an earlier message; callers ignore it (commands run once).
  edited_message,
  callback_query,
  inline_query,
  my_chat_member,
  /// Any other update type; `parsed_update::unsupported_field` names it.
  unsupported,
};

/// The stable snake_case name of `x`.
std::string to_string(update_kind x);

/// A press on an inline keyboard button with callback data.
struct callback_query {
  std::string id;
  user_ref from;
  /// Chat and message of the keyboard; empty when Telegram did not send the
  /// message (too old, or the button sat under an inline-mode message).
  std::string chat_id;
  std::string message_id;
  std::string data;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, callback_query& x) {
  return f(caf::meta::type_name("telegram_callback_query"), x.id, x.from, x.chat_id,
           x.message_id, x.data);
}

/// A query typed after the bot's @username in any chat (inline mode).
struct inline_query {
  std::string id;
  user_ref from;
  std::string query;
  std::string offset;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inline_query& x) {
  return f(caf::meta::type_name("telegram_inline_query"), x.id, x.from, x.query, x.offset);
}

/// What a my_chat_member change means for the bot.
enum class membership_change : std::uint8_t {
  /// New status "member" or "administrator".
  added,
  /// New status "left" or "kicked".
  removed,
  /// Anything else ("restricted", "creator"): no action.
  other,
};

/// The stable snake_case name of `x`.
std::string to_string(membership_change x);

/// The bot's own membership in a chat changed.
struct chat_member_update {
  chat_ref chat;
  /// Who made the change.
  user_ref from;
  /// Telegram's `new_chat_member.status`, verbatim.
  std::string new_status;
  membership_change change = membership_change::other;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chat_member_update& x) {
  return f(caf::meta::type_name("telegram_chat_member_update"), x.chat, x.from, x.new_status,
           x.change);
}

/// One update. Exactly the member matching `kind` is meaningful: `message`
/// for message and edited_message, `callback` for callback_query, `inline_`
/// for inline_query, `member` for my_chat_member.
struct parsed_update {
  std::int64_t update_id = 0;
  update_kind kind = update_kind::unsupported;
  incoming_message message;
  callback_query callback;
  inline_query inline_;
  chat_member_update member;
  /// A message's `left_chat_member.id`: that user left the group (or was
  /// removed); empty otherwise.
  std::string left_member_id;
  /// A message's `migrate_to_chat_id`: the group became this supergroup.
  std::string migrate_to_chat_id;
  /// The name of the update's payload field when kind is unsupported
  /// (e.g. "channel_post"), empty when the update had none.
  std::string unsupported_field;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, parsed_update& x) {
  return f(caf::meta::type_name("telegram_update"), x.update_id, x.kind, x.message, x.callback,
           x.inline_, x.member, x.left_member_id, x.migrate_to_chat_id,
           x.unsupported_field);
}

} // namespace lastgram::telegram

namespace lastgram {

using tg_update_atom = caf::atom_constant<caf::atom("tgupdate")>;
using chat_member_atom = caf::atom_constant<caf::atom("chatmember")>;

/// The Telegram platform actor (actors/multiplatform/telegram.hpp).
/// - (tg_update, update): an update to handle now, not recorded anywhere;
/// - (tg_update, update, raw body) -> bool: an update that arrived by webhook
///   (already parsed, so that the server answers 400 to a malformed body),
///   answered once it is stored durably in the inbox (true: new, false: its
///   id was stored before), or with an error when it could not be stored
///   (the webhook then answers 503 and Telegram retries);
/// - (drain, deadline ms) -> remaining queued sends: stop polling and answer
///   once every queued message was sent or the deadline passed;
/// - shutdown: stop polling (queued sends still go out);
/// - (chat_member, chat id, user id) -> the member's status as getChatMember
///   answers it ("creator", "administrator", "member", "restricted", "left",
///   "kicked"), or an error when Telegram could not be asked.
using telegram_actor
  = caf::typed_actor<caf::reacts_to<tg_update_atom, telegram::parsed_update>,
                     caf::replies_to<tg_update_atom, telegram::parsed_update,
                                     std::string>::with<bool>,
                     caf::replies_to<drain_atom, std::int64_t>::with<std::int64_t>,
                     caf::reacts_to<shutdown_atom>,
                     caf::replies_to<chat_member_atom, std::string,
                                     std::string>::with<std::string>>;

} // namespace lastgram
