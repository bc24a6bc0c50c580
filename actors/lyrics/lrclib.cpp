#include "actors/lyrics/lrclib.hpp"

#include <rapidjson/document.h>

#include "actors/fm/request.hpp"
#include "i18n/name_fold.hpp"

namespace lastgram::lyrics {

namespace {

using json = rapidjson::Value;

std::string trimmed_base(std::string_view base) {
  while (!base.empty() && base.back() == '/')
    base.remove_suffix(1);
  return std::string{base};
}

std::string string_member(const json& x, const char* name) {
  auto i = x.FindMember(name);
  if (i == x.MemberEnd() || !i->value.IsString())
    return {};
  return {i->value.GetString(), i->value.GetStringLength()};
}

std::int64_t int_member(const json& x, const char* name) {
  auto i = x.FindMember(name);
  if (i == x.MemberEnd() || !i->value.IsNumber())
    return 0;
  return i->value.IsInt64() ? i->value.GetInt64() : static_cast<std::int64_t>(i->value.GetDouble());
}

std::optional<lyrics_result> record_of(const json& x) {
  if (!x.IsObject() || !x.HasMember("id"))
    return std::nullopt;
  lyrics_result r;
  r.status = lyrics_status::found;
  r.id = int_member(x, "id");
  r.track = string_member(x, "trackName");
  r.artist = string_member(x, "artistName");
  r.album = string_member(x, "albumName");
  auto inst = x.FindMember("instrumental");
  r.instrumental = inst != x.MemberEnd() && inst->value.IsBool() && inst->value.GetBool();
  r.text = string_member(x, "plainLyrics");
  if (r.text.empty())
    r.text = strip_timestamps(string_member(x, "syncedLyrics"));
  return r;
}

} // namespace

std::string get_url(std::string_view base, const lyrics_query& q) {
  auto url = trimmed_base(base);
  if (q.id > 0)
    return url + "/api/get/" + std::to_string(q.id);
  url += "/api/get?artist_name=" + fm::percent_encode(q.artist)
         + "&track_name=" + fm::percent_encode(q.track);
  if (!q.album.empty())
    url += "&album_name=" + fm::percent_encode(q.album);
  if (q.duration > 0)
    url += "&duration=" + std::to_string(q.duration);
  return url;
}

std::string search_url(std::string_view base, const lyrics_query& q) {
  return trimmed_base(base) + "/api/search?q=" + fm::percent_encode(q.artist + " " + q.track);
}

std::string strip_timestamps(std::string_view synced) {
  std::string out;
  while (!synced.empty()) {
    auto end = synced.find('\n');
    auto line = synced.substr(0, end);
    // "[mm:ss.xx]" tags, possibly several at the start of a line.
    while (!line.empty() && line.front() == '[') {
      auto close = line.find(']');
      if (close == std::string_view::npos)
        break;
      line.remove_prefix(close + 1);
    }
    if (!line.empty() && line.front() == ' ')
      line.remove_prefix(1);
    out.append(line);
    out += '\n';
    if (end == std::string_view::npos)
      break;
    synced.remove_prefix(end + 1);
  }
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

std::optional<lyrics_result> parse_record(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError())
    return std::nullopt;
  return record_of(doc);
}

std::optional<lyrics_result> parse_search(std::string_view body, const lyrics_query& q) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsArray())
    return std::nullopt;
  std::optional<lyrics_result> first;
  auto wanted = i18n::fold_name(q.artist);
  for (auto& x : doc.GetArray()) {
    auto r = record_of(x);
    if (!r || (r->text.empty() && !r->instrumental))
      continue;
    if (i18n::fold_name(r->artist) == wanted)
      return r;
    if (!first)
      first = std::move(r);
  }
  return first;
}

} // namespace lastgram::lyrics
