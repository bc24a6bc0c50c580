#pragma once

/// The JSON form of a diag_report: what `GET /diag` serves and what
/// `lastgram attach --once --json` prints; RapidJSON stays in
/// diag_report.cpp. Unknown numbers (negative in the structs) are null.
/// Shape, version 1:
///
///   {"version":1, "node":"<answering node>",
///    "members":[{"name","address","roles":[..],"state","self"}],
///    "nodes":[{"name","taken_at_ms","uptime_seconds","rss_bytes","threads",
///              "running_actors",
///              "engines":[{"name","ready","restarts","last_exit_reason",
///                          "backlog","msgs_per_sec","handled",
///                          "actors":[{"name","ready","restarts",
///                                     "last_exit_reason"}]}],
///              "lastfm":{"queue_depth","bucket_level"},
///              "cache":{"hits","misses","hit_rate"},
///              "commands":{"total","p50_ms","p99_ms","latency_window_seconds"},
///              "last_errors":[{"ts","level","engine","event","fields"}]}]}

#include <optional>
#include <string>
#include <string_view>

#include "messages/diag.hpp"

namespace lastgram::json {

/// Writes `report` as one line of JSON (no trailing newline).
std::string to_json(const diag_report& report);

/// Reads what to_json() wrote. Missing members take their defaults, so a
/// newer node's report still reads; nullopt (and `error` set) when `text` is
/// not a JSON object or lacks "nodes".
std::optional<diag_report> parse_diag_report(std::string_view text,
                                             std::string* error = nullptr);

} // namespace lastgram::json
