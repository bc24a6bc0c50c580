#pragma once

// Internal to actors/logging: where formatted lines go. spdlog stays in
// sink.cpp.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "actors/logging/log.hpp"

namespace lastgram::log::detail {

/// One destination of log lines (a file or standard error) with, when
/// asynchronous, its own writer thread behind a bounded queue.
///
/// An asynchronous writer never blocks its callers: write() copies the line
/// into the queue, and when the queue is full the oldest queued line is
/// dropped and counted (spdlog's overrun_oldest policy; spdlog 1.10 has no
/// policy that drops the new line instead). Destroying it writes every line
/// still queued, then joins the thread.
class writer {
public:
  /// An asynchronous writer appending to `file`, or to standard error when
  /// `file` is empty. Throws std::exception when the file cannot be opened.
  static std::shared_ptr<writer> open(const std::string& file, const sink_options& options);

  /// A synchronous writer to standard error (the default before init()).
  static std::shared_ptr<writer> to_stderr();

  /// A synchronous writer to the same destination, for lines logged after
  /// this one has been drained (shutdown()).
  std::shared_ptr<writer> synchronous() const;

  /// Queues (or, when synchronous, writes) one line.
  void write(log_level level, std::string_view line);

  /// Waits until every line written before the call is written and flushed,
  /// at most `timeout`; false when that did not happen in time.
  bool flush(std::chrono::milliseconds timeout);

  /// Lines this writer's queue dropped so far.
  std::uint64_t dropped() const;

  ~writer();
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  struct parts;
  explicit writer(std::unique_ptr<parts> p);

private:
  std::unique_ptr<parts> parts_;
};

/// Lines written by every writer since the process started.
std::uint64_t lines_written() noexcept;

/// Lines dropped by writers that no longer exist.
std::uint64_t retired_drops() noexcept;

} // namespace lastgram::log::detail
