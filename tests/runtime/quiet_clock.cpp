#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "caf/all.hpp"

#include "messages/settings.hpp"
#include "platforms/net/io_hooks.hpp"
#include "runtime/quiet_clock.hpp"

using namespace std::chrono_literals;

namespace {

using lastgram::scheduler_policy;

/// A real actor system (two workers, work sharing unless told) on the quiet
/// clock.
std::unique_ptr<caf::actor_system> quiet_system(caf::actor_system_config& cfg,
                                                scheduler_policy policy) {
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", static_cast<size_t>(2));
  lastgram::runtime::use_quiet_clock(cfg, policy);
  return std::make_unique<caf::actor_system>(cfg);
}

/// The names of this process's threads.
std::vector<std::string> thread_names() {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in{e.path() / "comm"};
    std::string name;
    std::getline(in, name);
    out.push_back(name);
  }
  return out;
}

/// Runs `scenario` on a quiet actor system of its own, in a thread of its
/// own that also stops that system (CAF's logger is held by the thread that
/// made the system until that thread destroys it). False when the scenario
/// and the stop did not end within `deadline` (the thread is then left
/// behind, stuck). Catch's checks stay on the test's thread: the scenario
/// reports through what it captured.
template <class Scenario>
bool ends_within(Scenario scenario, std::chrono::seconds deadline,
                 scheduler_policy policy = scheduler_policy::sharing) {
  auto gone = std::make_shared<std::promise<void>>();
  auto ended = gone->get_future();
  std::thread t{[scenario, gone, policy]() mutable {
    {
      caf::actor_system_config cfg;
      auto sys = quiet_system(cfg, policy);
      scenario(*sys);
    }
    gone->set_value();
  }};
  if (ended.wait_for(deadline) != std::future_status::ready) {
    t.detach();
    return false;
  }
  t.join();
  return true;
}

/// Calls `f` with the /proc directory of each of CAF's worker threads.
template <class F>
void for_each_worker(F f) {
  for (auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm{e.path() / "comm"};
    std::string name;
    std::getline(comm, name);
    if (name == "caf.multiplexer")
      f(e.path());
  }
}

/// Times CAF's worker threads have blocked so far (their voluntary context
/// switches): each is a wait for work that ended in a wake-up.
long worker_waits() {
  long total = 0;
  for_each_worker([&](const std::filesystem::path& task) {
    std::ifstream status{task / "status"};
    for (std::string line; std::getline(status, line);)
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0)
        total += std::stol(line.substr(line.find(':') + 1));
  });
  return total;
}

/// Waits, up to `deadline`, until every CAF worker thread sleeps (is
/// blocked: state S), as all do once they wait for work. On a loaded
/// machine a worker done with its job may stay runnable for a while.
bool workers_asleep_within(std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    int seen = 0, awake = 0;
    for_each_worker([&](const std::filesystem::path& task) {
      std::ifstream stat{task / "stat"};
      std::string line;
      std::getline(stat, line);
      auto close = line.rfind(')');
      ++seen;
      awake += close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'S';
    });
    if (seen > 0 && awake == 0)
      return true;
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::yield();
  }
}

} // namespace

TEST_CASE("quiet clock: delayed messages come in deadline order, and an earlier deadline "
          "wakes the clock sleeping until a later one",
          "[runtime][clock]") {
  struct seen {
    std::vector<std::string> threads;
    std::vector<int> got;
    caf::error err;
  };
  auto out = std::make_shared<seen>();
  bool ended = ends_within(
    [out](caf::actor_system& sys) {
      caf::scoped_actor self{sys};
      // The clock now sleeps until this one, an hour away...
      self->delayed_send(self, 1h, std::string{"an hour"});
      // ...so these are only on time if setting them wakes it. Set out of
      // order, they come in order.
      self->delayed_send(self, 300ms, 3);
      self->delayed_send(self, 100ms, 1);
      self->delayed_send(self, 200ms, 2);
      for (int i = 0; i < 3; ++i)
        self->receive([&](int x) { out->got.push_back(x); },
                      caf::after(10s) >> [&] { out->got.push_back(-1); });
      // A request nobody answers times out through the same clock.
      auto silent = sys.spawn([]() -> caf::behavior {
        return {[](int) { return caf::delegated<int>{}; }};
      });
      self->request(silent, 150ms, 7)
        .receive([](int) {}, [&](caf::error& e) { out->err = std::move(e); });
      caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
      out->threads = thread_names();
    },
    30s);
  // The hour-away message still held the scoped actor: stopping dropped it.
  REQUIRE(ended);
  CHECK(std::count(out->threads.begin(), out->threads.end(), "lastgram.clock") == 1);
  CHECK(out->got == std::vector<int>{1, 2, 3});
  CHECK(out->err == caf::sec::request_timeout);
}

