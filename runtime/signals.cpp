#include "runtime/signals.hpp"

#include <csignal>
#include <cstdlib>
#include <pthread.h>

namespace lastgram::runtime {

namespace {

sigset_t watched_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  // Blocked like the others, so that its default action (ending the
  // process) never happens: the watcher turns it into a reload.
  sigaddset(&set, SIGHUP);
  // SIGUSR2 only wakes the watcher so that it can end with the process.
  sigaddset(&set, SIGUSR2);
  return set;
}

} // namespace

signal_watcher::signal_watcher(std::function<void(int)> on_shutdown,
                               std::function<void()> on_reload)
  : on_shutdown_(std::move(on_shutdown)), on_reload_(std::move(on_reload)) {
  auto set = watched_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread{[this] { run(); }};
}

signal_watcher::~signal_watcher() {
  pthread_kill(thread_.native_handle(), SIGUSR2);
  thread_.join();
}

void signal_watcher::run() {
  auto set = watched_set();
  int received = 0;
  for (;;) {
    int signo = 0;
    if (sigwait(&set, &signo) != 0)
      continue;
    if (signo == SIGUSR2)
      return;
    if (signo == SIGHUP) {
      if (on_reload_)
        on_reload_();
      continue;
    }
    if (++received == 1) {
      on_shutdown_(signo);
      continue;
    }
    // Second signal: the operator insists. Skip destructors and the grace
    // period on purpose.
    std::_Exit(128 + signo);
  }
}

} // namespace lastgram::runtime
