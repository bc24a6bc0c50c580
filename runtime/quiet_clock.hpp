#pragma once

/// CAF's scheduler with a clock that does not wake its thread for every
/// request.
///
/// Every `request(dest, timeout, ...)` sets a timeout on the system-wide
/// clock and every answer cancels it. CAF 0.17's clock hands both to its
/// thread through a queue and wakes that thread whenever the queue was
/// empty: on two cores, some ten thread wake-ups and context switches per
/// command (a /ln makes a dozen requests), for deadlines that nearly always
/// pass unused. This clock keeps the same schedule under a mutex instead and
/// wakes its thread only when a new deadline is earlier than the one it
/// sleeps until (a 10 s request timeout almost never is); a cancellation
/// wakes nobody. Timeouts, delayed messages and their order are CAF's own
/// (its simple_actor_clock does the bookkeeping and the shipping).

#include <cstddef>
#include <cstdint>

namespace caf {
class actor_system_config;
} // namespace caf

namespace lastgram {
enum class scheduler_policy : std::uint8_t; // messages/settings.hpp
} // namespace lastgram

namespace lastgram::runtime {

/// Loads the scheduler (CAF's work sharing or work stealing, or the
/// affinity policy of runtime/affinity_policy.hpp) with the quiet clock into
/// `cfg`. The scheduler's other settings (`scheduler.max-threads`, ...) are
/// read from `cfg` as usual.
void use_quiet_clock(caf::actor_system_config& cfg, scheduler_policy policy);

} // namespace lastgram::runtime
