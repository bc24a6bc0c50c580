#include "actors/command/commands/list_format.hpp"

#include "i18n/time_zone.hpp"

namespace lastgram::command::lists {

namespace {

void footer(text_builder& out, const i18n::catalog& texts, std::string_view lang,
            std::int64_t page, std::int64_t pages) {
  out.newline().newline().italic(
    texts.format(lang, "list.page", {{"page", page}, {"pages", pages}}));
}

} // namespace

std::int64_t page_count(std::int64_t total, std::int64_t per_page) {
  if (total <= 0 || per_page <= 0)
    return 1;
  return (total + per_page - 1) / per_page;
}

std::string period_key(fm::period range) {
  return "period." + std::string{to_string(range)};
}

std::string period_button_key(fm::period range) {
  return "period_button." + std::string{to_string(range)};
}

std::string_view title_key(fm::top_kind kind) {
  switch (kind) {
    case fm::top_kind::artists:
      return "top.artists_title";
    case fm::top_kind::albums:
      return "top.albums_title";
    case fm::top_kind::tracks:
      break;
  }
  return "top.tracks_title";
}

std::string ranked_line(const i18n::catalog& texts, std::string_view lang, std::int64_t rank,
                        const std::string& name, const std::string& artist, std::int64_t plays) {
  if (artist.empty())
    return texts.format(lang, "top.line", {{"rank", rank}, {"name", name}, {"count", plays}});
  return texts.format(lang, "top.line_by",
                      {{"rank", rank}, {"name", name}, {"artist", artist}, {"count", plays}});
}

rich_text format_top(const i18n::catalog& texts, std::string_view lang, const top_view& v) {
  text_builder out;
  auto period = texts.format(lang, period_key(v.range));
  out.bold(texts.format(lang, title_key(v.list.kind), {{"name", v.who}, {"period", period}}));
  out.newline();
  if (v.list.items.empty()) {
    out.newline().plain(texts.format(lang, "top.empty", {{"name", v.who}, {"period", period}}));
    return out.take();
  }
  for (const auto& item : v.list.items)
    out.newline().plain(ranked_line(texts, lang, item.rank, item.name, item.artist, item.playcount));
  footer(out, texts, lang, v.page, page_count(v.list.total));
  return out.take();
}

rich_text format_recent(const i18n::catalog& texts, std::string_view lang,
                        const recent_view& v) {
  text_builder out;
  out.bold(texts.format(lang, "recent.title", {{"name", v.who}})).newline();
  if (v.recent.tracks.empty()) {
    out.newline().plain(texts.format(lang, "recent.empty", {{"name", v.who}}));
    return out.take();
  }
  auto today = i18n::local_day(v.now, v.time_zone);
  for (const auto& t : v.recent.tracks) {
    out.newline();
    if (t.now_playing) {
      out.plain(texts.format(lang, "recent.now_playing_line",
                             {{"name", t.name}, {"artist", t.artist}}));
      continue;
    }
    auto style = i18n::local_day(t.played_at, v.time_zone) == today ? i18n::time_style::time
                                                                       : i18n::time_style::date_time;
    out.plain(texts.format(lang, "recent.line",
                           {{"name", t.name},
                            {"artist", t.artist},
                            {"time", i18n::format_local(lang, t.played_at, v.time_zone, style)}}));
  }
  footer(out, texts, lang, v.page, page_count(v.recent.total));
  return out.take();
}

} // namespace lastgram::command::lists
