// The lastgram binary as a Telegram bot against a fake Bot API on loopback
// (a scripted HTTP server that records every call with its arrival time):
// webhook security, the outgoing limits, 429/403/odd answers, and the polling
// offset across a restart. The end-to-end conversations against the
// telegram-test-api emulator are in telegram_e2e.cpp.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include <csignal>

#include <rapidjson/document.h>

#include "support/build_paths.hpp"
#include "support/http_probe.hpp"
#include "support/process.hpp"
#include "actors/database/store.hpp"
#include "support/eventually.hpp"
#include "support/fake_bot_api.hpp"
#include "support/test_http_server.hpp"

using namespace lastgram::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* token = "123456:TEST-token_abc";
constexpr const char* secret = "s3cret-Token_1";
constexpr const char* hook_path = "/telegram/hook-for-tests";

/// A node in webhook (or polling) mode talking to `api`.
struct telegram_node {
  temp_dir dir;
  unsigned short port = free_port();
  std::unique_ptr<child_process> proc;

  telegram_node(const fake_bot_api& api, const std::string& mode,
                std::vector<std::string> extra = {}, const temp_dir* data = nullptr) {
    start(api, mode, extra, data);
  }

  void start(const fake_bot_api& api, const std::string& mode,
             const std::vector<std::string>& extra, const temp_dir* data = nullptr) {
    auto& where = data ? *data : dir;
    std::vector<std::string> args{LASTGRAM_BINARY, "run",
                                  "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
                                  "--set", "server.address=127.0.0.1",
                                  "--set", "server.port=" + std::to_string(port),
                                  "--set", "node.data-dir=" + where.file("data"),
                                  "--set", "database.path=" + where.file("data/db.sqlite3"),
                                  "--set", "telegram.api-url=" + api.url(),
                                  "--set", "telegram.mode=" + mode,
                                  "--set", "telegram.poll-timeout-seconds=1",
                                  "--set", std::string{"telegram.webhook-path="} + (hook_path + 10)};
    args.insert(args.end(), extra.begin(), extra.end());
    proc = std::make_unique<child_process>(
      args, std::vector<std::string>{std::string{"LASTGRAM_TELEGRAM_TOKEN="} + token,
                                     std::string{"LASTGRAM_TELEGRAM_WEBHOOK_SECRET="} + secret});
  }

  ~telegram_node() {
    if (proc) {
      proc->signal(SIGTERM);
      proc->wait(15s);
    }
  }

  /// POSTs `body` to the webhook route with `secret_header` (none when empty).
  unsigned post(const std::string& body, const std::string& secret_header,
                const std::string& path = hook_path) {
    std::vector<std::pair<std::string, std::string>> headers{
      {"Content-Type", "application/json"}};
    if (!secret_header.empty())
      headers.emplace_back("X-Telegram-Bot-Api-Secret-Token", secret_header);
    auto reply = http_exchange(port, http_request_text("POST", path, body, headers));
    return reply ? reply->status : 0;
  }

  bool wait_ready(const fake_bot_api& api) {
    // The bot knows its name ("/start@name") once it logged the getMe answer.
    bool ok = api.wait_for([&] { return !api.calls("getMe").empty(); }, 20s)
              && api.wait_for([&] { return http_get(port, "/healthz").status == 200; }, 20s)
              && proc->wait_for_output("event=connected", 20s, true);
    if (!ok)
      UNSCOPED_INFO("node stderr:\n" << proc->err());
    return ok;
  }
};

} // namespace