TEST_CASE("quiet clock: a stopping system drops what never came due, so a detached actor "
          "waiting for it ends and the system stops",
          "[runtime][clock]") {
  // A detached actor's thread ends only once its last reference is gone;
  // the clock's entry for this message is one.
  CHECK(ends_within(
    [](caf::actor_system& sys) {
      sys.spawn<caf::detached>([](caf::event_based_actor* self) -> caf::behavior {
        self->delayed_send(self, 1h, caf::atom("never"));
        self->send(self, caf::atom("quit"));
        return {[self](caf::atom_value) { self->quit(); }};
      });
    },
    30s));
}

// The affinity policy (runtime/affinity_policy.hpp) on a real system.

TEST_CASE("affinity policy: a chain of sends between actors runs without waking the "
          "other worker",
          "[runtime][scheduler]") {
  struct seen {
    long wakeups = -1;
    int last = -1;
  };
  auto run_chain = [](scheduler_policy policy) {
    auto out = std::make_shared<seen>();
    bool ended = ends_within(
      [out](caf::actor_system& sys) {
        caf::scoped_actor self{sys};
        // 1,000 links; each passes the count on, the last answers the scoped
        // actor. Spawned lazily, so that nothing runs before the first send.
        caf::actor next = caf::actor_cast<caf::actor>(self);
        for (int i = 0; i < 1000; ++i)
          next = sys.spawn<caf::lazy_init>([next](caf::event_based_actor* me) -> caf::behavior {
            return {[next, me](int hop) { me->send(next, hop + 1); }};
          });
        auto before = worker_waits();
        caf::anon_send(next, 0);
        self->receive([&](int hop) { out->last = hop; }, caf::after(10s) >> [] {});
        out->wakeups = worker_waits() - before;
      },
      30s, policy);
    REQUIRE(ended);
    CHECK(out->last == 1000);
    return out->wakeups;
  };
  // CAF's work sharing wakes the sleeping worker for many of the sends
  // (which then mostly finds the job taken by the sender's worker): a few
  // hundred waits, reported for comparison only, since that is CAF's.
  auto affinity = run_chain(scheduler_policy::affinity);
  auto sharing = run_chain(scheduler_policy::sharing);
  INFO("worker waits for 1,000 sends: affinity " << affinity << ", sharing " << sharing);
  CHECK(affinity < 50);
}

TEST_CASE("affinity policy: work waiting behind a busy actor is taken by the idle worker",
          "[runtime][scheduler]") {
  auto released = std::make_shared<bool>(false);
  CHECK(ends_within(
    [released](caf::actor_system& sys) {
      caf::scoped_actor self{sys};
      auto gate = std::make_shared<std::promise<void>>();
      auto opens = gate->get_future().share();
      auto opener = sys.spawn([gate](caf::event_based_actor*) -> caf::behavior {
        return {[gate](caf::atom_value) { gate->set_value(); }};
      });
      auto bystander = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
        return {[](caf::atom_value) {}};
      });
      // The busy actor queues two actors on its own worker, then holds that
      // worker until the first of them has run: only the other worker can
      // run it, and only if the second job woke it.
      // (An actor's own send schedules its receiver on the actor's worker;
      // anon_send would go to the shared queue.)
      auto busy = sys.spawn([=](caf::event_based_actor* me) -> caf::behavior {
        return {[=](caf::atom_value) {
          me->send(opener, caf::atom("open"));
          me->send(bystander, caf::atom("look"));
          return opens.wait_for(10s) == std::future_status::ready;
        }};
      });
      self->request(busy, 20s, caf::atom("go"))
        .receive([&](bool ok) { *released = ok; }, [](caf::error&) {});
    },
    30s, scheduler_policy::affinity));
  CHECK(*released);
}

TEST_CASE("affinity policy: many concurrent chains from outside all finish, and the system "
          "stops",
          "[runtime][scheduler]") {
  auto done = std::make_shared<std::atomic<int>>(0);
  CHECK(ends_within(
    [done](caf::actor_system& sys) {
      caf::scoped_actor self{sys};
      // A ring of 8 actors; 64 tokens, sent from this thread, each go 1,000
      // hops around it while the others do.
      std::vector<caf::actor> ring;
      auto report = caf::actor_cast<caf::actor>(self);
      struct ring_state {
        caf::actor next;
      };
      for (int i = 0; i < 8; ++i)
        ring.push_back(sys.spawn([report](caf::stateful_actor<ring_state>* me) -> caf::behavior {
          return {[me, report](caf::actor next) { me->state.next = std::move(next); },
                  [me, report](int token, int hops) {
                    if (hops == 0)
                      me->send(report, token);
                    else
                      me->send(me->state.next, token, hops - 1);
                  }};
        }));
      for (int i = 0; i < 8; ++i)
        self->send(ring[i], ring[(i + 1) % 8]);
      for (int t = 0; t < 64; ++t)
        self->send(ring[t % 8], t, 1000);
      for (int t = 0; t < 64; ++t)
        self->receive([&](int) { ++*done; }, caf::after(20s) >> [] {});
      for (auto& a : ring)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    },
    60s, scheduler_policy::affinity));
  CHECK(done->load() == 64);
}

