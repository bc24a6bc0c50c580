#pragma once

/// A thin asynchronous client of the Telegram Bot API: every method is a JSON
/// POST to `<base>/bot<token>/<method>`, and every answer (including
/// transport failures and odd bodies) comes back as an `api_result` value.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lastgram::net {
class http_client;
} // namespace lastgram::net

namespace lastgram::telegram {

/// The outcome of one Bot API call.
struct api_result {
  /// True when Telegram answered `{"ok":true,...}`.
  bool ok = false;
  /// The `result` field re-serialized as compact JSON ("" when not ok).
  std::string result_json;
  /// Telegram's `error_code` (e.g. 400, 401, 403, 429), else the HTTP
  /// status of an answer that was not a Bot API object, else 0.
  int error_code = 0;
  /// Telegram's `description`, or a technical description for logs. Never
  /// contains the bot token.
  std::string description;
  /// Seconds to wait before retrying (`parameters.retry_after` on a 429),
  /// 0 when not given.
  std::int64_t retry_after_s = 0;
  /// True when no HTTP response arrived (timeout, refused, reset, TLS...).
  bool network_error = false;
  /// True when the request never left this process: the HTTP client had too
  /// many requests waiting for the host. Sending it again cannot duplicate
  /// anything (with `network_error`).
  bool not_sent = false;
  /// `parameters.migrate_to_chat_id`: the group became this supergroup, so
  /// messages must go there (0 when not given).
  std::int64_t migrate_to_chat_id = 0;
};

/// Called once per completed call with the method name and an outcome label
/// (the Telegram/HTTP code such as "200" or "429", or "network"). The runtime
/// wires it to the counter `lastgram_telegram_requests_total{method,code}`:
/// the metrics registry lives in lastgram_actors, which lastgram_platforms
/// cannot link without a dependency cycle.
using request_observer =
  std::function<void(std::string_view method, std::string_view code)>;

/// One entry of `setMyCommands`: a command name (without '/') and its
/// description.
struct bot_command {
  std::string command;
  std::string description;
};

/// A Bot API client bound to one token. Thread-safe; callbacks run on the
/// http_client's thread and must not throw.
class bot_api {
public:
  using callback = std::function<void(api_result)>;

  /// Timeout of ordinary calls.
  static constexpr std::chrono::milliseconds default_timeout{10000};
  /// Added to a long-poll timeout to get the HTTP deadline of getUpdates.
  static constexpr std::chrono::milliseconds long_poll_margin{10000};

  /// `base_url` like "https://api.telegram.org" (a trailing '/' is ignored).
  /// `observer`, when set, is told the outcome of every call. A null `http`
  /// makes every call fail with `network_error`.
  bot_api(std::string base_url, std::string token,
          std::shared_ptr<net::http_client> http,
          request_observer observer = {});

  /// POSTs `json_body` to `<base>/bot<token>/<method>`; `done` runs exactly
  /// once, normally on the http_client's thread.
  void call(std::string method, std::string json_body,
            std::chrono::milliseconds timeout, callback done) const;

  /// POSTs a multipart/form-data body (see net::encode_multipart).
  void call_form(std::string method, std::string body, std::string content_type,
                 std::chrono::milliseconds timeout, callback done) const;

  /// The largest photo Telegram takes as an upload.
  static constexpr std::size_t photo_upload_limit = 10u << 20;
  /// Timeout of uploads (a 10 MB body over a slow link).
  static constexpr std::chrono::milliseconds upload_timeout{60000};

  /// getMe.
  void get_me(callback done) const;

  /// getChatMember: the member's status in a chat (parse_chat_member_status).
  void get_chat_member(std::int64_t chat_id, std::int64_t user_id, callback done) const;

  /// deleteWebhook.
  void delete_webhook(bool drop_pending_updates, callback done) const;

  /// getUpdates with long polling `timeout_s` seconds (`offset` 0 is not
  /// sent, i.e. start from the oldest unconfirmed update); the HTTP deadline is
  /// `timeout_s` + `long_poll_margin`. An empty `allowed_updates` is not sent
  /// (Telegram then keeps its previous setting).
  void get_updates(std::int64_t offset, int timeout_s,
                   const std::vector<std::string>& allowed_updates,
                   callback done) const;

  /// setWebhook; `secret_token` is omitted when empty, `max_connections`
  /// when 0.
  void set_webhook(const std::string& url, const std::string& secret_token,
                   const std::vector<std::string>& allowed_updates,
                   int max_connections, bool drop_pending_updates,
                   callback done) const;

  /// sendMessage in HTML parse mode. `reply_to_message_id` 0 = not a reply
  /// (a reply whose target is gone is still sent); `keyboard_json` is a
  /// reply_markup object or "" for none. An invalid `keyboard_json` fails at
  /// once (error_code 0) without a request.
  void send_message(std::int64_t chat_id, const std::string& html_text,
                    std::int64_t reply_to_message_id,
                    const std::string& keyboard_json, bool disable_preview,
                    callback done) const;

  /// sendPhoto by URL with an HTML caption ("" for none).
  void send_photo(std::int64_t chat_id, const std::string& photo_url,
                  const std::string& html_caption, std::int64_t reply_to_message_id,
                  const std::string& keyboard_json, callback done) const;

  /// sendPhoto uploading `jpeg` as multipart/form-data (file part "photo",
  /// picture.jpg, image/jpeg), with an HTML caption ("" for none), the reply
  /// parameters and the keyboard as JSON fields. Telegram takes photos up to
  /// 10 MB: a larger one (or an empty one, or an invalid keyboard) fails at
  /// once (error_code 0) without a request.
  void send_photo_upload(std::int64_t chat_id, const std::string& jpeg,
                         const std::string& html_caption, std::int64_t reply_to_message_id,
                         const std::string& keyboard_json, callback done) const;

  /// editMessageMedia replacing the message's photo with `jpeg` (uploaded
  /// as "attach://photo") and its caption; `keyboard_json` as for
  /// send_photo_upload.
  void edit_message_media_upload(std::int64_t chat_id, std::int64_t message_id,
                                 const std::string& jpeg, const std::string& html_caption,
                                 const std::string& keyboard_json, callback done) const;

  /// editMessageText in HTML parse mode.
  void edit_message_text(std::int64_t chat_id, std::int64_t message_id,
                         const std::string& html_text,
                         const std::string& keyboard_json, bool disable_preview,
                         callback done) const;

  /// answerCallbackQuery; `text` omitted when empty.
  void answer_callback_query(const std::string& callback_query_id,
                             const std::string& text, bool show_alert,
                             callback done) const;

  /// answerInlineQuery; `results_json` is a JSON array of
  /// InlineQueryResult objects (invalid JSON fails at once).
  void answer_inline_query(const std::string& inline_query_id,
                           const std::string& results_json, int cache_time_s,
                           bool is_personal, callback done) const;

  /// setMyCommands; `language_code` omitted when empty.
  void set_my_commands(const std::vector<bot_command>& commands,
                       const std::string& language_code, callback done) const;

private:
  /// `lane`: the HTTP client's connection lane (see net::http_call::lane).
  void post(std::string method, std::string body, std::string content_type,
            std::chrono::milliseconds timeout, callback done, std::string lane = {}) const;

  std::string base_url_;
  std::string token_;
  std::shared_ptr<net::http_client> http_;
  request_observer observer_;
};

/// Turns an HTTP status and body into an `api_result` (exposed for tests).
api_result parse_api_response(unsigned http_status, std::string_view body);

} // namespace lastgram::telegram
