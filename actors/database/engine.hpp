#pragma once

/// The database engine: the actor face of `store`. A router actor (engine.cpp)
/// hands each request of `database_actor` (messages/database.hpp) to one of a
/// pool of detached workers (worker.cpp), each a real OS thread owning one
/// blocking `store`, so no SQL ever runs on a CAF scheduler thread.
///
/// Behaviour callers can rely on:
/// - every request is answered: a value, or a caf::error of category "db"
///   (messages/errors.hpp) carrying the `db_errc` and an operator detail;
/// - while the database cannot be reached, requests fail with `unavailable`
///   at once (never by a request timeout); so do requests beyond
///   `max_queued_requests` waiting for a busy pool (detail "busy");
/// - workers reconnect by themselves, at most once per backoff interval
///   (`reconnect_backoff_initial` doubling up to `reconnect_backoff_max`),
///   so the engine recovers without traffic when the database returns;
/// - `health->set_ready("database", ...)` follows reachability: ready while
///   at least one worker is connected;
/// - migrations are not run here (the runtime runs them before the engine
///   starts); workers only open their connection.
/// - unknown users are answers, not errors: `unregister` and storing a
///   session key answer false, reading a session key answers "".

#include <chrono>
#include <cstddef>
#include <memory>

#include "caf/fwd.hpp"

#include "messages/database.hpp"
#include "messages/settings.hpp"

namespace lastgram {
class health_board;
} // namespace lastgram

namespace lastgram::database {

class pg_lane;

/// Requests waiting for a free worker beyond which new ones are refused with
/// `unavailable` ("busy") instead of queueing.
inline constexpr std::size_t max_queued_requests = 1000;

/// Wait between a worker's failed connection attempt and its next one; the
/// wait doubles after each failure up to `reconnect_backoff_max`. The cap
/// bounds how long a database that came back stays unused: with 30 s, a
/// 20 s PostgreSQL stop in the fault soak cost 9-11 s more of "storage
/// unavailable" after PostgreSQL was back (attempts at 1, 3, 7, 15 and 31 s),
/// and repeated short stops kept the node away for two minutes. A refused
/// attempt costs one connect per worker.
inline constexpr std::chrono::milliseconds reconnect_backoff_initial{1000};
inline constexpr std::chrono::milliseconds reconnect_backoff_max{5000};

/// Spawns the database engine as a child of `parent` and returns its router
/// behind the engine's typed door. The pool has `settings.pool_size` workers
/// (0: 2 with SQLite, 4 with PostgreSQL; at most 64); each opens its own connection with `settings` on
/// its own thread as soon as it starts. `health` may be null. The workers are
/// linked to the router and stop with it, whether it is told to exit or simply
/// dropped, so an actor_system can shut down. Note: a SQLite ":memory:" path
/// gives every worker its own empty database, so it is only usable for tests
/// that migrate nothing.
///
/// With `lane` (PostgreSQL, pg_lane.hpp) the hot path's requests go through
/// it while it is up, and to the workers when it cannot answer them.
database_actor spawn_engine(caf::local_actor* parent, database_settings settings,
                            std::shared_ptr<health_board> health,
                            std::shared_ptr<pg_lane> lane = nullptr);

} // namespace lastgram::database
