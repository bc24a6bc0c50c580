#include "actors/command/commands/info_format.hpp"

#include <cstdio>

#include "actors/command/commands/music_format.hpp"
#include "actors/support/text.hpp"
#include "i18n/name_fold.hpp"

namespace lastgram::command::music {

namespace {

/// A bio is a teaser under the numbers, not the article: Telegram captions
/// hold 1,024 characters and the rest of the reply needs room.
constexpr std::size_t max_summary_chars = 400;
constexpr std::size_t max_similar = 5;
constexpr std::size_t max_tags = 5;

std::string joined(const std::vector<std::string>& items, std::size_t max, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < max; ++i) {
    if (!out.empty())
      out += sep;
    out += items[i];
  }
  return out;
}

/// The name line: 🧑‍🎤 artist, 💽 album or 🎵 track, with what it belongs to.
void title(text_builder& out, const info_view& v) {
  switch (v.what) {
    case info_view::kind::artist: out.plain("🧑‍🎤 ").bold(v.name); break;
    case info_view::kind::album: out.plain("💽 ").bold(v.name); break;
    case info_view::kind::track: out.plain("🎵 ").bold(v.name); break;
  }
  if (v.what != info_view::kind::artist) {
    out.newline().plain("🧑‍🎤 " + v.artist);
    if (v.what == info_view::kind::track && !v.album.empty())
      out.newline().plain("💽 " + v.album);
  }
}

} // namespace

info_view view_of(const fm::artist_info& a) {
  info_view v;
  v.what = info_view::kind::artist;
  v.name = a.name;
  v.listeners = a.listeners;
  v.playcount = a.playcount;
  v.user_playcount = a.user_playcount;
  v.tags = a.tags;
  v.summary = a.bio;
  v.similar = a.similar;
  v.image = a.image;
  return v;
}

info_view view_of(const fm::album_info& a) {
  info_view v;
  v.what = info_view::kind::album;
  v.name = a.name;
  v.artist = a.artist;
  v.listeners = a.listeners;
  v.playcount = a.playcount;
  v.user_playcount = a.user_playcount;
  v.tags = a.tags;
  v.summary = a.summary;
  v.track_count = a.track_count;
  v.duration = a.duration;
  v.image = a.image;
  return v;
}

info_view view_of(const fm::track_info& t) {
  info_view v;
  v.what = info_view::kind::track;
  v.name = t.name;
  v.artist = t.artist;
  v.album = t.album;
  v.listeners = t.listeners;
  v.playcount = t.playcount;
  v.user_playcount = t.user_playcount;
  v.tags = t.tags;
  v.summary = t.summary;
  v.duration = t.duration;
  v.image = t.image;
  return v;
}

bool autocorrected(std::string_view asked, std::string_view answered) {
  return !asked.empty() && !answered.empty() && i18n::fold_name(asked) != i18n::fold_name(answered);
}

bool autocorrected(const info_view& v) {
  if (v.what == info_view::kind::artist)
    return autocorrected(v.asked_artist, v.name);
  return autocorrected(v.asked_artist, v.artist) || autocorrected(v.asked_name, v.name);
}

std::string clock_duration(std::int64_t seconds) {
  char buf[32];
  auto h = seconds / 3600;
  auto m = (seconds / 60) % 60;
  auto s = seconds % 60;
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(s));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(m),
                  static_cast<long long>(s));
  return buf;
}

outgoing_reply format_info(const i18n::catalog& texts, std::string_view lang,
                           const info_view& v) {
  auto t = [&](std::string_view key, std::initializer_list<i18n::arg> args) {
    return texts.format(lang, key, args);
  };
  text_builder out;
  title(out, v);
  if (autocorrected(v)) {
    auto asked = v.what == info_view::kind::artist ? v.asked_artist
                                                   : v.asked_artist + " - " + v.asked_name;
    out.newline().italic(t("info.corrected", {{"asked", asked}}));
  }
  out.newline().newline();
  out.plain("👥 " + t("info.listeners", {{"count", v.listeners}})).newline();
  out.plain("▶️ " + t("info.scrobbles", {{"count", v.playcount}}));
  if (v.bot_listeners && *v.bot_listeners > 0)
    out.newline().plain("🤖 " + t("info.bot_listeners", {{"count", *v.bot_listeners}}));
  if (v.user_playcount)
    out.newline().plain("📊 " + t("info.your_plays", {{"count", *v.user_playcount}}));
  if (v.what == info_view::kind::album && v.track_count > 0) {
    auto tracks = t("info.tracks", {{"count", v.track_count}});
    if (v.duration > 0)
      tracks += " · " + clock_duration(v.duration);
    out.newline().plain("💿 " + tracks);
  } else if (v.what == info_view::kind::track && v.duration > 0) {
    out.newline().plain("⏱ " + t("info.length", {{"length", clock_duration(v.duration)}}));
  }
  if (v.show_tags && !v.tags.empty()) {
    std::vector<std::string> tags;
    for (auto& tag : v.tags)
      tags.push_back(hashtag(tag));
    out.newline().italic(joined(tags, max_tags, " "));
  }
  if (!v.summary.empty())
    out.newline().newline().plain(clip_chars(v.summary, max_summary_chars));
  if (!v.similar.empty())
    out.newline().newline().plain(
      t("info.similar", {{"artists", joined(v.similar, max_similar, ", ")}}));
  outgoing_reply r;
  r.text = out.take();
  r.image_url = v.image;
  return r;
}

} // namespace lastgram::command::music
