// Two nodes' worth of engines (each a caching engine, an fm engine and an
// indexer) sharing one redis-server: the libraries they index in the
// background and the interactive calls beside them never push the calls
// Last.fm sees above the configured rate in any one-second window.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/all.hpp"

#include "actors/caching/engine.hpp"
#include "actors/database/store.hpp"
#include "actors/fm/engine.hpp"
#include "actors/indexer/engine.hpp"
#include "actors/test_db.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "platforms/net/http_client.hpp"
#include "support/eventually.hpp"
#include "support/fake_lastfm.hpp"
#include "support/fake_library.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"

using namespace lastgram;
using namespace std::chrono_literals;
using test::eventually;

namespace {

constexpr std::int64_t rate = 10;

/// One node's engines; its own database, the shared Redis.
struct node {
  test::test_db db{database::backend_kind::sqlite};
  database::store store{db.open()};
  cache_actor cache;
  fm_actor fm;
  indexer_actor indexer;

  node(caf::scoped_actor& self, std::shared_ptr<net::http_client> http, const std::string& api,
       const std::string& redis) {
    cache_settings cs;
    cs.redis_url = redis;
    cs.redis_timeout_ms = 1000;
    cache = caching::spawn_engine(self.ptr(), cs, nullptr);
    lastfm_settings s;
    s.api_url = api;
    s.api_key = "test-api-key-0123";
    s.api_secret = "test-api-secret-0123";
    s.rate_per_second = rate;
    s.queue_limit = 1000;
    s.deadline_ms = 60000;
    s.background_deadline_ms = 60000;
    s.max_retries = 0;
    auto c = cache;
    fm = fm::spawn_engine(self.ptr(), s, std::move(http), [c] { return c; }, true);
    auto opts = std::make_shared<indexer::indexer_options>();
    opts->settings.page_size = 200;
    opts->settings.album_depth = 200;
    opts->settings.track_depth = 200;
    opts->settings.corrections_per_library = 2;
    opts->settings.scan_seconds = 3600;
    opts->database = db.settings();
    auto f = fm;
    opts->fm = [f] { return f; };
    opts->fm_timeout = 90s;
    indexer = indexer::spawn_engine(self.ptr(), opts);
  }

  void stop() {
    for (auto hdl : {caf::actor_cast<caf::actor>(indexer), caf::actor_cast<caf::actor>(fm),
                     caf::actor_cast<caf::actor>(cache)})
      caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
  }
};

} // namespace

TEST_CASE("two nodes sharing redis keep indexing plus interactive calls within the rate",
          "[indexer][redis][slow]") {
  test::fake_lastfm fake;
  test::fake_library_set libraries;
  for (const char* user : {"one", "two", "three", "four"}) {
    test::library_spec spec;
    spec.user = user;
    spec.artists = 600; // 3 pages of 200
    spec.albums = 10;
    spec.tracks = 10;
    libraries.add(spec);
  }
  libraries.serve(fake);
  test::redis_server redis{test::free_port()};
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.add_message_types<caf::id_block::lastgram>();
  add_error_categories(cfg);
  caf::actor_system sys{cfg};
  auto http = std::make_shared<net::http_client>(net::http_client::options{});
  {
    caf::scoped_actor self{sys};
    node a{self, http, fake.url(), redis.url()};
    node b{self, http, fake.url(), redis.url()};
    std::vector<std::pair<node*, std::int64_t>> users;
    int n = 0;
    for (auto [who, name] : {std::pair{&a, "one"}, std::pair{&a, "two"}, std::pair{&b, "three"},
                             std::pair{&b, "four"}}) {
      auto u = who->store.register_user(platform_kind::telegram, std::to_string(++n), name, name);
      REQUIRE(u);
      users.emplace_back(who, u->id);
      self->send(who->indexer, index_user_atom::value, u->id, std::string{name});
    }
    // Interactive calls on both nodes while they index: distinct users, so
    // neither coalescing nor the cache saves a call.
    using handle_t = decltype(self->request(a.fm, 60s, fm_user_atom::value, std::string{}));
    std::vector<handle_t> asked;
    for (int i = 0; i < 15; ++i)
      for (auto* who : {&a, &b})
        asked.push_back(self->request(who->fm, 60s, fm_user_atom::value,
                                      "listener" + std::to_string(asked.size())));
    int answered = 0;
    for (auto& h : asked)
      h.receive([&](const fm::user_info&) { ++answered; },
                [](caf::error& err) { FAIL(to_string(err)); });
    CHECK(answered == 30);
    REQUIRE(eventually(
      [&] {
        for (auto& [who, id] : users) {
          auto s = who->store.get_index_state(id);
          if (!s || s->status != index_status::done)
            return false;
        }
        return true;
      },
      60s));
    for (auto& [who, id] : users)
      CHECK(who->store.count_user_plays(id, entity_kind::artist).value() == 600);
    a.stop();
    b.stop();
  }
  http->shutdown();
  // 4 libraries of 3 artist pages; a profile each beside 30 interactive
  // user.getInfo calls.
  CHECK(fake.calls("user.getTopArtists") == 12);
  CHECK(fake.calls("user.getInfo") == 4 + 30);
  // One token a 1/rate s across the cluster, plus one burst token: each
  // node alone could send `rate` a second, so two unshared would reach 2x.
  CHECK(fake.max_calls_per_second() <= rate + 1);
}
