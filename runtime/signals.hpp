#pragma once

#include <functional>
#include <thread>

namespace lastgram::runtime {

/// Turns SIGINT/SIGTERM (stop) and SIGHUP (reload) into callbacks on a
/// dedicated thread.
///
/// Construct it before any other thread starts (CAF, Beast, detached actors):
/// it blocks the signals in the calling thread so every later thread inherits
/// the mask, and only the watcher thread receives them through sigwait. The
/// first signal calls `on_shutdown(signo)`; a second one ends the process at
/// once with exit code 128 + signo, for an operator who does not want to wait
/// for the grace period. SIGHUP calls `on_reload()` each time it arrives and
/// never stops the node (without a callback it is ignored).
class signal_watcher {
public:
  explicit signal_watcher(std::function<void(int)> on_shutdown,
                          std::function<void()> on_reload = {});
  ~signal_watcher();

  signal_watcher(const signal_watcher&) = delete;
  signal_watcher& operator=(const signal_watcher&) = delete;

private:
  void run();

  std::function<void(int)> on_shutdown_;
  std::function<void()> on_reload_;
  std::thread thread_;
};

} // namespace lastgram::runtime