TEST_CASE("webhook: a wrong or missing secret gets 401 and runs nothing, garbage gets 400",
          "[telegram][webhook]") {
  fake_bot_api api{token};
  telegram_node node{api, "webhook"};
  REQUIRE(node.wait_ready(api));
  auto update = private_update(1, 111, "/start");
  CHECK(node.post(update, "") == 401);
  CHECK(node.post(update, "wrong-secret") == 401);
  CHECK(node.post(update, std::string{secret} + "x") == 401);
  CHECK(node.post("{not json", secret) == 400);
  CHECK(node.post(R"({"message":{"text":"/start"}})", secret) == 400);
  CHECK(node.post(update, secret, "/telegram/other-path") == 404);
  // A marker: a valid update from another chat, posted after the refused
  // ones. Had any of those been taken, its answer would have started first.
  CHECK(node.post(private_update(90, 190, "/start"), secret) == 200);
  REQUIRE(api.wait_for([&] { return api.sends_to(190).size() == 1; }, 10s));
  CHECK(api.sends_to(111).empty());

  // A valid update is answered once, even when Telegram delivers it twice.
  CHECK(node.post(update, secret) == 200);
  CHECK(node.post(update, secret) == 200);
  REQUIRE(api.wait_for([&] { return api.sends_to(111).size() >= 1; }, 10s));
  // The same marker after the duplicate: a second answer would come first.
  CHECK(node.post(private_update(91, 191, "/start"), secret) == 200);
  REQUIRE(api.wait_for([&] { return api.sends_to(191).size() == 1; }, 10s));
  auto sends = api.sends_to(111);
  REQUIRE(sends.size() == 1);
  CHECK(json_string(sends[0].body, "parse_mode") == "HTML");
  CHECK(json_string(sends[0].body, "chat_id") == "111");
  CHECK(sends[0].body.find("\"message_id\":1") != std::string::npos); // quotes /start
  auto metrics = http_get(node.port, "/metrics").body;
  CHECK(metrics.find("lastgram_telegram_webhook_rejected_total{reason=\"secret\"} 3")
        != std::string::npos);
  CHECK(metrics.find("lastgram_telegram_updates_total{kind=\"duplicate\"} 1")
        != std::string::npos);
  CHECK(metrics.find("lastgram_mailbox_backlog{engine=\"telegram\"}") != std::string::npos);
}

TEST_CASE("webhook: commands for another bot are ignored, ours with @name are taken",
          "[telegram][webhook]") {
  fake_bot_api api{token};
  telegram_node node{api, "webhook"};
  REQUIRE(node.wait_ready(api));
  CHECK(node.post(private_update(1, 222, "/start@OtherBot"), secret) == 200);
  CHECK(node.post(private_update(2, 333, "/start@lastgramtestbot"), secret) == 200);
  // 333's answer is the marker: 222's update was handled before it.
  REQUIRE(api.wait_for([&] { return !api.sends_to(333).empty(); }, 10s));
  CHECK(api.sends_to(222).empty());
  // The guards' read of 333 ran on the command's thread (SQLite's direct
  // reads), not through a database worker.
  auto metrics = http_get(node.port, "/metrics").body;
  CHECK(metrics.find("lastgram_database_direct_reads_total{op=\"facts\",outcome=\"served\"} 1\n")
        != std::string::npos);
}

TEST_CASE("limits: a burst to one chat is paced per chat without holding up other chats",
          "[telegram][limits]") {
  fake_bot_api api{token};
  telegram_node node{api, "webhook"};
  REQUIRE(node.wait_ready(api));
  for (int i = 0; i < 4; ++i)
    REQUIRE(node.post(private_update(10 + i, 444, "/start", 10 + i), secret) == 200);
  REQUIRE(node.post(private_update(20, 555, "/start"), secret) == 200);
  REQUIRE(api.wait_for([&] { return api.sends_to(444).size() == 4; }, 20s));
  REQUIRE(api.wait_for([&] { return api.sends_to(555).size() == 1; }, 5s));
  auto a = api.sends_to(444);
  // One message a second per private chat (the default limit).
  for (std::size_t i = 1; i < a.size(); ++i)
    CHECK(a[i].at - a[i - 1].at >= 950ms);
  // The other chat was served within the burst, not after it.
  CHECK(api.sends_to(555)[0].at < a.back().at);
}

