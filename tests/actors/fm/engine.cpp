// The fm engine against the fake Last.fm on loopback: a real actor system, a
// real HTTP client and, where caching matters, a map-backed cache actor.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <algorithm>

#include "caf/all.hpp"

#include "actors/fm/engine.hpp"
#include "actors/logging/metrics.hpp"
#include "messages/cache.hpp"
#include "messages/errors.hpp"
#include "messages/fm_engine.hpp"
#include "messages/type_ids.hpp"
#include "platforms/net/http_client.hpp"
#include "support/fake_lastfm.hpp"
#include "support/metric_series.hpp"
#include "support/redis_server.hpp"

using namespace lastgram;
using namespace std::chrono_literals;
using test::fake_fault;
using test::fake_lastfm;
using test::eventually;

namespace {

// A cache_actor over a std::map, counting what the engine asks of it.
struct map_cache {
  std::mutex mtx;
  std::map<std::string, std::string> data;
  int gets = 0;
  int puts = 0;
  int buckets = 0;
};

cache_actor::behavior_type map_cache_impl(cache_actor::pointer,
                                          std::shared_ptr<map_cache> c) {
  return {
    [c](get_atom, const std::string& key) {
      std::lock_guard<std::mutex> guard{c->mtx};
      ++c->gets;
      auto i = c->data.find(key);
      return i == c->data.end() ? cache_value{} : cache_value{true, i->second};
    },
    [c](put_atom, const std::string& key, const std::string& value,
        std::int64_t) {
      std::lock_guard<std::mutex> guard{c->mtx};
      ++c->puts;
      c->data[key] = value;
      return true;
    },
    [c](erase_atom, const std::string& key) {
      std::lock_guard<std::mutex> guard{c->mtx};
      return c->data.erase(key) > 0;
    },
    [c](claim_atom, const std::string& key, const std::string& value,
        std::int64_t) {
      std::lock_guard<std::mutex> guard{c->mtx};
      return c->data.emplace(key, value).second;
    },
    [c](bucket_atom, const std::string&, double, std::int64_t) {
      std::lock_guard<std::mutex> guard{c->mtx};
      ++c->buckets;
      return std::int64_t{0};
    },
    [c](incr_atom, const std::string& key, std::int64_t) {
      std::lock_guard<std::mutex> guard{c->mtx};
      auto& v = c->data[key];
      v = std::to_string((v.empty() ? 0 : std::stoll(v)) + 1);
      return std::stoll(v);
    },
  };
}

template <class T>
struct answer {
  std::optional<T> value;
  caf::error error;

  std::optional<fm::fm_errc> code() const {
    return fm_code(error);
  }
};

template <class T, class Handle>
answer<T> await(Handle& handle) {
  answer<T> result;
  handle.receive([&](T& x) { result.value = std::move(x); },
                 [&](caf::error& err) { result.error = std::move(err); });
  return result;
}

double metric(const char* name) {
  return metrics::get_counter(name, "").value();
}

// Observations of lastgram_lastfm_call_duration_seconds{method}.
double durations_observed(std::string_view method) {
  return test::series_value("lastgram_lastfm_call_duration_seconds", "method", method)
    .value_or(0);
}

double calls_metric(std::string_view method, std::string_view outcome) {
  return metrics::get_counter("lastgram_lastfm_calls_total", "",
                              {{"method", method}, {"outcome", outcome}})
    .value();
}

// One actor system, HTTP client and fake per test; engines and caches it
// spawns are stopped before the system goes away.
struct env {
  fake_lastfm fake;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<net::http_client> http;
  std::unique_ptr<caf::scoped_actor> self;
  std::vector<caf::actor> spawned;

  env() {
    cfg.set("scheduler.max-threads", size_t{2});
    cfg.add_message_types<caf::id_block::lastgram>();
    sys = std::make_unique<caf::actor_system>(cfg);
    http = std::make_shared<net::http_client>(net::http_client::options{});
    self = std::make_unique<caf::scoped_actor>(*sys);
  }

  ~env() {
    for (auto& x : spawned)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    http->shutdown();
    self.reset();
  }

  lastfm_settings settings() const {
    lastfm_settings s;
    s.api_url = fake.url();
    s.api_key = "test-api-key-0123";
    s.api_secret = "test-api-secret-0123";
    s.rate_per_second = 1000;
    s.queue_limit = 1000;
    s.deadline_ms = 5000;
    s.request_timeout_ms = 2000;
    s.max_retries = 3;
    return s;
  }

