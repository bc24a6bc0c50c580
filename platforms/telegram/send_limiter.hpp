#pragma once

/// Pacing of outgoing Telegram messages, with the clock passed in (no
/// sleeping, no threads). Telegram allows about 30 messages a second overall,
/// one a second per private chat and 20 a minute per group; a message that
/// has to wait is queued per chat instead of dropped, chats are served
/// round-robin, and a 429 pauses exactly the chat (or everything) it names.
///
/// The limiter holds opaque `std::uint64_t` items (e.g. ids of the caller's
/// pending sends); the caller keeps the payloads.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

namespace lastgram::telegram {

/// How a chat is limited.
enum class chat_kind : std::uint8_t {
  /// A private chat with one user (1 message/s).
  private_chat,
  /// A group, supergroup or channel (20 messages/min).
  group,
};

/// Telegram's convention: users have positive ids, groups and channels
/// negative ones.
chat_kind chat_kind_of(std::int64_t chat_id) noexcept;

/// Limits of the limiter; defaults follow Telegram's documented limits.
struct send_limits {
  /// Messages per second over all chats (paced evenly).
  double global_per_second = 30;
  /// Messages per second to one private chat.
  double private_per_second = 1;
  /// Messages per minute to one group.
  double group_per_minute = 20;
  /// Items waiting over all chats; more are rejected.
  std::size_t max_queued = 10000;
  /// Items waiting for one chat; more are rejected (keeps one flooded chat
  /// from filling the whole queue).
  std::size_t max_queued_per_chat = 100;
};

/// Whether `push` accepted an item.
enum class push_result : std::uint8_t {
  queued,
  /// `max_queued` items are already waiting.
  rejected_full,
  /// `max_queued_per_chat` items are already waiting for this chat.
  rejected_chat_full,
};

/// The enumerator name, e.g. "rejected_full".
std::string to_string(push_result r);

/// An item that may be sent now.
struct ready_send {
  std::int64_t chat_id = 0;
  std::uint64_t item = 0;
};

/// Decides when each queued message may be sent.
class send_limiter {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;
  using duration = clock::duration;

  explicit send_limiter(send_limits limits = {});

  /// Queues `item` for `chat_id` (limited as `kind`).
  push_result push(std::int64_t chat_id, chat_kind kind, std::uint64_t item);

  /// Queues `item`, taking the kind from the chat id's sign.
  push_result push(std::int64_t chat_id, std::uint64_t item) {
    return push(chat_id, chat_kind_of(chat_id), item);
  }

  /// Puts back an item that was popped but could not be sent (a 429 or a
  /// network error) at the head of its chat's queue, so the chat keeps its
  /// order. Never rejected: the item was already admitted once.
  void requeue_front(std::int64_t chat_id, chat_kind kind, std::uint64_t item);

  /// The next item allowed at `now`, taken from the chats round-robin;
  /// nothing when every chat with work is still waiting (or all paused).
  std::optional<ready_send> pop_ready(time_point now);

  /// The earliest time at which `pop_ready` will return an item (may be
  /// <= `now`); nothing when no item is queued.
  std::optional<time_point> next_ready(time_point now) const;

  /// After a 429 for `chat_id`: no message to that chat before
  /// `now + retry_after`. Other chats are not affected.
  void pause_chat(std::int64_t chat_id, time_point now, duration retry_after);

  /// After a 429 that concerns the bot as a whole: nothing is sent before
  /// `now + retry_after`.
  void pause_all(time_point now, duration retry_after);

  /// Items waiting over all chats.
  std::size_t size() const noexcept {
    return size_;
  }

  /// Items waiting for `chat_id`.
  std::size_t queued(std::int64_t chat_id) const;

  /// Items of `chat_id` removed, e.g. when the bot was blocked there (403).
  std::size_t drop_chat(std::int64_t chat_id);

private:
  struct chat_state {
    chat_kind kind = chat_kind::private_chat;
    std::deque<std::uint64_t> items;
    /// No send before this (pacing).
    time_point next_send{};
    /// No send before this (a 429).
    time_point paused_until{};
    /// Whether the chat is in `ring_`.
    bool in_ring = false;
  };

  duration interval_of(chat_kind kind) const noexcept;
  time_point ready_at(const chat_state& chat) const noexcept;
  void prune(time_point now);

  send_limits limits_;
  duration global_interval_;
  duration private_interval_;
  duration group_interval_;
  time_point global_next_{};
  time_point global_paused_until_{};
  std::unordered_map<std::int64_t, chat_state> chats_;
  /// Chats with queued items, in service order.
  std::deque<std::int64_t> ring_;
  std::size_t size_ = 0;
  /// Prune idle chat states once the map reaches this size.
  std::size_t prune_at_ = 1024;
};

} // namespace lastgram::telegram
