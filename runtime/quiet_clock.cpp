#include "runtime/quiet_clock.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include "caf/actor_cast.hpp"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/detail/set_thread_name.hpp"
#include "caf/detail/thread_safe_actor_clock.hpp"
#include "caf/policy/work_sharing.hpp"
#include "caf/policy/work_stealing.hpp"
#include "caf/scheduler/coordinator.hpp"
#include "messages/settings.hpp"
#include "runtime/affinity_policy.hpp"

namespace lastgram::runtime {

namespace {

/// True on the clock's thread while it ships what is due (with its mutex
/// held): see quiet_clock::defer.
thread_local bool dispatching = false;

/// The schedule of CAF's simple_actor_clock behind a mutex. It derives from
/// thread_safe_actor_clock only because the coordinator's clock() returns
/// that type; none of that class's queue is used.
class quiet_clock final : public caf::detail::thread_safe_actor_clock {
public:
  using schedule = caf::detail::simple_actor_clock;

  void set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                            uint64_t id) override {
    set_for(t, self, [this, t, type, id](caf::abstract_actor* a) {
      schedule::set_ordinary_timeout(t, a, type, id);
    });
  }

  // CAF 0.17 never cancels a request's timeout when the answer comes: the
  // entry comes due and ships a request_timeout the actor then drops. A
  // long-lived actor's requests (the inbox's writes, 5 s) so woke this
  // thread, and then a worker, twice per command. Rounded up to a coarse
  // grid (see coarse), they come due together: one wake per grid step.
  void set_request_timeout(time_point t, caf::abstract_actor* self,
                           caf::message_id id) override {
    t = coarse(t, now());
    set_for(t, self,
            [this, t, id](caf::abstract_actor* a) { schedule::set_request_timeout(t, a, id); });
  }

  void set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                         uint64_t id) override {
    set_for(t, self, [this, t, type, id](caf::abstract_actor* a) {
      schedule::set_multi_timeout(t, a, type, id);
    });
  }

  // A cancelled deadline wakes nobody: at worst the thread wakes at its
  // time, finds nothing due and sleeps until the next one. (Deferred ones
  // name the actor by id: it may be gone by then.)
  void cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) override {
    cancel([&] { schedule::cancel_ordinary_timeout(self, type); },
           [this, aid = self->id(), type] { handle(ordinary_timeout_cancellation{aid, type}); });
  }

  void cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) override {
    cancel([&] { schedule::cancel_request_timeout(self, id); },
           [this, aid = self->id(), id] { handle(request_timeout_cancellation{aid, id}); });
  }

  void cancel_timeouts(caf::abstract_actor* self) override {
    cancel([&] { schedule::cancel_timeouts(self); },
           [this, aid = self->id()] { handle(timeouts_cancellation{aid}); });
  }

  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override {
    if (dispatching) {
      auto held = std::make_shared<caf::mailbox_element_ptr>(std::move(content));
      defer([this, t, receiver, held] {
        schedule::schedule_message(t, receiver, std::move(*held));
      });
      return;
    }
    add(t, [&] { schedule::schedule_message(t, std::move(receiver), std::move(content)); });
  }

  void schedule_message(time_point t, caf::group target, caf::strong_actor_ptr sender,
                        caf::message content) override {
    if (dispatching) {
      defer([this, t, target, sender, content] {
        schedule::schedule_message(t, target, sender, content);
      });
      return;
    }
    add(t, [&] {
      schedule::schedule_message(t, std::move(target), std::move(sender), std::move(content));
    });
  }

  void cancel_all() override {
    auto all = [this] { schedule::cancel_all(); };
    cancel(all, all);
  }

  /// The dispatch loop: ships what is due, then sleeps until the earliest
  /// deadline or until an earlier one is set.
  void run() {
    std::unique_lock<std::mutex> guard{mx_};
    while (!done_) {
      const auto& due = this->schedule::schedule();
      if (due.empty()) {
        wake_at_ = time_point::max();
        cv_.wait(guard);
        continue;
      }
      auto next = due.begin()->first;
      if (next > now()) {
        wake_at_ = next;
        cv_.wait_until(guard, next);
        continue;
      }
      dispatching = true;
      trigger_expired_timeouts();
      // What shipping called back (see defer), now that the schedule is no
      // longer being walked. Still dispatching: running these, or releasing
      // what they captured, may call back again, and that waits its turn.
      while (!deferred_.empty()) {
        auto later = std::move(deferred_);
        deferred_.clear();
        for (auto& f : later)
          f();
      }
      dispatching = false;
    }
    // What never came due is dropped when the clock stops, and what is set
    // later is refused (done_): an entry holds its actor, and a detached
    // actor's thread waits for its last reference before the actor system
    // may end (the node would never exit). Destroyed without the mutex,
    // since an actor cleaned up here cancels its timeouts.
    auto dropped = std::move(schedule_);
    schedule_.clear();
    actor_lookup_.clear();
    guard.unlock();
    dropped.clear();
  }

  void stop() {
    std::unique_lock<std::mutex> guard{mx_};
    done_ = true;
    cv_.notify_all();
  }

  /// `t`, `now` + d, rounded up to a multiple of a step of at most d / 8
  /// (a power of two of milliseconds, at most 128 ms): a request times out
  /// at most an eighth later than it asked, and at most 128 ms.
  static time_point coarse(time_point t, time_point now) {
    using namespace std::chrono;
    const auto d = duration_cast<milliseconds>(t - now).count();
    if (d < 8)
      return t;
    std::int64_t step_ms = 1;
    while (step_ms * 2 <= d / 8 && step_ms < 128)
      step_ms *= 2;
    const auto step = duration_cast<time_point::duration>(milliseconds{step_ms});
    const auto since = t.time_since_epoch();
    return time_point{((since + step - time_point::duration{1}) / step) * step};
  }

