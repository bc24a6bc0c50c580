#include "platforms/net/http_client.hpp"
#include "platforms/telegram/bot_api.hpp"
#include "support/test_http_server.hpp"

#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using lastgram::net::http_client;
using lastgram::telegram::api_result;
using lastgram::telegram::bot_api;
using lastgram::telegram::bot_command;
using lastgram::test::canned_response;
using lastgram::test::received_request;
using lastgram::test::reply_action;
using lastgram::test::test_http_server;

namespace {

const std::string token = "123456:SECRET-token_abc";

std::shared_ptr<http_client> make_client() {
  http_client::options opts;
  return std::make_shared<http_client>(opts);
}

canned_response json_reply(unsigned status, std::string body) {
  canned_response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

canned_response ok_true(std::string result = "true") {
  return json_reply(200, R"({"ok":true,"result":)" + result + "}");
}

// Runs one API call and waits for its result (bounded).
template <class F>
api_result run(F&& start) {
  auto promise = std::make_shared<std::promise<api_result>>();
  auto future = promise->get_future();
  start([promise](api_result r) { promise->set_value(std::move(r)); });
  REQUIRE(future.wait_for(15s) == std::future_status::ready);
  return future.get();
}

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

std::string str(const rapidjson::Value& v) {
  REQUIRE(v.IsString());
  return std::string(v.GetString(), v.GetStringLength());
}

// A server that answers every request with `reply`, and a bot_api on it.
struct fixture {
  explicit fixture(canned_response reply = ok_true())
    : server([reply](const received_request&) { return reply; }),
      http(make_client()),
      api(server.url(""), token, http) {
  }
  received_request only_request() const {
    auto reqs = server.requests();
    REQUIRE(reqs.size() == 1);
    return reqs.front();
  }
  test_http_server server;
  std::shared_ptr<http_client> http;
  bot_api api;
};

} // namespace

TEST_CASE("bot_api posts JSON to /bot<token>/<method>", "[telegram][api]") {
  fixture f(ok_true(R"({"id":42,"is_bot":true,"username":"lastgram_bot"})"));
  auto r = run([&](auto cb) { f.api.get_me(cb); });
  CHECK(r.ok);
  CHECK_FALSE(r.network_error);
  CHECK(r.error_code == 0);
  auto result = parse(r.result_json);
  CHECK(result["id"].GetInt() == 42);
  CHECK(str(result["username"]) == "lastgram_bot");
  auto req = f.only_request();
  CHECK(req.method == "POST");
  CHECK(req.target == "/bot" + token + "/getMe");
  CHECK(req.header("Content-Type") == "application/json");
}

TEST_CASE("bot_api ignores a trailing slash of the base URL", "[telegram][api]") {
  test_http_server server([](const received_request&) { return ok_true(); });
  auto http = make_client();
  bot_api api(server.url("/"), token, http);
  auto r = run([&](auto cb) { api.delete_webhook(true, cb); });
  CHECK(r.ok);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].target == "/bot" + token + "/deleteWebhook");
  CHECK(parse(reqs[0].body)["drop_pending_updates"].GetBool());
}

TEST_CASE("sendMessage body carries HTML text, reply, keyboard and preview flag",
          "[telegram][api]") {
  fixture f(ok_true(R"({"message_id":7})"));
  std::string text = "<b>Now</b> \"quoted\" \\ back\nline ünïcode";
  auto r = run([&](auto cb) {
    f.api.send_message(-100123, text, 55,
                       R"({"inline_keyboard":[[{"text":"more","callback_data":"p:2"}]]})",
                       true, cb);
  });
  CHECK(r.ok);
  auto req = f.only_request();
  CHECK(req.target == "/bot" + token + "/sendMessage");
  auto body = parse(req.body);
  CHECK(body["chat_id"].GetInt64() == -100123);
  CHECK(str(body["text"]) == text);
  CHECK(str(body["parse_mode"]) == "HTML");
  CHECK(body["reply_parameters"]["message_id"].GetInt64() == 55);
  CHECK(body["reply_parameters"]["allow_sending_without_reply"].GetBool());
  CHECK(body["link_preview_options"]["is_disabled"].GetBool());
  CHECK(str(body["reply_markup"]["inline_keyboard"][0][0]["callback_data"]) == "p:2");
}

