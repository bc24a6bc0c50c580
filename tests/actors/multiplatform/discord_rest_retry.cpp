// The Discord actor's REST calls against a loopback HTTP server that plays
// Discord failing: a 429 waits for what Discord asks (retry_after in the
// body, the Retry-After header, or X-RateLimit-Reset-After), a 5xx is
// retried with a doubling backoff (kept short here with
// discord.rest-retry-base-ms / -max-ms), and a call given up after five
// attempts is counted and replaced, for the user who waits, by the
// localized errors.generic.

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "support/build_paths.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/multiplatform/discord.hpp"
#include "actors/support/engines.hpp"
#include "actors/test_config.hpp"
#include "i18n/catalog.hpp"
#include "messages/command.hpp"
#include "messages/discord.hpp"
#include "platforms/net/http_client.hpp"
#include "support/eventually.hpp"
#include "support/test_http_server.hpp"

using namespace lastgram;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

outgoing_reply text_reply(const std::string& text) {
  outgoing_reply r;
  r.text.push_back(text_span{text, style_plain, {}});
  return r;
}

/// "/one" answers once; "/two" answers and follows up.
caf::behavior fake_commands(caf::event_based_actor*) {
  return {[](const incoming_message& m) {
    command_result res;
    res.outcome = command_outcome::ok;
    res.replies.push_back(text_reply("first answer"));
    if (m.text == "/two")
      res.replies.push_back(text_reply("second reply"));
    return res;
  }};
}

/// A slash command over the gateway in a DM, interaction `n` (token tok<n>).
std::string slash(int n, const std::string& name) {
  return "{\"type\":2,\"id\":\"" + std::to_string(9000 + n)
         + "\",\"application_id\":\"1234\",\"token\":\"tok" + std::to_string(n)
         + "\",\"channel_id\":\"555\",\"locale\":\"en-US\",\"user\":{\"id\":\"11\","
           "\"username\":\"ana\"},\"data\":{\"type\":1,\"id\":\"77\",\"name\":\""
         + name + "\",\"options\":[]}}";
}

/// One request as the server saw it, with when it arrived.
struct seen {
  std::string method;
  std::string path;
  std::string body;
  clock_type::time_point at;
};

using script = std::function<test::canned_response(const test::received_request&, int attempt)>;

/// A loopback "Discord" run by `answer` (given the request and how many
/// times its method and path were seen before, 1-based), and a Discord actor
/// talking to it.
struct rig {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<seen>> log = std::make_shared<std::vector<seen>>();
  std::shared_ptr<std::map<std::string, int>> counts = std::make_shared<std::map<std::string, int>>();
  test::test_http_server server;
  caf::actor commands = sys.spawn(fake_commands);
  std::shared_ptr<net::http_client> http =
    std::make_shared<net::http_client>(net::http_client::options{});
  discord_actor dc;

  explicit rig(script answer, std::int64_t base_ms = 500, std::int64_t max_ms = 4000)
    : server([m = mutex, l = log, c = counts, answer](const test::received_request& r) {
        int attempt = 0;
        {
          std::lock_guard<std::mutex> guard{*m};
          l->push_back(seen{r.method, r.target, r.body, clock_type::now()});
          attempt = ++(*c)[r.method + " " + r.target];
        }
        return answer(r, attempt);
      }) {
    auto loaded = i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales");
    REQUIRE(loaded);
    auto handles = std::make_shared<engine_handles>();
    handles->command.put(caf::actor_cast<command_actor>(commands));
    auto opts = std::make_shared<multiplatform::discord_options>();
    opts->settings.api_url = server.url("/api/v10");
    opts->settings.token = "tok";
    opts->settings.application_id = "1234";
    opts->settings.rest_retry_base_ms = base_ms;
    opts->settings.rest_retry_max_ms = max_ms;
    opts->http = http;
    opts->texts = std::make_shared<i18n::catalog>(*loaded.value);
    opts->engines = handles;
    caf::scoped_actor self{sys};
    dc = multiplatform::spawn_discord(self.ptr(), opts);
  }

  ~rig() {
    for (auto a : {caf::actor_cast<caf::actor>(dc), commands})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    http->shutdown();
  }

  void dispatch(const std::string& body) {
    caf::anon_send(dc, discord::dispatch_atom::value, std::string{"INTERACTION_CREATE"},
                   std::int32_t{0}, body);
  }

  std::vector<seen> requests_to(const std::string& path) const {
    std::lock_guard<std::mutex> guard{*mutex};
    std::vector<seen> out;
    for (const auto& s : *log)
      if (s.path == path)
        out.push_back(s);
    return out;
  }
};

test::canned_response status(unsigned code, std::string body = {},
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
  test::canned_response r;
  r.status = code;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

const std::string message_json = R"({"id":"1","channel_id":"555","content":"","embeds":[]})";

std::chrono::milliseconds gap(const seen& a, const seen& b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b.at - a.at);
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

double gave_up_total() {
  return metrics::get_counter("lastgram_discord_rest_gave_up_total", "").value();
}

} // namespace

