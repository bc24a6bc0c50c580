// The diagnostics actor: snapshots built from a real health board and the
// real metrics registry, rates between samples, latency percentiles, the
// ring of recent warnings, the members seam and GET /diag (the JSON form is
// tested in tests/platforms/diag_report.cpp).

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <future>
#include <limits>
#include <atomic>
#include <cstdint>
#include <memory>

#include "actors/test_config.hpp"
#include "caf/all.hpp"

#include "actors/cluster/diag_http.hpp"
#include "actors/cluster/diagnostics.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/logging/recent.hpp"
#include "actors/server/http_server.hpp"
#include "actors/support/health.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "platforms/json/diag_report.hpp"
#include "support/http_probe.hpp"

using namespace lastgram;
using namespace std::chrono_literals;

namespace {

using test::test_config;

constexpr double inf = std::numeric_limits<double>::infinity();

/// A node-like health board: three engines, one with two children, one
/// restart, and an entry no engine group claims.
std::shared_ptr<health_board> sample_board() {
  auto board = std::make_shared<health_board>();
  for (auto name : {"command", "console", "telegram", "diagnostics", "stray"}) {
    board->declare(name);
    board->set_ready(name, true);
  }
  board->set_ready("telegram", false);
  board->record_exit("telegram", "system_error(runtime_error, \"poll failed\")", true);
  return board;
}

std::shared_ptr<cluster::diagnostics_options> sample_options(std::string name = "node-a") {
  auto opts = std::make_shared<cluster::diagnostics_options>();
  opts->node_name = std::move(name);
  opts->address = "127.0.0.1:8080";
  opts->roles = {"console"};
  opts->health = sample_board();
  opts->engines = {{"command", {}},
                   {"multiplatform", {"multiplatform", "console", "telegram"}},
                   {"cluster", {"cluster", "diagnostics"}}};
  opts->hooks = std::make_shared<cluster::diagnostics_hooks>();
  opts->min_interval = 20ms;
  opts->peer_timeout = 300ms;
  return opts;
}

/// A clock the test moves by hand, read by the diagnostics actor's thread.
struct manual_clock {
  std::shared_ptr<std::atomic<std::int64_t>> ms = std::make_shared<std::atomic<std::int64_t>>(0);
  std::chrono::steady_clock::time_point origin = std::chrono::steady_clock::time_point{} + 1000h;

  void advance(std::chrono::milliseconds by) {
    ms->fetch_add(by.count());
  }

  /// Times `opts` by this clock, uptime counting from now.
  void drive(cluster::diagnostics_options& opts) const {
    opts.clock = [ms = ms, origin = origin] {
      return origin + std::chrono::milliseconds{ms->load()};
    };
    opts.started = opts.clock();
  }
};

struct fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  node_snapshot snapshot(const diag_actor& diag) {
    node_snapshot out;
    self->request(diag, 5s, snapshot_atom::value)
      .receive([&](node_snapshot& s) { out = std::move(s); },
               [&](caf::error& err) { FAIL("snapshot failed: " << sys.render(err)); });
    return out;
  }

  diag_report report(const diag_actor& diag) {
    diag_report out;
    self->request(diag, 5s, report_atom::value)
      .receive([&](diag_report& r) { out = std::move(r); },
               [&](caf::error& err) { FAIL("report failed: " << sys.render(err)); });
    return out;
  }
};

const engine_diag* find_engine(const node_snapshot& snap, const std::string& name) {
  for (const auto& e : snap.engines)
    if (e.name == name)
      return &e;
  return nullptr;
}

} // namespace

TEST_CASE("histogram quantiles interpolate inside the bucket the rank falls in",
          "[diagnostics]") {
  using cluster::histogram_quantile;
  CHECK(histogram_quantile(0.5, {}) == -1);
  CHECK(histogram_quantile(0.5, {{0.1, 0}, {inf, 0}}) == -1);
  // 10 observations up to 0.1, 10 more up to 0.2.
  std::vector<std::pair<double, double>> b{{0.1, 10}, {0.2, 20}, {inf, 20}};
  CHECK(histogram_quantile(0.5, b) == Approx(0.1));
  CHECK(histogram_quantile(0.25, b) == Approx(0.05));
  CHECK(histogram_quantile(0.75, b) == Approx(0.15));
  CHECK(histogram_quantile(1.0, b) == Approx(0.2));
  // A rank beyond the last finite bound reports that bound.
  std::vector<std::pair<double, double>> slow{{0.1, 1}, {0.2, 1}, {inf, 10}};
  CHECK(histogram_quantile(0.99, slow) == Approx(0.2));
  // Empty leading buckets do not pull the median down.
  std::vector<std::pair<double, double>> late{{0.1, 0}, {0.2, 0}, {0.4, 4}, {inf, 4}};
  CHECK(histogram_quantile(0.5, late) == Approx(0.3));
}

