#pragma once

/// The logging engine: the actor face of the node's log writer, its ring of
/// recent problems and its metrics, implementing `logging_actor`
/// (messages/logging.hpp).
///
/// The writer itself is process-wide, because a line can be logged from any
/// thread (Beast, the signal watcher, static destructors) and must not cost a
/// message: the runtime starts it with log::init() before any actor runs and
/// drains it with log::shutdown() after the last one stopped. The engine is
/// the door to it for the other engines and the diagnostics: it answers the
/// writer's counts, flushes on request and when it stops, hands out the
/// recent warnings and errors, and every second copies the counts into
/// `lastgram_log_written_total` and `lastgram_log_dropped_total`.
///
/// It is a detached actor: a flush waits for the writer thread (with a
/// deadline), which must not hold a CAF worker.

#include <chrono>

#include "caf/fwd.hpp"

#include "messages/logging.hpp"

namespace lastgram::logging {

/// How often the engine copies the writer's counts into the metrics.
inline constexpr std::chrono::milliseconds metrics_interval{1000};

/// How long a `flush` request (and the flush when the engine stops) waits
/// for the writer.
inline constexpr std::chrono::milliseconds flush_deadline{2000};

/// Spawns the logging engine as a child of `parent`.
logging_actor spawn_engine(caf::local_actor* parent);

/// Copies the writer's counts into the two metrics (what the engine's timer
/// does); returns the counts.
log_stats sync_metrics();

} // namespace lastgram::logging
