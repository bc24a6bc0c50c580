#pragma once

/// The event engine's typed interface: platforms hand it presses on buttons
/// that commands made (context::action_button) and get back what to answer
/// and how to change the message that holds the keyboard.

#include <string>
#include <vector>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/model.hpp"

namespace lastgram {

/// A user pressed a button carrying callback data.
struct button_press {
  platform_kind platform = platform_kind::console;
  /// The platform's id of the press (Telegram's callback query id), which
  /// the platform answers with press_result::notice.
  std::string press_id;
  user_ref from;
  /// The chat and message that hold the keyboard (what press_result::edit
  /// changes).
  chat_ref chat;
  std::string message_id;
  /// The button's callback_data.
  std::string data;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, button_press& x) {
  return f(caf::meta::type_name("button_press"), x.platform, x.press_id, x.from, x.chat,
           x.message_id, x.data);
}

/// The event engine's answer to one press.
struct press_result {
  /// The short text answering the press (Telegram's answerCallbackQuery,
  /// at most 200 characters); "" for none.
  std::string notice;
  /// Show `notice` as an alert the user must dismiss instead of a toast.
  bool alert = false;
  /// Replace the message that holds the keyboard with `reply` (text, image,
  /// buttons). `reply.reply_to_message_id` is empty.
  bool edit = false;
  outgoing_reply reply;
  /// New messages to send to the chat after the edit.
  std::vector<outgoing_reply> replies;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, press_result& x) {
  return f(caf::meta::type_name("press_result"), x.notice, x.alert, x.edit, x.reply,
           x.replies);
}

/// The event engine.
/// - button_press -> press_result: always answered (an expired, foreign or
///   malformed button gets an alert, never an error).
using event_actor = caf::typed_actor<caf::replies_to<button_press>::with<press_result>>;

} // namespace lastgram
