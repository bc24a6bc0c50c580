#include "platforms/discord/interaction.hpp"

#include <algorithm>

#include <rapidjson/document.h>

#include "i18n/utf8.hpp"

namespace lastgram::discord {

namespace {

using json = rapidjson::Value;

constexpr int option_user = 6;
constexpr int option_subcommand = 1;
constexpr int option_group = 2;

const json* find(const json& obj, const char* name) {
  if (!obj.IsObject())
    return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

/// A string field ("" when absent); snowflakes are strings in Discord's JSON.
std::string text_at(const json& obj, const char* name) {
  auto* v = find(obj, name);
  return v != nullptr && v->IsString() ? i18n::scrub_utf8({v->GetString(), v->GetStringLength()})
                                       : std::string{};
}

/// A JSON scalar as text: strings as they are, numbers and booleans as
/// written.
std::string scalar_text(const json& v) {
  if (v.IsString())
    return i18n::scrub_utf8({v.GetString(), v.GetStringLength()});
  if (v.IsBool())
    return v.GetBool() ? "true" : "false";
  if (v.IsInt64())
    return std::to_string(v.GetInt64());
  if (v.IsNumber()) {
    auto s = std::to_string(v.GetDouble());
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.')
      s.pop_back();
    return s;
  }
  return {};
}

user_ref parse_user(const json& u) {
  user_ref out;
  out.id = text_at(u, "id");
  out.username = text_at(u, "username");
  out.display_name = text_at(u, "global_name");
  if (out.display_name.empty())
    out.display_name = out.username;
  if (auto* bot = find(u, "bot"); bot != nullptr && bot->IsBool())
    out.is_bot = bot->GetBool();
  return out;
}

/// Options, descending into subcommands (their name is not a value).
void collect_options(const json& list, std::vector<command_option>& out) {
  if (!list.IsArray())
    return;
  for (const auto& o : list.GetArray()) {
    auto* type = find(o, "type");
    int t = type != nullptr && type->IsInt() ? type->GetInt() : 3;
    if (t == option_subcommand || t == option_group) {
      if (auto* nested = find(o, "options"))
        collect_options(*nested, out);
      continue;
    }
    command_option opt;
    opt.name = text_at(o, "name");
    opt.type = t;
    if (auto* v = find(o, "value"))
      opt.value = scalar_text(*v);
    if (auto* f = find(o, "focused"); f != nullptr && f->IsBool())
      opt.focused = f->GetBool();
    out.push_back(std::move(opt));
  }
}

/// The user `id` as `data.resolved.users` describes them (and the member's
/// nickname when `data.resolved.members` has one).
bool resolve_user(const json& data, const std::string& id, user_ref& out) {
  auto* resolved = find(data, "resolved");
  auto* users = resolved != nullptr ? find(*resolved, "users") : nullptr;
  auto* user = users != nullptr ? find(*users, id.c_str()) : nullptr;
  if (user == nullptr || !user->IsObject())
    return false;
  out = parse_user(*user);
  auto* members = find(*resolved, "members");
  auto* member = members != nullptr ? find(*members, id.c_str()) : nullptr;
  if (member != nullptr)
    if (auto nick = text_at(*member, "nick"); !nick.empty())
      out.display_name = nick;
  return true;
}

void parse_command_data(const json& data, interaction& out) {
  out.command_name = text_at(data, "name");
  if (auto* t = find(data, "type"); t != nullptr && t->IsInt() && t->GetInt() >= 1
                                    && t->GetInt() <= 3)
    out.cmd_type = static_cast<command_type>(t->GetInt());
  if (auto* opts = find(data, "options"))
    collect_options(*opts, out.options);
  std::string target_id = text_at(data, "target_id");
  if (out.cmd_type != command_type::user || target_id.empty())
    for (const auto& o : out.options)
      if (o.type == option_user) {
        target_id = o.value;
        break;
      }
  if (!target_id.empty()) {
    out.has_target = resolve_user(data, target_id, out.target);
    if (!out.has_target) {
      // Discord always resolves a user option; keep the id if it did not.
      out.target.id = target_id;
      out.has_target = true;
    }
  }
}

interaction parse_fields(const json& d) {
  interaction out;
  out.type = static_cast<interaction_type>(d["type"].GetInt());
  out.id = text_at(d, "id");
  out.application_id = text_at(d, "application_id");
  out.token = text_at(d, "token");
  out.guild_id = text_at(d, "guild_id");
  out.channel_id = text_at(d, "channel_id");
  if (out.channel_id.empty())
    if (auto* ch = find(d, "channel"))
      out.channel_id = text_at(*ch, "id");
  out.locale = text_at(d, "locale");
  out.guild_locale = text_at(d, "guild_locale");
  auto* member = find(d, "member");
  auto* member_user = member != nullptr ? find(*member, "user") : nullptr;
  if (member_user != nullptr) {
    out.user = parse_user(*member_user);
    if (auto nick = text_at(*member, "nick"); !nick.empty())
      out.user.display_name = nick;
    out.user.group_admin = permissions_admin(text_at(*member, "permissions"));
  } else if (auto* user = find(d, "user")) {
    out.user = parse_user(*user);
  }
  out.user.language = !out.locale.empty() ? out.locale : out.guild_locale;
  if (!out.guild_id.empty())
    out.chat = chat_ref{out.guild_id, chat_kind::group, {}};
  else
    out.chat = chat_ref{out.user.id, chat_kind::private_chat, {}};
  auto* data = find(d, "data");
  if (data != nullptr && (out.type == interaction_type::application_command
                          || out.type == interaction_type::autocomplete))
    parse_command_data(*data, out);
  if (data != nullptr && out.type == interaction_type::message_component)
    out.custom_id = text_at(*data, "custom_id");
  if (auto* msg = find(d, "message"))
    out.message_id = text_at(*msg, "id");
  return out;
}

} // namespace

bool permissions_admin(std::string_view permissions) noexcept {
  constexpr std::uint64_t administrator = 1ull << 3;
  constexpr std::uint64_t manage_guild = 1ull << 5;
  // The bit set may outgrow 64 bits: unsigned arithmetic wraps modulo 2^64,
  // which keeps the low bits (the ones read here) exact.
  if (permissions.empty())
    return false;
  std::uint64_t bits = 0;
  for (char c : permissions) {
    if (c < '0' || c > '9')
      return false;
    bits = bits * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return (bits & (administrator | manage_guild)) != 0;
}

expected<interaction, std::string> parse_interaction(std::string_view text) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject())
    return std::string{"not a JSON object"};
  auto* type = find(d, "type");
  if (type == nullptr || !type->IsInt() || type->GetInt() < 1 || type->GetInt() > 5)
    return std::string{"missing or unknown interaction type"};
  if (text_at(d, "id").empty() || text_at(d, "token").empty())
    return std::string{"missing field id or token"};
  return parse_fields(d);
}

incoming_message to_message(const interaction& i, const std::vector<std::string>& declared) {
  incoming_message m;
  m.platform = platform_kind::discord;
  m.message_id = i.id;
  m.chat = i.chat;
  m.author = i.user;
  m.text = "/" + i.command_name;
  // The values go as they are (m.arguments); the text only shows them.
  // Declared options keep their place: one left out before one given is an
  // empty argument ("/topartists lastfm_user:rj" is no period, no page, rj),
  // then the undeclared ones follow.
  m.has_arguments = true;
  std::vector<bool> taken(i.options.size(), false);
  for (const auto& name : declared) {
    std::string value;
    for (std::size_t k = 0; k < i.options.size(); ++k)
      if (!taken[k] && i.options[k].name == name && i.options[k].type != option_user) {
        value = i.options[k].value;
        taken[k] = true;
        break;
      }
    m.arguments.push_back(std::move(value));
  }
  // (A name given twice is malformed; its second value is not lost either.)
  for (std::size_t k = 0; k < i.options.size(); ++k)
    if (!taken[k] && i.options[k].type != option_user)
      m.arguments.push_back(i.options[k].value);
  while (!m.arguments.empty() && m.arguments.back().empty())
    m.arguments.pop_back();
  for (const auto& value : m.arguments)
    if (!value.empty())
      m.text += " " + value;
  if (i.has_target) {
    m.reply_to_author = i.target;
    m.has_reply_author = true;
  }
  return m;
}

button_press to_press(const interaction& i) {
  button_press p;
  p.platform = platform_kind::discord;
  p.press_id = i.id;
  p.from = i.user;
  p.chat = i.chat;
  p.message_id = i.message_id;
  p.data = i.custom_id;
  return p;
}

} // namespace lastgram::discord
