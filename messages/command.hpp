#pragma once

/// The command engine's typed interface: platforms send it what users wrote
/// and get back what to answer.

#include <cstdint>
#include <string>
#include <vector>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/atoms.hpp"
#include "messages/model.hpp"

namespace lastgram {

/// Counters of the command engine, for /botinfo and diagnostics.
struct command_stats {
  std::int64_t handled = 0;
  std::int64_t in_flight = 0;
  std::int64_t failed = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command_stats& x) {
  return f(caf::meta::type_name("command_stats"), x.handled, x.in_flight,
           x.failed);
}

/// A press on an action button, as the command it runs: no text to parse
/// again, the presser as author. Guards still run.
struct button_command {
  platform_kind platform = platform_kind::console;
  chat_ref chat;
  user_ref presser;
  /// The message that holds the keyboard (the one the answer edits).
  std::string message_id;
  /// The command's registry name, e.g. "config".
  std::string command;
  /// Its arguments, one word each, e.g. {"lang", "pt"}.
  std::vector<std::string> args;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, button_command& x) {
  return f(caf::meta::type_name("button_command"), x.platform, x.chat, x.presser, x.message_id,
           x.command, x.args);
}

using placed_atom = caf::atom_constant<caf::atom("placed")>;

/// The command engine.
/// - incoming_message -> command_result: parse, check guards, run the command
///   in its own actor and answer with its replies (or a localized apology).
/// - (drain, deadline_ms) -> remaining: stop taking new commands (they are
///   answered "shutting down"), answer once nothing is in flight or when the
///   deadline passes, with the number of runs still in flight.
/// - stats -> command_stats.
/// - (placed, incoming_message) -> command_result: a run another node placed
///   here (see environment::place); always runs on this node.
/// - button_command -> command_result: a button press, run in its chat's
///   turn like a typed command (the answer edits the keyboard's message).
using command_actor = caf::typed_actor<
  caf::replies_to<incoming_message>::with<command_result>,
  caf::replies_to<drain_atom, std::int64_t>::with<std::int64_t>,
  caf::replies_to<stats_atom>::with<command_stats>,
  caf::replies_to<placed_atom, incoming_message>::with<command_result>,
  caf::replies_to<button_command>::with<command_result>>;

} // namespace lastgram