TEST_CASE("sendMessage without reply, keyboard or preview flag omits them",
          "[telegram][api]") {
  fixture f;
  auto r = run([&](auto cb) { f.api.send_message(5, "hi", 0, "", false, cb); });
  CHECK(r.ok);
  auto body = parse(f.only_request().body);
  CHECK_FALSE(body.HasMember("reply_parameters"));
  CHECK_FALSE(body.HasMember("reply_markup"));
  CHECK_FALSE(body.HasMember("link_preview_options"));
}

TEST_CASE("an invalid keyboard fails at once without a request", "[telegram][api]") {
  fixture f;
  auto r = run([&](auto cb) { f.api.send_message(5, "hi", 0, "{not json", false, cb); });
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.network_error);
  CHECK(r.error_code == 0);
  CHECK_THAT(r.description, Catch::Contains("reply_markup"));
  CHECK(f.server.requests().empty());
}

TEST_CASE("sendPhoto and editMessageText bodies", "[telegram][api]") {
  fixture f;
  run([&](auto cb) {
    f.api.send_photo(9, "https://img.example/a.png", "<i>cap</i>", 3,
                     R"({"inline_keyboard":[]})", cb);
  });
  run([&](auto cb) { f.api.edit_message_text(-9, 77, "new & <b>text</b>", "", true, cb); });
  auto reqs = f.server.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].target == "/bot" + token + "/sendPhoto");
  auto photo = parse(reqs[0].body);
  CHECK(photo["chat_id"].GetInt64() == 9);
  CHECK(str(photo["photo"]) == "https://img.example/a.png");
  CHECK(str(photo["caption"]) == "<i>cap</i>");
  CHECK(str(photo["parse_mode"]) == "HTML");
  CHECK(photo["reply_parameters"]["message_id"].GetInt64() == 3);
  CHECK(photo["reply_markup"]["inline_keyboard"].IsArray());
  CHECK(reqs[1].target == "/bot" + token + "/editMessageText");
  auto edit = parse(reqs[1].body);
  CHECK(edit["chat_id"].GetInt64() == -9);
  CHECK(edit["message_id"].GetInt64() == 77);
  CHECK(str(edit["text"]) == "new & <b>text</b>");
  CHECK(str(edit["parse_mode"]) == "HTML");
  CHECK(edit["link_preview_options"]["is_disabled"].GetBool());
  CHECK_FALSE(edit.HasMember("reply_markup"));
}

TEST_CASE("getUpdates and setWebhook bodies", "[telegram][api]") {
  fixture f(ok_true("[]"));
  auto r = run([&](auto cb) {
    f.api.get_updates(1001, 0, {"message", "callback_query", "inline_query"}, cb);
  });
  CHECK(r.ok);
  CHECK(r.result_json == "[]");
  run([&](auto cb) {
    f.api.set_webhook("https://bot.example/tg", "s3cr\"et", {"message"}, 40, false, cb);
  });
  auto reqs = f.server.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].target == "/bot" + token + "/getUpdates");
  auto updates = parse(reqs[0].body);
  CHECK(updates["offset"].GetInt64() == 1001);
  CHECK(updates["timeout"].GetInt() == 0);
  REQUIRE(updates["allowed_updates"].Size() == 3);
  CHECK(str(updates["allowed_updates"][2]) == "inline_query");
  CHECK(reqs[1].target == "/bot" + token + "/setWebhook");
  auto hook = parse(reqs[1].body);
  CHECK(str(hook["url"]) == "https://bot.example/tg");
  CHECK(str(hook["secret_token"]) == "s3cr\"et");
  CHECK(str(hook["allowed_updates"][0]) == "message");
  CHECK(hook["max_connections"].GetInt() == 40);
  CHECK_FALSE(hook["drop_pending_updates"].GetBool());
}