  fm_actor engine(lastfm_settings s, cache_actor cache = {},
                  bool shared_bucket = false) {
    auto hdl = fm::spawn_engine(
      self->ptr(), std::move(s), http, [cache] { return cache; },
      shared_bucket);
    spawned.push_back(caf::actor_cast<caf::actor>(hdl));
    return hdl;
  }

  fm_actor engine() {
    return engine(settings());
  }

  cache_actor cache(std::shared_ptr<map_cache> c) {
    cache_actor hdl = sys->spawn(map_cache_impl, c);
    spawned.push_back(caf::actor_cast<caf::actor>(hdl));
    return hdl;
  }

  template <class T, class... Ts>
  answer<T> ask(const fm_actor& fm, Ts&&... xs) {
    auto handle = (*self)->request(fm, 20s, std::forward<Ts>(xs)...);
    return await<T>(handle);
  }
};

} // namespace

TEST_CASE("every method answers the parsed fixture", "[fm_engine]") {
  env e;
  auto fm = e.engine();
  auto user = e.ask<fm::user_info>(fm, fm_user_atom::value,
                                   std::string{"TyphoonsNotABot"});
  REQUIRE(user.value);
  CHECK(user.value->name == "TyphoonsNotABot");
  CHECK(user.value->country == "United Kingdom");

  auto recent = e.ask<fm::recent_tracks>(fm, recent_query{"frikandel_", 1});
  REQUIRE(recent.value);
  CHECK(recent.value->user == "frikandel_");
  CHECK(recent.value->total == 94618);

  auto artists = e.ask<fm::top_list>(
    fm, top_query{fm::top_kind::artists, "aidan-", fm::period::seven_day, 10});
  REQUIRE(artists.value);
  CHECK(artists.value->kind == fm::top_kind::artists);
  CHECK(artists.value->range == fm::period::seven_day);
  CHECK(artists.value->items.at(0).name == "Queen");
  auto albums = e.ask<fm::top_list>(
    fm, top_query{fm::top_kind::albums, "aidan-", fm::period::overall, 10});
  REQUIRE(albums.value);
  CHECK(albums.value->items.at(0).name == "The Best Of");
  CHECK(albums.value->items.at(0).artist == "Joy Division");
  auto tracks = e.ask<fm::top_list>(
    fm, top_query{fm::top_kind::tracks, "aidan-", fm::period::overall, 10});
  REQUIRE(tracks.value);
  CHECK(tracks.value->items.at(0).name == "Love Will Tear Us Apart");

  auto artist = e.ask<fm::artist_info>(fm, fm_artist_atom::value,
                                       entity_query{"The Weeknd", "", "x"});
  REQUIRE(artist.value);
  CHECK(artist.value->name == "The Weeknd");
  auto album = e.ask<fm::album_info>(fm, fm_album_atom::value,
                                     entity_query{"Paramore", "Paramore", "x"});
  REQUIRE(album.value);
  CHECK(album.value->artist == "Paramore");
  auto track = e.ask<fm::track_info>(
    fm, fm_track_atom::value,
    entity_query{"Linkin Park", "One Step Closer", "x"});
  REQUIRE(track.value);
  CHECK(track.value->name == "One Step Closer");
  CHECK(track.value->album == "Road To Revolution: Live at Milton Keynes");
  auto similar = e.ask<fm::similar_artists>(
    fm, fm_similar_atom::value, std::string{"Queens of the Stone Age"},
    std::int32_t{5});
  REQUIRE(similar.value);
  CHECK(similar.value->items.at(0).name == "Them Crooked Vultures");

  auto token = e.ask<fm::auth_token>(fm, fm_token_atom::value);
  REQUIRE(token.value);
  CHECK(token.value->token == "cf45fe5a3e3cebe168480a086d7fe481");
  auto session = e.ask<fm::auth_session>(fm, fm_session_atom::value,
                                         token.value->token);
  REQUIRE(session.value);
  CHECK(session.value->name == "Zaratoustre");

  auto love = e.ask<fm::write_ack>(
    fm, love_query{"Tame Impala", "Apocalypse Dreams", "session-key-1", true});
  CHECK(love.value.has_value());
  auto unlove = e.ask<fm::write_ack>(
    fm, love_query{"Tame Impala", "Apocalypse Dreams", "session-key-1", false});
  CHECK(unlove.value.has_value());

  auto received = e.fake.received();
  REQUIRE(received.size() == 13);
  CHECK(received[0].param("api_key") == "test-api-key-0123");
  CHECK(received.back().verb == "POST");
  CHECK(received.back().method == "track.unlove");
  CHECK(received.back().param("sk") == "session-key-1");
  CHECK_FALSE(received.back().param("api_sig").empty());
}