TEST_CASE("limits: a 429 delays exactly retry_after, then the message is sent",
          "[telegram][limits]") {
  fake_bot_api api{token};
  api.set_send_policy([](const bot_call&, int nth) -> std::optional<canned_response> {
    if (nth == 1)
      return answer(429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 2","parameters":{"retry_after":2}})");
    return std::nullopt;
  });
  telegram_node node{api, "webhook"};
  REQUIRE(node.wait_ready(api));
  REQUIRE(node.post(private_update(1, 666, "/start"), secret) == 200);
  REQUIRE(api.wait_for([&] { return api.sends_to(666).size() == 2; }, 10s));
  auto sends = api.sends_to(666);
  auto gap = sends[1].at - sends[0].at;
  // Not before retry_after (how much later depends on the machine).
  CHECK(gap >= 2s);
  CHECK(sends[1].body == sends[0].body);
}

TEST_CASE("odd Bot API answers never crash the node", "[telegram][robustness]") {
  fake_bot_api api{token};
  std::atomic<int> variant{0};
  api.set_send_policy([&variant](const bot_call& call, int) -> std::optional<canned_response> {
    if (call.chat_id == 999)
      return std::nullopt; // the control chat is always answered normally
    switch (variant++ % 6) {
      case 0:
        return answer(403, R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})");
      case 1:
        return answer(502, "<html>Bad Gateway</html>");
      case 2:
        return act(reply_action::garbage);
      case 3:
        return answer(200, "{\"ok\":true");
      case 4:
        return act(reply_action::close_without_answer);
      default:
        return answer(400, R"({"ok":false,"error_code":400,"description":"Bad Request: can't parse entities"})");
    }
  });
  telegram_node node{api, "webhook"};
  REQUIRE(node.wait_ready(api));
  for (int i = 0; i < 12; ++i)
    REQUIRE(node.post(private_update(100 + i, 700 + i, "/start"), secret) == 200);
  // Every odd answer was given before the control message.
  CHECK(api.wait_for(
    [&] {
      for (int i = 0; i < 12; ++i)
        if (api.sends_to(700 + i).empty())
          return false;
      return true;
    },
    20s));
  REQUIRE(node.post(private_update(200, 999, "/start"), secret) == 200);
  CHECK(api.wait_for([&] { return api.sends_to(999).size() == 1; }, 10s));
  CHECK(http_get(node.port, "/healthz").status == 200);
  auto metrics = http_get(node.port, "/metrics").body;
  CHECK(metrics.find("lastgram_telegram_requests_total{code=\"403\",method=\"sendMessage\"}")
        != std::string::npos);
}

TEST_CASE("polling: the stored offset means a restart neither loses nor repeats an update",
          "[telegram][polling]") {
  fake_bot_api api{token};
  temp_dir data;
  api.add_update(500, private_update(500, 801, "/start"));
  api.add_update(501, private_update(501, 802, "/start"));
  {
    telegram_node node{api, "polling", {}, &data};
    REQUIRE(node.wait_ready(api));
    REQUIRE(api.wait_for([&] { return api.sends_to(801).size() == 1 && api.sends_to(802).size() == 1; },
                         15s));
    CHECK(api.calls("deleteWebhook").size() == 1);
    // A real long poll: getUpdates carries a timeout.
    CHECK(json_string(api.calls("getUpdates")[0].body, "timeout") == "1");
  }
  auto before = api.calls("getUpdates").size();
  // Telegram still holds the two updates (our fake never forgets them); only
  // the stored offset keeps the new process from answering them again.
  api.add_update(502, private_update(502, 803, "/start"));
  telegram_node again{api, "polling", {}, &data};
  REQUIRE(again.wait_ready(api));
  REQUIRE(api.wait_for([&] { return api.sends_to(803).size() == 1; }, 15s));
  // 803's answer is the marker: 500 and 501 come before 502 in any batch
  // that holds them, so a repeat would have started before it. The first
  // poll's offset below is the direct proof.
  CHECK(api.sends_to(801).size() == 1);
  CHECK(api.sends_to(802).size() == 1);
  auto polls = api.calls("getUpdates");
  REQUIRE(polls.size() > before);
  CHECK(json_string(polls[before].body, "offset") == "502");
}

