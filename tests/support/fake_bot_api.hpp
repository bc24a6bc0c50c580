#pragma once
// A fake Telegram Bot API for tests: a scripted HTTP server on loopback
// (test_http_server) that records every call with its arrival time, answers
// getMe, deleteWebhook and the sends like Telegram, serves scripted updates
// to getUpdates (those with update_id >= offset, at most `limit` (100), else
// an empty batch after a short wait, as a long poll would) and lets a test
// answer sends its own way (429, 403, garbage...). Multipart uploads (sendPhoto, editMessageMedia)
// are parsed strictly and checked as Telegram would (a photo file part that
// is a JPEG, a caption within 1024 characters, reply_markup, reply_parameters
// and media that are JSON objects, "attach://" naming a part); a bad one gets
// 400 and its reason in bot_call::refused. Thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "support/multipart.hpp"
#include "support/test_http_server.hpp"

namespace lastgram::test {

/// One call the bot made.
struct bot_call {
  std::string method;
  std::string body;
  std::chrono::steady_clock::time_point at;
  std::int64_t chat_id = 0;
  /// `text`, or `caption` of a sendPhoto (or of editMessageMedia's media).
  std::string text;
  /// A multipart/form-data upload: its fields (file parts included).
  bool multipart = false;
  std::vector<parsed_part> parts;
  /// The uploaded photo's bytes (the part `photo`).
  std::string photo;
  /// Why the fake refused the request with 400 ("" when it was accepted).
  std::string refused;

  /// The text field `name` of a multipart call ("" when absent).
  std::string field(const std::string& name) const;
};

/// A canned answer with a status and a body.
canned_response answer(unsigned status, std::string body);

/// A canned misbehaviour (close, garbage...).
canned_response act(reply_action a);

/// The length Telegram counts of an HTML text (a message or a caption):
/// without the tags, entities decoded, in UTF-16 code units.
std::size_t telegram_visible_length(const std::string& html);

/// A string or integer field of a JSON object body ("" when absent).
std::string json_string(const std::string& body, const char* field);

/// A private-chat text message update from `user` (first name "Ana",
/// language "en"); `message_id` 0 means the update id.
std::string private_update(std::int64_t update_id, std::int64_t user, const std::string& text,
                           std::int64_t message_id = 0);

class fake_bot_api {
public:
  /// Answers a send (the `nth` to its chat, from 1) differently: return a
  /// response, or nothing for the normal answer.
  using send_policy = std::function<std::optional<canned_response>(const bot_call&, int nth)>;

  explicit fake_bot_api(std::string token);

  /// "http://127.0.0.1:<port>", the bot's telegram.api-url.
  std::string url() const;

  void set_send_policy(send_policy p);

  /// Makes `json` (an Update) available to getUpdates.
  void add_update(std::int64_t id, const std::string& json);

  /// As Telegram does: a getUpdates with an offset confirms (and forgets)
  /// every update before it. Off by default (updates are kept, so a test can
  /// show that the stored offset alone prevents a repeat).
  void forget_confirmed(bool on);
  /// What getChatMember answers for `user` in `chat` ("creator",
  /// "administrator", "member" by default, "left", ...).
  void set_chat_member(std::int64_t chat, std::int64_t user, std::string status);

  /// The calls so far, of `method` (all when empty), in arrival order.
  std::vector<bot_call> calls(const std::string& method = {}) const;

  /// The sends (sendMessage/sendPhoto) to `chat`.
  std::vector<bot_call> sends_to(std::int64_t chat) const;

  /// Polls `pred` (test::eventually) until it holds or `timeout` passes.
  bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout) const;

private:
  canned_response handle(const received_request& req);

  std::string token_;
  mutable std::mutex mtx_;
  std::vector<bot_call> calls_;
  std::map<std::int64_t, std::string> updates_;
  send_policy policy_;
  bool forget_confirmed_ = false;
  /// "<chat>:<user>" -> getChatMember's status.
  std::map<std::string, std::string> members_;
  test_http_server server_;
};

} // namespace lastgram::test