TEST_CASE("unknown and private users give typed errors without retries",
          "[fm_engine]") {
  env e;
  auto fm = e.engine();
  auto nobody = e.ask<fm::user_info>(fm, fm_user_atom::value,
                                     std::string{"nobody"});
  CHECK_FALSE(nobody.value);
  CHECK(nobody.code() == fm::fm_errc::not_found);
  auto hidden = e.ask<fm::recent_tracks>(fm, recent_query{"private", 1});
  CHECK_FALSE(hidden.value);
  CHECK(hidden.code() == fm::fm_errc::login_required);
  CHECK(e.fake.total_calls() == 2);
}

TEST_CASE("transient failures are retried until an answer", "[fm_engine]") {
  env e;
  auto fm = e.engine();
  auto before = calls_metric("user.getInfo", "http_error");
  e.fake.fail_next(2, fake_fault::http(503));
  auto r1 = e.ask<fm::user_info>(fm, fm_user_atom::value, std::string{"a"});
  REQUIRE(r1.value);
  CHECK(e.fake.calls("user.getInfo") == 3);
  CHECK(calls_metric("user.getInfo", "http_error") - before == 2);

  e.fake.reset();
  e.fake.fail_next(1, fake_fault::error(11));
  auto r2 = e.ask<fm::user_info>(fm, fm_user_atom::value, std::string{"b"});
  REQUIRE(r2.value);
  CHECK(e.fake.calls("user.getInfo") == 2);

  e.fake.reset();
  e.fake.fail_next(1, fake_fault::error(16, 503));
  auto r3 = e.ask<fm::user_info>(fm, fm_user_atom::value, std::string{"c"});
  REQUIRE(r3.value);
  CHECK(e.fake.calls("user.getInfo") == 2);
}

TEST_CASE("retries stop at max_retries with the last error", "[fm_engine]") {
  env e;
  auto s = e.settings();
  s.max_retries = 1;
  auto fm = e.engine(s);
  e.fake.fail_next(5, fake_fault::http(502));
  auto r = e.ask<fm::user_info>(fm, fm_user_atom::value, std::string{"a"});
  CHECK_FALSE(r.value);
  CHECK(r.code() == fm::fm_errc::http_error);
  CHECK(e.fake.calls("user.getInfo") == 2);
}

TEST_CASE("rate limiting and not-found are not retried", "[fm_engine]") {
  env e;
  auto fm = e.engine();
  e.fake.fail_next(1, fake_fault::error(29, 429));
  auto limited = e.ask<fm::user_info>(fm, fm_user_atom::value,
                                      std::string{"a"});
  CHECK(limited.code() == fm::fm_errc::rate_limited);
  auto nobody = e.ask<fm::user_info>(fm, fm_user_atom::value,
                                     std::string{"nobody"});
  CHECK(nobody.code() == fm::fm_errc::not_found);
  CHECK(e.fake.total_calls() == 2);
}

TEST_CASE("an error inside an HTTP 200 body is an error", "[fm_engine]") {
  env e;
  auto fm = e.engine();
  e.fake.fail_next(1, fake_fault::error(10)); // status 200
  auto r = e.ask<fm::user_info>(fm, fm_user_atom::value, std::string{"a"});
  CHECK_FALSE(r.value);
  CHECK(r.code() == fm::fm_errc::invalid_api_key);
  e.fake.fail_next(1, fake_fault::malformed_json());
  auto m = e.ask<fm::user_info>(fm, fm_user_atom::value, std::string{"a"});
  CHECK(m.code() == fm::fm_errc::malformed_response);
  CHECK(e.fake.total_calls() == 2);
}

