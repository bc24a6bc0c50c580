// A gateway shard end to end against the fake gateway (a real websocket
// server on loopback): identify, dispatches in order, heartbeats, a zombie
// link resumed without losing or repeating an interaction, op 7, op 9 both
// ways, and close 4004 stopping the shard for good.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <rapidjson/document.h>

#include "actors/logging/metrics.hpp"
#include "actors/multiplatform/discord_gateway.hpp"
#include "actors/test_config.hpp"
#include "messages/discord.hpp"
#include "messages/discord_gateway.hpp"
#include "platforms/discord/gateway_bot.hpp"
#include "platforms/discord/gateway_scheduler.hpp"
#include "support/eventually.hpp"
#include "support/fake_gateway.hpp"

using namespace lastgram;
using namespace std::chrono_literals;
using test::eventually;
using test::fake_gateway;
using test::holds_for;

namespace {

/// What the dispatch sink received.
struct sink_log {
  struct entry {
    std::string event;
    std::int32_t shard;
    std::string d;
  };
  mutable std::mutex mutex;
  std::vector<entry> entries;

  std::vector<entry> all() const {
    std::lock_guard<std::mutex> guard(mutex);
    return entries;
  }

  /// The ids of the INTERACTION_CREATE payloads, in arrival order.
  std::vector<std::string> interaction_ids() const {
    std::vector<std::string> ids;
    for (auto& e : all()) {
      if (e.event != "INTERACTION_CREATE")
        continue;
      rapidjson::Document d;
      d.Parse(e.d.data(), e.d.size());
      ids.emplace_back(d.IsObject() && d.HasMember("id") ? d["id"].GetString() : "?");
    }
    return ids;
  }

  std::size_t count(const std::string& event) const {
    std::size_t n = 0;
    for (auto& e : all())
      n += e.event == event ? 1 : 0;
    return n;
  }
};

discord::dispatch_sink spawn_sink(caf::actor_system& sys, std::shared_ptr<sink_log> log) {
  return sys.spawn([log]() -> discord::dispatch_sink::behavior_type {
    return {
      [log](discord::dispatch_atom, std::string& event, std::int32_t shard, std::string& d) {
        std::lock_guard<std::mutex> guard(log->mutex);
        log->entries.push_back({std::move(event), shard, std::move(d)});
      },
    };
  });
}

std::vector<std::string> ids(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i)
    out.push_back("interaction-" + std::to_string(i));
  return out;
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  return d;
}

/// One shard against one fake gateway, torn down in order.
struct rig {
  fake_gateway gateway;
  test::test_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<sink_log> log = std::make_shared<sink_log>();
  discord::dispatch_sink sink = spawn_sink(sys, log);
  std::shared_ptr<std::string> fatal = std::make_shared<std::string>();
  std::shared_ptr<std::mutex> fatal_mutex = std::make_shared<std::mutex>();
  discord::gateway_shard_actor shard;

  explicit rig(std::string token = "fake-gateway-token",
               std::function<discord::gateway_identify_gate(caf::actor_system&)> make_gate = nullptr) {
    auto opts = std::make_shared<multiplatform::gateway_shard_options>();
    opts->shard.url = gateway.url();
    opts->shard.token = std::move(token);
    opts->shard.presence = "Listening to /help";
    opts->sink = sink;
    if (make_gate)
      opts->gate = make_gate(sys);
    opts->jitter = [] { return 0.5; };
    opts->shard.backoff_base = 50ms;
    opts->shard.backoff_cap = 200ms;
    opts->shard.invalid_session_min = 50ms;
    opts->shard.invalid_session_max = 100ms;
    opts->on_fatal = [f = fatal, m = fatal_mutex](const std::string& why) {
      std::lock_guard<std::mutex> guard(*m);
      *f = why;
    };
    shard = multiplatform::spawn_gateway_shard(sys, opts);
  }

  ~rig() {
    caf::anon_send_exit(shard, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
  }

  discord::gateway_shard_stats stats() {
    caf::scoped_actor self{sys};
    discord::gateway_shard_stats out;
    self->request(shard, 2s, stats_atom::value)
      .receive([&](discord::gateway_shard_stats& s) { out = std::move(s); },
               [&](caf::error& e) { FAIL("no stats: " << sys.render(e)); });
    return out;
  }

  std::string fatal_reason() const {
    std::lock_guard<std::mutex> guard(*fatal_mutex);
    return *fatal;
  }

  /// Waits for READY at the sink.
  bool ready() {
    return eventually([&] { return log->count("READY") == 1; });
  }
};

} // namespace

double dispatch_frames() {
  return metrics::get_counter("lastgram_discord_gateway_events_total", "", {{"op", "dispatch"}}).value();
}