TEST_CASE("polling waits while the answers already polled cannot go out, then resumes",
          "[telegram][polling][limits]") {
  // 250 users at once against Telegram's 30 messages a second overall: the
  // answers take about 8 s to go out. Polling more meanwhile would only
  // queue more (and, past the HTTP client's bound, lose answers), so the
  // poller waits until the backlog fell to half its bound (100 of 200).
  fake_bot_api api{token};
  constexpr int first = 250;
  for (int i = 1; i <= first; ++i)
    api.add_update(i, private_update(i, 20000 + i, "/start"));
  telegram_node node{api, "polling"};
  REQUIRE(node.wait_ready(api));
  auto sent = [&] { return api.calls("sendMessage").size(); };
  // The answers flow: every update was polled and handled.
  REQUIRE(api.wait_for([&] { return sent() >= 10; }, 20s));
  auto added_at = std::chrono::steady_clock::now();
  api.add_update(first + 1, private_update(first + 1, 20000 + first + 1, "/start"));
  REQUIRE(api.wait_for([&] { return api.sends_to(20000 + first + 1).size() == 1; }, 30s));
  // The first getUpdates after the new update came only once most of the
  // backlog had gone out (without the wait: within one long poll, 300 ms).
  std::optional<std::chrono::steady_clock::time_point> next_poll;
  for (auto& c : api.calls("getUpdates"))
    if (c.at > added_at) {
      next_poll = c.at;
      break;
    }
  REQUIRE(next_poll);
  std::size_t before = 0;
  for (auto& c : api.calls("sendMessage"))
    before += c.at < *next_poll ? 1 : 0;
  CHECK(before >= 100);
  // Nothing was lost or repeated.
  REQUIRE(api.wait_for([&] { return sent() == first + 1; }, 20s));
  for (int i = 1; i <= first + 1; ++i)
    CHECK(api.sends_to(20000 + i).size() == 1);
  auto metrics = http_get(node.port, "/metrics").body;
  CHECK(metrics.find("lastgram_telegram_poll_waits_total") != std::string::npos);
  CHECK(metrics.find("lastgram_telegram_poll_waits_total 0") == std::string::npos);
}

namespace {

std::string member_update(std::int64_t update_id, std::int64_t chat, const std::string& title,
                          const std::string& status) {
  return R"({"update_id":)" + std::to_string(update_id)
         + R"(,"my_chat_member":{"chat":{"id":)" + std::to_string(chat) + R"(,"title":")" + title
         + R"(","type":"supergroup"},"from":{"id":42,"is_bot":false,"first_name":"Admin"},"date":1700000000,)"
         + R"("old_chat_member":{"user":{"id":4242,"is_bot":true,"first_name":"lastgram"},"status":"left"},)"
         + R"("new_chat_member":{"user":{"id":4242,"is_bot":true,"first_name":"lastgram"},"status":")"
         + status + R"("}}})";
}

} // namespace

TEST_CASE("my_chat_member: added to a group creates its row, removed marks it inactive",
          "[telegram][polling]") {
  fake_bot_api api{token};
  temp_dir data;
  api.add_update(1, member_update(1, -100999, "Fans", "member"));
  // (Two updates about one chat may be written by different database
  // workers, in any order: one change per chat here.)
  api.add_update(2, member_update(2, -100888, "Old group", "kicked"));
  lastgram::database_settings cfg;
  cfg.path = data.file("data/db.sqlite3");
  // Both rows, read through a connection of the test's own.
  auto both_stored = [&] {
    auto db = lastgram::database::store::open(cfg);
    if (!db)
      return false;
    auto fans = db.value().get_group(lastgram::platform_kind::telegram, "-100999");
    auto old = db.value().get_group(lastgram::platform_kind::telegram, "-100888");
    return fans && fans.value().has_value() && old && old.value().has_value();
  };
  {
    telegram_node node{api, "polling", {}, &data};
    REQUIRE(node.wait_ready(api));
    REQUIRE(api.wait_for(
      [&] {
        return http_get(node.port, "/metrics")
                 .body.find("lastgram_telegram_updates_total{kind=\"my_chat_member\"} 2")
               != std::string::npos;
      },
      15s));
    // The database writes land before the node stops.
    REQUIRE(eventually(both_stored, 15s, 50ms));
  }
  auto db = lastgram::database::store::open(cfg);
  REQUIRE(db);
  auto fans = db.value().get_group(lastgram::platform_kind::telegram, "-100999");
  REQUIRE(fans);
  REQUIRE(fans.value().has_value());
  CHECK(fans.value()->title == "Fans");
  CHECK(fans.value()->active);
  auto old = db.value().get_group(lastgram::platform_kind::telegram, "-100888");
  REQUIRE(old);
  REQUIRE(old.value().has_value());
  CHECK_FALSE(old.value()->active);
}

