#pragma once

/// The node's diagnostics actor: builds a node_snapshot on request from what
/// the node already keeps (the health board, the metrics registry, the
/// recent warnings ring, the actor registry, /proc), and a diag_report of
/// the whole cluster for `GET /diag` and `lastgram attach`.
///
/// Nothing is added to any hot path: the snapshot is assembled when asked,
/// at most once per `min_interval`, by reading counters and gauges that the
/// engines update anyway. Rates (messages per second) are the difference of
/// those counters between two samples; command latency percentiles are
/// interpolated inside the buckets of lastgram_command_duration_seconds
/// (as Prometheus' histogram_quantile does) over the samples of the last
/// minute, or since start when no command ran in that minute.
///
/// The seam for cluster membership: a single node reports only itself
/// (state "up"). The cluster engine plugs its view in through
/// diagnostics_hooks::set_members_provider (the node passes the roster's
/// members); the report then lists every member it returns and asks each
/// other member's diagnostics actor (its `diag` handle, when valid) for its
/// snapshot over the cluster link, within `peer_timeout`. A provider that
/// returns no members (the membership has not published yet) counts as
/// none.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "caf/fwd.hpp"

#include "messages/cluster.hpp"
#include "messages/diag.hpp"

namespace lastgram {
class health_board;
} // namespace lastgram

namespace lastgram::cluster {

/// Returns the current members (messages/cluster.hpp), this node included
/// with `self` set. Each member's `diag` is that node's diagnostics actor
/// (speaking diag_actor), or invalid when it cannot be asked; the member is
/// listed either way. Called by the diagnostics actor on each report, on a
/// CAF worker: it must be thread-safe and must not block (return a copy of
/// state kept elsewhere, e.g. `*roster->all()`).
using members_provider = std::function<std::vector<lastgram::cluster_member>()>;

/// Where other parts of the node plug into diagnostics after it started;
/// shared between the node and the diagnostics actor, thread-safe.
class diagnostics_hooks {
public:
  /// Replaces the membership view (an empty function goes back to "this
  /// node only").
  void set_members_provider(members_provider provider);

  /// True when a provider is set.
  bool has_members_provider() const;

  /// The provider's members, or an empty list without a provider.
  std::vector<lastgram::cluster_member> members() const;

private:
  mutable std::mutex mtx_;
  members_provider provider_;
};

/// Which health-board entries make up one engine: an engine's supervisor
/// declares its children by their own names ("console" and "telegram" for
/// multiplatform, "diagnostics" for cluster), not by the engine's.
struct engine_group {
  std::string engine;
  /// Health-board entries of the engine; empty means just `engine`.
  std::vector<std::string> children;
};

/// What the diagnostics actor reads and how it presents this node.
struct diagnostics_options {
  std::string node_name;
  /// Where this node is reached, shown in its member row when no members
  /// provider is set (e.g. the HTTP server's address:port).
  std::string address;
  std::vector<std::string> roles;
  std::shared_ptr<health_board> health;
  /// The engines in display order. Health entries that belong to none of
  /// them are shown as engines of their own, so nothing goes unseen.
  std::vector<engine_group> engines;
  std::shared_ptr<diagnostics_hooks> hooks;
  /// Uptime counts from here.
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  /// Requests within this interval of the last sample get that sample.
  std::chrono::milliseconds min_interval{1000};
  /// The clock samples are timed by (rates, intervals, uptime); tests inject
  /// their own. Empty: std::chrono::steady_clock.
  std::function<std::chrono::steady_clock::time_point()> clock;
  /// How long a report waits for each remote member's snapshot.
  std::chrono::milliseconds peer_timeout{1500};
  /// Warnings and errors included in a snapshot.
  std::size_t last_errors = 20;
};

/// Spawns the diagnostics actor as a child of `parent`.
diag_actor spawn_diagnostics(caf::local_actor* parent,
                             std::shared_ptr<const diagnostics_options> opts);

/// The q-quantile (0..1) of a histogram given as (upper bound, cumulative
/// count) buckets in ascending order, +Inf last, by linear interpolation
/// inside the bucket the rank falls in (the first bucket starts at 0). A
/// rank in the +Inf bucket yields the highest finite bound. -1 when the
/// histogram is empty. Pure, for tests.
double histogram_quantile(double q, const std::vector<std::pair<double, double>>& buckets);

} // namespace lastgram::cluster
