#include "platforms/discord/commands.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "platforms/discord/markdown.hpp"

namespace lastgram::discord {

namespace {

using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr std::size_t description_max = 100;
constexpr std::size_t choices_max = 25;
constexpr std::size_t options_max = 25;

void write_string(writer_t& w, const std::string& s) {
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_map(writer_t& w, const char* key, const std::map<std::string, std::string>& m,
               std::size_t limit) {
  if (m.empty())
    return;
  w.Key(key);
  w.StartObject();
  for (const auto& [locale, text] : m) {
    if (text.empty())
      continue;
    w.Key(locale.c_str());
    write_string(w, cut_with_ellipsis(text, limit));
  }
  w.EndObject();
}

void write_description(writer_t& w, const localized_text& d) {
  w.Key("description");
  write_string(w, cut_with_ellipsis(d.text.empty() ? "-" : d.text, description_max));
  write_map(w, "description_localizations", d.by_locale, description_max);
}

void write_option(writer_t& w, const command_option_spec& o) {
  w.StartObject();
  w.Key("type");
  w.Int(static_cast<int>(o.type));
  w.Key("name");
  write_string(w, o.name);
  write_description(w, o.description);
  w.Key("required");
  w.Bool(o.required);
  if (o.autocomplete && o.choices.empty() && o.type == option_type::string) {
    w.Key("autocomplete");
    w.Bool(true);
  }
  if (!o.choices.empty()) {
    w.Key("choices");
    w.StartArray();
    for (std::size_t i = 0; i < o.choices.size() && i < choices_max; ++i) {
      w.StartObject();
      w.Key("name");
      write_string(w, o.choices[i]);
      w.Key("value");
      write_string(w, o.choices[i]);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

void write_ints(writer_t& w, const char* key, std::initializer_list<int> values) {
  w.Key(key);
  w.StartArray();
  for (int v : values)
    w.Int(v);
  w.EndArray();
}

} // namespace

std::string discord_locale(const std::string& language) {
  static const std::map<std::string, std::string> locales = {
    {"en", "en-US"}, {"pt", "pt-BR"}, {"es", "es-ES"}, {"fr", "fr"}, {"ru", "ru"}};
  auto it = locales.find(language);
  return it == locales.end() ? std::string{} : it->second;
}

std::string commands_json(const std::vector<app_command_spec>& commands) {
  rapidjson::StringBuffer buf;
  writer_t w{buf};
  w.StartArray();
  for (const auto& c : commands) {
    w.StartObject();
    w.Key("type");
    w.Int(c.type);
    w.Key("name");
    write_string(w, c.name);
    write_map(w, "name_localizations", c.name_localizations, 32);
    if (c.type == 1) {
      write_description(w, c.description);
      w.Key("options");
      w.StartArray();
      for (std::size_t i = 0; i < c.options.size() && i < options_max; ++i)
        write_option(w, c.options[i]);
      w.EndArray();
    }
    if (c.default_member_permissions) {
      w.Key("default_member_permissions");
      w.Uint64(*c.default_member_permissions);
    }
    write_ints(w, "integration_types", {0, 1});
    write_ints(w, "contexts", {0, 1, 2});
    w.EndObject();
  }
  w.EndArray();
  return buf.GetString();
}

std::string invite_url(const std::string& application_id, long long permissions) {
  std::string url = "https://discord.com/oauth2/authorize?client_id=" + application_id
                    + "&scope=bot+applications.commands";
  if (permissions != 0)
    url += "&permissions=" + std::to_string(permissions);
  return url;
}

} // namespace lastgram::discord
