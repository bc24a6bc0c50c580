#pragma once

/// The event engine: answers presses on the buttons commands made with
/// context::action_button, implementing `event_actor` (messages/event.hpp).
///
/// For each button_press it reads the button's state from the caching engine
/// ("button:<token>"), then:
/// - data that is not an action button's ("b:<token>"), or a token the cache
///   no longer has: an alert "button.expired";
/// - an owner-only button pressed by someone else: an alert
///   "button.not_yours" (nothing runs);
/// - otherwise the button's command runs through the command engine as the
///   presser, in the press's chat, quoting nothing; a run that ends ok edits
///   the message holding the keyboard into its first reply and sends the
///   others; a run refused or failed (guard, busy, crash) shows the text of
///   its answer as an alert; an unreachable command engine or cache gives
///   the alert "errors.timeout" / "errors.generic" / "errors.storage_unavailable".
///
/// Alerts are in the presser's platform language hint (command::pick_language).
/// Every press is counted in `lastgram_button_presses_total{outcome}`: ok
/// (the command ran), invalid (not an action button's data), expired,
/// not_yours, refused (a guard, busy, shutting down...), failed (the run
/// crashed or timed out, or an engine did not answer); failures are logged at
/// warn, the rest at debug. Presses never make the engine fail.

#include <memory>

#include "caf/fwd.hpp"

#include "messages/event.hpp"

namespace lastgram::command {
struct environment;
} // namespace lastgram::command

namespace lastgram::event {

/// Spawns the event engine as a child of `parent`. It finds the caching and
/// command engines through `env->engines` (their typed doors)
/// at each press, and waits for them at most `env->engine_timeout` (the cache)
/// and the command deadline (`env->settings.timeout_ms`) plus that (a run).
event_actor spawn_engine(caf::local_actor* parent,
                         std::shared_ptr<const command::environment> env);

} // namespace lastgram::event
