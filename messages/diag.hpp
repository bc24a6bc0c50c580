#pragma once

/// The diagnostics actor's typed interface: a snapshot of one node (what a
/// peer asks over the cluster link) and the report of every member (what
/// `GET /diag` serves and `lastgram attach` shows).
///
/// A number the node cannot know (an engine without a backlog gauge, an
/// engine without a counter to take a rate from, a percentile before the
/// first command) is negative; the JSON writes it as null.

#include <cstdint>
#include <string>
#include <vector>

#include "caf/atom.hpp"
#include "caf/meta/type_name.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

namespace lastgram {

using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using report_atom = caf::atom_constant<caf::atom("report")>;

/// One supervised child of an engine, as the health board knows it.
struct actor_diag {
  std::string name;
  bool ready = false;
  std::int64_t restarts = 0;
  std::string last_exit_reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_diag& x) {
  return f(caf::meta::type_name("actor_diag"), x.name, x.ready, x.restarts,
           x.last_exit_reason);
}

/// One engine of a node: its children's health summed up, its mailbox
/// backlog and how many messages it handles.
struct engine_diag {
  std::string name;
  /// Every child is up.
  bool ready = false;
  /// Restarts of its children since the node started.
  std::int64_t restarts = 0;
  /// Why a child last ended ("" when none did).
  std::string last_exit_reason;
  /// Messages waiting (lastgram_mailbox_backlog{engine}); -1: not reported.
  double backlog = -1;
  /// Messages handled per second between two samples; -1: no counter.
  double msgs_per_sec = -1;
  /// Messages handled since start (what the rate is taken from); -1: none.
  double handled = -1;
  std::vector<actor_diag> actors;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, engine_diag& x) {
  return f(caf::meta::type_name("engine_diag"), x.name, x.ready, x.restarts,
           x.last_exit_reason, x.backlog, x.msgs_per_sec, x.handled, x.actors);
}

/// One recent warning or error of the node's log (already redacted).
struct problem_line {
  std::string ts;
  std::string level;
  std::string engine;
  std::string event;
  /// The other fields, as logfmt `key=value` pairs.
  std::string fields;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, problem_line& x) {
  return f(caf::meta::type_name("problem_line"), x.ts, x.level, x.engine,
           x.event, x.fields);
}

/// Everything diagnostics knows about one node at one moment.
struct node_snapshot {
  std::string name;
  /// When the snapshot was taken, in Unix milliseconds.
  std::int64_t taken_at_ms = 0;
  double uptime_seconds = 0;
  /// Resident set size; -1 when /proc is unavailable.
  std::int64_t rss_bytes = -1;
  /// OS threads of the process; -1 when /proc is unavailable.
  std::int64_t threads = -1;
  /// Actors alive in the actor system (its registry's count).
  std::int64_t running_actors = 0;
  std::vector<engine_diag> engines;
  /// Last.fm calls waiting for a token, and tokens in the local bucket (as
  /// of the fm engine's last activity); -1 before the fm engine started.
  double lastfm_queue_depth = -1;
  double lastfm_bucket_level = -1;
  /// 1 while Last.fm is in an outage (answers come from the cache), else 0;
  /// -1 before the fm engine started.
  double lastfm_outage = -1;
  /// The durable inbox of updates: not done yet (-1 before the platform
  /// started), taken over from a dead process since start, and failures to
  /// store or mark an update since start.
  double inbox_pending = -1;
  double inbox_recovered = 0;
  double inbox_failures = 0;
  /// Cache reads of the fm engine since start; hit rate -1 before any.
  double cache_hits = 0;
  double cache_misses = 0;
  double cache_hit_rate = -1;
  /// Commands handled since start, and the latency percentiles interpolated
  /// in the duration histogram's buckets over `latency_window_seconds`.
  double commands_total = 0;
  double command_p50_ms = -1;
  double command_p99_ms = -1;
  double latency_window_seconds = 0;
  /// The newest warnings and errors, oldest first.
  std::vector<problem_line> last_errors;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_snapshot& x) {
  return f(caf::meta::type_name("node_snapshot"), x.name, x.taken_at_ms,
           x.uptime_seconds, x.rss_bytes, x.threads, x.running_actors,
           x.engines, x.lastfm_queue_depth, x.lastfm_bucket_level, x.lastfm_outage, x.inbox_pending,
           x.inbox_recovered, x.inbox_failures, x.cache_hits,
           x.cache_misses, x.cache_hit_rate, x.commands_total, x.command_p50_ms,
           x.command_p99_ms, x.latency_window_seconds, x.last_errors);
}

/// One member of the cluster (a single node lists only itself).
struct member_info {
  std::string name;
  /// Where the member is reached (its cluster endpoint, or its HTTP server
  /// for a single node); "" when unknown.
  std::string address;
  std::vector<std::string> roles;
  /// "up", "unreachable", "leaving", ... as the membership says.
  std::string state;
  /// The member that answered this report.
  bool self = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_info& x) {
  return f(caf::meta::type_name("member_info"), x.name, x.address, x.roles,
           x.state, x.self);
}

/// The cluster as one node sees it: the members, and a snapshot of each
/// member that answered in time (this node's first).
struct diag_report {
  /// The name of the node that built the report.
  std::string node;
  std::vector<member_info> members;
  std::vector<node_snapshot> nodes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, diag_report& x) {
  return f(caf::meta::type_name("diag_report"), x.node, x.members, x.nodes);
}

/// The diagnostics actor of a node.
/// - snapshot -> node_snapshot: this node only, sampled at most once a
///   second (a second request within that second gets the same snapshot).
/// - report -> diag_report: the members and the snapshots of those that
///   answer within the peer timeout.
using diag_actor = caf::typed_actor<
  caf::replies_to<snapshot_atom>::with<node_snapshot>,
  caf::replies_to<report_atom>::with<diag_report>>;

} // namespace lastgram
