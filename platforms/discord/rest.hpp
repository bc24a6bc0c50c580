#pragma once

/// Discord's REST API: one call at a time through the pooled HTTP client,
/// answers as `rest_result` values, and the rate-limit bookkeeping the
/// Discord actor consults before each call (per-route buckets from the
/// X-RateLimit-* headers, the global 50 requests per second). The waiting
/// and retrying happen in the actor (timers); this file holds no clock of
/// its own.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace lastgram::net {
class http_client;
struct http_result;
} // namespace lastgram::net

namespace lastgram::discord {

/// Discord's JSON error code for an interaction answered too late.
constexpr int unknown_interaction = 10062;

/// The outcome of one REST call.
struct rest_result {
  /// HTTP status; 0 when no response arrived.
  unsigned status = 0;
  bool network_error = false;
  std::string body;
  /// Discord's JSON error `code` (e.g. 10062, 50035), 0 when none.
  int code = 0;
  /// The error's message and, for a 400, the paths of the refused fields
  /// ("data.embeds.0.description: Must be 4096 or fewer in length.").
  std::string message;
  /// 429: seconds to wait, and whether the limit is global.
  double retry_after_s = 0;
  bool global = false;
  /// The X-RateLimit-* headers (bucket "" when absent).
  std::string bucket;
  int remaining = -1;
  double reset_after_s = 0;
};

/// The route a path belongs to for rate limits, metrics and logs: ids other
/// than a major parameter (channel, guild, webhook id) become ":id", and
/// interaction tokens ":token", so the label never holds a token.
/// E.g. "PATCH /webhooks/1/abc/messages/@original" ->
/// "PATCH /webhooks/1/:token/messages/@original".
std::string route_of(std::string_view method, std::string_view path);

/// Turns Discord's 400 error tree ({"errors":{"data":{"content":{"_errors":
/// [{"message":..}]}}}}) into "data.content: message; ..." lines.
std::string error_paths(std::string_view body);

/// Reads one HTTP answer (its body moved out): the X-RateLimit-* headers,
/// and for an error Discord's JSON code, message, retry_after and the
/// refused paths of a 400.
rest_result to_result(net::http_result& r);

/// The string field "id" of a JSON object (e.g. GET /applications/@me), ""
/// when there is none.
std::string id_of(std::string_view json_body);

/// Per-route buckets and the global limit, fed by answers and asked before
/// calls. Not thread-safe: owned by one actor.
class rate_limits {
public:
  using clock = std::chrono::steady_clock;

  explicit rate_limits(int global_per_second = 50) : global_per_second_(global_per_second) {}

  /// How long a call on `route` must wait from `now` (zero: go now). A
  /// call that may go is counted against the global limit.
  clock::duration wait_for(const std::string& route, clock::time_point now);

  /// Records an answer on `route` received at `now`.
  void learn(const std::string& route, const rest_result& res, clock::time_point now);

private:
  struct bucket_state {
    int remaining = 1;
    clock::time_point reset_at{};
  };
  int global_per_second_;
  std::deque<clock::time_point> recent_;
  clock::time_point global_until_{};
  std::map<std::string, std::string> bucket_of_route_;
  std::map<std::string, bucket_state> buckets_;
};

/// Observes each finished call: route label and outcome ("200", "429",
/// "network"); the runtime wires it to lastgram_discord_requests_total.
using rest_observer = std::function<void(std::string_view route, std::string_view code)>;

/// A Discord REST client bound to an API base and (optionally) a bot token.
/// Thread-safe; callbacks run on the HTTP client's thread.
class rest_client {
public:
  using callback = std::function<void(rest_result)>;

  rest_client(std::string api_url, std::string token, std::shared_ptr<net::http_client> http,
              rest_observer observer = {});

  /// Sends `method path` with `json_body` (none when empty). Interaction
  /// callbacks and webhook routes go without the bot token, which they do
  /// not need; the token appears in no log and no result.
  void call(const std::string& method, const std::string& path, const std::string& json_body,
            callback done, std::chrono::milliseconds timeout = std::chrono::milliseconds{10000});

  /// Sends `json_body` with a JPEG as a multipart/form-data request:
  /// `payload_json` (the JSON, which lists the attachment) and `files[0]`
  /// (attachment_filename, image/jpeg). An empty `jpeg` sends plain JSON.
  void call_with_jpeg(const std::string& method, const std::string& path,
                      const std::string& json_body, const std::string& jpeg, callback done,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds{30000});

private:
  void send(const std::string& method, const std::string& path, std::string body,
            std::string content_type, callback done, std::chrono::milliseconds timeout);

  std::string base_;
  std::string token_;
  std::shared_ptr<net::http_client> http_;
  rest_observer observer_;
};

} // namespace lastgram::discord
