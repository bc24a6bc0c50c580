// A three-node cluster sharing the work: three `lastgram` processes on
// loopback with mutual TLS, one PostgreSQL schema and one (fake) Telegram bot.
// One node polls; each chat's commands run on the member the chat hashes to
// (counted per node through /diag); a member killed during a stream of
// commands costs no reply and doubles none; killing the poller moves polling
// to another node, which resumes from the shared offset.

#include <catch2/catch.hpp>

#include <csignal>
#include <map>
#include <thread>

#include <rapidjson/document.h>

#include "support/build_paths.hpp"
#include "cluster_node.hpp"
#include "support/fake_bot_api.hpp"
#include "support/http_probe.hpp"
#include "support/pg_schema.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"

using namespace lastgram::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* token = "777:cluster-test_token";
constexpr const char* secret = "cluster-secret";

/// The users allowed /debug: the chats of the slow updates (ids 500141..500160).
std::string developers() {
  std::string out;
  for (int u = 141; u <= 160; ++u)
    out += (out.empty() ? "" : ",") + std::string{"telegram:"} + std::to_string(500000 + u);
  return out;
}

void start(cluster_node& n, const temp_dir& dir, const std::string& certs,
           const std::string& seed, const fake_bot_api& api, const pg_schema& db,
           bool with_telegram = true, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{LASTGRAM_BINARY, "run",
                                "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
                                "--set", "console.enabled=off",
                                "--set", "node.name=" + n.name,
                                "--set", "node.data-dir=" + dir.file(n.name),
                                "--set", "server.address=127.0.0.1",
                                "--set", "server.port=" + std::to_string(n.http_port),
                                "--set", "telegram.api-url=" + api.url(),
                                "--set", "telegram.poll-timeout-seconds=1",
                                "--set", "telegram.private-per-second=100",
                                "--set", "node.developers=" + developers(),
                                "--set", "cluster.enabled=true",
                                "--set", "cluster.address=127.0.0.1",
                                "--set", "cluster.port=" + std::to_string(n.cluster_port),
                                "--set", "cluster.ca-file=" + certs + "/ca.pem",
                                "--set", "cluster.cert-file=" + certs + "/" + n.name + ".pem",
                                "--set", "cluster.key-file=" + certs + "/" + n.name + ".key"};
  if (!seed.empty()) {
    args.push_back("--set");
    args.push_back("cluster.seeds=" + seed);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<std::string> env{"LASTGRAM_DATABASE_URL=" + db.url(),
                               std::string{"LASTGRAM_TELEGRAM_WEBHOOK_SECRET="} + secret};
  if (with_telegram)
    env.push_back(std::string{"LASTGRAM_TELEGRAM_TOKEN="} + token);
  n.proc = std::make_unique<child_process>(args, env);
}

/// `lastgram attach 127.0.0.1:<http port> --once --json` of a node: the
/// members it lists and the nodes it has a snapshot of (with their engines).
struct attach_view {
  int exit_code = -1;
  int members = 0;
  std::map<std::string, int> engines_by_node;
};

attach_view attach_to(const cluster_node& n) {
  attach_view out;
  auto res = run({LASTGRAM_BINARY, "attach", "127.0.0.1:" + std::to_string(n.http_port), "--once",
                  "--json"},
                 "", {}, 20s);
  out.exit_code = res.exit_code;
  rapidjson::Document doc;
  doc.Parse(res.out.c_str());
  if (doc.HasParseError() || !doc.IsObject())
    return out;
  out.members = static_cast<int>(doc["members"].GetArray().Size());
  for (auto& node : doc["nodes"].GetArray())
    out.engines_by_node[node["name"].GetString()] =
      static_cast<int>(node["engines"].GetArray().Size());
  return out;
}

/// What a node's /diag says: members up, and its own commands run.
struct diag_view {
  int members_up = 0;
  double commands = -1;
};

diag_view diag_of(const cluster_node& n) {
  diag_view out;
  auto reply = http_get(n.http_port, "/diag");
  if (reply.status != 200)
    return out;
  rapidjson::Document doc;
  doc.Parse(reply.body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("members"))
    return out;
  for (auto& m : doc["members"].GetArray())
    if (m.HasMember("state") && m["state"].IsString() && std::string{m["state"].GetString()} == "up")
      ++out.members_up;
  for (auto& node : doc["nodes"].GetArray()) {
    if (!node.HasMember("name") || n.name != node["name"].GetString())
      continue;
    auto& cmds = node["commands"];
    if (cmds.IsObject() && cmds.HasMember("total") && cmds["total"].IsNumber())
      out.commands = cmds["total"].GetDouble();
  }
  return out;
}

/// The cluster's certificates for n1..n3 under `dir`/certs.
std::string make_certs(const temp_dir& dir) {
  auto certs = dir.file("certs");
  REQUIRE(run({LASTGRAM_BINARY, "cluster", "make-certs", certs, "--names", "n1,n2,n3"}, "")
            .exit_code
          == 0);
  return certs;
}

/// Every node's stderr, for failure messages.
std::string logs_of(const std::vector<cluster_node>& nodes) {
  std::string out;
  for (auto& n : nodes)
    out += n.name + ":\n" + n.proc->err() + "\n";
  return out;
}

/// Waits until every node's /diag lists all of them up.
bool all_up(const std::vector<cluster_node>& nodes) {
  return eventually(
    [&] {
      for (auto& n : nodes)
        if (diag_of(n).members_up != static_cast<int>(nodes.size()))
          return false;
      return true;
    },
    30s);
}

/// Checks, through /diag, that every node ran some of at least `total`
/// commands.
void check_ran_everywhere(const std::vector<cluster_node>& nodes, double total) {
  std::map<std::string, double> ran;
  CHECK(eventually(
    [&] {
      double sum = 0;
      for (auto& n : nodes) {
        ran[n.name] = diag_of(n).commands;
        sum += ran[n.name];
      }
      return sum >= total;
    },
    10s));
  for (auto& n : nodes) {
    INFO(n.name << " ran " << ran[n.name]);
    CHECK(ran[n.name] > 0);
  }
}

} // namespace