/// An actor that asks `target` for an int with the atom it gets and passes
/// the answer to `report`: a scheduled requester, so that the answer goes
/// through the scheduler.
static caf::actor spawn_relay(caf::actor_system& sys, caf::actor target, caf::actor report) {
  return sys.spawn([=](caf::event_based_actor* me) -> caf::behavior {
    return {[=](caf::atom_value a) {
      me->request(target, 10s, a).then([=](int x) { me->send(report, x); });
    }};
  });
}

/// An actor whose answer to an atom is a response promise it hands to
/// `held`, for another thread to deliver.
static caf::behavior promise_keeper(caf::event_based_actor* me,
                             std::shared_ptr<std::promise<caf::response_promise>> held) {
  return {[=](caf::atom_value) -> caf::result<int> {
    auto rp = me->make_response_promise<int>();
    held->set_value(rp);
    return rp;
  }};
}

TEST_CASE("affinity policy: a response delivered from another thread after its actor's "
          "worker fell asleep still arrives",
          "[runtime][scheduler]") {
  // CAF delivers a response promise with its actor's last execution unit,
  // whatever the thread: the job must not wait in a sleeping worker's queue.
  auto answered = std::make_shared<int>(0);
  CHECK(ends_within(
    [answered](caf::actor_system& sys) {
      caf::scoped_actor self{sys};
      auto held = std::make_shared<std::promise<caf::response_promise>>();
      auto keeper = sys.spawn(promise_keeper, held);
      auto relay = spawn_relay(sys, keeper, caf::actor_cast<caf::actor>(self));
      for (int i = 0; i < 20; ++i) {
        *held = {};
        auto got = held->get_future();
        self->send(relay, caf::atom("ask"));
        // Delivered from this thread, once the keeper's handler is done.
        got.get().deliver(i);
        self->receive([&](int) { ++*answered; }, caf::after(5s) >> [] {});
      }
      caf::anon_send_exit(relay, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(keeper, caf::exit_reason::user_shutdown);
    },
    120s, scheduler_policy::affinity));
  CHECK(*answered == 20);
}

TEST_CASE("affinity policy: an I/O thread runs what its handler woke while the workers "
          "sleep, and a response delivered later from elsewhere still arrives",
          "[runtime][scheduler]") {
  struct seen {
    int asleep = 0;
    int on_io = 0;
    int answered = 0;
    int late = 0;
  };
  auto out = std::make_shared<seen>();
  CHECK(ends_within(
    [out](caf::actor_system& sys) {
      boost::asio::io_context ioc;
      auto work = boost::asio::make_work_guard(ioc);
      std::thread io{[&ioc] { lastgram::net::run_io(ioc); }};
      caf::scoped_actor self{sys};
      auto report = caf::actor_cast<caf::actor>(self);
      auto io_id = io.get_id();
      auto echo = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
        return {[](int x) { return x; }};
      });
      auto probe = sys.spawn([=](caf::event_based_actor* me) -> caf::behavior {
        return {[=](int i) {
          // Where this runs, then a round trip to another actor.
          me->send(report, std::this_thread::get_id() == io_id);
          me->request(echo, 5s, i).then([=](int) { me->send(report, i); });
        }};
      });
      for (int i = 0; i < 20; ++i) {
        // The I/O thread keeps work only while every worker sleeps.
        out->asleep += workers_asleep_within(2000ms);
        // The handler sends as an HTTP callback does: from outside CAF.
        boost::asio::post(ioc, [probe, i] { caf::anon_send(probe, i); });
        self->receive([&](bool here) { out->on_io += here; }, caf::after(5s) >> [] {});
        self->receive([&](int) { ++out->answered; }, caf::after(5s) >> [] {});
      }
      // A relay woken on the I/O thread asks a keeper, which runs there too;
      // its promise, delivered from this thread, goes through the scheduler.
      auto held = std::make_shared<std::promise<caf::response_promise>>();
      auto keeper = sys.spawn(promise_keeper, held);
      auto relay = spawn_relay(sys, keeper, report);
      auto got = held->get_future();
      boost::asio::post(ioc, [relay] { caf::anon_send(relay, caf::atom("ask")); });
      got.get().deliver(7);
      self->receive([&](int x) { out->late = x; }, caf::after(5s) >> [] {});
      work.reset();
      io.join();
      for (auto& a : {probe, echo, keeper, relay})
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    },
    120s, scheduler_policy::affinity));
  CHECK(out->asleep == 20);
  CHECK(out->answered == 20);
  CHECK(out->late == 7);
  // With every worker asleep before each round, nearly all run on the I/O
  // thread (none would with CAF's sharing, nor without the hooks).
  CHECK(out->on_io >= 15);
}