TEST_CASE("identical concurrent requests share one upstream call",
          "[fm_engine]") {
  env e;
  auto fm = e.engine();
  auto coalesced_before = metric("lastgram_lastfm_coalesced_total");
  e.fake.fail_method("user.getInfo", fake_fault::slow(300ms));
  using handle_t = decltype((*e.self)->request(fm, 20s, fm_user_atom::value,
                                               std::string{}));
  std::vector<handle_t> handles;
  for (int i = 0; i < 50; ++i)
    handles.push_back((*e.self)->request(fm, 20s, fm_user_atom::value,
                                         std::string{"TyphoonsNotABot"}));
  int answered = 0;
  for (auto& h : handles) {
    auto r = await<fm::user_info>(h);
    if (r.value && r.value->name == "TyphoonsNotABot")
      ++answered;
  }
  CHECK(answered == 50);
  CHECK(e.fake.calls("user.getInfo") == 1);
  CHECK(metric("lastgram_lastfm_coalesced_total") - coalesced_before == 49);
}

TEST_CASE("writes are never coalesced", "[fm_engine]") {
  env e;
  auto fm = e.engine();
  e.fake.fail_method("track.love", fake_fault::slow(200ms));
  love_query q{"Tame Impala", "Apocalypse Dreams", "session-key-1", true};
  auto h1 = (*e.self)->request(fm, 20s, q);
  auto h2 = (*e.self)->request(fm, 20s, q);
  CHECK(await<fm::write_ack>(h1).value.has_value());
  CHECK(await<fm::write_ack>(h2).value.has_value());
  CHECK(e.fake.calls("track.love") == 2);
}

TEST_CASE("a burst from many users never exceeds the rate upstream",
          "[fm_engine][slow]") {
  env e;
  auto s = e.settings();
  s.rate_per_second = 20;
  s.deadline_ms = 20000;
  auto fm = e.engine(s);
  using handle_t = decltype((*e.self)->request(fm, 20s, recent_query{}));
  std::vector<handle_t> handles;
  // 20 users x 10 pages: 200 distinct requests, so none is coalesced.
  for (int page = 1; page <= 10; ++page)
    for (int user = 0; user < 20; ++user)
      handles.push_back((*e.self)->request(
        fm, 20s, recent_query{"user" + std::to_string(user), 1, page}));
  int answered = 0;
  for (auto& h : handles)
    if (await<fm::recent_tracks>(h).value)
      ++answered;
  CHECK(answered == 200);
  CHECK(e.fake.total_calls() == 200);
  // At most burst (1) + rate (20) in any second, as rate_limiter.hpp
  // promises: a full bucket's token, then one every 50 ms.
  CHECK(e.fake.max_calls_per_second() <= 21);
  // And over the whole burst: 199 calls after the first need 199 / 20 s at
  // least (a slower machine only takes longer). Arrival jitter is allowed
  // half a second.
  auto received = e.fake.received();
  REQUIRE(received.size() == 200);
  CHECK(received.back().at - received.front().at >= 9450ms);
  // Round-robin: the first 20 calls upstream are 20 different users.
  std::map<std::string, int> first_round;
  for (std::size_t i = 0; i < 20 && i < received.size(); ++i)
    ++first_round[received[i].param("user")];
  CHECK(first_round.size() == 20);
}

TEST_CASE("a full queue answers busy at once", "[fm_engine]") {
  env e;
  auto s = e.settings();
  s.rate_per_second = 1;
  s.queue_limit = 2;
  auto fm = e.engine(s);
  // The first takes the only token; the next two wait; the fourth is refused.
  auto h1 = (*e.self)->request(fm, 20s, fm_user_atom::value, std::string{"a"});
  auto h2 = (*e.self)->request(fm, 20s, fm_user_atom::value, std::string{"b"});
  auto h3 = (*e.self)->request(fm, 20s, fm_user_atom::value, std::string{"c"});
  auto h4 = (*e.self)->request(fm, 20s, fm_user_atom::value, std::string{"d"});
  auto r4 = await<fm::user_info>(h4);
  CHECK(r4.code() == fm::fm_errc::busy);
  // Refused without waiting for a token: the queue has not moved yet, only
  // "a" went upstream ("b" waits a whole second for the next token).
  CHECK(e.fake.total_calls() <= 1);
  // The queued ones are served as tokens free up (1/s).
  CHECK(await<fm::user_info>(h1).value.has_value());
  CHECK(await<fm::user_info>(h2).value.has_value());
  CHECK(await<fm::user_info>(h3).value.has_value());
  CHECK(e.fake.total_calls() == 3);
}

