#include <catch2/catch.hpp>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <rapidjson/document.h>

#include "actors/logging/engine.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/logging/recent.hpp"
#include "actors/logging/token_shapes.hpp"
#include "actors/logging/url_secrets.hpp"
#include "support/redis_server.hpp"
#include "actors/test_config.hpp"

namespace fs = std::filesystem;
using namespace lastgram;

namespace {

constexpr std::string_view ts = "2026-11-26T12:00:00.123Z";

/// A log file in a fresh directory, logging routed to it for the test's
/// lifetime and back to the defaults afterwards.
struct log_capture {
  fs::path dir;
  fs::path file;

  explicit log_capture(log_level level, log_format format = log_format::logfmt,
                       const log::sink_options& options = {}) {
    static int counter = 0;
    dir = fs::temp_directory_path()
          / ("lastgram-log-test-" + std::to_string(::getpid()) + "-"
             + std::to_string(++counter));
    fs::remove_all(dir);
    fs::create_directories(dir);
    file = dir / "lastgram.log";
    log_settings s;
    s.level = level;
    s.format = format;
    s.file = file.string();
    REQUIRE(log::init(s, options));
  }

  ~log_capture() {
    log::init(log_settings{});
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  /// Every line, once the writer has written everything logged so far.
  std::vector<std::string> lines() const {
    REQUIRE(log::flush());
    return written();
  }

  /// The lines in the file now, without waiting for the writer.
  std::vector<std::string> written() const {
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
  log_capture cap{log_level::debug, log_format::json};
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
  log_capture cap{log_level::info, log_format::json};
  log::add_secret("h1-short-key");
  log::add_secret("h1-short-key-and-more");
  log::info("fm", "call", {{"key", "k=h1-short-key-and-more&x=1"}});
  auto lines = cap.lines();
  REQUIRE(lines.size() == 1);
  auto doc = parse_json(lines[0]);
  CHECK(std::string{doc["key"].GetString()} == "k=***&x=1");
}

TEST_CASE("a secret URL's password is redacted in every form a driver may quote it",
          "[logging]") {
  log_capture cap{log_level::info};
  struct hostile {
    std::string url;
    std::vector<std::string> leaks; // forms a driver's error may quote
  };
  const std::vector<hostile> urls = {
    // libpq: invalid percent-encoded token: "pa%zzSECRET1"
    {"postgresql://u:pa%zzSECRET1@db.internal:5432/lg", {"pa%zzSECRET1", "u:pa%zzSECRET1"}},
    {"postgresql://u:pa%41%zzSECRET2@h/lg", {"pa%41%zzSECRET2", "paA%zzSECRET2"}},
    {"postgres://bot:p%40ss%2FSECRET3@h/lg",
     {"p%40ss%2FSECRET3", "p@ss/SECRET3", "bot:p@ss/SECRET3"}},
    {"postgresql://:emptyuserSECRET4@h/lg", {"emptyuserSECRET4", ":emptyuserSECRET4"}},
    {"redis://:p@ss:SECRET5@127.0.0.1:6379/0", {"p@ss:SECRET5", ":p@ss:SECRET5"}},
    {"postgresql://h/lg?user=u&password=q%21SECRET6", {"q%21SECRET6", "q!SECRET6"}},
  };
  for (const auto& h : urls) {
    log::add_secret(h.url);
    for (auto& part : log::url_secret_parts(h.url))
      log::add_secret(part);
  }
  for (const auto& h : urls)
    for (const auto& leak : h.leaks)
      log::warn("database", "connect failed: " + leak, {{"error", "bad \"" + leak + "\""}});
  std::string text;
  for (const auto& line : cap.lines())
    text += line + "\n";
  // The diagnostics' recent warnings (/diag) go through the same redaction.
  for (const auto& line : log::recent_problems().newest())
    text += line.event + " " + line.fields + "\n";
  for (int i = 1; i <= 6; ++i)
    CHECK(text.find("SECRET" + std::to_string(i)) == std::string::npos);
  CHECK(text.find("connect failed: ***") != std::string::npos);
  CHECK(log::url_secret_parts("not a url with:colon@at").empty());
}

TEST_CASE("token-shaped values are redacted though nobody registered them", "[logging]") {
  using log::redact_token_shapes;
  // Fakes with the real shapes; none of them was ever passed to add_secret.
  const std::string tg = "7012345678:AAF0zQ1wXyZ-abcdefghijklmnopqrstuvw";
  const std::string discord = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345";
  const std::string key = "0123456789abcdef0123456789ABCDEF";
  CHECK(redact_token_shapes("call /bot" + tg + "/getMe failed") == "call /bot***/getMe failed");
  CHECK(redact_token_shapes("Authorization: Bot " + discord) == "Authorization: Bot ***");
  CHECK(redact_token_shapes("token " + discord + ".") == "token ***.");
  CHECK(redact_token_shapes("api_key=" + key + "&method=user.getinfo")
        == "api_key=***&method=user.getinfo");
  CHECK(redact_token_shapes("key " + key) == "key ***");
  CHECK(redact_token_shapes("https://bob:hunter2hunter2@cdn.example/x")
        == "https://***@cdn.example/x");
  CHECK(redact_token_shapes("rediss://:pw@127.0.0.1:6380/0 down") == "rediss://***@127.0.0.1:6380/0 down");
  CHECK(redact_token_shapes("Bearer abc.def-ghi_jkl") == "Bearer ***");
  CHECK(redact_token_shapes("?sk=sessionkey9&password=pa55word;") == "?sk=***&password=***;");
  // Ordinary text is left alone: artists, URLs without user-info, times,
  // MusicBrainz ids, ids and short parameters.
  for (std::string plain :
       {"Jay-Z - 99 Problems", "https://www.last.fm/music/Cher/_/Believe",
        "user 123456 asked /ln at 12:30", "mbid b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d",
        "mail me at a@b.c", "chat -1001234567890", "token=abc", "a.a.a.a.a.a",
        "0123456789abcdef0123456789abcdef0 (33 digits)", ""}) {
    CAPTURE(plain);
    CHECK_FALSE(log::has_token_shape(plain));
    CHECK(redact_token_shapes(plain) == plain);
  }
  // A long hostile value stays linear (every '.' starts a word).
  std::string dots(200000, 'a');
  for (std::size_t i = 1; i < dots.size(); i += 2)
    dots[i] = '.';
  CHECK(redact_token_shapes(dots) == dots);
}

TEST_CASE("unregistered tokens never reach the log file or the diagnostics", "[logging]") {
  log_capture cap{log_level::info, log_format::json};
  const std::string tg = "5550001111:AAE-unregistered_token_value_0123456";
  log::warn("telegram", "driver said: bad token " + tg,
            {{"url", "https://u:SECRETPW77@api.example/bot" + tg + "/getMe"},
             {"sig", "api_sig=fedcba9876543210fedcba9876543210"}});
  auto lines = cap.lines();
  REQUIRE(lines.size() == 1);
  auto doc = parse_json(lines[0]);
  CHECK(std::string{doc["event"].GetString()} == "driver said: bad token ***");
  CHECK(std::string{doc["url"].GetString()} == "https://***@api.example/bot***/getMe");
  CHECK(std::string{doc["sig"].GetString()} == "api_sig=***");
  std::string recent;
  for (const auto& line : log::recent_problems().newest())
    recent += line.event + " " + line.fields + "\n";
  CHECK(recent.find("AAE-unregistered") == std::string::npos);
  CHECK(recent.find("SECRETPW77") == std::string::npos);
  CHECK(recent.find("fedcba98") == std::string::npos);
  CHECK(recent.find("driver said: bad token ***") != std::string::npos);
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

namespace {

/// Holds the log writer thread inside its next write until opened: a sink
/// as slow as a test needs, with no sleeping.
struct writer_gate {
  std::mutex mtx;
  std::condition_variable cv;
  bool open = false;
  std::atomic<bool> entered{false};

  log::sink_options options(std::size_t queue_size) {
    log::sink_options out;
    out.queue_size = queue_size;
    out.before_write = [this] {
      entered = true;
      // Bounded, so that a test failing before release() cannot hang.
      std::unique_lock<std::mutex> guard{mtx};
      cv.wait_for(guard, std::chrono::seconds{30}, [this] { return open; });
    };
    return out;
  }

  void release() {
    {
      std::lock_guard<std::mutex> guard{mtx};
      open = true;
    }
    cv.notify_all();
  }
};

/// The logging engine in an actor system of its own.
struct logging_fixture {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  logging_actor engine = logging::spawn_engine(self.ptr());

  ~logging_fixture() {
    self->send_exit(engine, caf::exit_reason::user_shutdown);
  }

  template <class T, class... Ts>
  T ask(Ts... xs) {
    T out{};
    self->request(engine, std::chrono::seconds{10}, xs...)
      .receive([&](T& x) { out = std::move(x); },
               [&](caf::error& err) { FAIL("logging engine: " << sys.render(err)); });
    return out;
  }
};

} // namespace

TEST_CASE("one thread's lines reach the file in order, none dropped", "[logging]") {
  log_capture cap{log_level::info};
  auto before = log::counts();
  for (int i = 0; i < 2000; ++i)
    log::info("test", "sequence", {log::kv("n", i)});
  auto lines = cap.lines();
  REQUIRE(lines.size() == 2000);
  for (int i = 0; i < 2000; ++i)
    REQUIRE(lines[static_cast<std::size_t>(i)].find(" n=" + std::to_string(i))
            != std::string::npos);
  auto after = log::counts();
  CHECK(after.written - before.written == 2000);
  CHECK(after.dropped == before.dropped);
}

TEST_CASE("a full queue drops the oldest lines and counts them without blocking the caller",
          "[logging]") {
  writer_gate gate;
  log_capture cap{log_level::info, log_format::logfmt, gate.options(8)};
  logging_fixture f;
  auto before = log::counts();
  log::info("test", "first");
  // The writer holds "first"; from now on the queue (8 lines) fills up.
  REQUIRE(test::eventually([&] { return gate.entered.load(); }));
  auto flood = std::async(std::launch::async, [] {
    for (int i = 0; i < 100; ++i)
      log::info("test", "flood", {log::kv("n", i)});
  });
  bool returned = flood.wait_for(std::chrono::seconds{10}) == std::future_status::ready;
  auto stuck = f.ask<log_stats>(stats_atom::value);
  gate.release();
  REQUIRE(returned);
  CHECK(stuck.dropped - before.dropped == 92);
  REQUIRE(test::eventually([&] { return log::counts().written - before.written == 9; }));
  auto lines = cap.lines();
  REQUIRE(lines.size() == 9);
  CHECK(lines[0].find("event=first") != std::string::npos);
  for (int i = 1; i < 9; ++i)
    CHECK(lines[static_cast<std::size_t>(i)].find(" n=" + std::to_string(91 + i))
          != std::string::npos);
  auto stats = f.ask<log_stats>(stats_atom::value);
  CHECK(stats.dropped - before.dropped == 92);
  auto dropped_metric = metrics::read_all()["lastgram_log_dropped_total"];
  REQUIRE(dropped_metric.size() == 1);
  CHECK(dropped_metric[0].value == static_cast<double>(stats.dropped));
}

TEST_CASE("a stuck writer makes a flush give up at its deadline", "[logging]") {
  writer_gate gate;
  log_capture cap{log_level::info, log_format::logfmt, gate.options(64)};
  log::info("test", "stuck");
  REQUIRE(test::eventually([&] { return gate.entered.load(); }));
  auto flushed = log::flush(std::chrono::milliseconds{100});
  gate.release();
  CHECK_FALSE(flushed);
  CHECK(log::flush());
  CHECK(cap.written().size() == 1);
}

TEST_CASE("the engine's flush answers once every earlier line is in the file", "[logging]") {
  writer_gate gate;
  log_capture cap{log_level::info, log_format::logfmt, gate.options(64)};
  logging_fixture f;
  for (int i = 0; i < 20; ++i)
    log::info("test", "pending", {log::kv("n", i)});
  REQUIRE(test::eventually([&] { return gate.entered.load(); }));
  CHECK(cap.written().empty());
  gate.release();
  CHECK(f.ask<bool>(flush_atom::value));
  CHECK(cap.written().size() == 20);
}

TEST_CASE("shutdown writes every queued line, later lines still reach the file",
          "[logging]") {
  writer_gate gate;
  log_capture cap{log_level::info, log_format::logfmt, gate.options(64)};
  for (int i = 0; i < 30; ++i)
    log::info("test", "queued", {log::kv("n", i)});
  REQUIRE(test::eventually([&] { return gate.entered.load(); }));
  auto stopping = std::async(std::launch::async, [] { log::shutdown(); });
  gate.release();
  REQUIRE(stopping.wait_for(std::chrono::seconds{10}) == std::future_status::ready);
  auto lines = cap.written();
  REQUIRE(lines.size() == 30);
  CHECK(lines.back().find(" n=29") != std::string::npos);
  log::info("test", "after shutdown");
  CHECK(cap.written().size() == 31);
}

TEST_CASE("the engine hands out the newest warnings and errors", "[logging]") {
  log_capture cap{log_level::error};
  logging_fixture f;
  log::warn("test", "engine recent one", {{"k", "v"}});
  log::error("test", "engine recent two");
  auto lines = f.ask<std::vector<problem_line>>(recent_atom::value, std::uint32_t{2});
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].event == "engine recent one");
  CHECK(lines[0].level == "warn");
  CHECK(lines[0].fields == "k=v");
  CHECK(lines[1].event == "engine recent two");
  CHECK(f.ask<log_stats>(stats_atom::value).problems >= 2);
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
