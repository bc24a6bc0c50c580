#pragma once

/// What an action button (context::action_button) keeps in the cache between
/// the reply that shows it and a press: who may press it, which command it
/// runs and on which platform. Pure functions, shared by the command context
/// (which stores it) and the event engine (which reads it).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/model.hpp"

namespace lastgram::event {

/// Callback data of an action button: the prefix, then the token.
inline constexpr std::string_view callback_prefix = "b:";

/// Cache key of a button's state: the prefix, then the token.
inline constexpr std::string_view cache_prefix = "button:";

/// Characters in a token: 22 URL-safe base64 characters, 132 random bits.
inline constexpr std::size_t token_length = 22;

/// The state behind one button.
struct button_state {
  platform_kind platform = platform_kind::console;
  /// The platform id of the only user who may press it; "" for anyone.
  std::string owner;
  /// The command a press runs and its arguments, e.g. "config" with
  /// {"tags", "off"}: handed to the command engine as they are, never
  /// parsed from text again.
  std::string command;
  std::vector<std::string> args;
};

/// A fresh random token from a generator of the calling thread (seeded once
/// per thread from std::random_device).
std::string make_token();

/// The token in a button's callback data; "" when `data` is not an action
/// button's ("b:" and exactly token_length URL-safe characters).
std::string_view token_of(std::string_view data);

/// The cache value of `state`: "<platform>:<owner length>:<owner><command>"
/// followed by each argument after a unit separator (0x1F).
std::string encode(const button_state& state);

/// The state in a cache value; std::nullopt for anything encode() did not
/// write.
std::optional<button_state> decode(std::string_view value);

} // namespace lastgram::event
