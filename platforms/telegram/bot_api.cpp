#include "platforms/telegram/bot_api.hpp"

#include "platforms/net/http_client.hpp"
#include "platforms/net/multipart.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>

namespace lastgram::telegram {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(json_writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void put(json_writer& w, const char* key, std::int64_t value) {
  w.Key(key);
  w.Int64(value);
}

void put(json_writer& w, const char* key, bool value) {
  w.Key(key);
  w.Bool(value);
}

void put_strings(json_writer& w, const char* key, const std::vector<std::string>& values) {
  w.Key(key);
  w.StartArray();
  for (const auto& v : values)
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}

// Embeds caller-built JSON (keyboards, inline results) after checking that it
// parses and has the expected type, so that a bad value never produces an
// invalid request body.
bool put_raw(json_writer& w, const char* key, const std::string& raw, rapidjson::Type type) {
  rapidjson::Document doc;
  doc.Parse(raw.data(), raw.size());
  if (doc.HasParseError() || doc.GetType() != type)
    return false;
  w.Key(key);
  doc.Accept(w);
  return true;
}

void put_reply_to(json_writer& w, std::int64_t reply_to_message_id) {
  if (reply_to_message_id == 0)
    return;
  w.Key("reply_parameters");
  w.StartObject();
  put(w, "message_id", reply_to_message_id);
  // The command message may be deleted before the answer goes out; the
  // answer is still worth sending.
  put(w, "allow_sending_without_reply", true);
  w.EndObject();
}

void put_disable_preview(json_writer& w, bool disable_preview) {
  if (!disable_preview)
    return;
  w.Key("link_preview_options");
  w.StartObject();
  put(w, "is_disabled", true);
  w.EndObject();
}

api_result invalid_argument(const char* what) {
  api_result r;
  r.description = std::string("invalid argument: ") + what;
  return r;
}

/// Adds `reply_markup` when a keyboard is given. An invalid one sends
/// nothing: `done` gets the error at once and the caller returns.
bool put_keyboard(json_writer& w, const std::string& keyboard_json,
                  const std::function<void(api_result)>& done) {
  if (keyboard_json.empty()
      || put_raw(w, "reply_markup", keyboard_json, rapidjson::kObjectType))
    return true;
  if (done)
    done(invalid_argument("reply_markup is not a JSON object"));
  return false;
}

std::string compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// Replaces every occurrence of `secret` in `text`; a last line of defence for
// error texts that might echo a URL.
std::string redact(std::string text, const std::string& secret) {
  if (secret.empty())
    return text;
  for (auto pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos))
    text.replace(pos, secret.size(), "<token>");
  return text;
}

std::string outcome_label(const api_result& r) {
  if (r.network_error)
    return "network";
  if (r.ok)
    return "200";
  return std::to_string(r.error_code);
}

/// Whether `raw` parses as JSON of `type`.
bool is_json(const std::string& raw, rapidjson::Type type) {
  rapidjson::Document doc;
  doc.Parse(raw.data(), raw.size());
  return !doc.HasParseError() && doc.GetType() == type;
}

/// The text and keyboard fields of an upload, after the checks a request
/// must pass (a photo of 1 byte to 10 MB, a keyboard that is a JSON object);
/// "" when they pass, else what is wrong.
const char* upload_problem(const std::string& jpeg, const std::string& keyboard_json) {
  if (jpeg.empty())
    return "the photo is empty";
  if (jpeg.size() > bot_api::photo_upload_limit)
    return "the photo is larger than 10 MB";
  if (!keyboard_json.empty() && !is_json(keyboard_json, rapidjson::kObjectType))
    return "reply_markup is not a JSON object";
  return "";
}

net::form_part photo_part(const std::string& name, const std::string& jpeg) {
  return net::file_part(name, "picture.jpg", "image/jpeg", jpeg);
}

} // namespace

