#pragma once

// The durable inbox's decisions under the faults the soak injects
// (bench/soak.sh): what to do after a store whose outcome is unknown, how
// long to wait before retrying a failed mark, and how much a sweep may take
// over right after a database outage. Pure functions, so that they are
// tested alone; the shared claimer (inbox_claimer.hpp) applies them for
// Telegram and Discord.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "messages/db.hpp"

namespace lastgram::multiplatform {

/// What a process does with an update whose inbox row it asked about
/// (database `inbox_owner`), after storing it timed out or after a
/// re-delivery.
enum class owner_verdict : std::uint8_t {
  /// The row is ours and nobody handles it here: handle it (and mark it).
  handle,
  /// Another process holds it, or it is done: its holder (or the one taking
  /// it over) answers it, never us as well.
  leave,
  /// There is no row: it was not stored.
  not_stored,
};

/// `owner` is the answer of `inbox_owner`, `me` this process's claimer,
/// `handling` whether this process is handling the update already.
inline owner_verdict judge_owner(std::string_view owner, std::string_view me, bool handling) {
  if (owner.empty())
    return owner_verdict::not_stored;
  if (owner == me && !handling && owner != inbox_owner_done)
    return owner_verdict::handle;
  return owner_verdict::leave;
}

/// The wait before the `attempt`-th retry (from 1) of a failed replied or
/// done mark: doubling from 250 ms, at most 8 s. A dropped mark lets the
/// update be answered again by whoever takes it over.
inline std::chrono::milliseconds mark_retry_delay(int attempt) {
  auto shift = std::clamp(attempt - 1, 0, 5);
  return std::min(std::chrono::milliseconds{250} * (1 << shift), std::chrono::milliseconds{8000});
}

/// How many stale rows a sweep may take over: none on the first sweep after
/// the database was unreachable (every live owner renews its leases first;
/// they all lapsed during the outage), `batch` otherwise.
inline std::int64_t sweep_claim_limit(bool after_outage, std::int64_t batch) {
  return after_outage ? 0 : batch;
}

} // namespace lastgram::multiplatform
