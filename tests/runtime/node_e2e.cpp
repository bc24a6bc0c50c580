// End-to-end tests of the lastgram binary: configuration errors, the console
// chat, metrics over HTTP, signals and secrets.

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <sstream>

#include "support/build_paths.hpp"
#include "support/eventually.hpp"
#include "support/process.hpp"

using namespace lastgram::test;
using namespace std::chrono_literals;

namespace {

/// Arguments for a node on a free port with its data in `dir`.
std::vector<std::string> node_args(const temp_dir& dir, unsigned short port,
                                   std::vector<std::string> extra = {}) {
  std::vector<std::string> args{LASTGRAM_BINARY, "run",
                                "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
                                "--set", "server.address=127.0.0.1",
                                "--set", "server.port=" + std::to_string(port),
                                "--set", "node.data-dir=" + dir.file("data"),
                                "--set", "database.path=" + dir.file("data/db.sqlite3")};
  for (auto& x : extra)
    args.push_back(x);
  return args;
}

/// A node whose command engine runs one command at a time, for the tests
/// that must know when a `/debug sleep` is running (see start_sleep).
std::vector<std::string> one_slot_args(const temp_dir& dir, unsigned short port,
                                       std::vector<std::string> extra = {}) {
  extra.insert(extra.begin(), {"--set", "node.developers=console:1",
                               "--set", "command.max-in-flight=1"});
  return node_args(dir, port, std::move(extra));
}

/// Whether /metrics counts a /help refused as busy.
bool help_refused_busy(unsigned short port) {
  std::istringstream lines{http_get(port, "/metrics").body};
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("lastgram_commands_total{", 0) == 0
        && line.find("command=\"help\"") != std::string::npos
        && line.find("outcome=\"busy\"") != std::string::npos)
      return true;
  return false;
}

/// Sends `/debug sleep <ms>` to a node started with one_slot_args and
/// returns once the sleep is running. The engine takes a chat's requests in
/// order, so a /help sent right after it is refused "busy" (and counted in
/// /metrics at once) exactly when the sleep holds the only slot.
void start_sleep(child_process& node, unsigned short port, int ms) {
  node.write("/debug sleep " + std::to_string(ms) + "\n/help\n");
  REQUIRE(eventually([&] { return help_refused_busy(port); }, 20s, 50ms));
}

