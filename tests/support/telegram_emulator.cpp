#include "support/telegram_emulator.hpp"
#include "support/build_paths.hpp"

#include "support/http_probe.hpp"
#include "support/process.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#ifndef LASTGRAM_TELEGRAM_EMULATOR_DIR
#  error "LASTGRAM_TELEGRAM_EMULATOR_DIR must name tests/telegram"
#endif

namespace lastgram::test {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Deadline of one request to the emulator; a send waits for a webhook
// delivery, which the emulator bounds at 10 s.
constexpr std::chrono::seconds request_timeout{15};

std::string find_program(const std::vector<std::string>& names) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  for (const auto& name : names) {
    std::size_t start = 0;
    while (start <= dirs.size()) {
      auto end = dirs.find(':', start);
      if (end == std::string::npos)
        end = dirs.size();
      auto dir = dirs.substr(start, end - start);
      auto candidate = (dir.empty() ? std::string{"."} : dir) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0)
        return candidate;
      start = end + 1;
    }
  }
  return {};
}

void put(json_writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void put(json_writer& w, const char* key, std::int64_t value) {
  w.Key(key);
  w.Int64(value);
}

void put_if(json_writer& w, const char* key, const std::string& value) {
  if (!value.empty())
    put(w, key, value);
}

std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

void write_user(json_writer& w, const char* key, const tg_user& u) {
  w.Key(key);
  w.StartObject();
  put(w, "id", u.id);
  w.Key("is_bot");
  w.Bool(u.is_bot);
  put(w, "first_name", u.first_name);
  put_if(w, "last_name", u.last_name);
  put_if(w, "username", u.username);
  put_if(w, "language_code", u.language_code);
  w.EndObject();
}

void write_chat(json_writer& w, const tg_chat& c) {
  w.Key("chat");
  w.StartObject();
  put(w, "id", c.id);
  put(w, "type", c.type);
  if (c.type != "private")
    put_if(w, "title", c.title);
  w.EndObject();
}

std::string compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject())
    return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string text_of(const rapidjson::Value& obj, const char* name) {
  auto* v = member(obj, name);
  return v != nullptr && v->IsString() ? std::string{v->GetString(), v->GetStringLength()}
                                       : std::string{};
}

// Bots may send ids as numbers or as strings.
std::int64_t int_of(const rapidjson::Value& obj, const char* name) {
  auto* v = member(obj, name);
  if (v == nullptr)
    return 0;
  if (v->IsInt64())
    return v->GetInt64();
  if (v->IsString())
    return std::strtoll(v->GetString(), nullptr, 10);
  return 0;
}

bool flag_of(const rapidjson::Value& obj, const char* name) {
  auto* v = member(obj, name);
  return v != nullptr && ((v->IsBool() && v->GetBool())
                          || (v->IsString() && std::string_view{v->GetString()} == "true"));
}

rapidjson::Document parse_json(const std::string& text, const std::string& what) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError())
    throw std::runtime_error("telegram emulator: " + what + " is not JSON: " + text);
  return doc;
}

tg_bot_message to_bot_message(const rapidjson::Value& entry) {
  const auto& msg = *member(entry, "message");
  tg_bot_message m;
  m.message_id = int_of(entry, "messageId");
  m.chat_id = int_of(msg, "chat_id");
  m.text = text_of(msg, "text");
  m.parse_mode = text_of(msg, "parse_mode");
  if (auto* reply = member(msg, "reply_parameters"); reply != nullptr) {
    m.reply_to_message_id = int_of(*reply, "message_id");
    m.allow_sending_without_reply = flag_of(*reply, "allow_sending_without_reply");
  } else {
    m.reply_to_message_id = int_of(msg, "reply_to_message_id");
    m.allow_sending_without_reply = flag_of(msg, "allow_sending_without_reply");
  }
  if (auto* preview = member(msg, "link_preview_options"); preview != nullptr)
    m.link_preview_disabled = flag_of(*preview, "is_disabled");
  else
    m.link_preview_disabled = flag_of(msg, "disable_web_page_preview");
  if (auto* markup = member(msg, "reply_markup"); markup != nullptr && markup->IsObject()) {
    m.reply_markup = compact(*markup);
    if (auto* rows = member(*markup, "inline_keyboard"); rows != nullptr && rows->IsArray())
      for (auto& row : rows->GetArray())
        if (row.IsArray())
          for (auto& b : row.GetArray())
            m.buttons.push_back(
              tg_button{text_of(b, "text"), text_of(b, "callback_data"), text_of(b, "url")});
  }
  m.photo = text_of(msg, "photo");
  m.caption = text_of(msg, "caption");
  m.json = compact(msg);
  return m;
}

