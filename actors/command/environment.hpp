#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "messages/command.hpp"
#include "messages/settings.hpp"
#include "messages/telegram.hpp"

namespace lastgram {
class health_board;
struct engine_handles;
} // namespace lastgram

namespace lastgram::i18n {
class catalog;
} // namespace lastgram::i18n

namespace lastgram::caching {
class cache;
} // namespace lastgram::caching

namespace lastgram::database {
class direct_reads;
} // namespace lastgram::database

namespace lastgram::command {

class registry;

/// What every command run may read: shared, immutable after start.
struct environment {
  std::shared_ptr<const registry> commands;
  std::shared_ptr<const i18n::catalog> texts;
  command_settings settings;
  /// Users allowed to run developer commands, as "platform:id".
  std::vector<std::string> developers;
  std::string node_name;
  std::string default_language = "en";
  /// The platforms this node serves, for /botinfo.
  std::vector<std::string> platforms;
  std::chrono::steady_clock::time_point started_at
    = std::chrono::steady_clock::now();
  std::shared_ptr<health_board> health;
  /// The other engines, each behind its typed door (actors/support/engines.hpp);
  /// a handle is invalid while its engine is not running. Engines restart,
  /// so commands look handles up when they need them.
  std::shared_ptr<const engine_handles> engines;
  /// The node's in-process cache when it has no Redis: the caching engine
  /// serves the same object, so calling it directly (the per-user rate
  /// counters) saves a round trip. Null with Redis, whose counters are the
  /// cluster's and go through the caching engine.
  std::shared_ptr<caching::cache> local_cache;
  /// The guards' read and /ln's indexed count on the command's own thread
  /// when the database is a SQLite file (actors/database/direct_reads.hpp);
  /// null otherwise, or when it hands a read back: then the database engine
  /// serves it.
  std::shared_ptr<database::direct_reads> direct_reads;
  /// Deadline for requests a command makes to another engine.
  std::chrono::milliseconds engine_timeout{10000};
  /// Work placement in a cluster: the command engine of the node that owns
  /// `key` (a platform and chat), or an invalid handle to run here. Unset,
  /// or a single node: everything runs here.
  std::function<command_actor(std::string_view key)> place;
  /// Unix seconds for the per-user rate limit's windows; unset means the
  /// system clock (tests inject their own).
  std::function<std::int64_t()> wall_clock_seconds;
  /// How deep the indexer lists each user's tracks (indexer.track-depth): /ln
  /// takes a track's count from the index only within it; 0 never.
  std::int64_t track_index_depth = 0;
  /// This node's Telegram actor (getChatMember for guard_group_admin); unset
  /// or invalid when the node serves no Telegram.
  std::function<telegram_actor()> telegram;
  /// The Last.fm API key for /linkfm's authorisation link (public in OAuth URLs).
  std::string lastfm_api_key_public;
};

} // namespace lastgram::command
