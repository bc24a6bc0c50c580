#include "messages/telegram.hpp"

namespace lastgram::telegram {

std::string to_string(update_kind x) {
  switch (x) {
    case update_kind::message:
      return "message";
    case update_kind::edited_message:
      return "edited_message";
    case update_kind::callback_query:
      return "callback_query";
    case update_kind::inline_query:
      return "inline_query";
    case update_kind::my_chat_member:
      return "my_chat_member";
    case update_kind::unsupported:
      return "unsupported";
  }
  return "unknown";
}

std::string to_string(membership_change x) {
  switch (x) {
    case membership_change::added:
      return "added";
    case membership_change::removed:
      return "removed";
    case membership_change::other:
      return "other";
  }
  return "unknown";
}

} // namespace lastgram::telegram