// A stored bot message is the body of the bot's request: it has a chat_id,
// where user updates carry a chat object (or are queries).
bool is_bot_message(const rapidjson::Value& entry) {
  auto* msg = member(entry, "message");
  return msg != nullptr && msg->IsObject() && member(*msg, "chat_id") != nullptr
         && member(entry, "callbackQuery") == nullptr && member(entry, "inlineQuery") == nullptr;
}

} // namespace

tg_chat tg_chat::private_with(const tg_user& user) {
  return tg_chat{user.id, "private", ""};
}

tg_chat tg_chat::group(std::int64_t id, std::string title, bool supergroup) {
  return tg_chat{id, supergroup ? "supergroup" : "group", std::move(title)};
}

telegram_emulator::telegram_emulator(std::string token) : token_(std::move(token)) {
  const std::string dir = LASTGRAM_TELEGRAM_EMULATOR_DIR;
  if (!std::filesystem::exists(dir + "/node_modules/telegram-test-api/package.json"))
    throw std::runtime_error("telegram emulator: " + dir
                             + "/node_modules is missing: run `npm ci` there"
                               " (scripts/test.sh does)");
  auto node = find_program({"node", "nodejs"});
  if (node.empty())
    throw std::runtime_error("telegram emulator: node is not on PATH"
                             " (scripts/install-deps.sh installs it)");
  std::string failure;
  // free_port() may race with another process: a port taken meanwhile makes
  // the emulator exit at once, and another port is tried.
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_port();
    process_ = std::make_unique<child_process>(
      std::vector<std::string>{node, dir + "/emulator.js", std::to_string(port_)});
    if (process_->wait_for_output("ready " + std::to_string(port_) + "\n",
                                  std::chrono::seconds{20}))
      return;
    process_->close_stdin();
    process_->wait(std::chrono::seconds{2});
    failure = process_->err();
    process_.reset();
  }
  throw std::runtime_error("telegram emulator did not start: " + failure);
}

telegram_emulator::~telegram_emulator() {
  if (process_) {
    process_->close_stdin();
    process_->wait(std::chrono::seconds{5});
  }
}

std::string telegram_emulator::api_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

tg_user telegram_emulator::bot_user() {
  tg_user bot;
  bot.id = bot_id;
  bot.first_name = "Test First name";
  bot.username = bot_username;
  bot.is_bot = true;
  return bot;
}

std::string telegram_emulator::diagnostics() {
  return process_ ? process_->err() : std::string{};
}

std::pair<unsigned, std::string> telegram_emulator::post(const std::string& path,
                                                         const std::string& json_body) {
  // Drains the child's pipes: a full stderr pipe would block the emulator.
  diagnostics();
  http_probe probe{port_, request_timeout};
  auto sent = probe.connected()
              && probe.send(http_request_text("POST", path, json_body,
                                              {{"Content-Type", "application/json"}}));
  auto reply = sent ? probe.read_reply() : std::nullopt;
  if (!reply)
    throw std::runtime_error("telegram emulator did not answer POST " + path + ": "
                             + diagnostics());
  return {reply->status, std::move(reply->body)};
}

std::string telegram_emulator::result_of(const std::string& path, const std::string& body) {
  auto [status, text] = post(path, body);
  auto doc = parse_json(text, path + "'s answer");
  auto* ok = member(doc, "ok");
  auto* result = member(doc, "result");
  if (status != 200 || ok == nullptr || !ok->IsBool() || !ok->GetBool() || result == nullptr)
    throw std::runtime_error("telegram emulator: POST " + path + " answered "
                             + std::to_string(status) + " " + text);
  return compact(*result);
}

