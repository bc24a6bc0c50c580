#include "platforms/telegram/update.hpp"

#include "i18n/utf8.hpp"

#include <optional>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace lastgram::telegram {

std::string to_string(parse_errc x) {
  switch (x) {
    case parse_errc::malformed_json:
      return "malformed_json";
    case parse_errc::missing_field:
      return "missing_field";
    case parse_errc::wrong_type:
      return "wrong_type";
  }
  return "unknown";
}

namespace {

using json = rapidjson::Value;

// Telegram's service account that "sends" channel posts forwarded
// automatically into the channel's linked discussion group.
constexpr std::int64_t channel_forward_user_id = 777000;

// Thrown only inside this file and always caught by `guarded`: it keeps each
// field accessor a one-liner instead of threading an error through every call.
struct parse_failure {
  parse_error error;
};

[[noreturn]] void fail(parse_errc code, std::string message) {
  throw parse_failure{parse_error{code, std::move(message)}};
}

template <class F>
auto guarded(F&& f) -> parse_result<decltype(f())> {
  try {
    return f();
  } catch (parse_failure& x) {
    return std::move(x.error);
  } catch (std::exception& x) {
    // E.g. bad_alloc: still an error value, never an escaping exception.
    return parse_error{parse_errc::malformed_json, x.what()};
  }
}

void parse_document(rapidjson::Document& doc, std::string_view text) {
  // The iterative parser bounds stack use on hostile, deeply nested input.
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError())
    fail(parse_errc::malformed_json,
         std::string{"invalid JSON at offset "}
           + std::to_string(doc.GetErrorOffset()) + ": "
           + rapidjson::GetParseError_En(doc.GetParseError()));
}

const json* find(const json& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

const json& object_at(const json& obj, const char* name,
                      const std::string& path) {
  auto* v = find(obj, name);
  if (v == nullptr)
    fail(parse_errc::missing_field, "missing field " + path + name);
  if (!v->IsObject())
    fail(parse_errc::wrong_type, "field " + path + name + " is not an object");
  return *v;
}

const json* optional_object(const json& obj, const char* name,
                            const std::string& path) {
  auto* v = find(obj, name);
  if (v == nullptr || v->IsNull())
    return nullptr;
  if (!v->IsObject())
    fail(parse_errc::wrong_type, "field " + path + name + " is not an object");
  return v;
}

std::int64_t int_at(const json& obj, const char* name,
                    const std::string& path) {
  auto* v = find(obj, name);
  if (v == nullptr)
    fail(parse_errc::missing_field, "missing field " + path + name);
  if (!v->IsInt64())
    fail(parse_errc::wrong_type,
         "field " + path + name + " is not a 64-bit integer");
  return v->GetInt64();
}

std::optional<std::int64_t> optional_int(const json& obj, const char* name,
                                         const std::string& path) {
  auto* v = find(obj, name);
  if (v == nullptr || v->IsNull())
    return std::nullopt;
  if (!v->IsInt64())
    fail(parse_errc::wrong_type,
         "field " + path + name + " is not a 64-bit integer");
  return v->GetInt64();
}

std::string string_at(const json& obj, const char* name,
                      const std::string& path) {
  auto* v = find(obj, name);
  if (v == nullptr)
    fail(parse_errc::missing_field, "missing field " + path + name);
  if (!v->IsString())
    fail(parse_errc::wrong_type, "field " + path + name + " is not a string");
  return i18n::scrub_utf8({v->GetString(), v->GetStringLength()});
}

std::string optional_string(const json& obj, const char* name,
                            const std::string& path) {
  auto* v = find(obj, name);
  if (v == nullptr || v->IsNull())
    return {};
  if (!v->IsString())
    fail(parse_errc::wrong_type, "field " + path + name + " is not a string");
  return i18n::scrub_utf8({v->GetString(), v->GetStringLength()});
}

bool optional_bool(const json& obj, const char* name, const std::string& path) {
  auto* v = find(obj, name);
  if (v == nullptr || v->IsNull())
    return false;
  if (!v->IsBool())
    fail(parse_errc::wrong_type, "field " + path + name + " is not a boolean");
  return v->GetBool();
}

std::string raw_json(const json& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buf};
  v.Accept(writer);
  return {buf.GetString(), buf.GetSize()};
}

