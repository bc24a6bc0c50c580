#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "caf/all.hpp"

#include "runtime/quiet_clock.hpp"

using namespace std::chrono_literals;

namespace {

/// A real actor system (two workers, work sharing) on the quiet clock.
std::unique_ptr<caf::actor_system> quiet_system(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", static_cast<size_t>(2));
  lastgram::runtime::use_quiet_clock(cfg, true);
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
bool ends_within(Scenario scenario, std::chrono::seconds deadline) {
  auto gone = std::make_shared<std::promise<void>>();
  auto ended = gone->get_future();
  std::thread t{[scenario, gone]() mutable {
    {
      caf::actor_system_config cfg;
      auto sys = quiet_system(cfg);
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
