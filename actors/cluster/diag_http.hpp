#pragma once

#include <chrono>
#include <functional>

#include "messages/diag.hpp"

#include "actors/server/http_server.hpp"

namespace lastgram::cluster {

/// Serves `GET /diag`: the diagnostics report as JSON
/// (platforms/json/diag_report.hpp), to loopback clients only. Any other
/// client gets 403 whatever address the server binds to: the report names
/// every engine and recent error, and remote operators reach it through
/// `ssh -L`. `diag` returns the current
/// diagnostics actor (invalid while it restarts: 503); the report must
/// arrive within `timeout` (else 503).
void add_diag_route(server::http_server& srv, std::function<diag_actor()> diag,
                    std::chrono::milliseconds timeout = std::chrono::seconds{5});

/// The handler add_diag_route() registers, for tests.
server::handler make_diag_handler(std::function<diag_actor()> diag,
                                  std::chrono::milliseconds timeout);

} // namespace lastgram::cluster