TEST_CASE("getUpdates waits past a long-poll timeout without timing out",
          "[telegram][api]") {
  // The server answers after 1.2 s, like Telegram holding a long poll; the
  // HTTP deadline must be the poll timeout plus a margin, not shorter.
  canned_response slow = ok_true("[]");
  slow.delay = 1200ms;
  fixture f(slow);
  auto r = run([&](auto cb) { f.api.get_updates(0, 1, {}, cb); });
  CHECK(r.ok);
  CHECK_FALSE(r.network_error);
  auto body = parse(f.only_request().body);
  CHECK_FALSE(body.HasMember("offset"));
  CHECK_FALSE(body.HasMember("allowed_updates"));
  CHECK(body["timeout"].GetInt() == 1);
}

TEST_CASE("answerCallbackQuery, answerInlineQuery and setMyCommands bodies",
          "[telegram][api]") {
  fixture f;
  run([&](auto cb) { f.api.answer_callback_query("cbq-1", "Done!", true, cb); });
  run([&](auto cb) {
    f.api.answer_inline_query(
      "iq-2", R"([{"type":"article","id":"1","title":"t","input_message_content":{"message_text":"x"}}])",
      30, true, cb);
  });
  run([&](auto cb) {
    f.api.set_my_commands({{"np", "Now playing"}, {"top", "Top <artists> & \"more\""}}, "pt", cb);
  });
  auto reqs = f.server.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].target == "/bot" + token + "/answerCallbackQuery");
  auto cbq = parse(reqs[0].body);
  CHECK(str(cbq["callback_query_id"]) == "cbq-1");
  CHECK(str(cbq["text"]) == "Done!");
  CHECK(cbq["show_alert"].GetBool());
  CHECK(reqs[1].target == "/bot" + token + "/answerInlineQuery");
  auto iq = parse(reqs[1].body);
  CHECK(str(iq["inline_query_id"]) == "iq-2");
  CHECK(str(iq["results"][0]["type"]) == "article");
  CHECK(iq["cache_time"].GetInt() == 30);
  CHECK(iq["is_personal"].GetBool());
  CHECK(reqs[2].target == "/bot" + token + "/setMyCommands");
  auto cmds = parse(reqs[2].body);
  REQUIRE(cmds["commands"].Size() == 2);
  CHECK(str(cmds["commands"][0]["command"]) == "np");
  CHECK(str(cmds["commands"][1]["description"]) == "Top <artists> & \"more\"");
  CHECK(str(cmds["language_code"]) == "pt");
}

TEST_CASE("answerInlineQuery rejects results that are not a JSON array",
          "[telegram][api]") {
  fixture f;
  auto r = run([&](auto cb) { f.api.answer_inline_query("iq", R"({"a":1})", 0, false, cb); });
  CHECK_FALSE(r.ok);
  CHECK(f.server.requests().empty());
}

TEST_CASE("Bot API errors become values with code and description", "[telegram][api]") {
  SECTION("400 with a description") {
    fixture f(json_reply(
      400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})"));
    auto r = run([&](auto cb) { f.api.send_message(1, "x", 0, "", false, cb); });
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.network_error);
    CHECK(r.error_code == 400);
    CHECK(r.description == "Bad Request: chat not found");
    CHECK(r.retry_after_s == 0);
  }
  SECTION("401 unauthorized") {
    fixture f(json_reply(401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})"));
    auto r = run([&](auto cb) { f.api.get_me(cb); });
    CHECK_FALSE(r.ok);
    CHECK(r.error_code == 401);
    CHECK(r.description == "Unauthorized");
  }
  SECTION("403 blocked by the user") {
    fixture f(json_reply(
      403, R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})"));
    auto r = run([&](auto cb) { f.api.send_message(1, "x", 0, "", false, cb); });
    CHECK(r.error_code == 403);
    CHECK_THAT(r.description, Catch::Contains("blocked"));
  }
  SECTION("429 with parameters.retry_after") {
    fixture f(json_reply(429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 17","parameters":{"retry_after":17}})"));
    auto r = run([&](auto cb) { f.api.send_message(1, "x", 0, "", false, cb); });
    CHECK_FALSE(r.ok);
    CHECK(r.error_code == 429);
    CHECK(r.retry_after_s == 17);
  }
  SECTION("400 with parameters.migrate_to_chat_id") {
    fixture f(json_reply(400, R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890}})"));
    auto r = run([&](auto cb) { f.api.send_message(-42, "x", 0, "", false, cb); });
    CHECK(r.error_code == 400);
    CHECK(r.migrate_to_chat_id == -1001234567890);
    CHECK(r.retry_after_s == 0);
  }
  SECTION("429 with only a Retry-After header") {
    canned_response reply = json_reply(429, "<html>slow down</html>");
    reply.headers.emplace_back("Retry-After", "4");
    fixture f(reply);
    auto r = run([&](auto cb) { f.api.send_message(1, "x", 0, "", false, cb); });
    CHECK(r.error_code == 429);
    CHECK(r.retry_after_s == 4);
  }
}

