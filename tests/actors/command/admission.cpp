// Shedding at the command engine's door: the wait estimate with an injected
// clock, and the real engine in front of a slow upstream taking a burst.

#include <catch2/catch.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/build_paths.hpp"
#include "caf/all.hpp"

#include "actors/command/admission.hpp"
#include "actors/command/context.hpp"
#include "actors/command/engine.hpp"
#include "actors/command/environment.hpp"
#include "actors/command/registry.hpp"
#include "actors/support/engines.hpp"
#include "actors/support/health.hpp"
#include "actors/support/wall_clock.hpp"
#include "actors/test_config.hpp"
#include "i18n/catalog.hpp"
#include "messages/type_ids.hpp"

using namespace lastgram;
using namespace lastgram::command;
using namespace std::chrono_literals;

namespace {

using tp = admission_control::clock_type::time_point;

/// `n` answers `gap` apart from `at`, with `load` still in hand after each;
/// returns the time of the last.
tp answers(admission_control& a, tp at, int n, std::chrono::milliseconds gap, std::int64_t load) {
  for (int i = 0; i < n; ++i) {
    at += gap;
    a.answered(at, load);
  }
  return at;
}

} // namespace

TEST_CASE("the expected wait is the load times the time between answers while busy",
          "[command][admission]") {
  admission_control a{1000ms};
  tp t{};
  a.answered(t, 50); // the first answer of a busy stretch: nothing measured
  CHECK(a.service_rate() == 0);
  t = answers(a, t, 20, 10ms, 50);
  CHECK(a.service_rate() == Approx(100.0));
  CHECK(a.expected_wait(50) == 500ms);
  // The line may take half the promise: 500 ms, 50 answers' worth.
  CHECK(a.admits(50));
  CHECK_FALSE(a.admits(51));
  CHECK_FALSE(a.admits(100)); // 1 s: the whole promise, nothing left for the run
  // Slower answers move the average towards them.
  answers(a, t, 40, 40ms, 50);
  CHECK(a.service_rate() < 30.0);
  CHECK_FALSE(a.admits(50));
}

TEST_CASE("idle time and a lone command's latency are not taken for the service rate",
          "[command][admission]") {
  admission_control a{1000ms};
  tp t{};
  // One command at a time, 300 ms each, 2 s apart: the node is never busy
  // between two answers, so nothing is measured and bursts still pass.
  for (int i = 0; i < 30; ++i) {
    t += 2s;
    a.answered(t, 0);
  }
  CHECK(a.service_rate() == 0);
  CHECK(a.admits(1000));
}

TEST_CASE("a short line few measurements or a zero promise always admit",
          "[command][admission]") {
  admission_control a{100ms};
  tp t{};
  a.answered(t, 40);
  t = answers(a, t, admission_control::min_samples - 1, 50ms, 40);
  CHECK(a.admits(40)); // 15 intervals: not trusted yet
  t = answers(a, t, 1, 50ms, 40);
  CHECK_FALSE(a.admits(40));
  CHECK(a.admits(admission_control::min_in_hand - 1));
  // One long run counts as the promise at most: the estimate stays 50 ms to 100 ms.
  answers(a, t, 1, 1h, 40);
  CHECK(a.expected_wait(1) <= 100ms);
  admission_control off{0ms};
  off.answered(tp{}, 40);
  answers(off, tp{}, 40, 1s, 40);
  CHECK(off.admits(1000000));
}

TEST_CASE("the wait before the door counts against the promise", "[command][admission]") {
  admission_control a{1000ms};
  tp t{};
  a.answered(t, 50);
  answers(a, t, 20, 10ms, 50); // 10 ms an answer: 40 ahead is 400 ms
  CHECK(a.admits(40, 100ms)); // 400 ms ahead + 100 ms waited: half the promise
  CHECK_FALSE(a.admits(40, 101ms));
  CHECK_FALSE(a.admits(50, 1ms));
  // Already late: told at once, even with a short line or nothing measured.
  admission_control fresh{1000ms};
  CHECK(fresh.admits(0, 1000ms));
  CHECK_FALSE(fresh.admits(0, 1001ms));
  CHECK_FALSE(a.admits(0, 2s));
  // A zero promise never sheds.
  admission_control off{0ms};
  CHECK(off.admits(0, 1h));
}