private:
  static caf::strong_actor_ptr strong(caf::abstract_actor* self) {
    return caf::strong_actor_ptr{self->ctrl()};
  }

  static caf::abstract_actor* raw(const caf::strong_actor_ptr& p) {
    return caf::actor_cast<caf::abstract_actor*>(p);
  }

  /// Shipping a message may call back into the clock on this thread, with
  /// the mutex held and the schedule being walked: an actor whose last
  /// reference the shipped entry held is cleaned up there and cancels its
  /// timeouts. Such calls (`dispatching` is set) are kept and run right
  /// after the walk (run); the others take the mutex.
  template <class F>
  void defer(F f) {
    deferred_.emplace_back(std::move(f));
  }

  /// Adds an entry due at `t` with `put()` under the mutex, waking the
  /// thread when it is due before the time it sleeps until; refused once
  /// stopped (see run).
  template <class Put>
  void add(time_point t, Put put) {
    std::unique_lock<std::mutex> guard{mx_};
    if (done_)
      return;
    put();
    wake_if_sooner(t);
  }

  /// A deadline `t` for `self`, set by `set(self)`: with add, or deferred,
  /// holding the actor until it runs.
  template <class Set>
  void set_for(time_point t, caf::abstract_actor* self, Set set) {
    if (dispatching) {
      defer([set, p = strong(self)] { set(raw(p)); });
      return;
    }
    add(t, [&] { set(self); });
  }

  /// Runs `now()` under the mutex, or `later()` deferred.
  template <class Now, class Later>
  void cancel(Now now, Later later) {
    if (dispatching) {
      defer(std::move(later));
      return;
    }
    std::unique_lock<std::mutex> guard{mx_};
    now();
  }

  // Called with mx_ held. wake_at_ is the time the thread sleeps until (it
  // only reads the schedule with mx_ held, so it sees every change once it
  // runs).
  void wake_if_sooner(time_point t) {
    if (t < wake_at_) {
      wake_at_ = t;
      cv_.notify_one();
    }
  }

  std::mutex mx_;
  std::condition_variable cv_;
  time_point wake_at_ = time_point::min();
  bool done_ = false;
  /// Calls made from the clock's own thread while it shipped (see defer).
  std::vector<std::function<void()>> deferred_;
};

/// CAF's coordinator with the quiet clock in place of its own (whose thread
/// still starts with the coordinator and sleeps, unused, until it stops).
template <class Policy>
class quiet_coordinator final : public caf::scheduler::coordinator<Policy> {
public:
  using super = caf::scheduler::coordinator<Policy>;

  explicit quiet_coordinator(caf::actor_system& sys) : super(sys) {
  }

  caf::detail::thread_safe_actor_clock& clock() noexcept override {
    return clock_;
  }

protected:
  void start() override {
    thread_ = std::thread{[this] {
      caf::detail::set_thread_name("lastgram.clock");
      this->system().thread_started();
      clock_.run();
      this->system().thread_terminates();
    }};
    super::start();
    if constexpr (std::is_same_v<Policy, affinity_policy>)
      io_helper::activate(this);
  }

  void stop() override {
    if constexpr (std::is_same_v<Policy, affinity_policy>)
      io_helper::deactivate(this);
    super::stop();
    clock_.stop();
    thread_.join();
  }

private:
  quiet_clock clock_;
  std::thread thread_;
};

} // namespace

void use_quiet_clock(caf::actor_system_config& cfg, scheduler_policy policy) {
  cfg.module_factories.push_back([policy](caf::actor_system& sys) -> caf::actor_system::module* {
    if (policy == scheduler_policy::affinity) {
      // The HTTP client's threads run work while the workers sleep.
      io_helper::install_client_hooks();
      return new quiet_coordinator<affinity_policy>(sys);
    }
    if (policy == scheduler_policy::sharing)
      return new quiet_coordinator<caf::policy::work_sharing>(sys);
    return new quiet_coordinator<caf::policy::work_stealing>(sys);
  });
}

} // namespace lastgram::runtime
