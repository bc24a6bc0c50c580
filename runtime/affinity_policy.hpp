// SPDX-License-Identifier: MIT
#pragma once

// A CAF 0.17 scheduler policy for few cores and chains of short messages:
// work sharing (one central queue, idle workers block on it), plus a queue
// per worker for what its own actors send.
//
// With plain work sharing every message an actor sends to an idle actor
// pushes that actor on the central queue and wakes a sleeping worker, so a
// command that passes through ten actors costs about ten wake-ups and
// context switches, on two cores most of its CPU. Here an actor scheduled
// from a worker goes on that worker's own queue and runs there right after
// the current one, with no wake-up. A sleeping worker is woken only when
// that queue already holds work (a second job waits), or when work comes
// from outside the workers (network threads, the clock); a woken worker
// takes the central queue's work first, then steals from the others'.
//
// I/O threads may run work too, while every worker sleeps (io_helper.hpp).
//
// Fairness: an actor that yields after max-throughput messages goes to the
// central queue's end, and every 16th pick looks at the central queue
// before the worker's own, so network arrivals are not starved by a busy
// chain.

#include "caf/policy/unprofiled.hpp"
#include "caf/resumable.hpp"

#include "runtime/io_helper.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace lastgram::runtime {

class affinity_policy : public caf::policy::unprofiled {
public:
  struct coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator*) {
    }
    std::mutex lock;
    std::condition_variable cv;
    std::deque<caf::resumable*> queue; // guarded by lock
    std::size_t sleepers = 0;          // guarded by lock
  };

  struct worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator*) {
    }
    // The coordinator copies one initial value into every worker: each gets
    // its own empty queue and lock.
    worker_data(const worker_data&) {
    }
    std::mutex lock; // the owner pushes and pops, others steal
    std::deque<caf::resumable*> local;
    std::size_t picks = 0; // owner only
  };

  template <class Coordinator>
  void central_enqueue(Coordinator* self, caf::resumable* job) {
    auto& c = d(self);
    std::unique_lock<std::mutex> guard{c.lock};
    // With every worker asleep, an I/O thread keeps what its handler woke
    // and runs it after the handler (io_helper.hpp) rather than wake one.
    if (c.sleepers == self->num_workers()) {
      if (auto* h = io_helper::current(); h != nullptr && h->try_take(self, job))
        return;
    }
    c.queue.push_back(job);
    wake_one(c, guard);
  }

  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    central_enqueue(self->parent(), job);
  }

  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    // CAF also passes an actor's last execution unit from other threads (a
    // response promise delivered outside the actor): that worker may be
    // asleep, so such a job goes through the shared queue.
    if (running_worker() != self) {
      central_enqueue(self->parent(), job);
      return;
    }
    auto& w = d(self);
    bool waiting;
    {
      std::unique_lock<std::mutex> guard{w.lock};
      waiting = !w.local.empty();
      w.local.push_back(job);
    }
    // The first job waits only for the current one to finish; a second is
    // worth a sleeping worker's wake-up.
    if (waiting) {
      auto& c = d(self->parent());
      std::unique_lock<std::mutex> guard{c.lock};
      wake_one(c, guard);
    }
  }

  template <class Worker>
  void resume_job_later(Worker* self, caf::resumable* job) {
    central_enqueue(self->parent(), job);
  }

  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    running_worker() = self;
    auto& w = d(self);
    auto* parent = self->parent();
    auto& c = d(parent);
    const bool central_first = (++w.picks & 15u) == 0;
    if (!central_first) {
      if (auto* job = pop_front(w))
        return job;
    }
    std::unique_lock<std::mutex> guard{c.lock};
    for (;;) {
      if (auto* job = take_front(c.queue))
        return job;
      guard.unlock();
      if (auto* job = pop_front(w))
        return job;
      guard.lock();
      // Steal the oldest waiting job of another worker. Lock order is always
      // central, then a worker's, and internal_enqueue never holds both.
      for (std::size_t i = 0; i < parent->num_workers(); ++i) {
        auto* other = parent->worker_by_id(i);
        if (other == self)
          continue;
        if (auto* job = pop_front(other->data()))
          return job;
      }
      ++c.sleepers;
      c.cv.wait(guard);
      --c.sleepers;
    }
  }

  template <class Worker, class UnaryFunction>
  void foreach_resumable(Worker* self, UnaryFunction f) {
    auto& w = d(self);
    drain(w.lock, w.local, f);
  }

  template <class Coordinator, class UnaryFunction>
  void foreach_central_resumable(Coordinator* self, UnaryFunction f) {
    auto& c = d(self);
    drain(c.lock, c.queue, f);
  }

private:
  /// The worker whose thread this is (set by its first dequeue).
  static const void*& running_worker() noexcept {
    thread_local const void* worker = nullptr;
    return worker;
  }

  /// Hands every job of `queue` to `f` (at shutdown), in order.
  template <class UnaryFunction>
  static void drain(std::mutex& lock, std::deque<caf::resumable*>& queue, UnaryFunction& f) {
    std::unique_lock<std::mutex> guard{lock};
    while (auto* job = take_front(queue))
      f(job);
  }

  /// Wakes a sleeping worker, if any. `guard` holds `c.lock` and is
  /// released before the notification: glibc's condition variable does not
  /// hand the mutex over, so a worker woken while the notifier still holds
  /// it would wake only to block on the mutex (two more futex calls and,
  /// often, one more context switch). A sleeper counted under the lock is
  /// already waiting on `cv`, so the notification after unlocking reaches it.
  static void wake_one(coordinator_data& c, std::unique_lock<std::mutex>& guard) {
    const bool someone_sleeps = c.sleepers > 0;
    guard.unlock();
    if (someone_sleeps)
      c.cv.notify_one();
  }

  /// The oldest job of `queue`, taken off it; null when it is empty. The
  /// queue's lock is held.
  static caf::resumable* take_front(std::deque<caf::resumable*>& queue) {
    if (queue.empty())
      return nullptr;
    auto* job = queue.front();
    queue.pop_front();
    return job;
  }

  static caf::resumable* pop_front(worker_data& w) {
    std::unique_lock<std::mutex> guard{w.lock};
    return take_front(w.local);
  }
};

} // namespace lastgram::runtime
