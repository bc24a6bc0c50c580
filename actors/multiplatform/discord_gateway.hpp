#pragma once

/// Discord gateway shards of the multiplatform engine: one actor per shard
/// keeps a websocket to the gateway (platforms/discord/gateway_socket.hpp),
/// drives the protocol (platforms/discord/gateway_protocol.hpp) and hands
/// every dispatch to the Discord platform actor through its
/// `discord::dispatch_sink`. Doors: messages/discord_gateway.hpp.
///
/// A fatal close (a refused token, disallowed intents, a bad shard) stops
/// the shard for good: it logs the reason once, calls `on_fatal`, never
/// reconnects, and keeps answering `stats` with state "stopped" and the
/// reason, so that a supervisor does not restart it into the same refusal.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "caf/fwd.hpp"

#include "messages/discord.hpp"
#include "messages/discord_gateway.hpp"
#include "platforms/discord/gateway_protocol.hpp"

namespace lastgram::discord::gateway {
class socket_transport;
class identify_scheduler;
struct session_start_limit;
} // namespace lastgram::discord::gateway

namespace lastgram::multiplatform {

/// What one shard needs.
struct gateway_shard_options {
  /// URL (GET /gateway/bot's `url`, or discord.gateway-url; the v10 json
  /// query is added), token (secret: only ever inside Identify and Resume),
  /// shard id and count, presence text ("Listening to /help"), and the
  /// reconnect backoff and Invalid Session wait.
  discord::gateway::shard_settings shard;
  /// Receives every dispatch (READY and RESUMED included), in order.
  discord::dispatch_sink sink;
  /// When set, asked for the sink at each dispatch instead of `sink` (the
  /// platform actor's current handle, which a restart replaces).
  std::function<discord::dispatch_sink()> sink_of;
  /// The node's identify gate; an invalid handle identifies at once.
  discord::gateway_identify_gate gate;
  /// When set, asked for the gate at each identify instead of `gate` (the
  /// supervised gate's current handle, which a restart replaces).
  std::function<discord::gateway_identify_gate()> gate_of;
  /// The I/O thread shared by the node's shards; null: the shard starts its own.
  std::shared_ptr<discord::gateway::socket_transport> transport;
  /// A number in [0, 1) for the heartbeat jitter and the Invalid Session
  /// wait; unset: uniformly random.
  std::function<double()> jitter;
  /// The clock heartbeat round trips are measured with; unset: steady_clock.
  std::function<std::chrono::steady_clock::time_point()> now;
  /// Called once, inside the actor, with the reason of a fatal stop (no token in it).
  std::function<void(const std::string&)> on_fatal;
};

/// Spawns one shard; it connects at once.
discord::gateway_shard_actor spawn_gateway_shard(caf::local_actor* parent,
                                                 std::shared_ptr<const gateway_shard_options> opts);
discord::gateway_shard_actor spawn_gateway_shard(caf::actor_system& sys,
                                                 std::shared_ptr<const gateway_shard_options> opts);

/// One shard of a cluster, run only where the cluster places it (a
/// singleton): a slot that the supervisor keeps like any shard, and that
/// checks every `check_every` whether this node owns the shard. A shard
/// owned for `settle`, and never before `first_settle` after the slot
/// started (time for a joining node to meet the members already running
/// shards), is started (a child linked to the slot: its crash restarts the
/// slot); a shard lost is shut down at once (close 1000, the session ends),
/// so the member that gained it, which waits `settle`, never overlaps with
/// it. While the shard runs elsewhere the slot answers
/// `stats` with state "elsewhere". The gauge
/// lastgram_discord_gateway_shard_running{shard} is 1 while it runs here.
struct shard_slot_options {
  std::shared_ptr<const gateway_shard_options> shard;
  /// Whether this node owns the shard now (see cluster::shard_placement).
  std::function<bool()> runs_here;
  std::chrono::milliseconds settle{1000};
  std::chrono::milliseconds first_settle{2500};
  std::chrono::milliseconds check_every{250};
};

discord::gateway_shard_actor spawn_shard_slot(caf::local_actor* parent,
                                              std::shared_ptr<const shard_slot_options> opts);
discord::gateway_shard_actor spawn_shard_slot(caf::actor_system& sys,
                                              std::shared_ptr<const shard_slot_options> opts);

/// Spawns the identify gate of a node's shards for the limit GET
/// /gateway/bot gave (see platforms/discord/gateway_scheduler.hpp).
discord::gateway_identify_gate spawn_identify_gate(caf::actor_system& sys,
                                                   const discord::gateway::session_start_limit& limit);
/// Spawns the gate as a supervised child over `schedule`, which outlives it
/// (a restarted gate keeps the reservations made); `now` is its clock
/// (unset: steady_clock). The gate answers how many milliseconds a shard
/// waits before it identifies.
///
/// In a cluster one gate serves every member's shards (they ask the gate of
/// the member that `cluster::singleton_owner` names), and `leads` tells
/// whether this gate is that one; it is checked every 250 ms. A gate that
/// starts to lead holds every bucket for 5 s (one spacing), since the
/// member that led before may just have let a shard identify. Unset: a
/// node's own gate, which never holds.
discord::gateway_identify_gate spawn_identify_gate(
  caf::local_actor* parent, std::shared_ptr<discord::gateway::identify_scheduler> schedule,
  std::function<std::chrono::steady_clock::time_point()> now = nullptr,
  std::function<bool()> leads = nullptr);

} // namespace lastgram::multiplatform
