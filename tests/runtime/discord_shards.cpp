// Discord gateway shards as cluster singletons: where the ring places each
// shard (deterministic, every shard exactly once, shards move only when
// they must), which shards a node runs from its roster, and the slot that
// starts a shard it gained and closes one it lost, against the fake gateway.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>

#include "caf/all.hpp"

#include "actors/cluster/placement.hpp"
#include "actors/cluster/roster.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/multiplatform/discord_gateway.hpp"
#include "actors/test_config.hpp"
#include "platforms/discord/gateway_socket.hpp"
#include "support/eventually.hpp"
#include "support/fake_gateway.hpp"

using namespace lastgram;
using namespace std::chrono_literals;
using lastgram::test::eventually;
using lastgram::test::holds_for;

namespace {

constexpr std::string_view prefix = "discord-shard-";

/// `m` endpoints on loopback with ports drawn from `rng`, all different.
std::vector<std::string> endpoints(std::mt19937& rng, std::size_t m) {
  std::set<std::string> out;
  std::uniform_int_distribution<int> port{1024, 65535};
  while (out.size() < m)
    out.insert("127.0.0.1:" + std::to_string(port(rng)));
  auto v = std::vector<std::string>{out.begin(), out.end()};
  std::shuffle(v.begin(), v.end(), rng);
  return v;
}

/// The owner of each shard by endpoint rather than by index.
std::vector<std::string> owners(const std::vector<std::string>& members, std::int32_t count) {
  std::vector<std::string> out;
  for (auto i : cluster::assign_shards(members, count, prefix)) {
    REQUIRE(i < members.size());
    out.push_back(members[i]);
  }
  return out;
}

cluster_member member(const std::string& endpoint, bool self, std::vector<std::string> roles,
                      member_state state = member_state::up) {
  cluster_member m;
  m.name = endpoint;
  m.endpoint = endpoint;
  m.roles = std::move(roles);
  m.state = state;
  m.self = self;
  return m;
}

} // namespace

TEST_CASE("shard assignment: deterministic, every shard exactly once, whatever the order",
          "[discord][cluster][shards]") {
  std::mt19937 rng{7};
  for (int trial = 0; trial < 200; ++trial) {
    auto members = endpoints(rng, 1 + trial % 5);
    std::int32_t count = 1 + trial % 16;
    auto first = owners(members, count);
    REQUIRE(first.size() == static_cast<std::size_t>(count));
    // Every node computes it from its own copy of the roster, in its order.
    auto shuffled = members;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    CHECK(owners(shuffled, count) == first);
    CHECK(owners(members, count) == first);
  }
  CHECK(cluster::assign_shards({}, 4, prefix).empty());
  CHECK(cluster::assign_shards({"127.0.0.1:1"}, 0, prefix).empty());
  // One member runs everything, as a node without a cluster does.
  CHECK(owners({"127.0.0.1:4280"}, 8) == std::vector<std::string>(8, "127.0.0.1:4280"));
}

TEST_CASE("shard assignment: a member leaving moves only its shards, one joining takes only "
          "what it gets",
          "[discord][cluster][shards]") {
  std::mt19937 rng{11};
  std::int64_t gained_by_newcomers = 0;
  std::int64_t offered = 0;
  for (int trial = 0; trial < 300; ++trial) {
    auto members = endpoints(rng, 2 + trial % 4);
    std::int32_t count = 1 + trial % 16;
    auto before = owners(members, count);
    // A member dies: its shards, and only those, move (to survivors).
    auto dead = members[static_cast<std::size_t>(trial) % members.size()];
    auto rest = members;
    rest.erase(std::find(rest.begin(), rest.end(), dead));
    auto after = owners(rest, count);
    for (std::int32_t k = 0; k < count; ++k) {
      INFO("trial " << trial << " shard " << k);
      if (before[k] == dead)
        CHECK(after[k] != dead);
      else
        CHECK(after[k] == before[k]);
    }
    // A member joins: a shard either stays or goes to the newcomer.
    auto joined = members;
    std::string newcomer;
    do
      newcomer = endpoints(rng, 1).front();
    while (std::find(members.begin(), members.end(), newcomer) != members.end());
    joined.push_back(newcomer);
    auto grown = owners(joined, count);
    for (std::int32_t k = 0; k < count; ++k) {
      INFO("trial " << trial << " shard " << k);
      CHECK((grown[k] == before[k] || grown[k] == newcomer));
      gained_by_newcomers += grown[k] == newcomer ? 1 : 0;
    }
    offered += count;
  }
  // Not a degenerate ring that never gives a newcomer anything: over the
  // trials newcomers got about their share (1/3 to 1/6 of the shards), well
  // above a tenth.
  CHECK(gained_by_newcomers > 0);
  CHECK(gained_by_newcomers * 10 > offered);
}

