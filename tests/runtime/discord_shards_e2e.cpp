// Discord gateway shards as cluster singletons, end to end: two `lastgram`
// processes in a loopback cluster, each with its own fake gateway (so that
// an Identify tells which node sent it), four shards. The first node alone
// runs all four; when the second joins, the shards the ring gives it move
// (closed with 1000 on the first, identified on the second, never open on
// both); each shard then runs on the node the ring names, and since the
// join each shard's Identify came from that node only. After a kill -9 of
// the first node the survivor identifies its shards within the detection
// time plus a margin.

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <map>
#include <set>

#include <rapidjson/document.h>

#include "support/build_paths.hpp"
#include "actors/cluster/placement.hpp"
#include "cluster_node.hpp"
#include "support/eventually.hpp"
#include "support/fake_gateway.hpp"
#include "support/http_probe.hpp"
#include "support/process.hpp"
#include "support/test_http_server.hpp"

using namespace lastgram::test;
using namespace std::chrono_literals;

namespace {

const std::string token = "fake-gateway-token";
constexpr std::int32_t shards = 4;

/// Starts `n` as a gateway node of four shards on `gateway`, joining
/// through `seed` (none: the first member).
void start(cluster_node& n, const temp_dir& dir, const fake_gateway& gateway,
           const test_http_server& api, const std::string& seed) {
  std::vector<std::string> args{
    LASTGRAM_BINARY, "run", "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
    "--set", "console.enabled=off", "--set", "node.name=" + n.name,
    "--set", "node.data-dir=" + dir.file(n.name),
    "--set", "database.path=" + dir.file(n.name + ".sqlite3"),
    "--set", "server.address=127.0.0.1", "--set", "server.port=" + std::to_string(n.http_port),
    "--set", "indexer.enabled=false", "--set", "discord.mode=gateway",
    "--set", "discord.gateway-url=" + gateway.url(),
    "--set", "discord.shards=" + std::to_string(shards),
    "--set", "discord.api-url=" + api.url("/api/v10"),
    "--set", "cluster.enabled=true", "--set", "cluster.address=127.0.0.1",
    "--set", "cluster.port=" + std::to_string(n.cluster_port)};
  if (!seed.empty()) {
    args.push_back("--set");
    args.push_back("cluster.seeds=" + seed);
  }
  n.proc = std::make_unique<child_process>(
    args, std::vector<std::string>{"LASTGRAM_DISCORD_TOKEN=" + token,
                                   "LASTGRAM_LASTFM_API_KEY=0123456789abcdef0123456789abcdef",
                                   "LASTGRAM_LASTFM_API_SECRET=fedcba9876543210fedcba9876543210"});
}

/// lastgram_discord_gateway_shard_running{shard} from a node's /metrics:
/// the shards it says it runs.
std::vector<std::int32_t> running(const cluster_node& n) {
  auto reply = http_get(n.http_port, "/metrics");
  std::vector<std::int32_t> out;
  for (std::int32_t k = 0; k < shards; ++k) {
    auto line = "lastgram_discord_gateway_shard_running{shard=\"" + std::to_string(k) + "\"} 1";
    if (reply.body.find(line + "\n") != std::string::npos)
      out.push_back(k);
  }
  return out;
}

fake_gateway::options concurrent() {
  fake_gateway::options o;
  o.shard_count = shards;
  o.concurrent_shards = true;
  // Slow enough that a loaded machine (sanitizers, a parallel build) does
  // not miss ACKs and reconnect shards for reasons of its own.
  o.heartbeat_interval_ms = 1000;
  return o;
}

/// The shard ids of the Identify frames a gateway received from the
/// `from`-th on.
std::set<std::int32_t> identified(const fake_gateway& gateway, std::size_t from = 0) {
  std::set<std::int32_t> out;
  auto frames = gateway.received(2);
  for (std::size_t i = from; i < frames.size(); ++i) {
    rapidjson::Document d;
    d.Parse(frames[i].text.c_str());
    if (d.IsObject() && d.HasMember("d") && d["d"].HasMember("shard"))
      out.insert(d["d"]["shard"][0].GetInt());
  }
  return out;
}

std::vector<std::int32_t> all_shards() {
  std::vector<std::int32_t> out;
  for (std::int32_t k = 0; k < shards; ++k)
    out.push_back(k);
  return out;
}

} // namespace

