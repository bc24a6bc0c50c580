#include "platforms/console/session.hpp"

#include <cstdlib>

namespace lastgram::console {

namespace {

constexpr size_t history_limit = 200;

user_ref make_user(std::string id, std::string name, const std::string& lang) {
  user_ref u;
  u.id = std::move(id);
  u.display_name = name.empty() ? "user " + u.id : std::move(name);
  u.username = u.display_name;
  u.language = lang;
  return u;
}

} // namespace

session::session(const console_settings& cfg) {
  chat_.id = "console";
  chat_.kind = cfg.chat == console_chat::group ? chat_kind::group : chat_kind::private_chat;
  chat_.title = "console";
  user_ = make_user(cfg.user_id, cfg.user_name, cfg.language);
  bot_.id = "0";
  bot_.display_name = "lastgram";
  bot_.is_bot = true;
}

void session::remember(std::uint64_t id, const user_ref& author,
                       std::string text) {
  history_.push_back(entry{id, author, std::move(text)});
  if (history_.size() > history_limit)
    history_.pop_front();
}

const session::entry* session::find(std::uint64_t id) const {
  for (auto& e : history_)
    if (e.id == id)
      return &e;
  return nullptr;
}

std::string session::history_text() const {
  if (history_.empty())
    return "(no messages yet)";
  std::string out;
  size_t skip = history_.size() > 20 ? history_.size() - 20 : 0;
  for (auto i = history_.begin() + static_cast<std::ptrdiff_t>(skip);
       i != history_.end(); ++i) {
    if (!out.empty())
      out += '\n';
    auto first_line = i->text.substr(0, i->text.find('\n'));
    out += "#" + std::to_string(i->id) + " " + i->author.display_name + ": "
           + first_line;
  }
  return out;
}

session::outcome session::on_line(const std::string& line) {
  if (line.empty())
    return std::string{};
  if (line == "/history")
    return history_text();
  if (line.rfind("/as ", 0) == 0 || line == "/as") {
    auto rest = line.size() > 4 ? line.substr(4) : std::string{};
    auto space = rest.find(' ');
    auto id = rest.substr(0, space);
    if (id.empty())
      return std::string{"usage: /as <user id> [name]"};
    auto name = space == std::string::npos ? std::string{} : rest.substr(space + 1);
    user_ = make_user(id, name, user_.language);
    return "now typing as " + user_.display_name + " (id " + user_.id + ")";
  }
  incoming_message msg;
  msg.platform = platform_kind::console;
  msg.chat = chat_;
  msg.author = user_;
  msg.text = line;
  if (line.size() > 1 && line[0] == '>') {
    char* end = nullptr;
    auto target = std::strtoull(line.c_str() + 1, &end, 10);
    const entry* replied = target > 0 ? find(target) : nullptr;
    if (replied == nullptr)
      return "no message #" + line.substr(1, line.find(' ') - 1)
             + " in the history (see /history)";
    msg.reply_to_message_id = std::to_string(target);
    msg.reply_to_author = replied->author;
    msg.has_reply_author = true;
    std::string text{end};
    auto start = text.find_first_not_of(' ');
    msg.text = start == std::string::npos ? std::string{} : text.substr(start);
  }
  auto id = next_id_++;
  msg.message_id = std::to_string(id);
  remember(id, user_, msg.text);
  return msg;
}

std::uint64_t session::on_bot_reply(const std::string& text) {
  auto id = next_id_++;
  remember(id, bot_, text);
  return id;
}

} // namespace lastgram::console
