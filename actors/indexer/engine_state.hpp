#pragma once

/// Internal to the indexer engine (actors/indexer/*.cpp): its state and the
/// functions its two files share. The engine is split by concern:
/// - engine.cpp: scheduling (the scan for due libraries, the queue, the
///   jobs that run at once, refresh requests, progress) and the behaviour;
/// - walk.cpp: one library's walk, page by page (top lists with their
///   artist corrections, the profile, the recent window, an incremental
///   update from recent scrobbles), and what a Last.fm failure does to it.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "caf/all.hpp"

#include "actors/database/store.hpp"
#include "actors/indexer/engine.hpp"
#include "actors/indexer/plan.hpp"
#include "actors/logging/metrics.hpp"

namespace lastgram::indexer::detail {

using tick_atom = caf::atom_constant<caf::atom("idxtick")>;
using step_atom = caf::atom_constant<caf::atom("idxstep")>;

using impl_actor = indexer_actor::extend<caf::reacts_to<tick_atom>,
                                         caf::reacts_to<step_atom, std::int64_t, std::uint64_t>>;

constexpr const char* engine_name = "indexer";

/// One library being indexed.
struct job {
  std::uint64_t generation = 0;
  std::string user;
  index_state state;
  bool incremental = false;
  std::int32_t recent_page = 0;
  std::vector<fm::track> recent;
  /// A fetched page waiting for its artist names' corrections, and the
  /// state naming it.
  std::vector<library_item> page_items;
  index_state page_state;
  /// The corrections the store knows of the page's artist names (read once
  /// per page), plus those looked up for it; and the names still to look up.
  correction_map page_names;
  std::vector<std::string> to_check;
  /// artist.getCorrection calls this index may still make.
  std::int64_t corrections_left = 0;
};

struct indexer_state {
  std::shared_ptr<const indexer_options> opts;
  std::optional<database::store> db;
  std::deque<due_library> queue;
  std::unordered_set<std::int64_t> queued;
  std::unordered_map<std::int64_t, job> jobs;
  std::uint64_t next_generation = 1;
  bool leader = false;
  /// Unix seconds until which no library starts (a Last.fm outage).
  std::int64_t paused_until = 0;
  metrics::counter indexed = metrics::get_counter(
    "lastgram_indexer_libraries_indexed_total", "Libraries whose full index finished.");
  metrics::counter updated = metrics::get_counter(
    "lastgram_indexer_libraries_updated_total",
    "Libraries brought up to date from their recent scrobbles.");
  metrics::counter pages = metrics::get_counter("lastgram_indexer_pages_total",
                                                "Last.fm pages fetched and stored by the indexer.");
  metrics::gauge queue_length = metrics::get_gauge(
    "lastgram_indexer_queue_length", "Libraries due for an index (never indexed included).");
  metrics::gauge oldest_due = metrics::get_gauge(
    "lastgram_indexer_oldest_due_seconds", "How long the longest-overdue library has waited.");

  static inline const char* name = "indexer";
};

using self_ptr = impl_actor::stateful_pointer<indexer_state>;

/// Unix seconds now (the options' clock in tests).
std::int64_t now_of(const indexer_options& o);

/// The store, opened (and migrated) on first use; nothing when the
/// database is unreachable (logged; the next use tries again).
database::store* store_of(self_ptr self);

/// Logs a database failure; a lost connection is reopened on next use.
void db_failed(self_ptr self, const char* what, const db_error& e);

/// The job indexing `user`, if it is still generation `generation`.
job* job_of(self_ptr self, std::int64_t user, std::uint64_t generation);

/// Takes the job's next step (a message to itself, so that other requests
/// are served between pages).
void next_step(self_ptr self, const job& j, std::int64_t user);

/// Ends job `user`; stores `final_state` when given. Starts the next one.
void end_job(self_ptr self, std::int64_t user, const index_state* final_state);

// -- the walk (walk.cpp) -------------------------------------------------------

/// One step of job `user`: the next page, the switch of a finished kind,
/// the profile, or a page of recent scrobbles.
void step(self_ptr self, std::int64_t user, std::uint64_t generation);

} // namespace lastgram::indexer::detail
