#pragma once

/// Who administers a group, for guard_group_admin: what a platform's answer
/// means, and a small per-node cache so that a burst of admin commands does
/// not ask Telegram once per command. Pure: no actor, no I/O.

#include <chrono>
#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace lastgram::command {

/// Whether a Telegram ChatMember `status` (getChatMember) is one of the
/// group's administrators: "creator" or "administrator".
bool telegram_status_is_admin(std::string_view status) noexcept;

/// Remembers, for a short time, whether a user administers a group. Keys
/// are "<platform>:<chat>:<user>" (see admin_cache::key).
class admin_cache {
public:
  using clock_type = std::chrono::steady_clock;

  explicit admin_cache(std::chrono::seconds ttl = std::chrono::seconds{60},
                       std::size_t capacity = 10000);

  static std::string key(std::string_view platform, std::string_view chat,
                         std::string_view user);

  /// The remembered answer, or nothing when unknown or older than the TTL.
  std::optional<bool> find(const std::string& key, clock_type::time_point now) const;

  /// Remembers `admin` for `key` from `now`. A full cache first drops what
  /// expired, then, still full, everything (a burst of new groups costs one
  /// getChatMember more each, never unbounded memory).
  void put(std::string key, bool admin, clock_type::time_point now);

  std::size_t size() const noexcept { return entries_.size(); }

private:
  struct entry {
    bool admin = false;
    clock_type::time_point expires;
  };
  std::chrono::seconds ttl_;
  std::size_t capacity_;
  std::unordered_map<std::string, entry> entries_;
};

} // namespace lastgram::command