TEST_CASE("a gateway shard identifies then delivers dispatches in order") {
  auto frames_before = dispatch_frames();
  rig r;
  REQUIRE(r.ready());
  auto identifies = r.gateway.received(2);
  REQUIRE(identifies.size() == 1);
  auto d = parse(identifies[0].text);
  CHECK(std::string(d["d"]["token"].GetString()) == "fake-gateway-token");
  CHECK(d["d"]["intents"].GetInt() == 1);
  CHECK(d["d"]["shard"][0].GetInt() == 0);
  CHECK(d["d"]["shard"][1].GetInt() == 1);
  CHECK(d["d"]["presence"]["activities"][0]["name"] == "/help");
  REQUIRE(r.gateway.targets().size() == 1);
  CHECK(r.gateway.targets()[0] == "/?v=10&encoding=json");
  for (int i = 0; i < 5; ++i)
    r.gateway.send_interaction();
  REQUIRE(eventually([&] { return r.log->interaction_ids().size() == 5; }));
  CHECK(r.log->interaction_ids() == ids(1, 5));
  for (auto& e : r.log->all())
    CHECK(e.shard == 0);
  auto s = r.stats();
  CHECK(s.state == "ready");
  CHECK(s.seq == r.gateway.last_seq());
  CHECK(s.session);
  CHECK(s.dispatches == 6);
  CHECK(dispatch_frames() - frames_before == 6);
  CHECK(r.gateway.problems().empty());
}

TEST_CASE("a gateway shard heartbeats with the last seq and measures the round trip") {
  rig r;
  REQUIRE(r.ready());
  r.gateway.send_interaction();
  r.gateway.send_interaction();
  REQUIRE(eventually([&] { return r.log->interaction_ids().size() == 2; }));
  auto last = std::to_string(r.gateway.last_seq());
  REQUIRE(eventually([&] {
    for (auto& f : r.gateway.received(1))
      if (f.text == R"({"op":1,"d":)" + last + "}")
        return true;
    return false;
  }));
  CHECK(eventually([&] { return r.stats().heartbeat_rtt_ms >= 0; }));
  CHECK(r.gateway.connections() == 1);
}

TEST_CASE("a zombie gateway link resumes and every interaction arrives exactly once") {
  rig r;
  REQUIRE(r.ready());
  r.gateway.send_interaction();
  r.gateway.send_interaction();
  REQUIRE(eventually([&] { return r.log->interaction_ids().size() == 2; }));
  // The link dies silently: ACKs and the next three interactions are lost.
  r.gateway.set_black_hole(true);
  for (int i = 0; i < 3; ++i)
    r.gateway.send_interaction();
  REQUIRE(eventually([&] { return r.gateway.received(6).size() == 1; }));
  auto resume = parse(r.gateway.received(6)[0].text);
  CHECK(resume["d"]["session_id"] == r.gateway.session_id().c_str());
  CHECK(resume["d"]["seq"].GetInt64() == 3); // READY, then two interactions
  CHECK(std::string(resume["d"]["token"].GetString()) == "fake-gateway-token");
  CHECK(r.gateway.received(6)[0].connection == 2);
  REQUIRE(eventually([&] { return r.log->count("RESUMED") == 1; }));
  r.gateway.send_interaction();
  REQUIRE(eventually([&] { return r.log->interaction_ids().size() == 6; }));
  CHECK(holds_for([&] { return r.log->interaction_ids().size() == 6; }, 400ms));
  CHECK(r.log->interaction_ids() == ids(1, 6));
  CHECK(r.gateway.received(2).size() == 1);
  CHECK(r.stats().reconnects == 1);
  CHECK(r.gateway.problems().empty());
}

TEST_CASE("reconnect opcode 7 makes the shard resume") {
  rig r;
  REQUIRE(r.ready());
  r.gateway.send_interaction();
  REQUIRE(eventually([&] { return r.log->interaction_ids().size() == 1; }));
  r.gateway.send_reconnect();
  REQUIRE(eventually([&] { return r.log->count("RESUMED") == 1; }));
  auto resume = parse(r.gateway.received(6).at(0).text);
  CHECK(resume["d"]["seq"].GetInt64() == 2);
  r.gateway.send_interaction();
  REQUIRE(eventually([&] { return r.log->interaction_ids().size() == 2; }));
  CHECK(r.log->interaction_ids() == ids(1, 2));
  CHECK(r.gateway.connections() == 2);
  CHECK(r.gateway.received(2).size() == 1);
}

TEST_CASE("invalid session resumable makes the shard resume") {
  rig r;
  REQUIRE(r.ready());
  r.gateway.send_invalid_session(true);
  REQUIRE(eventually([&] { return r.log->count("RESUMED") == 1; }));
  CHECK(r.gateway.received(6).size() == 1);
  CHECK(r.gateway.received(2).size() == 1);
}

TEST_CASE("invalid session not resumable makes the shard identify anew") {
  rig r;
  REQUIRE(r.ready());
  r.gateway.send_interaction();
  REQUIRE(eventually([&] { return r.log->interaction_ids().size() == 1; }));
  r.gateway.send_invalid_session(false);
  REQUIRE(eventually([&] { return r.log->count("READY") == 2; }));
  CHECK(r.gateway.received(2).size() == 2);
  CHECK(r.gateway.received(6).empty());
  CHECK(r.gateway.session_id() == "session-2");
  r.gateway.send_interaction();
  REQUIRE(eventually([&] { return r.log->interaction_ids().size() == 2; }));
  auto s = r.stats();
  CHECK(s.state == "ready");
  CHECK(s.seq == r.gateway.last_seq());
}

