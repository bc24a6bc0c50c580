#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>

#include "messages/model.hpp"
#include "messages/settings.hpp"

namespace lastgram::console {

/// The console chat's own state, without any I/O: who is typing, the
/// numbered history, and what a typed line means.
///
/// Lines that start with one of these are handled by the console itself:
///   /as <id> [name]   switch to another user (ids are free-form)
///   >N <text>         send <text> as a reply to message number N
///   /history          list the last messages with their numbers
/// Everything else is sent to the bot as typed.
class session {
public:
  explicit session(const console_settings& cfg);

  /// A line for the bot, or text the console answers itself.
  using outcome = std::variant<incoming_message, std::string>;

  /// Interprets one typed line; empty lines give an empty string.
  outcome on_line(const std::string& line);

  /// Records a reply the bot sent (so it can be replied to) and returns its
  /// history number.
  std::uint64_t on_bot_reply(const std::string& text);

  const user_ref& user() const { return user_; }

private:
  struct entry {
    std::uint64_t id;
    user_ref author;
    std::string text;
  };

  void remember(std::uint64_t id, const user_ref& author, std::string text);
  const entry* find(std::uint64_t id) const;
  std::string history_text() const;

  chat_ref chat_;
  user_ref user_;
  user_ref bot_;
  std::uint64_t next_id_ = 1;
  std::deque<entry> history_;
};

} // namespace lastgram::console
