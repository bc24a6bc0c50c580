// `lastgram telegram ...`: the built binary against a loopback fake Bot API
// that records every request, and the pure helpers behind set-commands.

#include "support/build_paths.hpp"
#include "runtime/telegram_cli.hpp"

#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/registry.hpp"
#include "i18n/catalog.hpp"
#include "support/process.hpp"
#include "support/test_http_server.hpp"

using namespace std::chrono_literals;
using lastgram::test::canned_response;
using lastgram::test::received_request;
using lastgram::test::run;
using lastgram::test::run_result;
using lastgram::test::test_http_server;

namespace rt = lastgram::runtime;

namespace {

const std::string token = "123456:AAH-cli-token_zq9x";
const std::string secret = "hook_secret-42";
const std::string repo_ini = std::string{LASTGRAM_SOURCE_DIR} + "/config.ini";

canned_response answer(unsigned status, std::string body) {
  canned_response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

/// A fake Bot API answering every method with `{"ok":true,"result":true}`.
test_http_server::handler always_ok() {
  return [](const received_request&) { return answer(200, R"({"ok":true,"result":true})"); };
}

/// `lastgram telegram <args...>` with the repository's config.ini, the Bot
/// API at `api`, and `env` (the token and secret unless overridden).
run_result lastgram_telegram(const test_http_server& api, std::vector<std::string> args,
                             std::vector<std::string> env = {"LASTGRAM_TELEGRAM_TOKEN=" + token,
                                                             "LASTGRAM_TELEGRAM_WEBHOOK_SECRET="
                                                               + secret}) {
  std::vector<std::string> argv{LASTGRAM_BINARY, "telegram"};
  argv.insert(argv.end(), args.begin(), args.end());
  for (std::string extra : {"--config", repo_ini.c_str(), "--set"})
    argv.push_back(extra);
  argv.push_back("telegram.api-url=" + api.url(""));
  return run(argv, "", env, 60s);
}

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

std::vector<std::string> strings(const rapidjson::Value& array) {
  std::vector<std::string> out;
  for (auto& v : array.GetArray())
    out.emplace_back(v.GetString());
  return out;
}

void check_no_token(const run_result& res) {
  CHECK(res.out.find("zq9x") == std::string::npos);
  CHECK(res.err.find("zq9x") == std::string::npos);
}

} // namespace

TEST_CASE("set-webhook registers the public URL, secret, update types and limits",
          "[telegram][cli][e2e]") {
  test_http_server api{always_ok()};
  auto res = lastgram_telegram(api, {"set-webhook", "--drop-pending-updates", "--set",
                                     "telegram.public-url=https://bot.example.org/lg/", "--set",
                                     "telegram.webhook-path=My_path-1", "--set",
                                     "telegram.max-connections=7"});
  INFO("stdout: " << res.out << "\nstderr: " << res.err);
  CHECK(res.exit_code == 0);
  auto requests = api.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].target == "/bot" + token + "/setWebhook");
  auto body = parse(requests[0].body);
  CHECK(std::string{body["url"].GetString()} == "https://bot.example.org/lg/telegram/My_path-1");
  CHECK(std::string{body["secret_token"].GetString()} == secret);
  CHECK(strings(body["allowed_updates"])
        == std::vector<std::string>{"message", "edited_message", "callback_query",
                                    "inline_query", "my_chat_member"});
  CHECK(body["max_connections"].GetInt() == 7);
  CHECK(body["drop_pending_updates"].GetBool());
  CHECK(res.out.find("https://bot.example.org/lg/telegram/My_path-1") != std::string::npos);
  check_no_token(res);
}

TEST_CASE("set-webhook derives the path from the token and keeps pending updates by default",
          "[telegram][cli][e2e]") {
  test_http_server api{always_ok()};
  auto res = lastgram_telegram(api, {"set-webhook", "--set",
                                     "telegram.public-url=http://127.0.0.1:8080"});
  INFO("stderr: " << res.err);
  CHECK(res.exit_code == 0);
  auto requests = api.requests();
  REQUIRE(requests.size() == 1);
  auto body = parse(requests[0].body);
  std::string url = body["url"].GetString();
  CHECK(url.rfind("http://127.0.0.1:8080/telegram/", 0) == 0);
  CHECK(url.size() == std::string{"http://127.0.0.1:8080/telegram/"}.size() + 32);
  CHECK(body["max_connections"].GetInt() == 40);
  CHECK_FALSE(body["drop_pending_updates"].GetBool());
  // The default mode is polling: the operator is reminded.
  CHECK(res.err.find("telegram.mode") != std::string::npos);
}

