#include "support/fake_bot_api.hpp"

#include <rapidjson/document.h>

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
  auto chat = json_string(req.body, "chat_id");
  call.chat_id = chat.empty() ? 0 : std::stoll(chat);
  call.text = json_string(req.body, call.method == "sendPhoto" ? "caption" : "text");
  std::lock_guard<std::mutex> guard{mtx_};
  calls_.push_back(call);
  if (call.method == "getMe")
    return ok(R"({"id":4242,"is_bot":true,"first_name":"lastgram","username":"LastgramTestBot"})");
  if (call.method == "getUpdates") {
    auto offset_text = json_string(req.body, "offset");
    std::int64_t offset = offset_text.empty() ? 0 : std::stoll(offset_text);
    std::string batch = "[";
    for (auto& [id, json] : updates_) {
      if (id < offset)
        continue;
      if (batch.size() > 1)
        batch += ',';
      batch += json;
    }
    batch += ']';
    auto r = ok(batch);
    if (batch == "[]")
      r.delay = 300ms;
    return r;
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
