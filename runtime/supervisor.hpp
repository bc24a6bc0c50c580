#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "messages/settings.hpp"

namespace lastgram {
class health_board;
} // namespace lastgram

namespace lastgram::runtime {

/// One child of a supervisor: a name and how to (re)start it.
struct child_spec {
  std::string name;
  /// Spawns the child and returns its handle. Called on start and on each
  /// restart, from inside the supervisor.
  std::function<caf::actor(caf::local_actor* self)> spawn;
  /// When true the child declares itself ready on the health board (e.g. a
  /// database engine once connected); otherwise it counts as ready once
  /// spawned.
  bool reports_ready = false;
};

/// What a supervisor watches over and how.
struct supervisor_spec {
  /// The engine this subtree belongs to ("command", "fm", ... or "root").
  std::string engine;
  std::vector<child_spec> children;
  supervision_settings policy;
  std::shared_ptr<health_board> health;
  /// Messages the supervisor does not understand itself go to its first
  /// child, so callers keep one stable handle across restarts.
  bool forward_to_first_child = true;
};

/// Spawns a supervisor. It monitors its children and restarts one that dies
/// abnormally after an exponential backoff; more than policy.max_restarts
/// restarts of one child within policy.restart_window_seconds make it give up
/// and quit with an error, which escalates to whoever monitors it (its parent
/// supervisor, or the node). An exit message (user_shutdown) stops the
/// children and then the supervisor.
caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_spec spec);

/// Same, spawned as a child of another actor (for nested subtrees).
caf::actor spawn_supervisor(caf::local_actor* parent, supervisor_spec spec);

/// The backoff before restart number `attempt` (1-based): initial * 2^(n-1),
/// capped at max. Pure, for tests.
std::int64_t restart_backoff_ms(const supervision_settings& policy,
                                int attempt);

} // namespace lastgram::runtime