TEST_CASE("set-webhook without a public URL or a secret is a usage error and sends nothing",
          "[telegram][cli][e2e]") {
  test_http_server api{always_ok()};
  auto no_url = lastgram_telegram(api, {"set-webhook"});
  CHECK(no_url.exit_code == 2);
  CHECK(no_url.err.find("telegram.public-url") != std::string::npos);
  auto no_secret =
    lastgram_telegram(api, {"set-webhook", "--set", "telegram.public-url=https://x.org"},
                      {"LASTGRAM_TELEGRAM_TOKEN=" + token, "LASTGRAM_TELEGRAM_WEBHOOK_SECRET="});
  CHECK(no_secret.exit_code == 2);
  CHECK(no_secret.err.find("LASTGRAM_TELEGRAM_WEBHOOK_SECRET") != std::string::npos);
  CHECK(api.requests().empty());
}

TEST_CASE("without a token every call is refused with exit code 2", "[telegram][cli][e2e]") {
  test_http_server api{always_ok()};
  std::vector<std::string> no_token{"LASTGRAM_TELEGRAM_TOKEN=",
                                    "LASTGRAM_TELEGRAM_WEBHOOK_SECRET=" + secret};
  for (auto args : {std::vector<std::string>{"set-webhook", "--set",
                                             "telegram.public-url=https://x.org"},
                    std::vector<std::string>{"delete-webhook"},
                    std::vector<std::string>{"set-commands"}}) {
    auto res = lastgram_telegram(api, args, no_token);
    INFO(args.front() << ": " << res.err);
    CHECK(res.exit_code == 2);
    CHECK(res.err.find("LASTGRAM_TELEGRAM_TOKEN") != std::string::npos);
  }
  CHECK(api.requests().empty());
}

TEST_CASE("delete-webhook calls deleteWebhook with the drop flag", "[telegram][cli][e2e]") {
  test_http_server api{always_ok()};
  auto res = lastgram_telegram(api, {"delete-webhook", "--drop-pending-updates"});
  INFO("stderr: " << res.err);
  CHECK(res.exit_code == 0);
  auto requests = api.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].target == "/bot" + token + "/deleteWebhook");
  CHECK(parse(requests[0].body)["drop_pending_updates"].GetBool());
  CHECK(res.out.find("webhook deleted") != std::string::npos);
}

TEST_CASE("set-commands sends one localized menu per locale, without hidden or developer "
          "commands",
          "[telegram][cli][e2e]") {
  test_http_server api{always_ok()};
  auto res = lastgram_telegram(api, {"set-commands"});
  INFO("stdout: " << res.out << "\nstderr: " << res.err);
  CHECK(res.exit_code == 0);
  auto requests = api.requests();
  REQUIRE(requests.size() == 5);
  std::vector<std::string> codes;
  std::map<std::string, std::map<std::string, std::string>> menus;
  for (auto& r : requests) {
    CHECK(r.target == "/bot" + token + "/setMyCommands");
    auto body = parse(r.body);
    std::string code = body.HasMember("language_code") ? body["language_code"].GetString() : "";
    codes.push_back(code);
    for (auto& c : body["commands"].GetArray())
      menus[code][c["command"].GetString()] = c["description"].GetString();
  }
  CHECK(codes == std::vector<std::string>{"", "es", "fr", "pt", "ru"});
  CHECK(menus[""]["help"] == "List the commands, or explain one of them");
  CHECK(menus["pt"]["help"] == "Lista os comandos ou explica um deles");
  CHECK(menus["ru"]["help"] == "Список команд или описание одной из них");
  CHECK(menus["es"]["help"] != menus[""]["help"]);
  for (auto& [code, menu] : menus) {
    INFO("language_code " << code);
    CHECK(menu.count("start") == 0); // hidden
    CHECK(menu.count("debug") == 0); // developer guard
    CHECK(menu.count("register") == 1);
    CHECK(menu.count("botinfo") == 1);
    CHECK(menu.size() == menus[""].size());
  }
  check_no_token(res);
}

TEST_CASE("set-commands --dry-run prints every menu and calls nothing, even without a token",
          "[telegram][cli][e2e]") {
  test_http_server api{always_ok()};
  auto res = lastgram_telegram(api, {"set-commands", "--dry-run"}, {"LASTGRAM_TELEGRAM_TOKEN="});
  INFO("stderr: " << res.err);
  CHECK(res.exit_code == 0);
  CHECK(res.out.find("default language (en)") != std::string::npos);
  CHECK(res.out.find("language_code pt") != std::string::npos);
  CHECK(res.out.find("/help - List the commands, or explain one of them") != std::string::npos);
  CHECK(res.out.find("/help - Lista os comandos ou explica um deles") != std::string::npos);
  CHECK(res.out.find("/debug") == std::string::npos);
  CHECK(res.out.find("/start") == std::string::npos);
  CHECK(api.requests().empty());
}

