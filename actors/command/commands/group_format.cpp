#include "actors/command/commands/group_format.hpp"

#include "i18n/time_zone.hpp"

namespace lastgram::command::groups {

namespace {

const char* const crown = "\xF0\x9F\x91\x91 "; // U+1F451 crown and a space

// Whole keys, so that the key checks (tests/i18n/keys.cpp) find them.
const char* title_key(entity_kind kind, bool global) {
  switch (kind) {
    case entity_kind::artist:
      return global ? "gwk.title_artist" : "wk.title_artist";
    case entity_kind::album:
      return global ? "gwk.title_album" : "wk.title_album";
    case entity_kind::track:
      break;
  }
  return global ? "gwk.title_track" : "wk.title_track";
}

std::string row_name(const i18n::catalog& texts, std::string_view lang,
                     const who_knows_entry& row) {
  if (row.is_private)
    return texts.format(lang, "wk.private_user");
  return row.display_name.empty() ? row.fm_username : row.display_name;
}

void crown_line(text_builder& out, const i18n::catalog& texts, std::string_view lang,
                const who_knows_answer& a) {
  switch (a.change) {
    case crown_change::claimed:
      out.newline().newline().bold(
        crown + texts.format(lang, "wk.claimed", {{"name", a.holder_name}, {"count", a.holder_plays}}));
      break;
    case crown_change::stolen:
      out.newline().newline().bold(
        crown + texts.format(lang, "wk.stolen", {{"name", a.holder_name},
                                                 {"previous", a.previous_holder},
                                                 {"count", a.holder_plays}}));
      break;
    case crown_change::released:
      out.newline().newline().italic(texts.format(
        lang, "wk.released", {{"previous", a.previous_holder}, {"threshold", a.threshold}}));
      break;
    case crown_change::kept:
    case crown_change::none:
      break;
  }
}

} // namespace

rich_text format_who_knows(const i18n::catalog& texts, std::string_view lang,
                           const who_knows_view& v) {
  const auto& a = v.answer;
  text_builder out;
  out.bold(texts.format(lang, title_key(v.kind, v.global), {{"name", a.name}, {"artist", a.artist}}))
    .newline();
  if (a.rows.empty() && v.page <= 1) {
    auto none = v.global ? "gwk.nobody" : "wk.nobody";
    out.newline().plain(texts.format(lang, none, {{"name", a.name}}));
    return out.take();
  }
  for (const auto& row : a.rows) {
    auto line = texts.format(lang, "top.line", {{"rank", row.rank},
                                                {"name", row_name(texts, lang, row)},
                                                {"count", row.playcount}});
    out.newline();
    if (row.holder)
      line = crown + line;
    if (row.invoker)
      out.bold(line);
    else
      out.plain(line);
  }
  bool shown = false;
  for (const auto& row : a.rows)
    shown = shown || row.invoker;
  if (!shown && a.invoker_rank > 0)
    out.newline().newline().plain(texts.format(
      lang, "wk.your_rank", {{"rank", a.invoker_rank}, {"count", a.invoker_plays}}));
  out.newline().newline().italic(
    texts.format(lang, "wk.totals", {{"listeners", a.listeners}, {"plays", a.plays}}));
  if (v.global)
    out.newline().italic(texts.format(lang, "gwk.rule"));
  crown_line(out, texts, lang, a);
  return out.take();
}

rich_text format_crowns(const i18n::catalog& texts, std::string_view lang,
                        const std::string& who, const user_crowns& c, std::int64_t page) {
  text_builder out;
  if (c.total == 0) {
    out.plain(texts.format(lang, "crowns.none", {{"name", who}}));
    return out.take();
  }
  out.bold(crown + texts.format(lang, "crowns.title", {{"name", who}, {"count", c.total}}))
    .newline();
  auto rank = (page - 1) * page_size;
  for (const auto& row : c.rows)
    out.newline().plain(
      texts.format(lang, "top.line", {{"rank", ++rank}, {"name", row.name}, {"count", row.playcount}}));
  return out.take();
}

rich_text format_worth(const i18n::catalog& texts, std::string_view lang,
                       const std::string& who, const user_crowns& c) {
  text_builder out;
  if (c.total == 0)
    out.plain(texts.format(lang, "crowns.none", {{"name", who}}));
  else
    out.plain(crown + texts.format(lang, "crownworth.text",
                                   {{"name", who}, {"crowns", c.total}, {"plays", c.plays}}));
  return out.take();
}

rich_text format_board(const i18n::catalog& texts, std::string_view lang, const crowns_board& b) {
  text_builder out;
  out.bold(crown + texts.format(lang, "crownsinfo.title")).newline();
  if (b.crowns == 0) {
    out.newline().plain(texts.format(lang, "crownsinfo.empty"));
    return out.take();
  }
  out.newline().plain(
    texts.format(lang, "crownsinfo.totals", {{"crowns", b.crowns}, {"holders", b.holders}}));
  out.newline().newline().bold(texts.format(lang, "crownsinfo.top_holders"));
  std::int64_t rank = 0;
  for (const auto& h : b.top_holders)
    out.newline().plain(texts.format(lang, "crownsinfo.holder_line",
                                     {{"rank", ++rank}, {"name", h.name}, {"count", h.crowns}}));
  if (!b.most_switched.empty()) {
    out.newline().newline().bold(texts.format(lang, "crownsinfo.most_switched"));
    for (const auto& c : b.most_switched)
      out.newline().plain(texts.format(
        lang, "crownsinfo.switched_line",
        {{"name", c.name}, {"holder", c.holder_name}, {"count", c.switches}}));
  }
  out.newline().newline().bold(texts.format(lang, "crownsinfo.most_plays"));
  for (const auto& c : b.most_plays)
    out.newline().plain(texts.format(lang, "crownsinfo.plays_line",
                                     {{"name", c.name}, {"holder", c.holder_name}, {"count", c.playcount}}));
  return out.take();
}

rich_text format_history(const i18n::catalog& texts, std::string_view lang,
                         const std::string& artist, const std::vector<crown_entry>& rows,
                         std::string_view zone) {
  text_builder out;
  if (rows.empty()) {
    out.plain(texts.format(lang, "crownhistory.none", {{"name", artist}}));
    return out.take();
  }
  out.bold(crown + texts.format(lang, "crownhistory.title", {{"name", rows.front().name}}))
    .newline();
  for (const auto& r : rows) {
    auto since = i18n::format_local(lang, r.since, zone, i18n::time_style::date_time);
    if (r.until == 0) {
      out.newline().bold(texts.format(lang, "crownhistory.current",
                                      {{"name", r.holder_name}, {"count", r.playcount}, {"since", since}}));
      continue;
    }
    auto until = i18n::format_local(lang, r.until, zone, i18n::time_style::date_time);
    out.newline().plain(texts.format(lang, "crownhistory.line",
                                     {{"name", r.holder_name},
                                      {"count", r.playcount},
                                      {"since", since},
                                      {"until", until}}));
  }
  return out.take();
}

rich_text format_unclaimed(const i18n::catalog& texts, std::string_view lang,
                           const std::vector<crown_entry>& rows) {
  text_builder out;
  if (rows.empty()) {
    out.plain(texts.format(lang, "unclaimed.none"));
    return out.take();
  }
  out.bold(texts.format(lang, "unclaimed.title")).newline();
  std::int64_t rank = 0;
  for (const auto& r : rows)
    out.newline().plain(
      texts.format(lang, "top.line", {{"rank", ++rank}, {"name", r.name}, {"count", r.playcount}}));
  return out.take();
}

} // namespace lastgram::command::groups
