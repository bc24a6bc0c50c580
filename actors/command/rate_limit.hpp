#pragma once

/// The per-user command rate limit's arithmetic: fixed windows (13 commands
/// in 10 s and 35 in 40 s by default), each counted under a key that names
/// the window it belongs to, and the verdict on a command from the counts.
/// Pure: the counting happens in the caching engine (Redis when configured,
/// so every node shares the counts) or in `memory_counters`.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "messages/settings.hpp"

namespace lastgram::command {

/// At most `limit` commands per `seconds`.
struct rate_window {
  std::int64_t limit = 0;
  std::int64_t seconds = 1;
};

/// The configured windows; a limit of 0 leaves its window out.
std::vector<rate_window> rate_windows(const command_settings& s);

/// The counter key of `user` ("platform:id") in `w` at `now` (Unix seconds):
/// one key per window period, so a period's counter expires on its own.
std::string rate_key(std::string_view user, const rate_window& w, std::int64_t now);

/// What to do with a command.
enum class rate_verdict : std::uint8_t {
  /// Under every limit: run it.
  allowed,
  /// The first command over a limit: answer "slow down".
  warn,
  /// Over a limit that was already answered: drop it quietly.
  drop,
};

/// The verdict for counts[i] commands (this one included) in windows[i]. A
/// command is warned when it is the first over some window's limit and no
/// window was already over before it; it is dropped when a window was.
rate_verdict judge(const std::vector<std::int64_t>& counts,
                   const std::vector<rate_window>& windows);

/// Fixed-window counters in memory, for a node without a caching engine.
/// Entries live until their window ends; expired ones are pruned as the map
/// grows, so it holds about one entry per active user and window.
class memory_counters {
public:
  /// Adds one to `key`'s counter (a new one lives `ttl` seconds from `now`)
  /// and returns the new count.
  std::int64_t increment(const std::string& key, std::int64_t ttl, std::int64_t now);

  std::size_t size() const { return counters_.size(); }

private:
  struct counter {
    std::int64_t count = 0;
    std::int64_t expires = 0;
  };
  std::unordered_map<std::string, counter> counters_;
  std::size_t prune_at_ = 1024;
};

} // namespace lastgram::command