TEST_CASE("the line ring keeps the newest lines in order and counts the dropped",
          "[diagnostics][logging]") {
  log::line_ring ring{3};
  for (int i = 0; i < 5; ++i)
    ring.push(log::recent_line{"ts" + std::to_string(i), log_level::warn, "e", "event", ""});
  auto all = ring.newest();
  REQUIRE(all.size() == 3);
  CHECK(all[0].ts == "ts2");
  CHECK(all[2].ts == "ts4");
  auto two = ring.newest(2);
  REQUIRE(two.size() == 2);
  CHECK(two[0].ts == "ts3");
  CHECK(ring.total() == 5);
  log::line_ring none{0};
  none.push(log::recent_line{});
  CHECK(none.newest().empty());
  CHECK(none.total() == 1);
}

TEST_CASE("warnings and errors reach the ring at any level, redacted, and info does not",
          "[diagnostics][logging]") {
  log_settings quiet;
  quiet.level = log_level::off;
  log::init(quiet);
  log::add_secret("ring-secret-value-123");
  auto before = log::recent_problems().total();
  log::info("test", "just information", {{"k", "v"}});
  log::warn("test", "disk almost full", {{"path", "/tmp/x y"}, log::kv("percent", 97)});
  log::error("test", "token ring-secret-value-123 rejected",
             {{"token", "ring-secret-value-123"}});
  log::init(log_settings{});
  CHECK(log::recent_problems().total() == before + 2);
  auto lines = log::recent_problems().newest(2);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].level == log_level::warn);
  CHECK(lines[0].engine == "test");
  CHECK(lines[0].event == "disk almost full");
  CHECK(lines[0].fields == "path=\"/tmp/x y\" percent=97");
  CHECK(lines[1].level == log_level::error);
  CHECK(lines[1].event.find("ring-secret-value-123") == std::string::npos);
  CHECK(lines[1].fields == "token=***");
  CHECK_FALSE(lines[1].ts.empty());
}

TEST_CASE("a snapshot reports health, backlog, counters and percentiles of the node",
          "[diagnostics]") {
  fixture f;
  manual_clock clock;
  auto opts = sample_options();
  clock.drive(*opts);
  auto diag = cluster::spawn_diagnostics(f.self.ptr(), opts);
  f.snapshot(diag); // the baseline of the rates
  for (int i = 0; i < 4; ++i)
    metrics::command_handled("diagtest", "console", "ok", 0.004);
  metrics::mailbox_backlog("command", 3);
  log::warn("diagtest", "something odd", {{"detail", "x"}});
  // The durable inbox's state, as the Telegram and Discord platforms
  // publish it: /diag shows the sum of both.
  metrics::get_gauge("lastgram_inbox_pending", "", {{"platform", "telegram"}}).set(3);
  metrics::get_gauge("lastgram_inbox_pending", "", {{"platform", "discord"}}).set(2);
  auto recovered_before = metrics::get_counter("lastgram_inbox_recovered_total", "", {{"platform", "telegram"}}).value()
                          + metrics::get_counter("lastgram_inbox_recovered_total", "", {{"platform", "discord"}}).value();
  metrics::get_counter("lastgram_inbox_recovered_total", "", {{"platform", "telegram"}}).inc();
  metrics::get_counter("lastgram_inbox_recovered_total", "", {{"platform", "discord"}}).inc(2);
  clock.advance(30ms); // past min_interval: a new sample
  auto snap = f.snapshot(diag);
  CHECK(snap.inbox_pending == 5);
  CHECK(snap.inbox_recovered == recovered_before + 3);

  CHECK(snap.name == "node-a");
  CHECK(snap.taken_at_ms > 0);
  CHECK(snap.uptime_seconds >= 0);
  CHECK(snap.rss_bytes > 0);
  CHECK(snap.threads > 1);
  CHECK(snap.running_actors >= 1);
  // Engines in the given order, then what no group claims.
  REQUIRE(snap.engines.size() == 4);
  CHECK(snap.engines[0].name == "command");
  CHECK(snap.engines[1].name == "multiplatform");
  CHECK(snap.engines[2].name == "cluster");
  CHECK(snap.engines[3].name == "stray");

  const auto& command = snap.engines[0];
  CHECK(command.ready);
  CHECK(command.restarts == 0);
  CHECK(command.backlog == 3);
  CHECK(command.handled >= 4);
  CHECK(command.msgs_per_sec > 0);

  const auto& platforms = snap.engines[1];
  CHECK_FALSE(platforms.ready);
  CHECK(platforms.restarts == 1);
  CHECK(platforms.last_exit_reason.find("telegram: ") == 0);
  CHECK(platforms.last_exit_reason.find("poll failed") != std::string::npos);
  REQUIRE(platforms.actors.size() == 2);
  CHECK(platforms.actors[0].name == "console");
  CHECK(platforms.actors[1].name == "telegram");
  CHECK(platforms.actors[1].restarts == 1);
  CHECK(platforms.backlog == -1); // no gauge for it

  CHECK(snap.engines[2].ready);
  CHECK(snap.engines[2].handled == -1); // no counter for it
  CHECK(snap.engines[2].msgs_per_sec == -1);

  CHECK(snap.commands_total >= 4);
  CHECK(snap.command_p50_ms > 0);
  CHECK(snap.command_p50_ms <= 5);
  CHECK(snap.command_p99_ms >= snap.command_p50_ms);
  REQUIRE_FALSE(snap.last_errors.empty());
  CHECK(snap.last_errors.back().event == "something odd");
  CHECK(snap.last_errors.back().level == "warn");
}