TEST_CASE("the HTTP client's own full line answers busy at once, without a retry",
          "[fm_engine]") {
  env e;
  // One connection to Last.fm and a line of one behind it.
  net::http_client::options tight;
  tight.max_connections_per_host = 1;
  tight.max_queued_per_host = 1;
  e.http->shutdown();
  e.http = std::make_shared<net::http_client>(tight);
  auto s = e.settings();
  s.rate_per_second = 0;
  auto fm = e.engine(s);
  auto busy_before = calls_metric("user.getInfo", "busy");
  auto network_before = calls_metric("user.getInfo", "network");
  auto durations_before = durations_observed("user.getInfo");
  // "a" holds the connection for 1.5 s and "b" waits behind it: the line is
  // full when "c" comes.
  e.fake.fail_next(1, fake_fault::slow(1500ms));
  auto h1 = (*e.self)->request(fm, 20s, fm_user_atom::value, std::string{"a"});
  REQUIRE(eventually([&] { return e.fake.total_calls() == 1; }));
  auto h2 = (*e.self)->request(fm, 20s, fm_user_atom::value, std::string{"b"});
  auto h3 = (*e.self)->request(fm, 20s, fm_user_atom::value, std::string{"c"});
  auto r3 = await<fm::user_info>(h3);
  CHECK(r3.code() == fm::fm_errc::busy);
  // Told while "a" still holds the connection: nothing else went upstream.
  CHECK(e.fake.total_calls() == 1);
  CHECK(await<fm::user_info>(h1).value.has_value());
  CHECK(await<fm::user_info>(h2).value.has_value());
  // "c" was never sent again (a retry would have come within the 1.5 s),
  // and it counts as busy, not as a network failure.
  CHECK(e.fake.total_calls() == 2);
  CHECK(calls_metric("user.getInfo", "busy") - busy_before == 1);
  CHECK(calls_metric("user.getInfo", "network") - network_before == 0);
  // Only the two calls Last.fm answered have a duration.
  CHECK(durations_observed("user.getInfo") - durations_before == 2);
}

TEST_CASE("a rate of 0 means no limit: no request waits for a token", "[fm_engine]") {
  env e;
  auto s = e.settings();
  s.rate_per_second = 0;
  s.queue_limit = 2;
  s.deadline_ms = 2000;
  auto fm = e.engine(s);
  // At 1/s with a queue of 2, most of these would be refused busy (see the
  // test above); without a limit every one goes upstream.
  std::vector<decltype((*e.self)->request(fm, 20s, fm_user_atom::value, std::string{}))> handles;
  for (int i = 0; i < 50; ++i)
    handles.push_back((*e.self)->request(fm, 20s, fm_user_atom::value, "u" + std::to_string(i)));
  int answered = 0;
  for (auto& h : handles)
    answered += await<fm::user_info>(h).value.has_value() ? 1 : 0;
  CHECK(answered == 50);
  CHECK(e.fake.total_calls() == 50);
}

TEST_CASE("a request past its deadline is answered busy or timeout",
          "[fm_engine]") {
  env e;
  auto s = e.settings();
  s.deadline_ms = 300;
  // Neither the HTTP timeout nor Last.fm ends the call before the test's own
  // 20 s request timeout: only the engine's deadline can answer it in time
  // (a request left waiting would come back as CAF's request_timeout, which
  // carries no fm code).
  s.request_timeout_ms = 60000;
  auto fm = e.engine(s);
  e.fake.fail_method("user.getInfo", fake_fault::slow(60s));
  auto r = e.ask<fm::user_info>(fm, fm_user_atom::value, std::string{"a"});
  CHECK_FALSE(r.value);
  REQUIRE(r.code());
  CHECK((*r.code() == fm::fm_errc::busy || *r.code() == fm::fm_errc::timeout));
}

TEST_CASE("queued requests expire with busy when the rate is too low",
          "[fm_engine]") {
  env e;
  auto s = e.settings();
  s.rate_per_second = 1;
  s.deadline_ms = 300;
  auto fm = e.engine(s);
  auto h1 = (*e.self)->request(fm, 20s, fm_user_atom::value, std::string{"a"});
  auto h2 = (*e.self)->request(fm, 20s, fm_user_atom::value, std::string{"b"});
  CHECK(await<fm::user_info>(h1).value.has_value());
  auto r2 = await<fm::user_info>(h2);
  CHECK(r2.code() == fm::fm_errc::busy);
  // "b" never went upstream: it expired in the queue before its token came.
  CHECK(e.fake.total_calls() == 1);
}

