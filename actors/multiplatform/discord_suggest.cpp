#include "actors/multiplatform/discord_suggest.hpp"

#include <unordered_set>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "i18n/name_fold.hpp"
#include "platforms/discord/markdown.hpp"

namespace lastgram::multiplatform {

namespace {

constexpr std::string_view separator = " - ";
/// Marks the latest track's names among the choices.
constexpr std::string_view latest_mark = "\xE2\x96\xB6 "; // "▶ "

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

/// Whether the folded name `folded` answers the folded text `typed`.
bool matches(const std::string& folded, const std::string& typed) {
  if (typed.empty() || starts_with(folded, typed))
    return true;
  auto at = folded.find(separator);
  return at != std::string::npos && starts_with(folded.substr(at + separator.size()), typed);
}

} // namespace

std::vector<std::string> track_names(entity_kind kind, const std::string& artist,
                                     const std::string& album, const std::string& track) {
  if (artist.empty())
    return {};
  switch (kind) {
    case entity_kind::artist:
      return {artist};
    case entity_kind::album:
      if (album.empty())
        return {};
      return {artist + std::string{separator} + album};
    case entity_kind::track:
      if (track.empty())
        return {};
      return {artist + std::string{separator} + track};
  }
  return {};
}

std::vector<suggestion> rank_suggestions(std::string_view typed,
                                         const std::vector<std::string>& latest,
                                         const std::vector<std::string>& library) {
  std::vector<suggestion> out;
  std::unordered_set<std::string> offered;
  auto folded_typed = i18n::fold_name(typed);
  auto offer = [&](const std::string& value, bool is_latest) {
    if (out.size() >= max_choices || value.empty()
        || discord::discord_length(value) > max_choice_length)
      return;
    auto folded = i18n::fold_name(value);
    if (!matches(folded, folded_typed) || !offered.insert(folded).second)
      return;
    auto name = is_latest ? std::string{latest_mark} + value : value;
    out.push_back({discord::cut_with_ellipsis(name, max_choice_length), value});
  };
  for (const auto& v : latest)
    offer(v, true);
  for (const auto& v : library)
    offer(v, false);
  return out;
}

std::string autocomplete_callback(const std::vector<suggestion>& choices) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  auto str = [&w](const std::string& s) {
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("type");
  w.Int(8);
  w.Key("data");
  w.StartObject();
  w.Key("choices");
  w.StartArray();
  for (std::size_t i = 0; i < choices.size() && i < max_choices; ++i) {
    w.StartObject();
    w.Key("name");
    str(choices[i].name);
    w.Key("value");
    str(choices[i].value);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

} // namespace lastgram::multiplatform
