#pragma once

/// The newest warnings and errors of the process, kept in memory for the
/// diagnostics (`GET /diag`, `lastgram attach`). log::write() feeds every
/// line at warn or above into recent_problems(), whatever the configured
/// log level, already redacted.

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "messages/settings.hpp"

namespace lastgram::log {

/// One remembered line.
struct recent_line {
  std::string ts;
  log_level level = log_level::warn;
  std::string engine;
  std::string event;
  /// The other fields as logfmt `key=value` pairs.
  std::string fields;
};

/// A bounded, thread-safe ring of lines: the oldest is dropped when full.
/// Writers take a mutex for a move of a few strings; warnings are rare, so
/// nobody waits on it in practice.
class line_ring {
public:
  explicit line_ring(std::size_t capacity);

  /// Adds `line`, dropping the oldest when full (nothing when capacity is 0).
  void push(recent_line line);

  /// The newest `max` lines (all when 0), oldest first.
  std::vector<recent_line> newest(std::size_t max = 0) const;

  /// Lines pushed since construction, including dropped ones.
  std::size_t total() const;

  std::size_t capacity() const noexcept { return capacity_; }

private:
  const std::size_t capacity_;
  mutable std::mutex mtx_;
  std::deque<recent_line> lines_;
  std::size_t total_ = 0;
};

/// The process-wide ring (the last 64 warnings and errors).
line_ring& recent_problems();

} // namespace lastgram::log
