#pragma once

/// Commands of one chat take turns: one runs at a time, the others wait in
/// arrival order, and different chats never wait for each other. Pure
/// bookkeeping, no actor: the command engine owns one and tests drive it.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace lastgram::command {

template <class Item>
class chat_turns {
public:
  enum class admission {
    /// The chat was idle: the caller runs the item now (it is not kept).
    run_now,
    /// The chat is busy: the item waits for its turn.
    queued,
    /// The chat already has `limit` items waiting: the item is refused.
    full,
  };

  /// Admits `item` for `chat`, keeping at most `limit` items waiting.
  admission admit(const std::string& chat, Item& item, std::size_t limit) {
    auto [i, fresh] = chats_.try_emplace(chat);
    if (fresh)
      return admission::run_now;
    if (i->second.size() >= limit)
      return admission::full;
    i->second.push_back(std::move(item));
    ++waiting_;
    return admission::queued;
  }

  /// Ends the current turn of `chat`: the next item to run, or nothing when
  /// the chat is idle again.
  std::optional<Item> next(const std::string& chat) {
    auto i = chats_.find(chat);
    if (i == chats_.end())
      return std::nullopt;
    if (i->second.empty()) {
      chats_.erase(i);
      return std::nullopt;
    }
    std::optional<Item> out{std::move(i->second.front())};
    i->second.pop_front();
    --waiting_;
    return out;
  }

  /// Items waiting in every chat.
  std::size_t waiting() const noexcept { return waiting_; }

  /// Chats with a run in progress.
  std::size_t busy_chats() const noexcept { return chats_.size(); }

private:
  /// A chat is present while it has a run; its deque holds who waits.
  std::unordered_map<std::string, std::deque<Item>> chats_;
  std::size_t waiting_ = 0;
};

} // namespace lastgram::command
