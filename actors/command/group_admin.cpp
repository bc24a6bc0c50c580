#include "actors/command/group_admin.hpp"

namespace lastgram::command {

bool telegram_status_is_admin(std::string_view status) noexcept {
  return status == "creator" || status == "administrator";
}

admin_cache::admin_cache(std::chrono::seconds ttl, std::size_t capacity)
  : ttl_(ttl), capacity_(capacity == 0 ? 1 : capacity) {
}

std::string admin_cache::key(std::string_view platform, std::string_view chat,
                             std::string_view user) {
  std::string out;
  out.reserve(platform.size() + chat.size() + user.size() + 2);
  out.append(platform).append(1, ':').append(chat).append(1, ':').append(user);
  return out;
}

std::optional<bool> admin_cache::find(const std::string& key,
                                      clock_type::time_point now) const {
  auto i = entries_.find(key);
  if (i == entries_.end() || i->second.expires <= now)
    return std::nullopt;
  return i->second.admin;
}

void admin_cache::put(std::string key, bool admin, clock_type::time_point now) {
  if (entries_.size() >= capacity_ && entries_.count(key) == 0) {
    for (auto i = entries_.begin(); i != entries_.end();)
      i = i->second.expires <= now ? entries_.erase(i) : std::next(i);
    if (entries_.size() >= capacity_)
      entries_.clear();
  }
  entries_[std::move(key)] = entry{admin, now + ttl_};
}

} // namespace lastgram::command
