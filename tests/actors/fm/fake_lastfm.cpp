// The fake Last.fm itself, driven by a plain synchronous Beast client, and
// its answers read back through the real parsers.

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "actors/fm/parse.hpp"
#include "actors/fm/request.hpp"
#include "support/fake_lastfm.hpp"

using namespace lastgram;
using namespace std::chrono_literals;
using test::fake_fault;
using test::fake_lastfm;

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

struct reply {
  unsigned status = 0;
  std::string body;
};

// One request on a fresh connection; POST sends `query` as a form body.
reply call(const fake_lastfm& fake, http::verb verb, const std::string& query,
           const std::string& path = "/2.0/") {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  stream.expires_after(10s);
  stream.connect({net::ip::make_address("127.0.0.1"), fake.port()});
  auto target = verb == http::verb::get ? path + "?" + query : path;
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (verb == http::verb::post) {
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = query;
    req.prepare_payload();
  }
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  beast::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  return reply{res.result_int(), res.body()};
}

reply get(const fake_lastfm& fake, const fm::fm_request& req) {
  return call(fake, http::verb::get, fm::encode_request(req, "key", "secret"));
}

} // namespace

TEST_CASE("the fake serves fixtures by method on a loopback URL", "[fm]") {
  fake_lastfm fake;
  CHECK(fake.url() == "http://127.0.0.1:" + std::to_string(fake.port())
                        + "/2.0/");
  auto info = get(fake, fm::user_get_info("TyphoonsNotABot"));
  CHECK(info.status == 200);
  auto user = fm::parse_user_info(info.body);
  REQUIRE(user.ok());
  CHECK(user->name == "TyphoonsNotABot");

  fm::recent_tracks_query q;
  q.user = "frikandel_";
  auto plain = fm::parse_recent_tracks(get(fake, fm::user_get_recent_tracks(q)).body);
  REQUIRE(plain.ok());
  CHECK(plain->tracks.size() == 1);
  q.extended = true;
  auto extended =
    fm::parse_recent_tracks(get(fake, fm::user_get_recent_tracks(q)).body);
  REQUIRE(extended.ok());
  CHECK(extended->tracks.size() == 2);
  CHECK(extended->tracks[0].now_playing);

  auto top = get(fake, fm::user_get_top_albums("aidan-", fm::period::overall));
  CHECK(fm::parse_top_albums(top.body)->items.at(0).name == "The Best Of");
  CHECK(fake.calls("user.getRecentTracks") == 2);
  CHECK(fake.calls("USER.GETINFO") == 1);
  CHECK(fake.total_calls() == 4);
}

TEST_CASE("the fake answers nobody with error 6 and private with 17", "[fm]") {
  fake_lastfm fake;
  auto nobody = get(fake, fm::user_get_info("nobody"));
  CHECK(nobody.status == 404);
  auto e6 = fm::check_response(static_cast<int>(nobody.status), nobody.body);
  REQUIRE(e6);
  CHECK(e6->code == fm::fm_errc::not_found);
  fm::recent_tracks_query q;
  q.user = "Private";
  auto hidden = get(fake, fm::user_get_recent_tracks(q));
  CHECK(hidden.status == 403);
  CHECK(fm::parse_recent_tracks(hidden.body).error().code
        == fm::fm_errc::login_required);
  auto unknown = get(fake, fm::fm_request{"user.getFriends", {}, false, false});
  CHECK(fm::parse_user_info(unknown.body).error().code
        == fm::fm_errc::invalid_method);
  CHECK(call(fake, http::verb::get, "method=user.getinfo", "/other").status
        == 404);
}

TEST_CASE("the fake injects errors for the next N calls, then recovers",
          "[fm]") {
  fake_lastfm fake;
  fake.fail_next(2, fake_fault::error(29));
  for (int i = 0; i < 2; ++i) {
    auto r = get(fake, fm::user_get_info("rj"));
    CHECK(r.status == 200); // an error in a 200 body
    CHECK(fm::parse_user_info(r.body).error().code
          == fm::fm_errc::rate_limited);
  }
  CHECK(fm::parse_user_info(get(fake, fm::user_get_info("rj")).body).ok());
  fake.fail_next(1, fake_fault::http(503));
  auto down = get(fake, fm::user_get_info("rj"));
  CHECK(down.status == 503);
  auto err = fm::check_response(503, down.body);
  REQUIRE(err);
  CHECK(err->code == fm::fm_errc::http_error);
}

