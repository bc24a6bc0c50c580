#pragma once

#include <functional>

#include "caf/fwd.hpp"

#include "messages/settings.hpp"

namespace lastgram::server {

class http_server;

/// Spawns the server engine: an actor that owns the HTTP server for as long
/// as it lives. `add_routes` registers the routes on each (re)start. Failing
/// to listen (address in use, bad address) makes the actor die with the
/// reason, so its supervisor retries with backoff while /readyz (if it can be
/// served at all) says not ready.
caf::actor spawn_engine(caf::local_actor* parent, server_settings settings,
                        std::function<void(http_server&)> add_routes);

} // namespace lastgram::server
