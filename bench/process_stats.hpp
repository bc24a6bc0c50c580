#pragma once

// What the benchmarks print about their own process: resident memory and
// CPU time. Linux only (/proc and getrusage), as the benchmarks are.

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

namespace lastgram::bench {

/// Resident set size in megabytes, from /proc/self/statm (0 when unreadable).
inline double rss_mb() {
  long pages = 0, resident = 0;
  if (auto* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
      resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0;
}

/// User plus system CPU time of the whole process so far, in seconds.
inline double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

} // namespace lastgram::bench