TEST_CASE("a cache hit does not call upstream again", "[fm_engine]") {
  env e;
  auto store = std::make_shared<map_cache>();
  auto fm = e.engine(e.settings(), e.cache(store));
  auto hits_before = metric("lastgram_lastfm_cache_hits_total");
  auto first = e.ask<fm::top_list>(
    fm, top_query{fm::top_kind::artists, "aidan-", fm::period::overall, 10});
  REQUIRE(first.value);
  auto second = e.ask<fm::top_list>(
    fm, top_query{fm::top_kind::artists, "Aidan-", fm::period::overall, 10});
  REQUIRE(second.value);
  CHECK(e.fake.calls("user.getTopArtists") == 1);
  CHECK(second.value->items.size() == first.value->items.size());
  CHECK(second.value->items.at(0).name == "Queen");
  CHECK(second.value->user == first.value->user);
  CHECK(metric("lastgram_lastfm_cache_hits_total") - hits_before == 1);
  std::lock_guard<std::mutex> guard{store->mtx};
  CHECK(store->puts == 1);
  CHECK(store->gets == 2);
}

/// Waits until the answer just delivered is stored (it is stored after it
/// is delivered), then ages it: its "fresh until" header (after the 4-byte
/// magic) goes to `expired_for` ago, the payload stays.
static void age_the_only_entry(map_cache& store,
                               std::chrono::milliseconds expired_for = 1s) {
  REQUIRE(eventually([&] {
    std::lock_guard<std::mutex> guard{store.mtx};
    return store.puts == 1;
  }));
  std::lock_guard<std::mutex> guard{store.mtx};
  REQUIRE(store.data.size() == 1);
  auto& bytes = store.data.begin()->second;
  REQUIRE(bytes.compare(0, 4, "SWR1") == 0);
  auto until = static_cast<std::uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch())
      .count()
    - expired_for.count());
  for (int k = 0; k < 8; ++k)
    bytes[4 + static_cast<std::size_t>(k)] = static_cast<char>((until >> (56 - 8 * k)) & 0xff);
}

TEST_CASE("a stale cache entry is served at once while one call refreshes it",
          "[fm_engine]") {
  env e;
  auto store = std::make_shared<map_cache>();
  auto s = e.settings();
  s.request_timeout_ms = 10000; // longer than the slow answer below
  auto fm = e.engine(s, e.cache(store));
  auto query = top_query{fm::top_kind::artists, "aidan-", fm::period::overall, 10};
  REQUIRE(e.ask<fm::top_list>(fm, query).value);
  REQUIRE(e.fake.calls("user.getTopArtists") == 1);
  age_the_only_entry(*store);
  // Last.fm is slow now: the readers must not wait for it.
  e.fake.fail_method("user.getTopArtists", fake_fault::slow(4s));
  auto puts = [&] {
    std::lock_guard<std::mutex> guard{store->mtx};
    return store->puts;
  };
  for (int i = 0; i < 5; ++i) {
    auto stale = e.ask<fm::top_list>(fm, query);
    REQUIRE(stale.value);
    CHECK(stale.value->items.at(0).name == "Queen");
  }
  // Served before the refresh could have stored anything: the readers did
  // not wait for the slow call.
  CHECK(puts() == 1);
  // One background refresh, not five; it stores a fresh entry.
  REQUIRE(eventually([&] { return e.fake.calls("user.getTopArtists") >= 2; }, 5s));
  REQUIRE(eventually([&] { return puts() == 2; }, 15s));
  // A marker through the same engine and upstream after the refresh: a
  // duplicate refresh, sent when the stale reads were, would have reached
  // Last.fm before the marker's answer came back.
  REQUIRE(e.ask<fm::user_info>(fm, fm_user_atom::value, std::string{"marker"}).value);
  CHECK(e.fake.calls("user.getInfo") == 1);
  CHECK(e.fake.calls("user.getTopArtists") == 2);
}

