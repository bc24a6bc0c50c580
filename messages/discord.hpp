#pragma once

/// The Discord platform's typed doors. A gateway shard hands every dispatch
/// it receives (INTERACTION_CREATE, GUILD_DELETE, READY, ...) to the Discord
/// platform actor through `discord_dispatch_sink`, as raw JSON text of the
/// payload's `d`; the platform actor parses and answers it (interaction
/// callbacks go over REST). The HTTP interactions endpoint reaches the same
/// handling through the platform actor's own door.

#include <cstdint>
#include <string>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/atoms.hpp"

namespace lastgram::discord {

/// (dispatch, event name `t`, shard id, `d` as JSON text).
using dispatch_atom = caf::atom_constant<caf::atom("dcdisp")>;

/// Where a gateway shard delivers dispatches. The Discord platform actor's
/// door includes this signature, so its handle converts to this one.
using dispatch_sink = caf::typed_actor<
  caf::reacts_to<dispatch_atom, std::string, std::int32_t, std::string>>;

} // namespace lastgram::discord
