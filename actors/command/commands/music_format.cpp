#include "actors/command/commands/music_format.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace lastgram::command::music {

namespace {

// Stands in for an argument that must be styled on its own: the translation
// is formatted around it and split there, so the words around a bold name
// stay in the order each language puts them.
constexpr std::string_view marker = "\x1f";

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size())
    return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i])
      return false;
  return true;
}

/// Appends `pattern` with the one marker in it replaced by `value` in bold.
void with_bold_arg(text_builder& out, const std::string& pattern, std::string_view value) {
  auto at = pattern.find(marker);
  if (at == std::string::npos) {
    out.plain(pattern);
    return;
  }
  if (at > 0)
    out.plain(std::string_view{pattern}.substr(0, at));
  out.bold(value);
  auto rest = std::string_view{pattern}.substr(at + marker.size());
  if (!rest.empty())
    out.plain(rest);
}

std::string iso_date(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

} // namespace

bool valid_fm_username(std::string_view name) {
  if (name.size() < 2 || name.size() > 15)
    return false;
  if (!std::isalpha(static_cast<unsigned char>(name.front())))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x80 && (std::isalnum(u) || c == '_' || c == '-');
  });
}

std::optional<std::string> extract_fm_username(std::string_view input) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
      s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
      s.remove_suffix(1);
    return s;
  };
  auto s = trim(input);
  for (auto scheme : {"https://", "http://"})
    if (starts_with_ci(s, scheme))
      s.remove_prefix(std::string_view{scheme}.size());
  if (starts_with_ci(s, "www."))
    s.remove_prefix(4);
  if (starts_with_ci(s, "last.fm/user/")) {
    s.remove_prefix(std::string_view{"last.fm/user/"}.size());
    // A profile URL may go on to a page of the profile or a query.
    auto end = s.find_first_of("/?#");
    if (end != std::string_view::npos)
      s = s.substr(0, end);
  }
  if (!valid_fm_username(s))
    return std::nullopt;
  return std::string{s};
}

std::string hashtag(std::string_view tag) {
  std::string out{"#"};
  for (char c : tag) {
    if (c == ' ' || c == '-')
      out += '_';
    else
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

outgoing_reply format_now_playing(const i18n::catalog& texts, std::string_view lang,
                                  const now_playing_view& v) {
  auto& t = v.track;
  text_builder out;
  auto title = texts.format(lang, t.now_playing ? "np.now_playing" : "np.last_played",
                            {{"name", std::string{marker}}});
  with_bold_arg(out, title, v.who);
  out.plain(":").newline();

  if (v.focus == np_focus::track) {
    auto emoji = v.loved ? (v.loved_emoji.empty() ? std::string{"❤️"} : v.loved_emoji)
                         : std::string{"🎵"};
    out.plain(emoji + " ").bold(t.name).newline();
  }
  if (!t.album.empty()) {
    out.plain("💽 ");
    if (v.focus == np_focus::album)
      out.bold(t.album);
    else
      out.plain(t.album);
    out.newline();
  }
  out.plain("🧑‍🎤 ");
  if (v.focus == np_focus::artist)
    out.bold(t.artist);
  else
    out.plain(t.artist);

  if (v.user_playcount) {
    const char* key = v.focus == np_focus::track   ? "np.scrobbles"
                      : v.focus == np_focus::album ? "np.album_plays"
                                                   : "np.artist_plays";
    out.newline().plain("📊 ").italic(texts.format(lang, key, {{"count", *v.user_playcount}}));
  }
  if (v.show_tags && !v.tags.empty()) {
    std::string tags;
    // Last.fm lists the most used tags first; a few say enough.
    for (size_t i = 0; i < v.tags.size() && i < 5; ++i) {
      if (!tags.empty())
        tags += ' ';
      tags += hashtag(v.tags[i]);
    }
    out.newline().italic(tags);
  }
  if (v.cached_age_seconds > 0)
    out.newline().newline().italic(
      texts.format(lang, "fm.outage_cached", {{"minutes", (v.cached_age_seconds + 59) / 60}}));

  outgoing_reply r;
  r.text = out.take();
  r.image_url = v.image.empty() ? t.image : v.image;
  r.image_as_link = v.cover_as_link;
  return r;
}

outgoing_reply format_user_info(const i18n::catalog& texts, std::string_view lang,
                                const user_info_view& v) {
  auto& u = v.user;
  text_builder out;
  with_bold_arg(out, texts.format(lang, "userinfo.title", {{"name", std::string{marker}}}),
                u.name);
  out.newline().newline();

  std::int64_t days = 0;
  if (u.registered > 0 && v.now > u.registered)
    days = (v.now - u.registered) / 86400;
  double per_day = static_cast<double>(u.playcount) / static_cast<double>(std::max<std::int64_t>(days, 1));
  out.plain("📊 " + texts.format(lang, "userinfo.scrobbles",
                                 {{"count", u.playcount}, {"per_day", per_day}}));
  if (u.registered > 0)
    out.newline().plain("📅 " + texts.format(lang, "userinfo.since",
                                             {{"date", iso_date(u.registered)}, {"days", days}}));
  // Last.fm answers "None" for a profile without a country.
  if (!u.country.empty() && u.country != "None")
    out.newline().plain("🌍 " + texts.format(lang, "userinfo.country", {{"country", u.country}}));

  if (v.top_artist)
    out.newline().plain("🧑‍🎤 " + texts.format(lang, "userinfo.top_artist",
                                               {{"name", v.top_artist->name},
                                                {"count", v.top_artist->playcount}}));
  if (v.top_album)
    out.newline().plain("💽 " + texts.format(lang, "userinfo.top_album",
                                             {{"name", v.top_album->name},
                                              {"artist", v.top_album->artist},
                                              {"count", v.top_album->playcount}}));
  if (v.top_track)
    out.newline().plain("🎵 " + texts.format(lang, "userinfo.top_track",
                                             {{"name", v.top_track->name},
                                              {"artist", v.top_track->artist},
                                              {"count", v.top_track->playcount}}));

  if (v.recent && !v.recent->empty()) {
    out.newline().newline().bold(texts.format(lang, "userinfo.recent")).newline();
    for (auto& t : *v.recent) {
      out.newline().plain(t.now_playing ? "▶️ " : "• ").plain(t.name).plain(" — ").plain(t.artist);
    }
  }

  outgoing_reply r;
  r.text = out.take();
  r.image_url = u.image;
  return r;
}

std::string auth_url(std::string_view api_key, std::string_view token) {
  std::string url{"https://www.last.fm/api/auth/?api_key="};
  url += api_key;
  url += "&token=";
  url += token;
  return url;
}

} // namespace lastgram::command::music