std::string slurp(const std::string& path) {
  std::ifstream f{path};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("piped /start and /help print the greeting and the command list, then exit 0",
          "[e2e][console]") {
  temp_dir dir;
  auto res = run(node_args(dir, free_port()), "/start\n/help\n");
  INFO("stderr: " << res.err);
  CHECK(res.exit_code == 0);
  auto greet = res.out.find("Last.fm");
  auto list = res.out.find("/botinfo");
  CHECK(greet != std::string::npos);
  CHECK(list != std::string::npos);
  CHECK(greet < list); // replies come in input order
  CHECK(res.out.find("/help") != std::string::npos);
}

TEST_CASE("an unknown command gets a hint and plain text gets nothing", "[e2e][console]") {
  temp_dir dir;
  auto res = run(node_args(dir, free_port()), "hello\n/nosuch\n");
  CHECK(res.exit_code == 0);
  CHECK(res.out.find("/nosuch") != std::string::npos);
  CHECK(res.out.find("/help") != std::string::npos);
  CHECK(res.out.find("hello") == std::string::npos);
}

TEST_CASE("the console answers in the configured language", "[e2e][console]") {
  temp_dir dir;
  auto en = run(node_args(dir, free_port()), "/help\n");
  auto pt = run(node_args(dir, free_port(), {"--set", "console.language=pt"}), "/help\n");
  CHECK(en.exit_code == 0);
  CHECK(pt.exit_code == 0);
  CHECK(pt.out != en.out);
  CHECK(pt.out.find("/botinfo") != std::string::npos);
}

TEST_CASE("a bad configuration is refused with exit code 2 naming the key",
          "[e2e][config]") {
  temp_dir dir;
  dir.write("bad.ini", "[server]\nport=70000\n[nosuch]\nkey=1\n");
  auto res = run({LASTGRAM_BINARY, "run", "--config", dir.file("bad.ini")}, "");
  CHECK(res.exit_code == 2);
  CHECK(res.err.find("server.port") != std::string::npos);
  CHECK(res.err.find("bad.ini:2") != std::string::npos);
  CHECK(res.err.find("nosuch") != std::string::npos);
  auto set = run({LASTGRAM_BINARY, "run", "--set", "server.port=abc"}, "");
  CHECK(set.exit_code == 2);
  CHECK(set.err.find("server.port") != std::string::npos);
  auto usage = run({LASTGRAM_BINARY, "run", "--no-such-flag"}, "");
  CHECK(usage.exit_code == 2);
  auto help = run({LASTGRAM_BINARY, "run", "--help"}, "");
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--set") != std::string::npos);
}

TEST_CASE("metrics, health and readiness are served while the node runs",
          "[e2e][http]") {
  temp_dir dir;
  auto port = free_port();
  child_process node{node_args(dir, port)};
  node.write("/help\n/botinfo\n");
  REQUIRE(node.wait_for_output("/botinfo", 20s));
  http_reply ready;
  CHECK(eventually(
    [&] {
      ready = http_get(port, "/readyz");
      return ready.status == 200;
    },
    5s, 50ms));
  CHECK(ready.body.find("\"command\"") != std::string::npos);
  CHECK(http_get(port, "/healthz").status == 200);
  auto metrics = http_get(port, "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("lastgram_commands_total") != std::string::npos);
  CHECK(metrics.body.find("command=\"help\"") != std::string::npos);
  CHECK(metrics.body.find("lastgram_command_duration_seconds") != std::string::npos);
  CHECK(metrics.body.find("lastgram_mailbox_backlog{engine=\"command\"}") != std::string::npos);
  CHECK(http_get(port, "/nosuch").status == 404);
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
}

TEST_CASE("SIGTERM lets an in-flight command finish, then exits 0", "[e2e][signals]") {
  temp_dir dir;
  auto port = free_port();
  child_process node{one_slot_args(dir, port)};
  node.write("/help\n");
  REQUIRE(node.wait_for_output("/botinfo", 20s));
  start_sleep(node, port, 1500);
  node.signal(SIGTERM);
  CHECK(node.wait(15s) == 0);
  CHECK(node.out().find("slept 1500 ms") != std::string::npos);
  CHECK(node.err().find("stopping") != std::string::npos);
  CHECK(node.err().find("event=stopped") != std::string::npos);
}

TEST_CASE("the grace period bounds how long shutdown waits", "[e2e][signals]") {
  temp_dir dir;
  auto port = free_port();
  child_process node{one_slot_args(dir, port, {"--set", "node.shutdown-grace-seconds=1"})};
  node.write("/help\n");
  REQUIRE(node.wait_for_output("/botinfo", 20s));
  start_sleep(node, port, 30000);
  node.signal(SIGTERM);
  // The command would answer after 30 s: a node gone within 15 s, without
  // that answer, stopped waiting for it.
  CHECK(node.wait(15s) == 0);
  CHECK(node.out().find("slept") == std::string::npos);
  CHECK(node.err().find("grace period over") != std::string::npos);
}

TEST_CASE("a second signal ends the node at once", "[e2e][signals]") {
  temp_dir dir;
  auto port = free_port();
  child_process node{one_slot_args(dir, port)};
  node.write("/help\n");
  REQUIRE(node.wait_for_output("/botinfo", 20s));
  start_sleep(node, port, 8000);
  node.signal(SIGINT);
  // The second signal once the first is being handled (two pending signals
  // of one kind would merge into one).
  REQUIRE(node.wait_for_output("stopping", 10s, true));
  node.signal(SIGINT);
  // A graceful stop would let the 8 s sleep finish and exit 0; the exit
  // status says the second signal ended it.
  CHECK(node.wait(10s) == 128 + SIGINT);
  CHECK(node.out().find("slept") == std::string::npos);
}

TEST_CASE("a crashing command is answered with an apology and logged", "[e2e][supervision]") {
  temp_dir dir;
  auto res = run(node_args(dir, free_port(), {"--set", "node.developers=console:1"}),
                 "/debug crash\n/help\n");
  CHECK(res.exit_code == 0);
  CHECK(res.out.find("/botinfo") != std::string::npos);
  CHECK(res.err.find("command failed") != std::string::npos);
  CHECK(res.err.find("crash requested") != std::string::npos);
  CHECK(res.err.find("cmd=debug") != std::string::npos);
  CHECK(res.err.find("platform=console") != std::string::npos);
  CHECK(res.out.find("Something went wrong") != std::string::npos);
}

TEST_CASE("secrets from the environment never reach the logs", "[e2e][secrets]") {
  temp_dir dir;
  std::string token = "123456:AAH-very-secret-telegram-token";
  std::string key = "f00dfeedf00dfeedf00dfeedf00dfeed";
  std::string db = "postgresql://bot:hunter2-password@127.0.0.1:1/none";
  auto args = node_args(dir, free_port(),
                        {"--set", "log.level=debug", "--set", "log.file=" + dir.file("node.log"),
                         "--set", "console.enabled=on"});
  auto res = run(args, "/help\n/botinfo\n",
                 {"LASTGRAM_TELEGRAM_TOKEN=" + token, "LASTGRAM_LASTFM_API_KEY=" + key,
                  "LASTGRAM_LASTFM_API_SECRET=" + key + "x",
                  "LASTGRAM_DATABASE_URL=" + db});
  auto log = slurp(dir.file("node.log"));
  CHECK(res.exit_code == 0);
  CHECK_FALSE(log.empty());
  CHECK(log.find("started") != std::string::npos);
  for (auto& secret : {token, key, db, std::string{"hunter2-password"}}) {
    CHECK(log.find(secret) == std::string::npos);
    CHECK(res.out.find(secret) == std::string::npos);
    CHECK(res.err.find(secret) == std::string::npos);
  }
}

TEST_CASE("a port already in use keeps the server engine retrying, not the node dying",
          "[e2e][supervision]") {
  temp_dir dir;
  auto port = free_port();
  child_process first{node_args(dir, port)};
  first.write("/help\n");
  REQUIRE(first.wait_for_output("/botinfo", 20s));
  temp_dir dir2;
  child_process second{node_args(dir2, port, {"--set", "supervision.max-restarts=100",
                                              "--set", "supervision.backoff-max-ms=200"})};
  second.write("/help\n");
  REQUIRE(second.wait_for_output("/botinfo", 20s));
  // The second node still chats, and logs the retries.
  CHECK(second.wait_for_output("cannot listen", 10s, true));
  second.close_stdin();
  CHECK(second.wait(20s) == 0);
  first.close_stdin();
  CHECK(first.wait(20s) == 0);
}

TEST_CASE("lastgram i18n check passes on the shipped locales", "[e2e][i18n]") {
  auto res = run({LASTGRAM_BINARY, "i18n", "check"}, "");
  INFO(res.err);
  CHECK(res.exit_code == 0);
}