TEST_CASE("shard placement: a node runs the shards the ring gives it among live members with "
          "the role",
          "[discord][cluster][shards]") {
  auto roster = std::make_shared<cluster::roster>();
  cluster::shard_placement places{roster, "discord", std::string{prefix}, 6};
  auto mine = [&] {
    std::vector<std::int32_t> out;
    for (std::int32_t k = 0; k < 6; ++k)
      if (places.runs_here(k))
        out.push_back(k);
    return out;
  };
  auto expected = [&](const std::vector<std::string>& members, const std::string& self) {
    std::vector<std::int32_t> out;
    auto o = owners(members, 6);
    for (std::int32_t k = 0; k < 6; ++k)
      if (o[k] == self)
        out.push_back(k);
    return out;
  };
  const std::string a = "127.0.0.1:5001", b = "127.0.0.1:5002", c = "127.0.0.1:5003";
  // Before the membership publishes: nothing.
  CHECK(mine().empty());
  // Alone: everything.
  roster->update({member(a, true, {"commands", "discord"})});
  CHECK(mine() == std::vector<std::int32_t>{0, 1, 2, 3, 4, 5});
  // A member without the role takes nothing; one with it takes its share.
  roster->update({member(a, true, {"commands", "discord"}), member(b, false, {"commands"}),
                  member(c, false, {"discord"})});
  CHECK(mine() == expected({a, c}, a));
  // A suspect member keeps its shards; a down one loses them to us.
  roster->update({member(a, true, {"discord"}), member(c, false, {"discord"}, member_state::suspect)});
  CHECK(mine() == expected({a, c}, a));
  roster->update({member(a, true, {"discord"}), member(c, false, {"discord"}, member_state::down)});
  CHECK(mine() == std::vector<std::int32_t>{0, 1, 2, 3, 4, 5});
  // Without the role this node runs none.
  roster->update({member(a, true, {"commands"}), member(c, false, {"discord"})});
  CHECK(mine().empty());
  CHECK_FALSE(places.runs_here(-1));
  CHECK_FALSE(places.runs_here(6));
}

TEST_CASE("shard slot: starts the shard once owned for the settle time, closes it with 1000 "
          "when lost",
          "[discord][cluster][shards]") {
  test::fake_gateway gateway;
  // Shared and outliving the shards, as the node's is: a shard's own would
  // go with it and abort the connection instead of closing it.
  auto transport = std::make_shared<discord::gateway::socket_transport>(
    discord::gateway::socket_transport::options{});
  test::test_config cfg;
  caf::actor_system sys{cfg};
  auto owned = std::make_shared<std::atomic<bool>>(false);
  auto shard = std::make_shared<multiplatform::gateway_shard_options>();
  shard->shard.url = gateway.url();
  shard->shard.token = "fake-gateway-token";
  shard->shard.shard_id = 0;
  shard->shard.shard_count = 1;
  shard->transport = transport;
  shard->jitter = [] { return 0.5; };
  auto opts = std::make_shared<multiplatform::shard_slot_options>();
  opts->shard = shard;
  // A flap: owned for the slot's next `flap` checks only, then as `owned`.
  auto flap = std::make_shared<std::atomic<int>>(0);
  opts->runs_here = [owned, flap] {
    for (int left = flap->load(); left > 0;)
      if (flap->compare_exchange_weak(left, left - 1))
        return true;
    return owned->load();
  };
  opts->settle = 400ms;
  opts->first_settle = 400ms;
  opts->check_every = 20ms;
  auto slot = multiplatform::spawn_shard_slot(sys, opts);
  auto running = metrics::get_gauge("lastgram_discord_gateway_shard_running", "", {{"shard", "0"}});
  auto state = [&] {
    caf::scoped_actor self{sys};
    std::string out;
    self->request(slot, 2s, stats_atom::value)
      .receive([&](discord::gateway_shard_stats& s) { out = s.state; },
               [&](caf::error& e) { out = "error: " + sys.render(e); });
    return out;
  };

  // Another member owns it: no connection, and the slot says so.
  CHECK(holds_for([&] { return gateway.connections() == 0; }, 600ms));
  CHECK(state() == "elsewhere");
  CHECK(running.value() == 0);

  // Gained: it identifies, but not before the settle time.
  auto gained = std::chrono::steady_clock::now();
  owned->store(true);
  REQUIRE(eventually([&] { return gateway.received(2).size() == 1; }, 5s));
  CHECK(std::chrono::steady_clock::now() - gained >= 400ms);
  REQUIRE(eventually([&] { return state() == "ready"; }, 5s));
  CHECK(running.value() == 1);

  // Lost: closed at once with 1000 (the session ends), nothing reconnects.
  owned->store(false);
  REQUIRE(eventually([&] { return gateway.close_codes() == std::vector<int>{1000}; }, 5s));
  CHECK(state() == "elsewhere");
  CHECK(running.value() == 0);
  CHECK(holds_for([&] { return gateway.connections() == 1; }, 600ms));

  // Owned again only briefly (two checks, 20 ms apart): the settle time
  // filters the flap out.
  flap->store(2);
  REQUIRE(eventually([&] { return flap->load() == 0; }, 5s));
  CHECK(holds_for([&] { return gateway.connections() == 1; }, 600ms));

  // Gained for good: a fresh Identify (a new session, not a Resume).
  owned->store(true);
  REQUIRE(eventually([&] { return gateway.received(2).size() == 2; }, 5s));
  CHECK(gateway.received(6).empty());
  CHECK(gateway.problems().empty());
  caf::anon_send(slot, shutdown_atom::value);
  CHECK(eventually([&] { return gateway.close_codes().size() == 2; }, 5s));
  CHECK(gateway.close_codes().back() == 1000);
}