tg_sent telegram_emulator::send_update(const std::string& route, const std::string& body) {
  auto [status, text] = post(route, body);
  auto doc = parse_json(text, route + "'s answer");
  tg_sent sent;
  if (status == 502) {
    sent.ok = false;
    sent.error = text_of(doc, "description");
    return sent;
  }
  auto* result = member(doc, "result");
  if (status != 200 || result == nullptr || !result->IsObject())
    throw std::runtime_error("telegram emulator: POST " + route + " answered "
                             + std::to_string(status) + " " + text);
  sent.message_id = int_of(*result, "message_id");
  sent.query_id = text_of(*result, "id");
  sent.update_id = int_of(*result, "update_id");
  return sent;
}

tg_sent telegram_emulator::send_message(const tg_user& from, const tg_chat& chat,
                                        const std::string& text,
                                        const std::optional<tg_reply_to>& reply_to) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "botToken", token_);
  put(w, "date", unix_now());
  write_user(w, "from", from);
  write_chat(w, chat);
  put(w, "text", text);
  if (!text.empty() && text.front() == '/') {
    auto length = std::min(text.find_first_of(" \n"), text.size());
    w.Key("entities");
    w.StartArray();
    w.StartObject();
    put(w, "offset", std::int64_t{0});
    put(w, "length", static_cast<std::int64_t>(length));
    put(w, "type", std::string{"bot_command"});
    w.EndObject();
    w.EndArray();
  }
  if (reply_to) {
    w.Key("reply_to_message");
    w.StartObject();
    put(w, "message_id", reply_to->message_id);
    write_user(w, "from", reply_to->author);
    write_chat(w, chat);
    put(w, "date", unix_now());
    put_if(w, "text", reply_to->text);
    w.EndObject();
  }
  w.EndObject();
  return send_update("/lastgram/sendMessage", buf.GetString());
}

tg_sent telegram_emulator::send_service_message(const tg_user& from, const tg_chat& chat,
                                                const std::optional<tg_user>& left,
                                                std::int64_t migrate_to) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "botToken", token_);
  put(w, "date", unix_now());
  write_user(w, "from", from);
  write_chat(w, chat);
  if (left)
    write_user(w, "left_chat_member", *left);
  if (migrate_to != 0)
    put(w, "migrate_to_chat_id", migrate_to);
  w.EndObject();
  return send_update("/lastgram/sendMessage", buf.GetString());
}

tg_sent telegram_emulator::press_button(const tg_user& from, const tg_chat& chat,
                                        std::int64_t bot_message_id,
                                        const std::string& callback_data) {
  auto messages = bot_messages(chat.id);
  auto it = std::find_if(messages.begin(), messages.end(), [&](const tg_bot_message& m) {
    return m.message_id == bot_message_id;
  });
  if (it == messages.end())
    throw std::runtime_error("telegram emulator: the bot sent no message "
                             + std::to_string(bot_message_id) + " in chat "
                             + std::to_string(chat.id));
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "botToken", token_);
  put(w, "date", unix_now());
  write_user(w, "from", from);
  put(w, "data", callback_data);
  w.Key("message");
  w.StartObject();
  put(w, "message_id", it->message_id);
  write_user(w, "from", bot_user());
  write_chat(w, chat);
  put(w, "date", unix_now());
  if (!it->photo.empty())
    put(w, "caption", it->caption);
  else
    put(w, "text", it->text);
  if (!it->reply_markup.empty()) {
    w.Key("reply_markup");
    w.RawValue(it->reply_markup.data(), it->reply_markup.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  w.EndObject();
  return send_update("/lastgram/sendCallback", buf.GetString());
}

tg_sent telegram_emulator::send_inline_query(const tg_user& from, const std::string& query,
                                             const std::string& offset,
                                             const std::string& chat_type) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "botToken", token_);
  write_user(w, "from", from);
  put(w, "query", query);
  put(w, "offset", offset);
  put_if(w, "chat_type", chat_type);
  w.EndObject();
  return send_update("/lastgram/sendInlineQuery", buf.GetString());
}

