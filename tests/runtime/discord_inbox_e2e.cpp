// Gateway interactions survive kill -9 (issue 15 for Discord): the node
// stores each slash command in the durable inbox before handling it. A
// burst over the fake gateway: quick commands (answered at once and done),
// slow ones (deferred, so acknowledged, and still running), and a last few
// recorded but not yet acknowledged; then kill -9 and a restart on the same
// database. Every acknowledged interaction is answered exactly once (its
// @original edited by the restarted node), none twice, and the never
// acknowledged ones, which Discord dropped after 3 s, are marked done and
// counted as expired, not answered.

#include <catch2/catch.hpp>

#include <csignal>
#include <map>
#include <string>

#include <rapidjson/document.h>

#include "support/build_paths.hpp"
#include "actors/database/store.hpp"
#include "support/eventually.hpp"
#include "support/fake_discord_rest.hpp"
#include "support/fake_gateway.hpp"
#include "support/fake_lastfm.hpp"
#include "support/process.hpp"

using namespace lastgram::test;
using namespace std::chrono_literals;

namespace {

const std::string token = "fake-gateway-token";

/// Quick interactions (even n), slow ones (odd n), and the unacknowledged
/// ones sent last.
constexpr int burst = 12;
const std::vector<int> late{21, 22, 23};

bool slow(int n) { return n % 2 == 1 || n > burst; }

std::string user_of(int n) { return std::to_string(7000 + n); }

/// A slash command in a DM of its own (its own chat, so the slow ones run
/// side by side), interaction id 9000+n, token tok<n>.
std::string slash(int n) {
  std::string options = slow(n) ? R"([{"type":3,"name":"action","value":"sleep"},)"
                                  R"({"type":4,"name":"milliseconds","value":9000}])"
                                : "[]";
  return "{\"type\":2,\"id\":\"" + std::to_string(9000 + n)
         + "\",\"application_id\":\"1234\",\"token\":\"tok" + std::to_string(n)
         + "\",\"channel_id\":\"" + std::to_string(50000 + n)
         + "\",\"locale\":\"en-US\",\"user\":{\"id\":\"" + user_of(n) + "\",\"username\":\"u"
         + user_of(n) + "\"},\"data\":{\"type\":1,\"id\":\"77\",\"name\":\""
         + (slow(n) ? "debug" : "start") + "\",\"options\":" + options + "}}";
}

std::string callback_path(int n) {
  return "/interactions/" + std::to_string(9000 + n) + "/tok" + std::to_string(n) + "/callback";
}

std::string original_path(int n) {
  return "/webhooks/1234/tok" + std::to_string(n) + "/messages/@original";
}

/// Requests the fake Discord REST received, by path.
struct sent {
  std::map<std::string, int> by_path;
  int invalid = 0;
};

sent sent_of(const fake_discord_rest& api) {
  rapidjson::Document d;
  auto text = api.requests_json();
  d.Parse(text.c_str());
  sent out;
  if (!d.IsArray())
    return out;
  for (const auto& r : d.GetArray()) {
    std::string path = r["path"].GetString();
    ++out.by_path[path];
    if (!r["valid"].GetBool())
      ++out.invalid;
  }
  return out;
}

int count(const sent& s, const std::string& path) {
  auto it = s.by_path.find(path);
  return it == s.by_path.end() ? 0 : it->second;
}

/// The inbox's unfinished Discord rows: interaction id -> acknowledged.
std::map<std::string, bool> unfinished(const temp_dir& dir) {
  lastgram::database_settings cfg;
  cfg.path = dir.file("data/db.sqlite3");
  auto db = lastgram::database::store::open(cfg);
  if (!db)
    return {{"unreadable", false}};
  auto rows = db->inbox_unfinished(lastgram::platform_kind::discord);
  if (!rows)
    return {{"unreadable", false}};
  std::map<std::string, bool> out;
  for (const auto& e : rows.value())
    out[e.update_id] = e.replied;
  return out;
}

std::string id_of(int n) { return std::to_string(9000 + n); }

struct gateway_node {
  std::unique_ptr<child_process> proc;
  unsigned short port = free_port();

