// SPDX-License-Identifier: MIT
#include "runtime/io_helper.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/logger.hpp"
#include "caf/scheduler/abstract_coordinator.hpp"

#include "platforms/net/io_hooks.hpp"

namespace lastgram::runtime {

namespace {

/// The coordinator lending work, if any.
std::atomic<caf::scheduler::abstract_coordinator*> active{nullptr};
/// I/O threads holding work of the active coordinator.
std::atomic<int> holding{0};
/// Queued jobs one thread keeps before the workers get the next.
constexpr std::size_t max_kept = 256;
/// How long one thread runs kept work before handing the rest on.
constexpr auto drain_budget = std::chrono::milliseconds{2};
/// Messages an actor handles per turn here (a worker handles up to
/// scheduler.max-throughput): an actor with more waiting than that is busy,
/// and busy actors are the workers' (see drain).
constexpr std::size_t io_throughput = 8;

/// Kept until the process exits, not with their threads: an actor that ran
/// on one keeps it as its last execution unit, which CAF may use after the
/// thread is gone (see exec_later). One small object per HTTP client thread.
struct helpers {
  std::mutex mutex;
  std::vector<std::unique_ptr<io_helper>> all;
};

helpers& kept_helpers() {
  // Never destroyed either: an HTTP client thread may outlive main's static
  // destructors (one that was not stopped), and it uses its helper.
  static auto* h = new helpers; // NOLINT: reachable for good
  return *h;
}

thread_local io_helper* this_thread_helper = nullptr;

} // namespace

io_helper* io_helper::current() noexcept {
  return this_thread_helper;
}

void io_helper::enter() {
  if (this_thread_helper != nullptr)
    return;
  auto& kept = kept_helpers();
  std::lock_guard<std::mutex> guard{kept.mutex};
  this_thread_helper = kept.all.emplace_back(std::make_unique<io_helper>()).get();
}

void io_helper::after_handler() noexcept {
  if (auto* h = current())
    h->drain();
}

void io_helper::install_client_hooks() noexcept {
  net::set_io_thread_hooks({&io_helper::enter, &io_helper::after_handler});
}

void io_helper::activate(caf::scheduler::abstract_coordinator* c) noexcept {
  active.store(c);
}

void io_helper::deactivate(caf::scheduler::abstract_coordinator* c) noexcept {
  auto expected = c;
  active.compare_exchange_strong(expected, nullptr);
  // A thread that took work before this runs it (it is between a handler's
  // end and the drain); the workers still run, so it can finish.
  while (holding.load() > 0)
    std::this_thread::yield();
}

bool io_helper::try_take(caf::scheduler::abstract_coordinator* c, caf::resumable* job) noexcept {
  if (spilling_ || jobs_.size() >= max_kept)
    return false;
  if (!holding_) {
    // Counted before checking, so that deactivate either sees this thread
    // holding or this thread sees it gone.
    holding.fetch_add(1);
    if (active.load() != c) {
      holding.fetch_sub(1);
      return false;
    }
    holding_ = true;
    coordinator_ = c;
    system_ = &c->system();
  } else if (coordinator_ != c) {
    return false;
  }
  jobs_.push_back(job);
  return true;
}

void io_helper::exec_later(caf::resumable* job) {
  // CAF passes an actor's last execution unit from other threads too (a
  // response promise delivered outside the actor): only this thread, in a
  // drain, keeps the job.
  if (current() == this && holding_) {
    jobs_.push_back(job);
    return;
  }
  system_->scheduler().enqueue(job);
}

void io_helper::drain() noexcept {
  if (!holding_)
    return;
  auto until = std::chrono::steady_clock::now() + drain_budget;
  const auto throughput = std::min(coordinator_->max_throughput(), io_throughput);
  while (!jobs_.empty()) {
    // Checked at every job (a clock read through the vDSO): a thread that
    // holds on to actors past its budget reads its sockets late.
    if (std::chrono::steady_clock::now() > until) {
      spill();
      break;
    }
    auto* job = jobs_.front();
    jobs_.pop_front();
    switch (job->resume(this, throughput)) {
      case caf::resumable::resume_later:
        // More waiting than one turn here: a busy actor, for the workers.
        hand_on(job);
        break;
      case caf::resumable::done:
      case caf::resumable::awaiting_message:
      case caf::resumable::shutdown_execution_unit:
        intrusive_ptr_release(job);
        break;
    }
  }
  coordinator_ = nullptr;
  holding_ = false;
  // Actors that spawn set this thread's CAF logger, and a thread holding it
  // keeps ~actor_system waiting (the node's HTTP client outlives its actor
  // system): let it go until the next drain.
  caf::logger::set_current_actor_system(nullptr);
  holding.fetch_sub(1);
}

void io_helper::spill() noexcept {
  while (!jobs_.empty()) {
    auto* job = jobs_.front();
    jobs_.pop_front();
    hand_on(job);
  }
}

void io_helper::hand_on(caf::resumable* job) noexcept {
  // Through the coordinator, as any thread would; spilling_ keeps
  // try_take from taking it back.
  spilling_ = true;
  coordinator_->enqueue(job);
  spilling_ = false;
}

} // namespace lastgram::runtime
