#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <rapidjson/document.h>

#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"

namespace fs = std::filesystem;
using namespace lastgram;

namespace {

constexpr std::string_view ts = "2026-11-26T12:00:00.123Z";

/// A log file in a fresh directory, logging routed to it for the test's
/// lifetime and back to the defaults afterwards.
struct log_capture {
  fs::path dir;
  fs::path file;

  explicit log_capture(log_level level, std::string format = "logfmt") {
    static int counter = 0;
    dir = fs::temp_directory_path()
          / ("lastgram-log-test-" + std::to_string(::getpid()) + "-"
             + std::to_string(++counter));
    fs::remove_all(dir);
    fs::create_directories(dir);
    file = dir / "lastgram.log";
    log_settings s;
    s.level = level;
    s.format = std::move(format);
    s.file = file.string();
    REQUIRE(log::init(s));
  }

  ~log_capture() {
    log::init(log_settings{});
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  std::vector<std::string> lines() const {
    log::flush();
    std::ifstream in{file};
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }
};

rapidjson::Document parse_json(const std::string& line) {
  rapidjson::Document doc;
  doc.Parse(line.c_str(), line.size());
  if (doc.HasParseError() || !doc.IsObject())
    throw std::runtime_error("not a JSON object: " + line);
  return doc;
}

} // namespace

TEST_CASE("logfmt lines put ts, level, engine and event first, then fields",
          "[logging]") {
  auto line = log::format_line(false, ts, log_level::info, "command",
                               "command handled",
                               {{"cmd", "ln"}, log::kv("chat", 42)});
  CHECK(line
        == "ts=2026-11-26T12:00:00.123Z level=info engine=command "
           "event=\"command handled\" cmd=ln chat=42");
}

TEST_CASE("logfmt quotes and escapes values that need it", "[logging]") {
  auto line = log::format_line(
    false, ts, log_level::warn, "fm", "x",
    {{"space", "a b"},
     {"quote", "say \"hi\""},
     {"newline", "one\ntwo"},
     {"backslash", "C:\\dir"},
     {"equals", "a=b"},
     {"empty", ""},
     {"control", std::string{"bell\x07"}},
     {"utf8", "Björk"}});
  CHECK(line
        == "ts=2026-11-26T12:00:00.123Z level=warn engine=fm event=x "
           "space=\"a b\" quote=\"say \\\"hi\\\"\" newline=\"one\\ntwo\" "
           "backslash=\"C:\\\\dir\" equals=\"a=b\" empty=\"\" "
           "control=\"bell\\u0007\" utf8=Björk");
}

TEST_CASE("logfmt keys cannot break the line", "[logging]") {
  auto line = log::format_line(false, ts, log_level::info, "e", "x",
                               {{"bad key=", "v"}, {"", "w"}});
  CHECK(line.find(" bad_key_=v _=w") != std::string::npos);
}

TEST_CASE("json lines are one valid object with typed literals", "[logging]") {
  auto line = log::format_line(
    true, ts, log_level::error, "command", "reply \"failed\"\n",
    {{"cmd", "ln"}, log::kv("chat", -42), log::kv("ok", false),
     log::kv("seconds", 0.25), {"text", "tab\there"}});
  CHECK(line.find('\n') == std::string::npos);
  auto doc = parse_json(line);
  CHECK(std::string{doc["ts"].GetString()} == ts);
  CHECK(std::string{doc["level"].GetString()} == "error");
  CHECK(std::string{doc["engine"].GetString()} == "command");
  CHECK(std::string{doc["event"].GetString()} == "reply \"failed\"\n");
  CHECK(std::string{doc["cmd"].GetString()} == "ln");
  REQUIRE(doc["chat"].IsInt());
  CHECK(doc["chat"].GetInt() == -42);
  REQUIRE(doc["ok"].IsBool());
  CHECK_FALSE(doc["ok"].GetBool());
  REQUIRE(doc["seconds"].IsDouble());
  CHECK(doc["seconds"].GetDouble() == Approx(0.25));
  CHECK(std::string{doc["text"].GetString()} == "tab\there");
}

TEST_CASE("written lines carry a UTC millisecond timestamp", "[logging]") {
  log_capture cap{log_level::info};
  log::info("test", "hello", {{"k", "v"}});
  auto lines = cap.lines();
  REQUIRE(lines.size() == 1);
  // ts=YYYY-MM-DDTHH:MM:SS.mmmZ
  REQUIRE(lines[0].size() > 27);
  CHECK(lines[0].substr(0, 3) == "ts=");
  CHECK(lines[0][13] == 'T');
  CHECK(lines[0][22] == '.');
  CHECK(lines[0][26] == 'Z');
  CHECK(lines[0].substr(27) == " level=info engine=test event=hello k=v");
}

TEST_CASE("lines below the configured level are not written", "[logging]") {
  log_capture cap{log_level::warn};
  CHECK_FALSE(log::enabled(log_level::info));
  CHECK(log::enabled(log_level::warn));
  CHECK(log::enabled(log_level::error));
  CHECK_FALSE(log::enabled(log_level::off));
  log::debug("test", "debug line");
  log::info("test", "info line");
  log::warn("test", "warn line");
  log::error("test", "error line");
  auto lines = cap.lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("level=warn") != std::string::npos);
  CHECK(lines[1].find("level=error") != std::string::npos);
}