TEST_CASE("the fake fails one method until reset", "[fm]") {
  fake_lastfm fake;
  fake.fail_method("artist.getInfo", fake_fault::error(8, 500));
  for (int i = 0; i < 3; ++i) {
    auto r = get(fake, fm::artist_get_info("Cher"));
    CHECK(r.status == 500);
    CHECK(fm::parse_artist_info(r.body).error().code
          == fm::fm_errc::operation_failed);
  }
  CHECK(get(fake, fm::user_get_info("rj")).status == 200);
  fake.reset();
  CHECK(fake.total_calls() == 0);
  CHECK(fm::parse_artist_info(get(fake, fm::artist_get_info("Cher")).body)
          ->name
        == "The Weeknd");
}

TEST_CASE("the fake sends truncated and malformed bodies", "[fm]") {
  fake_lastfm fake;
  fake.fail_next(1, fake_fault::truncated_body());
  fake.fail_next(1, fake_fault::malformed_json());
  for (int i = 0; i < 2; ++i) {
    auto r = get(fake, fm::user_get_top_artists("rj", fm::period::overall));
    CHECK(r.status == 200);
    CHECK(fm::parse_top_artists(r.body).error().code
          == fm::fm_errc::malformed_response);
  }
}

TEST_CASE("a slow answer does not hold up other connections", "[fm]") {
  fake_lastfm fake;
  fake.fail_method("user.getInfo", fake_fault::slow(800ms));
  auto start = std::chrono::steady_clock::now();
  auto slow = std::async(std::launch::async,
                         [&] { return get(fake, fm::user_get_info("rj")); });
  REQUIRE(fake.wait_for_calls(1, 5s));
  auto quick = get(fake, fm::artist_get_similar("Kyuss"));
  auto quick_done = std::chrono::steady_clock::now();
  auto slow_reply = slow.get();
  auto slow_done = std::chrono::steady_clock::now();
  CHECK(quick.status == 200);
  CHECK(slow_reply.status == 200);
  CHECK(slow_done - start >= 800ms);
  CHECK(quick_done < slow_done);
}

TEST_CASE("the fake takes form-encoded POSTs and records parameters", "[fm]") {
  fake_lastfm fake;
  auto body = fm::encode_request(fm::track_love("Кино", "Группа крови", "sk1"),
                                 "key", "secret");
  auto r = call(fake, http::verb::post, body);
  CHECK(r.status == 200);
  CHECK(fm::parse_write_ack(r.body).ok());
  auto calls = fake.received();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].verb == "POST");
  CHECK(calls[0].method == "track.love");
  CHECK(calls[0].param("artist") == "Кино");
  CHECK(calls[0].param("track") == "Группа крови");
  CHECK(calls[0].param("sk") == "sk1");
}

TEST_CASE("the fake checks the API key and signatures when asked", "[fm]") {
  fake_lastfm fake;
  fake.require_api_key("key");
  fake.require_signature([](const test::query_params& params) {
    fm::param_list signed_params;
    std::string sig;
    for (const auto& [k, v] : params) {
      if (k == "api_sig")
        sig = v;
      else
        signed_params.emplace_back(k, v);
    }
    return sig == fm::api_signature(signed_params, "secret");
  });
  auto good = call(fake, http::verb::get,
                   fm::encode_request(fm::auth_get_token(), "key", "secret"));
  CHECK(fm::parse_auth_token(good.body)->token
        == "cf45fe5a3e3cebe168480a086d7fe481");
  auto bad_sig = call(fake, http::verb::get,
                      fm::encode_request(fm::auth_get_token(), "key", "nope"));
  CHECK(bad_sig.status == 403);
  CHECK(fm::parse_auth_token(bad_sig.body).error().code
        == fm::fm_errc::invalid_signature);
  auto bad_key = call(fake, http::verb::get,
                      fm::encode_request(fm::user_get_info("rj"), "wrong", ""));
  CHECK(fm::parse_user_info(bad_key.body).error().code
        == fm::fm_errc::invalid_api_key);
}

TEST_CASE("the fake measures the busiest second", "[fm]") {
  fake_lastfm fake;
  CHECK(fake.max_calls_per_second() == 0);
  for (int i = 0; i < 4; ++i)
    get(fake, fm::user_get_info("rj"));
  CHECK(fake.max_calls_per_second() == 4);
  fake.set_fixture("user.getRecentTracks",
                   "user-getrecenttracks-nowplaying.json");
  fm::recent_tracks_query q;
  q.user = "Duhnnie";
  auto r = fm::parse_recent_tracks(get(fake, fm::user_get_recent_tracks(q)).body);
  REQUIRE(r.ok());
  CHECK(r->user == "Duhnnie");
  fake.set_body("user.getInfo", R"({"user":{"name":"custom"}})");
  CHECK(fm::parse_user_info(get(fake, fm::user_get_info("x")).body)->name
        == "custom");
}