api_result parse_api_response(unsigned http_status, std::string_view body) {
  api_result r;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("ok")
      || !doc["ok"].IsBool()) {
    // An HTML error page from a proxy, an empty body, ...: not a Bot API
    // answer. The body itself is not quoted, as it may be large or hostile.
    r.error_code = static_cast<int>(http_status);
    r.description = "unexpected response: HTTP " + std::to_string(http_status)
                    + (body.empty() ? ", empty body" : ", not a Bot API object");
    return r;
  }
  if (doc["ok"].GetBool()) {
    r.ok = true;
    if (auto it = doc.FindMember("result"); it != doc.MemberEnd())
      r.result_json = compact(it->value);
    return r;
  }
  r.error_code = static_cast<int>(http_status);
  // A code of 0 or below says nothing; the HTTP status stands then.
  if (auto it = doc.FindMember("error_code");
      it != doc.MemberEnd() && it->value.IsInt() && it->value.GetInt() > 0)
    r.error_code = it->value.GetInt();
  if (auto it = doc.FindMember("description"); it != doc.MemberEnd() && it->value.IsString())
    r.description.assign(it->value.GetString(), it->value.GetStringLength());
  if (r.description.empty())
    r.description = "Bot API error without a description: HTTP " + std::to_string(http_status);
  if (auto it = doc.FindMember("parameters"); it != doc.MemberEnd() && it->value.IsObject()) {
    auto& params = it->value;
    if (auto ra = params.FindMember("retry_after");
        ra != params.MemberEnd() && ra->value.IsInt64() && ra->value.GetInt64() > 0)
      r.retry_after_s = ra->value.GetInt64();
    if (auto to = params.FindMember("migrate_to_chat_id");
        to != params.MemberEnd() && to->value.IsInt64() && to->value.GetInt64() != 0)
      r.migrate_to_chat_id = to->value.GetInt64();
  }
  return r;
}

bot_api::bot_api(std::string base_url, std::string token,
                 std::shared_ptr<net::http_client> http, request_observer observer)
  : base_url_(std::move(base_url)),
    token_(std::move(token)),
    http_(std::move(http)),
    observer_(std::move(observer)) {
  while (!base_url_.empty() && base_url_.back() == '/')
    base_url_.pop_back();
}

void bot_api::call(std::string method, std::string json_body,
                   std::chrono::milliseconds timeout, callback done) const {
  post(std::move(method), std::move(json_body), "application/json", timeout, std::move(done));
}

void bot_api::call_form(std::string method, std::string body, std::string content_type,
                        std::chrono::milliseconds timeout, callback done) const {
  post(std::move(method), std::move(body), std::move(content_type), timeout, std::move(done));
}

void bot_api::post(std::string method, std::string body, std::string content_type,
                   std::chrono::milliseconds timeout, callback done, std::string lane) const {
  if (!http_) {
    api_result r;
    r.network_error = true;
    r.description = "network error: no http client";
    if (done)
      done(std::move(r));
    return;
  }
  net::http_call req;
  req.method = "POST";
  req.url = base_url_ + "/bot" + token_ + "/" + method;
  req.body = std::move(body);
  req.content_type = std::move(content_type);
  req.timeout = timeout;
  req.lane = std::move(lane);
  auto finish = [token = token_, observer = observer_, method = std::move(method),
                 done = std::move(done)](net::http_result res) {
    api_result r;
    if (res.error != net::http_errc::ok) {
      r.network_error = true;
      r.not_sent = res.error == net::http_errc::queue_full;
      r.description = redact("network error: " + net::to_string(res.error) + ": "
                               + res.error_text,
                             token);
    } else {
      r = parse_api_response(res.status, res.body);
      r.description = redact(std::move(r.description), token);
      if (r.error_code == 429 && r.retry_after_s == 0) {
        // A 429 from something in front of Telegram may only carry the
        // header; honour it rather than retrying at once.
        auto header = res.header("Retry-After");
        char* end = nullptr;
        auto secs = std::strtoll(header.c_str(), &end, 10);
        if (!header.empty() && end != nullptr && *end == '\0' && secs > 0)
          r.retry_after_s = secs;
      }
    }
    if (observer)
      observer(method, outcome_label(r));
    if (done)
      done(std::move(r));
  };
  http_->request(std::move(req), std::move(finish));
}

