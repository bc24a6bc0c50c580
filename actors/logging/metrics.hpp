#pragma once

/// The process-wide Prometheus registry and cheap handles to its series.
///
/// Metric names are full Prometheus names and callers prefix them with
/// `lastgram_` themselves (`lastgram_cache_hits_total`), so that a grep for
/// the exported name finds the code. Counters end in `_total`, durations are
/// histograms in seconds (`_seconds`).
///
///   auto hits = metrics::get_counter("lastgram_cache_hits_total",
///                                    "Cache lookups that hit.",
///                                    {{"backend", "memory"}});
///   hits.inc();
///
/// Handles are tiny, copyable, thread-safe and valid for the whole process;
/// keep them in actor state to skip even the (already cached) lookup. A name
/// or label that Prometheus rejects, or a name reused with another type,
/// yields an inert handle (its calls do nothing) and a warning in the log,
/// never an exception.

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lastgram::metrics {

namespace detail {
struct handle_access;
} // namespace detail

/// Label pairs of one series, e.g. `{{"engine", "fm"}, {"outcome", "ok"}}`.
using labels =
  std::initializer_list<std::pair<std::string_view, std::string_view>>;

/// A monotonically increasing series.
class counter {
public:
  counter() = default;
  /// Adds `amount` (must be >= 0; negative amounts are ignored).
  void inc(double amount = 1) const;
  /// The current value (0 for an inert handle).
  double value() const;
  /// False for an inert handle.
  explicit operator bool() const noexcept { return cell_ != nullptr; }

private:
  friend struct detail::handle_access;
  void* cell_ = nullptr;
};

/// A series that goes up and down.
class gauge {
public:
  gauge() = default;
  void set(double value) const;
  void inc(double amount = 1) const;
  void dec(double amount = 1) const;
  double value() const;
  explicit operator bool() const noexcept { return cell_ != nullptr; }

private:
  friend struct detail::handle_access;
  void* cell_ = nullptr;
};

/// A distribution of observations in fixed buckets.
class histogram {
public:
  histogram() = default;
  void observe(double value) const;
  explicit operator bool() const noexcept { return cell_ != nullptr; }

private:
  friend struct detail::handle_access;
  void* cell_ = nullptr;
};

/// Returns the counter `name{labels}`, creating it on first use; later calls
/// with the same name and labels return the same series (`help` of the first
/// call wins).
counter get_counter(std::string_view name, std::string_view help,
                    labels label_pairs = {});

/// Returns the gauge `name{labels}`, creating it on first use.
gauge get_gauge(std::string_view name, std::string_view help,
                labels label_pairs = {});

/// Returns the histogram `name{labels}` with the given upper bucket bounds
/// (ascending; +Inf is implicit), creating it on first use. The buckets of
/// the first call for a series win.
histogram get_histogram(std::string_view name, std::string_view help,
                        labels label_pairs,
                        const std::vector<double>& buckets);

/// Latency buckets from 0.5 ms to 10 s, for durations in seconds.
const std::vector<double>& default_latency_buckets();

/// Every series of the registry in the Prometheus text exposition format
/// (version 0.0.4), for GET /metrics.
std::string render_text();

/// One series read back from the registry, for the diagnostics.
struct reading {
  std::vector<std::pair<std::string, std::string>> labels;
  /// A counter's or gauge's value; a histogram's number of observations.
  double value = 0;
  /// Histograms only: (upper bound, cumulative count), ascending, +Inf last.
  std::vector<std::pair<double, double>> buckets;

  /// The value of label `name`, or "" when the series has no such label.
  std::string_view label(std::string_view name) const;
};

/// Every series of the registry by metric name. As costly as one scrape of
/// GET /metrics: meant for sampling (the diagnostics do it at most once a
/// second), never for a hot path.
std::map<std::string, std::vector<reading>, std::less<>> read_all();

/// Counts one handled command and its duration:
/// `lastgram_commands_total{command,platform,outcome}` and
/// `lastgram_command_duration_seconds{command,platform}`.
void command_handled(std::string_view command, std::string_view platform,
                     std::string_view outcome, double seconds);

/// Counts a restart of an actor of `engine`:
/// `lastgram_actor_restarts_total{engine}`.
void actor_restarted(std::string_view engine);

/// Sets the number of messages waiting in the mailboxes of `engine`:
/// `lastgram_mailbox_backlog{engine}`.
void mailbox_backlog(std::string_view engine, double messages);

/// Sets whether `engine` is up (1) or down (0): `lastgram_engine_up{engine}`.
void engine_up(std::string_view engine, bool up);

} // namespace lastgram::metrics
