#include "actors/logging/engine.hpp"

#include <mutex>

#include "caf/all.hpp"

#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/logging/recent.hpp"
#include "actors/support/exceptions.hpp"
#include "actors/support/thread_name.hpp"

namespace lastgram::logging {

namespace {

struct engine_state {
  static inline const char* name = "logging_engine";
};

using engine_pointer = logging_actor::stateful_pointer<engine_state>;

// Raises `series` to `total`: the writer's counts are the truth, the
// counters follow them (so an engine restart never counts twice).
void catch_up(const metrics::counter& series, std::uint64_t total) {
  auto behind = static_cast<double>(total) - series.value();
  if (behind > 0)
    series.inc(behind);
}

std::vector<problem_line> recent(std::uint32_t max) {
  std::vector<problem_line> out;
  for (auto& line : log::recent_problems().newest(max))
    out.push_back(problem_line{std::move(line.ts), std::string{log::to_string(line.level)},
                               std::move(line.engine), std::move(line.event),
                               std::move(line.fields)});
  return out;
}

logging_actor::behavior_type engine_impl(engine_pointer self) {
  name_thread("lg.logging");
  keep_exception_text(self);
  // Whatever stops the engine (node shutdown, a restart), the lines logged
  // so far reach the sink.
  self->attach_functor([] { log::flush(flush_deadline); });
  self->send(self, tick_atom::value);
  return {
    [](stats_atom) { return sync_metrics(); },
    [](flush_atom) { return log::flush(flush_deadline); },
    [](recent_atom, std::uint32_t max) { return recent(max); },
    [self](tick_atom) {
      sync_metrics();
      self->delayed_send(self, metrics_interval, tick_atom::value);
    },
  };
}

} // namespace

log_stats sync_metrics() {
  static const auto written = metrics::get_counter(
    "lastgram_log_written_total", "Log lines written to the log file or standard error.");
  static const auto dropped = metrics::get_counter(
    "lastgram_log_dropped_total", "Log lines dropped because the log writer's queue was full.");
  // Two callers catching up at once would both add the same difference.
  static std::mutex mtx;
  std::lock_guard<std::mutex> guard{mtx};
  auto counts = log::counts();
  catch_up(written, counts.written);
  catch_up(dropped, counts.dropped);
  return log_stats{counts.written, counts.dropped, log::recent_problems().total()};
}

logging_actor spawn_engine(caf::local_actor* parent) {
  return parent->spawn<caf::detached>(engine_impl);
}

} // namespace lastgram::logging