TEST_CASE("lines written from many threads stay whole", "[logging]") {
  log_capture cap{log_level::info};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([t] {
      for (int i = 0; i < 200; ++i)
        log::info("test", "concurrent line", {log::kv("thread", t), log::kv("i", i)});
    });
  for (auto& w : writers)
    w.join();
  auto lines = cap.lines();
  REQUIRE(lines.size() == 800);
  for (const auto& line : lines) {
    REQUIRE(line.substr(0, 3) == "ts=");
    REQUIRE(line.find("event=\"concurrent line\" thread=") != std::string::npos);
  }
}

TEST_CASE("level off writes nothing at all", "[logging]") {
  log_capture cap{log_level::off};
  log::error("test", "error line");
  log::write(log_level::critical, "test", "critical line");
  CHECK(cap.lines().empty());
}

TEST_CASE("the json format writes one object per line to the file", "[logging]") {
  log_capture cap{log_level::debug, "json"};
  log::debug("cache", "miss", {log::kv("bytes", 12)});
  log::info("cache", "hit");
  auto lines = cap.lines();
  REQUIRE(lines.size() == 2);
  auto first = parse_json(lines[0]);
  CHECK(std::string{first["level"].GetString()} == "debug");
  CHECK(first["bytes"].GetInt() == 12);
  auto second = parse_json(lines[1]);
  CHECK(std::string{second["event"].GetString()} == "hit");
}

TEST_CASE("registered secrets never reach the log", "[logging]") {
  log_capture cap{log_level::info};
  const std::string token = "123456:AAH-h1-test-token-value";
  log::add_secret(token);
  log::info("telegram", "request to /bot" + token + "/getMe failed",
            {{"url", "https://api.telegram.org/bot" + token + "/getMe"},
             {"plain", "nothing to hide"}});
  auto lines = cap.lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find(token) == std::string::npos);
  CHECK(lines[0].find("123456:AAH") == std::string::npos);
  CHECK(lines[0].find("event=\"request to /bot***/getMe failed\"")
        != std::string::npos);
  CHECK(lines[0].find("url=https://api.telegram.org/bot***/getMe")
        != std::string::npos);
  CHECK(lines[0].find("plain=\"nothing to hide\"") != std::string::npos);
  CHECK(log::redact("x" + token + "y") == "x***y");
}

TEST_CASE("secrets are redacted in json lines and whole when they overlap",
          "[logging]") {
  log_capture cap{log_level::info, "json"};
  log::add_secret("h1-short-key");
  log::add_secret("h1-short-key-and-more");
  log::info("fm", "call", {{"key", "k=h1-short-key-and-more&x=1"}});
  auto lines = cap.lines();
  REQUIRE(lines.size() == 1);
  auto doc = parse_json(lines[0]);
  CHECK(std::string{doc["key"].GetString()} == "k=***&x=1");
}

TEST_CASE("secrets shorter than four characters are ignored", "[logging]") {
  log::add_secret("abc");
  CHECK(log::redact("abcdef") == "abcdef");
}

TEST_CASE("an unusable log file falls back to stderr and says so", "[logging]") {
  log_settings s;
  s.file = "/dev/null/not-a-directory/lastgram.log";
  CHECK_FALSE(log::init(s));
  log::init(log_settings{});
}

TEST_CASE("counters with the same name and labels are one series", "[metrics]") {
  auto a = metrics::get_counter("lastgram_h1_test_widgets_total", "Widgets.",
                                {{"kind", "round"}});
  auto b = metrics::get_counter("lastgram_h1_test_widgets_total", "Widgets.",
                                {{"kind", "round"}});
  auto other = metrics::get_counter("lastgram_h1_test_widgets_total", "Widgets.",
                                    {{"kind", "square"}});
  REQUIRE(a);
  a.inc();
  b.inc(2);
  other.inc();
  CHECK(a.value() == 3);
  CHECK(b.value() == 3);
  CHECK(other.value() == 1);
  auto text = metrics::render_text();
  CHECK(text.find("# HELP lastgram_h1_test_widgets_total Widgets.") != std::string::npos);
  CHECK(text.find("# TYPE lastgram_h1_test_widgets_total counter") != std::string::npos);
  CHECK(text.find("lastgram_h1_test_widgets_total{kind=\"round\"} 3\n") != std::string::npos);
  CHECK(text.find("lastgram_h1_test_widgets_total{kind=\"square\"} 1\n") != std::string::npos);
}

