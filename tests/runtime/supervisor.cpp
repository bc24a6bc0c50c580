#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>

#include "caf/all.hpp"
#include "caf/scheduler/test_coordinator.hpp"

#include "actors/support/exceptions.hpp"
#include "actors/support/health.hpp"
#include "runtime/supervisor.hpp"
#include "support/eventually.hpp"

using namespace lastgram;
using lastgram::test::eventually;
using namespace std::chrono_literals;

namespace {

/// A deterministic actor system: nothing runs until the test says so, and
/// time only moves when the test advances it.
struct deterministic {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;

  deterministic() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }

  ~deterministic() {
    sched->run();
  }
};

/// A child that throws on "boom" and otherwise counts what it saw.
caf::behavior fragile(caf::event_based_actor* self, std::shared_ptr<std::atomic<int>> generation) {
  keep_exception_text(self);
  ++*generation;
  return {
    [](const std::string& what) -> std::string {
      if (what == "boom")
        throw std::runtime_error("lastfm parse failed");
      return "ok";
    },
  };
}

supervision_settings policy(int max_restarts) {
  supervision_settings p;
  p.max_restarts = max_restarts;
  p.restart_window_seconds = 60;
  p.backoff_initial_ms = 100;
  p.backoff_max_ms = 400;
  return p;
}

} // namespace

TEST_CASE("restart backoff doubles up to the cap", "[supervisor]") {
  auto p = policy(5);
  CHECK(runtime::restart_backoff_ms(p, 1) == 100);
  CHECK(runtime::restart_backoff_ms(p, 2) == 200);
  CHECK(runtime::restart_backoff_ms(p, 3) == 400);
  CHECK(runtime::restart_backoff_ms(p, 9) == 400);
}

TEST_CASE("a crashed child is restarted after its backoff, not before",
          "[supervisor]") {
  deterministic d;
  auto health = std::make_shared<health_board>();
  auto generation = std::make_shared<std::atomic<int>>(0);
  runtime::supervisor_spec spec{
    "fm",
    {runtime::child_spec{"fm",
                         [generation](caf::local_actor* self) {
                           return self->spawn(fragile, generation);
                         },
                         false}},
    policy(3), health, true};
  auto sup = runtime::spawn_supervisor(*d.sys, spec);
  d.sched->run();
  CHECK(*generation == 1);
  CHECK(health->all_ready());

  caf::anon_send(sup, std::string{"boom"});
  d.sched->run();
  CHECK(*generation == 1);
  CHECK_FALSE(health->all_ready());
  auto snap = health->snapshot();
  REQUIRE(snap.size() == 1);
  CHECK(snap[0].restarts == 1);
  CHECK(snap[0].last_exit_reason.find("lastfm parse failed") != std::string::npos);

  // The restart waits for the backoff on the (simulated) clock.
  d.sched->advance_time(std::chrono::milliseconds{50});
  d.sched->run();
  CHECK(*generation == 1);
  d.sched->advance_time(std::chrono::milliseconds{60});
  d.sched->run();
  CHECK(*generation == 2);
  CHECK(health->all_ready());
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE("messages to the supervisor reach the current child", "[supervisor]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto generation = std::make_shared<std::atomic<int>>(0);
  auto p = policy(3);
  p.backoff_initial_ms = 1;
  runtime::supervisor_spec spec{
    "fm",
    {runtime::child_spec{"fm",
                         [generation](caf::local_actor* self) {
                           return self->spawn(fragile, generation);
                         },
                         false}},
    p, std::make_shared<health_board>(), true};
  auto sup = runtime::spawn_supervisor(sys, spec);
  caf::scoped_actor self{sys};
  std::string answer;
  self->request(sup, 2s, std::string{"hi"})
    .receive([&](const std::string& x) { answer = x; }, [&](caf::error&) {});
  CHECK(answer == "ok");
  caf::error failure;
  self->request(sup, 2s, std::string{"boom"})
    .receive([&](const std::string&) {}, [&](caf::error& err) { failure = err; });
  CHECK(failure == caf::sec::runtime_error);
  // The replacement answers as soon as it is up.
  answer.clear();
  CHECK(eventually(
    [&] {
      self->request(sup, 2s, std::string{"hi"})
        .receive([&](const std::string& x) { answer = x; }, [&](caf::error&) {});
      return !answer.empty();
    },
    5s, 5ms));
  CHECK(answer == "ok");
  CHECK(*generation == 2);
  self->send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE("too many restarts within the window escalate to the parent",
          "[supervisor]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto health = std::make_shared<health_board>();
  auto generation = std::make_shared<std::atomic<int>>(0);
  auto p = policy(2);
  p.backoff_initial_ms = 1;
  runtime::supervisor_spec spec{
    "fm",
    {runtime::child_spec{"fm",
                         [generation](caf::local_actor* self) {
                           return self->spawn(fragile, generation);
                         },
                         false}},
    p, health, true};
  auto sup = runtime::spawn_supervisor(sys, spec);
  caf::scoped_actor self{sys};
  self->monitor(sup);
  auto crash_and_wait_for_restart = [&](int expected_generation) {
    self->request(sup, 2s, std::string{"boom"}).receive([](const std::string&) {},
                                                        [](caf::error&) {});
    REQUIRE(eventually([&] { return *generation >= expected_generation; }, 5s, 5ms));
  };
  crash_and_wait_for_restart(2);
  crash_and_wait_for_restart(3);
  CHECK(*generation == 3);
  CHECK(health->restarts("fm") == 2);
  self->send(sup, std::string{"boom"});
  caf::error reason;
  self->receive([&](caf::down_msg& msg) { reason = msg.reason; },
                [](const std::string&) {}, [](caf::error&) {},
                caf::after(5s) >> [] { FAIL("the supervisor did not give up"); });
  if (!reason) // the first message may have been the error reply to "boom"
    self->receive([&](caf::down_msg& msg) { reason = msg.reason; },
                  caf::after(5s) >> [] { FAIL("the supervisor did not give up"); });
  CHECK(reason == caf::sec::runtime_error);
  CHECK(sys.render(reason).find("restart limit") != std::string::npos);
  CHECK(*generation == 3); // no third restart
}

TEST_CASE("an exit request stops the children, then the supervisor",
          "[supervisor]") {
  deterministic d;
  auto generation = std::make_shared<std::atomic<int>>(0);
  auto child_down = std::make_shared<bool>(false);
  runtime::supervisor_spec spec{
    "fm",
    {runtime::child_spec{"fm",
                         [generation, child_down](caf::local_actor* self) {
                           auto child = self->spawn(fragile, generation);
                           child->attach_functor([child_down] { *child_down = true; });
                           return child;
                         },
                         false}},
    policy(2), std::make_shared<health_board>(), true};
  auto sup = runtime::spawn_supervisor(*d.sys, spec);
  d.sched->run();
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  d.sched->run();
  CHECK(*child_down);
  d.sched->advance_time(std::chrono::seconds{5});
  d.sched->run();
  CHECK(*generation == 1); // not restarted
}