void bot_api::get_me(callback done) const {
  call("getMe", "{}", default_timeout, std::move(done));
}

void bot_api::get_chat_member(std::int64_t chat_id, std::int64_t user_id,
                              callback done) const {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  put(w, "chat_id", chat_id);
  put(w, "user_id", user_id);
  w.EndObject();
  call("getChatMember", buf.GetString(), default_timeout, std::move(done));
}

void bot_api::delete_webhook(bool drop_pending_updates, callback done) const {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  put(w, "drop_pending_updates", drop_pending_updates);
  w.EndObject();
  call("deleteWebhook", buf.GetString(), default_timeout, std::move(done));
}

void bot_api::get_updates(std::int64_t offset, int timeout_s,
                          const std::vector<std::string>& allowed_updates,
                          callback done) const {
  if (timeout_s < 0)
    timeout_s = 0;
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  if (offset != 0)
    put(w, "offset", offset);
  put(w, "timeout", std::int64_t{timeout_s});
  if (!allowed_updates.empty())
    put_strings(w, "allowed_updates", allowed_updates);
  w.EndObject();
  auto http_timeout = std::chrono::milliseconds(std::chrono::seconds(timeout_s))
                      + long_poll_margin;
  // Its own connections: a long poll never waits behind the sends.
  post("getUpdates", buf.GetString(), "application/json", http_timeout, std::move(done),
       "long poll");
}

void bot_api::set_webhook(const std::string& url, const std::string& secret_token,
                          const std::vector<std::string>& allowed_updates,
                          int max_connections, bool drop_pending_updates,
                          callback done) const {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  put(w, "url", url);
  if (!secret_token.empty())
    put(w, "secret_token", secret_token);
  if (!allowed_updates.empty())
    put_strings(w, "allowed_updates", allowed_updates);
  if (max_connections > 0)
    put(w, "max_connections", std::int64_t{max_connections});
  put(w, "drop_pending_updates", drop_pending_updates);
  w.EndObject();
  call("setWebhook", buf.GetString(), default_timeout, std::move(done));
}

void bot_api::send_message(std::int64_t chat_id, const std::string& html_text,
                           std::int64_t reply_to_message_id,
                           const std::string& keyboard_json, bool disable_preview,
                           callback done) const {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  put(w, "chat_id", chat_id);
  put(w, "text", html_text);
  put(w, "parse_mode", std::string("HTML"));
  put_reply_to(w, reply_to_message_id);
  put_disable_preview(w, disable_preview);
  if (!put_keyboard(w, keyboard_json, done))
    return;
  w.EndObject();
  call("sendMessage", buf.GetString(), default_timeout, std::move(done));
}

void bot_api::send_photo(std::int64_t chat_id, const std::string& photo_url,
                         const std::string& html_caption, std::int64_t reply_to_message_id,
                         const std::string& keyboard_json, callback done) const {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  put(w, "chat_id", chat_id);
  put(w, "photo", photo_url);
  if (!html_caption.empty()) {
    put(w, "caption", html_caption);
    put(w, "parse_mode", std::string("HTML"));
  }
  put_reply_to(w, reply_to_message_id);
  if (!put_keyboard(w, keyboard_json, done))
    return;
  w.EndObject();
  call("sendPhoto", buf.GetString(), default_timeout, std::move(done));
}

void bot_api::send_photo_upload(std::int64_t chat_id, const std::string& jpeg,
                                const std::string& html_caption,
                                std::int64_t reply_to_message_id,
                                const std::string& keyboard_json, callback done) const {
  if (auto problem = upload_problem(jpeg, keyboard_json); *problem != '\0') {
    if (done)
      done(invalid_argument(problem));
    return;
  }
  std::vector<net::form_part> parts;
  parts.push_back(net::text_part("chat_id", std::to_string(chat_id)));
  parts.push_back(photo_part("photo", jpeg));
  if (!html_caption.empty()) {
    parts.push_back(net::text_part("caption", html_caption));
    parts.push_back(net::text_part("parse_mode", "HTML"));
  }
  if (reply_to_message_id != 0) {
    rapidjson::StringBuffer buf;
    json_writer w(buf);
    w.StartObject();
    put(w, "message_id", reply_to_message_id);
    put(w, "allow_sending_without_reply", true);
    w.EndObject();
    parts.push_back(net::text_part("reply_parameters", buf.GetString()));
  }
  if (!keyboard_json.empty())
    parts.push_back(net::text_part("reply_markup", keyboard_json));
  auto form = net::encode_multipart(parts);
  call_form("sendPhoto", std::move(form.body), std::move(form.content_type), upload_timeout,
            std::move(done));
}

