#include "platforms/telegram/webhook.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using lastgram::telegram_settings;
using lastgram::telegram::allowed_updates;
using lastgram::telegram::secret_matches;
using lastgram::telegram::webhook_route;
using lastgram::telegram::webhook_url;

namespace {

telegram_settings with(std::string token, std::string path = {}, std::string public_url = {}) {
  telegram_settings s;
  s.token = std::move(token);
  s.webhook_path = std::move(path);
  s.public_url = std::move(public_url);
  return s;
}

} // namespace

TEST_CASE("a configured webhook path is the route's segment as written", "[telegram][webhook]") {
  CHECK(webhook_route(with("123:abc", "my_Hook-1")) == "/telegram/my_Hook-1");
}

TEST_CASE("without a webhook path the segment is derived from the token", "[telegram][webhook]") {
  // Expected values computed independently:
  // python3 -c "import hashlib; print(hashlib.sha256(b'lastgram-webhook:123456:ABC-token')
  //   .hexdigest()[:32])"
  CHECK(webhook_route(with("123456:ABC-token")) == "/telegram/154ca626500566d835627baa0f81998b");
  CHECK(webhook_route(with("")) == "/telegram/cd37011ec1888b376af37edcc147c001");
  // Stable across calls, different per token, never the token itself.
  CHECK(webhook_route(with("1:a")) == webhook_route(with("1:a")));
  CHECK(webhook_route(with("1:a")) != webhook_route(with("1:b")));
  CHECK(webhook_route(with("1:a")).find("1:a") == std::string::npos);
}

TEST_CASE("the webhook URL joins the public URL and the route with one slash",
          "[telegram][webhook]") {
  CHECK(webhook_url(with("t", "p", "https://bot.example.org"))
        == "https://bot.example.org/telegram/p");
  CHECK(webhook_url(with("t", "p", "https://bot.example.org/"))
        == "https://bot.example.org/telegram/p");
  CHECK(webhook_url(with("t", "p", "https://example.org/lastgram//"))
        == "https://example.org/lastgram/telegram/p");
  CHECK(webhook_url(with("123456:ABC-token", "", "http://127.0.0.1:8080"))
        == "http://127.0.0.1:8080/telegram/154ca626500566d835627baa0f81998b");
}

TEST_CASE("the secret header must equal the secret exactly", "[telegram][webhook]") {
  CHECK(secret_matches("s3cr3t_-X", "s3cr3t_-X"));
  CHECK_FALSE(secret_matches("s3cr3t_-x", "s3cr3t_-X"));
  CHECK_FALSE(secret_matches("s3cr3t_-", "s3cr3t_-X"));
  CHECK_FALSE(secret_matches("s3cr3t_-XY", "s3cr3t_-X"));
  CHECK_FALSE(secret_matches("", "s3cr3t"));
  std::string long_secret(256, 'a');
  CHECK(secret_matches(long_secret, long_secret));
  CHECK_FALSE(secret_matches(long_secret.substr(1) + "b", long_secret));
}

TEST_CASE("an empty secret never matches, not even an empty header", "[telegram][webhook]") {
  CHECK_FALSE(secret_matches("", ""));
  CHECK_FALSE(secret_matches("anything", ""));
}

TEST_CASE("the bot asks for exactly the update types it handles", "[telegram][webhook]") {
  CHECK(allowed_updates()
        == std::vector<std::string>{"message", "edited_message", "callback_query",
                                    "inline_query", "my_chat_member"});
}