TEST_CASE("three nodes share the commands, survive a killed member and move the poller",
          "[cluster][e2e][postgres]") {
  temp_dir dir;
  auto certs = make_certs(dir);
  pg_schema db;
  fake_bot_api api{token};
  std::vector<cluster_node> nodes(3);
  nodes[0].name = "n1";
  nodes[1].name = "n2";
  nodes[2].name = "n3";
  // Polled updates live in the shared inbox while they run: those of a
  // killed poller are taken over once their claim lapses, so a short lease
  // keeps the takeover within the test's deadlines.
  const std::vector<std::string> lease{"--set", "telegram.inbox-lease-seconds=3"};
  start(nodes[0], dir, certs, "", api, db, true, lease);
  start(nodes[1], dir, certs, nodes[0].endpoint(), api, db, true, lease);
  start(nodes[2], dir, certs, nodes[0].endpoint(), api, db, true, lease);
  // The logs as they are when the wait fails (an INFO here would keep them
  // as they were before it).
  if (!all_up(nodes))
    FAIL("the three nodes did not all see each other up\n" << logs_of(nodes));
  // The poller: the member with the smallest endpoint (every node can poll).
  std::size_t poller = 0;
  for (std::size_t i = 1; i < nodes.size(); ++i)
    if (nodes[i].endpoint() < nodes[poller].endpoint())
      poller = i;

  // 1. Sixty chats' commands: each answered once, run on all three nodes.
  std::int64_t next_update = 1;
  auto chat_of = [](std::int64_t update) { return 500000 + update; };
  for (int i = 0; i < 60; ++i, ++next_update)
    api.add_update(next_update, private_update(next_update, chat_of(next_update), "/start"));
  auto answered_once = [&](std::int64_t from, std::int64_t to) {
    for (auto u = from; u < to; ++u)
      if (api.sends_to(chat_of(u)).size() != 1)
        return false;
    return true;
  };
  CHECK(eventually([&] { return answered_once(1, next_update); }, 30s));
  check_ran_everywhere(nodes, 60);
  // On PostgreSQL, each node loaded the PostgreSQL module (and libpq with it).
  for (auto& n : nodes) {
    INFO(n.name);
    CHECK(maps_of(n.proc->pid()).find("liblastgram_pg.so") != std::string::npos);
  }
  // attach --once --json on each node: every member, and every member's
  // engines (the thirteen of them, lyrics, image and indexer included).
  for (auto& n : nodes) {
    auto view = attach_to(n);
    INFO("attach to " << n.name);
    CHECK(view.exit_code == 0);
    CHECK(view.members == 3);
    REQUIRE(view.engines_by_node.size() == 3);
    for (auto& [name, engines] : view.engines_by_node) {
      INFO(name);
      CHECK(engines == 13);
    }
  }

  // 2. A stream of commands while a member that does not poll is killed:
  // the runs it held come back to the poller's node, nobody gets two replies.
  auto victim = (poller + 1) % nodes.size();
  auto stream_from = next_update;
  for (int i = 0; i < 80; ++i, ++next_update) {
    api.add_update(next_update, private_update(next_update, chat_of(next_update), "/start"));
    if (i == 20)
      nodes[victim].proc->signal(SIGKILL);
    // Pacing the load, not waiting for an outcome: a stream, so that the
    // kill lands in its middle.
    std::this_thread::sleep_for(25ms);
  }
  auto survivor = 3 - poller - victim;
  // Down within 5 s on both survivors.
  CHECK(eventually([&] { return diag_of(nodes[poller]).members_up == 2; }, 5s));
  CHECK(eventually([&] { return diag_of(nodes[survivor]).members_up == 2; }, 5s));
  CHECK(eventually([&] { return answered_once(stream_from, next_update); }, 30s));
  for (auto u = stream_from; u < next_update; ++u) {
    INFO("update " << u);
    CHECK(api.sends_to(chat_of(u)).size() == 1);
  }

  // 3. The poller dies while commands it fetched still run (two-second
  // /debug sleeps, placed on both survivors): the survivor takes polling over
  // within 10 s and answers new updates once; the fetched ones, kept in the
  // shared inbox, are taken over when the dead poller's claims lapse and
  // answered once; nothing is answered twice.
  auto slow_from = next_update;
  for (int i = 0; i < 10; ++i, ++next_update)
    api.add_update(next_update,
                   private_update(next_update, chat_of(next_update), "/debug sleep 2000"));
  // Fetched and running (the poller polls with a 1 s timeout).
  CHECK(eventually(
    [&] {
      for (auto& c : api.calls("getUpdates"))
        if (json_string(c.body, "offset") == std::to_string(next_update))
          return true;
      return false;
    },
    10s));
  // Setting the scene, not waiting for an outcome: a moment for the fetched
  // runs to be placed before the kill. What follows holds either way (each
  // is answered exactly once whether the kill finds it placed or not).
  std::this_thread::sleep_for(300ms);
  nodes[poller].proc->signal(SIGKILL);
  auto late_from = next_update;
  for (int i = 0; i < 10; ++i, ++next_update)
    api.add_update(next_update, private_update(next_update, chat_of(next_update), "/start"));
  CHECK(eventually([&] { return answered_once(late_from, next_update); }, 15s));
  CHECK(eventually([&] { return answered_once(slow_from, late_from); }, 20s));
  // A marker for "nothing answered twice": a sleep as long as the slow runs,
  // started after all of them. Once it has answered, every slow run started
  // before the kill has ended, and its second answer, if any, has come.
  auto marker = next_update++;
  api.add_update(marker, private_update(marker, chat_of(marker), "/debug sleep 2000"));
  CHECK(eventually([&] { return api.sends_to(chat_of(marker)).size() == 1; }, 20s));
  for (auto u = slow_from; u < next_update; ++u) {
    INFO("update " << u);
    CHECK(api.sends_to(chat_of(u)).size() == 1);
  }
  CHECK(answered_once(1, next_update));
  CHECK(diag_of(nodes[survivor]).members_up == 1);
  nodes[survivor].proc->signal(SIGTERM);
  CHECK(nodes[survivor].proc->wait(20s) == 0);
}

