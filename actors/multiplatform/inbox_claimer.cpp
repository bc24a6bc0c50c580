#include "actors/multiplatform/inbox_claimer.hpp"

#include <algorithm>
#include <random>

#include <unistd.h>

namespace lastgram::multiplatform {

void inbox_claimer::setup(platform_kind platform, std::int64_t lease_seconds,
                          std::int64_t retention_hours) {
  platform_ = platform;
  lease_seconds_ = lease_seconds;
  retention_hours_ = retention_hours;
  std::string label = to_string(platform);
  pending = metrics::get_gauge("lastgram_inbox_pending",
                               "Updates in the durable inbox not handled yet.",
                               {{"platform", label}});
  recovered = metrics::get_counter(
    "lastgram_inbox_recovered_total",
    "Unfinished updates taken over from a process whose claim ran out.", {{"platform", label}});
  auto failures = [&label](std::string_view op) {
    return metrics::get_counter("lastgram_inbox_failures_total",
                                "Inbox writes that failed: recording an update (answered "
                                "503) or marking it replied or done.",
                                {{"platform", label}, {"op", op}});
  };
  record_failures = failures("record");
  mark_failures = failures("mark");
  mark_seconds = metrics::get_histogram(
    "lastgram_inbox_mark_seconds",
    "Time from queueing an inbox mark (replied or done) to its confirmation (marks "
    "queued while a batch is on its way go out together in the next one).",
    {{"platform", label}}, metrics::default_latency_buckets());
}

const char* inbox_claimer::log_source() const {
  return platform_ == platform_kind::discord ? "discord" : "telegram";
}

const std::string& inbox_claimer::id() {
  if (id_.empty()) {
    char host[128] = {};
    if (::gethostname(host, sizeof(host) - 1) != 0)
      host[0] = '\0';
    std::random_device rd;
    id_ = std::string{host} + "/" + std::to_string(::getpid()) + "/" + std::to_string(rd());
  }
  return id_;
}

std::chrono::seconds inbox_claimer::sweep_interval() const {
  return std::chrono::seconds{std::max<std::int64_t>(1, lease_seconds_ / 3)};
}

} // namespace lastgram::multiplatform
