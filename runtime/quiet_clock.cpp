#include "runtime/quiet_clock.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/detail/set_thread_name.hpp"
#include "caf/detail/thread_safe_actor_clock.hpp"
#include "caf/policy/work_sharing.hpp"
#include "caf/policy/work_stealing.hpp"
#include "caf/scheduler/coordinator.hpp"

namespace lastgram::runtime {

namespace {

/// The schedule of CAF's simple_actor_clock behind a mutex. It derives from
/// thread_safe_actor_clock only because the coordinator's clock() returns
/// that type; none of that class's queue is used.
class quiet_clock final : public caf::detail::thread_safe_actor_clock {
public:
  using schedule = caf::detail::simple_actor_clock;

  void set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                            uint64_t id) override {
    std::unique_lock<std::mutex> guard{mx_};
    schedule::set_ordinary_timeout(t, self, type, id);
    wake_if_sooner(t);
  }

  void set_request_timeout(time_point t, caf::abstract_actor* self,
                           caf::message_id id) override {
    std::unique_lock<std::mutex> guard{mx_};
    schedule::set_request_timeout(t, self, id);
    wake_if_sooner(t);
  }

  void set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                         uint64_t id) override {
    std::unique_lock<std::mutex> guard{mx_};
    schedule::set_multi_timeout(t, self, type, id);
    wake_if_sooner(t);
  }

  // A cancelled deadline wakes nobody: at worst the thread wakes at its
  // time, finds nothing due and sleeps until the next one.
  void cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) override {
    std::unique_lock<std::mutex> guard{mx_};
    schedule::cancel_ordinary_timeout(self, type);
  }

  void cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) override {
    std::unique_lock<std::mutex> guard{mx_};
    schedule::cancel_request_timeout(self, id);
  }

  void cancel_timeouts(caf::abstract_actor* self) override {
    std::unique_lock<std::mutex> guard{mx_};
    schedule::cancel_timeouts(self);
  }

  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override {
    std::unique_lock<std::mutex> guard{mx_};
    schedule::schedule_message(t, std::move(receiver), std::move(content));
    wake_if_sooner(t);
  }

  void schedule_message(time_point t, caf::group target, caf::strong_actor_ptr sender,
                        caf::message content) override {
    std::unique_lock<std::mutex> guard{mx_};
    schedule::schedule_message(t, std::move(target), std::move(sender), std::move(content));
    wake_if_sooner(t);
  }

  void cancel_all() override {
    std::unique_lock<std::mutex> guard{mx_};
    schedule::cancel_all();
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
      // Enqueueing into a mailbox never calls back into the clock.
      trigger_expired_timeouts();
    }
  }

  void stop() {
    std::unique_lock<std::mutex> guard{mx_};
    done_ = true;
    cv_.notify_all();
  }

private:
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
  }

  void stop() override {
    super::stop();
    clock_.stop();
    thread_.join();
  }

private:
  quiet_clock clock_;
  std::thread thread_;
};

} // namespace

void use_quiet_clock(caf::actor_system_config& cfg, bool sharing) {
  cfg.module_factories.push_back([sharing](caf::actor_system& sys) -> caf::actor_system::module* {
    if (sharing)
      return new quiet_coordinator<caf::policy::work_sharing>(sys);
    return new quiet_coordinator<caf::policy::work_stealing>(sys);
  });
}

} // namespace lastgram::runtime
