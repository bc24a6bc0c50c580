#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/support/text.hpp"

namespace lastgram {
struct incoming_message;
} // namespace lastgram

namespace lastgram::command {

/// A command line split into its parts: "/LN@lastgrambot a b" gives name "ln",
/// args "a b" and words {"a", "b"}.
struct parsed_command {
  /// Lower-cased command name, without the slash and the @bot suffix.
  std::string name;
  /// Everything after the name, trimmed (for "rest of the text" arguments).
  std::string args;
  /// args split on runs of white space.
  std::vector<std::string> words;
};

/// Parses a message text as a command. Returns nothing when the text is not a
/// command, or when it is addressed to another bot (`/ln@otherbot`).
/// `bot_name` is compared case-insensitively; empty accepts any suffix.
std::optional<parsed_command> parse(std::string_view text,
                                    std::string_view bot_name);

/// Parses a message as a command: its text, or, when the platform gave the
/// arguments one by one (`msg.has_arguments`, Discord's options), the name
/// from the text and the arguments as they are: `words` are the non-empty
/// arguments, never split again, and `args` is them joined by one space
/// (exactly the value when there is one).
std::optional<parsed_command> parse_message(const incoming_message& msg,
                                            std::string_view bot_name);

} // namespace lastgram::command