  gateway_node(const temp_dir& dir, const fake_gateway& gateway, const fake_discord_rest& api,
               const fake_lastfm& fm) {
    std::string developers;
    for (int n = 1; n <= 30; ++n)
      developers += (n > 1 ? "," : "") + std::string{"discord:"} + user_of(n);
    proc = std::make_unique<child_process>(
      std::vector<std::string>{
        LASTGRAM_BINARY, "run", "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
        "--set", "server.address=127.0.0.1", "--set", "server.port=" + std::to_string(port),
        "--set", "node.data-dir=" + dir.file("data"), "--set",
        "database.path=" + dir.file("data/db.sqlite3"), "--set", "lastfm.api-url=" + fm.url(),
        "--set", "indexer.enabled=false", "--set", "discord.mode=gateway", "--set",
        "discord.gateway-url=" + gateway.url(), "--set", "discord.shards=1", "--set",
        "discord.api-url=" + api.url(), "--set", "discord.inbox-lease-seconds=2", "--set",
        "node.developers=" + developers},
      std::vector<std::string>{"LASTGRAM_DISCORD_TOKEN=" + token,
                               "LASTGRAM_LASTFM_API_KEY=0123456789abcdef0123456789abcdef",
                               "LASTGRAM_LASTFM_API_SECRET=fedcba9876543210fedcba9876543210"});
  }

  ~gateway_node() {
    proc->signal(SIGTERM);
    proc->wait(15s);
  }

  /// Identified on a new connection of the fake gateway.
  bool identified(const fake_gateway& gateway, std::size_t identifies) {
    if (eventually([&] { return gateway.received(2).size() >= identifies; }, 20s))
      return true;
    UNSCOPED_INFO("node stderr:\n" << proc->err());
    return false;
  }
};

} // namespace

TEST_CASE("gateway: every acknowledged interaction is answered exactly once across a kill -9",
          "[e2e][discord][gateway][inbox]") {
  fake_discord_rest api{token};
  fake_gateway gateway;
  fake_lastfm fm;
  temp_dir dir;
  {
    gateway_node node{dir, gateway, api, fm};
    REQUIRE(node.identified(gateway, 1));
    REQUIRE(eventually([&] { return !gateway.session_id().empty(); }, 10s));
    for (int n = 1; n <= burst; ++n)
      gateway.send_dispatch("INTERACTION_CREATE", slash(n));
    // Quick ones answered in their callback and done; slow ones deferred
    // (their callback went) and still sleeping, acknowledged in the inbox.
    auto settled = [&] {
      auto s = sent_of(api);
      for (int n = 1; n <= burst; ++n)
        if (count(s, callback_path(n)) != 1)
          return false;
      auto rows = unfinished(dir);
      if (rows.size() != burst / 2)
        return false;
      for (int n = 1; n <= burst; n += 2)
        if (rows.count(id_of(n)) == 0 || !rows[id_of(n)])
          return false;
      return true;
    };
    INFO("node stderr:\n" << node.proc->err());
    REQUIRE(eventually(settled, 15s, 20ms));
    // The last ones are stored but not acknowledged yet (deferral comes at 2 s).
    for (int n : late)
      gateway.send_dispatch("INTERACTION_CREATE", slash(n));
    auto recorded = [&] {
      auto rows = unfinished(dir);
      for (int n : late)
        if (rows.count(id_of(n)) == 0)
          return false;
      return true;
    };
    REQUIRE(eventually(recorded, 1500ms, 10ms));
    node.proc->signal(SIGKILL);
    CHECK(node.proc->wait(10s) == 128 + SIGKILL);
  }
  auto before = sent_of(api);
  for (int n = 1; n <= burst; ++n)
    CHECK(count(before, original_path(n)) == 0); // nobody finished yet
  for (int n : late)
    CHECK(count(before, callback_path(n)) == 0); // killed before the deferral
  {
    gateway_node again{dir, gateway, api, fm};
    REQUIRE(again.identified(gateway, 2));
    auto answered_once = [&] {
      auto s = sent_of(api);
      for (int n = 1; n <= burst; ++n) {
        if (count(s, callback_path(n)) != 1)
          return false;
        if (count(s, original_path(n)) != (slow(n) ? 1 : 0))
          return false;
      }
      for (int n : late)
        if (count(s, callback_path(n)) + count(s, original_path(n)) != 0)
          return false;
      return true;
    };
    INFO("node stderr:\n" << again.proc->err());
    CHECK(eventually(answered_once, 30s, 50ms));
    CHECK(eventually([&] { return unfinished(dir).empty(); }, 10s));
    CHECK(holds_for(answered_once, 1500ms));
    auto s = sent_of(api);
    CHECK(s.invalid == 0);
    CHECK(again.proc->err().find("handling a taken-over interaction") != std::string::npos);
    auto metrics = http_get(again.port, "/metrics").body;
    CHECK(metrics.find("lastgram_discord_inbox_expired_total{reason=\"unacknowledged\"} 3")
          != std::string::npos);
    CHECK(metrics.find("lastgram_inbox_recovered_total{platform=\"discord\"} 9")
          != std::string::npos);
  }
}
