#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lastgram::command {

/// Protection levels of the original bot, combinable as a bit mask.
enum guard : std::uint16_t {
  guard_none = 0,
  /// The author has a profile and is not banned.
  guard_registered = 1 << 0,
  /// Registered and linked through Last.fm's OAuth (has a session key).
  guard_linked = 1 << 1,
  /// As a reply: the replied-to user must be registered; otherwise the author.
  guard_targetable = 1 << 2,
  /// Must be a reply to a registered user.
  guard_targeted = 1 << 3,
  guard_only_dms = 1 << 4,
  guard_no_dms = 1 << 5,
  guard_developer = 1 << 6,
  /// The author is not banned from crowns.
  guard_crowns_enabled = 1 << 7,
  /// In a group: a developer or one of the group's administrators (Telegram's
  /// getChatMember, Discord's member permissions); see group_admin.hpp.
  guard_group_admin = 1 << 8,
};

/// Everything the guards look at, gathered before a command runs.
struct guard_facts {
  bool is_private = false;
  bool is_developer = false;
  bool author_registered = false;
  bool author_banned = false;
  bool author_linked = false;
  bool author_crown_banned = false;
  /// The message replies to another (human) user's message.
  bool replies_to_user = false;
  bool target_registered = false;
  bool target_banned = false;
  std::string target_name;
  /// The author administers the group (only looked up for commands with
  /// guard_group_admin, by the command engine).
  bool is_group_admin = false;
};

/// Why a guard refused: the translation key and its {name} argument.
struct guard_failure {
  std::string key;
  std::string name;
};

/// Evaluates the guards in a fixed order (developer, chat kind, group
/// admin, target, registration, link, crowns) and returns the first failure, if any.
/// Unlike the original bot, where concurrent guards raced and the last one
/// won, the answer is deterministic.
std::optional<guard_failure> check_guards(std::uint16_t guards,
                                          const guard_facts& facts);

} // namespace lastgram::command