TEST_CASE("gauges and histograms render their values", "[metrics]") {
  auto g = metrics::get_gauge("lastgram_h1_test_queue", "Queue.", {});
  g.set(7);
  g.inc();
  g.dec(3);
  CHECK(g.value() == 5);
  auto h = metrics::get_histogram("lastgram_h1_test_seconds", "Latency.",
                                  {{"op", "read"}},
                                  metrics::default_latency_buckets());
  h.observe(0.003);
  h.observe(2);
  auto text = metrics::render_text();
  CHECK(text.find("lastgram_h1_test_queue 5\n") != std::string::npos);
  CHECK(text.find("# TYPE lastgram_h1_test_seconds histogram") != std::string::npos);
  CHECK(text.find("lastgram_h1_test_seconds_bucket{op=\"read\",le=\"0.001\"} 0\n")
        != std::string::npos);
  CHECK(text.find("lastgram_h1_test_seconds_bucket{op=\"read\",le=\"0.005\"} 1\n")
        != std::string::npos);
  CHECK(text.find("lastgram_h1_test_seconds_bucket{op=\"read\",le=\"+Inf\"} 2\n")
        != std::string::npos);
  CHECK(text.find("lastgram_h1_test_seconds_count{op=\"read\"} 2\n") != std::string::npos);
  CHECK(text.find("lastgram_h1_test_seconds_sum{op=\"read\"} 2.003") != std::string::npos);
}

TEST_CASE("default latency buckets span half a millisecond to ten seconds",
          "[metrics]") {
  const auto& b = metrics::default_latency_buckets();
  REQUIRE(b.size() >= 10);
  CHECK(b.front() == 0.0005);
  CHECK(b.back() == 10);
  CHECK(std::is_sorted(b.begin(), b.end()));
}

TEST_CASE("rejected names give inert handles instead of exceptions", "[metrics]") {
  auto bad = metrics::get_counter("lastgram h1 bad name", "Bad.", {});
  CHECK_FALSE(bad);
  bad.inc();
  CHECK(bad.value() == 0);
  auto bad_label = metrics::get_counter("lastgram_h1_test_bad_label_total", "Bad.",
                                        {{"1abel", "x"}});
  CHECK_FALSE(bad_label);
  metrics::get_counter("lastgram_h1_test_typed_total", "Typed.", {}).inc();
  auto clash = metrics::get_gauge("lastgram_h1_test_typed_total", "Typed.", {});
  CHECK_FALSE(clash);
  clash.set(3);
  CHECK(metrics::render_text().find("lastgram h1 bad name") == std::string::npos);
}

TEST_CASE("project conveniences feed the documented series", "[metrics]") {
  metrics::command_handled("h1cmd", "telegram", "ok", 0.02);
  metrics::command_handled("h1cmd", "telegram", "ok", 0.03);
  metrics::command_handled("h1cmd", "telegram", "error", 1.5);
  metrics::actor_restarted("h1engine");
  metrics::mailbox_backlog("h1engine", 12);
  metrics::engine_up("h1engine", true);
  metrics::engine_up("h1other", false);
  auto text = metrics::render_text();
  CHECK(text.find("lastgram_commands_total{command=\"h1cmd\",outcome=\"ok\","
                  "platform=\"telegram\"} 2\n")
        != std::string::npos);
  CHECK(text.find("lastgram_commands_total{command=\"h1cmd\",outcome=\"error\","
                  "platform=\"telegram\"} 1\n")
        != std::string::npos);
  CHECK(text.find("lastgram_command_duration_seconds_count{command=\"h1cmd\","
                  "platform=\"telegram\"} 3\n")
        != std::string::npos);
  CHECK(text.find("lastgram_actor_restarts_total{engine=\"h1engine\"} 1\n")
        != std::string::npos);
  CHECK(text.find("lastgram_mailbox_backlog{engine=\"h1engine\"} 12\n")
        != std::string::npos);
  CHECK(text.find("lastgram_engine_up{engine=\"h1engine\"} 1\n") != std::string::npos);
  CHECK(text.find("lastgram_engine_up{engine=\"h1other\"} 0\n") != std::string::npos);
}