TEST_CASE("rates come from the counters between two samples, at most one per interval",
          "[diagnostics]") {
  fixture f;
  manual_clock clock;
  auto opts = sample_options();
  opts->min_interval = 1000ms;
  clock.drive(*opts);
  auto diag = cluster::spawn_diagnostics(f.self.ptr(), opts);
  f.snapshot(diag);
  clock.advance(1100ms);
  auto first = f.snapshot(diag);
  for (int i = 0; i < 6; ++i)
    metrics::command_handled("ratetest", "console", "ok", 0.2);
  // Within the interval: the same snapshot, counters unchanged.
  auto cached = f.snapshot(diag);
  CHECK(cached.taken_at_ms == first.taken_at_ms);
  const auto* cached_command = find_engine(cached, "command");
  const auto* first_command = find_engine(first, "command");
  REQUIRE(cached_command != nullptr);
  REQUIRE(first_command != nullptr);
  CHECK(cached_command->handled == first_command->handled);
  clock.advance(1100ms);
  auto second = f.snapshot(diag);
  auto* a = find_engine(first, "command");
  auto* b = find_engine(second, "command");
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(b->handled - a->handled == 6);
  // 6 commands over 1.1 s of the injected clock.
  CHECK(b->msgs_per_sec == Approx(6 / 1.1));
  // The slow commands of the window dominate the window's percentiles.
  CHECK(second.command_p50_ms > 100);
  CHECK(second.command_p50_ms <= 250);
  CHECK(second.latency_window_seconds < 10);
}

TEST_CASE("a report without membership lists this node alone, up", "[diagnostics]") {
  fixture f;
  auto diag = cluster::spawn_diagnostics(f.self.ptr(), sample_options());
  auto report = f.report(diag);
  CHECK(report.node == "node-a");
  REQUIRE(report.members.size() == 1);
  CHECK(report.members[0].name == "node-a");
  CHECK(report.members[0].state == "up");
  CHECK(report.members[0].self);
  CHECK(report.members[0].address == "127.0.0.1:8080");
  CHECK(report.members[0].roles == std::vector<std::string>{"console"});
  REQUIRE(report.nodes.size() == 1);
  CHECK(report.nodes[0].name == "node-a");
}