TEST_CASE("a group that became a supergroup gets the reply at its new id",
          "[telegram][webhook]") {
  fake_bot_api api{token};
  api.set_send_policy([](const bot_call& call, int) -> std::optional<canned_response> {
    if (call.chat_id == -500)
      return answer(400, R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009999}})");
    return std::nullopt;
  });
  telegram_node node{api, "webhook"};
  REQUIRE(node.wait_ready(api));
  auto update = std::string{R"({"update_id":7,"message":{"message_id":70,"date":1700000000,)"}
                + R"("from":{"id":31,"is_bot":false,"first_name":"Ana","language_code":"en"},)"
                + R"("chat":{"id":-500,"type":"group","title":"Old"},"text":"/help"}})";
  REQUIRE(node.post(update, secret) == 200);
  REQUIRE(api.wait_for([&] { return api.sends_to(-1009999).size() == 1; }, 10s));
  auto first = api.sends_to(-500);
  auto moved = api.sends_to(-1009999);
  REQUIRE(first.size() == 1);
  CHECK(moved[0].text == first[0].text);
  CHECK_FALSE(moved[0].text.empty());
}

namespace {

/// The inbox rows of the node's SQLite file that are not done (-1 when the
/// file cannot be read).
std::int64_t inbox_pending(const temp_dir& data) {
  lastgram::database_settings cfg;
  cfg.path = data.file("data/db.sqlite3");
  auto db = lastgram::database::store::open(cfg);
  if (!db)
    return -1;
  auto n = db->inbox_pending(lastgram::platform_kind::telegram);
  return n ? n.value() : -1;
}

/// A burst of updates from 20 private chats whose node dies with kill -9:
/// odd updates run long (still running when the node dies), even ones are
/// quick (answered and marked done before: they must not be answered again).
struct kill_burst {
  static constexpr std::int64_t burst = 20;
  fake_bot_api api{token};
  temp_dir data;
  std::vector<std::string> extra;

  kill_burst() {
    std::string developers;
    for (std::int64_t u = 1; u <= burst; ++u)
      developers += (u > 1 ? "," : "") + std::string{"telegram:"} + std::to_string(chat_of(u));
    // A short lease, so the restarted node takes its predecessor's updates
    // over within seconds.
    extra = {"--set", "node.developers=" + developers, "--set", "telegram.inbox-lease-seconds=2"};
  }

  static std::int64_t chat_of(std::int64_t u) { return 880000 + u; }
  static std::string text_of(std::int64_t u) { return u % 2 == 1 ? "/debug sleep 6000" : "/start"; }

  /// Kills the node once every quick update is answered and finished while
  /// the slow ones run (outside the few milliseconds between a reply and its
  /// "replied" mark, which the README names as the one window left), and
  /// once `also` holds.
  void kill_when_quick_done(telegram_node& node, const std::function<bool()>& also) {
    auto quick_done = [&] {
      for (std::int64_t u = 2; u <= burst; u += 2)
        if (api.sends_to(chat_of(u)).size() != 1)
          return false;
      return inbox_pending(data) == burst / 2 && also();
    };
    CHECK(eventually(quick_done, 5s, 20ms));
    node.proc->signal(SIGKILL);
    CHECK(node.proc->wait(10s) == 128 + SIGKILL);
  }

