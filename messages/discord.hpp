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

/// (interaction, body JSON) -> callback JSON: an interaction POSTed to the
/// HTTP endpoint (signature already checked, not a PING); the answer is the
/// HTTP response's body (e.g. `{"type":4,"data":{...}}` or `{"type":5}`).
using interaction_atom = caf::atom_constant<caf::atom("dcinter")>;

} // namespace lastgram::discord

namespace lastgram {

/// The Discord platform actor (actors/multiplatform/discord.hpp):
/// - (dispatch, event, shard, d JSON): a gateway dispatch; INTERACTION_CREATE
///   is answered over REST, GUILD_DELETE (not an outage) marks the server's
///   group inactive, others are ignored;
/// - (interaction, body) -> callback body: see interaction_atom;
/// - (drain, deadline ms) -> answers still pending: answer once every
///   pending interaction was finished or the deadline passed;
/// - shutdown: take no new interactions.
using discord_actor = caf::typed_actor<
  caf::reacts_to<discord::dispatch_atom, std::string, std::int32_t, std::string>,
  caf::replies_to<discord::interaction_atom, std::string>::with<std::string>,
  caf::replies_to<drain_atom, std::int64_t>::with<std::int64_t>, caf::reacts_to<shutdown_atom>>;

} // namespace lastgram
