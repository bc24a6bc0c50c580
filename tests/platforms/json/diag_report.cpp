// The JSON form of the diagnostics report (platforms/json/diag_report.hpp):
// what GET /diag serves and `lastgram attach` reads back.

#include <catch2/catch.hpp>

#include <string>

#include "messages/diag.hpp"
#include "platforms/json/diag_report.hpp"

using namespace lastgram;

TEST_CASE("the JSON report reads back as written, unknown numbers as null",
          "[diagnostics][json]") {
  diag_report r;
  r.node = "n\"1";
  r.members.push_back(member_info{"n\"1", "127.0.0.1:1", {"console", "server"}, "up", true});
  node_snapshot n;
  n.name = "n\"1";
  n.taken_at_ms = 1700000000123;
  n.uptime_seconds = 12.5;
  n.rss_bytes = 1 << 20;
  n.threads = 7;
  n.running_actors = 30;
  n.engines.push_back(engine_diag{"command", true, 2, "boom", 1, 2.25, 10,
                                  {actor_diag{"command", true, 2, "boom"}}});
  n.engines.push_back(engine_diag{"logging", true, 0, "", -1, -1, -1, {}});
  n.lastfm_queue_depth = 4;
  n.lastfm_bucket_level = 0.5;
  n.inbox_pending = 2;
  n.inbox_recovered = 5;
  n.inbox_failures = 1;
  n.cache_hits = 3;
  n.cache_misses = 1;
  n.cache_hit_rate = 0.75;
  n.commands_total = 10;
  n.command_p50_ms = 3.5;
  n.command_p99_ms = -1;
  n.latency_window_seconds = 60;
  n.last_errors.push_back(problem_line{"t", "error", "fm", "upstream failed", "status=503"});
  r.nodes.push_back(n);

  auto text = json::to_json(r);
  CHECK(text.find("\"p99_ms\":null") != std::string::npos);
  CHECK(text.find("\"backlog\":null") != std::string::npos);
  CHECK(text.find("\"version\":1") != std::string::npos);
  std::string why;
  auto back = json::parse_diag_report(text, &why);
  REQUIRE(back);
  CHECK(back->node == "n\"1");
  REQUIRE(back->members.size() == 1);
  CHECK(back->members[0].roles.size() == 2);
  CHECK(back->members[0].self);
  REQUIRE(back->nodes.size() == 1);
  const auto& m = back->nodes[0];
  CHECK(m.taken_at_ms == 1700000000123);
  CHECK(m.rss_bytes == 1 << 20);
  REQUIRE(m.engines.size() == 2);
  CHECK(m.engines[0].msgs_per_sec == Approx(2.25));
  CHECK(m.engines[0].actors.size() == 1);
  CHECK(m.engines[1].backlog == -1);
  CHECK(m.cache_hit_rate == Approx(0.75));
  CHECK(m.inbox_pending == 2);
  CHECK(m.inbox_recovered == 5);
  CHECK(m.inbox_failures == 1);
  CHECK(m.command_p99_ms == -1);
  REQUIRE(m.last_errors.size() == 1);
  CHECK(m.last_errors[0].fields == "status=503");

  CHECK_FALSE(json::parse_diag_report("not json", &why));
  CHECK_FALSE(why.empty());
  CHECK_FALSE(json::parse_diag_report("{\"ok\":true}"));
}