TEST_CASE("discord REST: a 429 waits for retry_after, Retry-After or X-RateLimit-Reset-After",
          "[discord][rest][retry]") {
  const std::string limited = R"({"message":"You are being rate limited.","global":false)";
  rig r{[&](const test::received_request& req, int attempt) {
    if (attempt > 1)
      return status(204);
    if (contains(req.target, "/tok1/"))
      return status(429, limited + R"(,"retry_after":0.3})");
    if (contains(req.target, "/tok2/"))
      return status(429, limited + "}", {{"Retry-After", "2"}});
    return status(429, limited + "}", {{"X-RateLimit-Reset-After", "0.6"}});
  }};
  auto before = gave_up_total();
  r.dispatch(slash(1, "one"));
  r.dispatch(slash(2, "one"));
  r.dispatch(slash(3, "one"));
  auto path = [](int n) {
    return "/api/v10/interactions/" + std::to_string(9000 + n) + "/tok" + std::to_string(n)
           + "/callback";
  };
  REQUIRE(test::eventually(
    [&] {
      for (int n = 1; n <= 3; ++n)
        if (r.requests_to(path(n)).size() < 2)
          return false;
      return true;
    },
    10s));
  // Each asked wait, and not much more (the callback has 3 s in all).
  std::map<int, std::pair<std::chrono::milliseconds, std::chrono::milliseconds>> bounds{
    {1, {300ms, 1500ms}}, {2, {2000ms, 2900ms}}, {3, {600ms, 1800ms}}};
  for (int n = 1; n <= 3; ++n) {
    auto calls = r.requests_to(path(n));
    INFO("interaction " << n);
    REQUIRE(calls.size() == 2);
    CHECK(calls[1].body == calls[0].body);
    CHECK(contains(calls[1].body, "first answer"));
    CHECK(gap(calls[0], calls[1]) >= bounds[n].first);
    CHECK(gap(calls[0], calls[1]) < bounds[n].second);
  }
  CHECK(test::holds_for([&] { return r.requests_to(path(1)).size() == 2; }, 300ms));
  CHECK(gave_up_total() == before);
}

TEST_CASE("discord REST: a 5xx is retried with a doubling backoff, then given up with "
          "errors.generic for the user",
          "[discord][rest][retry]") {
  // Follow-ups carrying the second reply keep failing; anything else goes.
  rig r{[&](const test::received_request& req, int attempt) {
          if (contains(req.target, "/callback"))
            return status(204);
          if (contains(req.body, "second reply"))
            return status(attempt == 1 ? 503 : 500, R"({"message":"oops","code":0})");
          return status(200, message_json);
        },
        40, 160};
  auto before = gave_up_total();
  r.dispatch(slash(4, "two"));
  const std::string follow_up = "/api/v10/webhooks/1234/tok4";
  auto bodies_with = [&](const std::string& text) {
    std::vector<seen> out;
    for (auto& s : r.requests_to(follow_up))
      if (contains(s.body, text))
        out.push_back(s);
    return out;
  };
  REQUIRE(test::eventually([&] { return !bodies_with("Something went wrong").empty(); }, 10s));
  auto tries = bodies_with("second reply");
  REQUIRE(tries.size() == 5);
  // 40, 80, 160 ms, then the cap.
  const std::vector<std::chrono::milliseconds> waits{40ms, 80ms, 160ms, 160ms};
  for (std::size_t k = 0; k + 1 < tries.size(); ++k) {
    INFO("wait " << k);
    CHECK(gap(tries[k], tries[k + 1]) >= waits[k]);
    CHECK(gap(tries[k], tries[k + 1]) < waits[k] + 1000ms);
  }
  // The user gets errors.generic once, and the answer's callback went once.
  CHECK(test::holds_for(
    [&] {
      return bodies_with("Something went wrong").size() == 1 && bodies_with("second reply").size() == 5;
    },
    500ms));
  CHECK(r.requests_to("/api/v10/interactions/9004/tok4/callback").size() == 1);
  CHECK(gave_up_total() == before + 1);
}

TEST_CASE("discord REST: 5xx answers that stop in time are retried to success, nothing given up",
          "[discord][rest][retry]") {
  rig r{[&](const test::received_request& req, int attempt) {
          if (contains(req.target, "/callback"))
            return status(204);
          return attempt < 3 ? status(502, "") : status(200, message_json);
        },
        30, 100};
  auto before = gave_up_total();
  r.dispatch(slash(5, "two"));
  const std::string follow_up = "/api/v10/webhooks/1234/tok5";
  REQUIRE(test::eventually([&] { return r.requests_to(follow_up).size() >= 3; }, 10s));
  CHECK(test::holds_for([&] { return r.requests_to(follow_up).size() == 3; }, 500ms));
  for (auto& s : r.requests_to(follow_up))
    CHECK(contains(s.body, "second reply"));
  CHECK(gave_up_total() == before);
}
