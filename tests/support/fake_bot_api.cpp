#include "support/fake_bot_api.hpp"

#include <algorithm>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>

#include "support/redis_server.hpp"

namespace lastgram::test {

using namespace std::chrono_literals;

canned_response answer(unsigned status, std::string body) {
  canned_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

canned_response act(reply_action a) {
  canned_response r;
  r.action = a;
  return r;
}

std::string json_string(const std::string& body, const char* field) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember(field))
    return {};
  auto& v = doc[field];
  if (v.IsString())
    return v.GetString();
  if (v.IsInt64())
    return std::to_string(v.GetInt64());
  return {};
}

std::size_t telegram_visible_length(const std::string& html) {
  std::size_t units = 0;
  for (std::size_t i = 0; i < html.size(); ++i) {
    auto c = static_cast<unsigned char>(html[i]);
    if (c == '<') {
      i = html.find('>', i);
      if (i == std::string::npos)
        break;
    } else if (c == '&') {
      ++units;
      i = html.find(';', i);
      if (i == std::string::npos)
        break;
    } else if ((c & 0xC0) != 0x80) {
      // A code point starts: two units above U+FFFF (4-byte UTF-8).
      units += c >= 0xF0 ? 2 : 1;
    }
  }
  return units;
}

std::string bot_call::field(const std::string& name) const {
  for (auto& p : parts)
    if (p.name == name && !p.has_filename)
      return p.data;
  return {};
}

std::string private_update(std::int64_t update_id, std::int64_t user, const std::string& text,
                           std::int64_t message_id) {
  if (message_id == 0)
    message_id = update_id;
  return R"({"update_id":)" + std::to_string(update_id) + R"(,"message":{"message_id":)"
         + std::to_string(message_id) + R"(,"date":1700000000,"from":{"id":)"
         + std::to_string(user)
         + R"(,"is_bot":false,"first_name":"Ana","language_code":"en"},"chat":{"id":)"
         + std::to_string(user) + R"(,"type":"private","first_name":"Ana"},"text":")" + text
         + R"("}})";
}

namespace {

canned_response ok(const std::string& result) {
  return answer(200, R"({"ok":true,"result":)" + result + "}");
}

canned_response bad_request(const std::string& why) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("ok");
  w.Bool(false);
  w.Key("error_code");
  w.Int(400);
  w.Key("description");
  auto text = "Bad Request: " + why;
  w.String(text.c_str());
  w.EndObject();
  return answer(400, buf.GetString());
}

bool is_json_object(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return !doc.HasParseError() && doc.IsObject();
}

/// Checks a multipart upload as Telegram would; "" when it is acceptable.
std::string check_upload(bot_call& call) {
  if (call.method != "sendPhoto" && call.method != "editMessageMedia")
    return "multipart is only expected for sendPhoto and editMessageMedia";
  if (call.field("chat_id").empty())
    return "chat_id is empty";
  std::string file_name = "photo";
  if (call.method == "editMessageMedia") {
    auto media = call.field("media");
    rapidjson::Document doc;
    doc.Parse(media.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("media")
        || !doc["media"].IsString() || !doc.HasMember("type") || !doc["type"].IsString()
        || std::string{doc["type"].GetString()} != "photo")
      return "media is not an InputMediaPhoto";
    std::string target = doc["media"].GetString();
    if (target.rfind("attach://", 0) != 0)
      return "media does not attach an uploaded file";
    file_name = target.substr(9);
    if (call.field("message_id").empty())
      return "message_id is empty";
    if (doc.HasMember("caption") && doc["caption"].IsString())
      call.text = doc["caption"].GetString();
  } else {
    call.text = call.field("caption");
  }
  const parsed_part* photo = nullptr;
  for (auto& part : call.parts)
    if (part.name == file_name)
      photo = &part;
  if (photo == nullptr || !photo->has_filename || photo->filename.empty())
    return "there is no photo in the request";
  if (photo->content_type != "image/jpeg" || !is_jpeg(photo->data))
    return "IMAGE_PROCESS_FAILED";
  if (photo->data.size() > (10u << 20))
    return "file is too big";
  call.photo = photo->data;
  if (telegram_visible_length(call.text) > 1024)
    return "message caption is too long";
  for (const char* json : {"reply_markup", "reply_parameters"})
    if (auto v = call.field(json); !v.empty() && !is_json_object(v))
      return std::string{"can't parse "} + json + " JSON object";
  return {};
}

} // namespace

fake_bot_api::fake_bot_api(std::string token)
  : token_(std::move(token)),
    server_([this](const received_request& req) { return handle(req); }) {
  // nop
}

std::string fake_bot_api::url() const {
  auto u = server_.url("/");
  return u.substr(0, u.size() - 1);
}

void fake_bot_api::set_send_policy(send_policy p) {
  std::lock_guard<std::mutex> guard{mtx_};
  policy_ = std::move(p);
}

void fake_bot_api::add_update(std::int64_t id, const std::string& json) {
  std::lock_guard<std::mutex> guard{mtx_};
  updates_[id] = json;
}

