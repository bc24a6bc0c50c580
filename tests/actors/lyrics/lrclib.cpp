// lrclib's URLs and payloads, and the lyrics engine against the fake lrclib.

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include "actors/lyrics/engine.hpp"
#include "actors/lyrics/lrclib.hpp"
#include "actors/test_config.hpp"
#include "messages/type_ids.hpp"
#include "platforms/net/http_client.hpp"
#include "support/fake_lrclib.hpp"
#include "support/test_http_server.hpp"

using namespace lastgram;
using namespace std::chrono_literals;

TEST_CASE("lrclib URLs carry the names percent-encoded", "[lyrics]") {
  lyrics_query q{"Sigur Rós", "Ný batterí", "Ágætis byrjun", 489, 0};
  CHECK(lyrics::get_url("https://lrclib.net/", q)
        == "https://lrclib.net/api/get?artist_name=Sigur%20R%C3%B3s&track_name=N%C3%BD%20batter%C3%AD"
           "&album_name=%C3%81g%C3%A6tis%20byrjun&duration=489");
  CHECK(lyrics::search_url("https://lrclib.net", q)
        == "https://lrclib.net/api/search?q=Sigur%20R%C3%B3s%20N%C3%BD%20batter%C3%AD");
  q.id = 42;
  CHECK(lyrics::get_url("http://127.0.0.1:1", q) == "http://127.0.0.1:1/api/get/42");
}

TEST_CASE("an lrclib record parses with synced lyrics as plain lines", "[lyrics]") {
  test::fake_lrclib::record rec{7, "Song 2", "Blur", "Blur", 122, false, "",
                                "[00:01.00] Woo-hoo\n[00:02.50][00:05.00] When I feel heavy metal"};
  auto r = lyrics::parse_record(test::lrclib_json(rec));
  REQUIRE(r);
  CHECK(r->status == lyrics_status::found);
  CHECK(r->id == 7);
  CHECK(r->track == "Song 2");
  CHECK(r->text == "Woo-hoo\nWhen I feel heavy metal");
  CHECK_FALSE(lyrics::parse_record("not json"));
  CHECK_FALSE(lyrics::parse_record(R"({"code":404,"name":"TrackNotFound"})"));
}

TEST_CASE("a search prefers the record of the asked artist", "[lyrics]") {
  test::fake_lrclib::record cover{1, "Hurt", "Johnny Cash", "American IV", 218, false, "cover", ""};
  test::fake_lrclib::record original{2, "Hurt", "Nine Inch Nails", "The Downward Spiral", 373,
                                     false, "original", ""};
  auto body = "[" + test::lrclib_json(cover) + "," + test::lrclib_json(original) + "]";
  auto r = lyrics::parse_search(body, lyrics_query{"nine inch nails", "Hurt", "", 0, 0});
  REQUIRE(r);
  CHECK(r->text == "original");
  CHECK_FALSE(lyrics::parse_search("[]", lyrics_query{"x", "y", "", 0, 0}));
}

TEST_CASE("the lyrics engine falls back to search and reports a dead server",
          "[lyrics][engine]") {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  test::fake_lrclib lrclib;
  lrclib.add({5, "Flim (Remastered)", "Aphex Twin", "Come to Daddy", 177, true, "", ""});
  auto http = std::make_shared<net::http_client>(net::http_client::options{});
  auto ask = [&](const std::string& url, lyrics_query q) {
    auto engine = lyrics::spawn_engine(self.ptr(), lyrics_settings{url, 3000}, http);
    lyrics_result out;
    self->request(engine, 10s, std::move(q))
      .receive([&](lyrics_result& r) { out = std::move(r); },
               [&](caf::error& err) { FAIL(sys.render(err)); });
    self->send_exit(engine, caf::exit_reason::user_shutdown);
    return out;
  };
  auto r = ask(lrclib.url(), lyrics_query{"Aphex Twin", "Flim", "", 0, 0});
  CHECK(r.status == lyrics_status::found);
  CHECK(r.instrumental);
  auto targets = lrclib.targets();
  REQUIRE(targets.size() == 2);
  CHECK(targets[0].rfind("/api/get?", 0) == 0);
  CHECK(targets[1].rfind("/api/search?q=Aphex%20Twin%20Flim", 0) == 0);
  auto dead = ask("http://127.0.0.1:" + std::to_string(test::unused_loopback_port()),
                  lyrics_query{"A", "B", "", 0, 0});
  CHECK(dead.status == lyrics_status::unavailable);
  http->shutdown();
}
