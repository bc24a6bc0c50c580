#include "actors/logging/log.hpp"
#include "actors/logging/token_shapes.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "actors/logging/recent.hpp"
#include "actors/logging/sink.hpp"

namespace lastgram::log {

namespace {

// Shortest secret worth redacting: shorter ones would hit ordinary words.
constexpr std::size_t min_secret_length = 4;

struct sink_state {
  std::shared_ptr<detail::writer> writer;
  bool json = false;
};

struct state {
  std::atomic<int> level{static_cast<int>(log_level::info)};
  std::mutex sink_mtx;
  std::shared_ptr<const sink_state> sink;

  std::atomic<bool> has_secrets{false};
  std::shared_mutex secrets_mtx;
  std::vector<std::string> secrets; // longest first

  std::shared_ptr<const sink_state> current_sink() {
    std::lock_guard<std::mutex> guard{sink_mtx};
    if (!sink) {
      auto s = std::make_shared<sink_state>();
      s->writer = detail::writer::to_stderr();
      sink = std::move(s);
    }
    return sink;
  }

  /// Installs `next`; returns the previous sink (whose last reference, when
  /// dropped, drains its writer).
  std::shared_ptr<const sink_state> swap_sink(std::shared_ptr<const sink_state> next) {
    std::lock_guard<std::mutex> guard{sink_mtx};
    std::swap(sink, next);
    return next;
  }
};

state& global() {
  // Leaked on purpose: other static destructors may still log at exit.
  static auto* instance = new state;
  return *instance;
}

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

void append_unicode_escape(std::string& out, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
  out += buf;
}

// Escapes shared by logfmt's quoted values and JSON strings.
void append_escaped(std::string& out, std::string_view text) {
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (is_control(c))
          append_unicode_escape(out, c);
        else
          out += ch;
    }
  }
}

bool needs_quotes(std::string_view value) {
  if (value.empty())
    return true;
  return std::any_of(value.begin(), value.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return ch == ' ' || ch == '=' || ch == '"' || ch == '\\' || is_control(c);
  });
}

void append_logfmt_value(std::string& out, std::string_view value) {
  if (!needs_quotes(value)) {
    out += value;
    return;
  }
  out += '"';
  append_escaped(out, value);
  out += '"';
}

// Keys come from code, but a stray space or '=' would make the line
// unparseable, so such characters become '_'.
void append_logfmt_key(std::string& out, std::string_view key) {
  if (key.empty()) {
    out += '_';
    return;
  }
  for (char ch : key) {
    auto c = static_cast<unsigned char>(ch);
    bool bad = ch == ' ' || ch == '=' || ch == '"' || is_control(c);
    out += bad ? '_' : ch;
  }
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  append_escaped(out, text);
  out += '"';
}

template <class It>
std::string format_range(bool json, std::string_view ts, log_level level,
                         std::string_view engine, std::string_view event,
                         It first, It last) {
  std::string out;
  out.reserve(96 + event.size());
  if (json) {
    out += "{\"ts\":";
    append_json_string(out, ts);
    out += ",\"level\":";
    append_json_string(out, to_string(level));
    out += ",\"engine\":";
    append_json_string(out, engine);
    out += ",\"event\":";
    append_json_string(out, event);
    for (auto i = first; i != last; ++i) {
      out += ',';
      append_json_string(out, i->key);
      out += ':';
      if (i->literal && !i->value.empty())
        out += i->value;
      else
        append_json_string(out, i->value);
    }
    out += '}';
  } else {
    out += "ts=";
    out += ts;
    out += " level=";
    out += to_string(level);
    out += " engine=";
    append_logfmt_value(out, engine);
    out += " event=";
    append_logfmt_value(out, event);
    for (auto i = first; i != last; ++i) {
      out += ' ';
      append_logfmt_key(out, i->key);
      out += '=';
      append_logfmt_value(out, i->value);
    }
  }
  return out;
}

std::string timestamp_now() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t secs = system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                utc.tm_min, utc.tm_sec, static_cast<int>(ms));
  return buf;
}

bool contains_secret(const std::vector<std::string>& secrets,
                     std::string_view text) {
  return std::any_of(secrets.begin(), secrets.end(), [&](const auto& s) {
    return text.find(s) != std::string_view::npos;
  });
}

std::string redact_with(const std::vector<std::string>& secrets,
                        std::string_view text) {
  std::string out{text};
  for (const auto& secret : secrets) {
    std::size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return out;
}

// The registered secrets (read-locked while the view lives) and the token
// shapes nobody registered (token_shapes.hpp), checked and redacted together.
class secrets_view {
public:
  explicit secrets_view(state& st)
    : st_(st), registered_(st.has_secrets.load(std::memory_order_acquire)),
      guard_(st.secrets_mtx, std::defer_lock) {
    if (registered_)
      guard_.lock();
  }

  bool found_in(std::string_view text) const {
    return (registered_ && contains_secret(st_.secrets, text)) || has_token_shape(text);
  }

  std::string redact(std::string_view text) const {
    if (!found_in(text))
      return std::string{text};
    return redact_token_shapes(registered_ ? redact_with(st_.secrets, text) : std::string{text});
  }

private:
  state& st_;
  bool registered_;
  std::shared_lock<std::shared_mutex> guard_;
};

// Keeps a warning or error for the diagnostics (recent.hpp), redacted like
// the line itself; fields become logfmt pairs whatever the sink's format.
void remember(state& st, std::string ts, log_level level, std::string_view engine,
              std::string_view event, std::initializer_list<field> fields) {
  recent_line line{std::move(ts), level, std::string{engine}, std::string{event}, {}};
  secrets_view secrets{st};
  line.engine = secrets.redact(line.engine);
  line.event = secrets.redact(line.event);
  for (const auto& f : fields) {
    if (!line.fields.empty())
      line.fields += ' ';
    append_logfmt_key(line.fields, f.key);
    line.fields += '=';
    append_logfmt_value(line.fields, secrets.redact(f.value));
  }
  recent_problems().push(std::move(line));
}

} // namespace

