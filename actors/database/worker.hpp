#pragma once

/// Internal to actors/database: what the router (engine.cpp) and its detached
/// connection workers (worker.cpp) share. Nothing here leaves the node.

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

/// (done): the worker answered its request and is free again.
using done_atom = caf::atom_constant<caf::atom("db_done")>;

/// (link_state, connected, error): the worker connected or lost the database.
using link_state_atom = caf::atom_constant<caf::atom("db_link")>;

/// The router: the engine's door plus the workers' bookkeeping messages.
using router_actor
  = database_actor::extend<caf::reacts_to<done_atom>,
                           caf::reacts_to<link_state_atom, bool, std::string>>;

/// A worker: the engine's door, served on its own connection, plus (tick),
/// its own reconnect timer.
using worker_actor = database_actor::extend<caf::reacts_to<tick_atom>>;

/// The engine's name in logs, metrics and the health board.
inline constexpr std::string_view engine_name = "database";

/// Counts a request answered with `code` in lastgram_database_errors_total.
void count_error(db_errc code);

/// Spawns one worker, detached (it blocks in SQL) and linked to `router`,
/// which must be the calling actor: the worker reports to it and stops with
/// it. The worker opens its connection with `cfg` as soon as it starts.
worker_actor spawn_worker(caf::local_actor* router, const database_settings& cfg);

} // namespace lastgram::database::detail
