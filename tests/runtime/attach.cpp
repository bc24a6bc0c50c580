// `lastgram attach` against a running node: the JSON snapshot, the counters
// moving with console commands, an unreachable node, the live view quitting
// on 'q', and the frame rendering itself.

#include <catch2/catch.hpp>


#include <rapidjson/document.h>

#include "support/build_paths.hpp"
#include "runtime/attach.hpp"
#include "support/eventually.hpp"
#include "support/process.hpp"

using namespace lastgram;
using namespace lastgram::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> node_args(const temp_dir& dir, unsigned short port) {
  return {LASTGRAM_BINARY, "run",
          "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
          "--set", "node.name=attach-e2e",
          "--set", "server.address=127.0.0.1",
          "--set", "server.port=" + std::to_string(port),
          "--set", "node.data-dir=" + dir.file("data"),
          "--set", "database.path=" + dir.file("data/db.sqlite3")};
}

std::string target(unsigned short port) {
  return "127.0.0.1:" + std::to_string(port);
}

/// Runs `attach --once --json` until the node answers (it may still be
/// starting its server) and returns the parsed report.
rapidjson::Document attach_json(unsigned short port) {
  run_result res;
  eventually(
    [&] {
      res = run({LASTGRAM_BINARY, "attach", target(port), "--once", "--json"}, "");
      return res.exit_code == 0;
    },
    10s, 100ms);
  INFO("stderr: " << res.err);
  REQUIRE(res.exit_code == 0);
  rapidjson::Document doc;
  doc.Parse(res.out.c_str(), res.out.size());
  INFO("stdout: " << res.out);
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

const rapidjson::Value* engine(const rapidjson::Value& node, const char* name) {
  for (const auto& e : node["engines"].GetArray())
    if (std::string{e["name"].GetString()} == name)
      return &e;
  return nullptr;
}

double commands_handled(const rapidjson::Document& doc) {
  const auto& node = doc["nodes"][0];
  const auto* cmd = engine(node, "command");
  REQUIRE(cmd != nullptr);
  REQUIRE((*cmd)["handled"].IsNumber());
  return (*cmd)["handled"].GetDouble();
}

} // namespace

TEST_CASE("attach --once --json prints the node, its ten engines and its members",
          "[e2e][attach]") {
  temp_dir dir;
  auto port = free_port();
  child_process node{node_args(dir, port)};
  node.write("/help\n");
  REQUIRE(node.wait_for_output("/botinfo", 20s));

  auto doc = attach_json(port);
  CHECK(doc["version"].GetInt() == 1);
  CHECK(std::string{doc["node"].GetString()} == "attach-e2e");
  REQUIRE(doc["members"].IsArray());
  REQUIRE(doc["members"].Size() == 1);
  const auto& self = doc["members"][0];
  CHECK(std::string{self["name"].GetString()} == "attach-e2e");
  CHECK(std::string{self["state"].GetString()} == "up");
  CHECK(self["self"].GetBool());
  REQUIRE(doc["nodes"].Size() == 1);
  const auto& n = doc["nodes"][0];
  CHECK(std::string{n["name"].GetString()} == "attach-e2e");
  CHECK(n["rss_bytes"].GetInt64() > 0);
  CHECK(n["running_actors"].GetInt64() > 0);
  for (auto name : {"logging", "caching", "database", "fm", "lyrics", "image", "translation", "command", "event",
                    "multiplatform", "server", "cluster"}) {
    INFO(name);
    const auto* e = engine(n, name);
    REQUIRE(e != nullptr);
    CHECK((*e)["ready"].IsBool());
    CHECK((*e)["restarts"].GetInt64() == 0);
  }
  CHECK(engine(n, "multiplatform")->operator[]("actors")[0]["name"].GetString()
        == std::string{"console"});
  CHECK(n["commands"]["total"].GetDouble() >= 1);
  CHECK(n["lastfm"].IsObject());
  CHECK(n["cache"].IsObject());
  CHECK(n["last_errors"].IsArray());

  // A command through the console moves the counters. A new sample comes at
  // most once a second: ask again until it shows both commands.
  auto before = commands_handled(doc);
  node.write("/start\n/help\n");
  rapidjson::Document after_doc;
  CHECK(eventually(
    [&] {
      after_doc = attach_json(port);
      return commands_handled(after_doc) >= before + 2
             && after_doc["nodes"][0]["commands"]["total"].GetDouble() >= before + 2;
    },
    20s, 100ms));
  CHECK(commands_handled(after_doc) >= before + 2);
  CHECK(after_doc["nodes"][0]["commands"]["total"].GetDouble() >= before + 2);

  // The text frame, for eyes.
  auto text = run({LASTGRAM_BINARY, "attach", target(port), "--once"}, "");
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("ENGINE") != std::string::npos);
  CHECK(text.out.find("attach-e2e") != std::string::npos);

  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("attach to a port nobody listens on says so and exits 1", "[e2e][attach]") {
  auto res = run({LASTGRAM_BINARY, "attach", target(free_port()), "--once", "--json"}, "");
  CHECK(res.exit_code == 1);
  CHECK(res.out.empty());
  CHECK(res.err.find("cannot reach 127.0.0.1:") != std::string::npos);
  auto live = run({LASTGRAM_BINARY, "attach", target(free_port())}, "q");
  CHECK(live.exit_code == 1);
  auto bad = run({LASTGRAM_BINARY, "attach", "no-port-here", "--once"}, "");
  CHECK(bad.exit_code == 2);
  auto json_alone = run({LASTGRAM_BINARY, "attach", "127.0.0.1:1", "--json"}, "");
  CHECK(json_alone.exit_code == 2);
}