field kv(std::string_view key, bool value) {
  return field{key, value ? "true" : "false", true};
}

field kv(std::string_view key, double value) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", value);
  // NaN and infinities are not JSON numbers, so they stay quoted.
  return field{key, buf, std::isfinite(value)};
}

field kv(std::string_view key, std::string_view value) {
  return field{key, std::string{value}, false};
}

field kv(std::string_view key, const char* value) {
  return kv(key, std::string_view{value ? value : ""});
}

std::string_view to_string(log_level level) noexcept {
  switch (level) {
    case log_level::trace: return "trace";
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    case log_level::critical: return "critical";
    case log_level::off: return "off";
  }
  return "unknown";
}

bool init(const log_settings& settings, const sink_options& options) {
  auto& st = global();
  // Registered once: lines still queued when the process exits get written.
  static const bool drained_at_exit = std::atexit([] { shutdown(); }) == 0;
  (void)drained_at_exit;
  auto next = std::make_shared<sink_state>();
  next->json = settings.format == log_format::json;
  bool ok = true;
  std::string failure;
  if (!settings.file.empty()) {
    try {
      next->writer = detail::writer::open(settings.file, options);
    } catch (const std::exception& e) {
      ok = false;
      failure = e.what();
    }
  }
  if (!next->writer)
    next->writer = detail::writer::open({}, options);
  // Dropping the previous sink here writes what it still holds (usually in
  // this thread; a writer racing with the swap may hold the last reference).
  st.swap_sink(std::move(next)).reset();
  st.level.store(static_cast<int>(settings.level), std::memory_order_relaxed);
  if (!ok)
    error("logging", "log file unavailable, writing to stderr",
          {kv("file", settings.file), kv("reason", failure)});
  return ok;
}

bool enabled(log_level level) noexcept {
  auto current = global().level.load(std::memory_order_relaxed);
  return level != log_level::off && static_cast<int>(level) >= current;
}

void write(log_level level, std::string_view engine, std::string_view event,
           std::initializer_list<field> fields) {
  // Warnings and errors are remembered for the diagnostics even when the
  // configured level hides them.
  bool problem = level >= log_level::warn && level != log_level::off;
  if (!problem && !enabled(level))
    return;
  auto& st = global();
  auto ts = timestamp_now();
  if (problem)
    remember(st, ts, level, engine, event, fields);
  if (!enabled(level))
    return;
  auto sink = st.current_sink();
  std::string line;
  secrets_view secrets{st};
  bool dirty = secrets.found_in(engine) || secrets.found_in(event)
               || std::any_of(fields.begin(), fields.end(),
                              [&](auto& f) { return secrets.found_in(f.value); });
  if (dirty) {
    std::vector<field> clean;
    clean.reserve(fields.size());
    for (const auto& f : fields)
      clean.push_back(field{f.key, secrets.redact(f.value), f.literal && !secrets.found_in(f.value)});
    auto clean_engine = secrets.redact(engine);
    auto clean_event = secrets.redact(event);
    line = format_range(sink->json, ts, level, clean_engine, clean_event, clean.begin(),
                        clean.end());
  }
  if (line.empty())
    line = format_range(sink->json, ts, level, engine, event, fields.begin(),
                        fields.end());
  sink->writer->write(level, line);
}

void add_secret(std::string secret) {
  if (secret.size() < min_secret_length)
    return;
  auto& st = global();
  std::unique_lock<std::shared_mutex> guard{st.secrets_mtx};
  if (std::find(st.secrets.begin(), st.secrets.end(), secret) != st.secrets.end())
    return;
  st.secrets.push_back(std::move(secret));
  // Longest first, so a secret that contains another is replaced whole.
  std::stable_sort(st.secrets.begin(), st.secrets.end(),
                   [](const auto& a, const auto& b) { return a.size() > b.size(); });
  st.has_secrets.store(true, std::memory_order_release);
}

std::string redact(std::string_view text) {
  return secrets_view{global()}.redact(text);
}

bool flush(std::chrono::milliseconds timeout) {
  return global().current_sink()->writer->flush(timeout);
}

void shutdown() {
  auto& st = global();
  auto current = st.current_sink();
  auto sync = std::make_shared<sink_state>();
  sync->json = current->json;
  sync->writer = current->writer->synchronous();
  auto previous = st.swap_sink(std::move(sync));
  current.reset();
  previous.reset();
}

sink_counts counts() {
  auto current = global().current_sink();
  return {detail::lines_written(), detail::retired_drops() + current->writer->dropped()};
}

std::string format_line(bool json, std::string_view ts, log_level level,
                        std::string_view engine, std::string_view event,
                        std::initializer_list<field> fields) {
  return format_range(json, ts, level, engine, event, fields.begin(),
                      fields.end());
}

std::string json_quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  append_escaped(out, text);
  out += '"';
  return out;
}

} // namespace lastgram::log