TEST_CASE("an expired now playing answer is never served: Last.fm is asked again",
          "[fm_engine]") {
  env e;
  auto store = std::make_shared<map_cache>();
  auto fm = e.engine(e.settings(), e.cache(store));
  auto query = recent_query{"frikandel_", 1};
  REQUIRE(e.ask<fm::recent_tracks>(fm, query).value);
  age_the_only_entry(*store);
  // Last.fm now says the user is gone: a stale answer would hide that, a
  // fresh call shows it.
  e.fake.fail_method("user.getRecentTracks", fake_fault::error(6));
  auto again = e.ask<fm::recent_tracks>(fm, query);
  CHECK_FALSE(again.value);
  CHECK(again.code() == fm::fm_errc::not_found);
  CHECK(e.fake.calls("user.getRecentTracks") == 2);
}

TEST_CASE("a cache that does not answer counts as a miss", "[fm_engine]") {
  env e;
  // Takes every read and never answers it; takes writes.
  auto mute = e.sys->spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {
      [self](get_atom, const std::string&) {
        return self->make_response_promise();
      },
      [](put_atom, const std::string&, const std::string&, std::int64_t) {
        return true;
      },
    };
  });
  e.spawned.push_back(mute);
  // A stand-in that never answers reads: the test casts it.
  auto fm = e.engine(e.settings(), caf::actor_cast<cache_actor>(mute));
  auto misses_before = metric("lastgram_lastfm_cache_misses_total");
  // An engine waiting for the cache for good would leave this unanswered
  // past the 20 s request timeout.
  auto r = e.ask<fm::user_info>(fm, fm_user_atom::value, std::string{"a"});
  CHECK(r.value.has_value());
  CHECK(e.fake.calls("user.getInfo") == 1);
  CHECK(metric("lastgram_lastfm_cache_misses_total") - misses_before == 1);
}

TEST_CASE("auth calls and writes bypass the cache", "[fm_engine]") {
  env e;
  auto store = std::make_shared<map_cache>();
  auto fm = e.engine(e.settings(), e.cache(store));
  CHECK(e.ask<fm::auth_token>(fm, fm_token_atom::value).value.has_value());
  CHECK(e.ask<fm::auth_token>(fm, fm_token_atom::value).value.has_value());
  CHECK(e.fake.calls("auth.getToken") == 2);
  std::lock_guard<std::mutex> guard{store->mtx};
  CHECK(store->gets == 0);
  CHECK(store->puts == 0);
}

TEST_CASE("a shared bucket takes a cluster token for every upstream call",
          "[fm_engine]") {
  env e;
  auto store = std::make_shared<map_cache>();
  auto fm = e.engine(e.settings(), e.cache(store), true);
  e.fake.fail_next(1, fake_fault::http(503));
  CHECK(e.ask<fm::user_info>(fm, fm_user_atom::value, std::string{"a"})
          .value.has_value());
  CHECK(e.ask<fm::auth_token>(fm, fm_token_atom::value).value.has_value());
  CHECK(e.fake.total_calls() == 3);
  std::lock_guard<std::mutex> guard{store->mtx};
  CHECK(store->buckets == 3);
}

TEST_CASE("in a Last.fm outage a cached now playing answer is served with its age",
          "[fm_engine][outage]") {
  env e;
  auto store = std::make_shared<map_cache>();
  auto s = e.settings();
  s.max_retries = 0;
  s.outage_threshold_percent = 50;
  s.outage_min_calls = 3;
  auto fm = e.engine(s, e.cache(store));
  auto outage = [] { return metrics::get_gauge("lastgram_lastfm_outage", "").value(); };
  auto query = recent_query{"frikandel_", 1};
  auto first = e.ask<fm::recent_tracks>(fm, query);
  REQUIRE(first.value);
  CHECK(first.value->cached_age_seconds == 0);
  age_the_only_entry(*store);
  // Last.fm fails: other users' calls fail, most of the minute's calls,
  // which starts the outage.
  e.fake.fail_method("user.getRecentTracks", fake_fault::http(503));
  auto failed_before = calls_metric("user.getRecentTracks", "http_error");
  for (auto user : {"other-a", "other-b", "other-c"})
    CHECK_FALSE(e.ask<fm::recent_tracks>(fm, recent_query{user, 1}).value);
  CHECK(outage() == 1);
  // The expired answer, never served outside an outage, comes back marked.
  auto aged = e.ask<fm::recent_tracks>(fm, query);
  REQUIRE(aged.value);
  CHECK(aged.value->cached_age_seconds > 0);
  CHECK(aged.value->tracks.at(0).name == first.value->tracks.at(0).name);
  // Its refresh behind the answer probes Last.fm.
  // (Waits until the probe's failure is counted, so it cannot land among
  // the successes below.)
  REQUIRE(eventually([&] {
    return calls_metric("user.getRecentTracks", "http_error") >= failed_before + 4;
  }));
  // Last.fm answers again: three successes end the outage...
  e.fake.reset();
  for (auto user : {"back-a", "back-b", "back-c"})
    REQUIRE(e.ask<fm::recent_tracks>(fm, recent_query{user, 1}).value);
  CHECK(outage() == 0);
  // ...and the old entry is no longer served: Last.fm is asked.
  auto fresh = e.ask<fm::recent_tracks>(fm, query);
  REQUIRE(fresh.value);
  CHECK(fresh.value->cached_age_seconds == 0);
  CHECK(e.fake.calls("user.getRecentTracks") == 4);
}