std::vector<tg_bot_message> telegram_emulator::all_bot_messages() {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "token", token_);
  w.EndObject();
  auto history = parse_json(result_of("/getUpdatesHistory", buf.GetString()), "history");
  std::vector<tg_bot_message> out;
  if (history.IsArray())
    for (auto& entry : history.GetArray())
      if (is_bot_message(entry))
        out.push_back(to_bot_message(entry));
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.message_id < b.message_id;
  });
  return out;
}

std::vector<tg_bot_message> telegram_emulator::bot_messages(std::int64_t chat_id) {
  auto all = all_bot_messages();
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const tg_bot_message& m) { return m.chat_id != chat_id; }),
            all.end());
  return all;
}

std::vector<tg_bot_message>
telegram_emulator::wait_for_bot_messages(std::int64_t chat_id, std::size_t n,
                                         std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto messages = bot_messages(chat_id);
    if (messages.size() >= n || std::chrono::steady_clock::now() >= deadline)
      return messages;
    // Pacing the poll; the deadline decides.
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
}

namespace {

// /lastgram/state's answer for `token`.
rapidjson::Document state_of(telegram_emulator& emu, const std::string& token) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "botToken", token);
  w.EndObject();
  auto [status, text] = emu.post("/lastgram/state", buf.GetString());
  auto doc = parse_json(text, "state");
  auto* result = member(doc, "result");
  if (status != 200 || result == nullptr || !result->IsObject())
    throw std::runtime_error("telegram emulator: /lastgram/state answered " + text);
  rapidjson::Document out;
  out.CopyFrom(*result, out.GetAllocator());
  return out;
}

} // namespace

std::vector<tg_callback_answer> telegram_emulator::callback_answers() {
  auto state = state_of(*this, token_);
  std::vector<tg_callback_answer> out;
  if (auto* list = member(state, "callback_answers"); list != nullptr && list->IsArray())
    for (auto& a : list->GetArray())
      out.push_back(tg_callback_answer{text_of(a, "callback_query_id"), text_of(a, "text"),
                                       flag_of(a, "show_alert"), text_of(a, "url")});
  return out;
}

void telegram_emulator::set_chat_member(std::int64_t chat_id, std::int64_t user_id,
                                        const std::string& status) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "chat_id", chat_id);
  put(w, "user_id", user_id);
  put(w, "status", status);
  w.EndObject();
  result_of("/lastgram/setChatMember", buf.GetString());
}

std::int64_t telegram_emulator::chat_member_calls() {
  auto state = state_of(*this, token_);
  return int_of(state, "chat_member_calls");
}

std::vector<tg_inline_answer> telegram_emulator::inline_answers() {
  auto state = state_of(*this, token_);
  std::vector<tg_inline_answer> out;
  if (auto* list = member(state, "inline_answers"); list != nullptr && list->IsArray())
    for (auto& a : list->GetArray()) {
      tg_inline_answer x;
      x.inline_query_id = text_of(a, "inline_query_id");
      if (auto* results = member(a, "results"); results != nullptr)
        x.results = compact(*results);
      x.cache_time = static_cast<int>(int_of(a, "cache_time"));
      x.is_personal = flag_of(a, "is_personal");
      x.next_offset = text_of(a, "next_offset");
      out.push_back(std::move(x));
    }
  return out;
}

std::string telegram_emulator::commands(const std::string& language_code) {
  auto state = state_of(*this, token_);
  if (auto* list = member(state, "commands"); list != nullptr && list->IsArray())
    for (auto& entry : list->GetArray()) {
      auto* scope = member(entry, "scope");
      bool default_scope = scope == nullptr || text_of(*scope, "type") == "default";
      auto* cmds = member(entry, "commands");
      if (default_scope && text_of(entry, "language_code") == language_code && cmds != nullptr)
        return compact(*cmds);
    }
  return {};
}

std::optional<telegram_emulator::webhook_info> telegram_emulator::webhook() {
  auto state = state_of(*this, token_);
  auto* hook = member(state, "webhook");
  if (hook == nullptr || !hook->IsObject())
    return std::nullopt;
  return webhook_info{text_of(*hook, "url"), text_of(*hook, "secret_token")};
}

} // namespace lastgram::test
