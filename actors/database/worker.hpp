#pragma once

/// Internal to actors/database: what the router (engine.cpp) and its detached
/// connection workers (worker.cpp) share. Nothing here leaves the node.

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/atoms.hpp"
#include "messages/database.hpp"
#include "messages/db.hpp"
#include "messages/settings.hpp"

namespace lastgram::database::detail {

/// (done): a worker answered its request while requests wait in the
/// router's queue (see pool_board).
using done_atom = caf::atom_constant<caf::atom("db_done")>;

/// What the router and one worker share without messages. The router
/// clears `free` as it hands the worker a request; the worker sets it once
/// it answered, and tells the router (done_atom) only when `queued` says
/// requests wait. Each side stores, then loads (sequentially consistent):
/// of a request queued while a worker finishes, one of the two sees the
/// other's store, so no request waits beside a free worker. This saves the
/// router a message, and its thread a wake-up, per request.
struct pool_board {
  std::atomic<bool> free{true};
  /// Requests in the router's queue; shared by every worker's board.
  std::shared_ptr<std::atomic<std::size_t>> queued;
};

/// (link_state, connected, error): the worker connected or lost the database.
using link_state_atom = caf::atom_constant<caf::atom("db_link")>;

/// (via_workers, request...): a hot-path request PostgreSQL's pipelined
/// lane (pg_lane.hpp) took and could not answer, for the workers.
using via_workers_atom = caf::atom_constant<caf::atom("viaworkers")>;

/// The router: the engine's door plus the workers' bookkeeping messages and
/// the lane's hand-backs.
using router_actor = database_actor::extend<
  caf::reacts_to<done_atom>, caf::reacts_to<link_state_atom, bool, std::string>,
  caf::replies_to<via_workers_atom, facts_atom, platform_kind, std::string, std::string,
                  std::string>::with<guard_users>,
  caf::replies_to<via_workers_atom, plays_atom, indexed_plays_query>::with<std::int64_t>,
  caf::replies_to<via_workers_atom, inbox_atom, std::vector<inbox_entry>,
                  std::string>::with<std::vector<std::string>>,
  caf::replies_to<via_workers_atom, inbox_mark_atom, platform_kind, std::vector<std::string>,
                  std::vector<std::string>>::with<std::int64_t>>;

/// A worker: the engine's door, served on its own connection, plus (tick),
/// its own reconnect timer.
using worker_actor = database_actor::extend<caf::reacts_to<tick_atom>>;

/// The engine's name in logs, metrics and the health board.
inline constexpr std::string_view engine_name = "database";

/// Counts a request answered with `code` in lastgram_database_errors_total.
void count_error(db_errc code);

/// Spawns one worker, detached (it blocks in SQL) and linked to `router`,
/// which must be the calling actor: the worker reports to it and stops with
/// it, and marks itself free on `board`. The worker opens its connection
/// with `cfg` as soon as it starts.
worker_actor spawn_worker(caf::local_actor* router, const database_settings& cfg,
                          std::shared_ptr<pool_board> board);

} // namespace lastgram::database::detail