TEST_CASE("webhook updates into one node run on all three", "[cluster][e2e][postgres]") {
  temp_dir dir;
  auto certs = make_certs(dir);
  pg_schema db;
  fake_bot_api api{token};
  std::vector<cluster_node> nodes(3);
  nodes[0].name = "n1";
  nodes[1].name = "n2";
  nodes[2].name = "n3";
  // Only n1 is a Telegram bot (in webhook mode); n2 and n3 just run commands.
  start(nodes[0], dir, certs, "", api, db, true,
        {"--set", "telegram.mode=webhook", "--set", "telegram.webhook-path=hook"});
  start(nodes[1], dir, certs, nodes[0].endpoint(), api, db, false);
  start(nodes[2], dir, certs, nodes[0].endpoint(), api, db, false);
  // The logs as they are when the wait fails (an INFO here would keep them
  // as they were before it).
  if (!all_up(nodes))
    FAIL("the three nodes did not all see each other up\n" << logs_of(nodes));
  REQUIRE(eventually([&] { return !api.calls("getMe").empty(); }, 10s));
  // The bot has processed getMe's answer (it logs "connected").
  REQUIRE(nodes[0].proc->wait_for_output("event=connected", 10s, true));
  for (std::int64_t u = 1; u <= 60; ++u) {
    auto body = private_update(u, 700000 + u, "/start");
    auto reply = http_exchange(nodes[0].http_port,
                               http_request_text("POST", "/telegram/hook", body,
                                                 {{"Content-Type", "application/json"},
                                                  {"X-Telegram-Bot-Api-Secret-Token", secret}}));
    REQUIRE(reply);
    CHECK(reply->status == 200);
  }
  CHECK(eventually(
    [&] {
      for (std::int64_t u = 1; u <= 60; ++u)
        if (api.sends_to(700000 + u).size() != 1)
          return false;
      return true;
    },
    30s));
  check_ran_everywhere(nodes, 60);
}
