// SPDX-License-Identifier: MIT
#pragma once

// I/O threads lend a hand to the affinity scheduler (affinity_policy.hpp).
//
// When an HTTP answer arrives, its handler sends the answer to an actor. With
// every CAF worker asleep that wakes one: on two cores about a tenth of a
// millisecond of CPU per wake-up, and a /ln has several. Instead, the I/O
// thread that ran the handler keeps the actor's job and runs it, and what
// that actor sends in turn, right after the handler (net::run_io's
// after_handler hook), then goes back to its sockets; a request the actors
// make on that thread's own client is then written without waking it
// either. It only keeps work while every worker sleeps, and hands what is
// left to the workers after 2 ms, so a busy node spreads its work as before
// and sockets are not starved.
//
// Used for the HTTP client's threads. With `server.threads=0` (the default)
// on SQLite the HTTP server runs on that loop too (share_loop), so one
// thread reads a webhook, runs the command it wakes and writes the
// command's Last.fm and Telegram requests. The server's own thread lending
// a hand was tried first (2026-12-07) and left out: its requests still went
// to the client's thread, and past capacity it acknowledged webhooks late
// (README, "Fresh /ln").

#include <cstddef>
#include <deque>

#include "caf/execution_unit.hpp"
#include "caf/resumable.hpp"

namespace caf::scheduler {
class abstract_coordinator;
} // namespace caf::scheduler

namespace lastgram::runtime {

class io_helper final : public caf::execution_unit {
public:
  /// The calling thread's helper; null unless it is an I/O thread that
  /// entered.
  static io_helper* current() noexcept;

  /// The hooks of net::io_thread_hooks.
  static void enter();
  static void after_handler() noexcept;

  /// Installs the hooks for the HTTP client's threads (process-wide).
  static void install_client_hooks() noexcept;

  /// The affinity coordinator `c` starts lending work to I/O threads, or
  /// stops: deactivate returns once no I/O thread holds any of its work.
  static void activate(caf::scheduler::abstract_coordinator* c) noexcept;
  static void deactivate(caf::scheduler::abstract_coordinator* c) noexcept;

  /// Keeps `job` to run after the current handler, if `c` lends work now
  /// and this thread is in a handler with room. Called by the policy, under
  /// its lock, only while every worker sleeps.
  bool try_take(caf::scheduler::abstract_coordinator* c, caf::resumable* job) noexcept;

  /// What an actor running here sends runs here too.
  void exec_later(caf::resumable* job) override;

private:
  void drain() noexcept;
  void spill() noexcept;
  /// Gives one job to the workers.
  void hand_on(caf::resumable* job) noexcept;

  std::deque<caf::resumable*> jobs_;
  caf::scheduler::abstract_coordinator* coordinator_ = nullptr;
  /// Counted in `holding` (from the first job taken to the drain's end).
  bool holding_ = false;
  bool spilling_ = false;
};

} // namespace lastgram::runtime
