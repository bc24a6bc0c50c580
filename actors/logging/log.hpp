#pragma once

/// Structured logging for every engine: one line per event, logfmt or JSON,
/// with registered secrets redacted before anything reaches the sink.
///
///   log::info("command", "command handled",
///             {{"cmd", "ln"}, log::kv("chat", chat_id)});
///   -> ts=2026-11-26T12:00:00.123Z level=info engine=command
///      event="command handled" cmd=ln chat=42
///
/// All functions are thread-safe and may be called from any thread, before or
/// after init() (before it, lines go to standard error at level info).
///
/// After init(), writing is asynchronous: a line is formatted by the caller
/// and queued for one writer thread, so no CAF worker ever waits on a write
/// or a flush. When the queue is full the oldest queued line is dropped and
/// counted (counts(), `lastgram_log_dropped_total`), never waited for.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

#include "messages/settings.hpp"

namespace lastgram::log {

/// One key=value pair of a log line. `literal` marks a value that is a
/// number or boolean, so the JSON format writes it unquoted; kv() sets it.
struct field {
  std::string_view key;
  std::string value;
  bool literal = false;
};

/// A field holding an integer (written unquoted in JSON).
template <class Int, std::enable_if_t<std::is_integral_v<Int> &&
                                        !std::is_same_v<Int, bool>,
                                      int> = 0>
field kv(std::string_view key, Int value) {
  return field{key, std::to_string(value), true};
}

/// A field holding a boolean, written as true/false.
field kv(std::string_view key, bool value);

/// A field holding a floating-point number (e.g. seconds), written with up to
/// six significant digits.
field kv(std::string_view key, double value);

/// A field holding text (the same as `{key, std::string{value}}`).
field kv(std::string_view key, std::string_view value);
field kv(std::string_view key, const char* value);

/// How the asynchronous writer queues lines.
struct sink_options {
  /// Lines the queue holds; when full, the oldest is dropped (and counted).
  /// spdlog allocates every slot, about 400 bytes each, at start: 8,192 cost
  /// 3.2 MB of idle memory, and the writer empties 1,024 in well under a
  /// millisecond.
  std::size_t queue_size = 1024;
  /// Called on the writer thread before each line is written. Tests slow or
  /// stop the writer with it; production leaves it empty.
  std::function<void()> before_write;
};

/// Configures level, format ("logfmt" or "json", anything else means logfmt)
/// and destination (a file, appended to, or standard error when empty), and
/// starts the asynchronous writer. Safe to call again: the previous writer
/// writes what it still holds before the new one takes over. Returns false
/// when the file cannot be opened, in which case logging falls back to
/// standard error (and says so in a line). Lines still queued at exit() are
/// written (shutdown() runs from atexit).
bool init(const log_settings& settings, const sink_options& options = {});

/// True when a line at `level` would be written; use it to skip building
/// expensive fields.
bool enabled(log_level level) noexcept;

/// Writes one event. Does nothing (and formats nothing) when `level` is
/// disabled. `engine` is the engine's short name ("command", "fm", ...);
/// `event` a short human-readable description of what happened. Lines at
/// warn and above are also kept, at any level, in recent_problems()
/// (recent.hpp) for the diagnostics.
void write(log_level level, std::string_view engine, std::string_view event,
           std::initializer_list<field> fields = {});

inline void debug(std::string_view engine, std::string_view event,
                  std::initializer_list<field> fields = {}) {
  write(log_level::debug, engine, event, fields);
}

inline void info(std::string_view engine, std::string_view event,
                 std::initializer_list<field> fields = {}) {
  write(log_level::info, engine, event, fields);
}

inline void warn(std::string_view engine, std::string_view event,
                 std::initializer_list<field> fields = {}) {
  write(log_level::warn, engine, event, fields);
}

inline void error(std::string_view engine, std::string_view event,
                  std::initializer_list<field> fields = {}) {
  write(log_level::error, engine, event, fields);
}

/// Registers a secret (token, API key, password, URL with credentials):
/// from now on every occurrence in an event text or field value is written
/// as `***`. Secrets shorter than 4 characters are ignored, since redacting
/// them would mangle ordinary text. Values shaped like tokens (bot tokens,
/// 32-digit hex keys, URL user-info, credential parameters; token_shapes.hpp)
/// are redacted whether registered or not. Defence in depth: code should
/// still never log secrets on purpose.
void add_secret(std::string secret);

/// Replaces every registered secret in `text` by `***` (what write() does to
/// each value); exposed for code that builds diagnostics outside the log.
std::string redact(std::string_view text);

/// Waits until every line logged before the call is written and flushed, at
/// most `timeout`; false when that did not happen in time (the writer is
/// stuck, or the queue was so full that the flush request itself was
/// dropped). Blocks the caller: not for CAF workers (the logging engine's
/// `flush` message does it on its own thread).
bool flush(std::chrono::milliseconds timeout = std::chrono::seconds{5});

/// Writes every queued line and stops the writer thread; later lines are
/// written synchronously to the same destination. Call once at the end of
/// the process (the node does); init() starts a new writer.
void shutdown();

/// What the writers did since the process started.
struct sink_counts {
  std::uint64_t written = 0;
  std::uint64_t dropped = 0;
};
sink_counts counts();

/// `text` as a JSON string literal (quotes included), escaped the way the
/// JSON log format escapes values.
std::string json_quoted(std::string_view text);

/// The name written for a level ("info", "warn", ...).
std::string_view to_string(log_level level) noexcept;

/// Formats one line exactly as write() would (without redaction and without
/// the trailing newline); `ts` is the timestamp text. Pure: used by tests.
std::string format_line(bool json, std::string_view ts, log_level level,
                        std::string_view engine, std::string_view event,
                        std::initializer_list<field> fields);

} // namespace lastgram::log
