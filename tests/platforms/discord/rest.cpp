#include "platforms/discord/rest.hpp"

#include "platforms/net/http_client.hpp"

#include <catch2/catch.hpp>

using namespace lastgram::discord;
using namespace std::chrono_literals;

TEST_CASE("routes keep major ids and hide tokens and other ids", "[discord][rest]") {
  CHECK(route_of("PATCH", "/webhooks/1234/aW50ZXJhY3Rpb24/messages/@original")
        == "PATCH /webhooks/1234/:token/messages/@original");
  CHECK(route_of("POST", "/interactions/98765/aW50ZXJhY3Rpb24/callback")
        == "POST /interactions/:id/:token/callback");
  CHECK(route_of("PUT", "/applications/1234/guilds/900/commands")
        == "PUT /applications/:id/guilds/900/commands");
  CHECK(route_of("POST", "/channels/42/messages/77?wait=true") == "POST /channels/42/messages/:id");
  CHECK(route_of("GET", "/gateway/bot") == "GET /gateway/bot");
}

TEST_CASE("a 400 error tree becomes field paths", "[discord][rest]") {
  auto body = R"({"code": 50035, "errors": {"data": {"embeds": {"0": {"description": {"_errors":
    [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 4096 or fewer in length."}]}}},
    "content": {"_errors": [{"code": "X", "message": "Bad."}]}}}, "message": "Invalid Form Body"})";
  CHECK(error_paths(body)
        == "data.embeds.0.description: Must be 4096 or fewer in length.; data.content: Bad.");
  CHECK(error_paths("not json").empty());
}

TEST_CASE("a bucket with nothing left waits until its reset", "[discord][rest]") {
  rate_limits limits{50};
  auto t0 = rate_limits::clock::now();
  const std::string route = "POST /webhooks/1/:token";
  CHECK(limits.wait_for(route, t0) == rate_limits::clock::duration::zero());
  rest_result r;
  r.status = 200;
  r.bucket = "abc";
  r.remaining = 0;
  r.reset_after_s = 1.5;
  limits.learn(route, r, t0);
  auto wait = limits.wait_for(route, t0 + 500ms);
  CHECK(wait > 900ms);
  CHECK(wait <= 1000ms);
  // Another route of the same bucket shares it once Discord said so.
  limits.learn("PATCH /webhooks/1/:token/messages/@original", r, t0);
  CHECK(limits.wait_for("PATCH /webhooks/1/:token/messages/@original", t0 + 1s) > 0ms);
  CHECK(limits.wait_for(route, t0 + 1600ms) == rate_limits::clock::duration::zero());
  // A route Discord never named a bucket for only meets the global limit.
  CHECK(limits.wait_for("GET /gateway/bot", t0 + 500ms) == rate_limits::clock::duration::zero());
}

TEST_CASE("the global limit lets 50 calls a second through", "[discord][rest]") {
  rate_limits limits{50};
  auto t0 = rate_limits::clock::now();
  for (int i = 0; i < 50; ++i)
    REQUIRE(limits.wait_for("GET /x/" + std::to_string(i), t0 + 1ms * i)
            == rate_limits::clock::duration::zero());
  auto wait = limits.wait_for("GET /y", t0 + 100ms);
  CHECK(wait > 850ms);
  CHECK(wait <= 900ms);
  CHECK(limits.wait_for("GET /y", t0 + 1001ms) == rate_limits::clock::duration::zero());
}

TEST_CASE("a global 429 stops every route for retry_after", "[discord][rest]") {
  rate_limits limits;
  auto t0 = rate_limits::clock::now();
  rest_result r;
  r.status = 429;
  r.global = true;
  r.retry_after_s = 2;
  limits.learn("POST /a", r, t0);
  CHECK(limits.wait_for("GET /b", t0 + 1s) > 900ms);
  CHECK(limits.wait_for("GET /b", t0 + 2s) == rate_limits::clock::duration::zero());
}

// Found by fuzz_discord_rest (fuzz/regressions/discord_rest/): "1e20",
// "inf" or "nan" in a rate-limit header, or a retry_after of 1e300, was cast
// to int or to a clock duration unchecked (undefined behaviour, and a wait
// that overflows the time point).
TEST_CASE("rate-limit numbers that are not finite or too large are bounded", "[discord][rest]") {
  lastgram::net::http_result r;
  r.status = 429;
  r.body = R"({"message":"slow down","retry_after":1e300})";
  r.headers = {{"X-RateLimit-Bucket", "b"},
               {"X-RateLimit-Remaining", "1e20"},
               {"X-RateLimit-Reset-After", "inf"}};
  auto res = to_result(r);
  CHECK(res.remaining == 1000000000);
  CHECK(res.reset_after_s == 0);
  CHECK(res.retry_after_s == 86400);
  rate_limits limits;
  auto t0 = rate_limits::clock::now();
  limits.learn("POST /a", res, t0);
  auto wait = limits.wait_for("POST /a", t0);
  CHECK(wait > 23h);
  CHECK(wait <= 24h);

  lastgram::net::http_result n;
  n.status = 429;
  n.body = "{}";
  n.headers = {{"X-RateLimit-Remaining", "nan"}, {"Retry-After", "-inf"}};
  auto odd = to_result(n);
  CHECK(odd.remaining == -1);
  CHECK(odd.retry_after_s == 1);
}

TEST_CASE("the id of an application answer", "[discord][rest]") {
  CHECK(id_of(R"({"id": "1234", "name": "x"})") == "1234");
  CHECK(id_of("[]").empty());
  CHECK(id_of(R"({"id": 5})").empty());
}
