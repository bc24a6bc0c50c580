#include "actors/cluster/diagnostics.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <string_view>

#include "caf/all.hpp"

#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/logging/recent.hpp"
#include "actors/support/exceptions.hpp"
#include "actors/support/health.hpp"

namespace lastgram::cluster {

namespace {

using clock_type = std::chrono::steady_clock;

/// Samples older than this are dropped; the latency percentiles cover it.
constexpr std::chrono::seconds latency_window{60};

/// A counter series that counts messages an engine handles. The rate of an
/// engine is the sum of its sources; engines without one have no rate (no
/// counter is added to any hot path to get one).
struct rate_source {
  std::string_view engine;
  std::string_view metric;
  /// Only series whose `label` equals `value` (every series when empty).
  std::string_view label = {};
  std::string_view value = {};
};

constexpr rate_source rate_sources[] = {
  {"command", "lastgram_commands_total"},
  // Last.fm requests answered: upstream calls, cache hits, coalesced joins.
  {"fm", "lastgram_lastfm_calls_total"},
  {"fm", "lastgram_lastfm_cache_hits_total"},
  {"fm", "lastgram_lastfm_coalesced_total"},
  // Cache gets (the fm engine is the cache's reader).
  {"caching", "lastgram_lastfm_cache_hits_total"},
  {"caching", "lastgram_lastfm_cache_misses_total"},
  {"event", "lastgram_button_presses_total"},
  {"server", "lastgram_http_requests_total"},
  // What the platforms hand to the command engine.
  {"multiplatform", "lastgram_telegram_updates_total"},
  {"multiplatform", "lastgram_commands_total", "platform", "console"},
};

constexpr std::string_view latency_metric = "lastgram_command_duration_seconds";

using readings = std::map<std::string, std::vector<metrics::reading>, std::less<>>;

/// The counters rates and percentiles are taken from, at one moment.
struct sample {
  clock_type::time_point at;
  std::map<std::string, double, std::less<>> handled;
  /// Upper bound -> cumulative count, summed over every command's series.
  std::map<double, double> latency;
};

struct diag_state {
  std::shared_ptr<const diagnostics_options> opts;
  /// Oldest first; the newest is the one `cached` was built from.
  std::deque<sample> samples;
  std::optional<node_snapshot> cached;
  static inline const char* name = "diagnostics";
};

using diag_self = diag_actor::stateful_pointer<diag_state>;

double sum_of(const readings& all, std::string_view metric, std::string_view label = {},
              std::string_view value = {}) {
  auto i = all.find(metric);
  if (i == all.end())
    return 0;
  double total = 0;
  for (const auto& r : i->second)
    if (label.empty() || r.label(label) == value)
      total += r.value;
  return total;
}

/// The value of a single-series gauge, or -1 when it does not exist yet.
double gauge_of(const readings& all, std::string_view metric, std::string_view label = {},
                std::string_view value = {}) {
  auto i = all.find(metric);
  if (i == all.end())
    return -1;
  for (const auto& r : i->second)
    if (label.empty() || r.label(label) == value)
      return r.value;
  return -1;
}

sample take_sample(clock_type::time_point now, const readings& all) {
  sample s;
  s.at = now;
  for (const auto& src : rate_sources)
    s.handled[std::string{src.engine}] += sum_of(all, src.metric, src.label, src.value);
  if (auto i = all.find(latency_metric); i != all.end())
    for (const auto& r : i->second)
      for (const auto& [bound, count] : r.buckets)
        s.latency[bound] += count;
  return s;
}

/// Reads "Key:   value" from /proc/self/status; -1 when absent.
std::int64_t proc_status(std::string_view key) {
  std::ifstream in{"/proc/self/status"};
  for (std::string line; std::getline(in, line);) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0
        && line[key.size()] == ':') {
      try {
        return std::stoll(line.substr(key.size() + 1));
      } catch (const std::exception&) {
        return -1;
      }
    }
  }
  return -1;
}

