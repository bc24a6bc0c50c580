#pragma once

/// The indexer's typed interface (actors/indexer/): the cluster's one library
/// indexing scheduler. It fills the play tables (user_plays) from each
/// registered user's Last.fm library through the fm engine's background
/// lane, so interactive commands never wait for it.
///
/// - (index_user, user id, Last.fm username): a user just registered or
///   relinked; their library is queued at once. No answer.
/// - (index_request, user id, Last.fm username) -> index_request_result:
///   /index. `started` when the refresh was queued, `running` when an index
///   of the user is already under way, `too_soon` (with the seconds to wait)
///   within `indexer.refresh-cooldown-seconds` of the last request, and
///   `disabled` when indexing is off.
/// - (index_progress, user id) -> index_progress: where the user's index
///   stands, for who-knows ("indexing: 3,000 of 7,412 artists"): while
///   `running`, `kind`, `done` and `total` say how far it got. Answered by
///   every node (read from the database), so callers need not find the
///   scheduler.
/// Errors are caf::errors of category "db" when the database fails.

#include <cstdint>
#include <string>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/atoms.hpp"
#include "messages/library.hpp"

namespace lastgram {

using index_user_atom = caf::atom_constant<caf::atom("idxuser")>;
using index_request_atom = caf::atom_constant<caf::atom("idxreq")>;
using index_progress_atom = caf::atom_constant<caf::atom("idxprog")>;

/// The answer to /index.
struct index_request_result {
  enum outcome_kind : std::uint8_t { started, running, too_soon, disabled };
  std::uint8_t outcome = started;
  /// With too_soon: how long until the user may ask again.
  std::int64_t wait_seconds = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, index_request_result& x) {
  return f(caf::meta::type_name("index_request_result"), x.outcome, x.wait_seconds);
}

/// How far a user's index got.
struct index_progress {
  index_status status = index_status::none;
  /// Whether an index of the user is under way (started or waiting to resume).
  bool running = false;
  entity_kind kind = entity_kind::artist;
  std::int64_t done = 0;
  std::int64_t total = 0;
  /// Unix seconds of the last finished full index, 0 for never.
  std::int64_t last_full_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, index_progress& x) {
  return f(caf::meta::type_name("index_progress"), x.status, x.running, x.kind, x.done,
           x.total, x.last_full_at);
}

/// The indexer.
using indexer_actor = caf::typed_actor<
  caf::reacts_to<index_user_atom, std::int64_t, std::string>,
  caf::replies_to<index_request_atom, std::int64_t, std::string>::with<index_request_result>,
  caf::replies_to<index_progress_atom, std::int64_t>::with<index_progress>>;

} // namespace lastgram