user_ref parse_user(const json& obj, const std::string& path) {
  user_ref u;
  u.id = std::to_string(int_at(obj, "id", path));
  u.display_name = string_at(obj, "first_name", path);
  if (auto last = optional_string(obj, "last_name", path); !last.empty()) {
    u.display_name += ' ';
    u.display_name += last;
  }
  u.username = optional_string(obj, "username", path);
  u.language = optional_string(obj, "language_code", path);
  u.is_bot = optional_bool(obj, "is_bot", path);
  return u;
}

chat_ref parse_chat(const json& obj, const std::string& path) {
  chat_ref c;
  c.id = std::to_string(int_at(obj, "id", path));
  // "group", "supergroup" and "channel" are all many-member conversations.
  c.kind = string_at(obj, "type", path) == "private" ? chat_kind::private_chat
                                                     : chat_kind::group;
  c.title = optional_string(obj, "title", path);
  return c;
}

incoming_message parse_message(const json& obj, const std::string& path) {
  incoming_message m;
  m.platform = platform_kind::telegram;
  m.message_id = std::to_string(int_at(obj, "message_id", path));
  m.chat = parse_chat(object_at(obj, "chat", path), path + "chat.");
  m.author = parse_user(object_at(obj, "from", path), path + "from.");
  if (auto* text = find(obj, "text"); text != nullptr)
    m.text = string_at(obj, "text", path);
  else
    m.text = optional_string(obj, "caption", path);
  auto reply_path = path + "reply_to_message.";
  if (auto* reply = optional_object(obj, "reply_to_message", path)) {
    m.reply_to_message_id = std::to_string(
      int_at(*reply, "message_id", reply_path));
    if (auto* from = optional_object(*reply, "from", reply_path)) {
      auto author = parse_user(*from, reply_path + "from.");
      if (author.id != std::to_string(channel_forward_user_id)) {
        m.reply_to_author = std::move(author);
        m.has_reply_author = true;
      }
    }
  }
  return m;
}

callback_query parse_callback(const json& obj, const std::string& path) {
  callback_query q;
  q.id = string_at(obj, "id", path);
  q.from = parse_user(object_at(obj, "from", path), path + "from.");
  q.data = optional_string(obj, "data", path);
  if (auto* msg = optional_object(obj, "message", path)) {
    auto msg_path = path + "message.";
    q.message_id = std::to_string(int_at(*msg, "message_id", msg_path));
    auto& chat = object_at(*msg, "chat", msg_path);
    q.chat_id = std::to_string(int_at(chat, "id", msg_path + "chat."));
  }
  return q;
}

inline_query parse_inline(const json& obj, const std::string& path) {
  inline_query q;
  q.id = string_at(obj, "id", path);
  q.from = parse_user(object_at(obj, "from", path), path + "from.");
  q.query = string_at(obj, "query", path);
  q.offset = optional_string(obj, "offset", path);
  return q;
}

chat_member_update parse_member(const json& obj, const std::string& path) {
  chat_member_update m;
  m.chat = parse_chat(object_at(obj, "chat", path), path + "chat.");
  m.from = parse_user(object_at(obj, "from", path), path + "from.");
  auto& member = object_at(obj, "new_chat_member", path);
  m.new_status = string_at(member, "status", path + "new_chat_member.");
  if (m.new_status == "member" || m.new_status == "administrator")
    m.change = membership_change::added;
  else if (m.new_status == "left" || m.new_status == "kicked")
    m.change = membership_change::removed;
  return m;
}