namespace {

using slow_atom = caf::atom_constant<caf::atom("slowreq")>;
using serve_atom = caf::atom_constant<caf::atom("serve")>;

/// An upstream that serves one request every `every`, in arrival order.
struct upstream_state {
  std::deque<caf::response_promise> waiting;
  bool ticking = false;
};

caf::behavior slow_upstream(caf::stateful_actor<upstream_state>* self,
                            std::chrono::milliseconds every,
                            std::shared_ptr<std::atomic<int>> served) {
  return {
    [=](slow_atom) -> caf::result<int> {
      auto rp = self->make_response_promise();
      self->state.waiting.push_back(rp);
      if (!self->state.ticking) {
        self->state.ticking = true;
        self->delayed_send(self, every, serve_atom::value);
      }
      return rp;
    },
    [=](serve_atom) {
      auto& st = self->state;
      st.waiting.front().deliver(++*served);
      st.waiting.pop_front();
      st.ticking = !st.waiting.empty();
      if (st.ticking)
        self->delayed_send(self, every, serve_atom::value);
    },
  };
}

/// A command engine whose one command, /slow, waits for `upstream`; `place`
/// (when set) sends chats to another node's engine, as the cluster does.
command_actor spawn_slow_engine(caf::scoped_actor& self, caf::actor upstream,
                                std::function<command_actor(std::string_view)> place = {}) {
  auto loaded = i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales");
  REQUIRE(loaded);
  auto reg = std::make_shared<registry>();
  command_spec slow{"slow"};
  slow.run = [up = std::move(upstream)](context& ctx) {
    ctx.defer();
    auto run = ctx;
    ctx.self()->request(up, 30s, slow_atom::value).then([run](int) mutable {
      run.reply(text_builder{}.plain("served").take());
      run.finish();
    });
  };
  reg->add(slow);
  auto env = std::make_shared<environment>();
  env->commands = reg;
  env->texts = std::make_shared<const i18n::catalog>(std::move(*loaded.value));
  env->health = std::make_shared<health_board>();
  env->engines = std::make_shared<engine_handles>();
  env->settings.max_wait_ms = 1000;
  env->settings.timeout_ms = 30000;
  env->settings.rate_short = 0;
  env->settings.rate_long = 0;
  env->place = std::move(place);
  return spawn_engine(self.ptr(), env);
}

struct burst_fixture {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  std::shared_ptr<std::atomic<int>> served = std::make_shared<std::atomic<int>>(0);
  caf::actor upstream = sys.spawn(slow_upstream, 10ms, served);
  // Another node's engine, slower (one answer every 20 ms), that owns the
  // chats whose id starts with "remote" (placement keys are "telegram:<id>").
  std::shared_ptr<std::atomic<int>> remote_served = std::make_shared<std::atomic<int>>(0);
  caf::actor remote_upstream = sys.spawn(slow_upstream, 20ms, remote_served);
  command_actor remote = spawn_slow_engine(self, remote_upstream);
  command_actor engine;

  burst_fixture() {
    engine = spawn_slow_engine(self, upstream, [r = remote](std::string_view chat) {
      return chat.find(":remote") != std::string_view::npos ? r : command_actor{};
    });
  }

  ~burst_fixture() {
    self->send_exit(engine, caf::exit_reason::user_shutdown);
    self->send_exit(remote, caf::exit_reason::user_shutdown);
    self->send_exit(upstream, caf::exit_reason::user_shutdown);
    self->send_exit(remote_upstream, caf::exit_reason::user_shutdown);
  }

  using handle = decltype(std::declval<caf::scoped_actor&>()->request(
    std::declval<command_actor&>(), 60s, incoming_message{}));