TEST_CASE("close 4004 stops the shard with a clear error and no reconnect") {
  rig r("a-wrong-token-1234");
  REQUIRE(eventually([&] { return r.stats().state == "stopped"; }));
  auto s = r.stats();
  CHECK(s.stop_reason.find("token") != std::string::npos);
  CHECK(s.stop_reason.find("4004") != std::string::npos);
  CHECK(s.stop_reason.find("a-wrong-token-1234") == std::string::npos);
  CHECK(r.fatal_reason() == s.stop_reason);
  // A reconnect would come within the 50 ms backoff; give it twenty times that.
  CHECK(holds_for([&] { return r.gateway.connections() == 1; }, 1000ms));
  CHECK(r.log->all().empty());
}

namespace {

/// A session start limit of 1,000 starts, `remaining` of them left.
discord::gateway::session_start_limit gate_limit(std::int32_t remaining,
                                                 std::int32_t concurrency) {
  discord::gateway::session_start_limit limit;
  limit.total = 1000;
  limit.remaining = remaining;
  limit.reset_after = 60s;
  limit.max_concurrency = concurrency;
  return limit;
}

/// The milliseconds `gate` tells shard `shard` to wait.
std::int64_t ask_gate(caf::scoped_actor& self, const discord::gateway_identify_gate& gate,
                      std::int32_t shard) {
  std::int64_t wait = -1;
  self->request(gate, 2s, discord::gateway_identify_atom::value, shard)
    .receive([&](std::int64_t ms) { wait = ms; },
             [&](caf::error& e) { FAIL(self->system().render(e)); });
  return wait;
}

} // namespace

TEST_CASE("the identify gate spaces a bucket's identifies and waits for the reset") {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  auto gate = multiplatform::spawn_identify_gate(sys, gate_limit(3, 2));
  caf::scoped_actor self{sys};
  auto ask = [&](std::int32_t shard) { return ask_gate(self, gate, shard); };
  CHECK(ask(0) <= 50);
  CHECK(ask(1) <= 50);
  auto third = ask(2); // bucket 0 again
  CHECK(third > 4900);
  CHECK(third <= 5000);
  auto fourth = ask(3); // no start left: after the reset
  CHECK(fourth > 59900);
  CHECK(fourth <= 60000);
  caf::anon_send_exit(gate, caf::exit_reason::user_shutdown);
}

TEST_CASE("a gate that starts to lead the cluster's identifies first holds every bucket 5 s") {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  const auto t = std::chrono::steady_clock::time_point{} + 1000h;
  auto schedule = std::make_shared<discord::gateway::identify_scheduler>(gate_limit(1000, 2), t);
  // Shared with the gate, which may check once more after the test ends.
  struct flags {
    std::atomic<bool> leads{false};
    std::atomic<int> checks{0};
  };
  auto f = std::make_shared<flags>();
  auto& leads = f->leads;
  auto& checks = f->checks;
  caf::scoped_actor self{sys};
  auto gate = multiplatform::spawn_identify_gate(
    self.ptr(), schedule, [t] { return t; },
    [f] {
      ++f->checks;
      return f->leads.load();
    });
  auto ask = [&](std::int32_t shard) { return ask_gate(self, gate, shard); };
  // Not leading: no hold, and it keeps checking.
  REQUIRE(eventually([&] { return checks.load() >= 2; }, 5s));
  CHECK(ask(0) == 0);
  // Leading from now on: after a check that saw it, bucket 1 (free so far)
  // waits one spacing, and bucket 0 keeps its own reservation.
  leads = true;
  auto seen = checks.load();
  REQUIRE(eventually([&] { return checks.load() >= seen + 2; }, 5s));
  CHECK(ask(1) == 5000);
  CHECK(ask(0) == 5000);
  // Later identifies of a bucket keep their 5 s spacing.
  CHECK(ask(1) == 10000);
  caf::anon_send_exit(gate, caf::exit_reason::user_shutdown);
}

TEST_CASE("a gateway shard asks the identify gate and identifies when it allows") {
  struct asked {
    std::mutex mutex;
    std::vector<std::int32_t> shards;
  };
  auto log = std::make_shared<asked>();
  discord::gateway_identify_gate gate;
  rig r("fake-gateway-token", [&](caf::actor_system& sys) {
    gate = sys.spawn([log]() -> discord::gateway_identify_gate::behavior_type {
      return {
        [log](discord::gateway_identify_atom, std::int32_t shard) -> std::int64_t {
          std::lock_guard<std::mutex> guard(log->mutex);
          log->shards.push_back(shard);
          return 200;
        },
      };
    });
    return gate;
  });
  REQUIRE(r.ready());
  {
    std::lock_guard<std::mutex> guard(log->mutex);
    CHECK(log->shards == std::vector<std::int32_t>{0});
  }
  caf::anon_send_exit(gate, caf::exit_reason::user_shutdown);
  // The handle must not outlive the rig's actor system.
  gate = nullptr;
}
