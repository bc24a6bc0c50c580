#pragma once

/// The logging engine's typed interface. Writing a line never goes through
/// it: engines call log::info() and friends (actors/logging/log.hpp), which
/// hand the line to an asynchronous writer. The engine is the door to that
/// writer and to the ring of recent problems: counts, flushes, reads.

#include <cstdint>
#include <vector>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/atoms.hpp"
#include "messages/diag.hpp"

namespace lastgram {

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using recent_atom = caf::atom_constant<caf::atom("recent")>;

/// Counts of the log writer since the process started.
struct log_stats {
  /// Lines that reached the sink (file or standard error).
  std::uint64_t written = 0;
  /// Lines dropped because the writer's queue was full.
  std::uint64_t dropped = 0;
  /// Warnings and errors seen, including those the level hides.
  std::uint64_t problems = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, log_stats& x) {
  return f(caf::meta::type_name("log_stats"), x.written, x.dropped, x.problems);
}

/// The logging engine.
/// - (stats) -> log_stats
/// - (flush) -> bool: every line logged before the request is written and
///   flushed (false when that did not happen within the engine's deadline)
/// - (recent, max) -> the newest `max` warnings and errors (all when 0),
///   oldest first, already redacted
/// - (tick): the engine's own timer, which copies the counts into the
///   metrics registry
using logging_actor = caf::typed_actor<
  caf::replies_to<stats_atom>::with<log_stats>,
  caf::replies_to<flush_atom>::with<bool>,
  caf::replies_to<recent_atom, std::uint32_t>::with<std::vector<problem_line>>,
  caf::reacts_to<tick_atom>>;

} // namespace lastgram