  /// Sends /slow from `n` users in chats of their own (`tag` and a number)
  /// at once, without waiting for any answer.
  std::vector<handle> send(int n, const std::string& tag, std::int64_t received_at_ms = 0) {
    std::vector<handle> sent;
    for (int i = 0; i < n; ++i) {
      incoming_message m;
      m.received_at_ms = received_at_ms;
      m.platform = platform_kind::telegram;
      m.message_id = "1";
      m.chat.id = tag + std::to_string(i);
      m.author.id = m.chat.id;
      m.author.language = "en";
      m.text = "/slow";
      sent.push_back(self->request(engine, 60s, std::move(m)));
    }
    return sent;
  }

  /// Waits for the answers: how many were served and how many told "busy".
  std::pair<int, int> gather(std::vector<handle>& sent) {
    int ok = 0;
    int busy = 0;
    for (auto& h : sent)
      h.receive(
        [&](command_result& r) {
          std::string text;
          for (auto& reply : r.replies)
            text += plain_text(reply.text);
          if (text == "served")
            ++ok;
          else if (r.outcome == command_outcome::busy)
            ++busy;
        },
        [&](caf::error& err) { FAIL("no answer: " << sys.render(err)); });
    return {ok, busy};
  }

  /// A burst of `n` sent at once, then its answers.
  std::pair<int, int> burst(int n, const std::string& tag) {
    auto sent = send(n, tag);
    return gather(sent);
  }
};

} // namespace

TEST_CASE("a burst past what the node serves in the promised wait is told busy at once",
          "[command][admission]") {
  burst_fixture f;
  // The engine learns the rate: 40 in line, one answered every 10 ms.
  auto warm = f.burst(40, "warm");
  CHECK(warm == std::pair{40, 0});
  // 100 a second, and the line may take half the 1 s promise: about 50
  // fit; the rest must not wait.
  auto [ok, busy] = f.burst(300, "burst");
  CHECK(ok + busy == 300);
  CHECK(ok >= 25);
  CHECK(ok <= 100);
  CHECK(f.served->load() == 40 + ok);
}

TEST_CASE("a command that already waited past the promise before the door is told busy",
          "[command][admission]") {
  burst_fixture f;
  // The node is idle; these messages were taken from the platform 1.5 s and
  // 0.2 s ago (a webhook held up in a busy database, say).
  auto now = unix_ms_now();
  auto late = f.send(3, "late", now - 1500);
  CHECK(f.gather(late) == std::pair{0, 3});
  auto prompt = f.send(3, "prompt", now - 200);
  CHECK(f.gather(prompt) == std::pair{3, 0});
  CHECK(f.served->load() == 3);
}

TEST_CASE("a command placed on another node is judged by that node's line alone",
          "[command][admission][cluster]") {
  // The other node cannot tell its clock from this one's: the wait seen
  // here does not travel, so these run there although 1.5 s old here.
  burst_fixture f;
  auto placed = f.send(3, "remote", unix_ms_now() - 1500);
  CHECK(f.gather(placed) == std::pair{3, 0});
  CHECK(f.remote_served->load() == 3);
}

TEST_CASE("runs placed on another node do not count against this node's line",
          "[command][admission][cluster]") {
  burst_fixture f;
  auto warm = f.burst(40, "warm"); // here: one answer every 10 ms
  CHECK(warm == std::pair{40, 0});
  // 80 chats owned by the other node (1.6 s of its work) are in hand when 45
  // of this node's own arrive: 45 x 10 ms is within the line's 500 ms here
  // (half the 1 s promise), so none of them is shed for the other node's line.
  auto far = f.send(80, "remote");
  auto near = f.send(45, "local");
  CHECK(f.gather(near) == std::pair{45, 0});
  auto [ok, busy] = f.gather(far);
  CHECK(ok + busy == 80);
  CHECK(f.remote_served->load() == ok);
  CHECK(f.served->load() == 40 + 45);
}