TEST_CASE("with a members provider the report asks every reachable member for its snapshot",
          "[diagnostics]") {
  fixture f;
  auto opts_a = sample_options("node-a");
  auto diag_a = cluster::spawn_diagnostics(f.self.ptr(), opts_a);
  auto diag_b = cluster::spawn_diagnostics(f.self.ptr(), sample_options("node-b"));
  // A member whose diagnostics never answer.
  auto silent = f.sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](snapshot_atom) -> caf::result<node_snapshot> { return caf::delegated<node_snapshot>{}; }};
  });
  opts_a->hooks->set_members_provider([&] {
    std::vector<cluster_member> out(4);
    out[0].name = "node-a";
    out[0].endpoint = "127.0.0.1:7001";
    out[0].self = true;
    out[0].diag = diag_a;
    out[1].name = "node-b";
    out[1].endpoint = "127.0.0.1:7002";
    out[1].roles = {"worker"};
    out[1].diag = diag_b;
    out[2].name = "node-c";
    out[2].endpoint = "127.0.0.1:7003";
    out[2].state = member_state::down;
    out[3].name = "node-d";
    out[3].endpoint = "127.0.0.1:7004";
    out[3].state = member_state::suspect;
    // A stand-in that answers nothing: the test casts it.
    out[3].diag = caf::actor_cast<diag_actor>(silent);
    return out;
  });
  // The silent member is given up on after the peer timeout: the report
  // comes (within the fixture's 5 s request) without its snapshot.
  auto report = f.report(diag_a);
  REQUIRE(report.members.size() == 4);
  CHECK(report.members[0].self);
  CHECK(report.members[1].name == "node-b");
  CHECK(report.members[1].address == "127.0.0.1:7002");
  CHECK(report.members[1].state == "up");
  CHECK(report.members[2].state == "down");
  CHECK(report.members[3].state == "suspect");
  REQUIRE(report.nodes.size() == 2);
  CHECK(report.nodes[0].name == "node-a");
  CHECK(report.nodes[1].name == "node-b");
  // An empty view (membership not published yet) is this node alone.
  opts_a->hooks->set_members_provider([] { return std::vector<cluster_member>{}; });
  auto alone = f.report(diag_a);
  REQUIRE(alone.members.size() == 1);
  CHECK(alone.members[0].self);
  f.self->send_exit(silent, caf::exit_reason::kill);
}

TEST_CASE("the server tells handlers who the client is", "[diagnostics][http]") {
  server_settings s;
  s.address = "127.0.0.1";
  s.port = 0;
  server::http_server srv{s};
  srv.route("GET", "/who", [](const server::http_request& req, server::responder reply) {
    reply({200, "text/plain", req.remote_address + (req.from_loopback ? " loopback" : " remote"),
           {}});
  });
  REQUIRE_FALSE(srv.start());
  auto res = test::http_exchange(srv.port(), test::http_request_text("GET", "/who"));
  REQUIRE(res);
  CHECK(res->body == "127.0.0.1 loopback");
}

TEST_CASE("GET /diag serves the report as JSON to loopback clients and 403 to others",
          "[diagnostics][http]") {
  fixture f;
  auto diag = cluster::spawn_diagnostics(f.self.ptr(), sample_options());
  server_settings s;
  s.address = "127.0.0.1";
  s.port = 0;
  server::http_server srv{s};
  cluster::add_diag_route(srv, [diag] { return diag; });
  REQUIRE_FALSE(srv.start());
  auto res = test::http_exchange(srv.port(), test::http_request_text("GET", "/diag"));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->header("Content-Type") == "application/json");
  auto parsed = json::parse_diag_report(res->body);
  REQUIRE(parsed);
  CHECK(parsed->node == "node-a");

  // The same handler, as a client from another host would reach it.
  auto handler = cluster::make_diag_handler([diag] { return diag; }, 2s);
  server::http_request remote;
  remote.method = "GET";
  remote.path = "/diag";
  remote.remote_address = "192.0.2.7";
  remote.from_loopback = false;
  std::promise<server::http_response> answer;
  handler(remote, [&](server::http_response r) { answer.set_value(std::move(r)); });
  auto refused = answer.get_future();
  REQUIRE(refused.wait_for(2s) == std::future_status::ready);
  auto r = refused.get();
  CHECK(r.status == 403);
  CHECK(r.body.find("{") == std::string::npos);

  // No diagnostics actor (restarting): 503.
  auto none = cluster::make_diag_handler([] { return diag_actor{}; }, 2s);
  server::http_request local = remote;
  local.from_loopback = true;
  std::promise<server::http_response> unavailable;
  none(local, [&](server::http_response x) { unavailable.set_value(std::move(x)); });
  CHECK(unavailable.get_future().get().status == 503);
  srv.stop();
}