parsed_update parse_update_object(const json& root) {
  if (!root.IsObject())
    fail(parse_errc::wrong_type, "update is not an object");
  parsed_update u;
  u.update_id = int_at(root, "update_id", "");
  if (auto* msg = optional_object(root, "message", "")) {
    u.kind = update_kind::message;
    u.message = parse_message(*msg, "message.");
    // Service messages about the group's members and its id.
    if (auto* left = optional_object(*msg, "left_chat_member", "message."))
      u.left_member_id = std::to_string(int_at(*left, "id", "message.left_chat_member."));
    if (auto to = optional_int(*msg, "migrate_to_chat_id", "message."))
      u.migrate_to_chat_id = std::to_string(*to);
  } else if (auto* edited = optional_object(root, "edited_message", "")) {
    u.kind = update_kind::edited_message;
    u.message = parse_message(*edited, "edited_message.");
  } else if (auto* cb = optional_object(root, "callback_query", "")) {
    u.kind = update_kind::callback_query;
    u.callback = parse_callback(*cb, "callback_query.");
  } else if (auto* iq = optional_object(root, "inline_query", "")) {
    u.kind = update_kind::inline_query;
    u.inline_ = parse_inline(*iq, "inline_query.");
  } else if (auto* mcm = optional_object(root, "my_chat_member", "")) {
    u.kind = update_kind::my_chat_member;
    u.member = parse_member(*mcm, "my_chat_member.");
  } else {
    u.kind = update_kind::unsupported;
    for (auto& field : root.GetObject()) {
      std::string_view name{field.name.GetString(),
                            field.name.GetStringLength()};
      if (name != "update_id") {
        u.unsupported_field = std::string{name};
        break;
      }
    }
  }
  return u;
}

} // namespace

parse_result<parsed_update> parse_update(std::string_view text) {
  return guarded([&] {
    rapidjson::Document doc;
    parse_document(doc, text);
    return parse_update_object(doc);
  });
}

parse_result<api_response> parse_response(std::string_view text) {
  return guarded([&] {
    rapidjson::Document doc;
    parse_document(doc, text);
    if (!doc.IsObject())
      fail(parse_errc::wrong_type, "response is not an object");
    auto* ok = find(doc, "ok");
    if (ok == nullptr)
      fail(parse_errc::missing_field, "missing field ok");
    if (!ok->IsBool())
      fail(parse_errc::wrong_type, "field ok is not a boolean");
    api_response r;
    r.ok = ok->GetBool();
    if (auto* result = find(doc, "result"))
      r.result = raw_json(*result);
    if (auto code = optional_int(doc, "error_code", ""))
      r.error_code = static_cast<int>(*code);
    r.description = optional_string(doc, "description", "");
    if (auto* params = optional_object(doc, "parameters", "")) {
      r.retry_after = optional_int(*params, "retry_after", "parameters.")
                        .value_or(0);
      if (auto to = optional_int(*params, "migrate_to_chat_id", "parameters."))
        r.migrate_to_chat_id = std::to_string(*to);
    }
    if (!r.ok && r.error_code == 0)
      fail(parse_errc::missing_field, "missing field error_code");
    return r;
  });
}

parse_result<bot_identity> parse_get_me(std::string_view result_json) {
  return guarded([&] {
    rapidjson::Document doc;
    parse_document(doc, result_json);
    if (!doc.IsObject())
      fail(parse_errc::wrong_type, "getMe result is not an object");
    bot_identity me;
    me.id = std::to_string(int_at(doc, "id", ""));
    me.username = string_at(doc, "username", "");
    return me;
  });
}

parse_result<std::string> parse_chat_member_status(std::string_view result_json) {
  return guarded([&] {
    rapidjson::Document doc;
    parse_document(doc, result_json);
    if (!doc.IsObject())
      fail(parse_errc::wrong_type, "getChatMember result is not an object");
    auto status = string_at(doc, "status", "");
    if (status.empty())
      fail(parse_errc::missing_field, "getChatMember result has no status");
    return status;
  });
}

parse_result<std::vector<raw_update>>
parse_updates(std::string_view result_json) {
  return guarded([&] {
    rapidjson::Document doc;
    parse_document(doc, result_json);
    if (!doc.IsArray())
      fail(parse_errc::wrong_type, "getUpdates result is not an array");
    std::vector<raw_update> out;
    out.reserve(doc.Size());
    for (auto& item : doc.GetArray()) {
      auto name = "result[" + std::to_string(out.size()) + "]";
      if (!item.IsObject())
        fail(parse_errc::wrong_type, name + " is not an object");
      out.push_back(
        raw_update{int_at(item, "update_id", name + "."), raw_json(item)});
    }
    return out;
  });
}

} // namespace lastgram::telegram