TEST_CASE("a Telegram error answer exits 1 with its description", "[telegram][cli][e2e]") {
  SECTION("set-webhook") {
    test_http_server api{[](const received_request&) {
      return answer(400, R"({"ok":false,"error_code":400,"description":)"
                         R"("Bad Request: bad webhook: HTTPS url must be provided for webhook"})");
    }};
    auto res = lastgram_telegram(api, {"set-webhook", "--set",
                                       "telegram.public-url=http://example.org"});
    CHECK(res.exit_code == 1);
    CHECK(res.err.find("setWebhook") != std::string::npos);
    CHECK(res.err.find("Bad Request: bad webhook: HTTPS url must be provided for webhook")
          != std::string::npos);
    check_no_token(res);
  }
  SECTION("set-commands stops at the first refused language") {
    test_http_server api{[](const received_request& r) {
      if (r.body.find("\"language_code\":\"es\"") != std::string::npos)
        return answer(400, R"({"ok":false,"error_code":400,)"
                           R"("description":"Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"})");
      return answer(200, R"({"ok":true,"result":true})");
    }};
    auto res = lastgram_telegram(api, {"set-commands"});
    CHECK(res.exit_code == 1);
    CHECK(res.err.find("BOT_COMMAND_DESCRIPTION_INVALID") != std::string::npos);
    CHECK(res.err.find("language_code es") != std::string::npos);
    CHECK(api.requests().size() == 2);
  }
  SECTION("delete-webhook with a wrong token") {
    test_http_server api{[](const received_request&) {
      return answer(401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})");
    }};
    auto res = lastgram_telegram(api, {"delete-webhook"});
    CHECK(res.exit_code == 1);
    CHECK(res.err.find("Telegram answered 401: Unauthorized") != std::string::npos);
  }
}

TEST_CASE("an unreachable Bot API exits 1 naming a network error", "[telegram][cli][e2e]") {
  auto port = lastgram::test::unused_loopback_port();
  auto res = run({LASTGRAM_BINARY, "telegram", "delete-webhook", "--config", repo_ini, "--set",
                  "telegram.api-url=http://127.0.0.1:" + std::to_string(port)},
                 "", {"LASTGRAM_TELEGRAM_TOKEN=" + token}, 60s);
  CHECK(res.exit_code == 1);
  CHECK(res.err.find("no answer from Telegram") != std::string::npos);
  check_no_token(res);
}

TEST_CASE("Telegram's command name rule", "[telegram][cli]") {
  CHECK(rt::valid_command_name("help"));
  CHECK(rt::valid_command_name("top_artists2"));
  CHECK(rt::valid_command_name(std::string(32, 'a')));
  CHECK_FALSE(rt::valid_command_name(std::string(33, 'a')));
  CHECK_FALSE(rt::valid_command_name(""));
  CHECK_FALSE(rt::valid_command_name("Help"));
  CHECK_FALSE(rt::valid_command_name("top-artists"));
}

TEST_CASE("descriptions are cut at a character boundary within Telegram's limit",
          "[telegram][cli]") {
  CHECK(rt::truncate_description("short") == "short");
  std::string exact(256, 'x');
  CHECK(rt::truncate_description(exact) == exact);
  CHECK(rt::truncate_description(exact + "y") == std::string(255, 'x') + "\xe2\x80\xa6");
  // "é" is 2 bytes and one character: 300 of them keep 255 whole ones.
  std::string accents;
  for (int i = 0; i < 300; ++i)
    accents += "\xc3\xa9";
  auto cut = rt::truncate_description(accents);
  CHECK(cut.size() == 255 * 2 + 3);
  CHECK(cut.substr(0, 4) == "\xc3\xa9\xc3\xa9");
  // An emoji counts two units, as Telegram counts; it is never split.
  std::string emoji = std::string(254, 'a') + "\xf0\x9f\x8e\xb5" + "tail";
  CHECK(rt::truncate_description(emoji) == std::string(254, 'a') + "\xe2\x80\xa6");
  CHECK(rt::truncate_description("abcdef", 4) == "abc\xe2\x80\xa6");
  CHECK(rt::truncate_description("ab   cdef", 4) == "ab\xe2\x80\xa6");
}

TEST_CASE("command menus: default language first, then each other locale",
          "[telegram][cli]") {
  auto loaded = lastgram::i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales",
                                              "pt");
  REQUIRE(loaded);
  lastgram::command::registry reg;
  lastgram::command::add_all_commands(reg);
  auto menus = rt::command_menus(reg, *loaded.value);
  REQUIRE(menus.size() == 5);
  CHECK(menus[0].language_code.empty());
  CHECK(menus[0].language == "pt");
  std::vector<std::string> codes;
  for (auto& m : menus)
    codes.push_back(m.language_code);
  CHECK(codes == std::vector<std::string>{"", "en", "es", "fr", "ru"});
  for (auto& m : menus) {
    std::vector<std::string> names;
    for (auto& c : m.commands) {
      names.push_back(c.command);
      CHECK(rt::valid_command_name(c.command));
      CHECK_FALSE(c.description.empty());
      CHECK(c.description.rfind("desc.", 0) == std::string::npos); // translated
    }
    CHECK(names.front() == "help"); // registration order, /start hidden
    CHECK(std::find(names.begin(), names.end(), "debug") == names.end());
  }
  CHECK(menus[0].commands.front().description == "Lista os comandos ou explica um deles");
}