void bot_api::edit_message_media_upload(std::int64_t chat_id, std::int64_t message_id,
                                        const std::string& jpeg,
                                        const std::string& html_caption,
                                        const std::string& keyboard_json,
                                        callback done) const {
  if (auto problem = upload_problem(jpeg, keyboard_json); *problem != '\0') {
    if (done)
      done(invalid_argument(problem));
    return;
  }
  rapidjson::StringBuffer media;
  json_writer w(media);
  w.StartObject();
  put(w, "type", std::string("photo"));
  put(w, "media", std::string("attach://photo"));
  if (!html_caption.empty()) {
    put(w, "caption", html_caption);
    put(w, "parse_mode", std::string("HTML"));
  }
  w.EndObject();
  std::vector<net::form_part> parts;
  parts.push_back(net::text_part("chat_id", std::to_string(chat_id)));
  parts.push_back(net::text_part("message_id", std::to_string(message_id)));
  parts.push_back(net::text_part("media", media.GetString()));
  parts.push_back(photo_part("photo", jpeg));
  if (!keyboard_json.empty())
    parts.push_back(net::text_part("reply_markup", keyboard_json));
  auto form = net::encode_multipart(parts);
  call_form("editMessageMedia", std::move(form.body), std::move(form.content_type),
            upload_timeout, std::move(done));
}

void bot_api::edit_message_text(std::int64_t chat_id, std::int64_t message_id,
                                const std::string& html_text,
                                const std::string& keyboard_json, bool disable_preview,
                                callback done) const {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  put(w, "chat_id", chat_id);
  put(w, "message_id", message_id);
  put(w, "text", html_text);
  put(w, "parse_mode", std::string("HTML"));
  put_disable_preview(w, disable_preview);
  if (!put_keyboard(w, keyboard_json, done))
    return;
  w.EndObject();
  call("editMessageText", buf.GetString(), default_timeout, std::move(done));
}

void bot_api::answer_callback_query(const std::string& callback_query_id,
                                    const std::string& text, bool show_alert,
                                    callback done) const {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  put(w, "callback_query_id", callback_query_id);
  if (!text.empty())
    put(w, "text", text);
  put(w, "show_alert", show_alert);
  w.EndObject();
  call("answerCallbackQuery", buf.GetString(), default_timeout, std::move(done));
}

void bot_api::answer_inline_query(const std::string& inline_query_id,
                                  const std::string& results_json, int cache_time_s,
                                  bool is_personal, callback done) const {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  put(w, "inline_query_id", inline_query_id);
  if (!put_raw(w, "results", results_json, rapidjson::kArrayType)) {
    if (done)
      done(invalid_argument("results is not a JSON array"));
    return;
  }
  put(w, "cache_time", std::int64_t{cache_time_s < 0 ? 0 : cache_time_s});
  put(w, "is_personal", is_personal);
  w.EndObject();
  call("answerInlineQuery", buf.GetString(), default_timeout, std::move(done));
}

void bot_api::set_my_commands(const std::vector<bot_command>& commands,
                              const std::string& language_code, callback done) const {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("commands");
  w.StartArray();
  for (const auto& c : commands) {
    w.StartObject();
    put(w, "command", c.command);
    put(w, "description", c.description);
    w.EndObject();
  }
  w.EndArray();
  if (!language_code.empty())
    put(w, "language_code", language_code);
  w.EndObject();
  call("setMyCommands", buf.GetString(), default_timeout, std::move(done));
}

} // namespace lastgram::telegram