TEST_CASE("the live view draws frames and quits on q, or at the end of piped input",
          "[e2e][attach]") {
  temp_dir dir;
  auto port = free_port();
  child_process node{node_args(dir, port)};
  node.write("/help\n");
  REQUIRE(node.wait_for_output("/botinfo", 20s));
  attach_json(port); // the server is up

  child_process view{{LASTGRAM_BINARY, "attach", target(port)}};
  REQUIRE(view.wait_for_output("ENGINE", 10s));
  // It redraws: a second frame within a few seconds.
  auto frames = [&] {
    std::size_t count = 0;
    for (auto pos = view.out().find("ENGINE"); pos != std::string::npos;
         pos = view.out().find("ENGINE", pos + 1))
      ++count;
    return count;
  };
  CHECK(eventually([&] { return frames() >= 2; }, 10s, 100ms));
  view.write(" "); // pause, then quit
  CHECK(view.wait_for_output("[paused]", 5s));
  view.write("q");
  CHECK(view.wait(5s) == 0);

  auto ended = run({LASTGRAM_BINARY, "attach", target(port)}, "", {}, 10s);
  CHECK(ended.exit_code == 0);
  CHECK(ended.out.find("ENGINE") != std::string::npos);

  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("attach targets are HOST:PORT, IPv6 in brackets", "[attach]") {
  CHECK(runtime::diag_url("127.0.0.1:8080") == "http://127.0.0.1:8080/diag");
  CHECK(runtime::diag_url("localhost:1") == "http://localhost:1/diag");
  CHECK(runtime::diag_url("[::1]:8080") == "http://[::1]:8080/diag");
  CHECK_FALSE(runtime::diag_url("::1:8080"));
  CHECK_FALSE(runtime::diag_url("127.0.0.1"));
  CHECK_FALSE(runtime::diag_url("127.0.0.1:"));
  CHECK_FALSE(runtime::diag_url(":8080"));
  CHECK_FALSE(runtime::diag_url("host:70000"));
  CHECK_FALSE(runtime::diag_url("host:0"));
  CHECK_FALSE(runtime::diag_url("user@host:80"));
  CHECK_FALSE(runtime::diag_url("host/x:80"));
}

TEST_CASE("a frame shows the members, the selected node's engines and its errors",
          "[attach]") {
  diag_report r;
  r.node = "a";
  r.members = {member_info{"a", "10.0.0.1:7000", {"console"}, "up", true},
               member_info{"b", "10.0.0.2:7000", {}, "up", false},
               member_info{"c", "10.0.0.3:7000", {}, "down", false}};
  node_snapshot a;
  a.name = "a";
  a.uptime_seconds = 3725;
  a.rss_bytes = 50 << 20;
  a.threads = 9;
  a.engines = {engine_diag{"command", true, 1, "boom", 2, 3.5, 100, {actor_diag{"command", true, 1, "boom"}}},
               engine_diag{"multiplatform", false, 0, "", -1, -1, -1,
                           {actor_diag{"console", true, 0, ""}, actor_diag{"telegram", false, 0, ""}}}};
  a.cache_hits = 3;
  a.cache_misses = 1;
  a.cache_hit_rate = 0.75;
  a.commands_total = 100;
  a.command_p50_ms = 12.3;
  a.command_p99_ms = 480;
  a.latency_window_seconds = 60;
  a.last_errors = {problem_line{"2026-01-01T00:00:00.000Z", "error", "fm", "upstream failed",
                                "status=503"}};
  node_snapshot b;
  b.name = "b";
  b.engines = {engine_diag{"server", true, 0, "", -1, 0.5, 7, {actor_diag{"server", true, 0, ""}}}};
  r.nodes = {a, b};

  runtime::view_state st;
  st.target = "127.0.0.1:8080";
  auto first = runtime::render_view(r, st);
  CHECK(first.find("[a up *]") != std::string::npos);
  CHECK(first.find("c down") != std::string::npos);
  CHECK(first.find("Node a") != std::string::npos);
  CHECK(first.find("1h02m05s") != std::string::npos);
  CHECK(first.find("50.0 MiB") != std::string::npos);
  CHECK(first.find("boom") != std::string::npos);
  CHECK(first.find("  telegram") != std::string::npos); // the actors of multiplatform
  CHECK(first.find("75.0% (3 of 4)") != std::string::npos);
  CHECK(first.find("p50 12.3 ms") != std::string::npos);
  CHECK(first.find("p99 480.0 ms") != std::string::npos);
  CHECK(first.find("upstream failed") != std::string::npos);
  CHECK(first.find("[paused]") == std::string::npos);

  st.selected = 1;
  st.paused = true;
  auto second = runtime::render_view(r, st);
  CHECK(second.find("[b up]") != std::string::npos);
  CHECK(second.find("Node b") != std::string::npos);
  CHECK(second.find("server") != std::string::npos);
  CHECK(second.find("[paused]") != std::string::npos);

  st.selected = 2;
  st.problem = "cannot reach 127.0.0.1:8080: connect_failed (retrying)";
  auto third = runtime::render_view(r, st);
  CHECK(third.find("No diagnostics from c") != std::string::npos);
  CHECK(third.find("! cannot reach") != std::string::npos);

  st.selected = 0;
  st.width = 30;
  auto narrow = runtime::render_view(r, st);
  std::size_t longest = 0;
  for (std::size_t start = 0; start < narrow.size();) {
    auto end = narrow.find('\n', start);
    longest = std::max(longest, end - start);
    start = end + 1;
  }
  CHECK(longest <= 30);

  // Cutting a line never leaves half a UTF-8 character behind.
  for (int shift = 0; shift < 3; ++shift) {
    diag_report u = r;
    u.nodes[0].last_errors[0].event = std::string(static_cast<std::size_t>(shift), 'x');
    for (int i = 0; i < 20; ++i)
      u.nodes[0].last_errors[0].event += "\xc3\xa9\xe2\x82\xac"; // é€
    st.width = 60;
    auto text = runtime::render_view(u, st);
    auto line_start = text.find("fm: ");
    REQUIRE(line_start != std::string::npos);
    auto line = text.substr(0, text.find('\n', line_start));
    auto last = static_cast<unsigned char>(line.back());
    bool ends_whole = last < 0x80 || last == 0xa9 || last == 0xac;
    CHECK(ends_whole);
    if (last == 0xa9)
      CHECK(static_cast<unsigned char>(line[line.size() - 2]) == 0xc3);
    if (last == 0xac)
      CHECK(static_cast<unsigned char>(line[line.size() - 3]) == 0xe2);
  }
}