TEST_CASE("gateway shards run once in a cluster: they move to a joining node and off a killed one",
          "[discord][cluster][e2e][shards]") {
  temp_dir dir;
  // GET /gateway/bot for a bot that may identify 16 shards at once, so that
  // the identify gate does not space a takeover by 5 s per shard.
  test_http_server api{[](const received_request& r) {
    canned_response out;
    if (r.target != "/api/v10/gateway/bot") {
      out.status = 404;
      return out;
    }
    out.headers.emplace_back("Content-Type", "application/json");
    out.body = R"({"url":"ws://127.0.0.1","shards":4,"session_start_limit":)"
               R"({"total":1000,"remaining":1000,"reset_after":0,"max_concurrency":16}})";
    return out;
  }};
  fake_gateway gw1{concurrent()};
  fake_gateway gw2{concurrent()};
  cluster_node n1, n2;
  n1.name = "n1";
  n2.name = "n2";
  // Both nodes must get shards for the handover to show: ports are drawn
  // until the ring (the same function the nodes use) splits the four.
  std::vector<std::size_t> owner;
  for (int tries = 0; tries < 50; ++tries) {
    owner = lastgram::cluster::assign_shards({n1.endpoint(), n2.endpoint()}, shards,
                                             "discord-shard-");
    if (std::count(owner.begin(), owner.end(), std::size_t{0}) > 0
        && std::count(owner.begin(), owner.end(), std::size_t{1}) > 0)
      break;
    n2.cluster_port = free_port();
  }
  std::vector<std::int32_t> on1, on2;
  for (std::int32_t k = 0; k < shards; ++k)
    (owner[static_cast<std::size_t>(k)] == 0 ? on1 : on2).push_back(k);
  REQUIRE_FALSE(on1.empty());
  REQUIRE_FALSE(on2.empty());
  INFO("n1 should run " << on1.size() << " shards, n2 " << on2.size());

  // 1. Alone, n1 runs every shard.
  start(n1, dir, gw1, api, "");
  // The nodes' logs, for a failure's message.
  auto expect = [&](bool ok, const char* what) {
    if (!ok)
      FAIL(what << "\nn1:\n" << n1.proc->err() << "\nn2:\n" << (n2.proc ? n2.proc->err() : ""));
  };
  expect(eventually([&] { return gw1.live_shards() == all_shards(); }, 60s),
         "n1 alone did not run every shard");
  CHECK(eventually([&] { return running(n1) == all_shards(); }, 5s));

  // 2. n2 joins: the shards the ring gives it close on n1 and identify on
  // n2, and no shard is ever open on both gateways.
  auto identifies_before = gw1.received(2).size();
  start(n2, dir, gw2, api, n1.endpoint());
  bool overlap = false;
  auto settled = [&] {
    auto a = gw1.live_shards(), b = gw2.live_shards();
    for (auto k : a)
      overlap = overlap || std::find(b.begin(), b.end(), k) != b.end();
    return a == on1 && b == on2;
  };
  expect(eventually(settled, 45s, 5ms), "the shards did not settle on the ring's owners");
  CHECK_FALSE(overlap);
  // Each shard n1 gave up was closed cleanly (the session ends), not dropped.
  auto normal_closes = [](const fake_gateway& gw) {
    auto codes = gw.close_codes();
    return std::count(codes.begin(), codes.end(), 1000);
  };
  CHECK(normal_closes(gw1) == static_cast<long>(on2.size()));
  // The placement holds (no shard moves back and forth) and both nodes'
  // gauges agree with it.
  CHECK(holds_for([&] { return settled() && !overlap; }, 2s));
  CHECK(eventually([&] { return running(n1) == on1 && running(n2) == on2; }, 5s));
  // Since the join, each shard identified on the node the ring names only.
  for (auto k : identified(gw1, identifies_before))
    CHECK(std::find(on1.begin(), on1.end(), k) != on1.end());
  CHECK(identified(gw2) == std::set<std::int32_t>(on2.begin(), on2.end()));
  CHECK(gw1.problems().empty());
  CHECK(gw2.problems().empty());

  // 3. kill -9 n1: the survivor identifies n1's shards, within the
  // detection time (a dropped connection: at once) plus the settle second.
  auto n2_identifies = gw2.received(2).size();
  auto killed = std::chrono::steady_clock::now();
  n1.proc->signal(SIGKILL);
  expect(eventually([&] { return gw2.live_shards() == all_shards(); }, 15s),
         "the survivor did not take the killed node's shards");
  auto took = std::chrono::steady_clock::now() - killed;
  CHECK(took < 10s);
  auto taken = identified(gw2, n2_identifies);
  for (auto k : on1)
    CHECK(taken.count(k) == 1);
  // n2 gave no shard up.
  CHECK(normal_closes(gw2) == 0);
  CHECK(eventually([&] { return running(n2) == all_shards(); }, 5s));
  CHECK(gw2.problems().empty());
  n2.proc->signal(SIGTERM);
  CHECK(n2.proc->wait(20s) == 0);
  CHECK_FALSE(n2.proc->err().find(token) != std::string::npos);
}