/// The engines of the health board, grouped as the options say.
std::vector<engine_diag> engines_of(const diagnostics_options& opts) {
  std::vector<engine_status> entries;
  if (opts.health)
    entries = opts.health->snapshot();
  std::vector<bool> claimed(entries.size(), false);
  std::vector<engine_diag> out;
  auto add_child = [](engine_diag& e, const engine_status& st, bool prefix) {
    e.actors.push_back(actor_diag{st.engine, st.ready, st.restarts, st.last_exit_reason});
    e.restarts += st.restarts;
    if (!st.last_exit_reason.empty())
      e.last_exit_reason = prefix ? st.engine + ": " + st.last_exit_reason
                                  : st.last_exit_reason;
  };
  for (const auto& group : opts.engines) {
    engine_diag e;
    e.name = group.engine;
    auto children = group.children.empty() ? std::vector<std::string>{group.engine}
                                           : group.children;
    bool all_ready = true;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (claimed[i]
          || std::find(children.begin(), children.end(), entries[i].engine) == children.end())
        continue;
      claimed[i] = true;
      all_ready = all_ready && entries[i].ready;
      add_child(e, entries[i], entries[i].engine != group.engine);
    }
    e.ready = !e.actors.empty() && all_ready;
    out.push_back(std::move(e));
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (claimed[i])
      continue;
    engine_diag e;
    e.name = entries[i].engine;
    e.ready = entries[i].ready;
    add_child(e, entries[i], false);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<problem_line> last_errors(std::size_t max) {
  std::vector<problem_line> out;
  if (max == 0)
    return out;
  for (auto& line : log::recent_problems().newest(max))
    out.push_back(problem_line{std::move(line.ts), std::string{log::to_string(line.level)},
                               std::move(line.engine), std::move(line.event),
                               std::move(line.fields)});
  return out;
}

/// Fills the percentiles from the buckets counted between `base` and `cur`,
/// or since start when no command ran in between.
void fill_latency(node_snapshot& snap, const sample& cur, const sample* base,
                  double uptime) {
  auto to_buckets = [](const std::map<double, double>& m) {
    return std::vector<std::pair<double, double>>(m.begin(), m.end());
  };
  if (base != nullptr) {
    std::map<double, double> delta;
    for (const auto& [bound, count] : cur.latency) {
      auto old = base->latency.find(bound);
      delta[bound] = count - (old == base->latency.end() ? 0 : old->second);
    }
    if (!delta.empty() && delta.rbegin()->second > 0) {
      auto buckets = to_buckets(delta);
      snap.command_p50_ms = histogram_quantile(0.5, buckets) * 1000;
      snap.command_p99_ms = histogram_quantile(0.99, buckets) * 1000;
      snap.latency_window_seconds = std::chrono::duration<double>(cur.at - base->at).count();
      return;
    }
  }
  auto buckets = to_buckets(cur.latency);
  auto p50 = histogram_quantile(0.5, buckets);
  auto p99 = histogram_quantile(0.99, buckets);
  snap.command_p50_ms = p50 < 0 ? -1 : p50 * 1000;
  snap.command_p99_ms = p99 < 0 ? -1 : p99 * 1000;
  snap.latency_window_seconds = uptime;
}

clock_type::time_point now_of(const diagnostics_options& opts) {
  return opts.clock ? opts.clock() : clock_type::now();
}

node_snapshot take_snapshot(diag_self self) {
  auto& st = self->state;
  const auto& opts = *st.opts;
  auto now = now_of(opts);
  if (st.cached && !st.samples.empty() && now - st.samples.back().at < opts.min_interval)
    return *st.cached;

  auto all = metrics::read_all();
  auto cur = take_sample(now, all);
  node_snapshot snap;
  snap.name = opts.node_name;
  snap.taken_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  snap.uptime_seconds = std::chrono::duration<double>(now - opts.started).count();
  auto rss_kb = proc_status("VmRSS");
  snap.rss_bytes = rss_kb < 0 ? -1 : rss_kb * 1024;
  snap.threads = proc_status("Threads");
  snap.running_actors = static_cast<std::int64_t>(self->system().registry().running());

  const sample* previous = st.samples.empty() ? nullptr : &st.samples.back();
  auto dt = previous ? std::chrono::duration<double>(now - previous->at).count() : 0.0;
  snap.engines = engines_of(opts);
  for (auto& e : snap.engines) {
    e.backlog = gauge_of(all, "lastgram_mailbox_backlog", "engine", e.name);
    auto h = cur.handled.find(e.name);
    if (h == cur.handled.end())
      continue;
    e.handled = h->second;
    if (previous && dt > 0) {
      auto p = previous->handled.find(e.name);
      auto before = p == previous->handled.end() ? 0.0 : p->second;
      e.msgs_per_sec = std::max(0.0, (e.handled - before) / dt);
    } else {
      e.msgs_per_sec = 0;
    }
  }

  snap.lastfm_queue_depth = gauge_of(all, "lastgram_lastfm_queue_depth");
  snap.lastfm_outage = gauge_of(all, "lastgram_lastfm_outage");
  // Every platform's inbox (one series per platform), -1 before any exists.
  snap.inbox_pending = gauge_of(all, "lastgram_inbox_pending") < 0
                         ? -1
                         : sum_of(all, "lastgram_inbox_pending");
  snap.inbox_recovered = sum_of(all, "lastgram_inbox_recovered_total");
  snap.inbox_failures = sum_of(all, "lastgram_inbox_failures_total");
  snap.lastfm_bucket_level = gauge_of(all, "lastgram_lastfm_bucket_level");
  snap.cache_hits = sum_of(all, "lastgram_lastfm_cache_hits_total");
  snap.cache_misses = sum_of(all, "lastgram_lastfm_cache_misses_total");
  auto reads = snap.cache_hits + snap.cache_misses;
  snap.cache_hit_rate = reads > 0 ? snap.cache_hits / reads : -1;
  snap.commands_total = sum_of(all, "lastgram_commands_total");
  fill_latency(snap, cur, st.samples.empty() ? nullptr : &st.samples.front(),
               snap.uptime_seconds);
  snap.last_errors = last_errors(opts.last_errors);

  st.samples.push_back(std::move(cur));
  // Keep the last minute, and always the sample before this one.
  while (st.samples.size() > 2 && now - st.samples.front().at > latency_window)
    st.samples.pop_front();
  st.cached = snap;
  return snap;
}

/// Answers of the remote members' diagnostics, gathered into one report.
struct gathering {
  diag_report report;
  std::size_t waiting = 0;
  caf::typed_response_promise<diag_report> promise;

  void done() {
    if (--waiting > 0)
      return;
    // Nodes in member order, this node first.
    auto rank = [this](const node_snapshot& n) {
      if (n.name == report.node)
        return std::size_t{0};
      for (std::size_t i = 0; i < report.members.size(); ++i)
        if (report.members[i].name == n.name)
          return i + 1;
      return report.members.size() + 1;
    };
    std::stable_sort(report.nodes.begin(), report.nodes.end(),
                     [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    promise.deliver(std::move(report));
  }
};

caf::result<diag_report> make_report(diag_self self) {
  const auto& opts = *self->state.opts;
  diag_report report;
  report.node = opts.node_name;
  report.nodes.push_back(take_snapshot(self));
  auto members = opts.hooks ? opts.hooks->members() : std::vector<lastgram::cluster_member>{};
  if (members.empty()) {
    report.members.push_back(member_info{opts.node_name, opts.address, opts.roles, "up", true});
    return report;
  }
  std::vector<diag_actor> peers;
  for (auto& m : members) {
    if (!m.self && m.diag)
      peers.push_back(m.diag);
    report.members.push_back(
      member_info{m.name, m.endpoint, m.roles, to_string(m.state), m.self});
  }
  if (peers.empty())
    return report;
  auto pending = std::make_shared<gathering>();
  pending->report = std::move(report);
  pending->waiting = peers.size();
  pending->promise = self->make_response_promise<diag_report>();
  for (auto& peer : peers)
    self->request(peer, opts.peer_timeout, snapshot_atom::value)
      .then(
        [pending](node_snapshot& snap) {
          pending->report.nodes.push_back(std::move(snap));
          pending->done();
        },
        [pending](caf::error&) { pending->done(); });
  return pending->promise;
}

diag_actor::behavior_type diag_impl(diag_self self,
                                    std::shared_ptr<const diagnostics_options> opts) {
  keep_exception_text(self);
  self->state.opts = std::move(opts);
  // The first sample is the baseline of the first rates.
  self->state.samples.push_back(take_sample(now_of(*self->state.opts), metrics::read_all()));
  return {
    [self](snapshot_atom) -> node_snapshot { return take_snapshot(self); },
    [self](report_atom) -> caf::result<diag_report> { return make_report(self); },
  };
}

} // namespace

void diagnostics_hooks::set_members_provider(members_provider provider) {
  std::lock_guard<std::mutex> guard{mtx_};
  provider_ = std::move(provider);
}

bool diagnostics_hooks::has_members_provider() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return static_cast<bool>(provider_);
}

std::vector<lastgram::cluster_member> diagnostics_hooks::members() const {
  members_provider provider;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    provider = provider_;
  }
  // Called outside the lock, so a provider may itself set a new provider.
  return provider ? provider() : std::vector<lastgram::cluster_member>{};
}

diag_actor spawn_diagnostics(caf::local_actor* parent,
                             std::shared_ptr<const diagnostics_options> opts) {
  return parent->spawn(diag_impl, std::move(opts));
}

double histogram_quantile(double q, const std::vector<std::pair<double, double>>& buckets) {
  if (buckets.empty() || buckets.back().second <= 0)
    return -1;
  q = std::clamp(q, 0.0, 1.0);
  auto total = buckets.back().second;
  auto rank = q * total;
  double lower = 0;
  double below = 0;
  double highest_finite = 0;
  for (const auto& [bound, cumulative] : buckets) {
    if (std::isinf(bound)) {
      // Beyond every finite bound: the best one can say is "at least".
      return highest_finite;
    }
    highest_finite = bound;
    if (cumulative >= rank && cumulative > below) {
      auto in_bucket = cumulative - below;
      return lower + (bound - lower) * ((rank - below) / in_bucket);
    }
    lower = bound;
    below = cumulative;
  }
  return highest_finite;
}

} // namespace lastgram::cluster