TEST_CASE("odd answers become values, never exceptions", "[telegram][api]") {
  SECTION("an HTML 502 page") {
    canned_response reply;
    reply.status = 502;
    reply.body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    reply.headers.emplace_back("Content-Type", "text/html");
    fixture f(reply);
    auto r = run([&](auto cb) { f.api.get_me(cb); });
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.network_error);
    CHECK(r.error_code == 502);
    CHECK_THAT(r.description, Catch::Contains("502"));
    CHECK(r.result_json.empty());
  }
  SECTION("an empty body") {
    fixture f(json_reply(200, ""));
    auto r = run([&](auto cb) { f.api.get_me(cb); });
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.network_error);
    CHECK(r.error_code == 200);
    CHECK_THAT(r.description, Catch::Contains("empty"));
  }
  SECTION("JSON without an ok field") {
    fixture f(json_reply(200, R"({"result":1})"));
    auto r = run([&](auto cb) { f.api.get_me(cb); });
    CHECK_FALSE(r.ok);
    CHECK(r.error_code == 200);
  }
}

TEST_CASE("network failures are flagged and never leak the token", "[telegram][api]") {
  SECTION("the server closes without answering") {
    canned_response reply;
    reply.action = reply_action::close_without_answer;
    fixture f(reply);
    auto r = run([&](auto cb) { f.api.send_message(1, "x", 0, "", false, cb); });
    CHECK_FALSE(r.ok);
    CHECK(r.network_error);
    CHECK(r.error_code == 0);
    CHECK_FALSE(r.description.empty());
    CHECK(r.description.find(token) == std::string::npos);
    CHECK(r.description.find("SECRET") == std::string::npos);
  }
  SECTION("nothing listens") {
    auto http = make_client();
    bot_api api("http://127.0.0.1:" + std::to_string(lastgram::test::unused_loopback_port()),
                token, http);
    auto r = run([&](auto cb) { api.get_me(cb); });
    CHECK(r.network_error);
    CHECK(r.description.find(token) == std::string::npos);
    CHECK(r.description.find("SECRET") == std::string::npos);
  }
}

TEST_CASE("the observer sees every call's method and outcome", "[telegram][api]") {
  test_http_server server([](const received_request& req) {
    if (req.target.find("getMe") != std::string::npos)
      return ok_true();
    return json_reply(429, R"({"ok":false,"error_code":429,"description":"x","parameters":{"retry_after":1}})");
  });
  auto http = make_client();
  std::mutex m;
  std::vector<std::pair<std::string, std::string>> seen;
  bot_api api(server.url(""), token, http, [&](std::string_view method, std::string_view code) {
    std::lock_guard<std::mutex> guard(m);
    seen.emplace_back(std::string(method), std::string(code));
  });
  run([&](auto cb) { api.get_me(cb); });
  run([&](auto cb) { api.send_message(1, "x", 0, "", false, cb); });
  std::lock_guard<std::mutex> guard(m);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == std::make_pair(std::string("getMe"), std::string("200")));
  CHECK(seen[1] == std::make_pair(std::string("sendMessage"), std::string("429")));
}