void fake_bot_api::forget_confirmed(bool on) {
  std::lock_guard<std::mutex> guard{mtx_};
  forget_confirmed_ = on;
}

void fake_bot_api::set_chat_member(std::int64_t chat, std::int64_t user, std::string status) {
  std::lock_guard<std::mutex> guard{mtx_};
  members_[std::to_string(chat) + ":" + std::to_string(user)] = std::move(status);
}

std::vector<bot_call> fake_bot_api::calls(const std::string& method) const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<bot_call> out;
  for (auto& c : calls_)
    if (method.empty() || c.method == method)
      out.push_back(c);
  return out;
}

std::vector<bot_call> fake_bot_api::sends_to(std::int64_t chat) const {
  std::vector<bot_call> out;
  for (auto& c : calls())
    if ((c.method == "sendMessage" || c.method == "sendPhoto") && c.chat_id == chat)
      out.push_back(c);
  return out;
}

bool fake_bot_api::wait_for(const std::function<bool()>& pred,
                            std::chrono::milliseconds timeout) const {
  return eventually(pred, timeout);
}

canned_response fake_bot_api::handle(const received_request& req) {
  bot_call call;
  call.at = std::chrono::steady_clock::now();
  auto prefix = "/bot" + token_ + "/";
  if (req.target.compare(0, prefix.size(), prefix) != 0)
    return answer(404, R"({"ok":false,"error_code":404,"description":"Not Found"})");
  call.method = req.target.substr(prefix.size());
  call.body = req.body;
  auto content_type = req.header("Content-Type");
  std::string chat;
  if (content_type.rfind("multipart/", 0) == 0) {
    call.multipart = true;
    std::string why;
    if (auto form = parse_multipart(content_type, req.body, &why)) {
      call.parts = std::move(form->parts);
      call.refused = check_upload(call);
    } else {
      call.refused = "malformed multipart: " + why;
    }
    chat = call.field("chat_id");
  } else {
    chat = json_string(req.body, "chat_id");
    call.text = json_string(req.body, call.method == "sendPhoto" ? "caption" : "text");
  }
  char* end = nullptr;
  call.chat_id = chat.empty() ? 0 : std::strtoll(chat.c_str(), &end, 10);
  std::lock_guard<std::mutex> guard{mtx_};
  calls_.push_back(call);
  if (!call.refused.empty())
    return bad_request(call.refused);
  if (call.method == "getMe")
    return ok(R"({"id":4242,"is_bot":true,"first_name":"lastgram","username":"LastgramTestBot"})");
  if (call.method == "getUpdates") {
    auto offset_text = json_string(req.body, "offset");
    std::int64_t offset = offset_text.empty() ? 0 : std::stoll(offset_text);
    if (forget_confirmed_)
      updates_.erase(updates_.begin(), updates_.lower_bound(offset));
    // At most `limit` updates (1-100, default 100), as Telegram gives.
    auto limit_text = json_string(req.body, "limit");
    std::int64_t limit = limit_text.empty() ? 100 : std::stoll(limit_text);
    limit = std::clamp<std::int64_t>(limit, 1, 100);
    std::string batch = "[";
    for (auto i = updates_.lower_bound(offset); i != updates_.end() && limit > 0; ++i, --limit) {
      if (batch.size() > 1)
        batch += ',';
      batch += i->second;
    }
    batch += ']';
    auto r = ok(batch);
    if (batch == "[]")
      r.delay = 300ms;
    return r;
  }
  if (call.method == "getChatMember") {
    // A ChatMember as the Bot API shapes it: owner, administrator or member.
    auto user = json_string(req.body, "user_id");
    auto known = members_.find(chat + ":" + user);
    auto status = known == members_.end() ? std::string{"member"} : known->second;
    auto who = R"({"id":)" + user + R"(,"is_bot":false,"first_name":"User"})";
    if (status == "administrator")
      return ok(R"({"user":)" + who + R"(,"status":"administrator","can_be_edited":false,)"
                R"("is_anonymous":false,"can_manage_chat":true,"can_delete_messages":true,)"
                R"("can_manage_video_chats":true,"can_restrict_members":true,)"
                R"("can_promote_members":false,"can_change_info":true,"can_invite_users":true,)"
                R"("can_pin_messages":true})");
    if (status == "creator")
      return ok(R"({"user":)" + who + R"(,"status":"creator","is_anonymous":false})");
    return ok(R"({"user":)" + who + R"(,"status":")" + status + R"("})");
  }
  if (call.method == "sendMessage" || call.method == "sendPhoto") {
    int nth = 0;
    for (auto& c : calls_)
      if (c.chat_id == call.chat_id && (c.method == "sendMessage" || c.method == "sendPhoto"))
        ++nth;
    if (policy_)
      if (auto special = policy_(call, nth))
        return *special;
    return ok(R"({"message_id":)" + std::to_string(1000 + calls_.size())
              + R"(,"date":1700000000,"chat":{"id":)" + std::to_string(call.chat_id)
              + R"(,"type":"private"},"text":"x"})");
  }
  return ok("true");
}

} // namespace lastgram::test
