#pragma once

/// The Discord gateway's typed doors: one actor per shard (a websocket to
/// Discord's gateway that hands every dispatch to a `discord::dispatch_sink`,
/// see messages/discord.hpp), and the identify gate the shards of a node
/// share so that their Identify calls respect `max_concurrency` and the
/// session start limit.

#include <cstdint>
#include <string>

#include "caf/meta/type_name.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/atoms.hpp"

namespace lastgram::discord {

/// (identify, shard id) -> milliseconds to wait before sending Identify.
using gateway_identify_atom = caf::atom_constant<caf::atom("dcgwident")>;

/// What one shard reports for /diag.
struct gateway_shard_stats {
  std::int32_t shard = 0;
  std::int32_t shard_count = 1;
  /// "disconnected", "connected", "identifying", "resuming", "ready" or
  /// "stopped"; "elsewhere" when another cluster member runs the shard.
  std::string state;
  /// The last sequence number received (0 before any).
  std::int64_t seq = 0;
  /// A session exists that a reconnect can resume.
  bool session = false;
  /// Connections made after the first.
  std::int64_t reconnects = 0;
  /// The last heartbeat's round trip in milliseconds; -1 before the first ACK.
  std::int64_t heartbeat_rtt_ms = -1;
  /// Dispatches handed to the sink.
  std::int64_t dispatches = 0;
  /// Why the shard stopped for good ("" while it runs), e.g. a refused token.
  std::string stop_reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gateway_shard_stats& x) {
  return f(caf::meta::type_name("discord_gateway_shard_stats"), x.shard, x.shard_count, x.state,
           x.seq, x.session, x.reconnects, x.heartbeat_rtt_ms, x.dispatches, x.stop_reason);
}

/// One gateway shard.
/// - stats -> gateway_shard_stats;
/// - shutdown: closes the connection with 1000 (the session ends) and quits.
using gateway_shard_actor = caf::typed_actor<
  caf::replies_to<stats_atom>::with<gateway_shard_stats>,
  caf::reacts_to<shutdown_atom>>;

/// Schedules the Identify calls of a node's shards (see
/// platforms/discord/gateway_scheduler.hpp): answers how long the shard must
/// wait, having reserved that slot.
using gateway_identify_gate = caf::typed_actor<
  caf::replies_to<gateway_identify_atom, std::int32_t>::with<std::int64_t>>;

} // namespace lastgram::discord
