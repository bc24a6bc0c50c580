#include "platforms/telegram/send_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace lastgram::telegram {

namespace {

// The gap between two sends at `per_second`, rounded up so that no window of
// one second ever holds more than the rate allows.
send_limiter::duration interval_for(double per_second) {
  if (!(per_second > 0))
    per_second = 1;
  auto ns = std::ceil(1e9 / per_second);
  return std::chrono::duration_cast<send_limiter::duration>(
    std::chrono::nanoseconds(static_cast<std::int64_t>(ns)));
}

// Below this many chat states nothing is pruned.
constexpr std::size_t min_prune_threshold = 1024;

} // namespace

chat_kind chat_kind_of(std::int64_t chat_id) noexcept {
  return chat_id > 0 ? chat_kind::private_chat : chat_kind::group;
}

std::string to_string(push_result r) {
  switch (r) {
    case push_result::queued:
      return "queued";
    case push_result::rejected_full:
      return "rejected_full";
    case push_result::rejected_chat_full:
      return "rejected_chat_full";
  }
  return "unknown";
}

send_limiter::send_limiter(send_limits limits)
  : limits_(limits),
    global_interval_(interval_for(limits.global_per_second)),
    private_interval_(interval_for(limits.private_per_second)),
    group_interval_(interval_for(limits.group_per_minute / 60.0)) {
  // nop
}

send_limiter::duration send_limiter::interval_of(chat_kind kind) const noexcept {
  return kind == chat_kind::group ? group_interval_ : private_interval_;
}

send_limiter::time_point send_limiter::ready_at(const chat_state& chat) const noexcept {
  return std::max(chat.next_send, chat.paused_until);
}

push_result send_limiter::push(std::int64_t chat_id, chat_kind kind, std::uint64_t item) {
  if (size_ >= limits_.max_queued)
    return push_result::rejected_full;
  auto& chat = chats_[chat_id];
  if (chat.items.size() >= limits_.max_queued_per_chat)
    return push_result::rejected_chat_full;
  chat.kind = kind;
  chat.items.push_back(item);
  ++size_;
  if (!chat.in_ring) {
    chat.in_ring = true;
    ring_.push_back(chat_id);
  }
  return push_result::queued;
}

void send_limiter::requeue_front(std::int64_t chat_id, chat_kind kind,
                                 std::uint64_t item) {
  auto& chat = chats_[chat_id];
  chat.kind = kind;
  chat.items.push_front(item);
  ++size_;
  if (!chat.in_ring) {
    chat.in_ring = true;
    ring_.push_back(chat_id);
  }
}

std::optional<ready_send> send_limiter::pop_ready(time_point now) {
  if (size_ == 0 || global_next_ > now || global_paused_until_ > now)
    return std::nullopt;
  for (auto pos = ring_.begin(); pos != ring_.end(); ++pos) {
    auto id = *pos;
    auto& chat = chats_[id];
    if (ready_at(chat) > now)
      continue;
    ready_send out{id, chat.items.front()};
    chat.items.pop_front();
    --size_;
    // Pace from the actual send time: a send that went out late does not
    // earn the next one an earlier slot.
    chat.next_send = now + interval_of(chat.kind);
    global_next_ = now + global_interval_;
    ring_.erase(pos);
    if (chat.items.empty())
      chat.in_ring = false;
    else
      ring_.push_back(id); // round-robin: this chat goes to the back
    if (chats_.size() >= prune_at_)
      prune(now);
    return out;
  }
  return std::nullopt;
}

std::optional<send_limiter::time_point> send_limiter::next_ready(time_point) const {
  if (size_ == 0)
    return std::nullopt;
  auto earliest = time_point::max();
  for (auto id : ring_) {
    auto it = chats_.find(id);
    if (it != chats_.end())
      earliest = std::min(earliest, ready_at(it->second));
  }
  return std::max({earliest, global_next_, global_paused_until_});
}

void send_limiter::pause_chat(std::int64_t chat_id, time_point now, duration retry_after) {
  auto it = chats_.find(chat_id);
  if (it == chats_.end())
    it = chats_.emplace(chat_id, chat_state{chat_kind_of(chat_id), {}, {}, {}, false}).first;
  it->second.paused_until = std::max(it->second.paused_until, now + retry_after);
}

void send_limiter::pause_all(time_point now, duration retry_after) {
  global_paused_until_ = std::max(global_paused_until_, now + retry_after);
}

std::size_t send_limiter::queued(std::int64_t chat_id) const {
  auto it = chats_.find(chat_id);
  return it == chats_.end() ? 0 : it->second.items.size();
}

std::size_t send_limiter::drop_chat(std::int64_t chat_id) {
  auto it = chats_.find(chat_id);
  if (it == chats_.end())
    return 0;
  auto n = it->second.items.size();
  size_ -= n;
  it->second.items.clear();
  if (it->second.in_ring) {
    ring_.erase(std::find(ring_.begin(), ring_.end(), chat_id));
    it->second.in_ring = false;
  }
  return n;
}

// Forgets chats that have nothing queued and whose pacing and pauses are
// over, so the state map does not grow with every chat ever served.
void send_limiter::prune(time_point now) {
  for (auto it = chats_.begin(); it != chats_.end();) {
    const auto& chat = it->second;
    if (!chat.in_ring && ready_at(chat) <= now)
      it = chats_.erase(it);
    else
      ++it;
  }
  prune_at_ = std::max(min_prune_threshold, 2 * chats_.size());
}

} // namespace lastgram::telegram