  bool answered_once(bool allow_missing) const {
    for (std::int64_t u = 1; u <= burst; ++u) {
      auto n = api.sends_to(chat_of(u)).size();
      if (n > 1 || (n == 0 && !allow_missing))
        return false;
    }
    return true;
  }

  /// Restarts the node in `mode`: every update is answered exactly once,
  /// and the inbox is left with nothing that could be answered again.
  void restart_and_check(const std::string& mode) {
    INFO("answered before the restart: " << [&] {
      int n = 0;
      for (std::int64_t u = 1; u <= burst; ++u)
        n += api.sends_to(chat_of(u)).empty() ? 0 : 1;
      return n;
    }());
    CHECK(answered_once(true));
    telegram_node again{api, mode, extra, &data};
    REQUIRE(again.wait_ready(api));
    CHECK(api.wait_for([&] { return answered_once(false); }, 20s));
    CHECK(eventually([&] { return inbox_pending(data) == 0; }, 10s));
    CHECK(holds_for([&] { return answered_once(false); }, 1s));
    INFO("node stderr:\n" << again.proc->err());
    CHECK(again.proc->err().find("handling a taken-over update") != std::string::npos);
  }
};

} // namespace

TEST_CASE("webhook: every acknowledged update is answered exactly once across a kill -9",
          "[telegram][webhook][inbox]") {
  kill_burst b;
  std::vector<std::int64_t> acknowledged;
  {
    telegram_node node{b.api, "webhook", b.extra, &b.data};
    REQUIRE(node.wait_ready(b.api));
    for (std::int64_t u = 1; u <= b.burst; ++u)
      if (node.post(private_update(u, b.chat_of(u), b.text_of(u)), secret) == 200)
        acknowledged.push_back(u);
    b.kill_when_quick_done(node, [] { return true; });
  }
  REQUIRE(acknowledged.size() == static_cast<std::size_t>(b.burst));
  b.restart_and_check("webhook");
}

TEST_CASE("polling: every update confirmed to Telegram is answered exactly once across a kill -9",
          "[telegram][polling][inbox]") {
  kill_burst b;
  // Telegram forgets an update once a getUpdates confirms it.
  b.api.forget_confirmed(true);
  for (std::int64_t u = 1; u <= b.burst; ++u)
    b.api.add_update(u, private_update(u, b.chat_of(u), b.text_of(u)));
  {
    telegram_node node{b.api, "polling", b.extra, &b.data};
    REQUIRE(node.wait_ready(b.api));
    // Killed once Telegram was told to forget the whole burst.
    auto confirmed = [&] {
      for (auto& call : b.api.calls("getUpdates"))
        if (json_string(call.body, "offset") == std::to_string(b.burst + 1))
          return true;
      return false;
    };
    b.kill_when_quick_done(node, confirmed);
  }
  b.restart_and_check("polling");
}

TEST_CASE("webhook: an update that cannot be stored gets 503 and is not handled",
          "[telegram][webhook][inbox]") {
  fake_bot_api api{token};
  // A directory where the database file should be: the database stays down.
  temp_dir data;
  std::filesystem::create_directories(data.file("data/db.sqlite3/x"));
  telegram_node node{api, "webhook", {}, &data};
  REQUIRE(node.wait_ready(api));
  CHECK(node.post(private_update(7, 207, "/start"), secret) == 503);
  CHECK(node.post(private_update(7, 207, "/start"), secret) == 503);
  // Telegram keeps it and retries; nothing was answered meanwhile.
  CHECK(holds_for([&] { return api.sends_to(207).empty(); }, 500ms));
  auto metrics = http_get(node.port, "/metrics").body;
  CHECK(metrics.find("lastgram_inbox_failures_total{op=\"record\",platform=\"telegram\"} 2")
        != std::string::npos);
  CHECK(metrics.find("lastgram_telegram_webhook_rejected_total{reason=\"not_recorded\"} 2")
        != std::string::npos);
  CHECK(node.proc->wait_for_output("webhook update not recorded", 5s, true));
}
