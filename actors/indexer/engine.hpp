#pragma once

/// The indexer engine: the cluster's one library indexing scheduler
/// (messages/indexer.hpp has its door). It is a detached actor with its own
/// database connection: its writes are bulk pages (one transaction each),
/// and keeping them off the database engine's pool leaves that pool to
/// interactive queries.
///
/// Only the leader indexes (`is_leader`, the live member with the smallest
/// endpoint among those with the "indexer" role, like the Telegram poller);
/// every node answers progress and /index from the database. The leader
/// scans for due libraries every `scan_seconds` and indexes them one after
/// another through the fm engine's background lane: every page of the top
/// artists, then top albums and top tracks to their depth, then the
/// profile (user.getInfo: scrobble total, registration) and the scrobbles
/// of the last 8 days, which the botted-account rule reads. Each page is
/// staged with the state naming it, so a restarted (or killed) scheduler,
/// or the next leader, resumes at the page after the last stored one.
/// Artist names land as Last.fm files them: the store's known corrections
/// are applied, and up to `corrections_per_library` unknown names (most
/// played first) are looked up with artist.getCorrection and stored.
/// Libraries fall due every `interval_hours`, those of users active in
/// groups every `active_interval_hours`. /index refreshes a user indexed
/// recently through user.getRecentTracks `from` their newest counted
/// scrobble.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "caf/fwd.hpp"

#include "messages/fm_engine.hpp"
#include "messages/indexer.hpp"
#include "messages/settings.hpp"

namespace lastgram::indexer {

struct indexer_options {
  indexer_settings settings;
  database_settings database;
  /// The fm engine's current handle.
  std::function<fm_actor()> fm;
  /// Whether this node runs the scheduler now; empty means always.
  std::function<bool()> is_leader;
  /// Unix seconds; empty means the system clock (tests move time on).
  std::function<std::int64_t()> now;
  /// How long one background call may take before the indexer gives up on
  /// it; the fm engine answers busy at its own background deadline first
  /// (set this a little above lastfm background_deadline_ms).
  std::chrono::milliseconds fm_timeout{std::chrono::minutes{11}};
};

/// Spawns the indexer as a child of `parent`.
indexer_actor spawn_engine(caf::local_actor* parent, std::shared_ptr<const indexer_options> opts);

} // namespace lastgram::indexer
