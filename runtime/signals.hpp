#pragma once

#include <functional>
#include <thread>

namespace lastgram::runtime {

/// Turns SIGINT/SIGTERM into a callback on a dedicated thread.
///
/// Construct it before any other thread starts (CAF, Beast, detached actors):
/// it blocks the signals in the calling thread so every later thread inherits
/// the mask, and only the watcher thread receives them through sigwait. The
/// first signal calls `on_shutdown(signo)`; a second one ends the process at
/// once with exit code 128 + signo, for an operator who does not want to wait
/// for the grace period.
class signal_watcher {
public:
  explicit signal_watcher(std::function<void(int)> on_shutdown);
  ~signal_watcher();

  signal_watcher(const signal_watcher&) = delete;
  signal_watcher& operator=(const signal_watcher&) = delete;

private:
  void run();

  std::function<void(int)> on_shutdown_;
  std::thread thread_;
};

} // namespace lastgram::runtime
