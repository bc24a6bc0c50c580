#pragma once

#include <memory>

#include "caf/fwd.hpp"

namespace lastgram::command {

struct environment;

/// Spawns the command engine: it parses what users send, checks guards and
/// runs each command in its own short-lived actor, answering the platform
/// with a command_result (see messages/command.hpp). A run that throws,
/// fails or times out is answered with a localized apology, logged with its
/// command, platform, chat and reason, and counted as a restart of the
/// command engine's workers; other runs never notice.
caf::actor spawn_engine(caf::local_actor* parent,
                        std::shared_ptr<const environment> env);

} // namespace lastgram::command