TEST_CASE("without an outage failures answer errors and not old copies", "[fm_engine][outage]") {
  env e;
  auto store = std::make_shared<map_cache>();
  auto s = e.settings();
  s.max_retries = 0;
  s.outage_threshold_percent = 0; // outage mode off
  s.outage_min_calls = 1;          // (which would start at the first failure)
  auto fm = e.engine(s, e.cache(store));
  auto query = recent_query{"frikandel_", 1};
  REQUIRE(e.ask<fm::recent_tracks>(fm, query).value);
  age_the_only_entry(*store);
  e.fake.fail_method("user.getRecentTracks", fake_fault::http(503));
  for (int i = 0; i < 5; ++i) {
    auto again = e.ask<fm::recent_tracks>(fm, query);
    CHECK_FALSE(again.value);
  }
}

TEST_CASE("a stale entry past its window is not served outside an outage", "[fm_engine][outage]") {
  env e;
  auto store = std::make_shared<map_cache>();
  auto fm = e.engine(e.settings(), e.cache(store));
  auto query = top_query{fm::top_kind::artists, "aidan-", fm::period::overall, 10};
  REQUIRE(e.ask<fm::top_list>(fm, query).value);
  // Kept for outage mode, an hour past its freshness: too old to serve.
  age_the_only_entry(*store, 1h);
  auto again = e.ask<fm::top_list>(fm, query);
  REQUIRE(again.value);
  CHECK(again.value->cached_age_seconds == 0);
  CHECK(e.fake.calls("user.getTopArtists") == 2);
}

TEST_CASE("background calls wait behind interactive calls and are not cached", "[fm_engine]") {
  env e;
  auto s = e.settings();
  s.rate_per_second = 1;
  auto c = std::make_shared<map_cache>();
  auto fm = e.engine(s, e.cache(c));
  auto& self = *e.self;
  // Three background pages, then two interactive calls, sent back to back:
  // the first page takes the one free token, the interactive calls the
  // next two, and the other pages follow.
  for (int page = 1; page <= 3; ++page)
    self->send(fm, fm_background_atom::value,
               top_query{fm::top_kind::artists, "aidan-", fm::period::overall, 1000, page});
  self->send(fm, fm_user_atom::value, std::string{"first"});
  self->send(fm, fm_user_atom::value, std::string{"second"});
  int pages = 0;
  int users = 0;
  for (int i = 0; i < 5; ++i)
    self->receive([&](fm::top_list&) { ++pages; }, [&](fm::user_info&) { ++users; },
                  [](caf::error& err) { FAIL(to_string(err)); },
                  caf::after(20s) >> [] { FAIL("no answer"); });
  CHECK(pages == 3);
  CHECK(users == 2);
  std::vector<std::string> order;
  for (const auto& call : e.fake.received())
    order.push_back(call.method);
  CHECK(order
        == std::vector<std::string>{"user.gettopartists", "user.getinfo", "user.getinfo",
                                    "user.gettopartists", "user.gettopartists"});
  CHECK(e.fake.received().back().param("limit") == "1000");
  std::lock_guard<std::mutex> guard{c->mtx};
  CHECK(c->puts == 2); // only the interactive answers were cached
}
